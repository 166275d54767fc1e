//! The lake's timestamps: ISO-8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`), so they
//! sort as strings (the tables' index sort keys rely on it).

/// A timestamp that is not ISO-8601 UTC, or names a time that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "timestamp `{raw}` is not ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SS[.fff]Z`): {problem}; S3 events carry valid times \
     in that form, so the event is malformed"
)]
pub struct TimestampError {
    pub raw: String,
    pub problem: TimestampProblem,
}

/// What is wrong with a [`TimestampError`]'s timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampProblem {
    #[error("it does not have that shape")]
    Shape,
    #[error("month {0:02} is not 01-12")]
    Month(u32),
    #[error("day {day:02} is not 01-{days} in {year:04}-{month:02}")]
    Day { year: u32, month: u32, day: u32, days: u32 },
    #[error("hour {0:02} is not 00-23")]
    Hour(u32),
    #[error("minute {0:02} is not 00-59")]
    Minute(u32),
    // Unix time, and so `from_epoch_millis`, has no leap seconds.
    #[error("second {0:02} is not 00-59")]
    Second(u32),
}

/// `YYYY-MM-DDTHH:MM:SS[.f…](Z|+00:00)` → `YYYY-MM-DDTHH:MM:SS.mmmZ`: S3 sends milliseconds,
/// emulators sometimes none or microseconds; extra digits are cut, not rounded, so the
/// result never moves past the next second. The date must exist (proleptic Gregorian) and the
/// time be 00:00:00-23:59:59.
pub fn normalize(raw: &str) -> Result<String, TimestampError> {
    let err = |problem| TimestampError { raw: raw.to_owned(), problem };
    let body =
        raw.strip_suffix('Z').or_else(|| raw.strip_suffix("+00:00")).ok_or_else(|| err(TimestampProblem::Shape))?;
    let (seconds, fraction) = body.split_once('.').unwrap_or((body, ""));
    let shape_ok = seconds.len() == 19
        && seconds.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok || !fraction.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && fraction.is_empty()) {
        return Err(err(TimestampProblem::Shape));
    }
    check_fields(seconds).map_err(err)?;
    let millis: String = fraction.chars().chain(std::iter::repeat('0')).take(3).collect();
    Ok(format!("{seconds}.{millis}Z"))
}

/// The ranges of `YYYY-MM-DDTHH:MM:SS` (already known to have that shape). Written by hand, not
/// with chrono or time: the core is kept dependency-light because every Lambda binary links it.
fn check_fields(seconds: &str) -> Result<(), TimestampProblem> {
    // ASCII digits only (checked by the caller), so every slice is a valid u32.
    let field = |range: std::ops::Range<usize>| seconds[range].bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    let (hour, minute, second) = (field(11..13), field(14..16), field(17..19));
    if !(1..=12).contains(&month) {
        return Err(TimestampProblem::Month(month));
    }
    let days = days_in_month(year, month);
    if !(1..=days).contains(&day) {
        return Err(TimestampProblem::Day { year, month, day, days });
    }
    if hour > 23 {
        return Err(TimestampProblem::Hour(hour));
    }
    if minute > 59 {
        return Err(TimestampProblem::Minute(minute));
    }
    if second > 59 {
        return Err(TimestampProblem::Second(second));
    }
    Ok(())
}

/// The length of `month` (1-12) of `year`, proleptic Gregorian.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Milliseconds since the Unix epoch → `YYYY-MM-DDTHH:MM:SS.mmmZ`. The runtime reads the clock
/// and passes the value in, so every function here stays pure.
pub fn from_epoch_millis(epoch_millis: i64) -> String {
    let (days, ms_of_day) = (epoch_millis.div_euclid(86_400_000), epoch_millis.rem_euclid(86_400_000));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, ms) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_get_exactly_three_fraction_digits() {
        assert_eq!(normalize("2024-05-01T12:00:00.123Z").unwrap(), "2024-05-01T12:00:00.123Z");
        assert_eq!(normalize("2024-05-01T12:00:00Z").unwrap(), "2024-05-01T12:00:00.000Z");
        assert_eq!(normalize("2024-05-01T12:00:00.5Z").unwrap(), "2024-05-01T12:00:00.500Z");
        assert_eq!(normalize("2024-05-01T12:00:00.123999Z").unwrap(), "2024-05-01T12:00:00.123Z");
        assert_eq!(normalize("2024-05-01T12:00:00.123+00:00").unwrap(), "2024-05-01T12:00:00.123Z");
    }

    #[test]
    fn other_shapes_and_offsets_are_refused() {
        for raw in ["2024-05-01 12:00:00Z", "2024-05-01T12:00:00+02:00", "2024-05-01T12:00:00.Z", "yesterday", ""] {
            assert!(normalize(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn times_that_do_not_exist_are_refused() {
        use TimestampProblem::*;
        let cases = [
            ("2024-99-99T99:99:99Z", Month(99)),
            ("2024-00-01T00:00:00Z", Month(0)),
            ("2024-13-01T00:00:00Z", Month(13)),
            ("2024-05-00T00:00:00Z", Day { year: 2024, month: 5, day: 0, days: 31 }),
            ("2024-05-32T00:00:00Z", Day { year: 2024, month: 5, day: 32, days: 31 }),
            ("2024-04-31T00:00:00.000Z", Day { year: 2024, month: 4, day: 31, days: 30 }),
            ("2024-02-30T00:00:00Z", Day { year: 2024, month: 2, day: 30, days: 29 }),
            ("2023-02-29T00:00:00Z", Day { year: 2023, month: 2, day: 29, days: 28 }),
            ("1900-02-29T00:00:00Z", Day { year: 1900, month: 2, day: 29, days: 28 }),
            ("2024-05-01T24:00:00Z", Hour(24)),
            ("2024-05-01T12:60:00Z", Minute(60)),
            ("2024-05-01T12:00:60+00:00", Second(60)),
        ];
        for (raw, problem) in cases {
            assert_eq!(normalize(raw), Err(TimestampError { raw: raw.to_owned(), problem }), "{raw}");
        }
        assert_eq!(
            normalize("2023-02-29T00:00:00Z").unwrap_err().to_string(),
            "timestamp `2023-02-29T00:00:00Z` is not ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SS[.fff]Z`): day 29 is not 01-28 \
             in 2023-02; S3 events carry valid times in that form, so the event is malformed"
        );
    }

    #[test]
    fn edges_of_the_calendar_are_accepted() {
        for raw in [
            "2024-02-29T23:59:59.999Z",
            "2000-02-29T00:00:00Z",
            "2023-02-28T00:00:00Z",
            "2024-04-30T00:00:00Z",
            "2024-12-31T23:59:59Z",
            "2024-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
        ] {
            assert!(normalize(raw).is_ok(), "{raw}");
        }
    }

    /// (year, month, day) → days since 1970-01-01 (Hinnant's inverse of `civil_from_days`), for
    /// any fields: an impossible date lands on another day (`2023-02-29` on `2023-03-01`).
    fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    proptest::proptest! {
        /// Exactly the fields that name a real instant are accepted: the oracle carries
        /// out-of-range fields over (day 30 of February → March, hour 24 → the next day), so a
        /// string survives the round trip through epoch millis only if every field was in range.
        /// The fields stay near their limits, so most cases are valid and the edges are hit.
        #[test]
        fn accepted_iff_the_instant_exists(
            year in 0u32..=9999, month in 0u32..=13, day in 0u32..=32,
            hour in 0u32..=25, minute in 0u32..=61, second in 0u32..=61, millis in 0u32..=999,
        ) {
            let raw = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z");
            let days = days_from_civil(year.into(), month.into(), day.into());
            let ms_of_day = ((i64::from(hour) * 60 + i64::from(minute)) * 60 + i64::from(second)) * 1000;
            let round_trip = from_epoch_millis(days * 86_400_000 + ms_of_day + i64::from(millis));
            proptest::prop_assert_eq!(normalize(&raw).is_ok(), round_trip == raw, "{}", raw);
        }

        /// Every instant of the four-digit years is accepted as it is formatted.
        #[test]
        fn every_formatted_instant_is_accepted(
            epoch_millis in days_from_civil(0, 1, 1) * 86_400_000..days_from_civil(10_000, 1, 1) * 86_400_000,
        ) {
            let formatted = from_epoch_millis(epoch_millis);
            proptest::prop_assert_eq!(normalize(&formatted), Ok(formatted.clone()));
        }
    }

    #[test]
    fn epoch_millis_format() {
        assert_eq!(from_epoch_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(from_epoch_millis(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
        assert_eq!(from_epoch_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(from_epoch_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
