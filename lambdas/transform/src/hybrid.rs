//! Parquet's RLE / bit-packing hybrid encoding, for definition levels (bit width 1) and
//! dictionary indices: a run of eight or more equal values (starting on a group boundary) is one
//! RLE run; everything else is bit-packed in groups of eight, the last group padded with zeros.

/// Appends `values` (each below `1 << bit_width`) encoded as runs, without a length prefix.
pub(crate) fn encode<T: Copy + Eq + Into<u32>>(values: &[T], bit_width: u8, out: &mut Vec<u8>) {
    let mut packed_start = 0;
    let mut at = 0;
    while at < values.len() {
        // Only on a group boundary of the pending bit-packed values may an RLE run start.
        if (at - packed_start).is_multiple_of(8) {
            let run = run_length(&values[at..]);
            if run >= 8 {
                write_bit_packed(&values[packed_start..at], bit_width, out);
                write_rle_run(values[at].into(), run, bit_width, out);
                at += run;
                packed_start = at;
                continue;
            }
        }
        at += 1;
    }
    write_bit_packed(&values[packed_start..], bit_width, out);
}

/// How many values at the start of `values` equal the first.
#[inline]
fn run_length<T: Copy + Eq>(values: &[T]) -> usize {
    let first = values[0];
    values.iter().take_while(|&&value| value == first).count()
}

fn write_rle_run(value: u32, count: usize, bit_width: u8, out: &mut Vec<u8>) {
    write_varint((count as u64) << 1, out);
    let value_bytes = usize::from(bit_width).div_ceil(8);
    out.extend_from_slice(&value.to_le_bytes()[..value_bytes]);
}

/// Values bit-packed least significant bit first, as whole groups of eight.
fn write_bit_packed<T: Copy + Into<u32>>(values: &[T], bit_width: u8, out: &mut Vec<u8>) {
    if values.is_empty() {
        return;
    }
    let groups = values.len().div_ceil(8);
    write_varint(((groups as u64) << 1) | 1, out);
    let width = u32::from(bit_width);
    out.reserve(groups * usize::from(bit_width));
    let mut bits: u64 = 0;
    let mut filled = 0;
    let padding = groups * 8 - values.len();
    let padded = values.iter().map(|&value| value.into()).chain(std::iter::repeat_n(0, padding));
    for value in padded {
        bits |= u64::from(value) << filled;
        filled += width;
        while filled >= 8 {
            out.push(bits as u8);
            bits >>= 8;
            filled -= 8;
        }
    }
}

/// ULEB128.
fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The bits needed for values up to `max`.
pub(crate) fn bit_width(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_groups_are_encoded_as_the_format_says() {
        let mut out = Vec::new();
        encode(&[1u8; 20], 1, &mut out);
        assert_eq!(out, [20 << 1, 1], "one RLE run");

        out.clear();
        encode(&[1u8, 0, 1, 1, 0, 0, 0, 1, 1, 1], 1, &mut out);
        // Two groups bit-packed (the second padded): header (2 << 1) | 1, then the bits.
        assert_eq!(out, [5, 0b1000_1101, 0b0000_0011]);

        out.clear();
        // Three values before a run of nine: they are packed with the run's first five (a
        // group), and the remaining four join the last, padded group.
        encode(&[2u32, 3, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5], 3, &mut out);
        assert_eq!(out[0], 5, "two bit-packed groups");
        assert_eq!(out.len(), 1 + 2 * 3);

        out.clear();
        encode(&[7u32; 8], 3, &mut out);
        assert_eq!(out, [8 << 1, 7]);
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(255), 8);
        assert_eq!(bit_width(256), 9);
    }
}
