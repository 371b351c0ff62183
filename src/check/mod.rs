//! `check`: one live request for a channel's `noarch/repodata.json` with the credential,
//! and the meaning of the response.
//!
//! The request goes through reqwest with rustls. It honours `HTTPS_PROXY` and `NO_PROXY`,
//! trusts the CA bundle conda would use (see [`client::trust_source`]), follows no
//! redirects and stops after the time limit. The `Authorization` header is marked
//! sensitive, and the output shows the credential only as a fingerprint.

pub mod channel;
pub mod client;
pub mod verdict;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use url::Url;

use crate::condarc::{self, CONDA_SEARCH_PATH, SearchVars};
use crate::env::Environment;
use crate::error::Error;
use crate::get;
use crate::header::Authorization;
use crate::install::prefix;
use crate::protocol::Request;
use crate::redact::redact_url;
use crate::vars::DEFAULT_CHANNEL;

use channel::{InvalidChannel, RepodataUrl, repodata_url};
use client::{ClientSettings, ConnectTo, ProxyError};
use verdict::{Outcome, Sent, Verdict};

/// Default time limit for the request, in seconds.
const DEFAULT_TIMEOUT: &str = "10";

/// Maximum time limit for the request, in seconds.
const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

/// Options of `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Channel whose noarch/repodata.json is requested
    #[arg(value_name = "CHANNEL_URL", default_value = DEFAULT_CHANNEL)]
    pub channel: String,

    /// Seconds to wait for the whole request, more than 0 and at most 3600
    #[arg(long, value_name = "SECONDS", default_value = DEFAULT_TIMEOUT, value_parser = parse_seconds)]
    pub timeout: Duration,

    /// Connect to IP:PORT whenever a URL names HOST; TLS and the Host header keep HOST, and a port in the URL replaces PORT. Repeatable
    #[arg(long = "connect-to", value_name = "HOST=IP:PORT")]
    pub connect_to: Vec<ConnectTo>,

    /// Conda base environment whose condarc files may set ssl_verify [default: as for install]
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<PathBuf>,
}

/// A `check` that could not send its request.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The channel is not an http or https URL.
    #[error(transparent)]
    InvalidChannel(#[from] InvalidChannel),

    /// A proxy variable is set to a value that is not a proxy URL.
    #[error(transparent)]
    Proxy(#[from] ProxyError),

    /// The credential could not be read.
    #[error(transparent)]
    Credential(#[from] Error),

    /// The CA bundle cannot be used.
    #[error("{0}")]
    Trust(String),

    /// The report could not be written.
    #[error("failed to write the result to stdout: {0}. Check that the caller reads it")]
    Write(#[from] io::Error),
}

/// Sends the request and prints what happened on stdout. Returns whether the channel
/// accepted it.
pub fn run(args: &CheckArgs, env: &dyn Environment) -> Result<bool, CheckError> {
    let RepodataUrl { url, notes } = repodata_url(&args.channel)?;
    client::check_proxy_vars(env)?;
    let shown = redact_url(url.as_str());
    // The same response as `get --with-source` gives the plugin for this URL.
    let request = Request {
        uri: url.to_string(),
    };
    let answer = get::answer(&request, env, true, SystemTime::now())?;
    let authorization = answer.response.authorization;
    let source = answer.response.source.unwrap_or_default();

    let settings = conda_settings(args.prefix.as_deref(), env);
    let client_settings = ClientSettings {
        trust: client::trust_source(&settings, env),
        timeout: args.timeout,
        connect_to: args.connect_to.clone(),
    };
    let mut lines = vec![format!("GET {shown}")];
    lines.extend(notes);
    lines.push(match &authorization {
        Some(authorization) => format!(
            "Authorization: {} {} (from {source})",
            authorization.scheme(),
            authorization.fingerprint()
        ),
        None => {
            "Authorization: none, because conda-credential-helper sends no credential to this URL"
                .to_owned()
        }
    });
    lines.extend(
        answer
            .warnings
            .iter()
            .map(|warning| format!("Warning: {warning}")),
    );
    lines.push(format!("CA certificates: {}", client_settings.trust));
    let proxy = client::proxy_description(env).unwrap_or_else(|| "none".to_owned());
    lines.push(format!("Proxy: {proxy}"));
    lines.push(format!("Time limit: {} s", args.timeout.as_secs_f64()));
    print(&lines.join("\n"))?;

    let client =
        client::build(&client_settings).map_err(|error| CheckError::Trust(error.message))?;
    let outcome = send(&client, &url, authorization.as_ref());
    let host = url.host_str().unwrap_or_default();
    let sent = answer.response.kind.filter(|_| authorization.is_some());
    let sent = sent.map(|kind| Sent {
        kind,
        source: &source,
    });
    let Verdict { ok, text } = verdict::explain(&outcome, host, sent);
    print(&format!("Result: {text}"))?;
    Ok(ok)
}

/// Reads the condarc files for `ssl_verify`, from the base environment when one is found.
fn conda_settings(explicit: Option<&Path>, env: &dyn Environment) -> condarc::CondaSettings {
    let root = prefix::discover(explicit, |name| env.var(name))
        .ok()
        .map(|(root, _)| root);
    let vars = SearchVars {
        conda_root: root,
        conda_prefix: env.non_empty_var("CONDA_PREFIX").map(PathBuf::from),
    };
    condarc::load(CONDA_SEARCH_PATH, &vars, env)
}

/// Sends one GET and classifies the response or failure.
fn send(
    client: &reqwest::blocking::Client,
    url: &Url,
    authorization: Option<&Authorization>,
) -> Outcome {
    let shown = redact_url(url.as_str());
    let mut request = match client.get(url.clone()).build() {
        Ok(request) => request,
        Err(error) => return verdict::classify_error(&error),
    };
    if let Some(authorization) = authorization {
        tracing::debug!(
            "requesting {shown} with {} {}",
            authorization.scheme(),
            authorization.fingerprint()
        );
        // Tokens pass a check that allows only visible ASCII, and Basic credentials are
        // base64, so the value is valid.
        // `insert` replaces any other Authorization value, so exactly one is sent.
        if let Ok(mut value) = HeaderValue::from_str(authorization.value().expose()) {
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
    } else {
        tracing::debug!("requesting {shown} without a credential");
    }

    let started = Instant::now();
    match client.execute(request) {
        Ok(response) => {
            let status = response.status();
            tracing::debug!("{shown} responded {status} after {:?}", started.elapsed());
            let location = verdict::location(&response);
            Outcome::Status { status, location }
        }
        Err(error) => {
            tracing::debug!(
                "request to {shown} failed after {:?}: {error}",
                started.elapsed()
            );
            verdict::classify_error(&error)
        }
    }
}

/// Parses a positive number of seconds, such as `10` or `0.5`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
        return Err(format!(
            "`{text}` is out of range: the time limit must be more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Writes one block of lines to stdout, which carries the result.
fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}")?;
    stdout.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        for bad in ["0", "-1", "inf", "NaN", "ten", "3601"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_seconds("0"),
            Err(
                "`0` is out of range: the time limit must be more than 0 and at most 3600 seconds"
                    .to_owned()
            )
        );
    }
}
