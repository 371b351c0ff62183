//! The channels that `exec` writes credentials for, and the host keys clients look them up by.

use std::fmt;
use std::time::SystemTime;

use tracing::debug;
use url::Url;

use crate::anaconda::{self, AnacondaCredentials};
use crate::config::{self, ChannelConfig, ChannelEntry};
use crate::env::Environment;
use crate::error::Error;
use crate::exec::error::ExecError;
use crate::get;
use crate::header::Scheme;
use crate::kind::CredentialKind;
use crate::redact::redact_url;
use crate::secret::Secret;
use crate::source::Origin;
use crate::vars::{ANACONDA_PUBLIC_HOSTS, ANACONDA_REPO_HOST, API_KEY_VAR};

/// The characters that make a config file's host a pattern, as `fnmatch` reads them.
const WILDCARDS: [char; 3] = ['*', '?', '['];

/// Scheme by which a channel's credential is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic <base64 of username:password>`.
    Basic {
        /// The user name, which is not secret.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A token that the client inserts into the URL path as `/t/<token>/`.
    CondaToken(Secret),
}

/// A channel with the credential that `exec` hands to the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelCredential {
    /// The channel URL.
    pub url: Url,
    /// The credential and how it is sent.
    pub authentication: Authentication,
    /// Source of the credential, for messages.
    pub origin: Origin,
    /// Whether the configuration allows sending the credential over plain `http`.
    pub allow_insecure_http: bool,
}

impl ChannelCredential {
    /// Returns the host without port, the key that rattler looks credentials up by.
    ///
    /// rattler's `AuthenticationStorage::get_by_url` uses `Url::host_str`, which is
    /// lower-case and keeps the brackets of an IPv6 address.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// Returns the keys that libmamba looks this channel up by: the host, followed by
    /// `:<port>` when the URL names a port.
    ///
    /// libmamba builds the key from the port as written in the request URL, so a channel
    /// on the scheme's default port gets a second key with that port written out.
    pub fn mamba_keys(&self) -> Vec<String> {
        let host = self.host();
        match (self.url.port(), self.url.port_or_known_default()) {
            (Some(port), _) => vec![format!("{host}:{port}")],
            (None, Some(default)) => vec![host.to_owned(), format!("{host}:{default}")],
            (None, None) => vec![host.to_owned()],
        }
    }
}

impl fmt::Display for ChannelCredential {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", redact_url(self.url.as_str()))
    }
}

/// The channels to write, with one-line warnings to print before the command runs.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The channels, Anaconda's hosts first, then the config file's in file order.
    pub channels: Vec<ChannelCredential>,
    /// Warnings, such as a deprecated source or a key that expires soon.
    pub warnings: Vec<String>,
}

/// Resolves the credential of every channel: Anaconda's hosts, then each `[[channel]]` of
/// the helper's config file.
///
/// Anaconda's hosts get the API key as a Bearer token. Without Anaconda credentials they
/// are left out when the config file adds channels, and otherwise the missing key is an
/// error. An expired JWT is an error, as in `get`.
pub fn resolve_channels(env: &dyn Environment, now: SystemTime) -> Result<Resolved, ExecError> {
    let config = config::load(env).map_err(Error::from)?;
    let has_custom = config
        .as_ref()
        .is_some_and(|config| !config.channels.is_empty());
    let mut resolved = Resolved::default();

    match anaconda::find(env) {
        Ok(credentials) => add_anaconda_hosts(&credentials, has_custom, now, &mut resolved)?,
        Err(Error::KeyNotFound { .. }) if has_custom => {
            debug!("no Anaconda credentials; writing the config file's channels only");
        }
        Err(error) => return Err(error.into()),
    }
    if let Some(config) = &config {
        for entry in &config.channels {
            let channel = custom_channel(env, config, entry, now, &mut resolved.warnings)?;
            resolved.channels.push(channel);
        }
    }
    Ok(resolved)
}

/// Adds Anaconda's hosts with the API key.
///
/// NOTE: `get` sends repo.anaconda.cloud an organization's repo token as `token <token>`
/// when the keyring has one. The auth files hold one credential per host and no `token`
/// scheme, so `exec` sends the API key there, and without an API key it cannot cover
/// repo.anaconda.cloud.
fn add_anaconda_hosts(
    credentials: &AnacondaCredentials,
    has_custom: bool,
    now: SystemTime,
    resolved: &mut Resolved,
) -> Result<(), ExecError> {
    let Some(api_key) = &credentials.api_key else {
        if !has_custom {
            return Err(ExecError::RepoTokensOnly);
        }
        resolved.warnings.push(format!(
            "{ANACONDA_REPO_HOST} gets no credential, because only repo tokens were found and \
             the auth file cannot send them; set {API_KEY_VAR} to include it"
        ));
        return Ok(());
    };

    resolved.warnings.extend(api_key.deprecation_warning());
    get::check_expiry(api_key, CredentialKind::ApiKey, now, &mut resolved.warnings)?;
    let hosts = std::iter::once(ANACONDA_REPO_HOST).chain(ANACONDA_PUBLIC_HOSTS);
    for host in hosts {
        let url = Url::parse(&format!("https://{host}/")).expect("a valid URL");
        resolved.channels.push(ChannelCredential {
            url,
            authentication: Authentication::Bearer(api_key.secret.clone()),
            origin: api_key.origin.clone(),
            allow_insecure_http: false,
        });
    }
    Ok(())
}

/// Resolves one `[[channel]]` of the config file.
fn custom_channel(
    env: &dyn Environment,
    config: &ChannelConfig,
    entry: &ChannelEntry,
    now: SystemTime,
    warnings: &mut Vec<String>,
) -> Result<ChannelCredential, ExecError> {
    let channel = get::describe(config, entry);
    let Ok(url) = Url::parse(entry.pattern.as_str()) else {
        return Err(ExecError::UnsupportedPattern { channel });
    };
    let credential = get::channel_secret(env, config, entry)?;
    let authentication = match entry.scheme {
        Scheme::Bearer => {
            get::check_expiry(
                &credential,
                CredentialKind::of_channel(entry.scheme),
                now,
                warnings,
            )?;
            Authentication::Bearer(credential.secret)
        }
        Scheme::Basic => Authentication::Basic {
            username: entry.username.clone().unwrap_or_default(),
            password: credential.secret,
        },
        Scheme::Token => return Err(ExecError::TokenScheme { channel }),
    };
    Ok(ChannelCredential {
        url,
        authentication,
        origin: credential.origin,
        allow_insecure_http: entry.allow_insecure_http,
    })
}

/// Accepts a wildcard in the host only as a leading `*.`, which rattler matches against
/// every subdomain, and not at all for libmamba, whose keys have no wildcards.
fn check_wildcard(channel: &ChannelCredential, mamba: bool) -> Result<(), ExecError> {
    let host = channel.host();
    if !host.contains(WILDCARDS) {
        return Ok(());
    }
    let subdomains = host
        .strip_prefix("*.")
        .is_some_and(|rest| !rest.contains(WILDCARDS));
    if subdomains && !mamba {
        return Ok(());
    }
    Err(ExecError::WildcardHost {
        channel: channel.to_string(),
        mamba,
    })
}

/// Checks that every channel may get its credential through a host-keyed auth file.
///
/// rattler and libmamba look credentials up by host and send them whatever the scheme, so
/// a plain `http` channel would expose the credential on the network. It is rejected
/// unless its configuration sets `allow_insecure_http`. Channels without a host, or with a
/// scheme other than `http` and `https`, are rejected too, and so are two channels on one
/// host with different credentials, because the file has one entry per host. With `mamba`,
/// a host must not contain a wildcard.
pub fn check_channels(channels: &[ChannelCredential], mamba: bool) -> Result<(), ExecError> {
    for (index, channel) in channels.iter().enumerate() {
        match channel.url.scheme() {
            "https" => {}
            "http" if channel.allow_insecure_http => {}
            "http" => {
                return Err(ExecError::InsecureChannel {
                    channel: channel.to_string(),
                });
            }
            scheme => {
                return Err(ExecError::UnsupportedScheme {
                    channel: channel.to_string(),
                    scheme: scheme.to_owned(),
                });
            }
        }
        if channel.host().is_empty() {
            return Err(ExecError::NoHost {
                channel: channel.to_string(),
            });
        }
        check_wildcard(channel, mamba)?;
        let conflict = channels[..index].iter().find(|earlier| {
            earlier.host() == channel.host() && earlier.authentication != channel.authentication
        });
        if let Some(earlier) = conflict {
            return Err(ExecError::HostConflict {
                host: channel.host().to_owned(),
                first: earlier.to_string(),
                second: channel.to_string(),
            });
        }
    }
    Ok(())
}

/// Builds a channel credential from a test variable, for the tests of the auth files.
#[cfg(test)]
pub fn test_channel(url: &str, authentication: Authentication) -> ChannelCredential {
    ChannelCredential {
        url: Url::parse(url).unwrap(),
        authentication,
        origin: Origin::EnvVar("TEST".to_owned()),
        allow_insecure_http: false,
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::env::MapEnv;
    use crate::jwt::unsigned_jwt;
    use crate::vars::{CONFIG_VAR, HOME_VAR, SECRETS_DIR_VAR};

    const NOW_SECONDS: u64 = 1_800_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_SECONDS)
    }

    fn channel(url: &str, allow_insecure_http: bool) -> ChannelCredential {
        ChannelCredential {
            url: Url::parse(url).unwrap(),
            authentication: Authentication::Bearer(Secret::new("key-1234")),
            origin: Origin::EnvVar(API_KEY_VAR.to_owned()),
            allow_insecure_http,
        }
    }

    /// An environment with no credentials and no config file, whose home is `dir`.
    fn env_in(dir: &tempfile::TempDir) -> MapEnv {
        MapEnv::new()
            .with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir")
            .with_var(HOME_VAR, dir.path())
    }

    /// Returns `env_in(dir)` with a config file of `text`.
    fn env_with_config(dir: &tempfile::TempDir, text: &str) -> MapEnv {
        let path = dir.path().join("config.toml");
        fs::write(&path, text).unwrap();
        env_in(dir).with_var(CONFIG_VAR, path)
    }

    fn hosts(resolved: &Resolved) -> Vec<&str> {
        resolved
            .channels
            .iter()
            .map(ChannelCredential::host)
            .collect()
    }

    #[test]
    fn api_key_covers_anaconda_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_in(&dir).with_var(API_KEY_VAR, "key-1234");
        let resolved = resolve_channels(&env, now()).unwrap();
        let expected = [
            "repo.anaconda.cloud",
            "repo.anaconda.com",
            "repo.continuum.io",
        ];
        assert_eq!(hosts(&resolved), expected);
        let bearer = Authentication::Bearer(Secret::new("key-1234"));
        assert_eq!(resolved.channels[0].authentication, bearer);
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
    }

    #[test]
    fn missing_key_without_config_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = resolve_channels(&env_in(&dir), now()).unwrap_err();
        assert!(error.to_string().starts_with("no API key found"), "{error}");
    }

    #[test]
    fn config_channels_follow_anaconda_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[[channel]]\nurl = \"https://conda.example.com/a/*\"\nscheme = \"Basic\"\n\
             username = \"builder\"\nsecret = \"EXAMPLE_PASSWORD\"\n";
        let env = env_with_config(&dir, config)
            .with_var(API_KEY_VAR, "key-1234")
            .with_var("EXAMPLE_PASSWORD", "pw-1234");
        let resolved = resolve_channels(&env, now()).unwrap();
        assert_eq!(hosts(&resolved)[3], "conda.example.com");
        let expected = Authentication::Basic {
            username: "builder".to_owned(),
            password: Secret::new("pw-1234"),
        };
        assert_eq!(resolved.channels[3].authentication, expected);
    }

    #[test]
    fn config_alone_needs_no_api_key() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[[channel]]\nurl = \"https://conda.example.com/\"\nscheme = \"Bearer\"\n\
             secret = \"EXAMPLE_TOKEN\"\n";
        let env = env_with_config(&dir, config).with_var("EXAMPLE_TOKEN", "tok-1234");
        let resolved = resolve_channels(&env, now()).unwrap();
        assert_eq!(hosts(&resolved), ["conda.example.com"]);
    }

    #[test]
    fn token_scheme_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[[channel]]\nurl = \"https://conda.example.com/\"\nscheme = \"token\"\n\
             secret = \"EXAMPLE_TOKEN\"\n";
        let env = env_with_config(&dir, config).with_var("EXAMPLE_TOKEN", "tok-1234");
        let error = resolve_channels(&env, now()).unwrap_err();
        assert!(matches!(error, ExecError::TokenScheme { .. }), "{error:?}");
        assert!(error.to_string().contains("config.toml"), "{error}");
    }

    #[test]
    fn missing_channel_secret_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[[channel]]\nurl = \"https://conda.example.com/\"\nscheme = \"Bearer\"\n\
             secret = \"EXAMPLE_TOKEN\"\n";
        let error = resolve_channels(&env_with_config(&dir, config), now()).unwrap_err();
        assert!(error.to_string().contains("EXAMPLE_TOKEN"), "{error}");
    }

    #[test]
    fn expired_api_key_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let key = unsigned_jwt(&serde_json::json!({ "exp": NOW_SECONDS - 60 }));
        let env = env_in(&dir).with_var(API_KEY_VAR, key);
        let error = resolve_channels(&env, now()).unwrap_err();
        assert!(error.to_string().contains("expired at"), "{error}");
    }

    #[test]
    fn expired_channel_token_names_token() {
        let dir = tempfile::tempdir().unwrap();
        let config = "[[channel]]\nurl = \"https://conda.example.com/\"\nscheme = \"Bearer\"\n\
             secret = \"EXAMPLE_TOKEN\"\n";
        let token = unsigned_jwt(&serde_json::json!({ "exp": NOW_SECONDS - 60 }));
        let env = env_with_config(&dir, config).with_var("EXAMPLE_TOKEN", token);
        let error = resolve_channels(&env, now()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("the token from environment variable EXAMPLE_TOKEN expired at"),
            "{message}"
        );
        assert!(message.ends_with("Put a new token there"), "{message}");
    }

    #[test]
    fn expiring_api_key_warns() {
        let dir = tempfile::tempdir().unwrap();
        let key = unsigned_jwt(&serde_json::json!({ "exp": NOW_SECONDS + 3600 }));
        let env = env_in(&dir).with_var(API_KEY_VAR, key);
        let resolved = resolve_channels(&env, now()).unwrap();
        assert_eq!(resolved.warnings.len(), 1, "{:?}", resolved.warnings);
        assert!(
            resolved.warnings[0].contains("1 h 0 min"),
            "{:?}",
            resolved.warnings
        );
    }

    #[test]
    fn host_drops_port_and_case() {
        assert_eq!(
            channel("https://Repo.Example:8443/x", false).host(),
            "repo.example"
        );
        assert_eq!(channel("https://[::1]:8443/x", false).host(), "[::1]");
    }

    #[test]
    fn mamba_keys_follow_port() {
        let cases = [
            (
                "https://repo.example/x",
                vec!["repo.example", "repo.example:443"],
            ),
            (
                "https://repo.example:443/x",
                vec!["repo.example", "repo.example:443"],
            ),
            ("https://repo.example:8443/x", vec!["repo.example:8443"]),
            ("http://127.0.0.1:8080/x", vec!["127.0.0.1:8080"]),
        ];
        for (url, expected) in cases {
            assert_eq!(channel(url, true).mamba_keys(), expected, "{url}");
        }
    }

    #[test]
    fn https_channel_passes() {
        check_channels(&[channel("https://repo.example/", false)], false).unwrap();
    }

    #[test]
    fn http_channel_is_rejected() {
        let error = check_channels(&[channel("http://user:pw@repo.example/x", false)], false);
        let message = error.unwrap_err().to_string();
        assert!(message.contains("http://repo.example/x"), "{message}");
        assert!(message.contains("allow_insecure_http"), "{message}");
        assert!(!message.contains("pw"), "{message}");
    }

    #[test]
    fn http_channel_allowed_by_config() {
        check_channels(&[channel("http://127.0.0.1:8080/x", true)], false).unwrap();
    }

    #[test]
    fn subdomain_wildcard_only_for_rattler() {
        let channels = [channel("https://*.example.com/*", false)];
        assert_eq!(channels[0].host(), "*.example.com");
        check_channels(&channels, false).unwrap();
        let error = check_channels(&channels, true).unwrap_err();
        assert!(error.to_string().contains("--mamba"), "{error}");
    }

    #[test]
    fn inner_wildcard_host_is_rejected() {
        let error = check_channels(&[channel("https://repo*.example.com/", false)], false);
        let error = error.unwrap_err();
        assert!(matches!(error, ExecError::WildcardHost { .. }), "{error:?}");
    }

    #[test]
    fn same_host_same_credential_passes() {
        let channels = [
            channel("https://repo.example/a", false),
            channel("https://repo.example:8443/b", false),
        ];
        check_channels(&channels, false).unwrap();
    }

    #[test]
    fn same_host_other_credential_is_rejected() {
        let mut second = channel("https://repo.example/b", false);
        second.authentication = Authentication::Bearer(Secret::new("key-5678"));
        let channels = [channel("https://repo.example/a", false), second];
        let message = check_channels(&channels, false).unwrap_err().to_string();
        assert!(message.contains("repo.example/a"), "{message}");
        assert!(message.contains("repo.example/b"), "{message}");
        assert!(!message.contains("5678"), "{message}");
    }

    #[test]
    fn other_scheme_is_rejected() {
        let error = check_channels(&[channel("ftp://repo.example/x", true)], false).unwrap_err();
        assert!(
            matches!(error, ExecError::UnsupportedScheme { .. }),
            "{error:?}"
        );
    }
}
