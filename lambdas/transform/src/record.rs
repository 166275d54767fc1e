//! One parsed record, as the CSV and JSON readers hand it to inference and conversion: cells that
//! point into the reader's buffer, so no value is copied before it is converted.

use crate::error::TransformError;

/// What kind of value a cell holds, which decides how it may be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// No value: an empty unquoted CSV field, a JSON `null`, a missing JSON key.
    Null,
    /// CSV field text: anything may be parsed out of it.
    Text,
    /// A JSON string: parsed as the column's type when configured, but inferred only as a date or
    /// timestamp (a quoted `"42"` stays a string).
    JsonText,
    /// A JSON number, as written.
    Number,
    /// JSON `true`.
    True,
    /// JSON `false`.
    False,
    /// A JSON object or array, as its JSON text.
    Nested,
}

/// One value of a record: its kind and where its bytes are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub(crate) kind: CellKind,
    /// The bytes are in the record's scratch (an unescaped string), not in its input bytes.
    pub(crate) in_scratch: bool,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Cell {
    pub(crate) const NULL: Cell = Cell { kind: CellKind::Null, in_scratch: false, start: 0, end: 0 };

    pub(crate) fn new(kind: CellKind, start: usize, end: usize) -> Cell {
        // Records are capped far below 4 GiB (input::MAX_RECORD_BYTES), so offsets fit in u32.
        Cell { kind, in_scratch: false, start: start as u32, end: end as u32 }
    }

    pub(crate) fn in_scratch(kind: CellKind, start: usize, end: usize) -> Cell {
        Cell { in_scratch: true, ..Cell::new(kind, start, end) }
    }

    /// The cell's bytes within its record.
    #[inline]
    pub(crate) fn bytes<'a>(&self, record: &Record<'a>) -> &'a [u8] {
        let source = if self.in_scratch { record.scratch } else { record.bytes };
        &source[self.start as usize..self.end as usize]
    }
}

/// A parsed record: `cells[slot]` for each slot (CSV field position or JSON key).
pub(crate) struct Record<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) scratch: &'a [u8],
    pub(crate) cells: &'a [Cell],
}

/// A reader of records, CSV or JSON.
pub(crate) trait RecordSource {
    /// The next record, or `None` at the end of the input.
    fn next_record(&mut self) -> Result<Option<Record<'_>>, TransformError>;

    /// The 1-based line where the record last returned starts, for error messages.
    fn record_line(&self) -> u64;

    /// The names of the slots records are indexed by (CSV header, JSON keys seen so far).
    fn slot_names(&self) -> &[String];
}
