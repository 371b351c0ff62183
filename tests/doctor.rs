//! Drives `doctor` of the real binary against venv prefixes with and without the plugin.

#[path = "install/support.rs"]
#[allow(dead_code)]
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use support::{HELPER, SYSTEM_PATH, TestPrefix, output, run_ok};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const KEY: &str = "doctor-test-key-0123456789-WXYZ";
const CONDA_VERSION: &str = "26.7.1";

/// A prefix with a stand-in conda distribution, a home and a working directory.
struct Setup {
    prefix: TestPrefix,
    home: PathBuf,
    work: PathBuf,
}

impl Setup {
    /// Creates a prefix whose python reports conda 26.7.1, as a real base environment does.
    fn new() -> Self {
        let prefix = TestPrefix::new();
        let conda_dist = prefix
            .site_packages()
            .join(format!("conda-{CONDA_VERSION}.dist-info"));
        write(
            &conda_dist.join("METADATA"),
            &format!("Metadata-Version: 2.1\nName: conda\nVersion: {CONDA_VERSION}\n"),
        );
        let home = prefix.temp.path().join("home");
        let work = prefix.temp.path().join("work");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&work).unwrap();
        // An empty config file of the helper keeps a machine-wide one out of the test.
        fs::write(work.join("helper-config.toml"), "").unwrap();
        Setup { prefix, home, work }
    }

    fn installed() -> Self {
        let setup = Setup::new();
        run_ok("install", &setup.prefix.root);
        setup
    }

    /// Returns `doctor --prefix <prefix> [args]` with a clean environment and the key set.
    fn doctor(&self, args: &[&str]) -> Command {
        let mut command = Command::new(HELPER);
        command
            .arg("doctor")
            .arg("--prefix")
            .arg(&self.prefix.root)
            .args(args)
            .env_clear()
            .env("PATH", SYSTEM_PATH)
            .env("HOME", &self.home)
            .env("ANACONDA_SECRETS_DIR", self.work.join("no-secrets"))
            .env(
                "CONDA_CREDENTIAL_HELPER_CONFIG",
                self.work.join("helper-config.toml"),
            )
            .env("ANACONDA_AUTH_API_KEY", KEY)
            .current_dir(&self.work);
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&mut self.doctor(args))
    }

    fn run_json(&self) -> (Option<i32>, Value) {
        let run = self.run(&["--json"]);
        let report = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", run.stdout));
        (run.code, report)
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `command` and checks that the key appears in neither stdout nor stderr.
fn run(command: &mut Command) -> Run {
    let result = output(command);
    let run = Run {
        code: result.status.code(),
        stdout: String::from_utf8(result.stdout).unwrap(),
        stderr: String::from_utf8(result.stderr).unwrap(),
    };
    assert!(!run.stdout.contains(KEY), "key in stdout: {}", run.stdout);
    assert!(!run.stderr.contains(KEY), "key in stderr: {}", run.stderr);
    assert!(!run.stdout.contains("0123456789"), "key part in stdout");
    run
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn problem_codes(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .expect("problems is a list")
        .iter()
        .map(|problem| problem["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn doctor_without_plugin_fails() {
    let setup = Setup::new();

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(1));
    assert_eq!(report["ok"], false);
    assert_eq!(
        problem_codes(&report),
        ["plugin_missing", "condarc_missing", "channel_unclaimed"]
    );
    let install = format!(
        "Run `conda-credential-helper install --prefix {}`",
        setup.prefix.root.display()
    );
    for problem in report["problems"].as_array().unwrap() {
        let message = problem["message"].as_str().unwrap();
        assert!(
            message.ends_with("install`") || message.ends_with(&install),
            "{message}"
        );
    }
}

#[test]
fn doctor_with_plugin_passes() {
    let setup = Setup::installed();

    let run = setup.run(&[]);

    assert_eq!(run.code, Some(0), "stdout: {}", run.stdout);
    assert_eq!(run.stderr, "");
    let root = setup.prefix.root.display().to_string();
    let site = setup.prefix.site_packages().display().to_string();
    let work = setup.work.display().to_string();
    let home = setup.home.display().to_string();
    let helper = fs::canonicalize(HELPER).unwrap().display().to_string();
    let expected = format!(
        "conda-credential-helper {VERSION} doctor

Credential sources, first found wins:
  1. environment variable ANACONDA_AUTH_API_KEY: found ****WXYZ in environment variable ANACONDA_AUTH_API_KEY
  2. environment variable ANACONDA_CLOUD_API_KEY (deprecated): unset
  3. secrets directory: missing: {work}/no-secrets
  4. .env file: missing: {work}/.env
  5. anaconda config file (api_key): missing: {home}/.anaconda/config.toml
  6. keyring given whole (ANACONDA_AUTH_KEYRING or keyring): ANACONDA_AUTH_KEYRING: no value in the environment, secrets directory, .env or config file
  7. keyring file: missing: {home}/.anaconda/keyring
Credential: API key ****WXYZ from environment variable ANACONDA_AUTH_API_KEY
Channel rule: the Anaconda credentials are sent only to https://repo.anaconda.cloud, https://repo.anaconda.com, https://repo.continuum.io (scheme https, port 443)

conda:
  base environment: {root} (found through --prefix)
  conda version: {CONDA_VERSION}
  plugin: {VERSION} ({site}/conda_credential_helper-{VERSION}.dist-info), entry point present
  plugin runs: {helper} (from helper_path.txt)
  condarc file: {root}/condarc.d/conda-credential-helper.yml (present)
  condarc files conda reads: 1
    {root}/condarc.d/conda-credential-helper.yml
  https://repo.anaconda.cloud/repo/main: conda uses conda-credential-helper (https://repo.anaconda.cloud/* in {root}/condarc.d/conda-credential-helper.yml)

Result: a conda build would authenticate.
"
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn doctor_sees_other_plugin_version() {
    let setup = Setup::installed();
    let site = setup.prefix.site_packages();
    fs::rename(
        site.join(format!("conda_credential_helper-{VERSION}.dist-info")),
        site.join("conda_credential_helper-0.0.1.dist-info"),
    )
    .unwrap();

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(1));
    assert_eq!(problem_codes(&report), ["plugin_version"]);
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "the installed conda plugin is version 0.0.1, but this binary is {VERSION}"
        )),
        "{message}"
    );
    assert_eq!(report["conda"]["plugin"][0]["version"], "0.0.1");
}

#[test]
fn doctor_sees_missing_entry_point() {
    let setup = Setup::installed();
    let entry_points = setup.prefix.site_packages().join(format!(
        "conda_credential_helper-{VERSION}.dist-info/entry_points.txt"
    ));
    fs::write(entry_points, "[console_scripts]\n").unwrap();

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(1));
    assert_eq!(problem_codes(&report), ["entry_point_missing"]);
}

#[test]
fn doctor_sees_shadowing_entry() {
    let setup = Setup::installed();
    // `<prefix>/.condarc` comes before `<prefix>/condarc.d/` in conda's search path, so its
    // entry wins.
    let shadowing = setup.prefix.root.join(".condarc");
    write(
        &shadowing,
        "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n",
    );
    write(
        &setup
            .prefix
            .site_packages()
            .join("anaconda_auth-0.9.0.dist-info/entry_points.txt"),
        "[conda]\nanaconda-auth = anaconda_auth._conda.entrypoint\n",
    );

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(1));
    assert_eq!(problem_codes(&report), ["channel_shadowed"]);
    let message = report["problems"][0]["message"].as_str().unwrap();
    let expected = format!(
        "conda uses anaconda-auth (https://repo.anaconda.cloud/* in {0}) for https://repo.anaconda.cloud/repo/main, not conda-credential-helper. Remove that entry from `{0}`, or set its `auth` to conda-credential-helper",
        shadowing.display()
    );
    assert_eq!(message, expected);
    let channel = &report["conda"]["channels"][0];
    assert_eq!(channel["applied"]["auth"], "anaconda-auth");
    assert_eq!(channel["overridden"][0]["auth"], "conda-credential-helper");
    assert_eq!(
        report["conda"]["other_auth_plugins"][0]["name"],
        "anaconda_auth"
    );
}

#[test]
fn doctor_user_condarc_does_not_shadow() {
    let setup = Setup::installed();
    write(
        &setup.home.join(".condarc"),
        "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n",
    );

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(0), "{report}");
    let channel = &report["conda"]["channels"][0];
    assert_eq!(channel["applied"]["auth"], "conda-credential-helper");
    assert_eq!(channel["overridden"][0]["auth"], "anaconda-auth");
}

#[test]
fn doctor_text_names_losing_entry() {
    let setup = Setup::installed();
    let user_condarc = setup.home.join(".condarc");
    write(
        &user_condarc,
        "channel_settings:\n  - channel: https://repo.anaconda.cloud/*\n    auth: anaconda-auth\n",
    );

    let run = setup.run(&[]);

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected = format!(
        "    not used, because the entry above wins: anaconda-auth (https://repo.anaconda.cloud/* in {})\n",
        user_condarc.display()
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(!run.stdout.contains("overridden"), "{}", run.stdout);
}

#[test]
fn doctor_without_key_fails() {
    let setup = Setup::installed();

    let run = run(setup.doctor(&[]).env_remove("ANACONDA_AUTH_API_KEY"));

    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains(
            "  - no API key found; searched environment variable ANACONDA_AUTH_API_KEY (unset)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("Result: a conda build would not authenticate.\n")
    );
}

#[test]
fn doctor_invalid_key_shadows_dotenv() {
    let setup = Setup::installed();
    write(
        &setup.work.join(".env"),
        &format!("ANACONDA_AUTH_API_KEY={KEY}\n"),
    );

    let (code, report) = {
        let run = run(setup
            .doctor(&["--json"])
            .env("ANACONDA_AUTH_API_KEY", "bad key"));
        (
            run.code,
            serde_json::from_str::<Value>(&run.stdout).unwrap(),
        )
    };

    assert_eq!(code, Some(1));
    assert_eq!(problem_codes(&report), ["invalid_credential"]);
    let states: Vec<&str> = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|source| source["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "invalid", "not_set", "not_set", "shadowed", "not_set", "not_set", "not_set"
        ]
    );
    assert_eq!(report["sources"][3]["fingerprint"], "****WXYZ");
}

#[test]
fn doctor_json_schema() {
    let setup = Setup::installed();

    let (code, report) = setup.run_json();

    assert_eq!(code, Some(0));
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = [
        "version",
        "ok",
        "sources",
        "credential",
        "channel_rules",
        "conda",
        "problems",
        "warnings",
    ];
    expected.sort();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    assert_eq!(report["version"], VERSION);
    assert_eq!(report["ok"], true);
    for source in report["sources"].as_array().unwrap() {
        assert!(source["name"].is_string(), "{source}");
        assert!(source["detail"].is_string(), "{source}");
        let state = source["state"].as_str().unwrap();
        assert!(["not_set", "found", "invalid", "shadowed"].contains(&state));
        assert!(source["fingerprint"].is_null() || source["fingerprint"].is_string());
    }
    let credential = &report["credential"];
    assert_eq!(credential["fingerprint"], "****WXYZ");
    assert_eq!(credential["kind"], "API key");
    assert_eq!(
        credential["source"],
        "environment variable ANACONDA_AUTH_API_KEY"
    );
    assert!(credential["expires_at"].is_null());
    let conda = &report["conda"];
    for key in [
        "prefix",
        "prefix_source",
        "conda_version",
        "site_packages",
        "plugin",
        "plugin_runs",
        "condarc_file",
        "condarc_file_present",
        "condarc_files",
        "channels",
        "other_auth_plugins",
    ] {
        assert!(conda.get(key).is_some(), "conda.{key} missing: {conda}");
    }
    assert_eq!(conda["plugin"][0]["entry_point"], true);
    assert_eq!(conda["condarc_file_present"], true);
    assert_eq!(conda["conda_version"], CONDA_VERSION);
    assert_eq!(report["problems"], Value::Array(vec![]));
}

#[test]
fn doctor_verbose_names_source() {
    let setup = Setup::installed();

    let run = setup.run(&["-v"]);

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "source environment variable ANACONDA_AUTH_API_KEY: found ****WXYZ in environment variable ANACONDA_AUTH_API_KEY"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn doctor_plugin_log_variable_enables_debug() {
    let setup = Setup::installed();

    let run = run(setup
        .doctor(&[])
        .env("CONDA_CREDENTIAL_HELPER_LOG", "debug"));

    assert!(run.stderr.contains("DEBUG"), "{}", run.stderr);
    assert!(run.stderr.contains("****WXYZ"), "{}", run.stderr);
}
