//! Opening hours: per weekday (1 = Monday … 7 = Sunday), one or more intervals "HH:MM"–"HH:MM" within the day.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub weekday: u8,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

/// A week of opening hours; validated: weekdays 1–7, opens before closes, no overlaps within a day.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Week(pub Vec<Interval>);

const fn time(h: u32, m: u32, s: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(h, m, s) {
        Some(t) => t,
        None => panic!("invalid constant time"),
    }
}

/// "24:00", the end of the day, is kept as the last second of the day.
const END_OF_DAY: NaiveTime = time(23, 59, 59);
const DEFAULT_OPENS: NaiveTime = time(10, 0, 0);
const DEFAULT_CLOSES: NaiveTime = time(22, 0, 0);

pub fn parse_time(text: &str) -> AppResult<NaiveTime> {
    if text == "24:00" {
        return Ok(END_OF_DAY);
    }
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| AppError::validation(format!("{text:?} is not a time HH:MM")))
}

pub fn format_time(t: NaiveTime) -> String {
    use chrono::Timelike;
    if t == END_OF_DAY { "24:00".into() } else { format!("{:02}:{:02}", t.hour(), t.minute()) }
}

impl Week {
    /// 10:00–22:00 every day: a shop without opening hours.
    pub fn default_hours() -> Week {
        Week((1..=7).map(|weekday| Interval { weekday, opens: DEFAULT_OPENS, closes: DEFAULT_CLOSES }).collect())
    }

    pub fn parse(items: &[(i32, String, String)]) -> AppResult<Week> {
        let mut out = Vec::with_capacity(items.len());
        for (weekday, opens, closes) in items {
            if !(1..=7).contains(weekday) {
                return Err(AppError::validation("weekday must be 1 (Monday) to 7 (Sunday)"));
            }
            let (opens, closes) = (parse_time(opens)?, parse_time(closes)?);
            if opens >= closes {
                return Err(AppError::validation(format!("on weekday {weekday}, opening must come before closing")));
            }
            out.push(Interval { weekday: *weekday as u8, opens, closes });
        }
        out.sort_by_key(|i| (i.weekday, i.opens));
        if out.windows(2).any(|w| w[0].weekday == w[1].weekday && w[1].opens < w[0].closes) {
            return Err(AppError::validation("opening hours of one weekday overlap"));
        }
        Ok(Week(out))
    }

    pub fn from_json(v: &serde_json::Value) -> Week {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

pub fn parse_dates(items: &[String]) -> AppResult<Vec<NaiveDate>> {
    let mut dates = items
        .iter()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::validation(format!("{d:?} is not a date YYYY-MM-DD")))
        })
        .collect::<AppResult<Vec<_>>>()?;
    dates.sort();
    dates.dedup();
    Ok(dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(items: &[(i32, &str, &str)]) -> AppResult<Week> {
        Week::parse(&items.iter().map(|(d, o, c)| (*d, o.to_string(), c.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn hours_are_validated() {
        assert!(w(&[(1, "09:00", "12:00"), (1, "13:00", "21:30"), (7, "10:00", "24:00")]).is_ok());
        assert!(w(&[(0, "09:00", "12:00")]).is_err());
        assert!(w(&[(8, "09:00", "12:00")]).is_err());
        assert!(w(&[(1, "12:00", "09:00")]).is_err());
        assert!(w(&[(1, "09:00", "12:00"), (1, "11:00", "14:00")]).is_err());
        assert!(w(&[(1, "9am", "12:00")]).is_err());
        assert_eq!(format_time(parse_time("24:00").unwrap()), "24:00");
        assert_eq!(format_time(parse_time("09:05").unwrap()), "09:05");
        assert_eq!(format_time(parse_time("23:30").unwrap()), "23:30");
        assert_eq!(Week::default_hours().0.len(), 7);
    }
}
