//! Stage A's light transform: one raw object (CSV, JSON lines or a JSON array) → one Parquet file
//! (snappy), streamed.
//!
//! Pure: [`std::io::Read`] in, [`std::io::Write`] out, one thread, no I/O of its own. Memory is
//! bounded whatever the input size: the input is read in 1 MiB chunks, and rows are buffered as
//! typed column values only until a row group is full ([`RowGroupLimits`]), then encoded and
//! written to the output. So one input gives exactly one Parquet file with as many row groups as
//! needed; the caller streams the output (e.g. as a multipart upload) and never holds it whole.
//!
//! The schema is either configured ([`Options::schema`]) or inferred from a bounded sample at
//! the start of the input ([`InferenceLimits`]): the narrowest of int, double, boolean, date,
//! timestamp that every sampled value fits, else string. Values later in the input that do not
//! fit the inferred type are errors ([`TransformError::TypeMismatch`]); configure the schema
//! for inputs whose first records are not representative.
//!
//! Nested JSON values (objects, arrays) are stored in string columns as their JSON text.

mod chunk;
mod columns;
mod csv;
mod error;
mod hybrid;
mod input;
mod json;
mod parquet_out;
mod record;
mod sample;
mod scan;
mod schema;
mod values;
mod values_out;

use std::io::{Read, Write};
use std::str::FromStr;

pub use crate::csv::CsvOptions;
pub use crate::error::TransformError;
pub use crate::schema::{ColumnType, Field, Schema};

use crate::columns::RowGroupBuffer;
use crate::csv::CsvReader;
use crate::input::InputBuffer;
use crate::json::{JsonLayout, JsonReader, KeyIndex};
use crate::parquet_out::ParquetOutput;
use crate::record::RecordSource;
use crate::sample::SampleProfile;

/// The layout of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// One JSON array of objects.
    JsonArray,
    /// JSON lines or a JSON array, told apart by the first non-blank character.
    Json,
}

impl FromStr for InputFormat {
    type Err = TransformError;

    /// `csv`, `jsonl` (also `ndjson`, `json-lines`), `json-array`, `json`; any letter case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "csv" => InputFormat::Csv,
            "jsonl" | "ndjson" | "json-lines" | "jsonlines" => InputFormat::JsonLines,
            "json-array" => InputFormat::JsonArray,
            "json" => InputFormat::Json,
            _ => {
                return Err(TransformError::UnknownFormat { name: name.to_owned() });
            }
        })
    }
}

/// How much of the input's start schema inference looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InferenceLimits {
    /// Records sampled, 1,000 by default.
    pub max_records: usize,
    /// Bytes sampled, 4 MiB by default; this much of the input is held in memory.
    pub max_bytes: usize,
}

impl Default for InferenceLimits {
    fn default() -> Self {
        InferenceLimits { max_records: 1_000, max_bytes: 4 << 20 }
    }
}

/// When a row group is complete and written out; whichever limit is reached first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowGroupLimits {
    /// Rows per row group, 1,048,576 by default.
    pub max_rows: usize,
    /// Bytes of buffered (typed, uncompressed) values per row group, 64 MiB by default. This is
    /// most of the transform's memory.
    pub max_bytes: usize,
}

impl Default for RowGroupLimits {
    fn default() -> Self {
        RowGroupLimits { max_rows: 1 << 20, max_bytes: 64 << 20 }
    }
}

/// How to read the input and what to write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// The output columns; `None` infers them. With CSV, each column is read from the header
    /// field of the same name (header fields not in the schema are ignored); with JSON, from the
    /// key of the same name (a missing key is a null, other keys are ignored).
    pub schema: Option<Schema>,
    /// Delimiter and quote for CSV.
    pub csv: CsvOptions,
    /// The sample schema inference looks at.
    pub inference: InferenceLimits,
    /// Row group size.
    pub row_groups: RowGroupLimits,
}

/// What a transform did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The input format read (`Json` resolved to lines or array).
    pub format: InputFormat,
    /// Data rows written.
    pub rows: u64,
    /// Bytes read from the input.
    pub bytes_read: u64,
    /// Bytes written to the output (one Parquet file).
    pub bytes_written: u64,
    /// Row groups in the Parquet file.
    pub row_groups: usize,
    /// The schema written, configured or inferred.
    pub schema: Schema,
    /// CSV header fields or JSON keys that are not in the schema (at most 64 JSON keys listed).
    pub ignored_columns: Vec<String>,
}

/// Transforms one CSV or JSON input into one Parquet file written to `output`.
///
/// Reads `input` to its end in chunks; holds at most the inference sample, one record, and one
/// row group in memory. On error the output may hold a partial file and must be discarded;
/// an input without records ([`TransformError::Empty`]) writes nothing.
pub fn transform<R: Read, W: Write + Send>(
    input: R,
    format: InputFormat,
    options: &Options,
    output: W,
) -> Result<Report, TransformError> {
    let mut counted = CountingReader { inner: input, bytes: 0 };
    let (sample, sample_is_whole_input) = read_sample(&mut counted, options.inference.max_bytes)?;
    let format = resolve_format(format, &sample);
    let sample_is_truncated = !sample_is_whole_input;
    let (schema, dictionary_columns) = match &options.schema {
        Some(schema) => {
            schema.validate()?;
            // The sample only tunes encoding here; an error in it is reported by the full read.
            let dictionary = match SampleProfile::of(&sample, sample_is_truncated, format, options) {
                Ok(profile) => profile.dictionary_columns(schema),
                Err(_) => vec![true; schema.fields.len()],
            };
            (schema.clone(), dictionary)
        }
        None => {
            let profile = SampleProfile::of(&sample, sample_is_truncated, format, options)?;
            if profile.records == 0 && !sample_is_truncated {
                return Err(empty_error(format));
            }
            let schema = profile.inferred_schema();
            let dictionary = profile.dictionary_columns(&schema);
            (schema, dictionary)
        }
    };
    let rest = std::io::Cursor::new(&sample[..]).chain(&mut counted);
    let input = InputBuffer::new(rest, false);
    let mut output = ParquetOutput::new(output, &schema, &dictionary_columns)?;
    let (rows, ignored_columns) = match format {
        InputFormat::Csv => {
            let reader = CsvReader::new(input, options.csv)?;
            let header = reader.slot_names();
            let column_slots = schema
                .fields
                .iter()
                .map(|field| {
                    header.iter().position(|name| *name == field.name).ok_or_else(|| {
                        TransformError::InvalidSchema(format!(
                            "column {:?} is not in the CSV header ({})",
                            field.name,
                            header.join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let ignored = header.iter().filter(|name| schema.position(name).is_none()).cloned().collect();
            let rows = write_rows(reader, &schema, column_slots, options, &mut output)?;
            (rows, ignored)
        }
        InputFormat::JsonLines | InputFormat::JsonArray | InputFormat::Json => {
            let names = schema.fields.iter().map(|f| f.name.clone()).collect();
            let mut reader = JsonReader::new(input, json_layout(format), KeyIndex::frozen(names));
            let column_slots = (0..schema.fields.len()).collect();
            let rows = write_rows(&mut reader, &schema, column_slots, options, &mut output)?;
            (rows, reader.keys().ignored().to_vec())
        }
    };
    let row_groups = output.row_groups;
    let Some(bytes_written) = output.finish()? else {
        return Err(empty_error(format));
    };
    Ok(Report { format, rows, bytes_read: counted.bytes, bytes_written, row_groups, schema, ignored_columns })
}

fn empty_error(format: InputFormat) -> TransformError {
    TransformError::Empty {
        what: match format {
            InputFormat::Csv => "no data rows",
            _ => "no JSON records",
        },
    }
}

/// Records parsed and converted at a time: enough to amortize the per-batch work, few enough
/// that the batch's cells (12 bytes per value) stay in cache.
const BATCH_RECORDS: usize = 2048;

/// Reads records into row groups and writes each full one. Returns the rows written.
fn write_rows<S: RecordSource, W: Write + Send>(
    mut reader: S,
    schema: &Schema,
    column_slots: Vec<usize>,
    options: &Options,
    output: &mut ParquetOutput<W>,
) -> Result<u64, TransformError> {
    let column_types: Vec<ColumnType> = schema.fields.iter().map(|f| f.column_type).collect();
    let mut row_group = RowGroupBuffer::new(&column_types, column_slots);
    let limits = options.row_groups;
    let mut rows: u64 = 0;
    loop {
        let room = limits.max_rows.saturating_sub(row_group.rows).clamp(1, BATCH_RECORDS);
        let pushed = match reader.next_batch(room)? {
            None => break,
            Some(batch) => {
                let records = batch.records() as u64;
                row_group.push_batch(&batch).map(|()| records)
            }
        };
        match pushed {
            Ok(records) => rows += records,
            Err(mismatch) => {
                let field = &schema.fields[mismatch.column];
                return Err(TransformError::TypeMismatch {
                    row: rows + mismatch.record as u64 + 1,
                    line: reader.record_line(mismatch.record),
                    column: field.name.clone(),
                    value: mismatch.value,
                    expected: field.column_type,
                });
            }
        }
        if row_group.rows >= limits.max_rows || row_group.buffered_bytes() >= limits.max_bytes {
            output.write_row_group(&mut row_group.columns)?;
            row_group.clear();
        }
    }
    if row_group.rows > 0 {
        output.write_row_group(&mut row_group.columns)?;
    }
    Ok(rows)
}

impl<S: RecordSource> RecordSource for &mut S {
    fn next_batch(&mut self, max_records: usize) -> Result<Option<record::Batch<'_>>, TransformError> {
        (**self).next_batch(max_records)
    }

    fn record_line(&self, record: usize) -> u64 {
        (**self).record_line(record)
    }

    fn slot_names(&self) -> &[String] {
        (**self).slot_names()
    }
}

pub(crate) fn json_layout(format: InputFormat) -> JsonLayout {
    match format {
        InputFormat::JsonArray => JsonLayout::Array,
        _ => JsonLayout::Lines,
    }
}

/// `Json` becomes an array when the first non-blank character (after a BOM) is `[`.
fn resolve_format(format: InputFormat, sample: &[u8]) -> InputFormat {
    if format != InputFormat::Json {
        return format;
    }
    let text = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => InputFormat::JsonArray,
        _ => InputFormat::JsonLines,
    }
}

/// Reads up to `max_bytes` from the start of the input; true when that is the whole input.
fn read_sample<R: Read>(input: &mut R, max_bytes: usize) -> Result<(Vec<u8>, bool), TransformError> {
    let mut sample = Vec::with_capacity(max_bytes.min(1 << 20));
    input.by_ref().take(max_bytes as u64).read_to_end(&mut sample)?;
    let whole = sample.len() < max_bytes;
    Ok((sample, whole))
}

struct CountingReader<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes += read as u64;
        Ok(read)
    }
}
