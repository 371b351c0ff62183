//! The `Secret` type that keeps an API key out of logs, errors and debug output.

use std::fmt;

/// The mask that [`Secret`]'s `Debug` prints and that starts every fingerprint.
pub const MASK: &str = "****";

/// Shortest key, in characters, whose fingerprint shows its last characters.
const MIN_CHARS_FOR_HINT: usize = 9;

/// Number of trailing characters a fingerprint shows.
const HINT_CHARS: usize = 4;

/// A credential value.
///
/// It has no `Display`, and its `Debug` prints [`MASK`], so any struct that contains one can
/// be debug-printed safely. [`Secret::expose`] is the one way to read the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the raw value. Call it only where the value leaves the program on purpose.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns `****` followed by the last 4 characters, or `****` alone when the value
    /// has 8 characters or fewer, so that a short key is not half revealed.
    pub fn fingerprint(&self) -> String {
        let count = self.0.chars().count();
        if count < MIN_CHARS_FOR_HINT {
            return MASK.to_owned();
        }
        let tail: String = self.0.chars().skip(count - HINT_CHARS).collect();
        format!("{MASK}{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_fixed_mask() {
        let secret = Secret::new("sk-live-0123456789abcdef");
        assert_eq!(format!("{secret:?}"), "****");
        assert_eq!(format!("{secret:#?}"), "****");
    }

    #[test]
    fn debug_of_containing_struct_is_masked() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: Secret,
        }
        let holder = Holder {
            key: Secret::new("sk-live-0123456789abcdef"),
        };
        assert_eq!(format!("{holder:?}"), "Holder { key: **** }");
    }

    #[test]
    fn expose_returns_value() {
        assert_eq!(Secret::new("abc").expose(), "abc");
    }

    #[test]
    fn fingerprint_shows_last_four() {
        assert_eq!(Secret::new("0123456789").fingerprint(), "****6789");
        assert_eq!(Secret::new("123456789").fingerprint(), "****6789");
    }

    #[test]
    fn fingerprint_of_short_key_is_mask_only() {
        assert_eq!(Secret::new("12345678").fingerprint(), "****");
        assert_eq!(Secret::new("1234").fingerprint(), "****");
        assert_eq!(Secret::new("").fingerprint(), "****");
    }

    #[test]
    fn fingerprint_counts_characters_not_bytes() {
        assert_eq!(Secret::new("ééééééééé").fingerprint(), "****éééé");
    }
}
