//! The lake's timestamps: ISO-8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`), so they
//! sort as strings (the tables' index sort keys rely on it).

/// A timestamp that is not ISO-8601 UTC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "timestamp `{raw}` is not ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SS[.fff]Z`); S3 events carry that form, so the \
     event is malformed"
)]
pub struct TimestampError {
    pub raw: String,
}

/// `YYYY-MM-DDTHH:MM:SS[.f…](Z|+00:00)` → `YYYY-MM-DDTHH:MM:SS.mmmZ`: S3 sends milliseconds,
/// emulators sometimes none or microseconds; extra digits are cut, not rounded, so the
/// result never moves past the next second.
pub fn normalize(raw: &str) -> Result<String, TimestampError> {
    let err = || TimestampError { raw: raw.to_owned() };
    let body = raw.strip_suffix('Z').or_else(|| raw.strip_suffix("+00:00")).ok_or_else(err)?;
    let (seconds, fraction) = body.split_once('.').unwrap_or((body, ""));
    let shape_ok = seconds.len() == 19
        && seconds.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok || !fraction.bytes().all(|b| b.is_ascii_digit()) || (body.contains('.') && fraction.is_empty()) {
        return Err(err());
    }
    let millis: String = fraction.chars().chain(std::iter::repeat('0')).take(3).collect();
    Ok(format!("{seconds}.{millis}Z"))
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
    fn epoch_millis_format() {
        assert_eq!(from_epoch_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(from_epoch_millis(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
        assert_eq!(from_epoch_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(from_epoch_millis(-1), "1969-12-31T23:59:59.999Z");
    }
}
