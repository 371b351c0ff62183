//! The `get` command: reads a Bazel credential-helper request and prints its headers.

use std::io::{self, Write};

use tracing::debug;

use crate::env::Environment;
use crate::error::Error;
use crate::protocol::{self, BearerAuthorization, Request, Response};
use crate::redact::redact_url;
use crate::rules::header_due;
use crate::source::find_credential;

/// Options of `get`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GetArgs {
    /// Add a "source" field that describes where the key was read, when a header is returned
    #[arg(long)]
    pub with_source: bool,
}

/// The response to one request, and a warning to print on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The protocol response.
    pub response: Response,
    /// A one-line warning, such as the deprecation of the key's source.
    pub warning: Option<String>,
}

/// Reads the request from stdin, prints the response on stdout and any warning on stderr.
pub fn run(args: &GetArgs, env: &dyn Environment) -> Result<(), Error> {
    let request = protocol::read_request(io::stdin().lock())?;
    let answer = answer(&request, env, args.with_source)?;
    if let Some(warning) = &answer.warning {
        print_warning(warning);
    }
    write_response(&answer.response)
}

/// Builds the response to `request`, searching for the key only when the URL gets it.
pub fn answer(
    request: &Request,
    env: &dyn Environment,
    with_source: bool,
) -> Result<Answer, Error> {
    let url = redact_url(&request.uri);
    if !header_due(&request.uri) {
        debug!("no header for {url}: not an https://repo.anaconda.cloud URL");
        return Ok(Answer {
            response: Response::default(),
            warning: None,
        });
    }

    let credential = find_credential(env)?;
    debug!(
        "sending API key {} from {} to {url}",
        credential.secret.fingerprint(),
        credential.origin
    );

    let warning = credential.deprecation_warning();
    let origin = credential.origin;
    let Some(authorization) = BearerAuthorization::new(credential.secret) else {
        return Err(Error::UnsafeHeader { origin });
    };
    let source = with_source.then(|| origin.to_string());
    let response = Response {
        authorization: Some(authorization),
        source,
    };
    Ok(Answer { response, warning })
}

/// Writes the response as one JSON line. This is the only place that writes to stdout.
fn write_response(response: &Response) -> Result<(), Error> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(response.to_json_line().as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::WriteResponse { source })
}

/// Prints `warning: <message>` on stderr, ignoring a failed write as there is nowhere left
/// to report it.
pub(crate) fn print_warning(message: &str) {
    let _ = writeln!(io::stderr().lock(), "warning: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use crate::vars::{API_KEY_VAR, LEGACY_API_KEY_VAR, SECRETS_DIR_VAR};

    const URI: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

    fn request(uri: &str) -> Request {
        Request {
            uri: uri.to_owned(),
        }
    }

    /// Returns an environment without a secrets directory or a working directory.
    fn empty_env() -> MapEnv {
        MapEnv::new().with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir")
    }

    #[test]
    fn matching_url_gets_bearer() {
        let env = empty_env().with_var(API_KEY_VAR, "key-1234");
        let answer = answer(&request(URI), &env, false).unwrap();
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]}}\n";
        assert_eq!(answer.response.to_json_line(), expected);
        assert_eq!(answer.warning, None);
    }

    #[test]
    fn with_source_names_origin() {
        let env = empty_env().with_var(API_KEY_VAR, "key-1234");
        let answer = answer(&request(URI), &env, true).unwrap();
        let source = answer.response.source.as_deref();
        assert_eq!(source, Some("environment variable ANACONDA_AUTH_API_KEY"));
    }

    #[test]
    fn foreign_url_gets_no_header() {
        let env = empty_env().with_var(API_KEY_VAR, "key-1234");
        let answer = answer(&request("https://conda.anaconda.org/x"), &env, true).unwrap();
        assert_eq!(answer.response.to_json_line(), "{\"headers\":{}}\n");
    }

    #[test]
    fn foreign_url_ignores_broken_sources() {
        let env = empty_env().with_var(API_KEY_VAR, "bad key");
        let answer = answer(&request("http://repo.anaconda.cloud/x"), &env, false).unwrap();
        assert_eq!(answer.response, Response::default());
    }

    #[test]
    fn missing_key_is_error() {
        let error = answer(&request(URI), &empty_env(), false).unwrap_err();
        assert!(matches!(error, Error::KeyNotFound { .. }), "{error:?}");
    }

    #[test]
    fn legacy_variable_warns() {
        let env = empty_env().with_var(LEGACY_API_KEY_VAR, "key-1234");
        let answer = answer(&request(URI), &env, false).unwrap();
        assert!(answer.response.authorization.is_some());
        let warning = answer.warning.expect("a deprecation warning");
        assert!(warning.contains(LEGACY_API_KEY_VAR), "{warning}");
    }
}
