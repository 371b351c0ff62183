//! The kinds of credential the helper sends, named as messages name them.

use std::fmt;

use crate::header::Scheme;
use crate::vars::API_KEY_VAR;

/// The kind of a credential: an Anaconda API key or repo token, or the secret of a
/// `[[channel]]` table of the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// An Anaconda API key, sent as `Bearer`.
    ApiKey,
    /// An organization's repo token from an anaconda-auth keyring, sent as `token`.
    RepoToken,
    /// The token of a custom channel, sent as `Bearer` or `token`.
    ChannelToken,
    /// The password of a custom channel, sent with its username as `Basic`.
    ChannelPassword,
}

impl CredentialKind {
    /// Returns the kind of the secret that a `[[channel]]` table with `scheme` sends.
    pub fn of_channel(scheme: Scheme) -> CredentialKind {
        match scheme {
            Scheme::Basic => CredentialKind::ChannelPassword,
            Scheme::Bearer | Scheme::Token => CredentialKind::ChannelToken,
        }
    }

    /// Returns the noun for the credential in messages, such as `API key`.
    pub fn noun(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "API key",
            CredentialKind::RepoToken => "repo token",
            CredentialKind::ChannelToken => "token",
            CredentialKind::ChannelPassword => "password",
        }
    }

    /// Returns what to do about an expired credential, as a sentence that calls its
    /// source "there".
    pub fn expired_fix(self) -> String {
        match self {
            CredentialKind::ApiKey => {
                "Create a new API key in your Anaconda account and put it there".to_owned()
            }
            // An API key in the variable, secret file or `.env` comes before every keyring.
            CredentialKind::RepoToken => format!(
                "Create an API key in your Anaconda account and pass it as the {API_KEY_VAR} secret, which the helper uses instead of the keyring"
            ),
            CredentialKind::ChannelToken | CredentialKind::ChannelPassword => {
                format!("Put a new {} there", self.noun())
            }
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.noun())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_kind_follows_scheme() {
        assert_eq!(
            CredentialKind::of_channel(Scheme::Basic),
            CredentialKind::ChannelPassword
        );
        assert_eq!(
            CredentialKind::of_channel(Scheme::Bearer),
            CredentialKind::ChannelToken
        );
        assert_eq!(
            CredentialKind::of_channel(Scheme::Token),
            CredentialKind::ChannelToken
        );
    }

    #[test]
    fn expired_fix_names_right_credential() {
        let api_key = CredentialKind::ApiKey.expired_fix();
        assert!(api_key.starts_with("Create a new API key"), "{api_key}");
        let repo_token = CredentialKind::RepoToken.expired_fix();
        assert!(repo_token.contains(API_KEY_VAR), "{repo_token}");
        let token = CredentialKind::ChannelToken.expired_fix();
        assert_eq!(token, "Put a new token there");
    }
}
