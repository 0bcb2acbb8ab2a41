//! Instants are stored as Unix milliseconds and shown as RFC 3339 in UTC.

use serde::Serializer;

/// The instant as RFC 3339 in UTC, the way `jiff::Timestamp` displays it
/// (fractional seconds only when there are any, without trailing zeros).
pub fn rfc3339(ms: i64) -> String {
    let mut buf = [0u8; 24];
    match format_utc(ms, &mut buf) {
        Some(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
        None => match jiff::Timestamp::from_millisecond(ms) {
            Ok(t) => t.to_string(),
            Err(_) => ms.to_string(),
        },
    }
}

/// Write `ms` as `YYYY-MM-DDTHH:MM:SS[.fff]Z` into `out`; its length, or
/// `None` before 1970 or past jiff's range (left to jiff). Every list and request view
/// shows several instants per row, and formatting them through jiff's general
/// printer was a visible part of serializing a request.
fn format_utc(ms: i64, out: &mut [u8; 24]) -> Option<usize> {
    // jiff's last instant (9999-12-30T22:00:00Z); past it the old output stays.
    const LAST: i64 = 253_402_207_200_000;
    if !(0..=LAST).contains(&ms) {
        return None;
    }
    let (secs, milli) = (ms / 1000, (ms % 1000) as u32);
    let (days, sod) = (secs / 86_400, (secs % 86_400) as u32);
    let (year, month, day) = civil_from_days(days);
    let two = |out: &mut [u8; 24], at: usize, v: u32| {
        out[at] = b'0' + (v / 10) as u8;
        out[at + 1] = b'0' + (v % 10) as u8;
    };
    two(out, 0, year / 100);
    two(out, 2, year % 100);
    out[4] = b'-';
    two(out, 5, month);
    out[7] = b'-';
    two(out, 8, day);
    out[10] = b'T';
    two(out, 11, sod / 3600);
    out[13] = b':';
    two(out, 14, sod / 60 % 60);
    out[16] = b':';
    two(out, 17, sod % 60);
    let mut n = 19;
    if milli > 0 {
        out[n] = b'.';
        let digits = [milli / 100, milli / 10 % 10, milli % 10];
        let keep = if digits[2] != 0 {
            3
        } else if digits[1] != 0 {
            2
        } else {
            1
        };
        for d in &digits[..keep] {
            n += 1;
            out[n] = b'0' + *d as u8;
        }
        n += 1;
    }
    out[n] = b'Z';
    Some(n + 1)
}

/// Year, month, day of a day count since 1970-01-01 (≥ 0): Howard Hinnant's
/// `civil_from_days`, on days counted from 0000-03-01.
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
    (year, month, day)
}

pub fn ms<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*v))
}

pub fn opt_ms<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&rfc3339(*v)),
        None => s.serialize_none(),
    }
}

/// A JSON text shown as JSON (an unreadable one as null).
pub fn raw_json<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    serde_json::from_str::<serde_json::Value>(v)
        .unwrap_or(serde_json::Value::Null)
        .serialize(s)
}

/// A list stored as a JSON array in a `text` column, shown as the array.
pub fn json_list<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    serde_json::from_str::<Vec<String>>(v)
        .unwrap_or_default()
        .serialize(s)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    fn jiff(ms: i64) -> String {
        jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
    }

    #[test]
    fn matches_jiff_at_the_edges() {
        for ms in [
            0,
            1,
            10,
            100,
            120,
            999,
            1000,
            86_399_999,
            86_400_000,
            951_782_400_000, // 2000-02-29
            951_868_799_999,
            1_709_164_800_123, // 2024-02-29
            4_107_542_400_000, // 2100-03-01
            253_402_207_199_999,
            253_402_207_200_000,
            -1, // before 1970: jiff's printer
            -86_400_001,
            -62_135_596_800_000,
        ] {
            assert_eq!(rfc3339(ms), jiff(ms), "{ms}");
        }
        // Past jiff's range, the number itself (as before).
        assert_eq!(rfc3339(253_402_207_200_001), "253402207200001");
    }

    #[test]
    fn matches_jiff_over_many_instants() {
        // A fixed pseudo-random walk over 1970–9999, and every millisecond
        // digit pattern around a leap day.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ms = (x % 253_402_207_200_001) as i64;
            assert_eq!(rfc3339(ms), jiff(ms), "{ms}");
        }
        for ms in 1_709_164_799_000..1_709_164_801_000 {
            assert_eq!(rfc3339(ms), jiff(ms), "{ms}");
        }
    }
}
