//! Drives the real `get` with anaconda-auth's config file, its keyring and expiring API
//! keys in a temporary home, and checks exit code, stdout and stderr.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use common::build::Build;

const REPO_URI: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

/// Every test credential contains this marker, so a test can check stderr never shows it.
const MARK: &str = "SECRETMARK";

fn write_file(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Returns an unsigned JWT that expires `seconds` from now.
fn jwt_expiring_in(seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
    let claims = serde_json::json!({"sub": MARK, "exp": now + seconds});
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{MARK}")
}

#[track_caller]
fn assert_one_error_line(run: &common::build::Run, needles: &[&str]) {
    assert_eq!(run.code, Some(1), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "stdout");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} missing: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(MARK),
        "stderr shows a credential: {}",
        run.stderr
    );
}

#[test]
fn api_key_from_anaconda_config() {
    let build = Build::new();
    let config = build.home().join(".anaconda/config.toml");
    write_file(
        &config,
        "[plugin.auth]\napi_key = \"config-SECRETMARK-1\"\n",
    );

    let run = build.get(REPO_URI, true);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.authorization().as_deref(),
        Some("Bearer config-SECRETMARK-1")
    );
    let source = format!("[plugin.auth] api_key in {} (line 2)", config.display());
    assert_eq!(run.json()["source"], source);
    assert_eq!(run.stderr, "");
}

#[test]
fn api_key_of_selected_site() {
    let build = Build::new().var("ANACONDA_AUTH_SITE", "work");
    let config = build.home().join(".anaconda/config.toml");
    write_file(
        &config,
        "default_site = \"home\"\n[sites.home]\napi_key = \"home-SECRETMARK\"\n\
         [sites.work]\ndomain = \"work.example\"\napi_key = \"work-SECRETMARK\"\n",
    );
    let run = build.get(REPO_URI, false);
    assert_eq!(
        run.authorization().as_deref(),
        Some("Bearer work-SECRETMARK")
    );
}

#[test]
fn env_key_beats_anaconda_config() {
    let build = Build::new().var("ANACONDA_AUTH_API_KEY", "env-SECRETMARK");
    write_file(
        &build.home().join(".anaconda/config.toml"),
        "[plugin.auth]\napi_key = \"config-SECRETMARK\"\n",
    );
    let run = build.get(REPO_URI, false);
    assert_eq!(
        run.authorization().as_deref(),
        Some("Bearer env-SECRETMARK")
    );
}

#[test]
fn keyring_given_in_environment() {
    let record = STANDARD.encode(r#"{"api_key": "keyring-SECRETMARK"}"#);
    let keyring = serde_json::json!({"Anaconda Cloud": {"anaconda.com": record}}).to_string();
    let build = Build::new().var("ANACONDA_AUTH_KEYRING", &keyring);
    let run = build.get(REPO_URI, true);
    assert_eq!(
        run.authorization().as_deref(),
        Some("Bearer keyring-SECRETMARK")
    );
    assert_eq!(
        run.json()["source"],
        "keyring in environment variable ANACONDA_AUTH_KEYRING (entry anaconda.com, API key)"
    );
}

#[test]
fn broken_keyring_file_is_one_line_error() {
    let build = Build::new();
    let keyring = build.home().join(".anaconda/keyring");
    let entry = "not base64 SECRETMARK";
    write_file(
        &keyring,
        &serde_json::json!({"Anaconda Cloud": {"anaconda.com": entry}}).to_string(),
    );

    let run = build.get(REPO_URI, false);

    let message = format!(
        "entry anaconda.com of keyring file {} is not valid base64",
        keyring.display()
    );
    assert_one_error_line(&run, &[&message, "anaconda login"]);
}

#[test]
fn invalid_anaconda_config_names_line() {
    let build = Build::new();
    let config = build.home().join(".anaconda/config.toml");
    write_file(
        &config,
        "[plugin.auth]\nuse_unified_repo_api_key = \"SECRETMARK\"\n",
    );
    let run = build.get(REPO_URI, false);
    let message = format!("invalid anaconda config file {}, line 2", config.display());
    assert_one_error_line(&run, &[&message, "true or false"]);
}

#[test]
fn expired_key_fails_before_any_request() {
    let build = Build::new().var("ANACONDA_AUTH_API_KEY", &jwt_expiring_in(-120));
    let run = build.get(REPO_URI, false);
    assert_one_error_line(
        &run,
        &[
            "the API key from environment variable ANACONDA_AUTH_API_KEY expired at 20",
            "Z. Create a new API key",
        ],
    );
}

#[test]
fn key_expiring_soon_warns_and_sends_expiry() {
    let key = jwt_expiring_in(2 * 3600);
    let build = Build::new().var("ANACONDA_AUTH_API_KEY", &key);

    let run = build.get(REPO_URI, false);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.authorization(), Some(format!("Bearer {key}")));
    let expires = run.json()["expires"]
        .as_str()
        .expect("an expiry")
        .to_owned();
    assert_eq!(expires.len(), "2025-01-01T00:00:00Z".len(), "{expires}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let warning = format!(
        "warning: the API key from environment variable ANACONDA_AUTH_API_KEY expires at {expires}, in 1 h 59 min; replace it soon"
    );
    assert_eq!(run.stderr.trim_end(), warning);
}

#[test]
fn key_far_from_expiry_is_quiet() {
    let key = jwt_expiring_in(30 * 86_400);
    let build = Build::new().var("ANACONDA_AUTH_API_KEY", &key);
    let run = build.get(REPO_URI, false);
    assert_eq!(run.authorization(), Some(format!("Bearer {key}")));
    assert!(run.json()["expires"].is_string());
    assert_eq!(run.stderr, "");
}

#[test]
fn missing_channel_secret_is_one_line_error() {
    let build = Build::new();
    build.write_config(
        "[[channel]]\nurl = \"https://conda.example.internal/*\"\nscheme = \"token\"\nsecret = \"CHANNEL_TOKEN\"\n",
    );
    let run = build.get(
        "https://conda.example.internal/c/noarch/repodata.json",
        false,
    );
    let channel = format!(
        "no token found for channel https://conda.example.internal/* in {}, line 2",
        build.config_path().display()
    );
    assert_one_error_line(
        &run,
        &[&channel, "RUN --mount=type=secret,id=CHANNEL_TOKEN"],
    );
}

/// Runs `get` with a home that the running user may not enter: as `nobody` when the
/// tests run as root, else as the test user. The files there are skipped, as
/// anaconda-auth skips them.
#[test]
fn unreadable_home_is_skipped() {
    use std::os::unix::fs::MetadataExt;

    let is_root = fs::metadata("/proc/self").unwrap().uid() == 0;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let home = dir.path().join("home");
    write_file(
        &home.join(".anaconda/config.toml"),
        "[plugin.auth]\napi_key = \"x\"\n",
    );
    write_file(
        &home.join(".config/conda-credential-helper/config.toml"),
        "[[channel]]\n",
    );
    let secrets = dir.path().join("secrets");
    fs::create_dir(&secrets).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o000)).unwrap();

    let run = |uri: &str| {
        let binary = env!("CARGO_BIN_EXE_conda-credential-helper");
        let mut command = if is_root {
            let mut command = Command::new("/usr/bin/setpriv");
            command.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                binary,
            ]);
            command
        } else {
            Command::new(binary)
        };
        let mut child = command
            .arg("get")
            .env_clear()
            .env("HOME", &home)
            .env("ANACONDA_SECRETS_DIR", &secrets)
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let request = serde_json::json!({ "uri": uri }).to_string();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), request.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };

    let other = run("https://conda.example.internal/c/noarch/repodata.json");
    let anaconda = run(REPO_URI);
    fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();

    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&other.stdout), "{\"headers\":{}}\n");
    let stderr = String::from_utf8_lossy(&anaconda.stderr);
    assert_eq!(anaconda.status.code(), Some(1), "{stderr}");
    let place = format!(
        "anaconda config file {}/.anaconda/config.toml (missing)",
        home.display()
    );
    assert!(stderr.contains(&place), "{stderr}");
}
