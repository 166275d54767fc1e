//! What the first records of the input say: each column's type (when the schema is inferred)
//! and whether its values repeat enough for Parquet dictionary encoding to pay off.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use crate::csv::CsvReader;
use crate::error::TransformError;
use crate::input::InputBuffer;
use crate::json::{JsonReader, KeyIndex};
use crate::record::RecordSource;
use crate::schema::{Field, Schema, TypeGuess};
use crate::{InputFormat, Options, json_layout};

/// The sampled records, summarized per slot (CSV header field or JSON key).
pub(crate) struct SampleProfile {
    names: Vec<String>,
    guesses: Vec<TypeGuess>,
    distinct: Vec<DistinctValues>,
    pub(crate) records: usize,
}

/// Counts distinct values of one slot by hash (a rare collision only undercounts).
#[derive(Default, Clone)]
struct DistinctValues {
    hashes: HashSet<u64>,
    values: usize,
}

impl DistinctValues {
    /// True when nearly every sampled value is new: a column with that many distinct values
    /// would fill the dictionary and fall back to plain encoding, after paying for hashing.
    fn mostly_unique(&self) -> bool {
        self.values >= 100 && self.hashes.len() * 10 > self.values * 9
    }
}

impl SampleProfile {
    /// Reads up to `options.inference.max_records` records of `sample`.
    pub(crate) fn of(
        sample: &[u8],
        sample_is_truncated: bool,
        format: InputFormat,
        options: &Options,
    ) -> Result<Self, TransformError> {
        let input = InputBuffer::new(sample, sample_is_truncated);
        let max_records = options.inference.max_records;
        match format {
            InputFormat::Csv => {
                let mut reader = CsvReader::new(input, options.csv)?;
                SampleProfile::observe(&mut reader, max_records)
            }
            _ => {
                let keys = KeyIndex::growing();
                let mut reader = JsonReader::new(input, json_layout(format), keys);
                SampleProfile::observe(&mut reader, max_records)
            }
        }
    }

    fn observe<S: RecordSource>(reader: &mut S, max_records: usize) -> Result<Self, TransformError> {
        let mut guesses: Vec<TypeGuess> = Vec::new();
        let mut distinct: Vec<DistinctValues> = Vec::new();
        let hasher = RandomState::new();
        let mut records = 0;
        while records < max_records {
            let Some(batch) = reader.next_batch(max_records - records)? else {
                break;
            };
            if guesses.len() < batch.slots {
                guesses.resize(batch.slots, TypeGuess::default());
                distinct.resize(batch.slots, DistinctValues::default());
            }
            for record in 0..batch.records() {
                records += 1;
                for ((guess, counter), &cell) in guesses.iter_mut().zip(&mut distinct).zip(batch.record(record)) {
                    let bytes = batch.bytes_of(cell);
                    guess.observe(cell.kind, bytes);
                    if cell.kind != crate::record::CellKind::Null {
                        counter.values += 1;
                        counter.hashes.insert(hasher.hash_one(bytes));
                    }
                }
            }
        }
        let names = reader.slot_names().to_vec();
        guesses.resize(names.len(), TypeGuess::default());
        distinct.resize(names.len(), DistinctValues::default());
        Ok(SampleProfile { names, guesses, distinct, records })
    }

    /// One column per slot, in order of first appearance, each of the narrowest type that fits
    /// every sampled value.
    pub(crate) fn inferred_schema(&self) -> Schema {
        let fields = self
            .names
            .iter()
            .zip(&self.guesses)
            .map(|(name, guess)| Field::new(name.clone(), guess.column_type()))
            .collect();
        Schema::new(fields)
    }

    /// Per schema column: whether to try dictionary encoding (yes unless the sample shows
    /// mostly unique values).
    pub(crate) fn dictionary_columns(&self, schema: &Schema) -> Vec<bool> {
        schema
            .fields
            .iter()
            .map(|field| {
                self.names
                    .iter()
                    .position(|name| *name == field.name)
                    .is_none_or(|slot| !self.distinct[slot].mostly_unique())
            })
            .collect()
    }
}
