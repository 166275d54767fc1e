//! Byte searches done eight bytes at a time in a `u64` (SWAR): for the short fields and strings
//! of a record they beat a call to `memchr`, whose vector setup only pays off on longer input.

use memchr::memchr2;

const LOW_SEVEN_BITS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// `byte` in every byte of a word.
#[inline]
pub(crate) const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// The eight bytes at `data[at..]` as a little-endian word (byte `i` in bits `8 i ..`).
#[inline]
pub(crate) fn word_at(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// 0x80 in each byte of `word` that equals the byte repeated in `splat`, 0 elsewhere (exact:
/// no false positives, unlike the shorter `haszero` trick).
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline]
pub(crate) fn bytes_equal(word: u64, splat: u64) -> u64 {
    let x = word ^ splat;
    !(((x & LOW_SEVEN_BITS).wrapping_add(LOW_SEVEN_BITS)) | x | LOW_SEVEN_BITS)
}

/// The index of the byte a word's mask (from [`bytes_equal`]) marks first.
#[inline]
pub(crate) fn first_marked(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// Where each of three byte values is among the 16 bytes at `data[at..]`: one mask per value,
/// bit `i` set when byte `i` equals it. A record's delimiters, quotes and newline are found
/// this way in one pass, 16 bytes per step.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn masks16(data: &[u8], at: usize, values: [u8; 3]) -> [u32; 3] {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8};
    let (low, high) = (word_at(data, at), word_at(data, at + 8));
    // SAFETY: SSE2 is part of the x86_64 baseline, so these instructions are always there; they
    // only compute on values (no memory is read through a pointer).
    unsafe {
        let block = _mm_set_epi64x(high as i64, low as i64);
        values.map(|value| _mm_movemask_epi8(_mm_cmpeq_epi8(block, _mm_set1_epi8(value as i8))) as u32)
    }
}

/// [`masks16`] without vector instructions: two words, each byte's match bit gathered.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline]
pub(crate) fn masks16_portable(data: &[u8], at: usize, values: [u8; 3]) -> [u32; 3] {
    // Moves the 0x80 bit of byte i (from `bytes_equal`) to bit i: the multiplier's terms put
    // each on a bit of its own in the top byte.
    let gather = |marks: u64| ((marks >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
    let (low, high) = (word_at(data, at), word_at(data, at + 8));
    values.map(|value| gather(bytes_equal(low, splat(value))) | gather(bytes_equal(high, splat(value))) << 8)
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) use masks16_portable as masks16;

/// How far the 16-bytes-a-step search goes before handing over to `memchr2`, whose vector
/// setup only pays off on longer input.
const SHORT_SEARCH: usize = 64;

/// The position of the first `a` or `b` at or after `from`.
#[inline]
pub(crate) fn find_either(data: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let mut pos = from;
    let short_end = data.len().min(from + SHORT_SEARCH);
    while pos + 16 <= short_end {
        let [found_a, found_b, _] = masks16(data, pos, [a, b, b]);
        let found = found_a | found_b;
        if found != 0 {
            return Some(pos + found.trailing_zeros() as usize);
        }
        pos += 16;
    }
    memchr2(a, b, &data[pos..]).map(|at| pos + at)
}

/// The number of ASCII digits at the start of the eight bytes at `data[at..]` (8 when all are).
#[inline]
pub(crate) fn leading_digits(data: &[u8], at: usize) -> usize {
    first_marked(non_digit_marks(word_at(data, at) ^ splat(b'0')))
}

/// 0x80 in each byte of `word` (bytes already `^ b'0'`) that was not an ASCII digit, exactly:
/// a digit reads 0..=9, and adding 0x76 to the low seven bits sets the high bit only above 9,
/// with no carry into the next byte.
#[inline]
pub(crate) fn non_digit_marks(word: u64) -> u64 {
    (((word & LOW_SEVEN_BITS).wrapping_add(splat(0x76))) | word) & splat(0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_of_two_bytes_anywhere() {
        let text = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789\"\\";
        for from in 0..text.len() {
            for (index, &byte) in text.iter().enumerate().skip(from) {
                let expected = text[from..].iter().position(|&b| b == byte || b == b'#').map(|at| from + at);
                assert_eq!(find_either(text, from, byte, b'#'), expected, "{from} {index}");
            }
        }
        assert_eq!(find_either(b"abc", 0, b'x', b'y'), None);
        assert_eq!(bytes_equal(word_at(b"a,b,c,d,", 0), splat(b',')), 0x8000_8000_8000_8000);
        // Exact: a byte that differs only in its high bit, or by one, is not a match.
        assert_eq!(bytes_equal(word_at(b"\xAC-+\x2C\x2C\x2C\x2C\x2C", 0), splat(b',')), 0x8080_8080_8000_0000);
    }

    #[test]
    fn digits_are_counted_a_word_at_a_time() {
        for text in [&b"12345678"[..], b"1234567x", b"x", b"0/9:", b"9\xB0", b"\xB9", b"007."] {
            let mut padded = text.to_vec();
            padded.resize(8, b' ');
            let expected = padded.iter().take_while(|b| b.is_ascii_digit()).count();
            assert_eq!(leading_digits(&padded, 0), expected, "{text:?}");
        }
        for byte in 0..=u8::MAX {
            let word = u64::from_le_bytes([byte ^ b'0'; 8]);
            assert_eq!(non_digit_marks(word) == 0, byte.is_ascii_digit(), "{byte}");
        }
    }

    #[test]
    fn sixteen_byte_masks_mark_each_value() {
        let data = b"a,b\"c\nd,,\xAC\x2C\n\"\"zz,";
        for at in 0..=data.len() - 16 {
            let expected = [b',', b'"', b'\n']
                .map(|value| (0..16).filter(|&i| data[at + i] == value).fold(0u32, |mask, i| mask | 1 << i));
            assert_eq!(masks16(data, at, [b',', b'"', b'\n']), expected, "{at}");
            assert_eq!(masks16_portable(data, at, [b',', b'"', b'\n']), expected, "{at}");
        }
    }
}
