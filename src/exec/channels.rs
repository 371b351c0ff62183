//! The channels that `exec` writes credentials for, and the host keys clients look them up by.

use std::fmt;

use url::Url;

use crate::env::Environment;
use crate::exec::error::ExecError;
use crate::redact::redact_url;
use crate::secret::Secret;
use crate::source::{Origin, find_credential};
use crate::vars::ANACONDA_REPO_HOST;

/// How a channel's credential is sent.
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
    /// Where the credential was read, for messages.
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

/// Resolves the credential of every configured channel, and returns the channels with
/// one-line warnings about deprecated sources.
///
/// The built-in channel is `https://repo.anaconda.cloud/` with the API key as a Bearer
/// token, found by [`find_credential`].
pub fn resolve_channels(
    env: &dyn Environment,
) -> Result<(Vec<ChannelCredential>, Vec<String>), ExecError> {
    let credential = find_credential(env)?;
    let warnings = credential.deprecation_warning().into_iter().collect();
    let url = Url::parse(&format!("https://{ANACONDA_REPO_HOST}/")).expect("a valid URL");
    let channel = ChannelCredential {
        url,
        authentication: Authentication::Bearer(credential.secret),
        origin: credential.origin,
        allow_insecure_http: false,
    };
    Ok((vec![channel], warnings))
}

/// Checks that every channel may get its credential through a host-keyed auth file.
///
/// rattler and libmamba look credentials up by host and send them whatever the scheme, so
/// a plain `http` channel would expose the credential on the network. It is rejected
/// unless its configuration sets `allow_insecure_http`. Channels without a host, or with a
/// scheme other than `http` and `https`, are rejected too, and so are two channels on one
/// host with different credentials, because the file has one entry per host.
pub fn check_channels(channels: &[ChannelCredential]) -> Result<(), ExecError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use crate::vars::{API_KEY_VAR, SECRETS_DIR_VAR};

    fn channel(url: &str, allow_insecure_http: bool) -> ChannelCredential {
        ChannelCredential {
            url: Url::parse(url).unwrap(),
            authentication: Authentication::Bearer(Secret::new("key-1234")),
            origin: Origin::EnvVar(API_KEY_VAR),
            allow_insecure_http,
        }
    }

    #[test]
    fn builtin_channel_uses_api_key() {
        let env = MapEnv::new()
            .with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir")
            .with_var(API_KEY_VAR, "key-1234");
        let (channels, warnings) = resolve_channels(&env).unwrap();
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(channels.len(), 1);
        assert_eq!(channels[0].host(), "repo.anaconda.cloud");
        let expected = Authentication::Bearer(Secret::new("key-1234"));
        assert_eq!(channels[0].authentication, expected);
    }

    #[test]
    fn builtin_channel_without_key_is_error() {
        let env = MapEnv::new().with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir");
        let error = resolve_channels(&env).unwrap_err();
        assert!(error.to_string().starts_with("no API key found"), "{error}");
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
        check_channels(&[channel("https://repo.example/", false)]).unwrap();
    }

    #[test]
    fn http_channel_is_rejected() {
        let error = check_channels(&[channel("http://user:pw@repo.example/x", false)]);
        let message = error.unwrap_err().to_string();
        assert!(message.contains("http://repo.example/x"), "{message}");
        assert!(message.contains("allow_insecure_http"), "{message}");
        assert!(!message.contains("pw"), "{message}");
    }

    #[test]
    fn http_channel_allowed_by_config() {
        check_channels(&[channel("http://127.0.0.1:8080/x", true)]).unwrap();
    }

    #[test]
    fn same_host_same_credential_passes() {
        let channels = [
            channel("https://repo.example/a", false),
            channel("https://repo.example:8443/b", false),
        ];
        check_channels(&channels).unwrap();
    }

    #[test]
    fn same_host_other_credential_is_rejected() {
        let mut second = channel("https://repo.example/b", false);
        second.authentication = Authentication::Bearer(Secret::new("key-5678"));
        let channels = [channel("https://repo.example/a", false), second];
        let message = check_channels(&channels).unwrap_err().to_string();
        assert!(message.contains("repo.example/a"), "{message}");
        assert!(message.contains("repo.example/b"), "{message}");
        assert!(!message.contains("5678"), "{message}");
    }

    #[test]
    fn other_scheme_is_rejected() {
        let error = check_channels(&[channel("ftp://repo.example/x", true)]).unwrap_err();
        assert!(
            matches!(error, ExecError::UnsupportedScheme { .. }),
            "{error:?}"
        );
    }
}
