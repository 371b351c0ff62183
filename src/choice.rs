//! The choice of the Anaconda credential and its scheme for a URL, and the URLs that share
//! that choice.
//!
//! anaconda-auth's rules, per host:
//! - `repo.anaconda.com` and `repo.continuum.io` receive the API key as `Bearer`.
//! - `repo.anaconda.cloud` receives a repo token as `token`: the token of the organization
//!   in `/repo/<org>/...`, else the first token. It receives the API key instead for
//!   `/repo/main-x/` (compared in lower case) and when `use_unified_repo_api_key` is set.
//! - When the preferred kind is missing, the other kind is sent.
//!
//! NOTE: anaconda-auth sends nothing to repo.anaconda.cloud when it has an API key but no
//! repo token, unless the key is in the environment variable. The helper sends the API
//! key, wherever it was found, which is what a build secret needs.

use crate::anaconda::{AnacondaCredentials, Credential};
use crate::header::Scheme;
use crate::kind::CredentialKind;
use crate::rules::{AnacondaHost, AnacondaUrl};

/// The path prefix of repo.anaconda.cloud channels, followed by the organization.
const REPO_PREFIX: &str = "/repo/";

/// The channel of repo.anaconda.cloud that needs the API key rather than a repo token.
const MAIN_X_PREFIX: &str = "/repo/main-x/";

/// The credential chosen for a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<'c> {
    /// The credential and its origin.
    pub credential: &'c Credential,
    /// The scheme to send it with.
    pub scheme: Scheme,
    /// The URL prefix to which the same choice applies.
    pub scope: String,
}

impl Choice<'_> {
    /// Returns what the chosen credential is: the API key goes as `Bearer`, a repo token
    /// as `token`.
    pub fn kind(&self) -> CredentialKind {
        match self.scheme {
            Scheme::Token => CredentialKind::RepoToken,
            Scheme::Bearer | Scheme::Basic => CredentialKind::ApiKey,
        }
    }
}

/// Chooses the credential for `url`, or `None` when `credentials` is empty.
pub fn choose<'c>(credentials: &'c AnacondaCredentials, url: &AnacondaUrl) -> Option<Choice<'c>> {
    let path = url.path.as_str();
    let is_main_x = path.to_ascii_lowercase().starts_with(MAIN_X_PREFIX);
    let prefers_api_key = match url.host {
        AnacondaHost::Public(_) => true,
        AnacondaHost::Cloud => is_main_x || credentials.use_unified_repo_api_key,
    };

    let api_key = credentials.api_key.as_ref();
    let repo_token = repo_token_for(credentials, path);
    let (credential, scheme) = match (prefers_api_key, api_key, repo_token) {
        (true, Some(key), _) | (false, Some(key), None) => (key, Scheme::Bearer),
        (_, _, Some(token)) => (token, Scheme::Token),
        (_, None, None) => return None,
    };

    // The choice is the same on the whole host when it never depends on the path: the
    // API key everywhere, because there is no repo token or the host always prefers it.
    let host_wide = scheme == Scheme::Bearer
        && (credentials.repo_tokens.is_empty()
            || url.host != AnacondaHost::Cloud
            || credentials.use_unified_repo_api_key);
    let scope = if host_wide {
        url.origin()
    } else {
        channel_scope(url)
    };
    Some(Choice {
        credential,
        scheme,
        scope,
    })
}

/// Returns the repo token for `path`: the one of its organization, else the first.
fn repo_token_for<'c>(credentials: &'c AnacondaCredentials, path: &str) -> Option<&'c Credential> {
    let org = organization(path);
    let tokens = &credentials.repo_tokens;
    let own = tokens
        .iter()
        .find(|token| token.org_name.as_deref() == Some(org));
    own.or(tokens.first()).map(|token| &token.credential)
}

/// Returns the organization of a path as anaconda-auth reads it: the segment after
/// `/repo/`, or the empty string for other paths.
fn organization(path: &str) -> &str {
    let rest = path.strip_prefix(REPO_PREFIX).unwrap_or(path);
    rest.split('/').next().unwrap_or_default()
}

/// Returns the prefix that shares the choice with `url` when the choice depends on the
/// organization: `https://repo.anaconda.cloud/repo/<org>/`, or the URL itself when its
/// path is not inside such a folder.
fn channel_scope(url: &AnacondaUrl) -> String {
    let origin = url.origin();
    if let Some(rest) = url.path.strip_prefix(REPO_PREFIX) {
        if let Some((org, _)) = rest.split_once('/') {
            if !org.is_empty() {
                return format!("{origin}repo/{org}/");
            }
        }
    }
    format!("{origin}{}", url.path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anaconda::RepoTokenCredential;
    use crate::rules::anaconda_url;
    use crate::secret::Secret;
    use crate::source::Origin;

    const CLOUD: &str = "https://repo.anaconda.cloud";

    fn credential(value: &str) -> Credential {
        Credential {
            secret: Secret::new(value),
            origin: Origin::EnvVar(format!("TEST_{value}")),
        }
    }

    fn token(value: &str, org: Option<&str>) -> RepoTokenCredential {
        RepoTokenCredential {
            credential: credential(value),
            org_name: org.map(str::to_owned),
        }
    }

    fn with_tokens(api_key: Option<&str>) -> AnacondaCredentials {
        AnacondaCredentials {
            api_key: api_key.map(credential),
            repo_tokens: vec![
                token("first-token", Some("first-org")),
                token("my-token", Some("my-org")),
                token("orgless-token", None),
            ],
            use_unified_repo_api_key: false,
        }
    }

    /// Returns the chosen value, the scheme and the scope for `uri`.
    fn chosen(credentials: &AnacondaCredentials, uri: &str) -> Option<(String, Scheme, String)> {
        let url = anaconda_url(uri).expect("an Anaconda URL");
        choose(credentials, &url).map(|choice| {
            let value = choice.credential.secret.expose().to_owned();
            (value, choice.scheme, choice.scope)
        })
    }

    fn expect(value: &str, scheme: Scheme, scope: &str) -> Option<(String, Scheme, String)> {
        Some((value.to_owned(), scheme, scope.to_owned()))
    }

    #[test]
    fn org_token_for_its_channel() {
        let credentials = with_tokens(Some("api-key"));
        let uri = format!("{CLOUD}/repo/my-org/my-channel/noarch/repodata.json");
        let expected = expect(
            "my-token",
            Scheme::Token,
            "https://repo.anaconda.cloud/repo/my-org/",
        );
        assert_eq!(chosen(&credentials, &uri), expected);
    }

    #[test]
    fn first_token_for_other_org() {
        let credentials = with_tokens(None);
        let uri = format!("{CLOUD}/repo/main/noarch/repodata.json");
        let expected = expect(
            "first-token",
            Scheme::Token,
            "https://repo.anaconda.cloud/repo/main/",
        );
        assert_eq!(chosen(&credentials, &uri), expected);
    }

    #[test]
    fn org_match_is_case_sensitive() {
        let credentials = with_tokens(None);
        let uri = format!("{CLOUD}/repo/My-Org/x/noarch/repodata.json");
        assert_eq!(chosen(&credentials, &uri).unwrap().0, "first-token");
    }

    #[test]
    fn main_x_gets_api_key() {
        let credentials = with_tokens(Some("api-key"));
        for path in [
            "/repo/main-x/noarch/repodata.json",
            "/repo/Main-X/linux-64/x.conda",
        ] {
            let (value, scheme, scope) = chosen(&credentials, &format!("{CLOUD}{path}")).unwrap();
            assert_eq!(
                (value.as_str(), scheme),
                ("api-key", Scheme::Bearer),
                "{path}"
            );
            let folder = &path[..13];
            assert_eq!(
                scope,
                format!("https://repo.anaconda.cloud{folder}"),
                "{path}"
            );
        }
    }

    #[test]
    fn main_x_without_api_key_gets_token() {
        let credentials = with_tokens(None);
        let uri = format!("{CLOUD}/repo/main-x/noarch/repodata.json");
        let scope = "https://repo.anaconda.cloud/repo/main-x/";
        assert_eq!(
            chosen(&credentials, &uri),
            expect("first-token", Scheme::Token, scope)
        );
    }

    #[test]
    fn unified_flag_sends_api_key_everywhere() {
        let mut credentials = with_tokens(Some("api-key"));
        credentials.use_unified_repo_api_key = true;
        let uri = format!("{CLOUD}/repo/my-org/c/noarch/repodata.json");
        let expected = expect("api-key", Scheme::Bearer, "https://repo.anaconda.cloud/");
        assert_eq!(chosen(&credentials, &uri), expected);
    }

    #[test]
    fn unified_flag_without_api_key_keeps_tokens() {
        let mut credentials = with_tokens(None);
        credentials.use_unified_repo_api_key = true;
        let uri = format!("{CLOUD}/repo/my-org/c/noarch/repodata.json");
        assert_eq!(chosen(&credentials, &uri).unwrap().0, "my-token");
    }

    #[test]
    fn api_key_alone_serves_whole_host() {
        let credentials = AnacondaCredentials {
            api_key: Some(credential("api-key")),
            ..AnacondaCredentials::default()
        };
        let uri = format!("{CLOUD}/repo/my-org/c/noarch/repodata.json");
        let expected = expect("api-key", Scheme::Bearer, "https://repo.anaconda.cloud/");
        assert_eq!(chosen(&credentials, &uri), expected);
    }

    #[test]
    fn public_hosts_get_api_key() {
        let credentials = with_tokens(Some("api-key"));
        for (uri, scope) in [
            (
                "https://repo.anaconda.com/pkgs/main/noarch/repodata.json",
                "https://repo.anaconda.com/",
            ),
            (
                "https://repo.continuum.io/pkgs/free/x.tar.bz2",
                "https://repo.continuum.io/",
            ),
        ] {
            assert_eq!(
                chosen(&credentials, uri),
                expect("api-key", Scheme::Bearer, scope)
            );
        }
    }

    #[test]
    fn public_host_without_api_key_gets_token() {
        let credentials = with_tokens(None);
        let uri = "https://repo.anaconda.com/pkgs/main/noarch/repodata.json";
        let expected = expect("first-token", Scheme::Token, uri);
        assert_eq!(chosen(&credentials, uri), expected);
    }

    #[test]
    fn path_outside_repo_folder_scopes_to_url() {
        let credentials = with_tokens(None);
        let uri = format!("{CLOUD}/other/file.json");
        let expected = expect("first-token", Scheme::Token, &uri);
        assert_eq!(chosen(&credentials, &uri), expected);
        let bare = format!("{CLOUD}/repo/my-org");
        assert_eq!(
            chosen(&credentials, &bare),
            expect("my-token", Scheme::Token, &bare)
        );
    }

    #[test]
    fn empty_token_org_matches_no_org() {
        let mut credentials = with_tokens(None);
        credentials
            .repo_tokens
            .push(token("empty-org-token", Some("")));
        let uri = format!("{CLOUD}/other/file.json");
        assert_eq!(chosen(&credentials, &uri).unwrap().0, "empty-org-token");
    }

    #[test]
    fn nothing_to_choose() {
        let uri = format!("{CLOUD}/repo/main/noarch/repodata.json");
        assert_eq!(chosen(&AnacondaCredentials::default(), &uri), None);
    }

    #[test]
    fn organization_cases() {
        assert_eq!(organization("/repo/my-org/c/x"), "my-org");
        assert_eq!(organization("/repo/my-org"), "my-org");
        assert_eq!(organization("/repo/"), "");
        assert_eq!(organization("/pkgs/main/x"), "");
        assert_eq!(organization("/"), "");
    }
}
