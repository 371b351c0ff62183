//! The auth file that rattler, and so pixi and py-rattler, reads from `RATTLER_AUTH_FILE`.
//!
//! The file is one JSON object from host to credential, the serde form of rattler's
//! `Authentication` enum (`rattler_networking`, `authentication_storage`):
//! `{"<host>": {"BearerToken": "<token>"}}`,
//! `{"<host>": {"BasicHTTP": {"username": "<user>", "password": "<password>"}}}` or
//! `{"<host>": {"CondaToken": "<token>"}}`. rattler looks a request up by the host of its URL,
//! without scheme or port, and then by wildcard entries such as `*.example.com`.

use serde_json::{Map, Value, json};

use crate::exec::channels::{Authentication, ChannelCredential};
use crate::secret::Secret;

/// File name of the rattler auth file inside the private directory.
pub const FILE_NAME: &str = "rattler-auth.json";

/// Renders the auth file: the `existing` entries, then one entry per host of `channels`.
///
/// Channels that share a host must have the same credential, which
/// [`crate::exec::channels::check_channels`] ensures. The document is returned as a
/// [`Secret`] because it contains the credentials.
pub fn render(existing: Map<String, Value>, channels: &[ChannelCredential]) -> Secret {
    let mut entries = existing;
    for channel in channels {
        entries.insert(channel.host().to_owned(), entry(&channel.authentication));
    }
    Secret::new(Value::Object(entries).to_string())
}

fn entry(authentication: &Authentication) -> Value {
    match authentication {
        Authentication::Bearer(token) => json!({ "BearerToken": token.expose() }),
        Authentication::Basic { username, password } => json!({
            "BasicHTTP": { "username": username, "password": password.expose() }
        }),
        Authentication::CondaToken(token) => json!({ "CondaToken": token.expose() }),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::exec::channels::test_channel as channel;
    use crate::exec::existing_entries;

    fn rendered(channels: &[ChannelCredential]) -> Value {
        serde_json::from_str(render(Map::new(), channels).expose()).unwrap()
    }

    #[test]
    fn bearer_entry() {
        let channels = [channel(
            "https://repo.anaconda.cloud/",
            Authentication::Bearer(Secret::new("key-1234")),
        )];
        let expected = json!({ "repo.anaconda.cloud": { "BearerToken": "key-1234" } });
        assert_eq!(rendered(&channels), expected);
    }

    #[test]
    fn basic_entry() {
        let authentication = Authentication::Basic {
            username: "builder".to_owned(),
            password: Secret::new("pw-1234"),
        };
        let channels = [channel(
            "https://conda.example.com:8443/main",
            authentication,
        )];
        let expected = json!({
            "conda.example.com": { "BasicHTTP": { "username": "builder", "password": "pw-1234" } }
        });
        assert_eq!(rendered(&channels), expected);
    }

    #[test]
    fn conda_token_entry() {
        let authentication = Authentication::CondaToken(Secret::new("tok-1234"));
        let channels = [channel("https://conda.example.org/org", authentication)];
        let expected = json!({ "conda.example.org": { "CondaToken": "tok-1234" } });
        assert_eq!(rendered(&channels), expected);
    }

    #[test]
    fn one_entry_per_host() {
        let bearer = || Authentication::Bearer(Secret::new("key-1234"));
        let channels = [
            channel("https://repo.example/a", bearer()),
            channel("https://REPO.example:8443/b", bearer()),
            channel("http://127.0.0.1:8080/c", bearer()),
        ];
        let value = rendered(&channels);
        let hosts: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(hosts, ["127.0.0.1", "repo.example"]);
    }

    #[test]
    fn existing_entries_kept_channels_win() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let stored = r#"{"other.example": {"CondaToken": "t"},
                         "repo.anaconda.cloud": {"BearerToken": "stale"}}"#;
        fs::write(file.path(), stored).unwrap();
        let channels = [channel(
            "https://repo.anaconda.cloud/",
            Authentication::Bearer(Secret::new("key-1234")),
        )];
        let document = render(existing_entries(file.path()), &channels);
        let value: Value = serde_json::from_str(document.expose()).unwrap();
        assert_eq!(value["other.example"], json!({ "CondaToken": "t" }));
        assert_eq!(
            value["repo.anaconda.cloud"],
            json!({ "BearerToken": "key-1234" })
        );
    }

    #[test]
    fn rendered_debug_is_masked() {
        let channels = [channel(
            "https://repo.example/",
            Authentication::Bearer(Secret::new("key-1234")),
        )];
        assert_eq!(format!("{:?}", render(Map::new(), &channels)), "****");
    }
}
