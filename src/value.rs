//! Validation of a candidate API key value, wherever it was read from.
//!
//! A value is accepted after stripping a leading UTF-8 byte order mark and trimming
//! surrounding whitespace, when what remains is non-empty printable ASCII with no quotes
//! around it. The problems never include the value, so they are safe to print.

use std::fmt;

use crate::secret::Secret;
use crate::vars::MAX_KEY_BYTES;

/// The UTF-8 byte order mark that some editors put at the start of a file.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// The reason a candidate value is not a usable API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// Nothing is left after trimming.
    Empty,
    /// The raw value is longer than [`MAX_KEY_BYTES`].
    TooLarge,
    /// The raw value is not valid UTF-8.
    NotUtf8,
    /// The value starts or ends with a quote character.
    Quoted,
    /// The value contains CR or LF inside.
    LineBreak,
    /// The value contains a control character other than CR or LF, such as NUL or tab.
    ControlCharacter {
        /// Unicode code point of the first control character found.
        code_point: u32,
    },
    /// The value contains a space or other whitespace inside.
    Whitespace,
    /// The value contains a character outside ASCII, which cannot travel in a header.
    NonAscii,
}

impl ValueProblem {
    /// Returns what to do about the problem, as one sentence about the `noun` (such as
    /// "API key").
    pub fn fix(self, noun: &str) -> String {
        match self {
            ValueProblem::Empty => format!("Put the {noun} there, or remove the empty entry"),
            ValueProblem::TooLarge => format!("Check that it contains only the {noun}"),
            ValueProblem::NotUtf8 => format!("Save the {noun} as plain UTF-8 text"),
            ValueProblem::Quoted => format!("Remove the quotes around the {noun}"),
            ValueProblem::LineBreak => format!("Keep only the {noun} there, on a single line"),
            ValueProblem::ControlCharacter { .. } => {
                format!("Remove the control character and keep only the {noun}")
            }
            ValueProblem::Whitespace => format!("Keep only the {noun} there, without spaces"),
            ValueProblem::NonAscii => {
                format!("Copy the {noun} again as plain text, because it must be ASCII")
            }
        }
    }
}

impl fmt::Display for ValueProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueProblem::Empty => formatter.write_str("it is empty"),
            ValueProblem::TooLarge => {
                write!(formatter, "it is larger than {MAX_KEY_BYTES} bytes")
            }
            ValueProblem::NotUtf8 => formatter.write_str("it is not valid UTF-8"),
            ValueProblem::Quoted => formatter.write_str("it starts or ends with a quote"),
            ValueProblem::LineBreak => formatter.write_str("it contains a line break"),
            ValueProblem::ControlCharacter { code_point } => {
                write!(
                    formatter,
                    "it contains the control character U+{code_point:04X}"
                )
            }
            ValueProblem::Whitespace => formatter.write_str("it contains whitespace"),
            ValueProblem::NonAscii => formatter.write_str("it contains a non-ASCII character"),
        }
    }
}

/// Validates raw bytes, from a file or an environment variable, as an API key.
pub fn parse_bytes(raw: &[u8]) -> Result<Secret, ValueProblem> {
    let text = decode(raw)?;
    parse_text(text)
}

/// Checks the size of raw bytes, then decodes them as UTF-8 and strips a byte order mark.
pub fn decode(raw: &[u8]) -> Result<&str, ValueProblem> {
    if raw.len() > MAX_KEY_BYTES {
        return Err(ValueProblem::TooLarge);
    }
    let text = std::str::from_utf8(raw).map_err(|_| ValueProblem::NotUtf8)?;
    Ok(strip_byte_order_mark(text))
}

/// Removes one leading UTF-8 byte order mark, if present.
pub fn strip_byte_order_mark(text: &str) -> &str {
    text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text)
}

/// Validates decoded text as an API key: trims it, then checks what remains.
pub fn parse_text(text: &str) -> Result<Secret, ValueProblem> {
    if text.len() > MAX_KEY_BYTES {
        return Err(ValueProblem::TooLarge);
    }
    let key = strip_byte_order_mark(text).trim();
    if key.is_empty() {
        return Err(ValueProblem::Empty);
    }
    if is_quote(key.chars().next()) || is_quote(key.chars().next_back()) {
        return Err(ValueProblem::Quoted);
    }
    if let Some(problem) = key.chars().find_map(character_problem) {
        return Err(problem);
    }
    Ok(Secret::new(key))
}

/// Validates decoded text as a password: trims it, then rejects an empty value and
/// control characters such as line breaks.
///
/// Inner spaces, quotes and non-ASCII characters are kept, because passwords may contain
/// them and Basic authentication encodes them.
pub fn parse_password(text: &str) -> Result<Secret, ValueProblem> {
    if text.len() > MAX_KEY_BYTES {
        return Err(ValueProblem::TooLarge);
    }
    let password = strip_byte_order_mark(text).trim();
    if password.is_empty() {
        return Err(ValueProblem::Empty);
    }
    let control = password.chars().find(|character| character.is_control());
    match control {
        Some('\r' | '\n') => Err(ValueProblem::LineBreak),
        Some(character) => Err(ValueProblem::ControlCharacter {
            code_point: u32::from(character),
        }),
        None => Ok(Secret::new(password)),
    }
}

fn is_quote(character: Option<char>) -> bool {
    matches!(character, Some('"' | '\''))
}

/// Returns the problem a character inside a key would cause, if any.
fn character_problem(character: char) -> Option<ValueProblem> {
    if character == '\r' || character == '\n' {
        Some(ValueProblem::LineBreak)
    } else if character.is_control() {
        Some(ValueProblem::ControlCharacter {
            code_point: u32::from(character),
        })
    } else if character.is_whitespace() {
        Some(ValueProblem::Whitespace)
    } else if !character.is_ascii() {
        Some(ValueProblem::NonAscii)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &[u8]) -> String {
        parse_bytes(raw).expect("valid key").expose().to_owned()
    }

    fn problem(raw: &[u8]) -> ValueProblem {
        parse_bytes(raw).expect_err("invalid key")
    }

    #[test]
    fn plain_key_is_accepted() {
        assert_eq!(parsed(b"sk-0123_abc.DEF=="), "sk-0123_abc.DEF==");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(parsed(b"key-1234\n"), "key-1234");
        assert_eq!(parsed(b"key-1234\r\n"), "key-1234");
        assert_eq!(parsed(b"  \tkey-1234 \t\n\n"), "key-1234");
    }

    #[test]
    fn byte_order_mark_is_stripped() {
        assert_eq!(parsed(b"\xef\xbb\xbfkey-1234\n"), "key-1234");
        assert_eq!(parse_text("\u{feff}key-1234").unwrap().expose(), "key-1234");
    }

    #[test]
    fn empty_value_is_rejected() {
        assert_eq!(problem(b""), ValueProblem::Empty);
        assert_eq!(problem(b"\xef\xbb\xbf"), ValueProblem::Empty);
    }

    #[test]
    fn whitespace_only_is_rejected() {
        assert_eq!(problem(b" \t\r\n "), ValueProblem::Empty);
    }

    #[test]
    fn inner_space_is_rejected() {
        assert_eq!(problem(b"key 1234"), ValueProblem::Whitespace);
        assert_eq!(
            problem("key\u{a0}1234".as_bytes()),
            ValueProblem::Whitespace
        );
    }

    #[test]
    fn inner_line_break_is_rejected() {
        assert_eq!(problem(b"key\r\n1234"), ValueProblem::LineBreak);
        assert_eq!(problem(b"key\n1234"), ValueProblem::LineBreak);
        assert_eq!(problem(b"key\r1234"), ValueProblem::LineBreak);
    }

    #[test]
    fn control_characters_are_rejected() {
        let nul = ValueProblem::ControlCharacter { code_point: 0 };
        assert_eq!(problem(b"key\x001234"), nul);
        let tab = ValueProblem::ControlCharacter { code_point: 9 };
        assert_eq!(problem(b"key\t1234"), tab);
        let delete = ValueProblem::ControlCharacter { code_point: 0x7f };
        assert_eq!(problem(b"key\x7f1234"), delete);
    }

    #[test]
    fn quoted_value_is_rejected() {
        assert_eq!(problem(b"\"key-1234\""), ValueProblem::Quoted);
        assert_eq!(problem(b"'key-1234'"), ValueProblem::Quoted);
        assert_eq!(problem(b"key-1234\""), ValueProblem::Quoted);
        assert_eq!(problem(b" 'key-1234' \n"), ValueProblem::Quoted);
    }

    #[test]
    fn oversized_value_is_rejected() {
        let largest = vec![b'k'; MAX_KEY_BYTES];
        assert_eq!(parsed(&largest).len(), MAX_KEY_BYTES);
        let oversized = vec![b'k'; MAX_KEY_BYTES + 1];
        assert_eq!(problem(&oversized), ValueProblem::TooLarge);
    }

    #[test]
    fn non_utf8_is_rejected() {
        assert_eq!(problem(b"key-\xff\xfe"), ValueProblem::NotUtf8);
    }

    #[test]
    fn non_ascii_is_rejected() {
        assert_eq!(problem("“key-1234”".as_bytes()), ValueProblem::NonAscii);
        assert_eq!(problem("kéy-1234".as_bytes()), ValueProblem::NonAscii);
    }

    #[test]
    fn problem_messages_never_contain_value() {
        let raw = b"\"secret-value\n with  everything\x00\"";
        let problem = problem(raw);
        let message = format!("{problem}. {}", problem.fix("API key"));
        assert!(!message.contains("secret-value"), "{message}");
    }

    #[test]
    fn password_keeps_inner_spaces_and_symbols() {
        let password = parse_password(" p@ss: w#rd%20 ‘é’\n").unwrap();
        assert_eq!(password.expose(), "p@ss: w#rd%20 ‘é’");
    }

    #[test]
    fn password_rejects_empty_and_control_characters() {
        assert_eq!(parse_password(" \n").unwrap_err(), ValueProblem::Empty);
        assert_eq!(parse_password("a\nb").unwrap_err(), ValueProblem::LineBreak);
        let tab = ValueProblem::ControlCharacter { code_point: 9 };
        assert_eq!(parse_password("a\tb").unwrap_err(), tab);
    }

    #[test]
    fn fix_names_the_noun() {
        let fix = ValueProblem::Whitespace.fix("password");
        assert_eq!(fix, "Keep only the password there, without spaces");
    }

    #[test]
    fn control_character_message_names_code_point() {
        let message = problem(b"key\x001234").to_string();
        assert_eq!(message, "it contains the control character U+0000");
    }
}
