//! The channel argument of `check`: its `noarch/repodata.json` URL, and the parts of the
//! URL that the request leaves out.

use url::Url;

use crate::redact::redact_url;
use crate::vars::DEFAULT_CHANNEL;

/// Maximum number of characters of an unparsable channel shown in an error.
const SHOWN_CHARS: usize = 200;

/// A channel argument that is not an http or https URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{shown}` is not an http or https URL. Pass a channel URL such as {DEFAULT_CHANNEL}")]
pub struct InvalidChannel {
    /// The channel as typed, without userinfo and query when it parses as a URL.
    pub shown: String,
}

/// The URL that `check` requests for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepodataUrl {
    /// `<channel>/noarch/repodata.json`, without userinfo, query and fragment.
    pub url: Url,
    /// One line for each part of the channel URL that was dropped.
    pub notes: Vec<String>,
}

/// Returns `<channel>/noarch/repodata.json`.
///
/// The userinfo is dropped, as `get` and the plugin ignore it, so that reqwest sends no
/// `Basic` header next to the credential. The query and fragment are dropped too, because
/// they would otherwise end up before the appended path.
pub fn repodata_url(channel: &str) -> Result<RepodataUrl, InvalidChannel> {
    let invalid = || InvalidChannel {
        shown: shown_channel(channel),
    };
    let mut base = Url::parse(channel).map_err(|_| invalid())?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        return Err(invalid());
    }

    let mut notes = Vec::new();
    if !base.username().is_empty() || base.password().is_some() {
        // Both setters succeed, because the URL has a host.
        let _ = base.set_username("");
        let _ = base.set_password(None);
        notes.push("Note: the user name and password in the channel URL are ignored, as `get` and the conda plugin ignore them".to_owned());
    }
    if base.query().is_some() || base.fragment().is_some() {
        base.set_query(None);
        base.set_fragment(None);
        notes.push(
            "Note: the query and fragment (`?…`, `#…`) of the channel URL are ignored".to_owned(),
        );
    }

    let path = format!("{}/", base.path().trim_end_matches('/'));
    base.set_path(&path);
    let url = base.join("noarch/repodata.json").map_err(|_| invalid())?;
    Ok(RepodataUrl { url, notes })
}

/// Returns the channel for an error message: redacted when it parses as a URL, else as
/// typed with control characters escaped and cut to [`SHOWN_CHARS`] characters.
fn shown_channel(channel: &str) -> String {
    if Url::parse(channel).is_ok() {
        return redact_url(channel);
    }
    let escaped: String = channel.chars().flat_map(char::escape_debug).collect();
    let mut shown: String = escaped.chars().take(SHOWN_CHARS).collect();
    if escaped.chars().count() > SHOWN_CHARS {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repodata_url_appends_path() {
        let cases = [
            (
                DEFAULT_CHANNEL,
                "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
            ),
            (
                "https://repo.anaconda.cloud/repo/main/",
                "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
            ),
            (
                "http://127.0.0.1:8080/c",
                "http://127.0.0.1:8080/c/noarch/repodata.json",
            ),
            ("https://h", "https://h/noarch/repodata.json"),
        ];
        for (channel, expected) in cases {
            let repodata = repodata_url(channel).unwrap();
            assert_eq!(repodata.url.as_str(), expected);
            assert!(repodata.notes.is_empty(), "{channel}");
        }
    }

    #[test]
    fn repodata_url_drops_userinfo() {
        let repodata = repodata_url("https://user:pw@repo.anaconda.cloud/repo/main").unwrap();

        assert_eq!(
            repodata.url.as_str(),
            "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"
        );
        assert_eq!(repodata.notes.len(), 1);
        assert!(repodata.notes[0].contains("user name and password"));
    }

    #[test]
    fn repodata_url_drops_query_and_fragment() {
        for channel in [
            "https://repo.anaconda.cloud/repo/main?x=1#f",
            "https://repo.anaconda.cloud/repo/main/?x=1",
            "https://repo.anaconda.cloud/repo/main#f",
        ] {
            let repodata = repodata_url(channel).unwrap();

            assert_eq!(
                repodata.url.as_str(),
                "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
                "{channel}"
            );
            assert_eq!(repodata.notes.len(), 1, "{channel}");
            assert!(
                repodata.notes[0].contains("query and fragment"),
                "{channel}"
            );
        }
    }

    #[test]
    fn repodata_url_rejects_other_schemes() {
        for channel in ["ftp://repo.anaconda.cloud/x", "repo/main", "file:///tmp/c"] {
            assert!(repodata_url(channel).is_err(), "{channel}");
        }
        let message = repodata_url("ftp://user:hunter2@h/x?t=hunter2")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.starts_with("`ftp://h/x` is not"), "{message}");
    }

    #[test]
    fn invalid_channel_shows_typed_value() {
        let error = repodata_url("main").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "`main` is not an http or https URL. Pass a channel URL such as {DEFAULT_CHANNEL}"
            )
        );
        assert_eq!(repodata_url("").unwrap_err().shown, "");
        assert_eq!(repodata_url("a\nb").unwrap_err().shown, "a\\nb");
    }

    #[test]
    fn invalid_channel_is_truncated() {
        let long = "x".repeat(500);

        let shown = repodata_url(&long).unwrap_err().shown;

        assert_eq!(shown, format!("{}…", "x".repeat(SHOWN_CHARS)));
    }
}
