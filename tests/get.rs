//! Drives the real `conda-credential-helper get` as a subprocess with a cleared environment,
//! temporary secrets and working directories, and checks exit code, stdout and stderr.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

const REPO_URI: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

/// Every test key contains this marker, so a test can check that stderr never shows it.
const MARK: &str = "SECRETMARK";

const ENV_KEY: &str = "env-SECRETMARK-0001";
const FILE_KEY: &str = "file-SECRETMARK-0002";
const DOTENV_KEY: &str = "dotenv-SECRETMARK-0003";

const API_KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";
const LEGACY_API_KEY_VAR: &str = "ANACONDA_CLOUD_API_KEY";
const SECRETS_DIR_VAR: &str = "ANACONDA_SECRETS_DIR";

/// How long a run may take before the test kills it.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What a run of the binary produced.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A build context: a working directory and a secrets directory, both temporary and
/// traversable by an unprivileged user.
struct Sandbox {
    work: tempfile::TempDir,
    secrets: tempfile::TempDir,
    output: tempfile::TempDir,
    vars: Vec<(String, OsString)>,
    unprivileged: bool,
}

impl Sandbox {
    fn new() -> Self {
        let sandbox = Sandbox {
            work: tempfile::tempdir().unwrap(),
            secrets: tempfile::tempdir().unwrap(),
            output: tempfile::tempdir().unwrap(),
            vars: Vec::new(),
            unprivileged: false,
        };
        for dir in [sandbox.work.path(), sandbox.secrets.path()] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        sandbox
    }

    fn var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.push((name.to_owned(), value.into()));
        self
    }

    /// Runs the binary as user `nobody` when the tests run as root, so that file
    /// permissions apply.
    fn unprivileged(mut self) -> Self {
        self.unprivileged = true;
        self
    }

    fn secret_path(&self) -> PathBuf {
        self.secrets.path().join(API_KEY_VAR)
    }

    fn dotenv_path(&self) -> PathBuf {
        self.work.path().join(".env")
    }

    fn write_secret(&self, content: impl AsRef<[u8]>) {
        write_readable(&self.secret_path(), content.as_ref());
    }

    fn write_dotenv(&self, content: impl AsRef<[u8]>) {
        write_readable(&self.dotenv_path(), content.as_ref());
    }

    fn get(&self, uri: &str) -> Run {
        self.run(&["get"], request(uri).as_bytes())
    }

    fn get_with_source(&self, uri: &str) -> Run {
        self.run(&["get", "--with-source"], request(uri).as_bytes())
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let stdout_path = self.output.path().join("stdout");
        let stderr_path = self.output.path().join("stderr");
        // An empty config file of its own keeps a machine-wide config out of the test.
        let config_path = self.work.path().join("helper-config.toml");
        write_readable(&config_path, b"");
        let mut command = self.command();
        command
            .args(args)
            .env_clear()
            .env(SECRETS_DIR_VAR, self.secrets.path())
            .env("CONDA_CREDENTIAL_HELPER_CONFIG", &config_path)
            .envs(self.vars.iter().map(|(name, value)| (name, value)))
            .current_dir(self.work.path())
            .stdin(Stdio::piped())
            .stdout(fs::File::create(&stdout_path).unwrap())
            .stderr(fs::File::create(&stderr_path).unwrap());

        let mut child = command.spawn().expect("start the helper");
        let mut child_stdin = child.stdin.take().unwrap();
        let input = stdin.to_vec();
        // The helper may exit before reading everything, so a failed write is expected.
        let writer = std::thread::spawn(move || {
            let _ = child_stdin.write_all(&input);
        });

        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                panic!("helper did not exit within {TIMEOUT:?} for {args:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        writer.join().unwrap();

        Run {
            code: status.code(),
            stdout: fs::read_to_string(&stdout_path).unwrap(),
            stderr: fs::read_to_string(&stderr_path).unwrap(),
        }
    }

    fn command(&self) -> Command {
        if !(self.unprivileged && is_root()) {
            return Command::new(BIN);
        }
        let mut command = Command::new("/usr/bin/setpriv");
        command.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            BIN,
        ]);
        command
    }
}

fn is_root() -> bool {
    fs::metadata("/proc/self").unwrap().uid() == 0
}

fn write_readable(path: &Path, content: &[u8]) {
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
}

fn request(uri: &str) -> String {
    serde_json::json!({ "uri": uri }).to_string()
}

fn bearer_json(key: &str) -> String {
    format!("{{\"headers\":{{\"Authorization\":[\"Bearer {key}\"]}}}}\n")
}

/// The response of `get --with-source` for an API key that serves the whole repository host.
fn bearer_json_with_source(key: &str, source: &str) -> String {
    format!(
        "{{\"headers\":{{\"Authorization\":[\"Bearer {key}\"]}},\"kind\":\"API key\",\"source\":\"{source}\",\
         \"scope\":\"https://repo.anaconda.cloud/\"}}\n"
    )
}

const EMPTY_HEADERS: &str = "{\"headers\":{}}\n";

#[track_caller]
fn assert_success(run: &Run, stdout: &str) {
    assert_eq!(run.code, Some(0), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, stdout, "stdout");
    assert_eq!(run.stderr, "", "stderr");
}

/// Checks a failed run: exit 1, nothing on stdout, one `error:` line on stderr that
/// contains every needle and no key.
#[track_caller]
fn assert_error(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, Some(1), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "stdout must stay empty on error");
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one stderr line: {}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with('\n'),
        "stderr ends the line: {}",
        run.stderr
    );
    assert!(run.stderr.starts_with("error: "), "stderr: {}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}: {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(MARK),
        "stderr shows a key: {}",
        run.stderr
    );
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

// Each source alone, with exact stdout.

#[test]
fn key_from_env() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    assert_success(&sandbox.get(REPO_URI), &bearer_json(ENV_KEY));
}

#[test]
fn key_from_secret_file() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(format!("{FILE_KEY}\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn key_from_dotenv() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv(format!("OTHER=1\nexport {API_KEY_VAR}=\"{DOTENV_KEY}\"\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(DOTENV_KEY));
}

#[test]
fn dotenv_expands_braced_references() {
    let sandbox = Sandbox::new().var("KEY_PREFIX", "dotenv");
    let suffix = DOTENV_KEY.strip_prefix("dotenv").unwrap();
    sandbox.write_dotenv(format!(
        "SUFFIX={suffix}\n{API_KEY_VAR}=${{KEY_PREFIX}}${{SUFFIX}}${{UNSET:-}}\n"
    ));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(DOTENV_KEY));
}

#[test]
fn dotenv_keeps_dollar_name_without_braces() {
    let sandbox = Sandbox::new().var("KEY_PREFIX", "dotenv");
    sandbox.write_dotenv(format!("{API_KEY_VAR}=$KEY_PREFIX-1234\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json("$KEY_PREFIX-1234"));
}

#[test]
fn with_source_names_env() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    let source = "environment variable ANACONDA_AUTH_API_KEY";
    let expected = bearer_json_with_source(ENV_KEY, source);
    assert_success(&sandbox.get_with_source(REPO_URI), &expected);
}

#[test]
fn with_source_names_secret_file() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(FILE_KEY);
    let source = format!("secret file {}", display(&sandbox.secret_path()));
    let expected = bearer_json_with_source(FILE_KEY, &source);
    assert_success(&sandbox.get_with_source(REPO_URI), &expected);
}

#[test]
fn with_source_names_dotenv_line() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv(format!("# build\n\n{API_KEY_VAR}={DOTENV_KEY}\n"));
    let source = format!(".env file {} (line 3)", display(&sandbox.dotenv_path()));
    let expected = bearer_json_with_source(DOTENV_KEY, &source);
    assert_success(&sandbox.get_with_source(REPO_URI), &expected);
}

#[test]
fn secret_symlink_is_followed() {
    let sandbox = Sandbox::new();
    let data = sandbox.secrets.path().join("..data");
    fs::create_dir(&data).unwrap();
    write_readable(&data.join(API_KEY_VAR), FILE_KEY.as_bytes());
    std::os::unix::fs::symlink(format!("..data/{API_KEY_VAR}"), sandbox.secret_path()).unwrap();
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn secret_name_ignores_case() {
    let sandbox = Sandbox::new();
    write_readable(
        &sandbox.secrets.path().join("anaconda_auth_api_key"),
        FILE_KEY.as_bytes(),
    );
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn secret_file_with_dotenv_content() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(format!("{API_KEY_VAR}='{FILE_KEY}'\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn secret_file_bom_and_crlf_trimmed() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(format!("\u{feff}  {FILE_KEY}\r\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn readable_file_works_unprivileged() {
    // Counterpart of the permission tests below: the unprivileged setup itself works.
    let sandbox = Sandbox::new().unprivileged();
    sandbox.write_secret(FILE_KEY);
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

// Precedence: the higher source wins.

#[test]
fn env_beats_secret_file_and_dotenv() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    sandbox.write_secret(FILE_KEY);
    sandbox.write_dotenv(format!("{API_KEY_VAR}={DOTENV_KEY}\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(ENV_KEY));
}

#[test]
fn secret_file_beats_dotenv() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(FILE_KEY);
    sandbox.write_dotenv(format!("{API_KEY_VAR}={DOTENV_KEY}\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn empty_env_falls_through() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, "");
    sandbox.write_secret(FILE_KEY);
    assert_success(&sandbox.get(REPO_URI), &bearer_json(FILE_KEY));
}

#[test]
fn legacy_env_warns_once() {
    let sandbox = Sandbox::new().var(LEGACY_API_KEY_VAR, ENV_KEY);
    let run = sandbox.get(REPO_URI);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, bearer_json(ENV_KEY));
    assert_eq!(
        run.stderr,
        "warning: ANACONDA_CLOUD_API_KEY is deprecated; rename it to ANACONDA_AUTH_API_KEY\n"
    );
}

#[test]
fn new_env_beats_legacy_env() {
    let sandbox = Sandbox::new()
        .var(API_KEY_VAR, ENV_KEY)
        .var(LEGACY_API_KEY_VAR, "legacy-SECRETMARK-9");
    assert_success(&sandbox.get(REPO_URI), &bearer_json(ENV_KEY));
}

// URLs that get no header.

#[test]
fn foreign_urls_get_empty_headers() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    for uri in [
        "http://repo.anaconda.cloud/repo/main/noarch/repodata.json",
        "https://repo.anaconda.cloud:8443/repo/main",
        "https://conda.anaconda.org/conda-forge/noarch/repodata.json",
        "https://repo.anaconda.cloud.example.com/repo/main",
        "https://evilrepo.anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud@evil.example/",
        "https://repo%2Eanaconda.cloud/repo/main",
        "https://[::1]/repo/main",
        "/repo/main",
        "",
    ] {
        let run = sandbox.get(uri);
        assert_eq!(run.code, Some(0), "{uri:?}: {}", run.stderr);
        assert_eq!(run.stdout, EMPTY_HEADERS, "{uri:?}");
        assert_eq!(run.stderr, "", "{uri:?}");
    }
}

#[test]
fn foreign_url_ignores_broken_sources() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, "broken SECRETMARK");
    fs::create_dir(sandbox.secret_path()).unwrap();
    let run = sandbox.get_with_source("https://conda.anaconda.org/conda-forge");
    let expected = "{\"headers\":{},\"scope\":\"https://conda.anaconda.org/conda-forge\"}\n";
    assert_success(&run, expected);
}

#[test]
fn matching_url_variants_get_header() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    for uri in [
        "https://REPO.anaconda.cloud./repo/main",
        "https://repo.anaconda.cloud:443/repo/main",
        "https://user:pass@repo.anaconda.cloud/repo/main",
    ] {
        let run = sandbox.get(uri);
        assert_eq!(run.code, Some(0), "{uri:?}: {}", run.stderr);
        assert_eq!(run.stdout, bearer_json(ENV_KEY), "{uri:?}");
    }
}

// No key anywhere.

#[test]
fn missing_key_lists_places() {
    let sandbox = Sandbox::new();
    let secret = format!("secret file {} (missing)", display(&sandbox.secret_path()));
    let dotenv = format!(".env file {} (missing)", display(&sandbox.dotenv_path()));
    assert_error(
        &sandbox.get(REPO_URI),
        &[
            "error: no API key found; searched",
            "environment variable ANACONDA_AUTH_API_KEY (unset)",
            "environment variable ANACONDA_CLOUD_API_KEY (unset)",
            &secret,
            &dotenv,
            "RUN --mount=type=secret,id=ANACONDA_AUTH_API_KEY",
        ],
    );
}

#[test]
fn missing_secrets_dir_is_skipped() {
    let sandbox = Sandbox::new().var(SECRETS_DIR_VAR, "/nonexistent-secrets");
    sandbox.write_dotenv(format!("{API_KEY_VAR}={DOTENV_KEY}\n"));
    assert_success(&sandbox.get(REPO_URI), &bearer_json(DOTENV_KEY));
}

// Malformed values in the environment.

#[test]
fn env_with_inner_space() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, "env-SECRETMARK 0001");
    let run = sandbox.get(REPO_URI);
    assert_error(
        &run,
        &["environment variable ANACONDA_AUTH_API_KEY", "whitespace"],
    );
}

#[test]
fn env_whitespace_only() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, " \t ");
    let run = sandbox.get(REPO_URI);
    assert_error(
        &run,
        &["environment variable ANACONDA_AUTH_API_KEY", "empty"],
    );
}

#[test]
fn env_quoted() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, format!("\"{ENV_KEY}\""));
    let run = sandbox.get(REPO_URI);
    assert_error(&run, &["quote", "Remove the quotes"]);
}

#[test]
fn env_not_utf8() {
    use std::os::unix::ffi::OsStringExt;

    let value = OsString::from_vec(b"env-SECRETMARK-\xff".to_vec());
    let sandbox = Sandbox::new().var(API_KEY_VAR, value);
    assert_error(&sandbox.get(REPO_URI), &["not valid UTF-8"]);
}

#[test]
fn legacy_env_invalid() {
    let sandbox = Sandbox::new().var(LEGACY_API_KEY_VAR, "legacy SECRETMARK");
    let run = sandbox.get(REPO_URI);
    assert_error(&run, &["environment variable ANACONDA_CLOUD_API_KEY"]);
}

// Malformed secret files.

/// Writes `content` as the secret file and checks the one-line error.
#[track_caller]
fn assert_secret_error(content: &[u8], needles: &[&str]) {
    let sandbox = Sandbox::new();
    sandbox.write_secret(content);
    let file = format!("secret file {}", display(&sandbox.secret_path()));
    let mut all = vec![file.as_str()];
    all.extend_from_slice(needles);
    assert_error(&sandbox.get(REPO_URI), &all);
}

#[test]
fn secret_file_empty() {
    assert_secret_error(b"", &["it is empty"]);
}

#[test]
fn secret_file_whitespace_only() {
    assert_secret_error(b" \r\n\t\n", &["it is empty"]);
}

#[test]
fn secret_file_inner_space() {
    assert_secret_error(b"file-SECRETMARK 0002\n", &["whitespace", "without spaces"]);
}

#[test]
fn secret_file_crlf_inside() {
    assert_secret_error(b"file-SECRETMARK\r\n0002\r\n", &["line break"]);
}

#[test]
fn secret_file_nul() {
    assert_secret_error(b"file-SECRETMARK\x000002", &["control character U+0000"]);
}

#[test]
fn secret_file_tab_inside() {
    assert_secret_error(b"file-SECRETMARK\t0002", &["control character U+0009"]);
}

#[test]
fn secret_file_double_quoted() {
    assert_secret_error(b"\"file-SECRETMARK-0002\"\n", &["Remove the quotes"]);
}

#[test]
fn secret_file_single_quoted() {
    assert_secret_error(b"'file-SECRETMARK-0002'", &["Remove the quotes"]);
}

#[test]
fn secret_file_oversized() {
    let mut content = b"file-SECRETMARK-".to_vec();
    content.resize(16 * 1024 + 1, b'x');
    assert_secret_error(&content, &["larger than 16384 bytes"]);
}

#[test]
fn secret_file_largest_size_accepted() {
    let mut content = FILE_KEY.as_bytes().to_vec();
    content.resize(16 * 1024, b'x');
    let sandbox = Sandbox::new();
    sandbox.write_secret(&content);
    let key = String::from_utf8(content).unwrap();
    assert_success(&sandbox.get(REPO_URI), &bearer_json(&key));
}

#[test]
fn secret_file_not_utf8() {
    assert_secret_error(b"file-SECRETMARK-\xff\xfe", &["not valid UTF-8"]);
}

#[test]
fn secret_file_non_ascii() {
    assert_secret_error("“file-SECRETMARK”".as_bytes(), &["non-ASCII"]);
}

#[test]
fn secret_file_wrong_variable() {
    assert_secret_error(
        b"OTHER_NAME=file-SECRETMARK-0002\n",
        &["contains OTHER_NAME=..., expected ANACONDA_AUTH_API_KEY"],
    );
}

#[test]
fn secret_file_dotenv_syntax_error() {
    assert_secret_error(
        b"ANACONDA_AUTH_API_KEY=\"file-SECRETMARK\n",
        &["line 1", "no closing quote"],
    );
}

#[test]
fn secret_path_is_directory() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.secret_path()).unwrap();
    let message = format!(
        "secret file {} is a directory, not a regular file",
        display(&sandbox.secret_path())
    );
    assert_error(&sandbox.get(REPO_URI), &[&message]);
}

#[test]
fn secret_path_is_fifo() {
    let sandbox = Sandbox::new();
    let status = Command::new("mkfifo")
        .arg(sandbox.secret_path())
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
    let message = format!(
        "secret file {} is a FIFO, not a regular file",
        display(&sandbox.secret_path())
    );
    assert_error(&sandbox.get(REPO_URI), &[&message]);
}

#[test]
fn secret_path_is_dangling_symlink() {
    let sandbox = Sandbox::new();
    let target = sandbox.secrets.path().join("..data/gone");
    std::os::unix::fs::symlink(target, sandbox.secret_path()).unwrap();
    let message = format!(
        "secret file {} is a symbolic link to a missing target",
        display(&sandbox.secret_path())
    );
    assert_error(&sandbox.get(REPO_URI), &[&message]);
}

#[test]
fn secret_file_unreadable() {
    let sandbox = Sandbox::new().unprivileged();
    sandbox.write_secret(FILE_KEY);
    fs::set_permissions(sandbox.secret_path(), fs::Permissions::from_mode(0o000)).unwrap();
    let message = format!(
        "failed to read secret file {}",
        display(&sandbox.secret_path())
    );
    assert_error(
        &sandbox.get(REPO_URI),
        &[&message, "ermission denied", "uid="],
    );
}

#[test]
fn secrets_dir_unreadable() {
    let sandbox = Sandbox::new().unprivileged();
    sandbox.write_secret(FILE_KEY);
    let dir = sandbox.secrets.path();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o000)).unwrap();
    let run = sandbox.get(REPO_URI);
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    let message = format!("failed to read secrets directory {}", display(dir));
    assert_error(&run, &[&message, "ermission denied"]);
}

#[test]
fn path_with_line_break_stays_one_line() {
    let sandbox = Sandbox::new();
    let dir = sandbox.work.path().join("line\nbreak");
    fs::create_dir_all(dir.join(API_KEY_VAR)).unwrap();
    let sandbox = sandbox.var(SECRETS_DIR_VAR, &dir);
    assert_error(&sandbox.get(REPO_URI), &["line\\nbreak", "is a directory"]);
}

#[test]
fn secrets_dir_var_names_a_file() {
    let sandbox = Sandbox::new();
    let file = sandbox.work.path().join("not-a-dir");
    write_readable(&file, b"x");
    let sandbox = sandbox.var(SECRETS_DIR_VAR, &file);
    let place = format!("secrets directory {} (not a directory)", display(&file));
    assert_error(&sandbox.get(REPO_URI), &["no API key found", &place]);
}

// Malformed .env files.

#[test]
fn dotenv_is_directory() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.dotenv_path()).unwrap();
    let message = format!(
        ".env file {} is a directory, not a regular file",
        display(&sandbox.dotenv_path())
    );
    assert_error(&sandbox.get(REPO_URI), &[&message]);
}

#[test]
fn dotenv_unreadable() {
    let sandbox = Sandbox::new().unprivileged();
    sandbox.write_dotenv(format!("{API_KEY_VAR}={DOTENV_KEY}\n"));
    fs::set_permissions(sandbox.dotenv_path(), fs::Permissions::from_mode(0o000)).unwrap();
    let message = format!(
        "failed to read .env file {}",
        display(&sandbox.dotenv_path())
    );
    assert_error(&sandbox.get(REPO_URI), &[&message, "ermission denied"]);
}

#[test]
fn dotenv_empty_value() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv(format!("{API_KEY_VAR}=\n"));
    let origin = format!(".env file {} (line 1)", display(&sandbox.dotenv_path()));
    assert_error(&sandbox.get(REPO_URI), &[&origin, "it is empty"]);
}

#[test]
fn dotenv_value_with_space() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv(format!("{API_KEY_VAR}=\"dotenv-SECRETMARK 3\"\n"));
    assert_error(&sandbox.get(REPO_URI), &["(line 1)", "whitespace"]);
}

#[test]
fn dotenv_syntax_error_names_line_only() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv(format!("A=1\n{API_KEY_VAR}='dotenv-SECRETMARK-0003\n"));
    let file = format!(".env file {}, line 2", display(&sandbox.dotenv_path()));
    assert_error(&sandbox.get(REPO_URI), &[&file, "no closing quote"]);
}

#[test]
fn dotenv_without_key_is_not_found() {
    let sandbox = Sandbox::new();
    sandbox.write_dotenv("OTHER=dotenv-SECRETMARK\n");
    let place = format!(
        ".env file {} (no ANACONDA_AUTH_API_KEY)",
        display(&sandbox.dotenv_path())
    );
    assert_error(&sandbox.get(REPO_URI), &["no API key found", &place]);
}

// Malformed requests.

#[track_caller]
fn assert_request_error(stdin: &[u8], needle: &str) {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    let run = sandbox.run(&["get"], stdin);
    assert_error(&run, &[needle, r#"{"uri": "https://"#]);
}

#[test]
fn request_empty() {
    assert_request_error(b"", "the request on stdin is empty");
}

#[test]
fn request_whitespace_only() {
    assert_request_error(b" \n", "the request on stdin is empty");
}

#[test]
fn request_not_json() {
    assert_request_error(b"uri=https://repo.anaconda.cloud/", "not valid JSON");
}

#[test]
fn request_truncated_json() {
    assert_request_error(
        br#"{"uri": "https://repo.anaconda.cloud/"#,
        "not valid JSON",
    );
}

#[test]
fn request_missing_uri() {
    assert_request_error(br#"{"url": "https://repo.anaconda.cloud/"}"#, r#"no "uri""#);
}

#[test]
fn request_uri_not_string() {
    assert_request_error(br#"{"uri": 42}"#, "is not a string");
}

#[test]
fn request_not_object() {
    assert_request_error(br#"["https://repo.anaconda.cloud/"]"#, "not a JSON object");
}

#[test]
fn request_oversized() {
    let mut stdin = request(REPO_URI).into_bytes();
    stdin.resize(2 * 1024 * 1024, b' ');
    assert_request_error(&stdin, "larger than 1048576 bytes");
}

#[test]
fn request_extra_fields_ignored() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    let stdin = format!(r#"{{"uri": "{REPO_URI}", "extra": {{"nested": [1, 2]}}}}"#);
    assert_success(
        &sandbox.run(&["get"], stdin.as_bytes()),
        &bearer_json(ENV_KEY),
    );
}

// Command line and logging.

#[test]
fn unknown_flag_is_usage_error() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["get", "--bogus"], b"");
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("--bogus"), "{}", run.stderr);
}

#[test]
fn missing_subcommand_prints_usage() {
    let run = Sandbox::new().run(&[], b"");
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("Usage: conda-credential-helper"),
        "{}",
        run.stderr
    );
    for command in ["get", "exec", "install", "uninstall"] {
        assert!(
            run.stderr.contains(command),
            "{command} missing: {}",
            run.stderr
        );
    }
}

#[test]
fn silent_by_default() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    let run = sandbox.get("https://user:hunter2@repo.anaconda.cloud/repo/main?token=abc");
    assert_success(&run, &bearer_json(ENV_KEY));
}

#[test]
fn verbose_logs_source_and_redacted_url() {
    let sandbox = Sandbox::new().var(API_KEY_VAR, ENV_KEY);
    let uri = "https://user:hunter2@repo.anaconda.cloud/repo/main?token=querysecret";
    let run = sandbox.run(&["-v", "get"], request(uri).as_bytes());
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, bearer_json(ENV_KEY));
    assert!(
        run.stderr
            .contains("from environment variable ANACONDA_AUTH_API_KEY"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("https://repo.anaconda.cloud/repo/main"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("****0001"), "{}", run.stderr);
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(!run.stderr.contains("querysecret"), "{}", run.stderr);
}

#[test]
fn plugin_log_variable_enables_debug() {
    let sandbox = Sandbox::new()
        .var(API_KEY_VAR, ENV_KEY)
        .var("CONDA_CREDENTIAL_HELPER_LOG", "debug");
    let run = sandbox.get(REPO_URI);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, bearer_json(ENV_KEY));
    assert!(
        run.stderr
            .contains("from environment variable ANACONDA_AUTH_API_KEY"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}

#[test]
fn rust_log_enables_trace_without_key() {
    let sandbox = Sandbox::new()
        .var(API_KEY_VAR, ENV_KEY)
        .var("RUST_LOG", "trace");
    let run = sandbox.get(REPO_URI);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, bearer_json(ENV_KEY));
    assert!(run.stderr.contains("DEBUG"), "{}", run.stderr);
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}

#[test]
fn verbose_error_keeps_key_off_stderr() {
    let sandbox = Sandbox::new();
    sandbox.write_secret(b"file-SECRETMARK 0002");
    let run = sandbox.run(&["-vv", "get"], request(REPO_URI).as_bytes());
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: invalid API key"), "{}", run.stderr);
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}
