//! The buffered values of a column as the chunk encoder sees them: their PLAIN encoding, their
//! order (for statistics), their dictionary, per Parquet physical type.

use std::ops::Range;

use parquet::data_type::ByteArray;
use parquet::file::statistics::{Statistics, ValueStatistics};

use crate::chunk::build_dictionary;

/// Statistics and column index bounds hold strings up to this long (the parquet crate's default
/// truncation length); a longer bound is left out rather than truncated.
const MAX_BOUND_BYTES: usize = 64;

/// The non-null values of one column chunk, addressed by index.
pub(crate) trait Values {
    /// True for floating-point values, whose NaNs are counted apart.
    const FLOATING: bool = false;

    /// True when every value has the same PLAIN size (at most 8 bytes).
    const FIXED_WIDTH: bool = true;

    fn len(&self) -> usize;

    /// Bytes of one value, PLAIN-encoded.
    fn plain_len(&self, index: usize) -> usize;

    /// Appends the values in `range`, PLAIN-encoded.
    fn write_plain(&self, range: Range<usize>, out: &mut Vec<u8>);

    /// Dictionary ids into `ids` and the dictionary (first occurrences), unless it passes
    /// `limit` bytes; `None` for types without dictionary encoding.
    fn dictionary(&self, limit: usize, ids: &mut Vec<u32>) -> Option<Vec<usize>>;

    /// False for a value that takes no part in min and max (NaN).
    fn is_ordered(&self, _index: usize) -> bool {
        true
    }

    /// Value `a` sorts before value `b` in the type's Parquet sort order.
    fn less(&self, a: usize, b: usize) -> bool;

    /// The least and greatest of the values in `range`.
    fn bounds(&self, range: Range<usize>) -> Bounds {
        let mut bounds = Bounds::default();
        for index in range {
            if !self.is_ordered(index) {
                bounds.nans += 1;
                continue;
            }
            bounds.include(index, |a, b| self.less(a, b));
        }
        bounds
    }

    /// A bound short enough to be stored whole.
    fn fits_statistics(&self, _index: usize) -> bool {
        true
    }

    /// A value as the column index stores it (PLAIN, strings without their length).
    fn bound_bytes(&self, index: usize) -> Vec<u8>;

    fn statistics(&self, min: Option<usize>, max: Option<usize>, nulls: u64, nans: u64) -> Statistics;
}

/// The value indices with the least and greatest value, and the NaNs left out.
#[derive(Default, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) min: Option<usize>,
    pub(crate) max: Option<usize>,
    pub(crate) nans: u64,
}

impl Bounds {
    #[inline]
    fn include(&mut self, index: usize, less: impl Fn(usize, usize) -> bool) {
        match (self.min, self.max) {
            (Some(min), Some(max)) => {
                if less(index, min) {
                    self.min = Some(index);
                } else if less(max, index) {
                    self.max = Some(index);
                }
            }
            _ => (self.min, self.max) = (Some(index), Some(index)),
        }
    }

    /// These bounds and `other`'s together.
    pub(crate) fn merge(self, other: Bounds, less: impl Fn(usize, usize) -> bool) -> Bounds {
        let mut merged = Bounds { nans: self.nans + other.nans, ..self };
        for index in [other.min, other.max].into_iter().flatten() {
            merged.include(index, &less);
        }
        merged
    }
}

/// The sort order of a chunk's dictionary entries, so that a page's bounds are found from its
/// dictionary ids with integer comparisons (strings would take one comparison each, often a
/// call to `memcmp`). For types without NaN, where every entry is ordered; entries are distinct
/// values, so there are no ties and the bounds are the values `Values::bounds` finds.
pub(crate) struct DictionaryOrder {
    /// Per dictionary id, its place in sort order.
    rank: Vec<u32>,
    /// Per place in sort order, that entry's value index.
    sorted: Vec<usize>,
}

impl DictionaryOrder {
    /// `entries[id]` is the value index of dictionary entry `id`.
    pub(crate) fn new<V: Values>(values: &V, entries: &[usize]) -> Self {
        let mut ids: Vec<usize> = (0..entries.len()).collect();
        ids.sort_unstable_by(|&a, &b| {
            let (a, b) = (entries[a], entries[b]);
            if values.less(a, b) {
                std::cmp::Ordering::Less
            } else if values.less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        let mut rank = vec![0; entries.len()];
        for (place, &id) in ids.iter().enumerate() {
            rank[id] = place as u32;
        }
        DictionaryOrder { rank, sorted: ids.iter().map(|&id| entries[id]).collect() }
    }

    /// The least and greatest of the values with these dictionary ids.
    pub(crate) fn bounds(&self, ids: &[u32]) -> Bounds {
        let (mut low, mut high) = (u32::MAX, 0);
        for &id in ids {
            let place = self.rank[id as usize];
            low = low.min(place);
            high = high.max(place);
        }
        if ids.is_empty() {
            return Bounds::default();
        }
        Bounds { min: Some(self.sorted[low as usize]), max: Some(self.sorted[high as usize]), nans: 0 }
    }
}

/// A fixed-width integer that Parquet stores little-endian: INT64 or INT32 (dates).
pub(crate) trait Integer: Copy + Ord + std::hash::Hash {
    const WIDTH: usize;
    fn write_le(self, out: &mut Vec<u8>);
    fn statistics(min: Option<Self>, max: Option<Self>, nulls: u64) -> Statistics;
}

impl Integer for i64 {
    const WIDTH: usize = 8;
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn statistics(min: Option<i64>, max: Option<i64>, nulls: u64) -> Statistics {
        Statistics::from(
            ValueStatistics::new(min, max, None, Some(nulls), false).with_backwards_compatible_min_max(true),
        )
    }
}

impl Integer for i32 {
    const WIDTH: usize = 4;
    fn write_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn statistics(min: Option<i32>, max: Option<i32>, nulls: u64) -> Statistics {
        Statistics::from(
            ValueStatistics::new(min, max, None, Some(nulls), false).with_backwards_compatible_min_max(true),
        )
    }
}

pub(crate) struct Numbers<'a, T>(pub(crate) &'a [T]);

impl<T: Integer> Values for Numbers<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn plain_len(&self, _index: usize) -> usize {
        T::WIDTH
    }

    fn write_plain(&self, range: Range<usize>, out: &mut Vec<u8>) {
        out.reserve(range.len() * T::WIDTH);
        for &value in &self.0[range] {
            value.write_le(out);
        }
    }

    fn dictionary(&self, limit: usize, ids: &mut Vec<u32>) -> Option<Vec<usize>> {
        build_dictionary(self.0.len(), |index| self.0[index], |_| T::WIDTH, limit, ids)
    }

    fn less(&self, a: usize, b: usize) -> bool {
        self.0[a] < self.0[b]
    }

    /// Two passes that the compiler vectorizes: the least and greatest value, then where.
    fn bounds(&self, range: Range<usize>) -> Bounds {
        let values = &self.0[range.clone()];
        let (Some(&min), Some(&max)) = (values.iter().min(), values.iter().max()) else {
            return Bounds::default();
        };
        let at = |bound: T| values.iter().position(|&value| value == bound).map(|offset| range.start + offset);
        Bounds { min: at(min), max: at(max), nans: 0 }
    }

    fn bound_bytes(&self, index: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(T::WIDTH);
        self.0[index].write_le(&mut bytes);
        bytes
    }

    fn statistics(&self, min: Option<usize>, max: Option<usize>, nulls: u64, _nans: u64) -> Statistics {
        T::statistics(min.map(|index| self.0[index]), max.map(|index| self.0[index]), nulls)
    }
}

pub(crate) struct Doubles<'a>(pub(crate) &'a [f64]);

impl Values for Doubles<'_> {
    const FLOATING: bool = true;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn plain_len(&self, _index: usize) -> usize {
        8
    }

    fn write_plain(&self, range: Range<usize>, out: &mut Vec<u8>) {
        out.reserve(range.len() * 8);
        for &value in &self.0[range] {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }

    fn dictionary(&self, limit: usize, ids: &mut Vec<u32>) -> Option<Vec<usize>> {
        // By bit pattern: -0.0 and 0.0, or two NaNs, stay distinct values as written.
        build_dictionary(self.0.len(), |index| self.0[index].to_bits(), |_| 8, limit, ids)
    }

    fn is_ordered(&self, index: usize) -> bool {
        !self.0[index].is_nan()
    }

    fn less(&self, a: usize, b: usize) -> bool {
        self.0[a] < self.0[b]
    }

    fn bound_bytes(&self, index: usize) -> Vec<u8> {
        self.0[index].to_le_bytes().to_vec()
    }

    fn statistics(&self, min: Option<usize>, max: Option<usize>, nulls: u64, nans: u64) -> Statistics {
        // As the format asks: a zero minimum is written -0.0, a zero maximum +0.0.
        let min = min.map(|index| if self.0[index] == 0.0 { -0.0 } else { self.0[index] });
        let max = max.map(|index| if self.0[index] == 0.0 { 0.0 } else { self.0[index] });
        Statistics::from(
            ValueStatistics::new(min, max, None, Some(nulls), false)
                .with_nan_count(Some(nans))
                .with_backwards_compatible_min_max(true),
        )
    }
}

pub(crate) struct Booleans<'a>(pub(crate) &'a [bool]);

impl Values for Booleans<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn plain_len(&self, _index: usize) -> usize {
        1
    }

    /// PLAIN booleans are bit-packed, least significant bit first.
    fn write_plain(&self, range: Range<usize>, out: &mut Vec<u8>) {
        for eight in self.0[range].chunks(8) {
            out.push(eight.iter().enumerate().fold(0u8, |byte, (bit, &value)| byte | (u8::from(value) << bit)));
        }
    }

    fn dictionary(&self, _limit: usize, _ids: &mut Vec<u32>) -> Option<Vec<usize>> {
        None
    }

    fn less(&self, a: usize, b: usize) -> bool {
        !self.0[a] & self.0[b]
    }

    fn bound_bytes(&self, index: usize) -> Vec<u8> {
        vec![u8::from(self.0[index])]
    }

    fn statistics(&self, min: Option<usize>, max: Option<usize>, nulls: u64, _nans: u64) -> Statistics {
        let value = |index: usize| self.0[index];
        Statistics::from(
            ValueStatistics::new(min.map(value), max.map(value), None, Some(nulls), false)
                .with_backwards_compatible_min_max(true),
        )
    }
}

/// Strings PLAIN-encoded end to end in `bytes` (each after its 4-byte length); value `i` ends
/// at `ends[i]`.
pub(crate) struct Strings<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) ends: &'a [usize],
}

impl Strings<'_> {
    /// Where value `index`'s PLAIN encoding (its length first) starts.
    #[inline]
    fn plain_start(&self, index: usize) -> usize {
        if index == 0 { 0 } else { self.ends[index - 1] }
    }

    #[inline]
    fn get(&self, index: usize) -> &[u8] {
        &self.bytes[self.plain_start(index) + 4..self.ends[index]]
    }

    /// The first eight bytes, big-endian and zero-padded: comparing these decides most string
    /// comparisons without a call to `memcmp`.
    #[inline]
    fn prefix(&self, index: usize) -> u64 {
        let value = self.get(index);
        match value.first_chunk::<8>() {
            Some(&bytes) => u64::from_be_bytes(bytes),
            // Short values byte by byte: a copy of a variable length is a call to `memcpy`.
            None => value.iter().enumerate().fold(0, |prefix, (at, &byte)| prefix | u64::from(byte) << (56 - 8 * at)),
        }
    }
}

impl Values for Strings<'_> {
    const FIXED_WIDTH: bool = false;

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn plain_len(&self, index: usize) -> usize {
        self.ends[index] - self.plain_start(index)
    }

    fn write_plain(&self, range: Range<usize>, out: &mut Vec<u8>) {
        if !range.is_empty() {
            out.extend_from_slice(&self.bytes[self.plain_start(range.start)..self.ends[range.end - 1]]);
        }
    }

    fn dictionary(&self, limit: usize, ids: &mut Vec<u32>) -> Option<Vec<usize>> {
        build_dictionary(self.ends.len(), |index| self.get(index), |index| self.plain_len(index), limit, ids)
    }

    /// Byte-wise, unsigned, as Parquet orders UTF-8 strings.
    fn less(&self, a: usize, b: usize) -> bool {
        match self.prefix(a).cmp(&self.prefix(b)) {
            std::cmp::Ordering::Equal => self.get(a) < self.get(b),
            order => order.is_lt(),
        }
    }

    /// With the bounds' 8-byte prefixes kept, most values are placed by two integer
    /// comparisons.
    fn bounds(&self, range: Range<usize>) -> Bounds {
        let mut bounds = Bounds::default();
        let Some(first) = range.clone().next() else {
            return bounds;
        };
        let (mut min, mut max) = (first, first);
        let (mut min_prefix, mut max_prefix) = (self.prefix(first), self.prefix(first));
        for index in range {
            let prefix = self.prefix(index);
            if prefix < min_prefix || (prefix == min_prefix && self.get(index) < self.get(min)) {
                (min, min_prefix) = (index, prefix);
            } else if prefix > max_prefix || (prefix == max_prefix && self.get(index) > self.get(max)) {
                (max, max_prefix) = (index, prefix);
            }
        }
        bounds.min = Some(min);
        bounds.max = Some(max);
        bounds
    }

    fn fits_statistics(&self, index: usize) -> bool {
        self.get(index).len() <= MAX_BOUND_BYTES
    }

    fn bound_bytes(&self, index: usize) -> Vec<u8> {
        self.get(index).to_vec()
    }

    fn statistics(&self, min: Option<usize>, max: Option<usize>, nulls: u64, _nans: u64) -> Statistics {
        let value = |index: usize| ByteArray::from(self.get(index).to_vec());
        Statistics::from(ValueStatistics::new(min.map(value), max.map(value), None, Some(nulls), false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_bounds_from_the_dictionary_order_are_the_values_bounds() {
        let words = ["pear", "apple", "fig", "apple", "", "plum", "fig", "apricot", "pear", "zz", "a"];
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for word in words {
            bytes.extend_from_slice(&(word.len() as u32).to_le_bytes());
            bytes.extend_from_slice(word.as_bytes());
            ends.push(bytes.len());
        }
        let strings = Strings { bytes: &bytes, ends: &ends };
        let mut ids = Vec::new();
        let entries = strings.dictionary(1 << 20, &mut ids).expect("dictionary");
        let order = DictionaryOrder::new(&strings, &entries);
        for start in 0..words.len() {
            for end in start..=words.len() {
                let (expected, found) = (strings.bounds(start..end), order.bounds(&ids[start..end]));
                let text = |index: Option<usize>| index.map(|index| strings.get(index).to_vec());
                assert_eq!((text(found.min), text(found.max)), (text(expected.min), text(expected.max)));
            }
        }
    }
}
