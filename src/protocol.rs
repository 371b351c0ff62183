//! The Bazel credential-helper protocol: the request read from stdin and the response.
//!
//! The request is one JSON object, `{"uri": "https://..."}`. Other fields are ignored. The
//! response is `{"headers": {"Authorization": ["Bearer <key>"]}}`, or `{"headers": {}}` when
//! the URL gets no header. It carries `"expires"` (RFC 3339) when the credential's expiry
//! is known, as the Bazel protocol defines. `get --with-source` adds `kind`, `source` and
//! `scope`, which the conda plugin reads.

use std::io::Read;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::error::RequestError;
use crate::header::Authorization;
use crate::kind::CredentialKind;
use crate::vars::MAX_REQUEST_BYTES;

/// A request for the headers of one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The URL that the caller is about to fetch.
    pub uri: String,
}

/// Reads one request from `reader`, up to [`MAX_REQUEST_BYTES`].
pub fn read_request(reader: impl Read) -> Result<Request, RequestError> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(MAX_REQUEST_BYTES).unwrap_or(u64::MAX) + 1;
    reader
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(|source| RequestError::Read { source })?;
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge);
    }
    parse_request(&bytes)
}

/// Reads one request like [`read_request`], on another thread, and fails with
/// [`RequestError::TimedOut`] when `reader` has not ended within `timeout`.
///
/// A caller that never closes stdin would otherwise block the helper forever. On timeout
/// the reading thread is left blocked, and it ends with the process.
pub fn read_request_within<R>(reader: R, timeout: Duration) -> Result<Request, RequestError>
where
    R: Read + Send + 'static,
{
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        // The receiver is dropped only after a timeout, when the result is no longer needed.
        let _ = sender.send(read_request(reader));
    });
    receiver
        .recv_timeout(timeout)
        .unwrap_or(Err(RequestError::TimedOut {
            seconds: timeout.as_secs(),
        }))
}

/// Parses a request from JSON bytes.
///
/// Parsing goes through [`Value`] so that errors come from the JSON syntax alone:
/// serde_json's type errors would quote the offending value, which may be a URL with
/// userinfo.
pub fn parse_request(bytes: &[u8]) -> Result<Request, RequestError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RequestError::Empty);
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| RequestError::InvalidJson {
            detail: error.to_string(),
        })?;
    let Value::Object(mut object) = value else {
        return Err(RequestError::NotObject);
    };
    match object.remove("uri") {
        Some(Value::String(uri)) => Ok(Request { uri }),
        Some(_) => Err(RequestError::UriNotString),
        None => Err(RequestError::MissingUri),
    }
}

/// The response: headers to add to the request, when they expire, and with
/// `get --with-source` what the credential is, where it came from and which URLs it serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The `Authorization` header, when the URL gets one.
    pub authorization: Option<Authorization>,
    /// When the credential expires, as an RFC 3339 timestamp, when known.
    pub expires: Option<String>,
    /// The kind of credential, sent only with `get --with-source`.
    pub kind: Option<CredentialKind>,
    /// Description of the credential's source, sent only with `get --with-source`.
    pub source: Option<String>,
    /// The URL prefix to which this response applies, sent only with `get --with-source`.
    pub scope: Option<String>,
}

impl Response {
    /// Returns the response as one line of JSON, newline included.
    pub fn to_json_line(&self) -> String {
        // serde_json documents two failures: a Serialize impl that fails and a map key
        // that is not a string. The impls below never fail and use string keys.
        let mut line = serde_json::to_string(self).expect("response serializes to JSON");
        line.push('\n');
        line
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let optional = [
            ("expires", self.expires.as_deref()),
            ("kind", self.kind.map(CredentialKind::noun)),
            ("source", self.source.as_deref()),
            ("scope", self.scope.as_deref()),
        ];
        let length = 1 + optional.iter().filter(|(_, value)| value.is_some()).count();
        let mut map = serializer.serialize_map(Some(length))?;
        map.serialize_entry("headers", &Headers(self.authorization.as_ref()))?;
        for (name, value) in optional {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// The `headers` object: header name to a list of values.
struct Headers<'a>(Option<&'a Authorization>);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(usize::from(self.0.is_some())))?;
        if let Some(authorization) = self.0 {
            map.serialize_entry("Authorization", &[authorization])?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Scheme;
    use crate::secret::Secret;

    fn parsed(text: &str) -> Result<Request, RequestError> {
        parse_request(text.as_bytes())
    }

    #[test]
    fn request_with_uri() {
        let request = parsed(r#"{"uri": "https://repo.anaconda.cloud/x"}"#).unwrap();
        assert_eq!(request.uri, "https://repo.anaconda.cloud/x");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let request = parsed(r#"{"uri": "https://a.example/", "extra": [1, {"b": null}]}"#);
        assert_eq!(request.unwrap().uri, "https://a.example/");
    }

    #[test]
    fn empty_request_is_error() {
        assert!(matches!(parsed(""), Err(RequestError::Empty)));
        assert!(matches!(parsed(" \n\t"), Err(RequestError::Empty)));
    }

    #[test]
    fn malformed_json_is_error() {
        let error = parsed(r#"{"uri": "https://user:hunter2@a.example/""#).unwrap_err();
        let RequestError::InvalidJson { detail } = &error else {
            panic!("expected invalid JSON, got {error:?}");
        };
        assert!(detail.contains("line 1"), "{detail}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn trailing_garbage_is_error() {
        let error = parsed(r#"{"uri": "https://a.example/"} x"#).unwrap_err();
        assert!(
            matches!(error, RequestError::InvalidJson { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn non_object_is_error() {
        let error = parsed(r#""https://user:hunter2@a.example/""#).unwrap_err();
        assert!(matches!(error, RequestError::NotObject), "{error:?}");
        assert!(matches!(parsed("[]"), Err(RequestError::NotObject)));
        assert!(matches!(parsed("null"), Err(RequestError::NotObject)));
    }

    #[test]
    fn missing_uri_is_error() {
        let error = parsed(r#"{"url": "https://a.example/"}"#).unwrap_err();
        assert!(matches!(error, RequestError::MissingUri), "{error:?}");
    }

    #[test]
    fn non_string_uri_is_error() {
        for text in [r#"{"uri": 5}"#, r#"{"uri": null}"#, r#"{"uri": ["x"]}"#] {
            let error = parsed(text).unwrap_err();
            assert!(
                matches!(error, RequestError::UriNotString),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn oversized_request_is_error() {
        let padding = " ".repeat(MAX_REQUEST_BYTES);
        let text = format!(r#"{{"uri": "https://a.example/"}}{padding}"#);
        let error = read_request(text.as_bytes()).unwrap_err();
        assert!(matches!(error, RequestError::TooLarge), "{error:?}");
    }

    #[test]
    fn silent_reader_times_out() {
        /// A reader that blocks longer than the timeout, like an open, silent stdin.
        struct Silent;
        impl Read for Silent {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                thread::sleep(Duration::from_secs(60));
                Ok(0)
            }
        }
        let result = read_request_within(Silent, Duration::from_millis(50));
        assert!(matches!(result, Err(RequestError::TimedOut { seconds: 0 })));
    }

    #[test]
    fn reader_within_timeout_is_parsed() {
        let reader = std::io::Cursor::new(br#"{"uri": "https://a.example/"}"#.to_vec());
        let request = read_request_within(reader, Duration::from_secs(10)).unwrap();
        assert_eq!(request.uri, "https://a.example/");
    }

    #[test]
    fn read_request_from_reader() {
        let request = read_request(&br#"{"uri":"https://a.example/"}"#[..]).unwrap();
        assert_eq!(request.uri, "https://a.example/");
    }

    #[test]
    fn empty_response_json() {
        let line = Response::default().to_json_line();
        assert_eq!(line, "{\"headers\":{}}\n");
    }

    fn bearer(key: &str) -> Option<Authorization> {
        Authorization::with_token(Scheme::Bearer, Secret::new(key))
    }

    #[test]
    fn bearer_response_json() {
        let response = Response {
            authorization: bearer("key-1234"),
            ..Response::default()
        };
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]}}\n";
        assert_eq!(response.to_json_line(), expected);
    }

    #[test]
    fn response_with_every_field_json() {
        let response = Response {
            authorization: bearer("key-1234"),
            expires: Some("2030-01-01T00:00:00Z".to_owned()),
            kind: Some(CredentialKind::ApiKey),
            source: Some("environment variable ANACONDA_AUTH_API_KEY".to_owned()),
            scope: Some("https://repo.anaconda.cloud/".to_owned()),
        };
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]},\
                        \"expires\":\"2030-01-01T00:00:00Z\",\
                        \"kind\":\"API key\",\
                        \"source\":\"environment variable ANACONDA_AUTH_API_KEY\",\
                        \"scope\":\"https://repo.anaconda.cloud/\"}\n";
        assert_eq!(response.to_json_line(), expected);
    }

    #[test]
    fn empty_response_with_scope_json() {
        let response = Response {
            scope: Some("https://a.example/x".to_owned()),
            ..Response::default()
        };
        let expected = "{\"headers\":{},\"scope\":\"https://a.example/x\"}\n";
        assert_eq!(response.to_json_line(), expected);
    }
}
