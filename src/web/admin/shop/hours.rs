//! Opening hours in the profile form: a row a weekday, opening and closing times typed as `HH:MM`, or closed.

use serde::Deserialize;
use serde_json::{Value, json};

use super::Fields;
use crate::web::forms::Errors;

pub const WEEKDAYS: [&str; 7] = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"];

#[derive(Deserialize, Clone)]
pub struct Hours {
    pub weekday: u8,
    pub opens: String,
    pub closes: String,
}

/// One weekday's row of the form.
#[derive(Clone)]
pub struct Day {
    pub weekday: u8,
    pub label: &'static str,
    pub opens: String,
    pub closes: String,
    pub closed: bool,
    /// The messages beside its times, once the form was checked.
    pub opens_error: Option<String>,
    pub closes_error: Option<String>,
}

impl Day {
    /// With the messages about its times from `errors`.
    pub fn with_errors(mut self, errors: &Errors) -> Day {
        self.opens_error = errors.of(&format!("opens-{}", self.weekday)).map(str::to_owned);
        self.closes_error = errors.of(&format!("closes-{}", self.weekday)).map(str::to_owned);
        self
    }
}

/// The rows for the hours the API answered (one interval a weekday; a weekday without one is closed).
pub fn days_of(hours: &[Hours]) -> Vec<Day> {
    (1..=7u8)
        .map(|d| {
            let h = hours.iter().find(|h| h.weekday == d);
            Day {
                weekday: d,
                label: WEEKDAYS[usize::from(d) - 1],
                opens: h.map(|h| h.opens.clone()).unwrap_or_default(),
                closes: h.map(|h| h.closes.clone()).unwrap_or_default(),
                closed: h.is_none(),
                opens_error: None,
                closes_error: None,
            }
        })
        .collect()
}

/// `HH:MM` (or `24:00` for closing), as minutes since midnight.
fn minutes(text: &str, closing: bool) -> Option<u32> {
    let (h, m) = text.split_once([':', '：'])?;
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && (m != 0 || !closing)) {
        return None;
    }
    Some(h * 60 + m)
}

fn normal(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// The rows as posted, and the `openingHours` input they make (errors beside each wrong time).
pub fn parse(f: &Fields, errors: &mut Errors) -> (Vec<Day>, Value) {
    let mut days = vec![];
    let mut input = vec![];
    for d in 1..=7u8 {
        let label = WEEKDAYS[usize::from(d) - 1];
        let day = Day {
            weekday: d,
            label,
            opens: f.get(&format!("opens-{d}")),
            closes: f.get(&format!("closes-{d}")),
            closed: f.has(&format!("closed-{d}")),
            opens_error: None,
            closes_error: None,
        };
        if !day.closed {
            match (minutes(&day.opens, false), minutes(&day.closes, true)) {
                (None, _) => errors.add(&format!("opens-{d}"), format!("请按“时:分”填写{label}的开门时间，如 10:00")),
                (_, None) => errors.add(&format!("closes-{d}"), format!("请按“时:分”填写{label}的关门时间，如 22:00")),
                (Some(o), Some(c)) if o >= c => {
                    errors.add(&format!("closes-{d}"), format!("{label}的关门时间须晚于开门时间"))
                }
                (Some(o), Some(c)) => input.push(json!({ "weekday": d, "opens": normal(o), "closes": normal(c) })),
            }
        }
        days.push(day);
    }
    if days.iter().all(|d| d.closed) {
        errors.add("closed-1", "至少要有一天营业");
    }
    (days, Value::Array(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_hours_and_minutes() {
        assert_eq!(minutes("9:30", false), Some(570));
        assert_eq!(minutes("24:00", true), Some(1440));
        assert_eq!(minutes("24:00", false), None);
        assert_eq!(minutes("10：00", false), Some(600));
        assert_eq!(minutes("25:00", true), None);
        assert_eq!(minutes("ten", false), None);
    }
}
