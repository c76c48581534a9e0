//! How values are shown: money as `¥168.00`, instants in the tenant's zone.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

/// Integer fen as yuan with two decimals: `¥168.00`, `-¥0.50`.
pub fn money(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", fen / 100, fen % 100)
}

/// An RFC 3339 instant from the API, in the tenant's zone.
pub fn instant(rfc3339: &str, zone: Tz) -> Option<DateTime<Tz>> {
    DateTime::<FixedOffset>::parse_from_rfc3339(rfc3339).ok().map(|t| t.with_timezone(&zone))
}

/// `14:30`.
pub fn clock(rfc3339: &str, zone: Tz) -> String {
    instant(rfc3339, zone).map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// `2026年12月6日 14:30`.
pub fn date_time(rfc3339: &str, zone: Tz) -> String {
    instant(rfc3339, zone).map(|t| t.format("%Y年%-m月%-d日 %H:%M").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_yuan_with_two_decimals() {
        assert_eq!(money(16800), "¥168.00");
        assert_eq!(money(5), "¥0.05");
        assert_eq!(money(-50), "-¥0.50");
    }

    #[test]
    fn instants_are_shown_in_the_tenant_zone() {
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(clock("2026-12-06T06:30:00Z", zone), "14:30");
        assert_eq!(date_time("2026-12-06T16:05:00+00:00", zone), "2026年12月7日 00:05");
    }
}
