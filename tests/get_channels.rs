//! Sends the headers that the real binary prints to wiremock servers acting as custom
//! channels with each header scheme, and as repo.anaconda.cloud with per-organization
//! repo tokens, and checks that each server accepts exactly the right credential.

mod common;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use common::build::Build;
use common::fake_repo::{self, EMPTY_REPODATA, FakeRepo};
use common::tls::{TestCa, TlsFront};

/// Builds a client that trusts only the test CA and resolves `hosts` to the TLS front.
fn client(ca: &TestCa, front: &TlsFront, hosts: &[&str]) -> reqwest::blocking::Client {
    let dir = tempfile::tempdir().unwrap();
    let pem = fs::read(ca.write_pem(dir.path())).unwrap();
    let front_address = SocketAddr::from((Ipv4Addr::LOCALHOST, front.port));
    let mut builder = reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .no_proxy();
    for host in hosts {
        builder = builder.resolve(host, front_address);
    }
    builder.build().unwrap()
}

fn status(client: &reqwest::blocking::Client, url: &str, authorization: Option<&str>) -> u16 {
    let mut request = client.get(url);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().expect("a response").status().as_u16()
}

fn basic(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    )
}

const PASSWORD: &str = "p@ss:w#rd%2F";

#[test]
fn custom_channel_with_basic_over_tls() {
    let host = "conda.example.internal";
    let channel = "/artifactory/api/conda/chan";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let repo = runtime.block_on(FakeRepo::accepting(&basic("builder", PASSWORD), PASSWORD));
    let repodata = format!("{channel}/noarch/repodata.json");
    runtime.block_on(repo.serve(&repodata, EMPTY_REPODATA.as_bytes().to_vec()));
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, &[host], *repo.server.address());
    let client = client(&ca, &front, &[host]);

    let build = Build::new();
    build.write_config(&format!(
        "[[channel]]\nurl = \"https://{host}/artifactory/api/conda/*\"\nscheme = \"Basic\"\n\
         username = \"builder\"\nsecret = \"ARTIFACTORY_PASSWORD\"\n"
    ));
    build.write_secret("ARTIFACTORY_PASSWORD", &format!("{PASSWORD}\n"));
    let url = format!("https://{host}{repodata}");

    let run = build.get(&url, true);
    let right = run.authorization().expect("a Basic header");
    assert_eq!(
        right,
        basic("builder", PASSWORD),
        "no URL encoding of the password"
    );
    assert_eq!(run.stderr, "", "no warning over https");
    assert_eq!(
        run.json()["scope"],
        format!("https://{host}/artifactory/api/conda/")
    );
    assert_eq!(run.json()["kind"], "password");
    let response = client
        .get(&url)
        .header("Authorization", &right)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().unwrap(), EMPTY_REPODATA);

    build.write_secret("ARTIFACTORY_PASSWORD", "wrong-password");
    let wrong = build.get(&url, false).authorization().expect("a header");
    assert_eq!(status(&client, &url, Some(&wrong)), 403, "wrong password");

    let other = format!("https://{host}/other/noarch/repodata.json");
    let none = build.get(&other, false).authorization();
    assert_eq!(none, None, "no header outside the pattern");
    assert_eq!(status(&client, &other, none.as_deref()), 401);

    let received = runtime.block_on(repo.received());
    let expected = vec![Some(right), Some(wrong), None];
    assert_eq!(fake_repo::authorization_values(&received), expected);
}

#[test]
fn custom_channels_with_bearer_and_token_over_loopback_http() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bearer_repo = runtime.block_on(FakeRepo::start("bearer-token-0001"));
    let token_repo = runtime.block_on(FakeRepo::accepting(
        "token plain-token-0002",
        "plain-token-0002",
    ));

    let build = Build::new()
        .var("BEARER_TOKEN", "bearer-token-0001")
        .var("PLAIN_TOKEN", "plain-token-0002");
    build.write_config(&format!(
        "[[channel]]\nurl = \"{}/*\"\nscheme = \"Bearer\"\nsecret = \"BEARER_TOKEN\"\n\
         allow_insecure_http = true\n\n\
         [[channel]]\nurl = \"{}/repo/*\"\nscheme = \"token\"\nsecret = \"PLAIN_TOKEN\"\n\
         allow_insecure_http = true\n",
        bearer_repo.uri(),
        token_repo.uri()
    ));
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();

    for (repo, expected) in [
        (&bearer_repo, "Bearer bearer-token-0001"),
        (&token_repo, "token plain-token-0002"),
    ] {
        let url = format!("{}/repo/main/noarch/repodata.json", repo.uri());
        let run = build.get(&url, false);
        assert_eq!(run.authorization().as_deref(), Some(expected));
        assert!(
            run.stderr
                .starts_with("warning: sending the token for http://127.0.0.1:"),
            "a plain-HTTP warning: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert_eq!(status(&client, &url, Some(expected)), 200, "{expected}");
    }
}

/// Writes `~/.anaconda/keyring` with a record for anaconda.com holding `record`.
fn write_keyring(home: &Path, record: &serde_json::Value) {
    let encoded = STANDARD.encode(record.to_string());
    let keyring = serde_json::json!({ "Anaconda Cloud": { "anaconda.com": encoded } });
    fs::create_dir_all(home.join(".anaconda")).unwrap();
    fs::write(home.join(".anaconda/keyring"), keyring.to_string()).unwrap();
}

#[test]
fn repo_anaconda_cloud_with_per_org_tokens() {
    let host = "repo.anaconda.cloud";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let repo = runtime.block_on(FakeRepo::start("api-key-0123456789"));
    let body = || EMPTY_REPODATA.as_bytes().to_vec();
    let org_a = "/repo/org-a/chan/noarch/repodata.json";
    let org_b = "/repo/org-b/chan/noarch/repodata.json";
    let main_x = "/repo/main-x/noarch/repodata.json";
    runtime.block_on(repo.serve_to(org_a, "token token-a-0001", body()));
    runtime.block_on(repo.serve_to(org_b, "token token-b-0002", body()));
    runtime.block_on(repo.serve(main_x, body()));
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, &[host], *repo.server.address());
    let client = client(&ca, &front, &[host]);

    let build = Build::new();
    write_keyring(
        &build.home(),
        &serde_json::json!({
            "domain": "anaconda.com",
            "api_key": "api-key-0123456789",
            "repo_tokens": [
                {"token": "token-a-0001", "org_name": "org-a"},
                {"token": "token-b-0002", "org_name": "org-b"}
            ],
            "version": 2
        }),
    );

    let cases = [
        (
            org_a,
            "token token-a-0001",
            "https://repo.anaconda.cloud/repo/org-a/",
        ),
        (
            org_b,
            "token token-b-0002",
            "https://repo.anaconda.cloud/repo/org-b/",
        ),
        (
            main_x,
            "Bearer api-key-0123456789",
            "https://repo.anaconda.cloud/repo/main-x/",
        ),
    ];
    for (path, expected, scope) in cases {
        let url = format!("https://{host}{path}");
        let run = build.get(&url, true);
        assert_eq!(run.authorization().as_deref(), Some(expected), "{path}");
        assert_eq!(run.json()["scope"], scope, "{path}");
        assert_eq!(status(&client, &url, Some(expected)), 200, "{path}");
    }

    // The token of one organization does not open the channel of the other.
    let url_b = format!("https://{host}{org_b}");
    assert_eq!(status(&client, &url_b, Some("token token-a-0001")), 403);

    let unified = Build::new().var("ANACONDA_AUTH_USE_UNIFIED_REPO_API_KEY", "true");
    write_keyring(
        &unified.home(),
        &serde_json::json!({"api_key": "api-key-0123456789",
                            "repo_tokens": [{"token": "token-a-0001", "org_name": "org-a"}]}),
    );
    let url_a = format!("https://{host}{org_a}");
    let run = unified.get(&url_a, false);
    assert_eq!(
        run.authorization().as_deref(),
        Some("Bearer api-key-0123456789")
    );
}
