//! What a staff password must be: 10–128 characters, and not guessable.

use crate::error::{AppError, AppResult, Refusal};

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

fn weak(field: &str, msg: &str) -> AppError {
    AppError::Validation(Refusal { reason: Some("WEAK_PASSWORD"), field: Some(field.into()), ..Refusal::new(msg) })
}

/// Refuses a password shorter than 10 or longer than 128 characters, one of a single repeated character or of
/// white space only, and one that zxcvbn scores below 3 (a well-known password, a keyboard walk, a word with a
/// year, the account's own name; `context` holds what the account is called).
pub fn check(field: &str, password: &str, context: &[&str]) -> AppResult<()> {
    let n = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&n) {
        return Err(AppError::invalid_field(field, format!("password must be {MIN_CHARS}-{MAX_CHARS} characters")));
    }
    let mut chars = password.chars();
    let first = chars.next().unwrap_or(' ');
    if chars.all(|c| c == first) {
        return Err(weak(field, "password must not be one character repeated"));
    }
    if password.chars().all(char::is_whitespace) {
        return Err(weak(field, "password must not be white space only"));
    }
    if zxcvbn::zxcvbn(password, context).score() < zxcvbn::Score::Three {
        return Err(weak(field, "password is too easy to guess: use a longer phrase of unrelated words"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn trivial_passwords_are_refused() {
        for bad in ["short", "aaaaaaaaaaaa", "            ", "password123", "1234567890", "qwertyuiop", "zhaoliu2024!"]
        {
            assert!(check("password", bad, &["zhaoliu"]).is_err(), "{bad}");
        }
        for good in ["correct horse battery staple", "pw-Xk29vL0qzT8mN4", "雨后青苔上的小蜗牛慢慢爬"] {
            assert!(check("password", good, &["zhaoliu"]).is_ok(), "{good}");
        }
    }
}
