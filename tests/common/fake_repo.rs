//! A wiremock server that acts as repo.anaconda.cloud, or as another channel server, and
//! demands the right `Authorization` value.

use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The channel path that every fake repository serves.
pub const CHANNEL_PATH: &str = "/repo/main";

/// An empty `repodata.json`, enough for a client to see a valid channel.
pub const EMPTY_REPODATA: &str =
    r#"{"info":{"subdir":"noarch"},"packages":{},"packages.conda":{},"repodata_version":1}"#;

/// A fake repo.anaconda.cloud with the key it accepts.
///
/// Returns 200 for a served path with `Authorization: Bearer <key>`, 404 for an unknown path
/// with that header, 403 for any other `Authorization` and 401 without one.
pub struct FakeRepo {
    pub server: MockServer,
    pub key: String,
    authorization: String,
}

impl FakeRepo {
    /// Starts a repository that serves an empty `noarch/repodata.json` under [`CHANNEL_PATH`].
    pub async fn start(key: &str) -> Self {
        Self::accepting(&format!("Bearer {key}"), key).await
    }

    /// Starts a repository like [`FakeRepo::start`] that accepts the whole `Authorization`
    /// value `authorization`, such as `token <t>` or `Basic <base64>`.
    pub async fn accepting(authorization: &str, key: &str) -> Self {
        let server = MockServer::start().await;
        let repo = FakeRepo {
            server,
            key: key.to_owned(),
            authorization: authorization.to_owned(),
        };
        repo.serve(
            &format!("{CHANNEL_PATH}/noarch/repodata.json"),
            EMPTY_REPODATA.as_bytes().to_vec(),
        )
        .await;
        repo.mount_fallbacks().await;
        repo
    }

    /// Serves `body` at `url_path` to requests that carry the right key.
    pub async fn serve(&self, url_path: &str, body: Vec<u8>) {
        self.serve_to(url_path, &self.bearer(), body).await;
    }

    /// Serves `body` at `url_path` to requests whose `Authorization` is `authorization`,
    /// as a channel of one organization that accepts only that organization's token.
    pub async fn serve_to(&self, url_path: &str, authorization: &str, body: Vec<u8>) {
        Mock::given(method("GET"))
            .and(path(url_path))
            .and(header("authorization", authorization))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Returns the `Authorization` value this repository accepts.
    pub fn bearer(&self) -> String {
        self.authorization.clone()
    }

    /// Returns the server's plain-HTTP base URL on loopback.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Returns the requests the server has received so far.
    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    async fn mount_fallbacks(&self) {
        Mock::given(header("authorization", self.bearer().as_str()))
            .respond_with(ResponseTemplate::new(404))
            .with_priority(2)
            .mount(&self.server)
            .await;
        Mock::given(header_exists("authorization"))
            .respond_with(ResponseTemplate::new(403))
            .with_priority(3)
            .mount(&self.server)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(401))
            .with_priority(4)
            .mount(&self.server)
            .await;
    }
}

/// Returns the `Authorization` values of the requests a server received, in order.
pub fn authorization_values(requests: &[Request]) -> Vec<Option<String>> {
    requests
        .iter()
        .map(|request| {
            request
                .headers
                .get("authorization")
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect()
}
