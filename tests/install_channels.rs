//! Drives `install` with the helper's config file and `--channel`, and checks the
//! `channel_settings` it writes and the warnings about older conda.

#[path = "install/support.rs"]
#[allow(dead_code)]
mod support;

use std::ffi::OsStr;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use support::{HelperRun, TestPrefix, fake_prefix, helper_command, load_yaml, run_helper};

const ANACONDA: &str = "https://repo.anaconda.cloud/*";

const CONFIG: &str = r#"[[channel]]
url = "https://conda.example.internal/artifactory/api/conda/*"
scheme = "Basic"
username = "builder"
secret = "ARTIFACTORY_PASSWORD"

[[channel]]
url = "https://tokens.example/chan"
scheme = "token"
secret = "TOKENS_TOKEN"
"#;

/// Runs `install --prefix <prefix> <args>` with `config` as the helper's config file.
fn install(prefix: &Path, config: &Path, args: &[&str]) -> HelperRun {
    let mut all: Vec<&OsStr> = vec!["install".as_ref(), "--prefix".as_ref(), prefix.as_os_str()];
    all.extend(args.iter().map(|arg| OsStr::new(*arg)));
    let mut command = helper_command(&all);
    command.env("CONDA_CREDENTIAL_HELPER_CONFIG", config);
    run_helper(&mut command)
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("helper-config.toml");
    fs::write(&path, text).unwrap();
    path
}

fn entries(channels: &[&str]) -> Value {
    let list: Vec<Value> = channels
        .iter()
        .map(|channel| json!({"channel": channel, "auth": "conda-credential-helper"}))
        .collect();
    json!({ "channel_settings": list })
}

fn condarc(prefix: &Path) -> Value {
    load_yaml(&prefix.join("condarc.d/conda-credential-helper.yml"))
}

#[test]
fn install_maps_config_channels() {
    let prefix = TestPrefix::new();
    let config = write_config(prefix.temp.path(), CONFIG);

    let run = install(&prefix.root, &config, &[]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let expected = entries(&[
        ANACONDA,
        "https://conda.example.internal/artifactory/api/conda/*",
        "https://tokens.example/chan",
    ]);
    assert_eq!(condarc(&prefix.root), expected);
    assert!(
        run.stderr
            .contains("    https://conda.example.internal/artifactory/api/conda/*\n"),
        "stderr lists the channels: {}",
        run.stderr
    );
    let from = format!("  channels from:    {}\n", config.display());
    assert!(
        run.stderr.contains(&from),
        "stderr names the config: {}",
        run.stderr
    );
}

#[test]
fn install_writes_exact_channels() {
    let prefix = TestPrefix::new();
    let config = write_config(prefix.temp.path(), "");

    let run = install(
        &prefix.root,
        &config,
        &[
            "--channel",
            "https://repo.anaconda.cloud/repo/main",
            "--channel",
            "https://repo.anaconda.cloud/repo/my-org/chan/",
        ],
    );

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let expected = entries(&[
        ANACONDA,
        "https://repo.anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud/repo/my-org/chan",
    ]);
    assert_eq!(condarc(&prefix.root), expected);
    assert!(
        !run.stderr.contains("is not on repo.anaconda.cloud"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn install_rejects_wildcard_channel() {
    let prefix = TestPrefix::new();
    let config = write_config(prefix.temp.path(), "");

    let run = install(
        &prefix.root,
        &config,
        &["--channel", "https://repo.anaconda.cloud/*"],
    );

    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "error: invalid `--channel https://repo.anaconda.cloud/*`: it contains a wildcard. \
         Pass each channel's exact URL; patterns come from the config file\n"
    );
    assert!(!prefix.root.join("condarc.d").exists());
}

#[test]
fn install_rejects_plain_http_channel() {
    let prefix = TestPrefix::new();
    let config = write_config(prefix.temp.path(), "");

    let run = install(
        &prefix.root,
        &config,
        &["--channel", "http://repo.anaconda.cloud/repo/main"],
    );

    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("unencrypted"), "stderr: {}", run.stderr);
}

#[test]
fn install_rejects_invalid_config() {
    let prefix = TestPrefix::new();
    let config = write_config(
        prefix.temp.path(),
        "[[channel]]\nurl = \"https://a.example/*\"\nscheme = \"Digest\"\nsecret = \"S\"\n",
    );

    let run = install(&prefix.root, &config, &[]);

    assert_eq!(run.code, Some(1));
    let expected = format!(
        "error: invalid config file {}, line 3: `scheme` is not one of Bearer, token and Basic. \
         Set scheme = \"Bearer\", \"token\" or \"Basic\", spelled exactly so\n",
        config.display()
    );
    assert_eq!(run.stderr, expected);
    assert!(!prefix.root.join("condarc.d").exists());
}

#[test]
fn install_rejects_missing_named_config() {
    let prefix = TestPrefix::new();
    let config = prefix.temp.path().join("missing.toml");

    let run = install(&prefix.root, &config, &[]);

    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("named by CONDA_CREDENTIAL_HELPER_CONFIG does not exist"),
        "stderr: {}",
        run.stderr
    );
}

/// The warning install prints for conda older than 24.5 without `--channel`.
const OLD_CONDA_WARNING: &str = "matches channel_settings only by exact channel name";

#[test]
fn old_conda_without_channel_warns() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "23.9.0");
    let config = write_config(temp.path(), "");

    let run = install(&root, &config, &[]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let warning = format!("conda 23.9.0 in `{}` {OLD_CONDA_WARNING}", root.display());
    assert!(run.stderr.contains(&warning), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("--channel <URL>"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn old_conda_with_channel_does_not_warn() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.4.0");
    let config = write_config(temp.path(), "");

    let run = install(
        &root,
        &config,
        &["--channel", "https://repo.anaconda.cloud/repo/main"],
    );

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        !run.stderr.contains(OLD_CONDA_WARNING),
        "stderr: {}",
        run.stderr
    );
    let expected = entries(&[ANACONDA, "https://repo.anaconda.cloud/repo/main"]);
    assert_eq!(condarc(&root), expected);
}

#[test]
fn current_conda_does_not_warn() {
    for version in ["24.5.0", "24.11.3", "26.7.1"] {
        let temp = tempfile::tempdir().unwrap();
        let root = fake_prefix(temp.path(), version);
        let config = write_config(temp.path(), "");

        let run = install(&root, &config, &[]);

        assert_eq!(run.code, Some(0), "{version}: {}", run.stderr);
        assert!(!run.stderr.contains("WARN"), "{version}: {}", run.stderr);
    }
}

#[test]
fn unserved_channel_warns() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.11.3");
    let config = write_config(temp.path(), CONFIG);

    let run = install(
        &root,
        &config,
        &[
            "--channel",
            "https://conda.example.internal/artifactory/api/conda/chan",
            "--channel",
            "https://tokens.example/chan",
            "--channel",
            "https://elsewhere.example/chan",
        ],
    );

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "stderr: {}", run.stderr);
    assert!(
        warnings[0]
            .contains("`--channel https://elsewhere.example/chan` is not on repo.anaconda.cloud"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn install_writes_defaults_entry() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "23.9.0");
    let config = write_config(temp.path(), "");

    let run = install(&root, &config, &["--channel", "defaults"]);

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "stderr: {}", run.stderr);
    assert_eq!(condarc(&root), entries(&[ANACONDA, "defaults"]));
}
