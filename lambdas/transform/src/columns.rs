//! One row group's values, column by column: each cell converted to its column's type as it is
//! read, so the buffered row group is typed values, not text.

use crate::record::{Batch, CellKind};
use crate::schema::ColumnType;
use crate::values;

/// The non-null values of one column, in its Parquet physical representation.
pub(crate) enum ColumnValues {
    /// All strings end to end as Parquet's PLAIN encoding has them, each after its length (4
    /// bytes, little-endian), so a page of them is one copy; `ends[i]` is where value `i` ends.
    Strings {
        bytes: Vec<u8>,
        ends: Vec<usize>,
    },
    Int64(Vec<i64>),
    Double(Vec<f64>),
    Boolean(Vec<bool>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(Vec<i64>),
}

/// One column of the row group being built.
pub(crate) struct ColumnBuffer {
    pub(crate) values: ColumnValues,
    /// Parquet definition levels: 1 for a value, 0 for a null.
    pub(crate) definition_levels: Vec<u8>,
}

/// A cell that does not fit its column's type.
pub(crate) struct Mismatch {
    /// The record's index in its batch.
    pub(crate) record: usize,
    pub(crate) column: usize,
    pub(crate) value: String,
}

impl ColumnBuffer {
    pub(crate) fn new(column_type: ColumnType) -> Self {
        let values = match column_type {
            ColumnType::String => ColumnValues::Strings { bytes: Vec::new(), ends: Vec::new() },
            ColumnType::Int => ColumnValues::Int64(Vec::new()),
            ColumnType::Double => ColumnValues::Double(Vec::new()),
            ColumnType::Boolean => ColumnValues::Boolean(Vec::new()),
            ColumnType::Date => ColumnValues::Date(Vec::new()),
            ColumnType::Timestamp => ColumnValues::Timestamp(Vec::new()),
        };
        ColumnBuffer { values, definition_levels: Vec::new() }
    }

    /// Appends the column's cell (at `slot`) of every record of the batch; on a value that does
    /// not fit the column's type, stops and returns that record's index.
    fn push_batch(&mut self, batch: &Batch<'_>, slot: usize) -> Result<(), usize> {
        let levels = &mut self.definition_levels;
        levels.reserve(batch.records());
        match &mut self.values {
            ColumnValues::Strings { bytes: all, ends } => {
                ends.reserve(batch.records());
                for record in 0..batch.records() {
                    let cell = batch.cells[record * batch.slots + slot];
                    let bytes = match cell.kind {
                        CellKind::Null => {
                            levels.push(0);
                            continue;
                        }
                        CellKind::True => b"true".as_slice(),
                        CellKind::False => b"false".as_slice(),
                        _ => batch.bytes_of(cell),
                    };
                    all.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                    all.extend_from_slice(bytes);
                    ends.push(all.len());
                    levels.push(1);
                }
                Ok(())
            }
            ColumnValues::Int64(column) => push_parsed(batch, slot, levels, column, |kind, bytes, tail| {
                if text_or_number(kind) { values::parse_i64_at(tail, bytes.len()) } else { None }
            }),
            ColumnValues::Double(column) => push_parsed(batch, slot, levels, column, |kind, bytes, tail| {
                if text_or_number(kind) { values::parse_f64_at(tail, bytes.len()) } else { None }
            }),
            ColumnValues::Boolean(column) => push_parsed(batch, slot, levels, column, |kind, bytes, _| match kind {
                CellKind::True => Some(true),
                CellKind::False => Some(false),
                CellKind::Text | CellKind::JsonText => values::parse_bool(bytes),
                _ => None,
            }),
            ColumnValues::Date(column) => {
                push_parsed(
                    batch,
                    slot,
                    levels,
                    column,
                    |kind, bytes, _| {
                        if is_text(kind) { values::parse_date(bytes) } else { None }
                    },
                )
            }
            ColumnValues::Timestamp(column) => push_parsed(batch, slot, levels, column, |kind, bytes, _| {
                if is_text(kind) { values::parse_timestamp_micros(bytes) } else { None }
            }),
        }
    }

    /// Rough bytes held, to bound the row group's memory.
    pub(crate) fn buffered_bytes(&self) -> usize {
        let values = match &self.values {
            ColumnValues::Strings { bytes, ends } => bytes.len() + ends.len() * 8,
            ColumnValues::Int64(column) | ColumnValues::Timestamp(column) => column.len() * 8,
            ColumnValues::Double(column) => column.len() * 8,
            ColumnValues::Boolean(column) => column.len(),
            ColumnValues::Date(column) => column.len() * 4,
        };
        values + self.definition_levels.len()
    }

    /// Empties the buffer, keeping its allocations for the next row group.
    pub(crate) fn clear(&mut self) {
        self.definition_levels.clear();
        match &mut self.values {
            ColumnValues::Strings { bytes, ends } => {
                bytes.clear();
                ends.clear();
            }
            ColumnValues::Int64(column) | ColumnValues::Timestamp(column) => column.clear(),
            ColumnValues::Double(column) => column.clear(),
            ColumnValues::Boolean(column) => column.clear(),
            ColumnValues::Date(column) => column.clear(),
        }
    }
}

/// Appends a non-string column's cells, parsed by `parse` (from the cell's kind, bytes, and
/// bytes onward). Empty text (`""` in CSV) is a null
/// in every column but a string one.
#[inline(always)]
fn push_parsed<T>(
    batch: &Batch<'_>,
    slot: usize,
    levels: &mut Vec<u8>,
    column: &mut Vec<T>,
    parse: impl Fn(CellKind, &[u8], &[u8]) -> Option<T>,
) -> Result<(), usize> {
    column.reserve(batch.records());
    for record in 0..batch.records() {
        let cell = batch.cells[record * batch.slots + slot];
        // The value's bytes, and (for parsers that read whole words) what follows them.
        let tail = batch.bytes_from(cell);
        let bytes = &tail[..(cell.end - cell.start) as usize];
        if cell.kind == CellKind::Null || bytes.is_empty() {
            levels.push(0);
            continue;
        }
        match parse(cell.kind, bytes, tail) {
            Some(value) => {
                column.push(value);
                levels.push(1);
            }
            None => return Err(record),
        }
    }
    Ok(())
}

#[inline]
fn is_text(kind: CellKind) -> bool {
    matches!(kind, CellKind::Text | CellKind::JsonText)
}

#[inline]
fn text_or_number(kind: CellKind) -> bool {
    matches!(kind, CellKind::Text | CellKind::JsonText | CellKind::Number)
}

/// The row group being built: one buffer per output column, and which record slot feeds each.
pub(crate) struct RowGroupBuffer {
    pub(crate) columns: Vec<ColumnBuffer>,
    /// `column_slots[column]` is the record slot (CSV field, JSON key) the column is read from.
    column_slots: Vec<usize>,
    pub(crate) rows: usize,
}

impl RowGroupBuffer {
    pub(crate) fn new(column_types: &[ColumnType], column_slots: Vec<usize>) -> Self {
        RowGroupBuffer { columns: column_types.iter().map(|&t| ColumnBuffer::new(t)).collect(), column_slots, rows: 0 }
    }

    /// Appends a batch of records column by column. On a mismatch the row group is left partly
    /// appended, which is fine because the transform stops there; the mismatch reported is the
    /// first in row order, as a row-by-row conversion would find it.
    pub(crate) fn push_batch(&mut self, batch: &Batch<'_>) -> Result<(), Mismatch> {
        let mut first: Option<(usize, usize)> = None;
        for (column, (buffer, &slot)) in self.columns.iter_mut().zip(&self.column_slots).enumerate() {
            if let Err(record) = buffer.push_batch(batch, slot)
                && first.is_none_or(|(earliest, _)| record < earliest)
            {
                first = Some((record, column));
            }
        }
        if let Some((record, column)) = first {
            let cell = batch.cells[record * batch.slots + self.column_slots[column]];
            return Err(Mismatch { record, column, value: shorten(batch.bytes_of(cell)) });
        }
        self.rows += batch.records();
        Ok(())
    }

    pub(crate) fn buffered_bytes(&self) -> usize {
        self.columns.iter().map(ColumnBuffer::buffered_bytes).sum()
    }

    pub(crate) fn clear(&mut self) {
        self.columns.iter_mut().for_each(ColumnBuffer::clear);
        self.rows = 0;
    }
}

/// The value as it appears in an error message.
fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}
