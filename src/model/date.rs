//! Dates as authors write them: a day, a month or a year.

use borsh::{BorshDeserialize, BorshSerialize};
use std::fmt;

/// A calendar date with optional month and day (`2024-11`, `2016`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1–12, if given.
    pub month: Option<u8>,
    /// Day of month, if given.
    pub day: Option<u8>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a time after `T` or a space is ignored).
    /// The error says what is wrong, e.g. "February 2023 has 28 days".
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let date_part = s.split(['T', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = date_part.split('-').collect();
        let bad = || format!("`{s}` is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY");
        if parts.is_empty()
            || parts.len() > 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        if parts[0].len() != 4 {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: Option<u8> = match parts.get(1) {
            Some(m) => Some(m.parse().map_err(|_| bad())?),
            None => None,
        };
        let day: Option<u8> = match parts.get(2) {
            Some(d) => Some(d.parse().map_err(|_| bad())?),
            None => None,
        };
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!("`{s}`: there is no month {m}"));
            }
            if let Some(d) = day {
                let max = days_in_month(year, m);
                if d == 0 || d > max {
                    return Err(format!(
                        "`{s}`: {} {year} has {max} days",
                        MONTHS[m as usize - 1]
                    ));
                }
            }
        }
        Ok(Date { year, month, day })
    }

    /// ISO form at the precision given: `2016-10-05`, `2024-11`, `2016`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => format!("{:04}-{:02}", self.year, m),
            _ => format!("{:04}", self.year),
        }
    }

    /// The day `secs` seconds after 1970-01-01T00:00:00Z (UTC), e.g. for
    /// `SOURCE_DATE_EPOCH` (H. Hinnant's `civil_from_days`).
    pub fn from_unix_seconds(secs: i64) -> Date {
        let z = secs.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    /// RFC 3339 timestamp at midnight UTC (missing parts taken as 1), for feeds.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T00:00:00Z",
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1)
        )
    }
}

impl serde::Serialize for Date {
    /// Serialised as its ISO form (`2016-10-05`, `2024-11`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl fmt::Display for Date {
    /// Human form: `5 October 2016`, `November 2024`, `2016`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{d} {} {}", MONTHS[m as usize - 1], self.year),
            (Some(m), None) => write!(f, "{} {}", MONTHS[m as usize - 1], self.year),
            _ => write!(f, "{}", self.year),
        }
    }
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precisions() {
        assert_eq!(
            Date::parse("2016-10-05").unwrap().to_string(),
            "5 October 2016"
        );
        assert_eq!(Date::parse("2024-11").unwrap().iso(), "2024-11");
        assert_eq!(Date::parse("2016").unwrap().iso(), "2016");
        assert!(Date::parse("2024-02-29").is_ok());
    }

    /// Reference: Python's `datetime.fromtimestamp(s, timezone.utc).date()`.
    #[test]
    fn days_from_unix_seconds() {
        for (secs, day) in [
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_796_083_200, "2026-12-01"),
            (-86_400, "1969-12-31"),
            (4_107_542_399, "2100-02-28"),
        ] {
            assert_eq!(Date::from_unix_seconds(secs).iso(), day, "{secs}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(
            Date::parse("2023-02-29").unwrap_err(),
            "`2023-02-29`: February 2023 has 28 days"
        );
        assert!(Date::parse("2023-13-01").is_err());
        assert!(Date::parse("yesterday").is_err());
        assert!(Date::parse("23-1-1").is_err());
    }
}
