//! Runs py-rattler under the real `exec`: rattler's own HTTP client reads the auth file that
//! `RATTLER_AUTH_FILE` names and fetches repodata and a package from a fake channel that
//! demands the key.
//!
//! rattler is Rust and resolves host names itself, so the channel cannot be reached as
//! `repo.anaconda.cloud` the way the Python tests reach it. The channel is a custom channel
//! from the config file, on loopback, and the auth file keys it by `127.0.0.1`. One test
//! serves it as `https://127.0.0.1:<port>/` behind the TLS front with the test CA. rattler
//! trusts that CA through `SSL_CERT_FILE`, because its TLS verifier loads the native roots
//! with `rustls-native-certs`, which reads that variable (py-rattler 0.28). Another test
//! serves it as `http://127.0.0.1:<port>/` with `allow_insecure_http`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use common::fake_repo::{FakeRepo, authorization_values};
use common::python;
use common::tls::{TestCa, TlsFront};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

const KEY: &str = "rattler-key-0123456789";
const OTHER_KEY: &str = "other-key-9876543210";

/// The variable that the config file names as the channel's secret.
const SECRET_VAR: &str = "PRIVATE_CHANNEL_KEY";

/// The channel path on the fake server, apart from the empty channel it always serves.
const CHANNEL_PATH: &str = "/repo/private";

const DRIVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/rattler_driver.py"
);

/// Returns the test python after checking that it has py-rattler.
fn rattler_python() -> PathBuf {
    let python = python::test_python();
    let works = Command::new(&python)
        .args(["-c", "import rattler"])
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        works,
        "py-rattler is missing from `{}`: run `scripts/test`, which installs \
         scripts/test-requirements.txt",
        python.display()
    );
    python
}

/// Builds the demo package in `dir` with the driver and returns its file name and
/// repodata entry.
fn make_package(python: &Path, dir: &Path) -> (String, Value) {
    let output = Command::new(python)
        .args([DRIVER, "make-package"])
        .arg(dir)
        .output()
        .expect("run the driver");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let made: Value = serde_json::from_slice(&output.stdout).unwrap();
    let file_name = made["file_name"].as_str().unwrap().to_owned();
    (file_name, made["entry"].clone())
}

/// Starts a fake server that serves the demo package in [`CHANNEL_PATH`] to `key`.
async fn start_channel(python: &Path, key: &str) -> FakeRepo {
    let dir = tempfile::tempdir().unwrap();
    let (file_name, entry) = make_package(python, dir.path());
    let repodata = json!({
        "info": { "subdir": "noarch" },
        "packages": { &file_name: entry },
        "packages.conda": {},
        "repodata_version": 1,
    });
    let repo = FakeRepo::start(key).await;
    let noarch = format!("{CHANNEL_PATH}/noarch");
    repo.serve(
        &format!("{noarch}/repodata.json"),
        repodata.to_string().into_bytes(),
    )
    .await;
    let package = fs::read(dir.path().join(&file_name)).unwrap();
    repo.serve(&format!("{noarch}/{file_name}"), package).await;
    repo
}

/// Temporary directories for one run: runtime, config, CA and extraction target.
struct Run {
    runtime: tempfile::TempDir,
    files: tempfile::TempDir,
}

impl Run {
    fn new() -> Self {
        Run {
            runtime: tempfile::tempdir().unwrap(),
            files: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes the config file with one channel and returns its path.
    fn write_config(&self, url: &str, allow_insecure_http: bool) -> PathBuf {
        let path = self.files.path().join("config.toml");
        let config = format!(
            "[[channel]]\nurl = \"{url}\"\nscheme = \"Bearer\"\nsecret = \"{SECRET_VAR}\"\n\
             allow_insecure_http = {allow_insecure_http}\n"
        );
        fs::write(&path, config).unwrap();
        path
    }

    /// Runs `exec -- python driver fetch <channel>` with `config`, the key and `ca` as the
    /// only trusted root.
    fn fetch(&self, python: &Path, config: &Path, channel: &str, ca: Option<&Path>) -> Output {
        let mut command = Command::new(BIN);
        command
            .args(["exec", "--"])
            .arg(python)
            .args([DRIVER, "fetch", channel])
            .arg(self.files.path().join("extracted"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.files.path())
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env("ANACONDA_SECRETS_DIR", self.files.path().join("no-secrets"))
            .env("CONDA_CREDENTIAL_HELPER_CONFIG", config)
            .env(SECRET_VAR, KEY)
            .current_dir(self.files.path());
        if let Some(ca) = ca {
            command.env("SSL_CERT_FILE", ca);
        }
        command.output().expect("run the helper")
    }

    fn assert_clean(&self) {
        let leftovers: Vec<_> = fs::read_dir(self.runtime.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Checks what the driver printed after a successful fetch.
fn assert_fetched(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    let result: Value = serde_json::from_slice(&output.stdout).expect("the driver's JSON");
    assert_eq!(result["records"], json!(["demo-1.0-0.tar.bz2"]));
    assert_eq!(
        result["extracted"],
        json!(["info/index.json", "info/paths.json"])
    );
    assert_eq!(result["auth_file_mode"], "0o600");
}

/// Checks that the server saw requests for repodata and the package, all with the key.
async fn assert_requests_carry_key(repo: &FakeRepo) {
    let requests = repo.received().await;
    let paths: Vec<String> = requests
        .iter()
        .map(|request| request.url.path().to_owned())
        .collect();
    let repodata = format!("{CHANNEL_PATH}/noarch/repodata.json");
    let package = format!("{CHANNEL_PATH}/noarch/demo-1.0-0.tar.bz2");
    assert!(paths.contains(&repodata), "{paths:?}");
    assert!(paths.contains(&package), "{paths:?}");
    let bearer = Some(format!("Bearer {KEY}"));
    for (path, authorization) in paths.iter().zip(authorization_values(&requests)) {
        assert_eq!(authorization, bearer, "{path}");
    }
}

#[tokio::test]
async fn rattler_fetches_over_https_loopback() {
    let python = rattler_python();
    let repo = start_channel(&python, KEY).await;
    let ca = TestCa::new();
    let front = TlsFront::start(&ca, &["127.0.0.1"], *repo.server.address());
    let run = Run::new();
    let ca_path = ca.write_pem(run.files.path());
    let channel = format!("https://127.0.0.1:{}{CHANNEL_PATH}", front.port);
    let config = run.write_config(&format!("{channel}/*"), false);

    let output = run.fetch(&python, &config, &channel, Some(&ca_path));
    assert_fetched(&output);
    assert_requests_carry_key(&repo).await;
    run.assert_clean();
}

#[tokio::test]
async fn rattler_fetches_over_allowed_http() {
    let python = rattler_python();
    let repo = start_channel(&python, KEY).await;
    let run = Run::new();
    let channel = format!("{}{CHANNEL_PATH}", repo.uri());
    let config = run.write_config(&format!("{channel}/*"), true);

    let output = run.fetch(&python, &config, &channel, None);
    assert_fetched(&output);
    assert_requests_carry_key(&repo).await;
    run.assert_clean();
}

#[tokio::test]
async fn http_channel_rejected_without_opt_in() {
    let python = rattler_python();
    let repo = start_channel(&python, KEY).await;
    let run = Run::new();
    let channel = format!("{}{CHANNEL_PATH}", repo.uri());
    let config = run.write_config(&format!("{channel}/*"), false);

    let output = run.fetch(&python, &config, &channel, None);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    // The config loader or exec may reject it; either way the message names the option.
    assert!(
        stderr(&output).contains("allow_insecure_http"),
        "{}",
        stderr(&output)
    );
    assert!(repo.received().await.is_empty(), "the command ran");
    run.assert_clean();
}

#[tokio::test]
async fn rejected_key_fails_and_cleans_up() {
    let python = rattler_python();
    let repo = start_channel(&python, OTHER_KEY).await;
    let run = Run::new();
    let channel = format!("{}{CHANNEL_PATH}", repo.uri());
    let config = run.write_config(&format!("{channel}/*"), true);

    let output = run.fetch(&python, &config, &channel, None);
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let sent = authorization_values(&repo.received().await);
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|value| *value == Some(format!("Bearer {KEY}"))),
        "{sent:?}"
    );
    run.assert_clean();
}

#[tokio::test]
async fn without_exec_rattler_is_refused() {
    let python = rattler_python();
    let repo = start_channel(&python, KEY).await;
    let run = Run::new();
    let channel = format!("{}{CHANNEL_PATH}", repo.uri());
    let empty_auth_file = run.files.path().join("empty.json");
    fs::write(&empty_auth_file, "{}").unwrap();

    let output = Command::new(&python)
        .args([DRIVER, "fetch", &channel])
        .arg(run.files.path().join("extracted"))
        .env_clear()
        .env("HOME", run.files.path())
        .env("RATTLER_AUTH_FILE", &empty_auth_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let sent = authorization_values(&repo.received().await);
    assert!(sent.iter().all(Option::is_none), "{sent:?}");
}
