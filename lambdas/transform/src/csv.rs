//! CSV records (RFC 4180: a header row, double-quoted fields with `""` escapes, CRLF or LF).
//!
//! Hand-written rather than `csv-core` so that the common line without quotes is split with
//! two `memchr` scans, and so that an empty unquoted field (null) can be told from `""` (an
//! empty string). An unquoted field that contains a quote keeps it as text.

use std::io::Read;

use memchr::{memchr, memchr2};

use crate::error::TransformError;
use crate::input::InputBuffer;
use crate::record::{Batch, Cell, CellKind, RecordSource};
use crate::scan::masks16;

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
    record_starts: Vec<u32>,
    /// Bytes of the batch last returned, consumed when the next one is asked for (so that its
    /// lines can still be computed for an error).
    returned_len: usize,
    /// Records returned so far (the header included until it is read).
    rows: u64,
    /// An error found after the records of the batch last returned, reported next.
    pending_error: Option<TransformError>,
}

/// What one attempt to parse a record at a position in the buffer found.
enum Parsed {
    /// A record ending (after its line ending) here; its cells were appended.
    Record(usize),
    /// An empty line ending here.
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
            record_starts: Vec::new(),
            returned_len: 0,
            rows: 0,
            pending_error: None,
        };
        let names: Vec<String> = match reader.next_batch(1)? {
            None => return Err(TransformError::Empty { what: "no header row" }),
            Some(batch) => batch
                .record(0)
                .iter()
                .map(|&cell| String::from_utf8_lossy(batch.bytes_of(cell)).trim().to_owned())
                .collect(),
        };
        reader.header = unique_column_names(names);
        reader.rows = 0;
        Ok(reader)
    }

    /// Parses complete records from the buffer into the batch, up to `max_records`; returns
    /// where the last one ends. An error stops the batch: it is returned at once when the batch
    /// is empty, else kept for the next call.
    fn parse_batch(&mut self, max_records: usize) -> Result<usize, TransformError> {
        let data = self.input.data();
        let at_eof = self.input.at_eof();
        // The header's field count is not known while the header itself is read.
        let expected = (!self.header.is_empty()).then_some(self.header.len());
        let mut pos = 0;
        while self.record_starts.len() < max_records {
            let cells_before = self.cells.len();
            let scratch_before = self.scratch.len();
            let failure = match parse_record(data, pos, at_eof, self.options, &mut self.cells, &mut self.scratch) {
                Ok(Parsed::Record(end)) => {
                    let found = self.cells.len() - cells_before;
                    match expected {
                        Some(expected) if found != expected => TransformError::CsvFieldCount {
                            row: self.rows + 1,
                            line: self.input.line_of(pos),
                            expected,
                            found,
                        },
                        _ => {
                            self.record_starts.push(pos as u32);
                            self.rows += 1;
                            pos = end;
                            continue;
                        }
                    }
                }
                Ok(Parsed::BlankLine(end)) => {
                    pos = end;
                    continue;
                }
                Ok(Parsed::Incomplete) => {
                    self.cells.truncate(cells_before);
                    self.scratch.truncate(scratch_before);
                    break;
                }
                Err(Malformed { at, what }) => TransformError::MalformedCsv {
                    line: self.input.line_of(at),
                    offset: self.input.offset_of(at),
                    what,
                },
            };
            self.cells.truncate(cells_before);
            if self.record_starts.is_empty() {
                return Err(failure);
            }
            self.pending_error = Some(failure);
            break;
        }
        Ok(pos)
    }
}

impl<R: Read> RecordSource for CsvReader<R> {
    fn next_batch(&mut self, max_records: usize) -> Result<Option<Batch<'_>>, TransformError> {
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        self.input.consume(self.returned_len);
        self.returned_len = 0;
        self.cells.clear();
        self.scratch.clear();
        self.record_starts.clear();
        loop {
            let at_eof = self.input.at_eof();
            let end = self.parse_batch(max_records)?;
            if !self.record_starts.is_empty() {
                self.returned_len = end;
                let slots = self.cells.len() / self.record_starts.len();
                return Ok(Some(Batch {
                    bytes: &self.input.data()[..end],
                    scratch: &self.scratch,
                    cells: &self.cells,
                    slots,
                    record_starts: &self.record_starts,
                }));
            }
            // No complete record: drop the blank lines seen and read on.
            self.input.consume(end);
            let at_end = self.input.data().is_empty() && at_eof;
            if at_end || (!self.input.fill()? && self.input.is_truncated_sample()) {
                // The end, or a sample that ends inside a record: drop the partial one.
                return Ok(None);
            }
        }
    }

    fn record_line(&self, record: usize) -> u64 {
        self.input.line_of(self.record_starts[record] as usize)
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

/// Parses the record at `data[start..]`, appending its cells (positions within `data`).
/// A record without quotes (the common case) is split a word at a time; otherwise, and for the
/// few bytes at the buffer's end, a byte-level walk handles quoting. On `Incomplete` or an
/// error, cells and scratch may hold part of the record.
#[inline]
fn parse_record(
    data: &[u8],
    start: usize,
    at_eof: bool,
    options: CsvOptions,
    cells: &mut Vec<Cell>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, Malformed> {
    match &data[start..] {
        [] => return Ok(Parsed::Incomplete),
        [b'\n', ..] => return Ok(Parsed::BlankLine(start + 1)),
        [b'\r', b'\n', ..] => return Ok(Parsed::BlankLine(start + 2)),
        [b'\r'] if at_eof => return Ok(Parsed::BlankLine(start + 1)),
        _ => {}
    }
    let cells_before = cells.len();
    if let Some(end) = split_unquoted_record(data, start, options, cells) {
        return Ok(Parsed::Record(end));
    }
    cells.truncate(cells_before);
    parse_quoted_record(data, start, at_eof, options, cells, scratch)
}

/// Splits the record at `data[start..]` at delimiters up to its newline, 16 bytes at a time
/// (delimiters, quote and newline found in one pass, with no call per field or line); returns
/// where the record ends, after its newline. `None` if the record has a quote or its newline is
/// not within the whole blocks left in `data`: the general parser decides then.
#[inline]
fn split_unquoted_record(data: &[u8], start: usize, options: CsvOptions, cells: &mut Vec<Cell>) -> Option<usize> {
    let searched = [options.delimiter, options.quote, b'\n'];
    let mut field_start = start;
    let mut block_start = start;
    while block_start + 16 <= data.len() {
        let [delimiters, quotes, newlines] = masks16(data, block_start, searched);
        // The bits of the bytes before the first newline (all of them without one).
        let before_newline = (newlines & newlines.wrapping_neg()).wrapping_sub(1);
        if quotes & before_newline != 0 {
            return None;
        }
        let mut found = delimiters & before_newline;
        while found != 0 {
            let at = block_start + found.trailing_zeros() as usize;
            cells.push(text_cell(field_start, at));
            field_start = at + 1;
            found &= found - 1;
        }
        if newlines != 0 {
            let at = block_start + newlines.trailing_zeros() as usize;
            let field_end = if at > field_start && data[at - 1] == b'\r' { at - 1 } else { at };
            cells.push(text_cell(field_start, field_end));
            return Some(at + 1);
        }
        block_start += 16;
    }
    None
}

/// An unquoted field: empty means null.
#[inline]
fn text_cell(start: usize, end: usize) -> Cell {
    if start == end { Cell::NULL } else { Cell::new(CellKind::Text, start, end) }
}

/// The general case: quoted fields, which may hold delimiters, newlines and `""`.
fn parse_quoted_record(
    data: &[u8],
    start: usize,
    at_eof: bool,
    options: CsvOptions,
    cells: &mut Vec<Cell>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, Malformed> {
    let CsvOptions { delimiter, quote } = options;
    let len = data.len();
    let mut pos = start;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a parsed record ends, and its cells as (kind, start, end).
    type Parse = Option<(usize, Vec<(CellKind, u32, u32)>)>;

    fn cells_of(result: Result<Parsed, Malformed>, cells: &[Cell]) -> Parse {
        match result {
            Ok(Parsed::Record(end)) => Some((end, cells.iter().map(|c| (c.kind, c.start, c.end)).collect())),
            _ => None,
        }
    }

    #[test]
    fn the_word_at_a_time_split_agrees_with_the_general_parser() {
        let options = CsvOptions::default();
        // Quotes rare enough that most records take the word-at-a-time path.
        let alphabet = b"ab,,\r \n\"abcdefghijklmnopqrstuvwxyz";
        let mut state: u64 = 7;
        let mut next = |below: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % below
        };
        let mut compared = 0;
        for _ in 0..100_000 {
            let length = next(64);
            let data: Vec<u8> = (0..length).map(|_| alphabet[next(alphabet.len())]).collect();
            let start = next(length + 1);
            if data[start..].starts_with(b"\n") || data[start..].starts_with(b"\r\n") {
                continue;
            }
            let mut fast = Vec::new();
            let Some(end) = split_unquoted_record(&data, start, options, &mut fast) else {
                continue;
            };
            let (mut general, mut scratch) = (Vec::new(), Vec::new());
            let expected =
                cells_of(parse_quoted_record(&data, start, false, options, &mut general, &mut scratch), &general);
            assert_eq!(cells_of(Ok(Parsed::Record(end)), &fast), expected, "{data:?} at {start}");
            compared += 1;
        }
        assert!(compared > 10_000, "{compared}");
    }
}
