//! Parsed records, as the CSV and JSON readers hand them to inference and conversion: cells that
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
}

/// Records parsed from one stretch of the input: `cells[record * slots + slot]` for each record
/// and slot (CSV field position or JSON key). Converting a batch column by column keeps each
/// column's conversion in one tight loop.
pub(crate) struct Batch<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) scratch: &'a [u8],
    pub(crate) cells: &'a [Cell],
    pub(crate) slots: usize,
    /// Where each record starts in `bytes`, for error messages.
    pub(crate) record_starts: &'a [u32],
}

impl<'a> Batch<'a> {
    pub(crate) fn records(&self) -> usize {
        self.record_starts.len()
    }

    /// The bytes of a cell of this batch.
    #[inline]
    pub(crate) fn bytes_of(&self, cell: Cell) -> &'a [u8] {
        &self.bytes_from(cell)[..(cell.end - cell.start) as usize]
    }

    /// The bytes from a cell's start to the end of its source: the cell's, then what follows,
    /// which lets a parser read whole words past a short value.
    #[inline]
    pub(crate) fn bytes_from(&self, cell: Cell) -> &'a [u8] {
        let source = if cell.in_scratch { self.scratch } else { self.bytes };
        &source[cell.start as usize..]
    }

    /// One record's cells, one per slot.
    pub(crate) fn record(&self, record: usize) -> &'a [Cell] {
        &self.cells[record * self.slots..(record + 1) * self.slots]
    }
}

/// A reader of records, CSV or JSON, a batch at a time.
pub(crate) trait RecordSource {
    /// The next records (at least one, at most `max_records`), or `None` at the end of the input.
    /// An error found after some records is returned by the call after the batch holding them.
    fn next_batch(&mut self, max_records: usize) -> Result<Option<Batch<'_>>, TransformError>;

    /// The 1-based line where record `record` of the batch last returned starts.
    fn record_line(&self, record: usize) -> u64;

    /// The names of the slots records are indexed by (CSV header, JSON keys seen so far).
    fn slot_names(&self) -> &[String];
}
