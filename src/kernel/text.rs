//! Human text: what people type that other people read or hear (names, addresses, reviews), on screens, in
//! SMS, voice calls and screen readers. A [`Text`] holds only text fit for that: trimmed, in Unicode NFC, of a
//! bounded length, without control characters, bidirectional controls or invisible characters, and with line
//! breaks only where its [`Shape`] allows them (as `\n`).
//!
//! A refusal is `VALIDATION` at the field's path, with a `reason`: `EMPTY`, `TOO_LONG`, `LINE_BREAK`,
//! `CONTROL_CHARACTER`, `BIDI_OVERRIDE` or `INVISIBLE_CHARACTER`.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, AppResult, Refusal};

/// What a field's text may be: one line or several, at most `max` characters, required or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    max: usize,
    multiline: bool,
    empty_ok: bool,
}

impl Shape {
    /// One line (a name, an address, a title) of 1 to `max` characters.
    pub const fn line(max: usize) -> Shape {
        Shape { max, multiline: false, empty_ok: false }
    }

    /// Text that may hold line breaks (an introduction, a review) of 1 to `max` characters.
    pub const fn paragraph(max: usize) -> Shape {
        Shape { max, multiline: true, empty_ok: false }
    }

    /// The same, and blank is allowed (stored as the empty string).
    pub const fn or_empty(self) -> Shape {
        Shape { empty_ok: true, ..self }
    }

    /// `value` as text of this shape, or the refusal of the value at `field` (`input.name`, `input.tags.2`).
    pub fn parse(self, field: &str, value: &str) -> AppResult<Text> {
        Text::parse(self, value).map_err(|why| why.at(self, field))
    }
}

/// Why a value is no text of its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unfit {
    Empty,
    TooLong,
    LineBreak,
    ControlCharacter,
    BidiOverride,
    InvisibleCharacter,
}

impl Unfit {
    pub fn reason(self) -> &'static str {
        match self {
            Unfit::Empty => "EMPTY",
            Unfit::TooLong => "TOO_LONG",
            Unfit::LineBreak => "LINE_BREAK",
            Unfit::ControlCharacter => "CONTROL_CHARACTER",
            Unfit::BidiOverride => "BIDI_OVERRIDE",
            Unfit::InvisibleCharacter => "INVISIBLE_CHARACTER",
        }
    }

    /// The refusal of the value at `field`; its message names the field as the client wrote it.
    fn at(self, shape: Shape, field: &str) -> AppError {
        let name = field.rsplit('.').find(|s| !s.bytes().all(|b| b.is_ascii_digit())).unwrap_or(field);
        let max = shape.max;
        let message = match self {
            Unfit::Empty | Unfit::TooLong if shape.empty_ok => format!("{name} must be at most {max} characters"),
            Unfit::Empty | Unfit::TooLong => format!("{name} must be 1-{max} characters"),
            Unfit::LineBreak => format!("{name} must be one line"),
            Unfit::ControlCharacter => format!("{name} must not hold control characters"),
            Unfit::BidiOverride => format!("{name} must not hold bidirectional text controls"),
            Unfit::InvisibleCharacter => format!("{name} must not hold invisible characters"),
        };
        AppError::Validation(Refusal { message, reason: Some(self.reason()), field: Some(field.to_owned()) })
    }
}

/// Text that passed its [`Shape`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    pub fn parse(shape: Shape, value: &str) -> Result<Text, Unfit> {
        let value = value.trim();
        let mut out = String::with_capacity(value.len());
        let mut chars = value.nfc().peekable();
        while let Some(c) = chars.next() {
            match class(c) {
                Class::Plain => out.push(c),
                Class::Break if !shape.multiline => return Err(Unfit::LineBreak),
                Class::Break => {
                    // CR LF, CR, NEL and the Unicode separators are all one `\n`.
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    out.push('\n');
                }
                Class::Tab if shape.multiline => out.push('\t'),
                Class::Tab | Class::Control => return Err(Unfit::ControlCharacter),
                Class::Bidi => return Err(Unfit::BidiOverride),
                Class::Invisible => return Err(Unfit::InvisibleCharacter),
            }
        }
        if out.is_empty() && !shape.empty_ok {
            return Err(Unfit::Empty);
        }
        if out.chars().count() > shape.max {
            return Err(Unfit::TooLong);
        }
        Ok(Text(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

enum Class {
    Plain,
    Break,
    Tab,
    Control,
    Bidi,
    Invisible,
}

fn class(c: char) -> Class {
    match c {
        '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Class::Break,
        '\t' => Class::Tab,
        c if c.is_control() => Class::Control,
        // Embeddings, overrides, isolates and the directional marks: they reorder what a reader sees.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => Class::Bidi,
        // Characters that show nothing: zero-width space, word joiner and invisible operators, the byte-order
        // mark, soft hyphen, Mongolian vowel separator, Hangul fillers, interlinear annotations, tags. Zero-width
        // (non-)joiners and variation selectors stay: emoji and some scripts need them.
        '\u{200B}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{3164}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => Class::Invisible,
        _ => Class::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(shape: Shape, v: &str) -> &'static str {
        Text::parse(shape, v).unwrap_err().reason()
    }

    #[test]
    fn text_is_trimmed_normalised_and_bounded() {
        let line = Shape::line(5);
        assert_eq!(Text::parse(line, "  王丽\u{3000}").unwrap().as_str(), "王丽");
        assert_eq!(Text::parse(line, "Cafe\u{301}").unwrap().as_str(), "Café");
        assert_eq!(Text::parse(line, "Café!").unwrap().as_str().chars().count(), 5);
        assert_eq!(reason(line, "Café!!"), "TOO_LONG");
        assert_eq!(reason(line, " \t\n"), "EMPTY");
        assert_eq!(reason(line, "王\t丽"), "CONTROL_CHARACTER");
        assert_eq!(reason(line, "   "), "EMPTY");
        assert_eq!(Text::parse(line.or_empty(), "  ").unwrap().as_str(), "");
    }

    #[test]
    fn hostile_characters_are_refused() {
        let (line, para) = (Shape::line(50), Shape::paragraph(50));
        assert_eq!(reason(line, "a\nb"), "LINE_BREAK");
        assert_eq!(reason(line, "a\u{2028}b"), "LINE_BREAK");
        assert_eq!(Text::parse(para, "a\r\nb\rc\u{2029}d\n").unwrap().as_str(), "a\nb\nc\nd");
        assert_eq!(reason(para, "a\u{7}"), "CONTROL_CHARACTER");
        assert_eq!(reason(para, "a\u{1b}[2J"), "CONTROL_CHARACTER");
        assert_eq!(reason(para, "a\0"), "CONTROL_CHARACTER");
        assert_eq!(reason(para, "\u{202E}gnp.exe"), "BIDI_OVERRIDE");
        assert_eq!(reason(para, "a\u{2067}b"), "BIDI_OVERRIDE");
        assert_eq!(reason(para, "王\u{200B}丽"), "INVISIBLE_CHARACTER");
        assert_eq!(reason(para, "\u{FEFF}王丽"), "INVISIBLE_CHARACTER");
        // An emoji sequence with a joiner and a variation selector is text.
        assert!(Text::parse(line, "推拿 👨\u{200D}👩\u{200D}👧 ❤\u{FE0F}").is_ok());
    }

    #[test]
    fn a_refusal_names_the_field() {
        let err = Shape::line(20).parse("input.tags.1", "a\u{7}").unwrap_err();
        assert_eq!(err.field(), Some("input.tags.1"));
        assert_eq!(err.reason(), Some("CONTROL_CHARACTER"));
        assert_eq!(err.to_string(), "tags must not hold control characters");
        assert_eq!(Shape::line(100).parse("input.name", "").unwrap_err().to_string(), "name must be 1-100 characters");
    }
}
