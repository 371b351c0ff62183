//! The meaning of `check`'s one response or failure, in plain words with what to do.

use std::error::Error as StdError;

use reqwest::StatusCode;

use crate::kind::CredentialKind;
use crate::redact::redact_url;
use crate::vars::API_KEY_VAR;

/// The outcome of the request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server responded with this status; `location` is the redirect target, if any.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The `Location` header of a redirect, redacted.
        location: Option<String>,
    },
    /// No response within the time limit.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed, with rustls's reason.
    Tls(String),
    /// The connection failed for another reason, such as a refused port.
    Connect(String),
    /// Any other failure.
    Other(String),
}

/// The meaning of an outcome: success or not, and one line of explanation that ends
/// with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether conda can download from the channel with this credential.
    pub ok: bool,
    /// The explanation.
    pub text: String,
}

/// The credential that the request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent<'a> {
    /// The kind of credential.
    pub kind: CredentialKind,
    /// The place it was read, as `get --with-source` describes it.
    pub source: &'a str,
}

/// Classifies a failed request by walking its chain of causes.
pub fn classify_error(error: &reqwest::Error) -> Outcome {
    if error.is_timeout() {
        return Outcome::Timeout;
    }
    let mut causes: Vec<&(dyn StdError + 'static)> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause);
        source = cause.source();
    }

    for cause in &causes {
        tracing::trace!("cause: {cause:?}");
        if let Some(tls) = find_tls_error(*cause) {
            return Outcome::Tls(tls.to_string());
        }
        let io = cause.downcast_ref::<std::io::Error>();
        if io.is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut) {
            return Outcome::Timeout;
        }
    }
    // hyper-util's connector reports a failed lookup as "dns error".
    if causes.iter().any(|cause| cause.to_string() == "dns error") {
        return Outcome::Dns;
    }
    let detail = causes
        .last()
        .map_or_else(|| error.to_string(), |cause| cause.to_string());
    if error.is_connect() {
        Outcome::Connect(detail)
    } else {
        Outcome::Other(detail)
    }
}

/// Finds a rustls error in `error` or in the I/O errors it wraps. hyper-util wraps the
/// handshake's error in two `io::Error`s, whose `source` skips the wrapped error.
fn find_tls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    find_tls_error(inner)
}

/// Reads the redirect target of a response, redacted.
pub fn location(response: &reqwest::blocking::Response) -> Option<String> {
    let value = response.headers().get(reqwest::header::LOCATION)?;
    let target = value.to_str().ok()?;
    let absolute = response.url().join(target).ok()?;
    Some(redact_url(absolute.as_str()))
}

/// Explains `outcome` for `host`. `sent` is the credential the request carried, if any.
pub fn explain(outcome: &Outcome, host: &str, sent: Option<Sent<'_>>) -> Verdict {
    let fail = |text: String| Verdict { ok: false, text };
    match outcome {
        Outcome::Status { status, location } => explain_status(*status, location.as_deref(), sent),
        Outcome::Timeout => fail(format!(
            "no response from {host} within the time limit. Check that the build can reach {host}: with a proxy, set HTTPS_PROXY (and NO_PROXY for hosts that bypass it); in `docker build`, check the build's network"
        )),
        Outcome::Dns => fail(format!(
            "the host name {host} could not be resolved. Check the channel URL for typos, and that DNS works where the build runs, or set HTTPS_PROXY when only a proxy can resolve it"
        )),
        Outcome::Tls(reason) => fail(format!(
            "the TLS connection to {host} failed: {reason}. If a proxy inspects TLS, point REQUESTS_CA_BUNDLE, SSL_CERT_FILE or conda's `ssl_verify` at its CA bundle; otherwise check the system clock"
        )),
        Outcome::Connect(reason) => fail(format!(
            "failed to connect to {host}: {reason}. Check that the build can reach {host}, or set HTTPS_PROXY"
        )),
        Outcome::Other(reason) => fail(format!(
            "the request to {host} failed: {reason}. Run again with -v for details"
        )),
    }
}

fn explain_status(status: StatusCode, location: Option<&str>, sent: Option<Sent<'_>>) -> Verdict {
    let code = status.as_u16();
    let text = match code {
        200 => {
            return Verdict {
                ok: true,
                text: "HTTP 200 OK: the channel accepted the request, so conda can download from it".to_owned(),
            };
        }
        401 => match sent {
            Some(sent) => format!(
                "HTTP 401 Unauthorized: the server did not accept the {} from {}; {}",
                sent.kind, sent.source, unauthorized_explanation(sent.kind)
            ),
            None => format!(
                "HTTP 401 Unauthorized: the channel needs a credential, and none was sent because conda-credential-helper has none for this URL. {NO_CREDENTIAL_FIX}"
            ),
        },
        403 => match sent {
            Some(sent) => format!(
                "HTTP 403 Forbidden: the {} from {} is valid but has no access to this channel. {}",
                sent.kind, sent.source, forbidden_fix(sent.kind)
            ),
            None => format!(
                "HTTP 403 Forbidden: the server refused the request, which carried no credential. {NO_CREDENTIAL_FIX}"
            ),
        },
        404 => "HTTP 404 Not Found: the channel has no noarch/repodata.json. Check the channel URL, for example https://repo.anaconda.cloud/repo/main".to_owned(),
        407 => "HTTP 407 Proxy Authentication Required: the proxy rejected the request. Put the proxy's user and password in HTTPS_PROXY, such as http://user:password@proxy:3128".to_owned(),
        300..=399 => format!(
            "HTTP {code} redirect to {}: conda would follow it, but the channel should answer directly. Check the channel URL, and whether a proxy or captive portal intercepts the request",
            location.unwrap_or("an unknown location")
        ),
        500..=599 => format!(
            "HTTP {code}: the server failed. Try again later; if it persists, check Anaconda's status page"
        ),
        _ => format!("HTTP {code}: an unexpected response. Check the channel URL, and run again with -v"),
    };
    Verdict { ok: false, text }
}

/// The fix when a channel rejects a request that carried no credential.
const NO_CREDENTIAL_FIX: &str = "Use an https://repo.anaconda.cloud channel URL, or add a [[channel]] table for this channel to the config file";

/// Returns why a server rejects a credential of `kind` with 401, and what to do.
fn unauthorized_explanation(kind: CredentialKind) -> String {
    match kind {
        CredentialKind::ApiKey => format!(
            "it is expired, revoked or not a valid key. Create a new API key in your Anaconda account and pass it as the {API_KEY_VAR} secret"
        ),
        CredentialKind::RepoToken => format!(
            "it is expired, revoked or not a valid token. Store a new repo token for the organization in that keyring, or create an API key in your Anaconda account and pass it as the {API_KEY_VAR} secret, which the helper uses instead of the keyring"
        ),
        CredentialKind::ChannelToken => "it is expired, revoked or not valid for this server. Put a token that the server accepts there, and check that the `scheme` of the channel's [[channel]] table is the one the server expects".to_owned(),
        CredentialKind::ChannelPassword => "the username or the password is wrong for this server. Check the `username` of the channel's [[channel]] table, and put the right password there".to_owned(),
    }
}

/// Returns what to do when a server rejects a valid credential of `kind` with 403.
fn forbidden_fix(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::ApiKey => {
            "Check that the key belongs to the organization that owns the channel and that its subscription includes the channel"
        }
        CredentialKind::RepoToken => {
            "Check that the token belongs to the organization that owns the channel and that its subscription includes the channel"
        }
        CredentialKind::ChannelToken | CredentialKind::ChannelPassword => {
            "Check that its account may read this channel on the server"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "environment variable ANACONDA_AUTH_API_KEY";

    fn sent(kind: CredentialKind) -> Option<Sent<'static>> {
        Some(Sent {
            kind,
            source: SOURCE,
        })
    }

    fn api_key() -> Option<Sent<'static>> {
        sent(CredentialKind::ApiKey)
    }

    fn status(code: u16) -> Outcome {
        Outcome::Status {
            status: StatusCode::from_u16(code).unwrap(),
            location: None,
        }
    }

    #[test]
    fn only_200_is_ok() {
        for code in [200, 301, 401, 403, 404, 407, 500, 418] {
            let verdict = explain(&status(code), "repo.anaconda.cloud", api_key());
            assert_eq!(verdict.ok, code == 200, "{code}");
            assert!(
                verdict.text.starts_with(&format!("HTTP {code}")),
                "{}",
                verdict.text
            );
        }
    }

    #[test]
    fn rejection_depends_on_sent_key() {
        let with_key = explain(&status(401), "h", api_key()).text;
        let without = explain(&status(401), "h", None).text;
        assert!(with_key.contains("expired, revoked"), "{with_key}");
        assert!(without.contains("none was sent"), "{without}");
    }

    #[test]
    fn rejection_names_kind_and_source() {
        let cases = [
            (CredentialKind::ApiKey, "Create a new API key"),
            (CredentialKind::RepoToken, "Store a new repo token"),
            (
                CredentialKind::ChannelToken,
                "Put a token that the server accepts",
            ),
            (CredentialKind::ChannelPassword, "Check the `username`"),
        ];
        for (kind, fix) in cases {
            let text = explain(&status(401), "h", sent(kind)).text;
            let expected = format!(
                "HTTP 401 Unauthorized: the server did not accept the {kind} from {SOURCE};"
            );
            assert!(text.starts_with(&expected), "{text}");
            assert!(text.contains(fix), "{kind}: {text}");
        }
    }

    #[test]
    fn forbidden_names_kind_and_source() {
        let cases = [
            (
                CredentialKind::ApiKey,
                "the key belongs to the organization",
            ),
            (
                CredentialKind::RepoToken,
                "the token belongs to the organization",
            ),
            (
                CredentialKind::ChannelToken,
                "its account may read this channel",
            ),
            (
                CredentialKind::ChannelPassword,
                "its account may read this channel",
            ),
        ];
        for (kind, fix) in cases {
            let text = explain(&status(403), "h", sent(kind)).text;
            let expected = format!(
                "HTTP 403 Forbidden: the {kind} from {SOURCE} is valid but has no access to this channel."
            );
            assert!(text.starts_with(&expected), "{text}");
            assert!(text.contains(fix), "{kind}: {text}");
        }
    }

    #[test]
    fn rejection_without_credential_names_config() {
        for (code, reason) in [(401, "none was sent"), (403, "carried no credential")] {
            let text = explain(&status(code), "h", None).text;
            assert!(text.contains(reason), "{text}");
            assert!(
                text.ends_with("add a [[channel]] table for this channel to the config file"),
                "{text}"
            );
        }
    }

    #[test]
    fn redirect_names_target() {
        let outcome = Outcome::Status {
            status: StatusCode::FOUND,
            location: Some("https://login.example/portal".into()),
        };
        let verdict = explain(&outcome, "h", api_key());
        assert!(
            verdict
                .text
                .contains("redirect to https://login.example/portal"),
            "{}",
            verdict.text
        );
    }

    #[test]
    fn failures_name_host_and_fix() {
        for outcome in [Outcome::Timeout, Outcome::Dns, Outcome::Tls("bad".into())] {
            let verdict = explain(&outcome, "repo.anaconda.cloud", api_key());
            assert!(!verdict.ok);
            assert!(
                verdict.text.contains("repo.anaconda.cloud"),
                "{}",
                verdict.text
            );
        }
    }
}
