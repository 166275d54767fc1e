//! JSON records: one object per line (JSON lines), or the objects of one top-level array,
//! streamed element by element so that a huge array is never held whole.
//!
//! A small hand-written parser rather than `serde_json`: it only has to split one flat object
//! into key/value cells pointing into the input, and it must be able to stop at the end of the
//! bytes read so far and be retried after more arrive. Nested objects and arrays are checked
//! and kept as their JSON text (whitespace as written).

use std::collections::HashMap;
use std::io::Read;

use memchr::{memchr, memchr2};

use crate::error::TransformError;
use crate::input::InputBuffer;
use crate::record::{Batch, Cell, CellKind, RecordSource};
use crate::scan::{find_either, leading_digits};

/// The most distinct keys made into columns when inferring a schema.
const MAX_COLUMNS: usize = 10_000;

/// Nested values deeper than this are refused rather than risk the stack.
const MAX_DEPTH: usize = 128;

/// How many ignored key names a report lists.
const MAX_IGNORED_NAMES: usize = 64;

/// How the JSON records are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonLayout {
    Lines,
    Array,
}

/// Where an array reader is between elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    BeforeOpen,
    AfterOpen,
    AfterElement,
    AfterComma,
    Closed,
}

/// Key → slot. Growing while inferring (every new key is a column); frozen to the schema's
/// columns when writing, where other keys are ignored and named in the report.
pub(crate) struct KeyIndex {
    names: Vec<String>,
    /// Per name: it has no `"` or `\\`, so its JSON text is the name itself.
    plain: Vec<bool>,
    lookup: HashMap<Box<[u8]>, usize>,
    frozen: bool,
    ignored: Vec<String>,
}

impl KeyIndex {
    pub(crate) fn growing() -> Self {
        KeyIndex { names: Vec::new(), plain: Vec::new(), lookup: HashMap::new(), frozen: false, ignored: Vec::new() }
    }

    pub(crate) fn frozen(names: Vec<String>) -> Self {
        let lookup = names.iter().enumerate().map(|(slot, name)| (name.as_bytes().into(), slot)).collect();
        let plain = names.iter().map(|name| is_plain(name)).collect();
        KeyIndex { names, plain, lookup, frozen: true, ignored: Vec::new() }
    }

    /// Key names that matched no column (at most 64 listed).
    pub(crate) fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// When the key whose text starts at `data[at]` (after its opening quote) is the name of slot
    /// `likely`, written without escapes: where the key ends (after its closing quote). Records
    /// tend to repeat one key order, so this usually spares scanning the key and looking it up.
    #[inline]
    fn likely_key_end(&self, data: &[u8], at: usize, likely: usize) -> Option<usize> {
        let name = self.names.get(likely)?.as_bytes();
        let end = at + name.len();
        let matches = self.plain[likely] && data.get(end) == Some(&b'"') && same_bytes(&data[at..end], name);
        matches.then_some(end + 1)
    }

    /// The slot of `key`; `likely` is tried first because records tend to repeat one key order.
    #[inline]
    fn slot(&mut self, key: &[u8], likely: usize) -> Result<Option<usize>, Stop> {
        if let Some(name) = self.names.get(likely)
            && same_bytes(name.as_bytes(), key)
        {
            return Ok(Some(likely));
        }
        if let Some(&slot) = self.lookup.get(key) {
            return Ok(Some(slot));
        }
        let name = String::from_utf8_lossy(key).into_owned();
        if self.frozen {
            if self.ignored.len() < MAX_IGNORED_NAMES && !self.ignored.contains(&name) {
                self.ignored.push(name);
            }
            return Ok(None);
        }
        if self.names.len() >= MAX_COLUMNS {
            return Err(Stop::TooManyColumns);
        }
        let slot = self.names.len();
        self.lookup.insert(key.into(), slot);
        self.plain.push(is_plain(&name));
        self.names.push(name);
        Ok(Some(slot))
    }
}

pub(crate) struct JsonReader<R> {
    input: InputBuffer<R>,
    layout: JsonLayout,
    array_state: ArrayState,
    keys: KeyIndex,
    cells: Vec<Cell>,
    scratch: Vec<u8>,
    record_starts: Vec<u32>,
    /// Bytes of the batch last returned, consumed when the next one is asked for.
    returned_len: usize,
    /// An error found after the records of the batch last returned, reported next.
    pending_error: Option<TransformError>,
}

/// Why the object parser stopped: one byte, so that a parsed cell comes back in registers
/// rather than through memory (written in parts and read whole, that stalled a load per value).
/// Where and what for `Invalid` are in the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Incomplete,
    Invalid,
    TooManyColumns,
}

/// Why an object could not be parsed from the bytes at hand.
enum Failure {
    /// It goes on past them.
    Incomplete,
    /// It is not valid JSON at this position of the buffer.
    Invalid { at: usize, what: &'static str },
    /// More distinct keys than `MAX_COLUMNS`, while inferring. (Kept a unit variant: a large
    /// error type here would be moved and dropped on every parse step.)
    TooManyColumns,
}

/// Where a pass over the buffer stopped.
struct Parsed {
    /// The end of the last record or token taken.
    end: usize,
    /// An object starts at `end` but goes on past the bytes read (array layout).
    inside_object: bool,
}

impl<R: Read> JsonReader<R> {
    pub(crate) fn new(input: InputBuffer<R>, layout: JsonLayout, keys: KeyIndex) -> Self {
        JsonReader {
            input,
            layout,
            array_state: ArrayState::BeforeOpen,
            keys,
            cells: Vec::new(),
            scratch: Vec::new(),
            record_starts: Vec::new(),
            returned_len: 0,
            pending_error: None,
        }
    }

    pub(crate) fn keys(&self) -> &KeyIndex {
        &self.keys
    }

    fn invalid(&self, at: usize, what: &'static str) -> TransformError {
        TransformError::InvalidJson { line: self.input.line_of(at), offset: self.input.offset_of(at), what }
    }

    fn failure_error(&self, failure: Failure, incomplete_at: usize, incomplete: &'static str) -> TransformError {
        match failure {
            Failure::Incomplete => self.invalid(incomplete_at, incomplete),
            Failure::Invalid { at, what } => self.invalid(at, what),
            Failure::TooManyColumns => TransformError::TooManyColumns { limit: MAX_COLUMNS },
        }
    }

    /// Parses the object at `data()[start..end]` and appends its cells, one per known key.
    fn parse_object_at(&mut self, start: usize, end: usize) -> Result<usize, Failure> {
        let base = self.cells.len();
        self.cells.resize(base + self.keys.names.len(), Cell::NULL);
        let mut parser = ObjectParser {
            data: &self.input.data()[..end],
            pos: start,
            cells: &mut self.cells,
            base,
            scratch: &mut self.scratch,
            what: "",
            last: Cell::NULL,
        };
        let parsed = parser.parse_object(&mut self.keys);
        let (pos, what) = (parser.pos, parser.what);
        match parsed {
            Ok(()) => {
                self.record_starts.push(start as u32);
                Ok(pos)
            }
            Err(stop) => {
                self.cells.truncate(base);
                Err(match stop {
                    Stop::Incomplete => Failure::Incomplete,
                    Stop::Invalid => Failure::Invalid { at: pos, what },
                    Stop::TooManyColumns => Failure::TooManyColumns,
                })
            }
        }
    }

    /// Ends the pass at an error: at once when no record was parsed, else after the batch.
    fn stop_at(&mut self, error: TransformError, end: usize) -> Result<Parsed, TransformError> {
        if self.record_starts.is_empty() {
            return Err(error);
        }
        self.pending_error = Some(error);
        Ok(Parsed { end, inside_object: false })
    }

    /// Parses complete lines into the batch, up to `max_records`.
    fn parse_lines(&mut self, max_records: usize) -> Result<Parsed, TransformError> {
        let at_eof = self.input.at_eof();
        let mut pos = 0;
        while self.record_starts.len() < max_records {
            let data = self.input.data();
            let rest = &data[pos..];
            let (line_end, next) = match memchr(b'\n', rest) {
                Some(newline) => (pos + newline, pos + newline + 1),
                None if at_eof && !rest.is_empty() => (data.len(), data.len()),
                None => break,
            };
            let Some(first) = data[pos..line_end].iter().position(|b| !is_whitespace(*b)).map(|at| pos + at) else {
                pos = next;
                continue;
            };
            if data[first] != b'{' {
                return self.stop_at(self.invalid(first, "expected a JSON object (one per line)"), pos);
            }
            let end = match self.parse_object_at(first, line_end) {
                Ok(end) => end,
                Err(failure) => {
                    let error = self.failure_error(failure, line_end, "the line ends inside the object");
                    return self.stop_at(error, pos);
                }
            };
            let data = self.input.data();
            if let Some(extra) = data[end..line_end].iter().position(|b| !is_whitespace(*b)) {
                self.record_starts.pop();
                self.cells.truncate(self.record_starts.len() * self.keys.names.len());
                return self.stop_at(self.invalid(end + extra, "unexpected text after the object"), pos);
            }
            pos = next;
        }
        Ok(Parsed { end: pos, inside_object: false })
    }

    /// Parses the array's elements into the batch, up to `max_records`, stepping through its
    /// brackets and commas.
    fn parse_elements(&mut self, max_records: usize) -> Result<Parsed, TransformError> {
        let mut pos = 0;
        while self.record_starts.len() < max_records {
            let data = self.input.data();
            let Some(at) = data[pos..].iter().position(|b| !is_whitespace(*b)).map(|at| pos + at) else {
                return Ok(Parsed { end: data.len(), inside_object: false });
            };
            let (state, what) = match (self.array_state, data[at]) {
                (ArrayState::BeforeOpen, b'[') => (ArrayState::AfterOpen, None),
                (ArrayState::BeforeOpen, _) => (ArrayState::BeforeOpen, Some("expected [ to start a JSON array")),
                (ArrayState::AfterOpen | ArrayState::AfterElement, b']') => (ArrayState::Closed, None),
                (ArrayState::AfterElement, b',') => (ArrayState::AfterComma, None),
                (ArrayState::AfterElement, _) => {
                    (ArrayState::AfterElement, Some("expected , or ] after an array element"))
                }
                (ArrayState::AfterOpen | ArrayState::AfterComma, b'{') => {
                    match self.parse_object_at(at, data.len()) {
                        Ok(end) => {
                            self.array_state = ArrayState::AfterElement;
                            pos = end;
                        }
                        Err(Failure::Incomplete) => return Ok(Parsed { end: at, inside_object: true }),
                        Err(failure) => {
                            let error = self.failure_error(failure, at, "");
                            return self.stop_at(error, at);
                        }
                    }
                    continue;
                }
                (ArrayState::AfterComma, b']') => (ArrayState::AfterComma, Some("a comma before ] (trailing comma)")),
                (ArrayState::AfterOpen | ArrayState::AfterComma, _) => {
                    (self.array_state, Some("expected a JSON object as array element"))
                }
                (ArrayState::Closed, _) => (ArrayState::Closed, Some("unexpected text after the closing ]")),
            };
            if let Some(what) = what {
                return self.stop_at(self.invalid(at, what), at);
            }
            self.array_state = state;
            pos = at + 1;
        }
        Ok(Parsed { end: pos, inside_object: false })
    }

    /// After a pass that found no record: reads more input, or says why there is none.
    fn read_on(&mut self, parsed: &Parsed) -> Result<bool, TransformError> {
        let at_eof = self.input.at_eof();
        if self.layout == JsonLayout::Lines && at_eof && self.input.data().is_empty() {
            return Ok(false);
        }
        if self.input.fill()? {
            return Ok(true);
        }
        if self.input.is_truncated_sample() {
            return Ok(false);
        }
        match self.layout {
            JsonLayout::Lines => Ok(true),
            JsonLayout::Array if parsed.inside_object => {
                let end = self.input.data().len();
                Err(self.invalid(end, "the input ends inside an object"))
            }
            JsonLayout::Array => match self.array_state {
                // No input at all: the caller reports it as empty.
                ArrayState::BeforeOpen | ArrayState::Closed => Ok(false),
                _ => Err(self.invalid(0, "the input ends before the array is closed")),
            },
        }
    }
}

impl<R: Read> RecordSource for JsonReader<R> {
    fn next_batch(&mut self, max_records: usize) -> Result<Option<Batch<'_>>, TransformError> {
        if let Some(error) = self.pending_error.take() {
            return Err(error);
        }
        self.input.consume(self.returned_len);
        self.returned_len = 0;
        self.cells.clear();
        self.scratch.clear();
        self.record_starts.clear();
        // While inferring, a record may add a key (a slot), so records are taken one at a time.
        let max_records = if self.keys.frozen { max_records } else { 1 };
        loop {
            let parsed = match self.layout {
                JsonLayout::Lines => self.parse_lines(max_records)?,
                JsonLayout::Array => self.parse_elements(max_records)?,
            };
            if !self.record_starts.is_empty() {
                self.returned_len = parsed.end;
                let slots = self.cells.len() / self.record_starts.len();
                return Ok(Some(Batch {
                    bytes: &self.input.data()[..parsed.end],
                    scratch: &self.scratch,
                    cells: &self.cells,
                    slots,
                    record_starts: &self.record_starts,
                }));
            }
            self.input.consume(parsed.end);
            if !self.read_on(&parsed)? {
                return Ok(None);
            }
        }
    }

    fn record_line(&self, record: usize) -> u64 {
        self.input.line_of(self.record_starts[record] as usize)
    }

    fn slot_names(&self) -> &[String] {
        &self.keys.names
    }
}

/// Slice equality for short keys, without a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in (&mut a_words).zip(&mut b_words) {
        if u64::from_ne_bytes(x.try_into().unwrap_or_default()) != u64::from_ne_bytes(y.try_into().unwrap_or_default())
        {
            return false;
        }
    }
    a_words.remainder().iter().zip(b_words.remainder()).all(|(x, y)| x == y)
}

/// A key name whose JSON text is itself (no quote or backslash to escape).
fn is_plain(name: &str) -> bool {
    !name.contains(['"', '\\']) && !name.bytes().any(|b| b < 0x20)
}

#[inline]
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Splits one object into cells. Running past `data` is `Incomplete`, never an error, so the
/// array reader can retry with more bytes.
struct ObjectParser<'a> {
    data: &'a [u8],
    pos: usize,
    /// The batch's cells; this record's are `cells[base..]`.
    cells: &'a mut Vec<Cell>,
    base: usize,
    scratch: &'a mut Vec<u8>,
    /// Why the parser stopped at `pos`, after `Stop::Invalid`.
    what: &'static str,
    /// The cell of the last key, or of a value whose key is not a column.
    last: Cell,
}

impl ObjectParser<'_> {
    /// Stops at `pos` for the reason `what`.
    fn invalid<T>(&mut self, what: &'static str) -> Result<T, Stop> {
        self.what = what;
        Err(Stop::Invalid)
    }

    #[inline]
    fn peek(&self) -> Result<u8, Stop> {
        self.data.get(self.pos).copied().ok_or(Stop::Incomplete)
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        // Compact JSON has none: one comparison decides.
        if self.data.get(self.pos).is_some_and(|&byte| byte > b' ') {
            return;
        }
        while let Some(&byte) = self.data.get(self.pos) {
            if !is_whitespace(byte) {
                break;
            }
            self.pos += 1;
        }
    }

    /// The object at `pos` (which holds `{`), one cell per known key.
    fn parse_object(&mut self, keys: &mut KeyIndex) -> Result<(), Stop> {
        self.pos += 1;
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        let mut likely_slot = 0;
        loop {
            self.skip_whitespace();
            if self.peek()? != b'"' {
                return self.invalid("expected a key in double quotes");
            }
            let slot = match keys.likely_key_end(self.data, self.pos + 1, likely_slot) {
                Some(end) => {
                    self.pos = end;
                    Some(likely_slot)
                }
                None => {
                    self.parse_string_into(CellKind::JsonText, None)?;
                    let key = self.last;
                    let key_bytes = if key.in_scratch {
                        &self.scratch[key.start as usize..key.end as usize]
                    } else {
                        &self.data[key.start as usize..key.end as usize]
                    };
                    keys.slot(key_bytes, likely_slot)?
                }
            };
            self.skip_whitespace();
            if self.peek()? != b':' {
                return self.invalid("expected : after a key");
            }
            self.pos += 1;
            self.skip_whitespace();
            let index = slot.map(|slot| {
                let index = self.base + slot;
                if index >= self.cells.len() {
                    self.cells.resize(index + 1, Cell::NULL);
                }
                likely_slot = slot + 1;
                index
            });
            self.parse_value_into(index)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.invalid("expected , or } after a value"),
            }
        }
    }

    /// Stores a value's cell at `index` of the batch's cells, or (for a key that is not a
    /// column, and for keys themselves) in `last`. Called where each cell is made: a cell handed
    /// back from several branches was built in memory in parts and read whole, which stalled a
    /// load per value.
    #[inline(always)]
    fn put(&mut self, index: Option<usize>, cell: Cell) {
        match index {
            Some(index) => self.cells[index] = cell,
            None => self.last = cell,
        }
    }

    /// A top-level value of the object, stored with [`Self::put`].
    #[inline(always)]
    fn parse_value_into(&mut self, index: Option<usize>) -> Result<(), Stop> {
        let start = self.pos;
        match self.peek()? {
            b'"' => return self.parse_string_into(CellKind::JsonText, index),
            b'-' | b'0'..=b'9' => {
                self.skip_number()?;
                self.put(index, Cell::new(CellKind::Number, start, self.pos));
            }
            b't' => {
                self.expect_literal(b"true")?;
                self.put(index, Cell::new(CellKind::True, start, self.pos));
            }
            b'f' => {
                self.expect_literal(b"false")?;
                self.put(index, Cell::new(CellKind::False, start, self.pos));
            }
            b'n' => {
                self.expect_literal(b"null")?;
                self.put(index, Cell::NULL);
            }
            b'{' | b'[' => {
                self.skip_value(0)?;
                self.put(index, Cell::new(CellKind::Nested, start, self.pos));
            }
            _ => return self.invalid("expected a value"),
        }
        Ok(())
    }

    /// The string at `pos` (which holds `"`), stored with [`Self::put`]; escaped strings are
    /// decoded into the scratch.
    #[inline(always)]
    fn parse_string_into(&mut self, kind: CellKind, index: Option<usize>) -> Result<(), Stop> {
        let start = self.pos + 1;
        let Some(stop) = find_either(self.data, start, b'"', b'\\') else {
            return Err(Stop::Incomplete);
        };
        if self.data[stop] == b'"' {
            self.pos = stop + 1;
            self.put(index, Cell::new(kind, start, stop));
        } else {
            let cell = self.decode_escaped_string(kind, start, stop)?;
            self.put(index, cell);
        }
        Ok(())
    }

    #[cold]
    fn decode_escaped_string(&mut self, kind: CellKind, start: usize, first_backslash: usize) -> Result<Cell, Stop> {
        let scratch_start = self.scratch.len();
        self.scratch.extend_from_slice(&self.data[start..first_backslash]);
        self.pos = first_backslash;
        loop {
            // At a backslash.
            self.pos += 1;
            let escaped = self.peek()?;
            self.pos += 1;
            let decoded = match escaped {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'b' => 0x08,
                b'f' => 0x0C,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let ch = self.parse_unicode_escape()?;
                    let mut utf8 = [0; 4];
                    self.scratch.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                    0
                }
                _ => {
                    self.pos -= 2;
                    return self.invalid("invalid escape sequence in a string");
                }
            };
            if escaped != b'u' {
                self.scratch.push(decoded);
            }
            let Some(found) = memchr2(b'"', b'\\', &self.data[self.pos..]) else {
                return Err(Stop::Incomplete);
            };
            let stop = self.pos + found;
            self.scratch.extend_from_slice(&self.data[self.pos..stop]);
            self.pos = stop;
            if self.data[stop] == b'"' {
                self.pos += 1;
                return Ok(Cell::in_scratch(kind, scratch_start, self.scratch.len()));
            }
        }
    }

    /// The four hex digits after `\u` (and a second `\uXXXX` for a surrogate pair).
    fn parse_unicode_escape(&mut self) -> Result<char, Stop> {
        let escape_start = self.pos - 2;
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if self.data.get(self.pos..self.pos + 2) != Some(b"\\u") {
                if self.pos + 2 > self.data.len() {
                    return Err(Stop::Incomplete);
                }
                self.pos = escape_start;
                return self.invalid("unpaired UTF-16 surrogate in a \\u escape");
            }
            self.pos += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                self.pos = escape_start;
                return self.invalid("unpaired UTF-16 surrogate in a \\u escape");
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        match char::from_u32(code) {
            Some(ch) => Ok(ch),
            None => {
                self.pos = escape_start;
                self.invalid("unpaired UTF-16 surrogate in a \\u escape")
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let Some(digits) = self.data.get(self.pos..self.pos + 4) else {
            return Err(Stop::Incomplete);
        };
        let mut value = 0;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return self.invalid("invalid \\u escape (expected four hex digits)"),
            };
            value = value * 16 + u32::from(nibble);
        }
        self.pos += 4;
        Ok(value)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    #[inline]
    fn skip_number(&mut self) -> Result<(), Stop> {
        match self.plain_decimal_end() {
            Some(end) => {
                self.pos = end;
                Ok(())
            }
            None => self.skip_number_in_full(),
        }
    }

    /// The end of the usual number (`-?[1-9][0-9]*(\.[0-9]+)?` or `-?0(\.[0-9]+)?`) followed by
    /// something that cannot continue it; `None` for anything else (exponents, errors, the end
    /// of the bytes at hand), which the full grammar then decides.
    #[inline]
    fn plain_decimal_end(&self) -> Option<usize> {
        let data = self.data;
        let digits_end = |from: usize| {
            // Eight bytes at a time while they are there (a number is rarely longer).
            let mut end = from;
            while end + 8 <= data.len() {
                let digits = leading_digits(data, end);
                end += digits;
                if digits < 8 {
                    return end;
                }
            }
            end + data[end..].iter().take_while(|b| b.is_ascii_digit()).count()
        };
        let start = self.pos + usize::from(data.get(self.pos) == Some(&b'-'));
        let mut end = digits_end(start);
        let integer_ok = end == start + 1 || (end > start + 1 && data[start] != b'0');
        if !integer_ok {
            return None;
        }
        if data.get(end) == Some(&b'.') {
            let fraction_end = digits_end(end + 1);
            if fraction_end == end + 1 {
                return None;
            }
            end = fraction_end;
        }
        match data.get(end) {
            Some(b'e' | b'E') | None => None,
            Some(_) => Some(end),
        }
    }

    fn skip_number_in_full(&mut self) -> Result<(), Stop> {
        if self.peek()? == b'-' {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.skip_digits()?,
            _ => return self.invalid("invalid number"),
        }
        if self.peek()? == b'.' {
            self.pos += 1;
            if !self.peek()?.is_ascii_digit() {
                return self.invalid("invalid number: expected a digit after the decimal point");
            }
            self.skip_digits()?;
        }
        if matches!(self.peek()?, b'e' | b'E') {
            self.pos += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.pos += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return self.invalid("invalid number: expected a digit in the exponent");
            }
            self.skip_digits()?;
        }
        Ok(())
    }

    fn skip_digits(&mut self) -> Result<(), Stop> {
        let digits = self.data[self.pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        self.pos += digits;
        // A number that runs to the end of the bytes at hand may go on.
        if self.pos == self.data.len() { Err(Stop::Incomplete) } else { Ok(()) }
    }

    fn expect_literal(&mut self, literal: &'static [u8]) -> Result<(), Stop> {
        let available = &self.data[self.pos..];
        let compared = available.len().min(literal.len());
        if available[..compared] != literal[..compared] {
            return self.invalid("invalid literal (expected true, false or null)");
        }
        if compared < literal.len() {
            return Err(Stop::Incomplete);
        }
        self.pos += literal.len();
        Ok(())
    }

    /// Checks a nested value and moves past it.
    fn skip_value(&mut self, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return self.invalid("nested more than 128 levels deep");
        }
        match self.peek()? {
            b'"' => self.skip_string(),
            b'-' | b'0'..=b'9' => self.skip_number(),
            b't' => self.expect_literal(b"true"),
            b'f' => self.expect_literal(b"false"),
            b'n' => self.expect_literal(b"null"),
            b'{' => {
                self.pos += 1;
                self.skip_whitespace();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_whitespace();
                    if self.peek()? != b'"' {
                        return self.invalid("expected a key in double quotes");
                    }
                    self.skip_string()?;
                    self.skip_whitespace();
                    if self.peek()? != b':' {
                        return self.invalid("expected : after a key");
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    self.skip_value(depth + 1)?;
                    self.skip_whitespace();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return self.invalid("expected , or } after a value"),
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.skip_whitespace();
                if self.peek()? == b']' {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_whitespace();
                    self.skip_value(depth + 1)?;
                    self.skip_whitespace();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return self.invalid("expected , or ] after an array element"),
                    }
                }
            }
            _ => self.invalid("expected a value"),
        }
    }

    /// Moves past the string at `pos`, checking its escapes.
    fn skip_string(&mut self) -> Result<(), Stop> {
        self.pos += 1;
        loop {
            let Some(found) = memchr2(b'"', b'\\', &self.data[self.pos..]) else {
                return Err(Stop::Incomplete);
            };
            self.pos += found;
            if self.data[self.pos] == b'"' {
                self.pos += 1;
                return Ok(());
            }
            self.pos += 1;
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                b'u' => {
                    self.pos += 1;
                    self.hex4()?;
                }
                _ => {
                    self.pos -= 1;
                    return self.invalid("invalid escape sequence in a string");
                }
            }
        }
    }
}
