//! Date-time strings to epoch seconds, without a calendar library.

/// Parses `YYYY-MM-DD`, optionally followed by a space or `T` and
/// `HH:MM[:SS[.fff…]]`, optionally ending in `Z`, as UTC epoch seconds.
/// Fractional seconds are truncated. Returns `None` for anything else,
/// including impossible dates such as `2014-02-30`.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    if rest[0] != b' ' && rest[0] != b'T' {
        return None;
    }
    let time = &rest[1..];
    if time.len() < 5 || time[2] != b':' {
        return None;
    }
    let hour = digits(&time[0..2])?;
    let minute = digits(&time[3..5])?;
    let mut second = 0;
    let mut tail = &time[5..];
    if let Some(t) = tail.strip_prefix(b":") {
        if t.len() < 2 {
            return None;
        }
        second = digits(&t[0..2])?;
        tail = &t[2..];
    }
    if let Some(fraction) = tail.strip_prefix(b".") {
        if fraction.is_empty() || !fraction.iter().all(u8::is_ascii_digit) {
            return None;
        }
        tail = &[];
    }
    if !tail.is_empty() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// The value of a run of ASCII digits.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0_i64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`, <https://howardhinnant.github.io/date_algorithms.html>).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(parse_timestamp("2014-04-01 00:00:00"), Some(1_396_310_400));
        assert_eq!(parse_timestamp("2014-04-01"), Some(1_396_310_400));
        assert_eq!(parse_timestamp("2014-04-01T00:00:00Z"), Some(1_396_310_400));
        // `date -u -d '2013-12-02 21:15:00' +%s`
        assert_eq!(parse_timestamp("2013-12-02 21:15:00"), Some(1_386_018_900));
        assert_eq!(parse_timestamp("2013-12-02 21:15:00.000000"), Some(1_386_018_900));
        assert_eq!(parse_timestamp("2013-12-02 21:15"), Some(1_386_018_900));
        assert_eq!(parse_timestamp("2016-02-29 23:59:59.999"), Some(1_456_790_399));
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        let mut previous = days_from_civil(1899, 12, 31);
        for year in 1900..=2100 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let d = days_from_civil(year, month, day);
                    assert_eq!(d, previous + 1, "{year}-{month}-{day}");
                    previous = d;
                }
            }
        }
    }

    #[test]
    fn malformed_values_are_rejected() {
        for bad in [
            "",
            "2014",
            "2014-13-01",
            "2014-02-30",
            "2015-02-29",
            "2014-04-01 24:00:00",
            "2014-04-01 12:60",
            "2014-04-01 12:00:00+01:00",
            "2014-04-01 12:00:00.",
            "2014/04/01",
            "14-04-01 00:00",
            "2014-04-01x00:00:00",
            "2014-04-01 1:00:00",
            "ab-cd-ef",
            "2014-04-01 00:00:0",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }
}
