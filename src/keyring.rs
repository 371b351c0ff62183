//! The keyring that anaconda-auth writes, and the token records in it.
//!
//! A keyring is a JSON object `{service: {domain: value}}`. anaconda-auth stores its
//! records under the service `Anaconda Cloud`, one per domain, each value the base64 of a
//! JSON token record: `{"domain": ..., "api_key": ..., "repo_tokens": [{"token": ...,
//! "org_name": ...}], "username": ..., "version": 2}`. Every field of a record may be
//! missing. Other services and unknown fields are ignored, as anaconda-auth ignores them.
//!
//! anaconda-auth reads a keyring file that is not JSON as an empty keyring and swallows a
//! broken record, so conda sends no header. The helper reports both as errors instead,
//! because the request would fail later with a less helpful 401.

use std::fmt;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::secret::Secret;
use crate::source::Origin;

/// The keyring service that anaconda-auth stores its token records under.
pub const SERVICE: &str = "Anaconda Cloud";

/// Standard base64 that accepts values with or without `=` padding, as Python's
/// `base64.b64decode` does for complete input.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The place a keyring was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringPlace {
    /// The keyring file, `~/.anaconda/keyring` or `keyring_path`.
    File(PathBuf),
    /// A whole keyring given as a setting, such as `ANACONDA_AUTH_KEYRING`.
    Setting(Origin),
}

impl fmt::Display for KeyringPlace {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyringPlace::File(path) => write!(formatter, "keyring file {}", path.display()),
            KeyringPlace::Setting(origin) => write!(formatter, "keyring in {origin}"),
        }
    }
}

/// The part of a token record that a credential is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPart {
    /// The `api_key` field.
    ApiKey,
    /// A repo token, with its `org_name` when it has one.
    RepoToken(Option<String>),
}

impl fmt::Display for RecordPart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordPart::ApiKey => formatter.write_str("API key"),
            RecordPart::RepoToken(Some(org)) => write!(formatter, "repo token of org {org}"),
            RecordPart::RepoToken(None) => formatter.write_str("repo token without org"),
        }
    }
}

/// One part of one keyring entry: the origin of a credential read from a keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringEntry {
    /// The keyring.
    pub place: KeyringPlace,
    /// The domain the entry is stored under.
    pub domain: String,
    /// The part of the record.
    pub part: RecordPart,
}

impl fmt::Display for KeyringEntry {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let KeyringEntry {
            place,
            domain,
            part,
        } = self;
        write!(formatter, "{place} (entry {domain}, {part})")
    }
}

/// A repo token of a token record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoToken {
    /// The token, not yet checked.
    pub token: Secret,
    /// The organization it belongs to.
    pub org_name: Option<String>,
}

/// A decoded token record. Its values are not yet checked as credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRecord {
    /// The API key.
    pub api_key: Option<Secret>,
    /// The repo tokens, in stored order.
    pub repo_tokens: Vec<RepoToken>,
}

/// A keyring that cannot be used, or an entry of it that cannot be decoded.
///
/// The messages never quote a value, because values are credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// The keyring is not JSON.
    #[error("{place} is not valid JSON ({detail}). {}", fix_keyring(place))]
    InvalidJson {
        /// The keyring.
        place: KeyringPlace,
        /// The parser's description of the syntax error, with line and column.
        detail: String,
    },

    /// The keyring, or its `Anaconda Cloud` service, is not a JSON object.
    #[error("{place} is not a JSON object of {what}. {}", fix_keyring(place))]
    NotObject {
        /// The keyring.
        place: KeyringPlace,
        /// The mapping expected, such as "services to domains".
        what: &'static str,
    },

    /// An entry is not a string.
    #[error("entry {domain} of {place} is not a string. {}", fix_entry(place))]
    EntryNotString {
        /// The keyring.
        place: KeyringPlace,
        /// The domain of the entry.
        domain: String,
    },

    /// An entry is not base64.
    #[error("entry {domain} of {place} is not valid base64. {}", fix_entry(place))]
    InvalidBase64 {
        /// The keyring.
        place: KeyringPlace,
        /// The domain of the entry.
        domain: String,
    },

    /// An entry's record is not a JSON object with the expected field types.
    #[error(
        "entry {domain} of {place} is not a valid token record: {problem}. {}",
        fix_entry(place)
    )]
    InvalidRecord {
        /// The keyring.
        place: KeyringPlace,
        /// The domain of the entry.
        domain: String,
        /// The problem, such as `"repo_tokens" is not a list`.
        problem: String,
    },
}

fn fix_keyring(place: &KeyringPlace) -> &'static str {
    match place {
        KeyringPlace::File(_) => {
            "Log in again with `anaconda login` to rewrite it, or remove it and pass the API key as a build secret"
        }
        KeyringPlace::Setting(_) => {
            r#"Set it to a JSON object such as {"Anaconda Cloud": {"anaconda.com": "<base64 record>"}}, or remove it"#
        }
    }
}

fn fix_entry(place: &KeyringPlace) -> &'static str {
    match place {
        KeyringPlace::File(_) => {
            "Log in again with `anaconda login` to rewrite it, or remove the entry"
        }
        KeyringPlace::Setting(_) => {
            "Copy the entry again from a keyring that anaconda-auth wrote, or remove it"
        }
    }
}

/// A keyring's `Anaconda Cloud` service: domain to encoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyring {
    place: KeyringPlace,
    entries: Map<String, Value>,
}

impl Keyring {
    /// Parses keyring JSON text.
    pub fn parse(text: &str, place: KeyringPlace) -> Result<Keyring, KeyringError> {
        match serde_json::from_str(text) {
            Ok(value) => Keyring::from_value(value, place),
            Err(error) => Err(KeyringError::InvalidJson {
                place,
                detail: error.to_string(),
            }),
        }
    }

    /// Builds a keyring from a JSON value, such as a converted TOML table.
    pub fn from_value(value: Value, place: KeyringPlace) -> Result<Keyring, KeyringError> {
        let Value::Object(mut services) = value else {
            let what = "services to domains";
            return Err(KeyringError::NotObject { place, what });
        };
        let entries = match services.remove(SERVICE) {
            None => Map::new(),
            Some(Value::Object(entries)) => entries,
            Some(_) => {
                let what = "domains to records under \"Anaconda Cloud\"";
                return Err(KeyringError::NotObject { place, what });
            }
        };
        Ok(Keyring { place, entries })
    }

    /// Returns the place the keyring was read.
    pub fn place(&self) -> &KeyringPlace {
        &self.place
    }

    /// Returns the first domain of `domains` that has an entry, with its decoded record.
    pub fn record<'d>(
        &self,
        domains: &[&'d str],
    ) -> Result<Option<(&'d str, TokenRecord)>, KeyringError> {
        for domain in domains {
            if let Some(entry) = self.entries.get(*domain) {
                let record = decode_entry(entry, &self.place, domain)?;
                return Ok(Some((domain, record)));
            }
        }
        Ok(None)
    }
}

/// Decodes one entry: base64, then a JSON token record.
fn decode_entry(
    entry: &Value,
    place: &KeyringPlace,
    domain: &str,
) -> Result<TokenRecord, KeyringError> {
    let Value::String(encoded) = entry else {
        let place = place.clone();
        let domain = domain.to_owned();
        return Err(KeyringError::EntryNotString { place, domain });
    };
    let Ok(bytes) = BASE64.decode(encoded.trim()) else {
        let place = place.clone();
        let domain = domain.to_owned();
        return Err(KeyringError::InvalidBase64 { place, domain });
    };

    let invalid = |problem: String| KeyringError::InvalidRecord {
        place: place.clone(),
        domain: domain.to_owned(),
        problem,
    };
    // The serde_json message names only the position, never the text, so it is safe.
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|error| invalid(format!("not JSON ({error})")))?;
    parse_record(value).map_err(invalid)
}

/// Checks the fields of a record, as anaconda-auth's `TokenInfo` model does.
fn parse_record(value: Value) -> Result<TokenRecord, String> {
    let Value::Object(mut fields) = value else {
        return Err("not a JSON object".to_owned());
    };
    let api_key = match fields.remove("api_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) => Some(Secret::new(key)),
        Some(_) => return Err(r#""api_key" is not a string"#.to_owned()),
    };
    let repo_tokens = match fields.remove("repo_tokens") {
        None => Vec::new(),
        Some(Value::Array(tokens)) => parse_repo_tokens(tokens)?,
        Some(_) => return Err(r#""repo_tokens" is not a list"#.to_owned()),
    };
    Ok(TokenRecord {
        api_key,
        repo_tokens,
    })
}

fn parse_repo_tokens(tokens: Vec<Value>) -> Result<Vec<RepoToken>, String> {
    let mut parsed = Vec::new();
    for (index, token) in tokens.into_iter().enumerate() {
        let number = index + 1;
        let Value::Object(mut fields) = token else {
            return Err(format!("repo token {number} is not a JSON object"));
        };
        let token = match fields.remove("token") {
            Some(Value::String(token)) => Secret::new(token),
            Some(_) => {
                return Err(format!(
                    r#"repo token {number} has a "token" that is not a string"#
                ));
            }
            None => return Err(format!(r#"repo token {number} has no "token""#)),
        };
        let org_name = match fields.remove("org_name") {
            None | Some(Value::Null) => None,
            Some(Value::String(org)) => Some(org),
            Some(_) => {
                return Err(format!(
                    r#"repo token {number} has an "org_name" that is not a string"#
                ));
            }
        };
        parsed.push(RepoToken { token, org_name });
    }
    Ok(parsed)
}

/// Encodes a record the way anaconda-auth stores it, for tests.
#[cfg(test)]
pub fn encode_record(json: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"domain": "anaconda.com", "api_key": "api-key-0123456789",
        "username": "someone", "version": 2,
        "repo_tokens": [{"token": "first-token-0001", "org_name": "first-org"},
                        {"token": "second-token-0002", "org_name": "second-org"}]}"#;

    fn place() -> KeyringPlace {
        KeyringPlace::File(PathBuf::from("/home/user/.anaconda/keyring"))
    }

    fn keyring_with(domain: &str, value: Value) -> Keyring {
        let text = serde_json::json!({ SERVICE: { domain: value } }).to_string();
        Keyring::parse(&text, place()).expect("a keyring")
    }

    fn record_of(value: Value) -> Result<TokenRecord, KeyringError> {
        let keyring = keyring_with("anaconda.com", value);
        keyring
            .record(&["anaconda.com"])
            .map(|found| found.expect("an entry").1)
    }

    fn record_error(value: Value) -> String {
        record_of(value).expect_err("an error").to_string()
    }

    #[test]
    fn valid_record_with_several_orgs() {
        let record = record_of(Value::from(encode_record(RECORD))).unwrap();
        let api_key = record.api_key.expect("an API key");
        assert_eq!(api_key.expose(), "api-key-0123456789");
        let tokens: Vec<(&str, Option<&str>)> = record
            .repo_tokens
            .iter()
            .map(|token| (token.token.expose(), token.org_name.as_deref()))
            .collect();
        let expected = vec![
            ("first-token-0001", Some("first-org")),
            ("second-token-0002", Some("second-org")),
        ];
        assert_eq!(tokens, expected);
    }

    #[test]
    fn unpadded_base64_is_accepted() {
        let encoded = encode_record(r#"{"api_key": "k1"}"#);
        let unpadded = encoded.trim_end_matches('=');
        assert_ne!(unpadded, encoded, "the test record needs padding");
        let record = record_of(Value::from(unpadded)).unwrap();
        assert_eq!(record.api_key.unwrap().expose(), "k1");
    }

    #[test]
    fn missing_fields_give_empty_record() {
        let record = record_of(Value::from(encode_record(r#"{"domain": "x"}"#))).unwrap();
        assert_eq!(record, TokenRecord::default());
        let record = record_of(Value::from(encode_record(r#"{"api_key": null}"#))).unwrap();
        assert_eq!(record.api_key, None);
    }

    #[test]
    fn token_without_org_is_kept() {
        let json = r#"{"repo_tokens": [{"token": "t-1"}, {"token": "t-2", "org_name": null}]}"#;
        let record = record_of(Value::from(encode_record(json))).unwrap();
        assert_eq!(record.repo_tokens.len(), 2);
        assert_eq!(record.repo_tokens[0].org_name, None);
        assert_eq!(record.repo_tokens[1].org_name, None);
    }

    #[test]
    fn bad_base64_is_error() {
        let message = record_error(Value::from("not base64 !!"));
        assert_eq!(
            message,
            "entry anaconda.com of keyring file /home/user/.anaconda/keyring is not valid \
             base64. Log in again with `anaconda login` to rewrite it, or remove the entry"
        );
    }

    #[test]
    fn bad_json_record_is_error() {
        let message = record_error(Value::from(encode_record("{\"api_key\": \"secret-1")));
        assert!(
            message.contains("is not a valid token record: not JSON"),
            "{message}"
        );
        assert!(!message.contains("secret-1"), "{message}");
    }

    #[test]
    fn record_not_object_is_error() {
        let message = record_error(Value::from(encode_record("[1, 2]")));
        assert!(
            message.contains("token record: not a JSON object"),
            "{message}"
        );
    }

    #[test]
    fn token_without_token_field_is_error() {
        let json = r#"{"repo_tokens": [{"token": "t-1"}, {"org_name": "org"}]}"#;
        let message = record_error(Value::from(encode_record(json)));
        assert!(
            message.contains(r#"repo token 2 has no "token""#),
            "{message}"
        );
    }

    #[test]
    fn wrong_field_types_are_errors() {
        let cases = [
            (r#"{"api_key": 5}"#, r#""api_key" is not a string"#),
            (
                r#"{"repo_tokens": {"token": "t"}}"#,
                r#""repo_tokens" is not a list"#,
            ),
            (
                r#"{"repo_tokens": ["t"]}"#,
                "repo token 1 is not a JSON object",
            ),
            (
                r#"{"repo_tokens": [{"token": 1}]}"#,
                r#"has a "token" that is not a string"#,
            ),
            (
                r#"{"repo_tokens": [{"token": "t", "org_name": 1}]}"#,
                r#"has an "org_name" that is not a string"#,
            ),
        ];
        for (json, needle) in cases {
            let message = record_error(Value::from(encode_record(json)));
            assert!(message.contains(needle), "{json}: {message}");
        }
    }

    #[test]
    fn entry_not_string_is_error() {
        let message = record_error(serde_json::json!({"api_key": "k"}));
        assert!(
            message.starts_with("entry anaconda.com of keyring file"),
            "{message}"
        );
        assert!(message.contains("is not a string"), "{message}");
    }

    #[test]
    fn keyring_not_json_is_error() {
        let error = Keyring::parse("{not json", place()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("keyring file /home/user/.anaconda/keyring is not valid JSON ("),
            "{message}"
        );
        assert!(message.contains("anaconda login"), "{message}");
    }

    #[test]
    fn keyring_not_object_is_error() {
        let error = Keyring::parse("[]", place()).unwrap_err();
        assert!(matches!(error, KeyringError::NotObject { .. }), "{error:?}");
        let error = Keyring::parse(r#"{"Anaconda Cloud": "x"}"#, place()).unwrap_err();
        assert!(matches!(error, KeyringError::NotObject { .. }), "{error:?}");
    }

    #[test]
    fn other_services_are_ignored() {
        let text = r#"{"other service": 5, "Anaconda Cloud": {}}"#;
        let keyring = Keyring::parse(text, place()).unwrap();
        assert_eq!(keyring.record(&["anaconda.com"]).unwrap(), None);
        let keyring = Keyring::parse("{}", place()).unwrap();
        assert_eq!(keyring.record(&["anaconda.com"]).unwrap(), None);
    }

    #[test]
    fn first_listed_domain_wins() {
        let old = encode_record(r#"{"api_key": "old-key"}"#);
        let new = encode_record(r#"{"api_key": "new-key"}"#);
        let text = serde_json::json!({ SERVICE: { "anaconda.cloud": old, "anaconda.com": new } });
        let keyring = Keyring::parse(&text.to_string(), place()).unwrap();
        let domains = ["anaconda.com", "id.anaconda.cloud", "anaconda.cloud"];
        let (domain, record) = keyring.record(&domains).unwrap().unwrap();
        assert_eq!(domain, "anaconda.com");
        assert_eq!(record.api_key.unwrap().expose(), "new-key");
        let (domain, _) = keyring.record(&domains[1..]).unwrap().unwrap();
        assert_eq!(domain, "anaconda.cloud");
    }

    #[test]
    fn entry_origin_description() {
        let entry = KeyringEntry {
            place: place(),
            domain: "anaconda.com".to_owned(),
            part: RecordPart::RepoToken(Some("my-org".to_owned())),
        };
        assert_eq!(
            entry.to_string(),
            "keyring file /home/user/.anaconda/keyring (entry anaconda.com, repo token of org my-org)"
        );
        let setting = KeyringPlace::Setting(Origin::EnvVar("ANACONDA_AUTH_KEYRING".to_owned()));
        assert_eq!(
            setting.to_string(),
            "keyring in environment variable ANACONDA_AUTH_KEYRING"
        );
    }
}
