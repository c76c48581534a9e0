//! Money: integer fen, never floating point.

use std::fmt;

/// An amount in fen (0.01 yuan). Shown as `¥168.00`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// `percent` of this amount, rounded down to the fen.
    pub fn percent(self, percent: i64) -> Fen {
        Fen(self.0 * percent / 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, other: Fen) -> Fen {
        Fen(self.0 + other.0)
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, other: Fen) -> Fen {
        Fen(self.0 - other.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::Fen;

    #[test]
    fn fen_show_as_yuan_with_two_decimals() {
        assert_eq!(Fen(16800).to_string(), "¥168.00");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen(-1234).to_string(), "-¥12.34");
        assert_eq!(Fen(12800).percent(50), Fen(6400));
    }
}
