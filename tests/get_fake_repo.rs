//! Sends the header that the real binary prints to a fake repo.anaconda.cloud, over TLS
//! with reqwest, and checks that the repository accepts exactly the right key.

mod common;

use std::net::{Ipv4Addr, SocketAddr};

use common::build::Build;
use common::fake_repo::{self, CHANNEL_PATH, EMPTY_REPODATA, FakeRepo};
use common::tls::{TestCa, TlsFront};

const KEY: &str = "fake-repo-key-0123456789";
const OTHER_KEY: &str = "other-key-9876543210";
const HOST: &str = "repo.anaconda.cloud";

/// Runs `get` for `uri` with `key` in the environment and returns the `Authorization`
/// value it prints, if any.
fn authorization_from_helper(key: &str, uri: &str) -> Option<String> {
    Build::new()
        .var("ANACONDA_AUTH_API_KEY", key)
        .get(uri, false)
        .authorization()
}

/// Builds a reqwest client that trusts only the test CA and resolves the repository host to
/// the TLS front on loopback.
fn client(ca: &TestCa, front: &TlsFront) -> reqwest::blocking::Client {
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read(ca.write_pem(dir.path())).unwrap();
    let certificate = reqwest::Certificate::from_pem(&pem).unwrap();
    let front_address = SocketAddr::from((Ipv4Addr::LOCALHOST, front.port));
    reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate)
        .resolve(HOST, front_address)
        .no_proxy()
        .build()
        .unwrap()
}

fn status_for(client: &reqwest::blocking::Client, url: &str, authorization: Option<&str>) -> u16 {
    let mut request = client.get(url);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request
        .send()
        .expect("request to the fake repo")
        .status()
        .as_u16()
}

#[test]
fn fake_repo_accepts_printed_header() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let repo = runtime.block_on(FakeRepo::start(KEY));
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, &[HOST], *repo.server.address());
    let client = client(&ca, &front);
    let url = format!("https://{HOST}{CHANNEL_PATH}/noarch/repodata.json");

    let right = authorization_from_helper(KEY, &url).expect("a header for the repository");
    assert_eq!(right, format!("Bearer {KEY}"));
    let response = client
        .get(&url)
        .header("Authorization", &right)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "right key");
    assert_eq!(response.text().unwrap(), EMPTY_REPODATA);

    let wrong = authorization_from_helper(OTHER_KEY, &url).expect("a header");
    assert_eq!(status_for(&client, &url, Some(&wrong)), 403, "other key");

    let foreign = format!("https://{HOST}:8443{CHANNEL_PATH}/noarch/repodata.json");
    let none = authorization_from_helper(KEY, &foreign);
    assert_eq!(none, None, "no header for another port");
    assert_eq!(status_for(&client, &url, none.as_deref()), 401, "no key");

    let received = runtime.block_on(repo.received());
    let expected = vec![Some(right), Some(wrong), None];
    assert_eq!(fake_repo::authorization_values(&received), expected);
}
