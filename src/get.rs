//! The `get` command: reads a Bazel credential-helper request and prints its headers.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use tracing::debug;

use crate::anaconda::{self, Credential};
use crate::channel::{self, RequestUrl};
use crate::choice;
use crate::config::{self, ChannelConfig, ChannelEntry};
use crate::env::Environment;
use crate::error::Error;
use crate::header::{Authorization, Scheme};
use crate::jwt::{self, ExpiryStatus};
use crate::kind::CredentialKind;
use crate::protocol::{self, Request, Response};
use crate::redact::redact_url;
use crate::rules::{AnacondaHost, AnacondaUrl, anaconda_url};
use crate::source::{self, Origin, SearchedPlaces, Setting};
use crate::value;

/// Time the caller has to write the request and close stdin. Bazel and the conda plugin
/// close it right after writing, so only a broken caller reaches this limit.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of `get`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GetArgs {
    /// Add "kind" (API key, repo token, token or password), "source" (where the credential
    /// was read) and "scope" (the URL prefix the response applies to) to the response
    #[arg(long)]
    pub with_source: bool,
}

/// The response to one request, and warnings to print on stderr.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// The protocol response.
    pub response: Response,
    /// One-line warnings, such as the deprecation of the key's source.
    pub warnings: Vec<String>,
}

/// Reads the request from stdin, prints the response on stdout and any warning on stderr.
pub fn run(args: &GetArgs, env: &dyn Environment) -> Result<(), Error> {
    let request = protocol::read_request_within(io::stdin(), REQUEST_TIMEOUT)?;
    let answer = answer(&request, env, args.with_source, SystemTime::now())?;
    for warning in &answer.warnings {
        print_warning(warning);
    }
    write_response(&answer.response)
}

/// Builds the response to `request` at time `now`, searching for credentials only when
/// the URL gets one.
///
/// URLs on Anaconda's hosts get the Anaconda credentials. Other URLs get the secret of the
/// last `[[channel]]` of the config file whose pattern matches them, if any.
pub fn answer(
    request: &Request,
    env: &dyn Environment,
    with_source: bool,
    now: SystemTime,
) -> Result<Answer, Error> {
    let url = redact_url(&request.uri);
    let mut answer = if let Some(target) = anaconda_url(&request.uri) {
        anaconda_answer(&target, env, &url, now)?
    } else {
        channel_answer(&request.uri, env, &url, now)?
    };
    if !with_source {
        answer.response.kind = None;
        answer.response.source = None;
        answer.response.scope = None;
    }
    Ok(answer)
}

/// Builds the response for a URL on one of Anaconda's hosts.
///
/// The public hosts serve without a credential, so for them a missing credential gives an
/// empty response, as anaconda-auth sends no header then. For repo.anaconda.cloud it is
/// an error, which names every place searched.
fn anaconda_answer(
    target: &AnacondaUrl,
    env: &dyn Environment,
    url: &str,
    now: SystemTime,
) -> Result<Answer, Error> {
    let credentials = match anaconda::find(env) {
        Ok(credentials) => credentials,
        Err(Error::KeyNotFound { .. }) if target.host != AnacondaHost::Cloud => {
            debug!("no header for {url}: no Anaconda credential found");
            let response = Response {
                scope: Some(target.origin()),
                ..Response::default()
            };
            return Ok(Answer {
                response,
                warnings: Vec::new(),
            });
        }
        Err(error) => return Err(error),
    };
    // `find` fails when it finds no credential at all, so this error is not expected.
    let Some(choice) = choice::choose(&credentials, target) else {
        return Err(Error::KeyNotFound {
            searched: SearchedPlaces::default(),
        });
    };
    let mut answer = respond(choice.credential, choice.scheme, choice.kind(), url, now)?;
    answer.response.scope = Some(choice.scope);
    answer
        .warnings
        .extend(choice.credential.deprecation_warning());
    Ok(answer)
}

/// Builds the response for a URL that is not on Anaconda's hosts, from the helper's
/// config file.
fn channel_answer(
    uri: &str,
    env: &dyn Environment,
    url: &str,
    now: SystemTime,
) -> Result<Answer, Error> {
    let Some(request_url) = RequestUrl::parse(uri) else {
        debug!("no header for {url}: not an absolute URL with a host");
        return Ok(Answer::default());
    };
    let nothing = || Answer {
        response: Response {
            scope: Some(request_url.exact()),
            ..Response::default()
        },
        warnings: Vec::new(),
    };
    let Some(config) = config::load(env)? else {
        debug!("no header for {url}: not an Anaconda URL, and no config file adds channels");
        return Ok(nothing());
    };
    let patterns = config.patterns();
    let Some(index) = channel::select(patterns.iter().copied(), &request_url) else {
        let path = config.path.display();
        debug!("no header for {url}: no [[channel]] of {path} matches it");
        return Ok(nothing());
    };

    let entry = &config.channels[index];
    let credential = channel_secret(env, &config, entry)?;
    let kind = CredentialKind::of_channel(entry.scheme);
    // The config file gives a username exactly to the Basic channels.
    let mut answer = match &entry.username {
        Some(username) => respond_basic(&credential, username, url)?,
        None => respond(&credential, entry.scheme, kind, url, now)?,
    };
    answer.response.source = Some(format!(
        "{} ({})",
        credential.origin,
        describe(&config, entry)
    ));
    answer.response.scope = Some(channel::scope(&patterns, index, &request_url));
    if request_url.scheme() == "http" {
        answer.warnings.push(format!(
            "sending the {kind} for {url} over plain HTTP, because {} allows it with allow_insecure_http",
            describe(&config, entry)
        ));
    }
    Ok(answer)
}

/// Describes a `[[channel]]` entry, for messages.
pub(crate) fn describe(config: &ChannelConfig, entry: &ChannelEntry) -> String {
    let path = config.path.display();
    let line = entry.line;
    format!("channel {} in {path}, line {line}", entry.pattern.as_str())
}

/// Looks up and checks the secret that `entry` names.
pub(crate) fn channel_secret(
    env: &dyn Environment,
    config: &ChannelConfig,
    entry: &ChannelEntry,
) -> Result<Credential, Error> {
    let noun = CredentialKind::of_channel(entry.scheme).noun();
    let setting = Setting {
        name: &entry.secret,
        noun,
    };
    let mut searched = Vec::new();
    let Some(found) = source::lookup(env, setting, &mut searched)? else {
        return Err(Error::SecretNotFound {
            name: entry.secret.clone(),
            noun,
            channel: describe(config, entry),
            searched: SearchedPlaces(searched),
        });
    };
    let checked = match entry.scheme {
        Scheme::Basic => value::parse_password(found.value.expose()),
        Scheme::Bearer | Scheme::Token => value::parse_text(found.value.expose()),
    };
    match checked {
        Ok(secret) => Ok(Credential {
            secret,
            origin: found.origin,
        }),
        Err(problem) => Err(source::invalid(setting, found.origin, problem)),
    }
}

/// Builds the response with `credential` sent as `<scheme> <credential>`.
///
/// A `Bearer` credential that is a JWT is checked for expiry: an expired one is an error,
/// and one that expires within a day causes a warning.
fn respond(
    credential: &Credential,
    scheme: Scheme,
    kind: CredentialKind,
    url: &str,
    now: SystemTime,
) -> Result<Answer, Error> {
    let origin = &credential.origin;
    debug!(
        "sending {scheme} {} from {origin} to {url}",
        credential.secret.fingerprint()
    );
    let Some(authorization) = Authorization::with_token(scheme, credential.secret.clone()) else {
        return Err(unsafe_header(origin));
    };

    let mut warnings = Vec::new();
    let expiry = match scheme {
        Scheme::Bearer => check_expiry(credential, kind, now, &mut warnings)?,
        Scheme::Token | Scheme::Basic => None,
    };

    let response = Response {
        authorization: Some(authorization),
        expires: expiry.map(jwt::Expiry::rfc3339),
        kind: Some(kind),
        source: Some(origin.to_string()),
        scope: None,
    };
    Ok(Answer { response, warnings })
}

/// Checks the expiry of a credential that is a JWT, and returns the expiry when it has one.
///
/// An expired credential is an error, and one that expires within a day adds a warning to
/// `warnings`.
pub(crate) fn check_expiry(
    credential: &Credential,
    kind: CredentialKind,
    now: SystemTime,
    warnings: &mut Vec<String>,
) -> Result<Option<jwt::Expiry>, Error> {
    let Some(expiry) = jwt::expiry(&credential.secret) else {
        return Ok(None);
    };
    let date = expiry.rfc3339();
    let origin = &credential.origin;
    match expiry.status(now) {
        ExpiryStatus::Expired => {
            return Err(Error::Expired {
                kind,
                origin: origin.clone(),
                expired_at: date,
            });
        }
        ExpiryStatus::ExpiresSoon(left) => {
            let hours = left.as_secs() / 3600;
            let minutes = left.as_secs() % 3600 / 60;
            warnings.push(format!(
                "the {kind} from {origin} expires at {date}, in {hours} h {minutes} min; replace it soon"
            ));
        }
        ExpiryStatus::Valid => {}
    }
    Ok(Some(expiry))
}

/// Builds the response with `Basic base64(<username>:<password>)`.
fn respond_basic(credential: &Credential, username: &str, url: &str) -> Result<Answer, Error> {
    let origin = &credential.origin;
    debug!(
        "sending Basic for {username} with {} from {origin} to {url}",
        credential.secret.fingerprint()
    );
    let Some(authorization) = Authorization::basic(username, &credential.secret) else {
        return Err(unsafe_header(origin));
    };
    let response = Response {
        authorization: Some(authorization),
        kind: Some(CredentialKind::ChannelPassword),
        source: Some(origin.to_string()),
        ..Response::default()
    };
    Ok(Answer {
        response,
        warnings: Vec::new(),
    })
}

fn unsafe_header(origin: &Origin) -> Error {
    Error::UnsafeHeader {
        origin: origin.clone(),
    }
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
    use std::fs;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::env::MapEnv;
    use crate::jwt::unsigned_jwt;
    use crate::keyring::{SERVICE, encode_record};
    use crate::vars::{API_KEY_VAR, CONFIG_VAR, HOME_VAR, LEGACY_API_KEY_VAR, SECRETS_DIR_VAR};

    const URI: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

    /// 2025-06-15T15:06:40Z, the time the tests run at.
    const NOW: u64 = 1_750_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn request(uri: &str) -> Request {
        Request {
            uri: uri.to_owned(),
        }
    }

    /// A temporary home with an empty config file of the helper, so no machine-wide
    /// config is read.
    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let fixture = Fixture {
                dir: tempfile::tempdir().unwrap(),
            };
            fixture.write_config("");
            fixture
        }

        fn config_path(&self) -> std::path::PathBuf {
            self.dir.path().join("config.toml")
        }

        fn write_config(&self, text: &str) {
            fs::write(self.config_path(), text).unwrap();
        }

        fn env(&self) -> MapEnv {
            MapEnv::new()
                .with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir")
                .with_var(HOME_VAR, self.dir.path())
                .with_var(CONFIG_VAR, self.config_path())
        }
    }

    fn json(uri: &str, env: &MapEnv, with_source: bool) -> String {
        let answer = answer(&request(uri), env, with_source, now()).expect("an answer");
        answer.response.to_json_line()
    }

    fn jwt_expiring_in(seconds: i64) -> String {
        unsigned_jwt(&serde_json::json!({"sub": "user", "exp": NOW as i64 + seconds}))
    }

    #[test]
    fn matching_url_gets_bearer() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "key-1234");
        let answer = answer(&request(URI), &env, false, now()).unwrap();
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]}}\n";
        assert_eq!(answer.response.to_json_line(), expected);
        assert!(answer.warnings.is_empty());
    }

    #[test]
    fn with_source_names_origin_and_scope() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "key-1234");
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]},\
                        \"kind\":\"API key\",\
                        \"source\":\"environment variable ANACONDA_AUTH_API_KEY\",\
                        \"scope\":\"https://repo.anaconda.cloud/\"}\n";
        assert_eq!(json(URI, &env, true), expected);
    }

    #[test]
    fn public_anaconda_host_gets_api_key() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "key-1234");
        let uri = "https://repo.anaconda.com/pkgs/main/noarch/repodata.json";
        let expected = "{\"headers\":{\"Authorization\":[\"Bearer key-1234\"]}}\n";
        assert_eq!(json(uri, &env, false), expected);
    }

    #[test]
    fn public_anaconda_host_without_key_gets_no_header() {
        let fixture = Fixture::new();
        let uri = "https://repo.anaconda.com/pkgs/main/noarch/repodata.json";
        let expected = "{\"headers\":{},\"scope\":\"https://repo.anaconda.com/\"}\n";
        assert_eq!(json(uri, &fixture.env(), true), expected);
    }

    #[test]
    fn foreign_url_gets_no_header() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "key-1234");
        assert_eq!(
            json("https://conda.anaconda.org/x", &env, false),
            "{\"headers\":{}}\n"
        );
        let with_scope = "{\"headers\":{},\"scope\":\"https://conda.anaconda.org/x\"}\n";
        assert_eq!(
            json("https://conda.anaconda.org/x?q#f", &env, true),
            with_scope
        );
    }

    #[test]
    fn foreign_url_ignores_broken_sources() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "bad key");
        let answer = answer(&request("http://repo.anaconda.cloud/x"), &env, false, now()).unwrap();
        assert_eq!(answer.response, Response::default());
    }

    #[test]
    fn unparsable_url_gets_no_scope() {
        let fixture = Fixture::new();
        assert_eq!(
            json("not a url", &fixture.env(), true),
            "{\"headers\":{}}\n"
        );
    }

    #[test]
    fn missing_key_is_error() {
        let fixture = Fixture::new();
        let error = answer(&request(URI), &fixture.env(), false, now()).unwrap_err();
        assert!(matches!(error, Error::KeyNotFound { .. }), "{error:?}");
    }

    #[test]
    fn legacy_variable_warns() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(LEGACY_API_KEY_VAR, "key-1234");
        let answer = answer(&request(URI), &env, false, now()).unwrap();
        assert!(answer.response.authorization.is_some());
        let warning = answer.warnings.first().expect("a deprecation warning");
        assert!(warning.contains(LEGACY_API_KEY_VAR), "{warning}");
    }

    #[test]
    fn expired_key_fails_with_date() {
        let fixture = Fixture::new();
        let key = jwt_expiring_in(-3600);
        let env = fixture.env().with_var(API_KEY_VAR, &key);
        let error = answer(&request(URI), &env, false, now()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the API key from environment variable ANACONDA_AUTH_API_KEY expired at \
             2025-06-15T14:06:40Z. Create a new API key in your Anaconda account and put it there"
        );
    }

    #[test]
    fn key_expiring_within_a_day_warns() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, jwt_expiring_in(5400));
        let answer = answer(&request(URI), &env, false, now()).unwrap();
        assert_eq!(
            answer.response.expires.as_deref(),
            Some("2025-06-15T16:36:40Z")
        );
        assert_eq!(
            answer.warnings,
            [
                "the API key from environment variable ANACONDA_AUTH_API_KEY expires at \
              2025-06-15T16:36:40Z, in 1 h 30 min; replace it soon"
            ]
        );
    }

    #[test]
    fn key_far_from_expiry_has_expires_field() {
        let fixture = Fixture::new();
        let key = jwt_expiring_in(90 * 86_400);
        let env = fixture.env().with_var(API_KEY_VAR, &key);
        let answer = answer(&request(URI), &env, false, now()).unwrap();
        assert!(answer.warnings.is_empty());
        let expected = format!(
            "{{\"headers\":{{\"Authorization\":[\"Bearer {key}\"]}},\"expires\":\"2025-09-13T15:06:40Z\"}}\n"
        );
        assert_eq!(answer.response.to_json_line(), expected);
    }

    #[test]
    fn key_that_is_not_jwt_has_no_expiry() {
        let fixture = Fixture::new();
        let env = fixture.env().with_var(API_KEY_VAR, "plain.key.value");
        let answer = answer(&request(URI), &env, false, now()).unwrap();
        assert_eq!(answer.response.expires, None);
        assert!(answer.warnings.is_empty());
    }

    #[test]
    fn org_repo_token_from_keyring() {
        let fixture = Fixture::new();
        let record = r#"{"api_key": "api-key-1", "repo_tokens": [
            {"token": "first-token", "org_name": "first-org"},
            {"token": "my-token", "org_name": "my-org"}]}"#;
        let keyring = serde_json::json!({ SERVICE: { "anaconda.com": encode_record(record) } });
        let dir = fixture.dir.path().join(".anaconda");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("keyring"), keyring.to_string()).unwrap();
        let env = fixture.env();

        let uri = "https://repo.anaconda.cloud/repo/my-org/chan/noarch/repodata.json";
        let keyring_path = dir.join("keyring");
        let expected = format!(
            "{{\"headers\":{{\"Authorization\":[\"token my-token\"]}},\
             \"kind\":\"repo token\",\"source\":\"keyring file {} (entry anaconda.com, repo token of org my-org)\",\
             \"scope\":\"https://repo.anaconda.cloud/repo/my-org/\"}}\n",
            keyring_path.display()
        );
        assert_eq!(json(uri, &env, true), expected);

        let main_x = "https://repo.anaconda.cloud/repo/main-x/noarch/repodata.json";
        assert_eq!(
            json(main_x, &env, false),
            "{\"headers\":{\"Authorization\":[\"Bearer api-key-1\"]}}\n"
        );
        let other = "https://repo.anaconda.cloud/repo/other-org/c/noarch/repodata.json";
        let first = "{\"headers\":{\"Authorization\":[\"token first-token\"]}}\n";
        assert_eq!(json(other, &env, false), first);
    }

    const CHANNELS: &str = r#"
[[channel]]
url = "https://basic.example/api/conda/*"
scheme = "Basic"
username = "builder"
secret = "BASIC_PASSWORD"

[[channel]]
url = "https://bearer.example/*"
scheme = "Bearer"
secret = "BEARER_TOKEN"

[[channel]]
url = "https://token.example/chan"
scheme = "token"
secret = "PLAIN_TOKEN"

[[channel]]
url = "http://127.0.0.1:8080/*"
scheme = "token"
secret = "PLAIN_TOKEN"
allow_insecure_http = true
"#;

    fn channel_env(fixture: &Fixture) -> MapEnv {
        fixture.write_config(CHANNELS);
        fixture
            .env()
            .with_var("BASIC_PASSWORD", "p@ss:w#rd%")
            .with_var("BEARER_TOKEN", "bearer-1")
            .with_var("PLAIN_TOKEN", "plain-1")
    }

    #[test]
    fn custom_channel_schemes() {
        let fixture = Fixture::new();
        let env = channel_env(&fixture);
        let basic = json(
            "https://basic.example/api/conda/c/noarch/repodata.json",
            &env,
            false,
        );
        // base64("builder:p@ss:w#rd%")
        assert_eq!(
            basic,
            "{\"headers\":{\"Authorization\":[\"Basic YnVpbGRlcjpwQHNzOncjcmQl\"]}}\n"
        );
        let bearer = json("https://bearer.example/c/x.conda", &env, false);
        assert_eq!(
            bearer,
            "{\"headers\":{\"Authorization\":[\"Bearer bearer-1\"]}}\n"
        );
        let token = json(
            "https://token.example/chan/noarch/repodata.json",
            &env,
            false,
        );
        assert_eq!(
            token,
            "{\"headers\":{\"Authorization\":[\"token plain-1\"]}}\n"
        );
        assert_eq!(
            json("https://token.example/other/x", &env, false),
            "{\"headers\":{}}\n"
        );
    }

    #[test]
    fn custom_channel_source_and_scope() {
        let fixture = Fixture::new();
        let env = channel_env(&fixture);
        let answer = answer(
            &request("https://basic.example/api/conda/c/x"),
            &env,
            true,
            now(),
        )
        .unwrap();
        assert_eq!(answer.response.kind, Some(CredentialKind::ChannelPassword));
        let source = answer.response.source.unwrap();
        let expected = format!(
            "environment variable BASIC_PASSWORD (channel https://basic.example/api/conda/* in {}, line 3)",
            fixture.config_path().display()
        );
        assert_eq!(source, expected);
        assert_eq!(
            answer.response.scope.as_deref(),
            Some("https://basic.example/api/conda/")
        );
    }

    #[test]
    fn insecure_channel_warns() {
        let fixture = Fixture::new();
        let env = channel_env(&fixture);
        let answer = answer(&request("http://127.0.0.1:8080/c/x"), &env, false, now()).unwrap();
        assert!(answer.response.authorization.is_some());
        let warning = answer.warnings.first().expect("a warning");
        assert!(
            warning.starts_with("sending the token for http://127.0.0.1:8080/c/x over plain HTTP"),
            "{warning}"
        );
    }

    #[test]
    fn custom_channel_without_secret_is_error() {
        let fixture = Fixture::new();
        fixture.write_config(CHANNELS);
        let error = answer(
            &request("https://bearer.example/c/x"),
            &fixture.env(),
            false,
            now(),
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("no token found for channel https://bearer.example/* in "),
            "{message}"
        );
        assert!(
            message.contains("searched environment variable BEARER_TOKEN (unset)"),
            "{message}"
        );
        assert!(
            message.ends_with("`RUN --mount=type=secret,id=BEARER_TOKEN`, or set BEARER_TOKEN"),
            "{message}"
        );
    }

    #[test]
    fn custom_channel_expired_bearer_fails() {
        let fixture = Fixture::new();
        let env = channel_env(&fixture).with_var("BEARER_TOKEN", jwt_expiring_in(-1));
        let error = answer(&request("https://bearer.example/c/x"), &env, false, now()).unwrap_err();
        assert!(matches!(error, Error::Expired { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the token from environment variable BEARER_TOKEN expired at 2025-06-15T15:06:39Z. \
             Put a new token there"
        );
    }

    #[test]
    fn invalid_password_names_variable() {
        let fixture = Fixture::new();
        let env = channel_env(&fixture).with_var("BASIC_PASSWORD", "line\nbreak");
        let error = answer(
            &request("https://basic.example/api/conda/c/x"),
            &env,
            false,
            now(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid password in environment variable BASIC_PASSWORD: it contains a line break. \
             Keep only the password there, on a single line"
        );
    }

    #[test]
    fn invalid_config_fails_only_other_urls() {
        let fixture = Fixture::new();
        fixture.write_config("[[channel]]\nurl = 5\n");
        let env = fixture.env().with_var(API_KEY_VAR, "key-1234");
        assert!(answer(&request(URI), &env, false, now()).is_ok());
        let error = answer(&request("https://a.example/x"), &env, false, now()).unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
    }
}
