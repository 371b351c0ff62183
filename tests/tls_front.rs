//! Checks the shared fixtures: the fake repository's responses, through the TLS front, with a
//! real Python client and the loopback resolver.

mod common;

use std::process::Command;

use common::fake_repo::{self, FakeRepo};
use common::{python, tls};

const KEY: &str = "fixture-key-0123456789";

/// Fetches `url` with `requests` and prints the status code.
const FETCH: &str = r#"
import sys, requests
headers = {"Authorization": sys.argv[2]} if len(sys.argv) > 2 else {}
print(requests.get(sys.argv[1], headers=headers, timeout=10).status_code)
"#;

fn fetch_status(
    hosts: &str,
    ca: &std::path::Path,
    url: &str,
    authorization: Option<&str>,
) -> String {
    let mut command = Command::new(python::test_python());
    command
        .args(["-c", FETCH, url])
        .args(authorization)
        .env("PYTHONPATH", python::sitecustomize_dir())
        .env("CONDA_CREDENTIAL_HELPER_TEST_HOSTS", hosts)
        .env("REQUESTS_CA_BUNDLE", ca);
    let output = command.output().expect("run python");
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn fake_repo_answers_by_key_through_tls() {
    let repo = FakeRepo::start(KEY).await;
    let ca = tls::TestCa::new();
    let front = tls::TlsFront::start(&ca, &["repo.anaconda.cloud"], *repo.server.address());
    let dir = tempfile::tempdir().unwrap();
    let ca_path = ca.write_pem(dir.path());
    let hosts = tls::host_map(&[("repo.anaconda.cloud", front.port)]);
    let url = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

    let right = format!("Bearer {KEY}");
    assert_eq!(fetch_status(&hosts, &ca_path, url, Some(&right)), "200");
    assert_eq!(
        fetch_status(&hosts, &ca_path, url, Some("Bearer wrong")),
        "403"
    );
    assert_eq!(fetch_status(&hosts, &ca_path, url, None), "401");
    let missing = "https://repo.anaconda.cloud/repo/main/linux-64/repodata.json";
    assert_eq!(fetch_status(&hosts, &ca_path, missing, Some(&right)), "404");

    let seen = fake_repo::authorization_values(&repo.received().await);
    assert_eq!(
        seen.len(),
        4,
        "every request reaches wiremock through the front"
    );
}

#[test]
fn resolver_rejects_unlisted_hosts() {
    let hosts = tls::host_map(&[("repo.anaconda.cloud", 9)]);
    let output = Command::new(python::test_python())
        .args([
            "-c",
            "import socket; socket.getaddrinfo('example.com', 443)",
        ])
        .env("PYTHONPATH", python::sitecustomize_dir())
        .env("CONDA_CREDENTIAL_HELPER_TEST_HOSTS", hosts)
        .output()
        .expect("run python");
    assert!(
        !output.status.success(),
        "an unlisted host must not resolve"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("example.com is not a test host"),
        "stderr: {stderr}"
    );
}
