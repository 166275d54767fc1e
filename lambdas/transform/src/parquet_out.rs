//! Writes row groups through parquet's low-level column writers (no Arrow arrays: they would
//! cost a copy per value and minutes of build time). Snappy pages, all columns optional.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::{ColumnPath, Type, TypePtr};

use crate::columns::{ColumnBuffer, ColumnValues};
use crate::error::TransformError;
use crate::schema::{ColumnType, Schema};

/// Strings are handed to the column writer in batches of this many, so the `ByteArray` handles
/// (32 bytes each) stay small next to the values.
const STRING_BATCH: usize = 64 * 1024;

/// A Parquet file being written. The file is opened at the first row group, so an input without
/// rows writes nothing at all.
pub(crate) struct ParquetOutput<W: Write + Send> {
    unopened: Option<W>,
    writer: Option<SerializedFileWriter<CountingWriter<W>>>,
    schema: TypePtr,
    properties: WriterPropertiesPtr,
    pub(crate) row_groups: usize,
}

impl<W: Write + Send> ParquetOutput<W> {
    /// `dictionary_columns[i]`: whether column `i` tries dictionary encoding.
    pub(crate) fn new(output: W, schema: &Schema, dictionary_columns: &[bool]) -> Result<Self, TransformError> {
        Ok(ParquetOutput {
            unopened: Some(output),
            writer: None,
            schema: Arc::new(parquet_schema(schema)?),
            properties: Arc::new(writer_properties(schema, dictionary_columns)),
            row_groups: 0,
        })
    }

    pub(crate) fn write_row_group(&mut self, columns: &mut [ColumnBuffer]) -> Result<(), TransformError> {
        if let Some(output) = self.unopened.take() {
            let output = CountingWriter { inner: output, bytes: 0 };
            let writer = SerializedFileWriter::new(output, self.schema.clone(), self.properties.clone())?;
            self.writer = Some(writer);
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(ParquetError::General("the Parquet file is already closed".into()).into());
        };
        let mut row_group = writer.next_row_group()?;
        for column in columns.iter_mut() {
            let Some(mut column_writer) = row_group.next_column()? else {
                return Err(ParquetError::General("more buffers than schema columns".into()).into());
            };
            let shared_strings = write_column(&mut column_writer, column)?;
            column_writer.close()?;
            column.clear();
            if let Some(shared) = shared_strings {
                column.reclaim_string_buffer(shared);
            }
        }
        row_group.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Writes the footer; returns the file's size, or `None` if no row group was written.
    pub(crate) fn finish(self) -> Result<Option<u64>, TransformError> {
        let Some(writer) = self.writer else {
            return Ok(None);
        };
        // Writes the footer.
        let mut output = writer.into_inner()?;
        output.flush()?;
        Ok(Some(output.bytes))
    }
}

/// Counts the bytes written, for the report.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one column's buffered values; for a string column, returns the buffer the values were
/// shared from, to be reused once the column writer has let go of it.
fn write_column(
    writer: &mut SerializedColumnWriter<'_>,
    column: &mut ColumnBuffer,
) -> Result<Option<Bytes>, TransformError> {
    let levels = Some(column.definition_levels.as_slice());
    match &mut column.values {
        ColumnValues::Int64(values) | ColumnValues::Timestamp(values) => {
            writer.typed::<Int64Type>().write_batch(values, levels, None)?;
        }
        ColumnValues::Double(values) => {
            writer.typed::<DoubleType>().write_batch(values, levels, None)?;
        }
        ColumnValues::Boolean(values) => {
            writer.typed::<BoolType>().write_batch(values, levels, None)?;
        }
        ColumnValues::Date(values) => {
            writer.typed::<Int32Type>().write_batch(values, levels, None)?;
        }
        ColumnValues::Strings { bytes, ends } => {
            // One shared allocation; each value is a slice of it (a reference count, no copy).
            let all = Bytes::from(std::mem::take(bytes));
            let typed = writer.typed::<ByteArrayType>();
            let mut batch = Vec::with_capacity(STRING_BATCH.min(ends.len()));
            let mut value_index = 0;
            let mut start = 0;
            for level_chunk in column.definition_levels.chunks(STRING_BATCH) {
                batch.clear();
                let present = level_chunk.iter().filter(|&&level| level == 1).count();
                for &end in &ends[value_index..value_index + present] {
                    batch.push(ByteArray::from(all.slice(start..end)));
                    start = end;
                }
                value_index += present;
                typed.write_batch(&batch, Some(level_chunk), None)?;
            }
            return Ok(Some(all));
        }
    }
    Ok(None)
}

/// The Parquet message type for the schema: every column optional (nullable).
fn parquet_schema(schema: &Schema) -> Result<Type, ParquetError> {
    let fields = schema
        .fields
        .iter()
        .map(|field| {
            let (physical, logical) = match field.column_type {
                ColumnType::String => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
                ColumnType::Int => (PhysicalType::INT64, None),
                ColumnType::Double => (PhysicalType::DOUBLE, None),
                ColumnType::Boolean => (PhysicalType::BOOLEAN, None),
                ColumnType::Date => (PhysicalType::INT32, Some(LogicalType::Date)),
                ColumnType::Timestamp => (PhysicalType::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS))),
            };
            Type::primitive_type_builder(&field.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Type::group_type_builder("schema").with_fields(fields).build()
}

/// Snappy, dictionaries only where values repeat, and a fixed `created_by` so that the same
/// input gives the same bytes.
fn writer_properties(schema: &Schema, dictionary_columns: &[bool]) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("sdlf-transform {}", env!("CARGO_PKG_VERSION")));
    for (field, &dictionary) in schema.fields.iter().zip(dictionary_columns) {
        if !dictionary {
            let path = ColumnPath::new(vec![field.name.clone()]);
            builder = builder.set_column_dictionary_enabled(path, false);
        }
    }
    builder.build()
}
