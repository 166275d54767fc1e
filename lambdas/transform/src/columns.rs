//! One row group's values, column by column: each cell converted to its column's type as it is
//! read, so the buffered row group is typed values, not text.

use crate::record::{Cell, CellKind, Record};
use crate::schema::ColumnType;
use crate::values;

/// The non-null values of one column, in its Parquet physical representation.
pub(crate) enum ColumnValues {
    /// All strings end to end; `ends[i]` is where value `i` ends.
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
    pub(crate) definition_levels: Vec<i16>,
}

/// A cell that does not fit its column's type.
pub(crate) struct Mismatch {
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

    /// Appends one cell; false when it does not fit the column's type (nothing is appended).
    #[inline]
    fn push(&mut self, kind: CellKind, bytes: &[u8]) -> bool {
        let is_string_column = matches!(self.values, ColumnValues::Strings { .. });
        // Empty text (`""` in CSV) is a null in every column but a string one.
        if kind == CellKind::Null || (bytes.is_empty() && !is_string_column) {
            self.definition_levels.push(0);
            return true;
        }
        let stored = match &mut self.values {
            ColumnValues::Strings { bytes: all, ends } => {
                match kind {
                    CellKind::True => all.extend_from_slice(b"true"),
                    CellKind::False => all.extend_from_slice(b"false"),
                    _ => all.extend_from_slice(bytes),
                }
                ends.push(all.len());
                true
            }
            ColumnValues::Int64(column) => text_or_number(kind) && push_some(column, values::parse_i64(bytes)),
            ColumnValues::Double(column) => text_or_number(kind) && push_some(column, values::parse_f64(bytes)),
            ColumnValues::Boolean(column) => match kind {
                CellKind::True => push_some(column, Some(true)),
                CellKind::False => push_some(column, Some(false)),
                CellKind::Text | CellKind::JsonText => push_some(column, values::parse_bool(bytes)),
                _ => false,
            },
            ColumnValues::Date(column) => is_text(kind) && push_some(column, values::parse_date(bytes)),
            ColumnValues::Timestamp(column) => {
                is_text(kind) && push_some(column, values::parse_timestamp_micros(bytes))
            }
        };
        if stored {
            self.definition_levels.push(1);
        }
        stored
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
        values + self.definition_levels.len() * 2
    }

    /// Takes back a string column's byte buffer after the Parquet writer has dropped every
    /// value sliced from it, so the next row group does not grow a new one from nothing.
    pub(crate) fn reclaim_string_buffer(&mut self, shared: bytes::Bytes) {
        if let ColumnValues::Strings { bytes, .. } = &mut self.values
            && let Ok(unique) = shared.try_into_mut()
        {
            *bytes = Vec::from(unique);
            bytes.clear();
        }
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

#[inline]
fn push_some<T>(column: &mut Vec<T>, value: Option<T>) -> bool {
    match value {
        Some(value) => {
            column.push(value);
            true
        }
        None => false,
    }
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

    /// Appends one record's values; on a mismatch the row group is left partly appended, which
    /// is fine because the transform stops there.
    #[inline]
    pub(crate) fn push_record(&mut self, record: &Record<'_>) -> Result<(), Mismatch> {
        for (column, (buffer, &slot)) in self.columns.iter_mut().zip(&self.column_slots).enumerate() {
            let cell = record.cells.get(slot).copied().unwrap_or(Cell::NULL);
            let bytes = cell.bytes(record);
            if !buffer.push(cell.kind, bytes) {
                return Err(Mismatch { column, value: shorten(bytes) });
            }
        }
        self.rows += 1;
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
