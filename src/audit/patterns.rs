//! The encoded forms of the API key that `audit` searches for, as byte strings.
//!
//! Besides the key itself, the search covers its standard and URL-safe base64 encodings
//! (as found in Docker's `config.json` auth entries, basic-auth headers and JSON dumps) and
//! the key as the token of a conda `/t/<token>/` URL, percent-encoded or not.
//!
//! Base64 packs 3 bytes into 4 characters, so the characters that encode the key depend on
//! where the key starts inside the encoded data. For each of the 3 possible alignments the
//! search uses only the characters that come from the key's bits alone, which finds the key
//! anywhere inside a longer encoded stream such as `user:<key>` or `Bearer <key>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Shortest encoded form, in bytes, that the search uses. A shorter base64 fragment would
/// match unrelated data.
const MIN_ENCODED_LEN: usize = 8;

/// The encoding in which a key appears in the scanned data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The key as written.
    Plain,
    /// Inside standard base64 (`+` and `/`).
    Base64,
    /// Inside URL-safe base64 (`-` and `_`), when it differs from standard base64.
    Base64Url,
    /// Percent-encoded, as in a URL, when that differs from the key as written.
    PercentEncoded,
    /// As the token of a conda `/t/<token>/` URL.
    TokenUrl,
}

impl fmt::Display for Form {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Form::Plain => "the key in plain text",
            Form::Base64 => "the key in base64",
            Form::Base64Url => "the key in URL-safe base64",
            Form::PercentEncoded => "the key percent-encoded",
            Form::TokenUrl => "the key as a /t/<token>/ URL token",
        })
    }
}

/// One byte string to search for, with the form it stands for.
#[derive(Clone, PartialEq, Eq)]
pub struct Needle {
    /// The form of the key that this byte string reveals.
    pub form: Form,
    /// The bytes to find. They reveal the key, so they are never printed.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Needle {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "Needle({:?}, {} bytes)",
            self.form,
            self.bytes.len()
        )
    }
}

/// Returns every byte string that reveals `key`, without duplicates.
///
/// A [`Form::TokenUrl`] needle starts with `/t/`, so it also contains the plain or
/// percent-encoded needle three bytes later. The scanner reports only the token form there.
pub fn needles(key: &str) -> Vec<Needle> {
    let mut needles: Vec<Needle> = Vec::new();
    let mut add = |form, bytes: Vec<u8>| {
        let long_enough = form == Form::Plain || bytes.len() >= MIN_ENCODED_LEN;
        if long_enough && !needles.iter().any(|needle| needle.bytes == bytes) {
            needles.push(Needle { form, bytes });
        }
    };

    add(Form::Plain, key.as_bytes().to_vec());
    let encoded = percent_encode(key);
    add(Form::PercentEncoded, encoded.clone().into_bytes());
    add(Form::TokenUrl, format!("/t/{key}").into_bytes());
    add(Form::TokenUrl, format!("/t/{encoded}").into_bytes());
    for alignment in 0..3 {
        add(Form::Base64, base64_inner(&STANDARD_NO_PAD, key, alignment));
    }
    for alignment in 0..3 {
        add(
            Form::Base64Url,
            base64_inner(&URL_SAFE_NO_PAD, key, alignment),
        );
    }
    needles
}

/// Returns the base64 characters that depend only on `key` when the key starts
/// `alignment` bytes after a 3-byte boundary of the encoded data.
fn base64_inner(engine: &impl Engine, key: &str, alignment: usize) -> Vec<u8> {
    let mut data = vec![0u8; alignment];
    data.extend_from_slice(key.as_bytes());
    let encoded = engine.encode(&data).into_bytes();

    // Character i carries bits 6i..6i+6 of the data. The key occupies bits
    // 8*alignment..8*(alignment + len).
    let key_start_bit = 8 * alignment;
    let key_end_bit = 8 * (alignment + key.len());
    let first = key_start_bit.div_ceil(6);
    let end = key_end_bit / 6;
    encoded.get(first..end).unwrap_or_default().to_vec()
}

/// Percent-encodes every byte outside RFC 3986's unreserved set, with upper case hex digits.
fn percent_encode(key: &str) -> String {
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-live+key/0123456789";

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    fn found_in(haystack: &[u8]) -> Vec<Form> {
        needles(KEY)
            .into_iter()
            .filter(|needle| contains(haystack, &needle.bytes))
            .map(|needle| needle.form)
            .collect()
    }

    #[test]
    fn base64_found_at_every_alignment() {
        for prefix in ["", "a", "ab", "abc", "user:", "Bearer "] {
            let data = format!("{prefix}{KEY}\" trailing");
            let standard = STANDARD_NO_PAD.encode(&data);
            let url_safe = URL_SAFE_NO_PAD.encode(&data);
            assert!(
                found_in(standard.as_bytes()).contains(&Form::Base64),
                "{prefix:?}"
            );
            // Where both alphabets give the same characters, the needle is labelled base64.
            let url_forms = found_in(url_safe.as_bytes());
            let found = url_forms.contains(&Form::Base64Url) || url_forms.contains(&Form::Base64);
            assert!(found, "{prefix:?}");
        }
    }

    #[test]
    fn url_safe_needle_differs_for_some_key() {
        // `>>>` encodes to `Pj4-` in URL-safe base64 and `Pj4+` in standard base64.
        let forms: Vec<Form> = needles(">>>>>>>>>>>>")
            .into_iter()
            .map(|n| n.form)
            .collect();
        assert!(forms.contains(&Form::Base64Url), "{forms:?}");
    }

    #[test]
    fn base64_of_other_data_not_found() {
        let other = STANDARD_NO_PAD.encode("sk-live+key/0123456780 almost the key");
        assert_eq!(found_in(other.as_bytes()), Vec::<Form>::new());
    }

    #[test]
    fn token_url_forms() {
        let url = format!("https://conda.anaconda.org/t/{KEY}/channel");
        assert!(found_in(url.as_bytes()).contains(&Form::TokenUrl));
        let encoded = "https://x/t/sk-live%2Bkey%2F0123456789/channel";
        let forms = found_in(encoded.as_bytes());
        assert!(forms.contains(&Form::TokenUrl), "{forms:?}");
        assert!(forms.contains(&Form::PercentEncoded), "{forms:?}");
    }

    #[test]
    fn url_safe_needles_only_when_different() {
        let plain = needles("abcdefghijklmnopqrstuvwx");
        assert!(plain.iter().all(|needle| needle.form != Form::Base64Url));
        assert!(
            plain
                .iter()
                .all(|needle| needle.form != Form::PercentEncoded)
        );
    }

    #[test]
    fn short_key_keeps_plain_needle_only() {
        let forms: Vec<Form> = needles("k1")
            .into_iter()
            .map(|needle| needle.form)
            .collect();
        assert_eq!(forms, vec![Form::Plain]);
    }

    #[test]
    fn needle_debug_hides_bytes() {
        let debug = format!("{:?}", needles(KEY));
        assert!(!debug.contains("0123456789"), "{debug}");
    }
}
