//! Text → typed value parsers, shared by inference and conversion. Hand-written because they
//! run once per cell and the generic routines (and chrono) cost more than the rest of a row.

use crate::scan::{first_marked, leading_digits, non_digit_marks, splat, word_at};

/// An optionally signed decimal integer that fits in i64.
pub(crate) fn parse_i64(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses.
    let mut value: i64 = 0;
    if digits.len() < 19 {
        for &b in digits {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            value = value * 10 - i64::from(digit);
        }
    } else {
        for &b in digits {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            value = value.checked_mul(10)?.checked_sub(i64::from(digit))?;
        }
    }
    if negative { Some(value) } else { value.checked_neg() }
}

/// [`parse_i64`] of the first `len` bytes of `tail`, which goes on past them as the input
/// buffer does: up to eight digits without a sign are read as one word.
#[inline]
pub(crate) fn parse_i64_at(tail: &[u8], len: usize) -> Option<i64> {
    match short_unsigned(tail, 0, len) {
        Some(value) => Some(value as i64),
        None => parse_i64(&tail[..len]),
    }
}

/// [`parse_f64`] of the first `len` bytes of `tail` (as for [`parse_i64_at`]): the usual
/// `-123.45` is read a word per side of the point.
#[inline]
pub(crate) fn parse_f64_at(tail: &[u8], len: usize) -> Option<f64> {
    short_decimal_at(tail, len).or_else(|| parse_f64(&tail[..len]))
}

/// `-?D.F` or `-?D` with 1–8 digits on each side and at most 15 in all: the two digit runs are
/// words, and the value is [`parse_short_decimal`]'s (the same exact division).
#[inline]
fn short_decimal_at(tail: &[u8], len: usize) -> Option<f64> {
    let sign = usize::from(tail.first() == Some(&b'-'));
    if tail.len() < len + 8 || len <= sign {
        return None;
    }
    let integer_len = leading_digits(tail, sign);
    let integer = short_unsigned(tail, sign, integer_len)?;
    let fraction_len = (len - sign).checked_sub(integer_len + 1);
    let value = match fraction_len {
        None if integer_len == len - sign => integer as f64,
        Some(fraction_len @ 1..=8) if tail[sign + integer_len] == b'.' && integer_len + fraction_len <= 15 => {
            let fraction = short_unsigned(tail, sign + integer_len + 1, fraction_len)?;
            let scale = EXACT_POWERS_OF_TEN[fraction_len];
            (integer * scale as u64 + fraction) as f64 / scale
        }
        _ => return None,
    };
    Some(if sign == 1 { -value } else { value })
}

/// The `len` (1–8) ASCII digits at `tail[at..]` as a number, read as one word: `None` unless
/// they are all digits and `tail` has eight bytes there.
#[inline]
fn short_unsigned(tail: &[u8], at: usize, len: usize) -> Option<u64> {
    if !(1..=8).contains(&len) || tail.len() < at + 8 {
        return None;
    }
    let digits = word_at(tail, at) ^ splat(b'0');
    if first_marked(non_digit_marks(digits)) < len {
        return None;
    }
    // The digits moved to the top bytes, zeros before them; then pairs, then the four pairs
    // combined by two multiplications (each product's upper half sums two of them).
    let digits = digits << (8 * (8 - len));
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    const LOW_BYTES: u64 = 0x0000_00FF_0000_00FF;
    let high = (pairs & LOW_BYTES).wrapping_mul(100 + (1_000_000 << 32));
    let low = ((pairs >> 16) & LOW_BYTES).wrapping_mul(1 + (10_000 << 32));
    Some(high.wrapping_add(low) >> 32)
}

/// A float as Rust reads it (decimal, exponent, `inf`, `NaN`).
#[inline]
pub(crate) fn parse_f64(text: &[u8]) -> Option<f64> {
    match parse_short_decimal(text) {
        Some(value) => Some(value),
        None => std::str::from_utf8(text).ok()?.parse().ok(),
    }
}

/// Powers of ten that are exact in an f64.
const EXACT_POWERS_OF_TEN: [f64; 16] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The common `-123.45` with at most 15 digits, without the general parser: the digits and the
/// power of ten are both exact in an f64, so one division is correctly rounded (Clinger's fast
/// path). Anything else (exponents, long mantissas) is left to the standard parser.
#[inline]
fn parse_short_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut point_at = None;
    for (index, &byte) in digits.iter().enumerate() {
        let digit = byte.wrapping_sub(b'0');
        if digit <= 9 {
            mantissa = mantissa * 10 + u64::from(digit);
        } else if byte == b'.' && point_at.is_none() {
            point_at = Some(index);
        } else {
            return None;
        }
    }
    let fraction_digits = match point_at {
        // A lone point, or one at either end, is left to the standard parser.
        Some(at) if at == 0 || at + 1 == digits.len() => return None,
        Some(at) => digits.len() - at - 1,
        None => 0,
    };
    let significant_digits = digits.len() - usize::from(point_at.is_some());
    if significant_digits > 15 {
        return None;
    }
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction_digits];
    Some(if negative { -value } else { value })
}

/// True for decimal number text (digits, sign, point, exponent), so that inference does not
/// take words like `inf` or `NaN` for doubles.
pub(crate) fn looks_like_decimal_number(text: &[u8]) -> bool {
    text.iter().any(u8::is_ascii_digit)
        && text.iter().all(|&b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
}

/// `true` or `false` in any letter case.
pub(crate) fn parse_bool(text: &[u8]) -> Option<bool> {
    // A capital differs from its lowercase letter only in bit 0x20, and only those two bytes
    // give a lowercase letter with that bit set: one comparison per word, no call.
    let lowercase = |word: u64| word | 0x2020_2020_2020_2020;
    match *text {
        [a, b, c, d] => (lowercase(u64::from_le_bytes([a, b, c, d, 0, 0, 0, 0])) == word(b"true")).then_some(true),
        [a, b, c, d, e] => (lowercase(u64::from_le_bytes([a, b, c, d, e, 0, 0, 0])) == word(b"false")).then_some(false),
        _ => None,
    }
}

/// A word holding `text` (at most 8 bytes) with the unused bytes 0x20, as `parse_bool`'s
/// lowercase words have them.
const fn word(text: &[u8]) -> u64 {
    let mut bytes = [0x20; 8];
    let mut index = 0;
    while index < text.len() {
        bytes[index] = text[index];
        index += 1;
    }
    u64::from_le_bytes(bytes)
}

/// `YYYY-MM-DD` as days since 1970-01-01.
pub(crate) fn parse_date(text: &[u8]) -> Option<i32> {
    if text.len() != 10 {
        return None;
    }
    let days = parse_date_prefix(text)?;
    i32::try_from(days).ok()
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`, or a bare date, as microseconds since the
/// Unix epoch in UTC. Fractions finer than a microsecond are truncated.
pub(crate) fn parse_timestamp_micros(text: &[u8]) -> Option<i64> {
    parse_utc_millis_layout(text).or_else(|| parse_any_timestamp(text))
}

/// Any layout [`parse_timestamp_micros`] takes, a byte at a time.
fn parse_any_timestamp(text: &[u8]) -> Option<i64> {
    let days = parse_date_prefix(text)?;
    if text.len() == 10 {
        return days.checked_mul(MICROS_PER_DAY);
    }
    let rest = &text[10..];
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return None;
    }
    let rest = &rest[1..];
    let hour = two_digits(rest, 0)?;
    if rest.get(2) != Some(&b':') {
        return None;
    }
    let minute = two_digits(rest, 3)?;
    let mut pos = 5;
    let mut second = 0;
    let mut micros = 0;
    if rest.get(pos) == Some(&b':') {
        second = two_digits(rest, pos + 1)?;
        pos += 3;
        if rest.get(pos) == Some(&b'.') {
            pos += 1;
            let fraction_start = pos;
            let mut scale = 100_000;
            while let Some(&b) = rest.get(pos) {
                if !b.is_ascii_digit() {
                    break;
                }
                micros += i64::from(b - b'0') * scale;
                scale /= 10;
                pos += 1;
            }
            let fraction_digits = pos - fraction_start;
            if fraction_digits == 0 || fraction_digits > 9 {
                return None;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_seconds = parse_utc_offset(&rest[pos..])?;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(1_000_000)?.checked_add(micros)
}

const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly (JavaScript's `toISOString`, what most producers write):
/// every byte in its place, so the 24 bytes are checked and their digits paired up as three
/// words, with no search and no branch per byte; anything else is `None` and goes to the
/// general parser.
fn parse_utc_millis_layout(text: &[u8]) -> Option<i64> {
    let text: &[u8; 24] = text.try_into().ok()?;
    let word = |at: usize| u64::from_le_bytes(text[at..at + 8].try_into().unwrap_or_default());
    let [w0, w1, w2] = [word(0), word(8), word(16)].map(|w| w ^ splat(b'0'));
    // Separators (bytes 4, 7 | 10, 13 | 16, 19, 23) as they read after the `^ '0'` above,
    // and the mask of their bytes.
    const SEPARATORS: [(u64, u64); 3] = [
        separator_bytes([(4, b'-'), (7, b'-')]),
        separator_bytes([(2, b'T'), (5, b':')]),
        separator_bytes([(0, b':'), (3, b'.'), (7, b'Z')]),
    ];
    let mut pairs = [0u64; 3];
    for (index, (word, (separators, separator_mask))) in [w0, w1, w2].into_iter().zip(SEPARATORS).enumerate() {
        let digits = word & !separator_mask;
        if word & separator_mask != separators || non_digit_marks(digits) != 0 {
            return None;
        }
        // Byte i becomes 10 × digit i + digit i + 1 (at most 99, so no carry either).
        pairs[index] = digits.wrapping_mul(10).wrapping_add(digits >> 8);
    }
    let byte = |word: u64, at: u32| ((word >> (8 * at)) & 0xFF) as i64;
    let year = byte(pairs[0], 0) * 100 + byte(pairs[0], 2);
    let (month, day) = (byte(pairs[0], 5), byte(pairs[1], 0));
    let (hour, minute, second) = (byte(pairs[1], 3), byte(pairs[1], 6), byte(pairs[2], 1));
    let millis = byte(w2, 4) * 100 + byte(pairs[2], 5);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(seconds * 1_000_000 + millis * 1_000)
}

/// A word holding `byte ^ '0'` at each given position and zero elsewhere, and the mask of
/// those positions.
const fn separator_bytes<const N: usize>(separators: [(u32, u8); N]) -> (u64, u64) {
    let (mut word, mut mask) = (0, 0);
    let mut index = 0;
    while index < N {
        let (at, byte) = separators[index];
        word |= ((byte ^ b'0') as u64) << (8 * at);
        mask |= 0xFF << (8 * at);
        index += 1;
    }
    (word, mask)
}

/// Nothing (UTC), `Z`, or `±HH`, `±HHMM`, `±HH:MM`, as seconds east of UTC.
fn parse_utc_offset(text: &[u8]) -> Option<i64> {
    let sign = match text {
        [] | [b'Z' | b'z'] => return Some(0),
        [b'+', ..] => 1,
        [b'-', ..] => -1,
        _ => return None,
    };
    let hours = two_digits(text, 1)?;
    let minutes = match &text[3..] {
        [] => 0,
        [b':', _, _] => two_digits(text, 4)?,
        [_, _] => two_digits(text, 3)?,
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3_600 + minutes * 60))
}

/// The date at the start of `text` (`YYYY-MM-DD`) as days since 1970-01-01.
fn parse_date_prefix(text: &[u8]) -> Option<i64> {
    if text.len() < 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let year = two_digits(text, 0)? * 100 + two_digits(text, 2)?;
    let month = two_digits(text, 5)?;
    let day = two_digits(text, 8)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn two_digits(text: &[u8], at: usize) -> Option<i64> {
    let tens = text.get(at)?.wrapping_sub(b'0');
    let ones = text.get(at + 1)?.wrapping_sub(b'0');
    if tens > 9 || ones > 9 {
        return None;
    }
    Some(i64::from(tens * 10 + ones))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date with a four-digit year (Howard
/// Hinnant's algorithm; unsigned, since the parser only yields years 0000-9999).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let (year, month, day) = (year as u32, month as u32, day as u32);
    // Count years from March so that the leap day ends the year; shift by 400 years so that
    // year 0's January stays non-negative.
    let year = if month <= 2 { year + 399 } else { year + 400 };
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let days = year * 365 + year / 4 - year / 100 + year / 400 + day_of_year;
    // 719,468 days from 0000-03-01 to 1970-01-01, plus the 146,097 of the 400-year shift.
    i64::from(days) - 719_468 - 146_097
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-42"), Some(-42));
        assert_eq!(parse_i64(b"+7"), Some(7));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"12a"), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(parse_i64(b""), None);
        assert_eq!(parse_i64(b"1.0"), None);
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(parse_date(b"1970-01-01"), Some(0));
        assert_eq!(parse_date(b"2000-03-01"), Some(11_017));
        assert_eq!(parse_date(b"2024-02-29"), Some(19_782));
        assert_eq!(parse_date(b"2023-02-29"), None);
        assert_eq!(parse_date(b"2023-13-01"), None);
        assert_eq!(parse_date(b"0000-01-01"), Some(-719_528));
        assert_eq!(parse_date(b"9999-12-31"), Some(2_932_896));
        assert_eq!(parse_date(b"1969-12-31"), Some(-1));
        assert_eq!(parse_date(b"1900-03-01"), Some(-25_508));
        assert_eq!(parse_timestamp_micros(b"1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_timestamp_micros(b"1970-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(parse_timestamp_micros(b"1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp_micros(b"1970-01-01T00:00-0130"), Some(5_400_000_000));
        assert_eq!(parse_timestamp_micros(b"2024-05-06T07:08:09.123456789Z"), Some(1_714_979_289_123_456));
        assert_eq!(parse_timestamp_micros(b"2024-05-06"), Some(19_849 * MICROS_PER_DAY));
        assert_eq!(parse_timestamp_micros(b"2024-05-06T25:00:00"), None);
        assert_eq!(parse_timestamp_micros(b"2024-05-06T10:00:00 junk"), None);
        assert_eq!(parse_timestamp_micros(b"2024-05-06T10:00:00."), None);
        // The fixed layout's fast path agrees with the general parser, and refuses what it does.
        for text in ["2024-02-29T23:59:60.999Z", "1970-01-01T00:00:00.000Z", "0000-03-01T12:34:56.789Z"] {
            let general = format!("{}+00:00", &text[..23]);
            assert_eq!(parse_timestamp_micros(text.as_bytes()), parse_timestamp_micros(general.as_bytes()), "{text}");
        }
        assert_eq!(parse_timestamp_micros(b"2024-05-06T07:08:09.123Z"), Some(1_714_979_289_123_000));
        // Every byte of the fixed layout replaced by every other byte: the word-at-a-time path
        // never disagrees with the byte-at-a-time parser, and with digits where digits belong
        // it decides alone (the general parser also takes `t`, ` `, `z`, offsets).
        let valid = *b"2024-02-29T23:59:59.999Z";
        for at in 0..valid.len() {
            for byte in 0..=u8::MAX {
                let mut text = valid;
                text[at] = byte;
                let (fast, general) = (parse_utc_millis_layout(&text), parse_any_timestamp(&text));
                let shown = String::from_utf8_lossy(&text).into_owned();
                assert!(fast.is_none() || fast == general, "{shown}");
                if byte.is_ascii_digit() && valid[at].is_ascii_digit() {
                    assert_eq!(fast, general, "{shown}");
                }
            }
        }
        for text in [
            "2023-02-29T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-05-06T24:00:00.000Z",
            "2024-05-06T07:08:09.12xZ",
        ] {
            assert_eq!(parse_timestamp_micros(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn booleans_and_doubles() {
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"False"), Some(false));
        assert_eq!(parse_bool(b"yes"), None);
        // Every one-byte change of the two words: only case changes are taken.
        for text in [&b"true"[..], b"false"] {
            for at in 0..text.len() {
                for byte in 0..=u8::MAX {
                    let mut changed = text.to_vec();
                    changed[at] = byte;
                    let expected = changed.eq_ignore_ascii_case(text).then_some(text == b"true");
                    assert_eq!(parse_bool(&changed), expected, "{changed:?}");
                }
            }
        }
        assert_eq!(parse_bool(b"tru"), None);
        assert_eq!(parse_bool(b"falsey"), None);
        assert_eq!(parse_f64(b"1.5e3"), Some(1500.0));
        assert!(looks_like_decimal_number(b"-1.5e3"));
        // The short-decimal fast path rounds exactly like the standard parser.
        let mut state: u64 = 12_345;
        for _ in 0..20_000 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let digits = format!("{}", state >> (state % 40));
            let cut = (state % 7) as usize % digits.len().max(1);
            let text = format!("-{}.{}", &digits[..cut.max(1)], &digits[cut.max(1)..]);
            let text = text.trim_end_matches('.');
            assert_eq!(parse_f64(text.as_bytes()), text.parse().ok(), "{text}");
        }
        for text in ["0.1", "1.", ".5", "+2.25", "123456789012345.6", "1e5", "inf"] {
            assert_eq!(parse_f64(text.as_bytes()), text.parse().ok(), "{text}");
        }
        assert!(!looks_like_decimal_number(b"inf"));
    }

    #[test]
    fn numbers_read_a_word_at_a_time_match_the_general_parsers() {
        let alphabet = b"0123456789-.+e,x";
        let mut state: u64 = 99;
        let mut next = |below: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % below
        };
        for round in 0..200_000 {
            let len = next(20);
            // Mostly digits with one point, sometimes any of the alphabet.
            let mut text: Vec<u8> = (0..len).map(|_| b'0' + next(10) as u8).collect();
            if len > 1 && round % 2 == 0 {
                text[next(len)] = b'.';
            }
            if len > 0 && round % 3 == 0 {
                text[next(len)] = alphabet[next(alphabet.len())];
            }
            if len > 0 && round % 5 == 0 {
                text[0] = b'-';
            }
            let mut tail = text.clone();
            tail.extend((0..next(12)).map(|_| alphabet[next(alphabet.len())]));
            assert_eq!(parse_i64_at(&tail, len), parse_i64(&text), "{:?}", String::from_utf8_lossy(&tail));
            let (word_read, general) = (parse_f64_at(&tail, len), parse_f64(&text));
            assert_eq!(word_read.map(f64::to_bits), general.map(f64::to_bits), "{:?}", String::from_utf8_lossy(&tail));
        }
        assert_eq!(short_unsigned(b"12345678", 0, 8), Some(12_345_678));
        assert_eq!(short_unsigned(b"00000001........", 0, 8), Some(1));
        assert_eq!(short_unsigned(b"9,......", 0, 1), Some(9));
        assert!(!looks_like_decimal_number(b"-"));
    }
}
