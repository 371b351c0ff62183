//! The `Authorization` header values the helper returns: `Bearer`, `token` and `Basic`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Serialize, Serializer};

use crate::secret::Secret;

/// An authorization scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Bearer <token>`, for API keys and OAuth-style tokens.
    Bearer,
    /// `token <token>`, for anaconda.com repo tokens and similar servers.
    Token,
    /// `Basic base64(<username>:<password>)`.
    Basic,
}

impl Scheme {
    /// Every scheme, in the order messages list them.
    pub const ALL: [Scheme; 3] = [Scheme::Bearer, Scheme::Token, Scheme::Basic];

    /// Returns the scheme as written in the header and in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer",
            Scheme::Token => "token",
            Scheme::Basic => "Basic",
        }
    }

    /// Returns the scheme written exactly as [`Scheme::as_str`] does, or `None`.
    pub fn parse(text: &str) -> Option<Scheme> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str() == text)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// An `Authorization` header value.
///
/// It is built only from credentials without CR, LF or NUL, so that it cannot end the
/// header early. Its `Debug` masks the credentials, and it exposes them only when
/// serialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    scheme: Scheme,
    credentials: Secret,
}

impl Authorization {
    /// Builds `<scheme> <token>` for [`Scheme::Bearer`] or [`Scheme::Token`], or returns
    /// `None` if the token contains CR, LF or NUL.
    pub fn with_token(scheme: Scheme, token: Secret) -> Option<Self> {
        debug_assert_ne!(scheme, Scheme::Basic, "Basic needs a username");
        (!has_header_break(token.expose())).then_some(Authorization {
            scheme,
            credentials: token,
        })
    }

    /// Builds `Basic base64(<username>:<password>)`, or returns `None` if either part
    /// contains CR, LF or NUL.
    ///
    /// The parts are joined as they are, without URL encoding, so `@`, `:`, `#` and `%`
    /// in the password reach the server unchanged.
    pub fn basic(username: &str, password: &Secret) -> Option<Self> {
        if has_header_break(username) || has_header_break(password.expose()) {
            return None;
        }
        let joined = Secret::new(format!("{username}:{}", password.expose()));
        Some(Authorization {
            scheme: Scheme::Basic,
            credentials: Secret::new(STANDARD.encode(joined.expose())),
        })
    }

    /// Returns the scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Returns the whole header value, `<scheme> <credentials>`.
    pub fn value(&self) -> Secret {
        Secret::new(format!("{} {}", self.scheme, self.credentials.expose()))
    }

    /// Returns the fingerprint of the credentials, safe to print.
    pub fn fingerprint(&self) -> String {
        self.credentials.fingerprint()
    }
}

fn has_header_break(text: &str) -> bool {
    text.contains(['\r', '\n', '\0'])
}

impl Serialize for Authorization {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.value().expose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serialized(authorization: &Authorization) -> String {
        serde_json::to_value(authorization)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn bearer_and_token_values() {
        let bearer = Authorization::with_token(Scheme::Bearer, Secret::new("k-1")).unwrap();
        assert_eq!(serialized(&bearer), "Bearer k-1");
        let token = Authorization::with_token(Scheme::Token, Secret::new("t-1")).unwrap();
        assert_eq!(serialized(&token), "token t-1");
    }

    #[test]
    fn basic_joins_without_url_encoding() {
        let password = Secret::new("p@ss:w#rd%20 x");
        let basic = Authorization::basic("builder", &password).unwrap();
        let value = serialized(&basic);
        let encoded = value.strip_prefix("Basic ").expect("the Basic scheme");
        let decoded = STANDARD.decode(encoded).unwrap();
        assert_eq!(decoded, b"builder:p@ss:w#rd%20 x");
    }

    #[test]
    fn basic_encodes_utf8() {
        let basic = Authorization::basic("büilder", &Secret::new("pässword")).unwrap();
        let value = serialized(&basic);
        let decoded = STANDARD
            .decode(value.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "büilder:pässword");
    }

    #[test]
    fn line_breaks_are_rejected() {
        for value in ["a\rb", "a\nb", "a\0b"] {
            let token = Authorization::with_token(Scheme::Bearer, Secret::new(value));
            assert_eq!(token, None, "{value:?}");
            assert_eq!(Authorization::basic(value, &Secret::new("p")), None);
            assert_eq!(Authorization::basic("u", &Secret::new(value)), None);
        }
    }

    #[test]
    fn value_and_fingerprint() {
        let token = Authorization::with_token(Scheme::Token, Secret::new("t-0123456789"));
        let token = token.unwrap();
        assert_eq!(token.value().expose(), "token t-0123456789");
        assert_eq!(token.fingerprint(), "****6789");
    }

    #[test]
    fn debug_is_masked() {
        let basic = Authorization::basic("builder", &Secret::new("hunter2")).unwrap();
        let debug = format!("{basic:?}");
        assert_eq!(debug, "Authorization { scheme: Basic, credentials: **** }");
    }

    #[test]
    fn scheme_parse_is_exact() {
        assert_eq!(Scheme::parse("Bearer"), Some(Scheme::Bearer));
        assert_eq!(Scheme::parse("token"), Some(Scheme::Token));
        assert_eq!(Scheme::parse("Basic"), Some(Scheme::Basic));
        assert_eq!(Scheme::parse("bearer"), None);
        assert_eq!(Scheme::parse("Digest"), None);
    }
}
