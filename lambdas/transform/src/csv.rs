//! CSV records (RFC 4180: a header row, double-quoted fields with `""` escapes, CRLF or LF).
//!
//! Hand-written rather than `csv-core` so that the common line without quotes is split with
//! two `memchr` scans, and so that an empty unquoted field (null) can be told from `""` (an
//! empty string). An unquoted field that contains a quote keeps it as text.

use std::io::Read;

use memchr::{memchr, memchr2};

use crate::error::TransformError;
use crate::input::InputBuffer;
use crate::record::{Cell, CellKind, Record, RecordSource};

/// How CSV text is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter, `,` by default.
    pub delimiter: u8,
    /// The quote character, `"` by default; doubled inside a quoted field to stand for itself.
    pub quote: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',', quote: b'"' }
    }
}

pub(crate) struct CsvReader<R> {
    input: InputBuffer<R>,
    options: CsvOptions,
    header: Vec<String>,
    cells: Vec<Cell>,
    scratch: Vec<u8>,
    /// Bytes of the record last returned, consumed when the next one is asked for (so that its
    /// line can still be computed for an error).
    returned_len: usize,
    rows: u64,
}

/// What one attempt to parse a record at the start of the buffer found.
enum Parsed {
    /// A record of this many bytes (with its line ending); its cells are in `cells`.
    Record(usize),
    /// An empty line of this many bytes.
    BlankLine(usize),
    /// The record goes on past the bytes read so far.
    Incomplete,
}

/// A quoting error at a position in the buffer.
struct Malformed {
    at: usize,
    what: &'static str,
}

impl<R: Read> CsvReader<R> {
    /// Reads the header row.
    pub(crate) fn new(input: InputBuffer<R>, options: CsvOptions) -> Result<Self, TransformError> {
        let mut reader = CsvReader {
            input,
            options,
            header: Vec::new(),
            cells: Vec::new(),
            scratch: Vec::new(),
            returned_len: 0,
            rows: 0,
        };
        let names: Vec<String> = match reader.read_record()? {
            None => return Err(TransformError::Empty { what: "no header row" }),
            Some(record) => {
                record.cells.iter().map(|cell| String::from_utf8_lossy(cell.bytes(&record)).trim().to_owned()).collect()
            }
        };
        reader.header = unique_column_names(names);
        Ok(reader)
    }

    fn read_record(&mut self) -> Result<Option<Record<'_>>, TransformError> {
        self.input.consume(self.returned_len);
        self.returned_len = 0;
        loop {
            let at_eof = self.input.at_eof();
            let parsed = parse_record(self.input.data(), at_eof, self.options, &mut self.cells, &mut self.scratch);
            match parsed {
                Ok(Parsed::Record(len)) => {
                    self.returned_len = len;
                    let data = self.input.data();
                    return Ok(Some(Record { bytes: &data[..len], scratch: &self.scratch, cells: &self.cells }));
                }
                Ok(Parsed::BlankLine(len)) => self.input.consume(len),
                Ok(Parsed::Incomplete) => {
                    let at_end = self.input.data().is_empty() && at_eof;
                    if at_end || (!self.input.fill()? && self.input.is_truncated_sample()) {
                        // The end, or a sample that ends inside a record: drop the partial one.
                        return Ok(None);
                    }
                }
                Err(Malformed { at, what }) => {
                    return Err(TransformError::MalformedCsv {
                        line: self.input.line_of(at),
                        offset: self.input.offset_of(at),
                        what,
                    });
                }
            }
        }
    }
}

impl<R: Read> RecordSource for CsvReader<R> {
    fn next_record(&mut self) -> Result<Option<Record<'_>>, TransformError> {
        let expected = self.header.len();
        let row = self.rows + 1;
        let found = match self.read_record()? {
            None => return Ok(None),
            Some(record) => record.cells.len(),
        };
        if found != expected {
            return Err(TransformError::CsvFieldCount { row, line: self.record_line(), expected, found });
        }
        self.rows = row;
        let data = self.input.data();
        Ok(Some(Record { bytes: &data[..self.returned_len], scratch: &self.scratch, cells: &self.cells }))
    }

    fn record_line(&self) -> u64 {
        self.input.line_of(0)
    }

    fn slot_names(&self) -> &[String] {
        &self.header
    }
}

/// Names for the header's columns: an empty name becomes `column_N`, a repeated one gets `_2`,
/// `_3`, ... so that every Parquet column has a distinct, non-empty name.
fn unique_column_names(names: Vec<String>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::with_capacity(names.len());
    for (index, name) in names.into_iter().enumerate() {
        let base = if name.is_empty() { format!("column_{}", index + 1) } else { name };
        let mut candidate = base.clone();
        let mut suffix = 2;
        while unique.contains(&candidate) {
            candidate = format!("{base}_{suffix}");
            suffix += 1;
        }
        unique.push(candidate);
    }
    unique
}

/// Parses the record at the start of `data`. Without quotes in the line (the common case) the
/// fields are split with `memchr`; otherwise a byte-level walk handles quoting.
fn parse_record(
    data: &[u8],
    at_eof: bool,
    options: CsvOptions,
    cells: &mut Vec<Cell>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, Malformed> {
    let (line_len, consumed) = match memchr(b'\n', data) {
        Some(newline) => (newline, newline + 1),
        None if at_eof && !data.is_empty() => (data.len(), data.len()),
        None => return Ok(Parsed::Incomplete),
    };
    let mut line = &data[..line_len];
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    if line.is_empty() {
        return Ok(Parsed::BlankLine(consumed));
    }
    if split_unquoted_line(line, options, cells) {
        Ok(Parsed::Record(consumed))
    } else {
        parse_quoted_record(data, at_eof, options, cells, scratch)
    }
}

const LOW_SEVEN_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// 0x80 in each byte of `word` that equals the byte repeated in `splat`, 0 elsewhere (exact:
/// no false positives, unlike the shorter `haszero` trick).
#[inline]
fn bytes_equal(word: u64, splat: u64) -> u64 {
    let x = word ^ splat;
    !(((x & LOW_SEVEN_BITS).wrapping_add(LOW_SEVEN_BITS)) | x | LOW_SEVEN_BITS)
}

/// Splits a line into fields at delimiters, eight bytes at a time; false (and cells undefined)
/// if the line has a quote, which needs the general parser. Most lines have no quote, and a
/// word-at-a-time scan finds both characters in one pass with no call per field.
#[inline]
fn split_unquoted_line(line: &[u8], options: CsvOptions, cells: &mut Vec<Cell>) -> bool {
    let delimiters = u64::from_ne_bytes([options.delimiter; 8]);
    let quotes = u64::from_ne_bytes([options.quote; 8]);
    cells.clear();
    let mut field_start = 0;
    let mut words = line.chunks_exact(8);
    let mut word_start = 0;
    for chunk in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        if bytes_equal(word, quotes) != 0 {
            return false;
        }
        let mut found = bytes_equal(word, delimiters);
        while found != 0 {
            let at = word_start + (found.trailing_zeros() / 8) as usize;
            cells.push(text_cell(field_start, at));
            field_start = at + 1;
            found &= found - 1;
        }
        word_start += 8;
    }
    for (index, &byte) in words.remainder().iter().enumerate() {
        if byte == options.quote {
            return false;
        }
        if byte == options.delimiter {
            let at = word_start + index;
            cells.push(text_cell(field_start, at));
            field_start = at + 1;
        }
    }
    cells.push(text_cell(field_start, line.len()));
    true
}

/// An unquoted field: empty means null.
#[inline]
fn text_cell(start: usize, end: usize) -> Cell {
    if start == end { Cell::NULL } else { Cell::new(CellKind::Text, start, end) }
}

/// The general case: quoted fields, which may hold delimiters, newlines and `""`.
fn parse_quoted_record(
    data: &[u8],
    at_eof: bool,
    options: CsvOptions,
    cells: &mut Vec<Cell>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, Malformed> {
    let CsvOptions { delimiter, quote } = options;
    cells.clear();
    scratch.clear();
    let len = data.len();
    let mut pos = 0;
    loop {
        if pos < len && data[pos] == quote {
            let opening = pos;
            pos += 1;
            let mut segment_start = pos;
            let mut unescaped_start = None;
            loop {
                let Some(found) = memchr(quote, &data[pos..]) else {
                    return if at_eof {
                        Err(Malformed { at: opening, what: "quoted field is never closed" })
                    } else {
                        Ok(Parsed::Incomplete)
                    };
                };
                let quote_at = pos + found;
                if quote_at + 1 == len && !at_eof {
                    // Closing quote or the first half of `""`: the next read tells.
                    return Ok(Parsed::Incomplete);
                }
                if data.get(quote_at + 1) == Some(&quote) {
                    // `""` stands for one quote: copy the text so far, quote included.
                    unescaped_start.get_or_insert(scratch.len());
                    scratch.extend_from_slice(&data[segment_start..=quote_at]);
                    pos = quote_at + 2;
                    segment_start = pos;
                    continue;
                }
                match unescaped_start {
                    Some(start) => {
                        scratch.extend_from_slice(&data[segment_start..quote_at]);
                        cells.push(Cell::in_scratch(CellKind::Text, start, scratch.len()));
                    }
                    None => cells.push(Cell::new(CellKind::Text, segment_start, quote_at)),
                }
                pos = quote_at + 1;
                break;
            }
            // After the closing quote: a delimiter, the line's end, or the input's end.
            match data.get(pos) {
                None if at_eof => return Ok(Parsed::Record(pos)),
                None => return Ok(Parsed::Incomplete),
                Some(&b) if b == delimiter => pos += 1,
                Some(b'\n') => return Ok(Parsed::Record(pos + 1)),
                Some(b'\r') => match data.get(pos + 1) {
                    Some(b'\n') => return Ok(Parsed::Record(pos + 2)),
                    None if !at_eof => return Ok(Parsed::Incomplete),
                    None => return Ok(Parsed::Record(pos + 1)),
                    Some(_) => {
                        return Err(Malformed {
                            at: pos,
                            what: "carriage return after a closing quote is not followed by a newline",
                        });
                    }
                },
                Some(_) => {
                    return Err(Malformed {
                        at: pos,
                        what: "unexpected character after a closing quote (a quote inside a quoted field must be doubled)",
                    });
                }
            }
        } else {
            match memchr2(delimiter, b'\n', &data[pos..]) {
                Some(found) => {
                    let end = pos + found;
                    if data[end] == delimiter {
                        cells.push(text_cell(pos, end));
                        pos = end + 1;
                    } else {
                        let field_end = if end > pos && data[end - 1] == b'\r' { end - 1 } else { end };
                        cells.push(text_cell(pos, field_end));
                        return Ok(Parsed::Record(end + 1));
                    }
                }
                None if at_eof => {
                    let field_end = if len > pos && data[len - 1] == b'\r' { len - 1 } else { len };
                    cells.push(text_cell(pos, field_end));
                    return Ok(Parsed::Record(len));
                }
                None => return Ok(Parsed::Incomplete),
            }
        }
    }
}
