//! Drives the plugin's auth handler, with the real `requests` library and the real binary,
//! against a fake repo.anaconda.cloud and a second host, both behind TLS.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use common::fake_repo::{self, CHANNEL_PATH, FakeRepo};
use common::{python, tls};

const KEY: &str = "plugin-test-key-0123456789";
const WRONG_KEY: &str = "wrong-org-key-5555-WXYZ";
const REPO_HOST: &str = "repo.anaconda.cloud";
const OTHER_HOST: &str = "other.example.test";
const HELPER: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// The two hosts behind TLS, the test CA and a scratch directory for one test.
struct Setup {
    repo: FakeRepo,
    other: MockServer,
    hosts: String,
    ca: PathBuf,
    dir: TempDir,
}

impl Setup {
    /// Starts the fake repository, the other host and a TLS front for each.
    async fn start() -> Self {
        let repo = FakeRepo::start(KEY).await;
        let other = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_string("other host"))
            .mount(&other)
            .await;

        let ca = tls::TestCa::new();
        let repo_front = tls::TlsFront::start(&ca, &[REPO_HOST], *repo.server.address());
        let other_front = tls::TlsFront::start(&ca, &[OTHER_HOST], *other.address());
        let hosts = tls::host_map(&[(REPO_HOST, repo_front.port), (OTHER_HOST, other_front.port)]);

        let dir = tempfile::tempdir().expect("create a scratch directory");
        std::fs::create_dir(dir.path().join("secrets")).expect("create the secrets dir");
        std::fs::create_dir(dir.path().join("work")).expect("create the working dir");
        let ca = ca.write_pem(dir.path());
        Setup {
            repo,
            other,
            hosts,
            ca,
            dir,
        }
    }

    fn secrets_dir(&self) -> PathBuf {
        self.dir.path().join("secrets")
    }

    /// Returns a driver command for `url` with a clean environment and no key set.
    fn driver(&self, url: &str) -> Command {
        let python_path = std::env::join_paths([python::plugin_dir(), python::sitecustomize_dir()])
            .expect("join PYTHONPATH");
        let script = python::sitecustomize_dir().join("plugin_driver.py");

        let mut command = Command::new(python::test_python());
        command
            .env_clear()
            .arg(script)
            .arg(url)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("PYTHONPATH", python_path)
            .env("CONDA_CREDENTIAL_HELPER_TEST_HOSTS", &self.hosts)
            .env("REQUESTS_CA_BUNDLE", &self.ca)
            .env("CONDA_CREDENTIAL_HELPER_BIN", HELPER)
            .env("ANACONDA_SECRETS_DIR", self.secrets_dir())
            .current_dir(self.dir.path().join("work"));
        command
    }
}

/// The output of one driver run: one outcome per thread, plus the raw streams.
struct Run {
    outcomes: Vec<Value>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Runs the driver, which must exit 0, and parses its JSON output.
    fn of(command: &mut Command) -> Self {
        let output = command.output().expect("run the python driver");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "the driver failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
            output.status
        );
        let outcomes: Vec<Value> = serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("driver output is not JSON ({error}): {stdout}"));
        Run {
            outcomes,
            stdout,
            stderr,
        }
    }

    /// Returns the only outcome of a single-thread run.
    fn single(&self) -> &Value {
        assert_eq!(self.outcomes.len(), 1, "outcomes: {:?}", self.outcomes);
        &self.outcomes[0]
    }

    /// Asserts that `secret` appears in neither output stream.
    fn assert_never_shows(&self, secret: &str) {
        assert!(
            !self.stdout.contains(secret),
            "stdout shows the key: {}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(secret),
            "stderr shows the key: {}",
            self.stderr
        );
    }
}

fn status(outcome: &Value) -> i64 {
    outcome["status"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected a response, got {outcome}"))
}

fn error_message(outcome: &Value) -> &str {
    assert_eq!(
        outcome["error"], "CredentialHelperError",
        "outcome: {outcome}"
    );
    outcome["message"].as_str().expect("error message")
}

fn repodata_url() -> String {
    format!("https://{REPO_HOST}{CHANNEL_PATH}/noarch/repodata.json")
}

/// Returns every header value of every request, to search for a key.
fn all_header_values(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .flat_map(|request| request.headers.values())
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect()
}

/// Writes a script that counts its runs in `dir/runs` and then execs the real helper.
fn counting_helper(dir: &Path) -> (PathBuf, PathBuf) {
    let runs = dir.join("runs");
    let script = dir.join("counting-helper");
    let body = format!(
        "#!/bin/sh\necho run >> '{}'\nexec '{HELPER}' \"$@\"\n",
        runs.display()
    );
    std::fs::write(&script, body).expect("write the counting helper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make the counting helper executable");
    (script, runs)
}

/// Writes a script that appends its request to `dir/requests`, one line per run, and
/// then passes the request to the real helper.
fn request_logging_helper(dir: &Path) -> (PathBuf, PathBuf) {
    let requests = dir.join("requests");
    let script = dir.join("request-logging-helper");
    let body = format!(
        "#!/bin/sh\nrequest=$(cat)\nprintf '%s\\n' \"$request\" >> '{}'\n\
         printf '%s' \"$request\" | exec '{HELPER}' \"$@\"\n",
        requests.display()
    );
    std::fs::write(&script, body).expect("write the request logging helper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make the request logging helper executable");
    (script, requests)
}

/// Returns how many logged requests name `host`.
fn requests_for(requests: &Path, host: &str) -> usize {
    std::fs::read_to_string(requests)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(&format!("https://{host}/")))
        .count()
}

fn count_runs(runs: &Path) -> usize {
    std::fs::read_to_string(runs)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn plugin_key_reaches_repo() {
    let setup = Setup::start().await;

    let run = Run::of(
        setup
            .driver(&repodata_url())
            .env("ANACONDA_AUTH_API_KEY", KEY),
    );

    let outcome = run.single();
    assert_eq!(status(outcome), 200);
    let seen = fake_repo::authorization_values(&setup.repo.received().await);
    assert_eq!(seen, vec![Some(format!("Bearer {KEY}"))]);
    assert_eq!(
        outcome["authorization"], "Bearer ****6789",
        "the answered request keeps only a masked key for conda's logs"
    );
    run.assert_never_shows(KEY);
}

#[tokio::test]
async fn plugin_key_from_secret_file_reaches_repo() {
    let setup = Setup::start().await;
    std::fs::write(
        setup.secrets_dir().join("ANACONDA_AUTH_API_KEY"),
        format!("{KEY}\n"),
    )
    .expect("write the secret file");

    let run = Run::of(&mut setup.driver(&repodata_url()));

    assert_eq!(status(run.single()), 200);
    let seen = fake_repo::authorization_values(&setup.repo.received().await);
    assert_eq!(seen, vec![Some(format!("Bearer {KEY}"))]);
}

#[tokio::test]
async fn plugin_other_host_gets_no_key() {
    let setup = Setup::start().await;
    let url = format!("https://{OTHER_HOST}/channel/noarch/repodata.json");

    let run = Run::of(setup.driver(&url).env("ANACONDA_AUTH_API_KEY", KEY));

    assert_eq!(status(run.single()), 200);
    let received = setup.other.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "the other host serves the request");
    assert!(
        received[0].headers.get("authorization").is_none(),
        "the other host got an Authorization header"
    );
    assert!(
        !all_header_values(&received)
            .iter()
            .any(|value| value.contains(KEY))
    );
}

#[tokio::test]
async fn plugin_drops_key_on_redirect_to_other_host() {
    let setup = Setup::start().await;
    let landing = format!("https://{OTHER_HOST}/landing");
    Mock::given(method("GET"))
        .and(path(format!("{CHANNEL_PATH}/moved")))
        .and(header("authorization", setup.repo.bearer().as_str()))
        .respond_with(ResponseTemplate::new(302).insert_header("location", landing.as_str()))
        .with_priority(1)
        .mount(&setup.repo.server)
        .await;
    let url = format!("https://{REPO_HOST}{CHANNEL_PATH}/moved");

    let run = Run::of(setup.driver(&url).env("ANACONDA_AUTH_API_KEY", KEY));

    let outcome = run.single();
    assert_eq!(status(outcome), 200);
    assert_eq!(outcome["redirects"], serde_json::json!([302]));
    assert_eq!(outcome["url"], landing.as_str());
    let repo_seen = fake_repo::authorization_values(&setup.repo.received().await);
    assert_eq!(repo_seen, vec![Some(format!("Bearer {KEY}"))]);
    let received = setup.other.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "the redirect reaches the other host");
    assert_eq!(received[0].url.path(), "/landing");
    assert!(
        received[0].headers.get("authorization").is_none(),
        "the Authorization header followed the redirect to another host"
    );
    assert!(
        !all_header_values(&received)
            .iter()
            .any(|value| value.contains(KEY))
    );
}

#[tokio::test]
async fn plugin_runs_helper_once_for_sixteen_threads() {
    let setup = Setup::start().await;
    let (helper, runs) = counting_helper(setup.dir.path());

    let run = Run::of(
        setup
            .driver(&repodata_url())
            .args(["--threads", "16"])
            .env("CONDA_CREDENTIAL_HELPER_BIN", &helper)
            .env("ANACONDA_AUTH_API_KEY", KEY),
    );

    assert_eq!(run.outcomes.len(), 16);
    for outcome in &run.outcomes {
        assert_eq!(status(outcome), 200, "outcome: {outcome}");
    }
    assert_eq!(
        count_runs(&runs),
        1,
        "the helper must run once for one host"
    );
    let seen = fake_repo::authorization_values(&setup.repo.received().await);
    assert_eq!(seen.len(), 16);
    assert!(
        seen.iter()
            .all(|value| value.as_deref() == Some(setup.repo.bearer().as_str()))
    );
}

#[tokio::test]
async fn plugin_runs_helper_once_per_host_and_process() {
    let setup = Setup::start().await;
    let (helper, requests) = request_logging_helper(setup.dir.path());
    let other_url = format!("https://{OTHER_HOST}/channel/noarch/repodata.json");

    // Each driver process sends 64 requests at once, 32 to each host.
    for process in 1..=2 {
        let run = Run::of(
            setup
                .driver(&repodata_url())
                .args([other_url.as_str(), "--threads", "64"])
                .env("CONDA_CREDENTIAL_HELPER_BIN", &helper)
                .env("ANACONDA_AUTH_API_KEY", KEY),
        );

        assert_eq!(run.outcomes.len(), 64);
        for outcome in &run.outcomes {
            assert_eq!(status(outcome), 200, "outcome: {outcome}");
        }
        assert_eq!(
            requests_for(&requests, REPO_HOST),
            process,
            "each process runs the helper once for the repository"
        );
        assert_eq!(
            requests_for(&requests, OTHER_HOST),
            process,
            "each process runs the helper once for the other host"
        );
        run.assert_never_shows(KEY);
    }

    let seen = fake_repo::authorization_values(&setup.repo.received().await);
    assert_eq!(seen.len(), 64);
    assert!(
        seen.iter()
            .all(|value| value.as_deref() == Some(setup.repo.bearer().as_str()))
    );
    let received = setup.other.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 64);
    assert!(
        received
            .iter()
            .all(|request| request.headers.get("authorization").is_none())
    );
}

#[tokio::test]
async fn plugin_wrong_key_gives_403_error() {
    let setup = Setup::start().await;

    let run = Run::of(
        setup
            .driver(&repodata_url())
            .env("ANACONDA_AUTH_API_KEY", WRONG_KEY),
    );

    let message = error_message(run.single());
    let expected_start = format!(
        "https://{REPO_HOST} rejected {} with HTTP 403 Forbidden.",
        repodata_url()
    );
    assert!(message.starts_with(&expected_start), "message: {message}");
    assert!(
        message.contains("The API key ****WXYZ (from "),
        "message: {message}"
    );
    assert!(
        message.contains("ANACONDA_AUTH_API_KEY"),
        "message: {message}"
    );
    assert!(
        message.contains("no access to this channel"),
        "message: {message}"
    );
    assert!(message.contains("organization"), "message: {message}");
    assert!(!message.contains(WRONG_KEY), "message: {message}");
    run.assert_never_shows(WRONG_KEY);
}

#[tokio::test]
async fn plugin_wrong_key_error_names_secret_file() {
    let setup = Setup::start().await;
    let secret = setup.secrets_dir().join("ANACONDA_AUTH_API_KEY");
    std::fs::write(&secret, WRONG_KEY).expect("write the secret file");

    let run = Run::of(&mut setup.driver(&repodata_url()));

    let message = error_message(run.single());
    assert!(message.contains("HTTP 403 Forbidden"), "message: {message}");
    assert!(message.contains("****WXYZ"), "message: {message}");
    assert!(
        message.contains(&secret.display().to_string()),
        "message: {message}"
    );
    run.assert_never_shows(WRONG_KEY);
}

#[tokio::test]
async fn plugin_missing_key_gives_helper_error() {
    let setup = Setup::start().await;

    let run = Run::of(&mut setup.driver(&repodata_url()));

    let message = error_message(run.single());
    let expected_start =
        format!("conda-credential-helper failed for https://{REPO_HOST}: no API key found");
    assert!(message.starts_with(&expected_start), "message: {message}");
    assert!(
        message.contains("ANACONDA_AUTH_API_KEY"),
        "message: {message}"
    );
    let received = setup.repo.received().await;
    assert!(received.is_empty(), "no request may leave without a key");
}

/// Runs `audit` over `paths` with the secrets directory of `setup`, so that the secret file
/// is the key's source, which `audit` leaves out.
fn audit(setup: &Setup, paths: &[&Path]) -> std::process::Output {
    Command::new(HELPER)
        .arg("audit")
        .args(paths)
        .env_clear()
        .env("ANACONDA_SECRETS_DIR", setup.secrets_dir())
        .current_dir(setup.dir.path().join("work"))
        .output()
        .expect("run audit")
}

#[tokio::test]
async fn plugin_leaves_no_key_for_audit() {
    let setup = Setup::start().await;
    let secret = setup.secrets_dir().join("ANACONDA_AUTH_API_KEY");
    std::fs::write(&secret, format!("{KEY}\n")).expect("write the secret file");
    let other_url = format!("https://{OTHER_HOST}/channel/noarch/repodata.json");

    let run = Run::of(
        setup
            .driver(&repodata_url())
            .args([other_url.as_str(), "--threads", "4"])
            .env("CONDA_CREDENTIAL_HELPER_LOG", "debug"),
    );
    assert!(run.outcomes.iter().all(|outcome| status(outcome) == 200));
    let output = setup.dir.path().join("output");
    std::fs::create_dir(&output).expect("create the output dir");
    std::fs::write(output.join("stdout"), &run.stdout).expect("save stdout");
    std::fs::write(output.join("stderr"), &run.stderr).expect("save stderr");

    // The scratch directory is HOME, the working directory and the saved output.
    let clean = audit(&setup, &[setup.dir.path()]);
    let stdout = String::from_utf8_lossy(&clean.stdout);
    let stderr = String::from_utf8_lossy(&clean.stderr);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("it is the file a credential was read from"),
        "{stderr}"
    );

    // The same audit finds a copy of the key, so the clean result above is meaningful.
    std::fs::copy(&secret, setup.dir.path().join("work/leaked")).expect("copy the key");
    let leaked = audit(&setup, &[setup.dir.path()]);
    let stdout = String::from_utf8_lossy(&leaked.stdout);
    assert_eq!(leaked.status.code(), Some(1), "stdout: {stdout}");
    assert!(
        stdout.ends_with("work/leaked: the key in plain text at byte 0\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(KEY), "{stdout}");
}
