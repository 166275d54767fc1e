//! One column chunk of a row group, encoded into snappy Parquet pages: PLAIN values, or a
//! dictionary page and RLE_DICTIONARY indices when the chunk's distinct values fit in 1 MiB;
//! definition levels RLE / bit-packed; chunk statistics, column index and offset index.
//!
//! Encoded here rather than with the parquet crate's column writer, which the file writer
//! (`parquet_out`) still uses for everything else (page headers, metadata, footer): on the
//! realistic benchmark data (6 columns, 1.9 M rows) the column writer cost 0.3 s of CPU besides
//! compression, a fifth of the whole transform — a copy of each value into a reference-counted
//! `ByteArray`, min/max by `memcmp` per string, and per page several fresh buffers (grown by
//! copying, zeroed, shrunk) whose pages the kernel had to fault in again. This encoder keeps its
//! buffers from page to page and compares strings by an 8-byte prefix first.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{ColumnChunkMetaData, ColumnIndexBuilder, OffsetIndexBuilder};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::columns::{ColumnBuffer, ColumnValues};
use crate::error::TransformError;
use crate::hybrid;
use crate::values_out::{Booleans, Bounds, DictionaryOrder, Doubles, Numbers, Strings, Values};

/// A data page holds at most this many rows (the parquet crate's default) ...
const PAGE_ROWS: usize = 20_000;
/// ... and about this many bytes of values.
const PAGE_BYTES: usize = 1 << 20;
/// A dictionary larger than this (PLAIN-encoded) is not written; the chunk is PLAIN instead.
const DICTIONARY_BYTES: usize = 1 << 20;

/// Buffers reused from page to page and chunk to chunk.
pub(crate) struct ChunkEncoder {
    page: Vec<u8>,
    compressed: Vec<u8>,
    page_bytes: BytesMut,
    chunk: Vec<u8>,
    dictionary_ids: Vec<u32>,
    snappy: snap::raw::Encoder,
}

/// What the pages written so far add up to.
#[derive(Default)]
struct Totals {
    compressed: u64,
    uncompressed: u64,
    data_page_offset: Option<u64>,
    dictionary_page_offset: Option<u64>,
}

impl ChunkEncoder {
    pub(crate) fn new() -> Self {
        ChunkEncoder {
            page: Vec::new(),
            compressed: Vec::new(),
            page_bytes: BytesMut::new(),
            chunk: Vec::new(),
            dictionary_ids: Vec::new(),
            snappy: snap::raw::Encoder::new(),
        }
    }

    /// Encodes one column's buffered values as a column chunk: its bytes (offsets from 0) and
    /// what the row group writer needs to splice them into the file.
    pub(crate) fn encode(
        &mut self,
        column: &ColumnBuffer,
        descr: &ColumnDescPtr,
        try_dictionary: bool,
    ) -> Result<(Bytes, ColumnCloseResult), TransformError> {
        let levels = &column.definition_levels;
        match &column.values {
            ColumnValues::Int64(values) | ColumnValues::Timestamp(values) => {
                self.encode_values(&Numbers(values), levels, descr, try_dictionary)
            }
            ColumnValues::Date(values) => self.encode_values(&Numbers(values), levels, descr, try_dictionary),
            ColumnValues::Double(values) => self.encode_values(&Doubles(values), levels, descr, try_dictionary),
            ColumnValues::Boolean(values) => self.encode_values(&Booleans(values), levels, descr, false),
            ColumnValues::Strings { bytes, ends } => {
                self.encode_values(&Strings { bytes, ends }, levels, descr, try_dictionary)
            }
        }
    }

    /// Takes back the chunk buffer once the file writer has copied it.
    pub(crate) fn reclaim(&mut self, chunk: Bytes) {
        if let Ok(unique) = chunk.try_into_mut() {
            self.chunk = Vec::from(unique);
            self.chunk.clear();
        }
    }

    fn encode_values<V: Values>(
        &mut self,
        values: &V,
        levels: &[u8],
        descr: &ColumnDescPtr,
        try_dictionary: bool,
    ) -> Result<(Bytes, ColumnCloseResult), TransformError> {
        let mut sink = TrackedWrite::new(std::mem::take(&mut self.chunk));
        let mut pages = SerializedPageWriter::new(&mut sink);
        let mut totals = Totals::default();
        let dictionary =
            if try_dictionary { values.dictionary(DICTIONARY_BYTES, &mut self.dictionary_ids) } else { None };
        let bit_width = match &dictionary {
            Some(entries) => {
                self.write_dictionary_page(values, entries, &mut pages, &mut totals)?;
                Some(hybrid::bit_width(entries.len().saturating_sub(1) as u32))
            }
            None => None,
        };
        let mut offsets = OffsetIndexBuilder::new();
        let mut column_index = ColumnIndexBuilder::new(descr.physical_type());
        let mut chunk_bounds = Bounds::default();
        let order = match &dictionary {
            Some(entries) if !V::FLOATING => Some(DictionaryOrder::new(values, entries)),
            _ => None,
        };
        let (mut row, mut value) = (0, 0);
        while row < levels.len() {
            let (rows, values_range) = page_extent(values, levels, row, value, bit_width.is_some());
            self.fill_page(values, &levels[rows.clone()], values_range.clone(), bit_width);
            let spec = self.write_data_page(&mut pages, rows.len(), bit_width.is_some())?;
            totals.add(&spec);
            offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
            offsets.append_row_count(rows.len() as i64);
            let bounds = match &order {
                Some(order) => order.bounds(&self.dictionary_ids[values_range.clone()]),
                None => values.bounds(values_range.clone()),
            };
            append_page_index(&mut column_index, values, bounds, rows.len() - values_range.len());
            chunk_bounds = chunk_bounds.merge(bounds, |a, b| values.less(a, b));
            (row, value) = (rows.end, values_range.end);
        }
        let nulls = (levels.len() - values.len()) as u64;
        let statistics = statistics(values, chunk_bounds, nulls);
        let encodings = match dictionary {
            Some(_) => vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY],
            None => vec![Encoding::PLAIN, Encoding::RLE],
        };
        let metadata = ColumnChunkMetaData::builder(descr.clone())
            .set_compression(Compression::SNAPPY)
            .set_encodings(encodings)
            .set_total_compressed_size(totals.compressed as i64)
            .set_total_uncompressed_size(totals.uncompressed as i64)
            .set_num_values(levels.len() as i64)
            .set_data_page_offset(totals.data_page_offset.unwrap_or(0) as i64)
            .set_dictionary_page_offset(totals.dictionary_page_offset.map(|offset| offset as i64))
            .set_statistics(statistics)
            .build()?;
        let bytes_written = sink.bytes_written() as u64;
        let column_index = if column_index.valid() { Some(column_index.build()?) } else { None };
        let close = ColumnCloseResult {
            bytes_written,
            rows_written: levels.len() as u64,
            metadata,
            bloom_filter: None,
            column_index,
            offset_index: Some(offsets.build()),
        };
        Ok((Bytes::from(sink.into_inner()?), close))
    }

    fn write_dictionary_page<V: Values, W: std::io::Write + Send>(
        &mut self,
        values: &V,
        entries: &[usize],
        pages: &mut SerializedPageWriter<'_, W>,
        totals: &mut Totals,
    ) -> Result<(), TransformError> {
        self.page.clear();
        for &entry in entries {
            values.write_plain(entry..entry + 1, &mut self.page);
        }
        let buf = self.compress_page()?;
        let page =
            Page::DictionaryPage { buf, num_values: entries.len() as u32, encoding: Encoding::PLAIN, is_sorted: false };
        let spec = pages.write_page(CompressedPage::new(page, self.page.len()))?;
        totals.dictionary_page_offset = Some(spec.offset);
        totals.compressed += spec.compressed_size as u64;
        totals.uncompressed += spec.uncompressed_size as u64;
        Ok(())
    }

    /// The page's bytes before compression: definition levels (with their length, as data
    /// page v1 has it), then the values.
    fn fill_page<V: Values>(&mut self, values: &V, levels: &[u8], values_range: Range<usize>, bit_width: Option<u8>) {
        self.page.clear();
        self.page.extend_from_slice(&[0; 4]);
        hybrid::encode(levels, 1, &mut self.page);
        let levels_len = (self.page.len() - 4) as u32;
        self.page[..4].copy_from_slice(&levels_len.to_le_bytes());
        match bit_width {
            Some(width) => {
                self.page.push(width);
                hybrid::encode(&self.dictionary_ids[values_range], width, &mut self.page);
            }
            None => values.write_plain(values_range, &mut self.page),
        }
    }

    fn write_data_page<W: std::io::Write + Send>(
        &mut self,
        pages: &mut SerializedPageWriter<'_, W>,
        rows: usize,
        dictionary: bool,
    ) -> Result<parquet::column::page::PageWriteSpec, TransformError> {
        let buf = self.compress_page()?;
        let page = Page::DataPage {
            buf,
            num_values: rows as u32,
            encoding: if dictionary { Encoding::RLE_DICTIONARY } else { Encoding::PLAIN },
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        Ok(pages.write_page(CompressedPage::new(page, self.page.len()))?)
    }

    /// The page compressed, as `Bytes` whose memory comes back to `page_bytes` once the page
    /// writer has dropped them.
    fn compress_page(&mut self) -> Result<Bytes, TransformError> {
        let needed = snap::raw::max_compress_len(self.page.len());
        if self.compressed.len() < needed {
            self.compressed.resize(needed, 0);
        }
        let length = self
            .snappy
            .compress(&self.page, &mut self.compressed)
            .map_err(|error| parquet::errors::ParquetError::External(Box::new(error)))?;
        self.page_bytes.reserve(length);
        self.page_bytes.extend_from_slice(&self.compressed[..length]);
        Ok(self.page_bytes.split().freeze())
    }
}

impl Totals {
    fn add(&mut self, spec: &parquet::column::page::PageWriteSpec) {
        self.compressed += spec.compressed_size as u64;
        self.uncompressed += spec.uncompressed_size as u64;
        self.data_page_offset.get_or_insert(spec.offset);
    }
}

/// The rows of the page starting at `row` (whose first value is `value`), and its values.
fn page_extent<V: Values>(
    values: &V,
    levels: &[u8],
    row: usize,
    value: usize,
    dictionary: bool,
) -> (Range<usize>, Range<usize>) {
    if dictionary || V::FIXED_WIDTH {
        // The row limit comes first: 20,000 values of 8 bytes are far below the byte limit.
        let end_row = levels.len().min(row + PAGE_ROWS);
        let present = levels[row..end_row].iter().filter(|&&level| level == 1).count();
        return (row..end_row, value..value + present);
    }
    let (mut end_row, mut end_value, mut bytes) = (row, value, 0);
    while end_row < levels.len() && end_row - row < PAGE_ROWS && bytes < PAGE_BYTES {
        if levels[end_row] == 1 {
            bytes += values.plain_len(end_value);
            end_value += 1;
        }
        end_row += 1;
    }
    (row..end_row, value..end_value)
}

/// Adds a page to the column index; the index is dropped (as the parquet crate does) when a
/// page has values but no bound to show (only NaNs) or a string bound too long to store whole.
fn append_page_index<V: Values>(index: &mut ColumnIndexBuilder, values: &V, bounds: Bounds, nulls: usize) {
    let nan_count = V::FLOATING.then_some(bounds.nans as i64);
    match (bounds.min, bounds.max) {
        (Some(min), Some(max)) if values.fits_statistics(min) && values.fits_statistics(max) => {
            index.append(false, values.bound_bytes(min), values.bound_bytes(max), nulls as i64, nan_count);
        }
        (None, None) if bounds.nans == 0 => index.append(true, Vec::new(), Vec::new(), nulls as i64, nan_count),
        _ => index.to_invalid(),
    }
}

/// The chunk's statistics; min and max are left out when a string bound is too long to store
/// whole.
fn statistics<V: Values>(values: &V, bounds: Bounds, nulls: u64) -> Statistics {
    let (min, max) = match (bounds.min, bounds.max) {
        (Some(min), Some(max)) if values.fits_statistics(min) && values.fits_statistics(max) => (Some(min), Some(max)),
        _ => (None, None),
    };
    values.statistics(min, max, nulls, bounds.nans)
}

/// Dictionary ids for `count` values keyed by `key`: the index of each value's first
/// occurrence (the dictionary, in order), or `None` once their PLAIN size passes `limit`.
pub(crate) fn build_dictionary<K: Hash + Eq>(
    count: usize,
    key: impl Fn(usize) -> K,
    plain_len: impl Fn(usize) -> usize,
    limit: usize,
    ids: &mut Vec<u32>,
) -> Option<Vec<usize>> {
    let mut map: HashMap<K, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut entries = Vec::new();
    let mut size = 0;
    ids.clear();
    ids.reserve(count);
    for index in 0..count {
        let next = entries.len() as u32;
        let id = *map.entry(key(index)).or_insert_with(|| {
            entries.push(index);
            size += plain_len(index);
            next
        });
        if size > limit {
            return None;
        }
        ids.push(id);
    }
    Some(entries)
}
