//! A mainland China mobile number: parse, don't validate.

use crate::error::AppError;

#[derive(Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `13800138000`, `138 0013 8000`, `138-0013-8000` and a `+86`/`86` prefix.
    pub fn parse(text: &str) -> Result<PhoneNumber, AppError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
        let digits = if digits.len() == 13 { digits.strip_prefix("86").unwrap_or(digits) } else { digits };
        let b = digits.as_bytes();
        let ok = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(PhoneNumber(digits.to_owned()))
        } else {
            Err(AppError::validation("phone must be an 11-digit mainland mobile number"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Never print the number itself.
impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings_and_masks() {
        for text in ["13800138000", "138 0013 8000", "+86 138-0013-8000", "8613800138000"] {
            let p = PhoneNumber::parse(text).unwrap();
            assert_eq!(p.as_str(), "13800138000");
            assert_eq!(p.masked(), "138****8000");
        }
        for bad in ["", "12800138000", "1380013800", "138001380001", "1380013800a", "010-12345678"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{:?}", PhoneNumber::parse("13800138000").unwrap()).contains("0013"));
    }
}
