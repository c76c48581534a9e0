//! Scalars of the contract: `Date` is `YYYY-MM-DD` (a day of the tenant's calendar); `DateTime` is RFC 3339.
//!
//! Every date and date-time an input carries lies in the years 2000 to 2100 ([`Bounded`]): nothing the service
//! books or promotes is further away, and every instant answered then has a four-digit year, as RFC 3339 wants
//! (`9999-12-31T23:59:59Z` in +08:00 would be `+10000-01-01T07:59:59+08:00`).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::{AppError, AppResult};

/// The first and the last year a date or date-time input may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("a Date is YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An input's date or date-time, refused (`VALIDATION` naming `field`) outside [`YEARS`].
pub trait Bounded: Sized {
    fn bounded(self, field: &str) -> AppResult<Self>;
}

fn year_within(year: i32, field: &str) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::invalid_field(
            field,
            format!("{field} must lie in the years {} to {}", YEARS.start(), YEARS.end()),
        ))
    }
}

impl Bounded for DateTime<Utc> {
    fn bounded(self, field: &str) -> AppResult<Self> {
        year_within(self.year(), field).map(|()| self)
    }
}

impl Bounded for Date {
    fn bounded(self, field: &str) -> AppResult<Self> {
        year_within(self.0.year(), field).map(|()| self)
    }
}

impl<T: Bounded> Bounded for Option<T> {
    fn bounded(self, field: &str) -> AppResult<Self> {
        self.map(|v| v.bounded(field)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_bounds_are_inclusive_years() {
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 59, 59).unwrap();
        assert!(at(2000, 1, 1, 0).bounded("x").is_ok());
        assert!(at(2100, 12, 31, 23).bounded("x").is_ok());
        let e = at(9999, 12, 31, 23).bounded("input.endsAt").unwrap_err();
        assert_eq!(e.field(), Some("input.endsAt"));
        assert!(at(1999, 12, 31, 23).bounded("x").is_err());
        assert!(Date(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()).bounded("date").is_err());
        assert!(Some(Date(NaiveDate::from_ymd_opt(2101, 1, 1).unwrap())).bounded("date").is_err());
        assert!(Option::<Date>::None.bounded("date").is_ok());
    }
}
