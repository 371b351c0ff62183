//! Drives the real `conda-credential-helper exec` with shell commands as the child, and
//! checks the auth files the child reads, their modes, the exit codes, the forwarding of
//! signals and that nothing is left behind.

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// Every test key contains this marker, so a test can check that output never shows it.
const MARK: &str = "SECRETMARK";

const ENV_KEY: &str = "env-SECRETMARK-0001";
const FILE_KEY: &str = "file-SECRETMARK-0002";

const API_KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";
const LEGACY_API_KEY_VAR: &str = "ANACONDA_CLOUD_API_KEY";

/// How long a run may take before the test kills it.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A shell command that prints the auth file's path, its mode and its directory's mode,
/// then the file itself.
const REPORT_AUTH_FILE: &str = r#"
    echo "$RATTLER_AUTH_FILE"
    stat -c %a "$RATTLER_AUTH_FILE"
    stat -c %a "$(dirname "$RATTLER_AUTH_FILE")"
    cat "$RATTLER_AUTH_FILE"
"#;

/// What a run of the binary produced.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Temporary runtime, secrets, working and home directories, and the variables to pass.
struct Sandbox {
    runtime: tempfile::TempDir,
    secrets: tempfile::TempDir,
    work: tempfile::TempDir,
    home: tempfile::TempDir,
    vars: Vec<(String, OsString)>,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            runtime: tempfile::tempdir().unwrap(),
            secrets: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            vars: Vec::new(),
        }
    }

    fn with_key() -> Self {
        Sandbox::new().var(API_KEY_VAR, ENV_KEY)
    }

    fn var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    fn write_secret(&self, content: &str) {
        fs::write(self.secrets.path().join(API_KEY_VAR), content).unwrap();
    }

    /// Builds the command with a cleared environment. XDG_RUNTIME_DIR points at a
    /// directory of this sandbox, so that `exec` creates its private directory there.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env("ANACONDA_SECRETS_DIR", self.secrets.path())
            .env("HOME", self.home.path())
            .envs(self.vars.iter().map(|(name, value)| (name, value)))
            .current_dir(self.work.path())
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the helper");
        let stdout = read_in_background(child.stdout.take().unwrap());
        let stderr = read_in_background(child.stderr.take().unwrap());
        let code = wait_with_timeout(&mut child);
        Run {
            code,
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
        }
    }

    /// Runs `exec -- sh -c <script>`.
    fn exec_sh(&self, script: &str) -> Run {
        self.run(&["exec", "--", "sh", "-c", script])
    }

    /// Returns what is left in the runtime directory.
    fn leftovers(&self) -> Vec<PathBuf> {
        fs::read_dir(self.runtime.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect()
    }
}

fn read_in_background(mut reader: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = reader.read_to_string(&mut text);
        text
    })
}

/// Waits for `child`, killing it after [`TIMEOUT`], and returns its exit code.
fn wait_with_timeout(child: &mut Child) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("helper did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The report of [`REPORT_AUTH_FILE`].
struct AuthFileReport {
    path: PathBuf,
    file_mode: String,
    dir_mode: String,
    content: Value,
}

fn parse_report(stdout: &str) -> AuthFileReport {
    let mut lines = stdout.lines();
    let mut next = || lines.next().expect("a report line").to_owned();
    let path = PathBuf::from(next());
    let file_mode = next();
    let dir_mode = next();
    let content = serde_json::from_str(&next()).expect("the auth file is JSON");
    AuthFileReport {
        path,
        file_mode,
        dir_mode,
        content,
    }
}

fn assert_clean(sandbox: &Sandbox, auth_file: &Path) {
    assert!(!auth_file.exists(), "{} still exists", auth_file.display());
    let leftovers = sandbox.leftovers();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

fn send_signal(child: &Child, signal: i32) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill() takes plain integers and has no memory-safety preconditions.
    assert_eq!(
        unsafe { libc::kill(pid, signal) },
        0,
        "kill({pid}, {signal})"
    );
}

/// Starts `exec` with a child that runs `setup`, prints the auth file's path and then runs
/// `rest`, and returns the running helper with that path once the child printed it.
fn start_long_running(sandbox: &Sandbox, setup: &str, rest: &str) -> (Child, PathBuf) {
    let script = format!("{setup} echo \"$RATTLER_AUTH_FILE\"; {rest}");
    let mut child = sandbox
        .command(&["exec", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the helper");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "the child printed no path");
    (child, PathBuf::from(line.trim_end()))
}

// The auth file the child reads.

#[test]
fn auth_file_has_bearer_entry() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh(REPORT_AUTH_FILE);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report = parse_report(&run.stdout);
    let entry = json!({ "BearerToken": ENV_KEY });
    let expected = json!({
        "repo.anaconda.cloud": entry.clone(),
        "repo.anaconda.com": entry.clone(),
        "repo.continuum.io": entry,
    });
    assert_eq!(report.content, expected);
    assert_eq!(run.stderr, "");
}

#[test]
fn auth_file_private_while_running() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh(REPORT_AUTH_FILE);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report = parse_report(&run.stdout);
    assert_eq!(report.file_mode, "600");
    assert_eq!(report.dir_mode, "700");
    assert!(report.path.starts_with(sandbox.runtime.path()));
}

#[test]
fn auth_file_private_under_open_umask() {
    let sandbox = Sandbox::with_key();
    let script = format!("umask 000; exec {BIN} exec -- sh -c '{REPORT_AUTH_FILE}'");
    let run = sandbox.run(&["exec", "--", "sh", "-c", &script]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report = parse_report(&run.stdout);
    assert_eq!(report.file_mode, "600");
    assert_eq!(report.dir_mode, "700");
}

#[test]
fn key_from_secret_file() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(&format!("{FILE_KEY}\n"));
    let run = sandbox.exec_sh(REPORT_AUTH_FILE);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report = parse_report(&run.stdout);
    assert_eq!(
        report.content["repo.anaconda.cloud"]["BearerToken"],
        FILE_KEY
    );
}

#[test]
fn key_not_in_child_environment() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(FILE_KEY);
    let run = sandbox.exec_sh("env; cat /proc/$$/cmdline");
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!run.stdout.contains(MARK), "{}", run.stdout);
    let conda_vars: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("CONDA_"))
        .collect();
    assert!(conda_vars.is_empty(), "{conda_vars:?}");
    assert!(run.stdout.contains("RATTLER_AUTH_FILE="), "{}", run.stdout);
}

#[test]
fn existing_auth_file_entries_kept() {
    let sandbox = Sandbox::with_key();
    let existing = sandbox.work.path().join("credentials.json");
    let stored = json!({
        "prefix.example": { "BearerToken": "other-token" },
        "repo.anaconda.cloud": { "BearerToken": "stale-token" },
    });
    fs::write(&existing, stored.to_string()).unwrap();
    let sandbox = sandbox.var("RATTLER_AUTH_FILE", &existing);
    let run = sandbox.exec_sh(REPORT_AUTH_FILE);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report = parse_report(&run.stdout);
    assert_ne!(report.path, existing);
    assert_eq!(
        report.content["prefix.example"]["BearerToken"],
        "other-token"
    );
    assert_eq!(
        report.content["repo.anaconda.cloud"]["BearerToken"],
        ENV_KEY
    );
    assert_eq!(fs::read_to_string(&existing).unwrap(), stored.to_string());
}

#[test]
fn legacy_variable_warns_once() {
    let sandbox = Sandbox::new().var(LEGACY_API_KEY_VAR, ENV_KEY);
    let run = sandbox.exec_sh("true");
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let expected = "warning: ANACONDA_CLOUD_API_KEY is deprecated; \
                    rename it to ANACONDA_AUTH_API_KEY\n";
    assert_eq!(run.stderr, expected);
}

// Exit codes and cleanup.

#[test]
fn success_removes_auth_file() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh(REPORT_AUTH_FILE);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_clean(&sandbox, &parse_report(&run.stdout).path);
}

#[test]
fn failure_code_passes_through() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh("echo \"$RATTLER_AUTH_FILE\"; exit 3");
    assert_eq!(run.code, Some(3), "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_clean(&sandbox, Path::new(run.stdout.trim_end()));
}

#[test]
fn exit_code_255_passes_through() {
    let run = Sandbox::with_key().exec_sh("exit 255");
    assert_eq!(run.code, Some(255), "stderr: {}", run.stderr);
}

#[test]
fn child_killed_by_signal_exits_128_plus_n() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh("echo \"$RATTLER_AUTH_FILE\"; kill -KILL $$");
    assert_eq!(
        run.code,
        Some(128 + libc::SIGKILL),
        "stderr: {}",
        run.stderr
    );
    assert_clean(&sandbox, Path::new(run.stdout.trim_end()));
}

#[test]
fn child_removing_file_is_fine() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh("rm -rf \"$(dirname \"$RATTLER_AUTH_FILE\")\"");
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(sandbox.leftovers().is_empty());
}

#[test]
fn sigterm_forwarded_and_cleaned() {
    let sandbox = Sandbox::with_key();
    let (mut child, auth_file) = start_long_running(&sandbox, "", "exec sleep 30");
    assert!(auth_file.is_file(), "{} is missing", auth_file.display());
    send_signal(&child, libc::SIGTERM);
    let code = wait_with_timeout(&mut child);
    assert_eq!(code, Some(128 + libc::SIGTERM));
    assert_clean(&sandbox, &auth_file);
}

#[test]
fn sigterm_handled_by_child() {
    let sandbox = Sandbox::with_key();
    let setup = "trap 'exit 42' TERM;";
    let rest = "while :; do sleep 0.05; done";
    let (mut child, auth_file) = start_long_running(&sandbox, setup, rest);
    send_signal(&child, libc::SIGTERM);
    assert_eq!(wait_with_timeout(&mut child), Some(42));
    assert_clean(&sandbox, &auth_file);
}

#[test]
fn sigint_and_sighup_forwarded() {
    for signal in [libc::SIGINT, libc::SIGHUP] {
        let sandbox = Sandbox::with_key();
        let (mut child, auth_file) = start_long_running(&sandbox, "", "exec sleep 30");
        send_signal(&child, signal);
        assert_eq!(
            wait_with_timeout(&mut child),
            Some(128 + signal),
            "{signal}"
        );
        assert_clean(&sandbox, &auth_file);
    }
}

#[test]
fn missing_command_exits_127() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.run(&["exec", "--", "nonexistent-command-1234"]);
    assert_eq!(run.code, Some(127), "stderr: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: failed to run `nonexistent-command-1234`"),
        "{}",
        run.stderr
    );
    assert!(sandbox.leftovers().is_empty());
}

#[test]
fn unexecutable_command_exits_126() {
    let sandbox = Sandbox::with_key();
    let script = sandbox.work.path().join("script.sh");
    fs::write(&script, "#!/bin/sh\ntrue\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
    let run = sandbox.run(&["exec", "--", script.to_str().unwrap()]);
    assert_eq!(run.code, Some(126), "stderr: {}", run.stderr);
    assert!(sandbox.leftovers().is_empty());
}

#[test]
fn missing_key_runs_nothing() {
    let sandbox = Sandbox::new();
    let marker = sandbox.work.path().join("ran");
    let script = format!("touch {}", marker.display());
    let run = sandbox.exec_sh(&script);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert!(
        run.stderr.starts_with("error: no API key found"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(!marker.exists());
    assert!(sandbox.leftovers().is_empty());
}

#[test]
fn invalid_key_keeps_value_off_stderr() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, "bad SECRETMARK key");
    let run = sandbox.exec_sh("true");
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert!(
        run.stderr.starts_with("error: invalid API key"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}

#[test]
fn missing_command_is_usage_error() {
    let run = Sandbox::with_key().run(&["exec"]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("<COMMAND>"), "{}", run.stderr);
}

#[test]
fn command_flags_not_parsed() {
    let run = Sandbox::with_key().run(&["exec", "sh", "-c", "echo $0 $1", "-v", "--mamba"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "-v --mamba\n");
}

#[test]
fn verbose_names_file_not_key() {
    let run = Sandbox::with_key().run(&["-v", "exec", "--", "true"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("RATTLER_AUTH_FILE="), "{}", run.stderr);
    assert!(
        run.stderr.contains("deleted private directory"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}

// libmamba's auth file.

#[test]
fn mamba_home_has_bearer_entries() {
    let sandbox = Sandbox::with_key();
    let script = r#"
        echo "$HOME"
        stat -c %a "$HOME/.mamba/auth/authentication.json"
        cat "$HOME/.mamba/auth/authentication.json"
    "#;
    let run = sandbox.run(&["exec", "--mamba", "--", "sh", "-c", script]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let home = Path::new(lines[0]);
    assert!(
        home.starts_with(sandbox.runtime.path()),
        "{}",
        home.display()
    );
    assert_eq!(lines[1], "600");
    let content: Value = serde_json::from_str(lines[2]).unwrap();
    let entry = json!({ "type": "BearerToken", "token": ENV_KEY });
    let hosts = [
        "repo.anaconda.cloud",
        "repo.anaconda.com",
        "repo.continuum.io",
    ];
    let keys = hosts
        .iter()
        .flat_map(|host| [host.to_string(), format!("{host}:443")]);
    let expected: serde_json::Map<String, Value> = keys.map(|key| (key, entry.clone())).collect();
    assert_eq!(content, Value::Object(expected));
    assert_clean(&sandbox, home);
}

#[test]
fn mamba_home_links_real_config() {
    let sandbox = Sandbox::with_key();
    fs::write(sandbox.home.path().join(".condarc"), "channels: [a]\n").unwrap();
    let script = r#"cat "$HOME/.condarc"; echo "$XDG_DATA_HOME""#;
    let run = sandbox.run(&["exec", "--mamba", "--", "sh", "-c", script]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let data_home = sandbox.home.path().join(".local/share");
    let expected = format!("channels: [a]\n{}\n", data_home.display());
    assert_eq!(run.stdout, expected);
    assert!(sandbox.home.path().join(".condarc").is_file());
}

#[test]
fn without_mamba_home_unchanged() {
    let sandbox = Sandbox::with_key();
    let run = sandbox.exec_sh("echo \"$HOME\"");
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout.trim_end(), sandbox.home.path().to_str().unwrap());
}
