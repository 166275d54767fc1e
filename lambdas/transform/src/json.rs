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
use crate::record::{Cell, CellKind, Record, RecordSource};

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
    lookup: HashMap<Box<[u8]>, usize>,
    frozen: bool,
    ignored: Vec<String>,
}

impl KeyIndex {
    pub(crate) fn growing() -> Self {
        KeyIndex { names: Vec::new(), lookup: HashMap::new(), frozen: false, ignored: Vec::new() }
    }

    pub(crate) fn frozen(names: Vec<String>) -> Self {
        let lookup = names.iter().enumerate().map(|(slot, name)| (name.as_bytes().into(), slot)).collect();
        KeyIndex { names, lookup, frozen: true, ignored: Vec::new() }
    }

    /// Key names that matched no column (at most 64 listed).
    pub(crate) fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// The slot of `key`; `likely` is tried first because records tend to repeat one key order.
    #[inline]
    fn slot(&mut self, key: &[u8], likely: usize) -> Result<Option<usize>, Failure> {
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
            return Err(Failure::TooManyColumns);
        }
        let slot = self.names.len();
        self.lookup.insert(key.into(), slot);
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
    /// Where the record last returned starts in the buffer, and how much to consume after it.
    record_start: usize,
    returned_len: usize,
}

/// Why an object could not be parsed from the bytes at hand.
enum Failure {
    /// It goes on past them.
    Incomplete,
    /// It is not valid JSON at this position (relative to the record's start).
    Invalid { at: usize, what: &'static str },
    /// More distinct keys than `MAX_COLUMNS`, while inferring. (Kept a unit variant: a large
    /// error type here would be moved and dropped on every parse step.)
    TooManyColumns,
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
            record_start: 0,
            returned_len: 0,
        }
    }

    pub(crate) fn keys(&self) -> &KeyIndex {
        &self.keys
    }

    fn invalid(&self, at: usize, what: &'static str) -> TransformError {
        TransformError::InvalidJson { line: self.input.line_of(at), offset: self.input.offset_of(at), what }
    }

    /// Parses an object at `data()[start..end]` into the cells.
    fn parse_object_at(&mut self, start: usize, end: usize) -> Result<usize, Failure> {
        self.cells.clear();
        self.cells.resize(self.keys.names.len(), Cell::NULL);
        self.scratch.clear();
        let mut parser = ObjectParser {
            data: &self.input.data()[start..end],
            pos: 0,
            cells: &mut self.cells,
            scratch: &mut self.scratch,
        };
        parser.parse_object(&mut self.keys)?;
        Ok(parser.pos)
    }

    fn next_line_record(&mut self) -> Result<Option<Record<'_>>, TransformError> {
        loop {
            let data = self.input.data();
            let (line_len, consumed) = match memchr(b'\n', data) {
                Some(newline) => (newline, newline + 1),
                None if self.input.at_eof() => {
                    if data.is_empty() {
                        return Ok(None);
                    }
                    (data.len(), data.len())
                }
                None => {
                    if !self.input.fill()? && self.input.is_truncated_sample() {
                        return Ok(None);
                    }
                    continue;
                }
            };
            let line = &data[..line_len];
            let Some(first) = line.iter().position(|b| !is_whitespace(*b)) else {
                self.input.consume(consumed);
                continue;
            };
            if line[first] != b'{' {
                return Err(self.invalid(first, "expected a JSON object (one per line)"));
            }
            let end = match self.parse_object_at(first, line_len) {
                Ok(len) => first + len,
                Err(Failure::Incomplete) => {
                    return Err(self.invalid(line_len, "the line ends inside the object"));
                }
                Err(Failure::Invalid { at, what }) => return Err(self.invalid(first + at, what)),
                Err(Failure::TooManyColumns) => {
                    return Err(TransformError::TooManyColumns { limit: MAX_COLUMNS });
                }
            };
            let data = self.input.data();
            if let Some(extra) = data[end..line_len].iter().position(|b| !is_whitespace(*b)) {
                return Err(self.invalid(end + extra, "unexpected text after the object"));
            }
            self.record_start = first;
            self.returned_len = consumed;
            return Ok(Some(Record { bytes: &data[first..end], scratch: &self.scratch, cells: &self.cells }));
        }
    }

    fn next_array_record(&mut self) -> Result<Option<Record<'_>>, TransformError> {
        loop {
            let data = self.input.data();
            let at = data.iter().position(|b| !is_whitespace(*b)).unwrap_or(data.len());
            if at == data.len() {
                self.input.consume(at);
                if !self.input.fill()? {
                    if self.input.is_truncated_sample() {
                        return Ok(None);
                    }
                    return match self.array_state {
                        // No input at all: the caller reports it as empty.
                        ArrayState::BeforeOpen | ArrayState::Closed => Ok(None),
                        _ => Err(self.invalid(0, "the input ends before the array is closed")),
                    };
                }
                continue;
            }
            let byte = data[at];
            match (self.array_state, byte) {
                (ArrayState::BeforeOpen, b'[') => {
                    self.input.consume(at + 1);
                    self.array_state = ArrayState::AfterOpen;
                }
                (ArrayState::BeforeOpen, _) => {
                    return Err(self.invalid(at, "expected [ to start a JSON array"));
                }
                (ArrayState::AfterOpen, b']') => {
                    self.input.consume(at + 1);
                    self.array_state = ArrayState::Closed;
                }
                (ArrayState::AfterElement, b',') => {
                    self.input.consume(at + 1);
                    self.array_state = ArrayState::AfterComma;
                }
                (ArrayState::AfterElement, b']') => {
                    self.input.consume(at + 1);
                    self.array_state = ArrayState::Closed;
                }
                (ArrayState::AfterElement, _) => {
                    return Err(self.invalid(at, "expected , or ] after an array element"));
                }
                (ArrayState::AfterOpen | ArrayState::AfterComma, b'{') => {
                    let end = data.len();
                    match self.parse_object_at(at, end) {
                        Ok(len) => {
                            self.record_start = at;
                            self.returned_len = at + len;
                            self.array_state = ArrayState::AfterElement;
                            let data = self.input.data();
                            return Ok(Some(Record {
                                bytes: &data[at..at + len],
                                scratch: &self.scratch,
                                cells: &self.cells,
                            }));
                        }
                        Err(Failure::Incomplete) => {
                            // Keep the element's start and read on; the buffer grows if needed.
                            self.input.consume(at);
                            if !self.input.fill()? {
                                if self.input.is_truncated_sample() {
                                    return Ok(None);
                                }
                                let end = self.input.data().len();
                                return Err(self.invalid(end, "the input ends inside an object"));
                            }
                        }
                        Err(Failure::Invalid { at: within, what }) => {
                            return Err(self.invalid(at + within, what));
                        }
                        Err(Failure::TooManyColumns) => {
                            return Err(TransformError::TooManyColumns { limit: MAX_COLUMNS });
                        }
                    }
                }
                (ArrayState::AfterComma, b']') => {
                    return Err(self.invalid(at, "a comma before ] (trailing comma)"));
                }
                (ArrayState::AfterOpen | ArrayState::AfterComma, _) => {
                    return Err(self.invalid(at, "expected a JSON object as array element"));
                }
                (ArrayState::Closed, _) => {
                    return Err(self.invalid(at, "unexpected text after the closing ]"));
                }
            }
        }
    }
}

impl<R: Read> RecordSource for JsonReader<R> {
    fn next_record(&mut self) -> Result<Option<Record<'_>>, TransformError> {
        self.input.consume(self.returned_len);
        self.returned_len = 0;
        self.record_start = 0;
        match self.layout {
            JsonLayout::Lines => self.next_line_record(),
            JsonLayout::Array => self.next_array_record(),
        }
    }

    fn record_line(&self) -> u64 {
        self.input.line_of(self.record_start)
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

#[inline]
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Splits one object into cells. Running past `data` is `Incomplete`, never an error, so the
/// array reader can retry with more bytes.
struct ObjectParser<'a> {
    data: &'a [u8],
    pos: usize,
    cells: &'a mut Vec<Cell>,
    scratch: &'a mut Vec<u8>,
}

impl ObjectParser<'_> {
    fn invalid<T>(&self, what: &'static str) -> Result<T, Failure> {
        Err(Failure::Invalid { at: self.pos, what })
    }

    #[inline]
    fn peek(&self) -> Result<u8, Failure> {
        self.data.get(self.pos).copied().ok_or(Failure::Incomplete)
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(&byte) = self.data.get(self.pos) {
            if !is_whitespace(byte) {
                break;
            }
            self.pos += 1;
        }
    }

    /// The object at `pos` (which holds `{`), one cell per known key.
    fn parse_object(&mut self, keys: &mut KeyIndex) -> Result<(), Failure> {
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
            let key = self.parse_string(CellKind::JsonText)?;
            let key_bytes = if key.in_scratch {
                &self.scratch[key.start as usize..key.end as usize]
            } else {
                &self.data[key.start as usize..key.end as usize]
            };
            let slot = keys.slot(key_bytes, likely_slot)?;
            self.skip_whitespace();
            if self.peek()? != b':' {
                return self.invalid("expected : after a key");
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.parse_value()?;
            if let Some(slot) = slot {
                if slot >= self.cells.len() {
                    self.cells.resize(slot + 1, Cell::NULL);
                }
                self.cells[slot] = value;
                likely_slot = slot + 1;
            }
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

    /// A top-level value of the object.
    fn parse_value(&mut self) -> Result<Cell, Failure> {
        let start = self.pos;
        match self.peek()? {
            b'"' => self.parse_string(CellKind::JsonText),
            b'-' | b'0'..=b'9' => {
                self.skip_number()?;
                Ok(Cell::new(CellKind::Number, start, self.pos))
            }
            b't' => {
                self.expect_literal(b"true")?;
                Ok(Cell::new(CellKind::True, start, self.pos))
            }
            b'f' => {
                self.expect_literal(b"false")?;
                Ok(Cell::new(CellKind::False, start, self.pos))
            }
            b'n' => {
                self.expect_literal(b"null")?;
                Ok(Cell::NULL)
            }
            b'{' | b'[' => {
                self.skip_value(0)?;
                Ok(Cell::new(CellKind::Nested, start, self.pos))
            }
            _ => self.invalid("expected a value"),
        }
    }

    /// The string at `pos` (which holds `"`); escaped strings are decoded into the scratch.
    #[inline]
    fn parse_string(&mut self, kind: CellKind) -> Result<Cell, Failure> {
        let start = self.pos + 1;
        let Some(found) = memchr2(b'"', b'\\', &self.data[start..]) else {
            return Err(Failure::Incomplete);
        };
        let stop = start + found;
        if self.data[stop] == b'"' {
            self.pos = stop + 1;
            return Ok(Cell::new(kind, start, stop));
        }
        self.decode_escaped_string(kind, start, stop)
    }

    fn decode_escaped_string(&mut self, kind: CellKind, start: usize, first_backslash: usize) -> Result<Cell, Failure> {
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
                return Err(Failure::Incomplete);
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
    fn parse_unicode_escape(&mut self) -> Result<char, Failure> {
        let escape_start = self.pos - 2;
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if self.data.get(self.pos..self.pos + 2) != Some(b"\\u") {
                if self.pos + 2 > self.data.len() {
                    return Err(Failure::Incomplete);
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

    fn hex4(&mut self) -> Result<u32, Failure> {
        let Some(digits) = self.data.get(self.pos..self.pos + 4) else {
            return Err(Failure::Incomplete);
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
    fn skip_number(&mut self) -> Result<(), Failure> {
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

    fn skip_digits(&mut self) -> Result<(), Failure> {
        while self.peek()?.is_ascii_digit() {
            self.pos += 1;
        }
        Ok(())
    }

    fn expect_literal(&mut self, literal: &'static [u8]) -> Result<(), Failure> {
        let available = &self.data[self.pos..];
        let compared = available.len().min(literal.len());
        if available[..compared] != literal[..compared] {
            return self.invalid("invalid literal (expected true, false or null)");
        }
        if compared < literal.len() {
            return Err(Failure::Incomplete);
        }
        self.pos += literal.len();
        Ok(())
    }

    /// Checks a nested value and moves past it.
    fn skip_value(&mut self, depth: usize) -> Result<(), Failure> {
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
    fn skip_string(&mut self) -> Result<(), Failure> {
        self.pos += 1;
        loop {
            let Some(found) = memchr2(b'"', b'\\', &self.data[self.pos..]) else {
                return Err(Failure::Incomplete);
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
