//! Writes the Parquet file: schema, row groups of column chunks (encoded by `chunk`), footer.
//! Snappy pages, all columns optional.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::errors::ParquetError;
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnDescPtr, SchemaDescriptor, Type, TypePtr};

use crate::chunk::ChunkEncoder;
use crate::columns::ColumnBuffer;
use crate::error::TransformError;
use crate::schema::{ColumnType, Schema};

/// A Parquet file being written. The file is opened at the first row group, so an input without
/// rows writes nothing at all.
pub(crate) struct ParquetOutput<W: Write + Send> {
    unopened: Option<W>,
    writer: Option<SerializedFileWriter<CountingWriter<W>>>,
    schema: TypePtr,
    columns: Vec<ColumnDescPtr>,
    /// Per column: whether to try dictionary encoding.
    dictionary_columns: Vec<bool>,
    properties: WriterPropertiesPtr,
    encoder: ChunkEncoder,
    pub(crate) row_groups: usize,
}

impl<W: Write + Send> ParquetOutput<W> {
    /// `dictionary_columns[i]`: whether column `i` tries dictionary encoding.
    pub(crate) fn new(output: W, schema: &Schema, dictionary_columns: &[bool]) -> Result<Self, TransformError> {
        let schema = Arc::new(parquet_schema(schema)?);
        let columns = SchemaDescriptor::new(schema.clone()).columns().to_vec();
        Ok(ParquetOutput {
            unopened: Some(output),
            writer: None,
            schema,
            columns,
            dictionary_columns: dictionary_columns.to_vec(),
            properties: Arc::new(writer_properties()),
            encoder: ChunkEncoder::new(),
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
        for ((column, descr), &dictionary) in columns.iter_mut().zip(&self.columns).zip(&self.dictionary_columns) {
            let (chunk, close) = self.encoder.encode(column, descr, dictionary)?;
            row_group.append_column(&chunk, close)?;
            self.encoder.reclaim(chunk);
            column.clear();
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

/// A fixed `created_by`, so that the same input gives the same bytes. (Compression, encodings
/// and statistics are the chunk encoder's.)
fn writer_properties() -> WriterProperties {
    WriterProperties::builder().set_created_by(format!("sdlf-transform {}", env!("CARGO_PKG_VERSION"))).build()
}
