//! Bad input at every place where input enters `get`, through the real binary.
//!
//! Each case is its own test, here, in `tests/get.rs` or in `tests/get_sources.rs` (the
//! test column names the file). A rejected input must give exit 1
//! and one stderr line, `error: ...`, that names the place (variable, file and line) and
//! the fix, never the key and never a panic. An accepted input must give the exact header.
//! Unit tests in `src/` cover the same parsers without the binary.
//!
//! | place | case | outcome | test |
//! |---|---|---|---|
//! | env var | empty | falls through to the next source | `get::empty_env_falls_through` |
//! | env var | whitespace only | error: it is empty | `get::env_whitespace_only` |
//! | env var | inner space | error: whitespace | `get::env_with_inner_space` |
//! | env var | quoted | error: quotes | `get::env_quoted` |
//! | env var | not UTF-8 | error: not valid UTF-8 | `get::env_not_utf8` |
//! | env var | legacy name, invalid | error names the legacy variable | `get::legacy_env_invalid` |
//! | env var | CRLF inside | error: line break | `env_crlf_inside` |
//! | env var | trailing CRLF | trimmed, accepted | `env_trailing_crlf_trimmed` |
//! | env var | tab inside | error: U+0009 | `env_tab_inside` |
//! | env var | non-ASCII | error: non-ASCII | `env_non_ascii` |
//! | env var | over 16 KiB | error: larger than 16384 bytes | `env_oversized` |
//! | env var | leading BOM | stripped, accepted | `env_bom_stripped` |
//! | secret file | empty | error: it is empty | `get::secret_file_empty` |
//! | secret file | whitespace only | error: it is empty | `get::secret_file_whitespace_only` |
//! | secret file | BOM only | error: it is empty | `secret_file_bom_only` |
//! | secret file | BOM and CRLF around the key | trimmed, accepted | `get::secret_file_bom_and_crlf_trimmed` |
//! | secret file | inner space | error: whitespace | `get::secret_file_inner_space` |
//! | secret file | CRLF inside | error: line break | `get::secret_file_crlf_inside` |
//! | secret file | two lines, two keys | error: line break | `secret_file_two_keys` |
//! | secret file | NUL byte | error: U+0000 | `get::secret_file_nul` |
//! | secret file | tab inside | error: U+0009 | `get::secret_file_tab_inside` |
//! | secret file | double quoted | error: quotes | `get::secret_file_double_quoted` |
//! | secret file | single quoted | error: quotes | `get::secret_file_single_quoted` |
//! | secret file | 16 KiB + 1 | error: too large | `get::secret_file_oversized` |
//! | secret file | 1 MiB | error: too large, read stops at 16 KiB + 1 | `secret_file_one_mebibyte` |
//! | secret file | not UTF-8 | error: not valid UTF-8 | `get::secret_file_not_utf8` |
//! | secret file | UTF-16 with BOM | error: not valid UTF-8 | `secret_file_utf16` |
//! | secret file | non-ASCII | error: non-ASCII | `get::secret_file_non_ascii` |
//! | secret file | `ANACONDA_AUTH_API_KEY=<key>` | accepted | `get::secret_file_with_dotenv_content` |
//! | secret file | `ANACONDA_AUTH_API_KEY=<key>` with CRLF | accepted | `secret_file_assignment_crlf` |
//! | secret file | `ANACONDA_AUTH_API_KEY=` empty | error: it is empty | `secret_file_empty_assignment` |
//! | secret file | `OTHER_NAME=<value>` | error: names OTHER_NAME | `get::secret_file_wrong_variable` |
//! | secret file | unterminated quote | error: line 1, no closing quote | `get::secret_file_dotenv_syntax_error` |
//! | secret file | directory | error: is a directory | `get::secret_path_is_directory` |
//! | secret file | FIFO | error: is a FIFO, no blocking | `get::secret_path_is_fifo` |
//! | secret file | link to a FIFO | error: is a FIFO, no blocking | `secret_link_to_fifo` |
//! | secret file | link to `/dev/zero` | error: character device, no endless read | `secret_link_to_dev_zero` |
//! | secret file | dangling symlink | error: link to a missing target | `get::secret_path_is_dangling_symlink` |
//! | secret file | symlink loop | error: failed to read, names the loop | `secret_symlink_loop` |
//! | secret file | unreadable | error: permission denied, `uid=` fix | `get::secret_file_unreadable` |
//! | secrets dir | unreadable | error: permission denied | `get::secrets_dir_unreadable` |
//! | secrets dir | a file | skipped, listed in not-found | `get::secrets_dir_var_names_a_file` |
//! | secrets dir | a FIFO | skipped, no blocking | `secrets_dir_is_fifo` |
//! | secrets dir | path with a line break | error stays one line | `get::path_with_line_break_stays_one_line` |
//! | secrets dir | path not UTF-8 | error shows the path lossily | `non_utf8_secrets_dir_path` |
//! | `.env` | directory | error: is a directory | `get::dotenv_is_directory` |
//! | `.env` | unreadable | error: permission denied | `get::dotenv_unreadable` |
//! | `.env` | FIFO | error: is a FIFO, no blocking | `dotenv_is_fifo` |
//! | `.env` | dangling symlink | error: link to a missing target | `dotenv_dangling_symlink` |
//! | `.env` | symlink loop | error: failed to read | `dotenv_symlink_loop` |
//! | `.env` | empty value | error: line 1, it is empty | `get::dotenv_empty_value` |
//! | `.env` | value with space | error: whitespace | `get::dotenv_value_with_space` |
//! | `.env` | escaped line break in value | error: line break | `dotenv_escaped_line_break` |
//! | `.env` | NUL in value | error: U+0000 | `dotenv_nul_in_value` |
//! | `.env` | value not UTF-8 | error: not valid UTF-8 | `dotenv_value_not_utf8` |
//! | `.env` | BOM and CRLF | accepted | `dotenv_bom_and_crlf` |
//! | `.env` | over 1 MiB | error: too large | `dotenv_oversized` |
//! | `.env` | unterminated quote | error: line 2, key not shown | `get::dotenv_syntax_error_names_line_only` |
//! | `.env` | no assignment to the key | not found, listed | `get::dotenv_without_key_is_not_found` |
//! | anaconda config | invalid TOML | error: file, line 2, invalid TOML | `anaconda_config_invalid_toml` |
//! | anaconda config | `api_key` not a string | error: is an integer | `anaconda_config_key_not_string` |
//! | anaconda config | `api_key` empty | error: file (line 2), it is empty | `anaconda_config_key_empty` |
//! | anaconda config | `api_key` with space | error: whitespace | `anaconda_config_key_with_space` |
//! | anaconda config | leading BOM | accepted | `anaconda_config_bom_accepted` |
//! | anaconda config | not UTF-8 | error: not valid UTF-8 | `anaconda_config_not_utf8` |
//! | anaconda config | directory | error: is a directory | `anaconda_config_directory` |
//! | anaconda config | FIFO | error: is a FIFO, no blocking | `anaconda_config_fifo` |
//! | anaconda config | symlink loop | error: chain of links loops | `anaconda_config_symlink_loop` |
//! | anaconda config | over 1 MiB | error: too large | `anaconda_config_oversized` |
//! | helper config | invalid TOML | error: file, line 2 | `helper_config_invalid_toml` |
//! | helper config | `[[channel]]` without `url` | error: has no `url` | `helper_config_channel_without_url` |
//! | helper config | unknown `scheme` | error: not one of Bearer, token and Basic | `helper_config_unknown_scheme` |
//! | helper config | named file missing | error: does not exist | `helper_config_missing` |
//! | keyring file | truncated JSON | error: not valid JSON, `anaconda login` | `keyring_truncated_json` |
//! | keyring file | not an object | error: not a JSON object | `keyring_not_object` |
//! | keyring file | entry not a string | error: not a string | `keyring_entry_not_string` |
//! | keyring file | record not JSON | error: not a valid token record | `keyring_record_not_json` |
//! | keyring file | `api_key` not a string | error: "api_key" is not a string | `keyring_api_key_not_string` |
//! | keyring file | `repo_tokens` not a list | error: "repo_tokens" is not a list | `keyring_repo_tokens_not_list` |
//! | keyring file | extra fields and services | ignored | `keyring_extra_fields_ignored` |
//! | keyring file | API key with space | error: names the entry, whitespace | `keyring_api_key_with_space` |
//! | keyring file | leading BOM | error: not valid JSON | `keyring_with_bom` |
//! | keyring file | FIFO | error: is a FIFO, no blocking | `keyring_fifo` |
//! | keyring file | entry not base64 | error: not valid base64 | `get_sources::broken_keyring_file_is_one_line_error` |
//! | keyring variable | invalid JSON | error: names the variable, example | `keyring_variable_invalid_json` |
//! | keyring variable | not an object | error: not a JSON object | `keyring_variable_not_object` |
//! | request | empty | error: empty | `get::request_empty` |
//! | request | whitespace only | error: empty | `get::request_whitespace_only` |
//! | request | not JSON | error: not valid JSON | `get::request_not_json` |
//! | request | truncated JSON | error: not valid JSON | `get::request_truncated_json` |
//! | request | missing `uri` | error: no "uri" | `get::request_missing_uri` |
//! | request | `uri` not a string | error: not a string | `get::request_uri_not_string` |
//! | request | `uri` null | error: not a string | `request_uri_null` |
//! | request | not an object | error: not a JSON object | `get::request_not_object` |
//! | request | over 1 MiB | error: too large | `get::request_oversized` |
//! | request | extra fields | ignored | `get::request_extra_fields_ignored` |
//! | request | not UTF-8 | error: not valid JSON | `request_not_utf8` |
//! | request | NUL byte | error: not valid JSON | `request_nul_byte` |
//! | request | leading BOM | error: not valid JSON | `request_with_bom` |
//! | request | nested 10 000 deep | error: not valid JSON, no stack overflow | `request_deeply_nested` |
//! | request | duplicate `uri` | the last one counts, as in Python's json | `request_duplicate_uri_last_wins` |
//! | request | stdin never ends | error: too large, after 1 MiB | `request_endless_stdin` |
//! | request | stdin never closed | error: timed out after 10 seconds | `request_stdin_never_closed` |
//! | URL | relative, empty, http, other port, look-alike | no header | `get::foreign_urls_get_empty_headers` |
//! | URL | with spaces | no header | `url_with_spaces` |
//! | URL | password in userinfo | header, password never printed | `url_userinfo_never_printed` |
//!
//! Host confusion cases, each URL in its own row, are in `tests/hosts.rs`.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");
const REPO_URI: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";
const API_KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";

/// Every test key contains this marker, so that a test can check stderr never shows it.
const MARK: &str = "SECRETMARK";
const KEY: &str = "bad-input-SECRETMARK-0001";

const TIMEOUT: Duration = Duration::from_secs(30);

/// What the caller writes on the helper's stdin.
enum Stdin {
    Bytes(Vec<u8>),
    File(PathBuf),
    /// A pipe that stays open and silent.
    Open,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// A working directory and a secrets directory for one run.
struct Place {
    work: tempfile::TempDir,
    secrets: tempfile::TempDir,
}

impl Place {
    fn new() -> Self {
        Place {
            work: tempfile::tempdir().unwrap(),
            secrets: tempfile::tempdir().unwrap(),
        }
    }

    fn secret_path(&self) -> PathBuf {
        self.secrets.path().join(API_KEY_VAR)
    }

    fn dotenv_path(&self) -> PathBuf {
        self.work.path().join(".env")
    }

    fn get(&self, vars: &[(&str, OsString)]) -> Run {
        self.run(vars, Stdin::Bytes(request(REPO_URI)))
    }

    fn run(&self, vars: &[(&str, OsString)], stdin: Stdin) -> Run {
        let mut command = Command::new(BIN);
        command
            .arg("get")
            .env_clear()
            .env("ANACONDA_SECRETS_DIR", self.secrets.path())
            .envs(vars.iter().map(|(name, value)| (name, value)))
            .current_dir(self.work.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = match &stdin {
            Stdin::File(path) => command.stdin(fs::File::open(path).unwrap()).spawn(),
            Stdin::Bytes(_) | Stdin::Open => command.stdin(Stdio::piped()).spawn(),
        }
        .expect("start the helper");

        // `Open` keeps the pipe open until the helper exits. `Bytes` closes it after writing.
        let mut pipe = child.stdin.take();
        if let (Stdin::Bytes(bytes), Some(open)) = (&stdin, pipe.as_mut()) {
            // The helper may exit before reading everything, so a failed write is expected.
            let _ = open.write_all(bytes);
        }
        if !matches!(stdin, Stdin::Open) {
            drop(pipe.take());
        }
        let run = wait(child, started);
        drop(pipe);
        run
    }
}

fn wait(mut child: Child, started: Instant) -> Run {
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("the helper did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed,
    }
}

fn request(uri: &str) -> Vec<u8> {
    serde_json::json!({ "uri": uri }).to_string().into_bytes()
}

fn var(value: impl Into<OsString>) -> Vec<(&'static str, OsString)> {
    vec![(API_KEY_VAR, value.into())]
}

fn bearer_json(key: &str) -> String {
    format!("{{\"headers\":{{\"Authorization\":[\"Bearer {key}\"]}}}}\n")
}

#[track_caller]
fn assert_header(run: &Run, key: &str) {
    assert_eq!(run.code, Some(0), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, bearer_json(key));
    assert_eq!(run.stderr, "");
}

#[track_caller]
fn assert_no_header(run: &Run) {
    assert_eq!(run.code, Some(0), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "{\"headers\":{}}\n");
    assert!(!run.stderr.contains(MARK), "{}", run.stderr);
}

/// Checks exit 1, empty stdout and one `error:` line with every needle and no key.
#[track_caller]
fn assert_error(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, Some(1), "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "lacks {needle:?}: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains(MARK), "shows the key: {}", run.stderr);
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

// The environment variable.

#[test]
fn env_crlf_inside() {
    let run = Place::new().get(&var("bad-input-SECRETMARK\r\n0001"));
    assert_error(
        &run,
        &["environment variable ANACONDA_AUTH_API_KEY", "line break"],
    );
}

#[test]
fn env_trailing_crlf_trimmed() {
    let run = Place::new().get(&var(format!("{KEY}\r\n")));
    assert_header(&run, KEY);
}

#[test]
fn env_tab_inside() {
    let run = Place::new().get(&var("bad-input-SECRETMARK\t0001"));
    assert_error(&run, &["ANACONDA_AUTH_API_KEY", "control character U+0009"]);
}

#[test]
fn env_non_ascii() {
    let run = Place::new().get(&var("bad-input-SECRETMARK-ключ"));
    assert_error(
        &run,
        &[
            "ANACONDA_AUTH_API_KEY",
            "non-ASCII",
            "Copy the API key again",
        ],
    );
}

#[test]
fn env_oversized() {
    // Linux limits one environment string to 128 KiB, so 1 MiB cannot reach the helper.
    let mut value = KEY.to_owned();
    value.push_str(&"k".repeat(16 * 1024));
    let run = Place::new().get(&var(value));
    assert_error(&run, &["ANACONDA_AUTH_API_KEY", "larger than 16384 bytes"]);
}

#[test]
fn env_bom_stripped() {
    let run = Place::new().get(&var(format!("\u{feff}{KEY}")));
    assert_header(&run, KEY);
}

// The secret file.

/// Writes `content` as the secret file and runs `get` without other sources.
fn get_with_secret(content: &[u8]) -> (Place, Run) {
    let place = Place::new();
    fs::write(place.secret_path(), content).unwrap();
    let run = place.get(&[]);
    (place, run)
}

#[test]
fn secret_file_bom_only() {
    let (place, run) = get_with_secret(b"\xef\xbb\xbf\r\n");
    let file = format!("secret file {}", display(&place.secret_path()));
    assert_error(&run, &[&file, "it is empty", "Put the API key there"]);
}

#[test]
fn secret_file_two_keys() {
    let (_, run) = get_with_secret(b"bad-input-SECRETMARK-0001\nbad-input-SECRETMARK-0002\n");
    assert_error(&run, &["line break", "on a single line"]);
}

#[test]
fn secret_file_one_mebibyte() {
    let mut content = KEY.as_bytes().to_vec();
    content.resize(1024 * 1024, b'k');
    let (_, run) = get_with_secret(&content);
    assert_error(&run, &["larger than 16384 bytes", "only the API key"]);
}

#[test]
fn secret_file_utf16() {
    let mut content = vec![0xff, 0xfe];
    for unit in KEY.encode_utf16() {
        content.extend_from_slice(&unit.to_le_bytes());
    }
    let (_, run) = get_with_secret(&content);
    assert_error(&run, &["not valid UTF-8", "plain UTF-8 text"]);
}

#[test]
fn secret_file_assignment_crlf() {
    let (_, run) = get_with_secret(format!("{API_KEY_VAR}={KEY}\r\n").as_bytes());
    assert_header(&run, KEY);
}

#[test]
fn secret_file_empty_assignment() {
    let (place, run) = get_with_secret(b"export ANACONDA_AUTH_API_KEY=\n");
    let file = format!("secret file {}", display(&place.secret_path()));
    assert_error(&run, &[&file, "it is empty"]);
}

#[test]
fn secret_link_to_fifo() {
    let place = Place::new();
    let fifo = place.secrets.path().join("..data");
    mkfifo(&fifo);
    symlink(&fifo, place.secret_path()).unwrap();
    let run = place.get(&[]);
    let message = format!("secret file {} is a FIFO", display(&place.secret_path()));
    assert_error(&run, &[&message, "Replace it with a regular file"]);
}

#[test]
fn secret_link_to_dev_zero() {
    let place = Place::new();
    symlink("/dev/zero", place.secret_path()).unwrap();
    let run = place.get(&[]);
    assert_error(&run, &["is a character device, not a regular file"]);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn secret_symlink_loop() {
    let place = Place::new();
    let other = place.secrets.path().join("other");
    symlink(&other, place.secret_path()).unwrap();
    symlink(place.secret_path(), &other).unwrap();
    let run = place.get(&[]);
    let message = format!(
        "failed to read secret file {}",
        display(&place.secret_path())
    );
    assert_error(&run, &[&message, "symbolic links", "chain of links loops"]);
}

#[test]
fn secrets_dir_is_fifo() {
    let place = Place::new();
    let fifo = place.work.path().join("secrets-fifo");
    mkfifo(&fifo);
    let run = place.get(&[("ANACONDA_SECRETS_DIR", fifo.clone().into())]);
    let searched = format!("secrets directory {} (not a directory)", display(&fifo));
    assert_error(&run, &["no API key found", &searched]);
}

// The `.env` file.

fn get_with_dotenv(content: &[u8]) -> (Place, Run) {
    let place = Place::new();
    fs::write(place.dotenv_path(), content).unwrap();
    let run = place.get(&[]);
    (place, run)
}

#[test]
fn dotenv_is_fifo() {
    let place = Place::new();
    mkfifo(&place.dotenv_path());
    let run = place.get(&[]);
    let message = format!(".env file {} is a FIFO", display(&place.dotenv_path()));
    assert_error(
        &run,
        &[
            &message,
            "Replace it with a regular dotenv file, or remove it",
        ],
    );
}

#[test]
fn dotenv_dangling_symlink() {
    let place = Place::new();
    symlink(place.work.path().join("gone"), place.dotenv_path()).unwrap();
    let run = place.get(&[]);
    let message = format!(
        ".env file {} is a symbolic link to a missing target",
        display(&place.dotenv_path())
    );
    assert_error(&run, &[&message]);
}

#[test]
fn dotenv_symlink_loop() {
    let place = Place::new();
    symlink(place.dotenv_path(), place.dotenv_path()).unwrap();
    let run = place.get(&[]);
    let message = format!("failed to read .env file {}", display(&place.dotenv_path()));
    assert_error(&run, &[&message, "chain of links loops"]);
}

#[test]
fn dotenv_escaped_line_break() {
    let (place, run) = get_with_dotenv(b"ANACONDA_AUTH_API_KEY=\"bad-input\\nSECRETMARK\"\n");
    let origin = format!(".env file {} (line 1)", display(&place.dotenv_path()));
    assert_error(&run, &[&origin, "line break"]);
}

#[test]
fn dotenv_nul_in_value() {
    let (_, run) = get_with_dotenv(b"A=1\nANACONDA_AUTH_API_KEY=bad-input-SECRETMARK\x00x\n");
    assert_error(&run, &["(line 2)", "control character U+0000"]);
}

#[test]
fn dotenv_value_not_utf8() {
    let (_, run) = get_with_dotenv(b"ANACONDA_AUTH_API_KEY=bad-input-SECRETMARK\xff\n");
    assert_error(&run, &["(line 1)", "not valid UTF-8"]);
}

#[test]
fn dotenv_bom_and_crlf() {
    let content = format!("\u{feff}# build\r\n{API_KEY_VAR}={KEY}\r\n");
    let (_, run) = get_with_dotenv(content.as_bytes());
    assert_header(&run, KEY);
}

#[test]
fn dotenv_oversized() {
    let mut content = format!("{API_KEY_VAR}={KEY}\n").into_bytes();
    content.resize(1024 * 1024 + 1, b'#');
    let (place, run) = get_with_dotenv(&content);
    let message = format!(
        ".env file {} is larger than 1048576 bytes",
        display(&place.dotenv_path())
    );
    assert_error(&run, &[&message]);
}

// The request on stdin.

#[track_caller]
fn assert_request_error(stdin: Stdin, needle: &str) {
    let run = Place::new().run(&var(KEY), stdin);
    assert_error(
        &run,
        &[needle, r#"Send one JSON object such as {"uri": "https://"#],
    );
}

#[test]
fn request_uri_null() {
    let stdin = Stdin::Bytes(br#"{"uri": null}"#.to_vec());
    assert_request_error(
        stdin,
        r#"the "uri" field of the request on stdin is not a string"#,
    );
}

#[test]
fn request_not_utf8() {
    let stdin = Stdin::Bytes(b"{\"uri\": \"https://repo.anaconda.cloud/\xff\"}".to_vec());
    assert_request_error(stdin, "not valid JSON");
}

#[test]
fn request_nul_byte() {
    let stdin = Stdin::Bytes(b"{\"uri\": \"https://repo.anaconda.cloud/\x00\"}".to_vec());
    assert_request_error(stdin, "not valid JSON");
}

#[test]
fn request_with_bom() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(request(REPO_URI));
    assert_request_error(Stdin::Bytes(bytes), "not valid JSON");
}

#[test]
fn request_deeply_nested() {
    let mut bytes = b"{\"uri\": ".to_vec();
    bytes.extend(std::iter::repeat_n(b'[', 10_000));
    bytes.extend(std::iter::repeat_n(b']', 10_000));
    bytes.push(b'}');
    assert_request_error(Stdin::Bytes(bytes), "recursion limit exceeded");
}

#[test]
fn request_duplicate_uri_last_wins() {
    let place = Place::new();
    let first = br#"{"uri": "https://evil.example/", "uri": "https://repo.anaconda.cloud/"}"#;
    assert_header(&place.run(&var(KEY), Stdin::Bytes(first.to_vec())), KEY);
    let second = br#"{"uri": "https://repo.anaconda.cloud/", "uri": "https://evil.example/"}"#;
    assert_no_header(&place.run(&var(KEY), Stdin::Bytes(second.to_vec())));
}

#[test]
fn request_endless_stdin() {
    let run = Place::new().run(&var(KEY), Stdin::File("/dev/zero".into()));
    assert_error(&run, &["larger than 1048576 bytes"]);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn request_stdin_never_closed() {
    let run = Place::new().run(&var(KEY), Stdin::Open);
    assert_error(
        &run,
        &[
            "timed out after 10 seconds waiting for stdin to close",
            "then close stdin",
        ],
    );
    assert!(run.elapsed >= Duration::from_secs(10), "{:?}", run.elapsed);
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
}

// URLs.

#[test]
fn url_with_spaces() {
    let place = Place::new();
    for uri in [
        "https://repo.anaconda.cloud/repo/main/with space/repodata.json",
        "https://repo anaconda.cloud/",
        " https://repo.anaconda.cloud/",
        "https://repo.anaconda.cloud /",
    ] {
        let run = place.run(&var(KEY), Stdin::Bytes(request(uri)));
        let expected_header = uri.contains("with space");
        if expected_header {
            assert_header(&run, KEY);
        } else {
            assert_no_header(&run);
        }
    }
}

#[test]
fn url_userinfo_never_printed() {
    let place = Place::new();
    let uri = "https://user:SECRETMARK-password@repo.anaconda.cloud/repo/main?token=SECRETMARK";
    let run = place.run(&var(KEY), Stdin::Bytes(request(uri)));
    assert_header(&run, KEY);
    let verbose = Command::new(BIN)
        .args(["-vv", "get"])
        .env_clear()
        .env(API_KEY_VAR, KEY)
        .env("ANACONDA_SECRETS_DIR", place.secrets.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    verbose
        .stdin
        .as_ref()
        .unwrap()
        .write_all(&request(uri))
        .unwrap();
    let output = verbose.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("https://repo.anaconda.cloud/repo/main"),
        "{stderr}"
    );
    assert!(!stderr.contains(MARK), "{stderr}");
}

#[test]
fn non_utf8_secrets_dir_path() {
    let place = Place::new();
    let dir = place
        .work
        .path()
        .join(OsString::from_vec(b"secrets-\xff".to_vec()));
    fs::create_dir(&dir).unwrap();
    fs::create_dir(dir.join(API_KEY_VAR)).unwrap();
    let run = place.get(&[("ANACONDA_SECRETS_DIR", dir.into_os_string())]);
    assert_error(
        &run,
        &["secrets-\u{fffd}", "is a directory, not a regular file"],
    );
}

// anaconda-auth's config file, the helper's config file and the keyring.

impl Place {
    fn home(&self) -> PathBuf {
        self.work.path().join("home")
    }

    /// Writes `content` at `relative` under the home directory.
    fn write_home_file(&self, relative: &str, content: &[u8]) -> PathBuf {
        let path = self.home().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    /// Runs `get` for `uri` with the home directory and `vars`.
    fn get_at_home(&self, uri: &str, vars: &[(&str, OsString)]) -> Run {
        let mut all = vec![("HOME", self.home().into_os_string())];
        all.extend(vars.iter().cloned());
        self.run(&all, Stdin::Bytes(request(uri)))
    }
}

const ANACONDA_CONFIG: &str = ".anaconda/config.toml";
const KEYRING: &str = ".anaconda/keyring";
const CHANNEL_URI: &str = "https://pkgs.example.com/chan/noarch/repodata.json";

/// Writes anaconda-auth's config file and runs `get` for the repository.
fn get_with_anaconda_config(content: &[u8]) -> (PathBuf, Run) {
    let place = Place::new();
    let path = place.write_home_file(ANACONDA_CONFIG, content);
    let run = place.get_at_home(REPO_URI, &[]);
    (path, run)
}

#[test]
fn anaconda_config_invalid_toml() {
    let (path, run) = get_with_anaconda_config(b"[plugin.auth]\napi_key = \"SECRETMARK\n");
    let message = format!("invalid anaconda config file {}, line 2", display(&path));
    assert_error(&run, &[&message, "invalid TOML", "Fix the TOML syntax"]);
}

#[test]
fn anaconda_config_key_not_string() {
    let (_, run) = get_with_anaconda_config(b"[plugin.auth]\napi_key = 42\n");
    assert_error(
        &run,
        &["line 2", "`api_key` is an integer, expected a string"],
    );
}

#[test]
fn anaconda_config_key_empty() {
    let (path, run) = get_with_anaconda_config(b"[plugin.auth]\napi_key = \"\"\n");
    let origin = format!("[plugin.auth] api_key in {} (line 2)", display(&path));
    assert_error(&run, &[&origin, "it is empty"]);
}

#[test]
fn anaconda_config_key_with_space() {
    let (_, run) = get_with_anaconda_config(b"[plugin.auth]\napi_key = \"a SECRETMARK\"\n");
    assert_error(&run, &["(line 2)", "whitespace"]);
}

#[test]
fn anaconda_config_bom_accepted() {
    let content = format!("\u{feff}[plugin.auth]\napi_key = \"{KEY}\"\n");
    let (_, run) = get_with_anaconda_config(content.as_bytes());
    assert_header(&run, KEY);
}

#[test]
fn anaconda_config_not_utf8() {
    let (path, run) = get_with_anaconda_config(b"[plugin.auth]\napi_key = \"SECRETMARK\xff\"\n");
    let message = format!("anaconda config file {} is not valid UTF-8", display(&path));
    assert_error(&run, &[&message, "Save it as UTF-8 text"]);
}

#[test]
fn anaconda_config_directory() {
    let place = Place::new();
    let path = place.home().join(ANACONDA_CONFIG);
    fs::create_dir_all(&path).unwrap();
    let run = place.get_at_home(REPO_URI, &[]);
    assert_error(&run, &["is a directory, not a regular file", "remove it"]);
}

#[test]
fn anaconda_config_fifo() {
    let place = Place::new();
    let path = place.home().join(ANACONDA_CONFIG);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    mkfifo(&path);
    let run = place.get_at_home(REPO_URI, &[]);
    let message = format!("anaconda config file {} is a FIFO", display(&path));
    assert_error(&run, &[&message]);
}

#[test]
fn anaconda_config_symlink_loop() {
    let place = Place::new();
    let path = place.home().join(ANACONDA_CONFIG);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    symlink(&path, &path).unwrap();
    let run = place.get_at_home(REPO_URI, &[]);
    let message = format!("failed to read anaconda config file {}", display(&path));
    assert_error(&run, &[&message, "chain of links loops"]);
}

#[test]
fn anaconda_config_oversized() {
    let mut content = format!("[plugin.auth]\napi_key = \"{KEY}\"\n").into_bytes();
    content.resize(1024 * 1024 + 1, b'#');
    let (_, run) = get_with_anaconda_config(&content);
    assert_error(&run, &["is larger than 1048576 bytes"]);
}

/// Writes the helper's config file and runs `get` for a URL outside Anaconda's hosts.
fn get_with_helper_config(content: &[u8]) -> (PathBuf, Run) {
    let place = Place::new();
    let path = place.work.path().join("helper.toml");
    fs::write(&path, content).unwrap();
    let vars = [
        (
            "CONDA_CREDENTIAL_HELPER_CONFIG",
            path.clone().into_os_string(),
        ),
        ("PKGS_TOKEN", KEY.into()),
    ];
    let run = place.get_at_home(CHANNEL_URI, &vars);
    (path, run)
}

#[test]
fn helper_config_invalid_toml() {
    let (path, run) = get_with_helper_config(b"[[channel]]\nurl = \"https://pkgs.example.com/*\n");
    let message = format!("invalid config file {}, line 2", display(&path));
    assert_error(&run, &[&message, "Fix the TOML syntax"]);
}

#[test]
fn helper_config_channel_without_url() {
    let (_, run) = get_with_helper_config(b"[[channel]]\nsecret = \"PKGS_TOKEN\"\n");
    assert_error(&run, &["line 1", "[[channel]] has no `url`", "Add url ="]);
}

#[test]
fn helper_config_unknown_scheme() {
    let content =
        b"[[channel]]\nurl = \"https://pkgs.example.com/*\"\nsecret = \"PKGS_TOKEN\"\nscheme = \"weird\"\n";
    let (_, run) = get_with_helper_config(content);
    assert_error(&run, &["line 4", "not one of Bearer, token and Basic"]);
}

#[test]
fn helper_config_missing() {
    let place = Place::new();
    let missing = place.work.path().join("missing.toml");
    let vars = [(
        "CONDA_CREDENTIAL_HELPER_CONFIG",
        missing.clone().into_os_string(),
    )];
    let run = place.get_at_home(CHANNEL_URI, &vars);
    let message = format!(
        "config file {} named by CONDA_CREDENTIAL_HELPER_CONFIG does not exist",
        display(&missing)
    );
    assert_error(&run, &[&message, "Create it, or unset"]);
}

fn encoded_record(record: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(record)
}

/// Writes the keyring file and runs `get` for the repository.
fn get_with_keyring(content: &[u8]) -> (PathBuf, Run) {
    let place = Place::new();
    let path = place.write_home_file(KEYRING, content);
    let run = place.get_at_home(REPO_URI, &[]);
    (path, run)
}

fn keyring_with_entry(entry: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"Anaconda Cloud": {"anaconda.com": entry}})
        .to_string()
        .into_bytes()
}

#[test]
fn keyring_truncated_json() {
    let (path, run) = get_with_keyring(b"{\"Anaconda Cloud\": {\"anaconda.com\": ");
    let message = format!("keyring file {} is not valid JSON", display(&path));
    assert_error(&run, &[&message, "anaconda login"]);
}

#[test]
fn keyring_not_object() {
    let (_, run) = get_with_keyring(b"[\"SECRETMARK\"]");
    assert_error(&run, &["is not a JSON object of services to domains"]);
}

#[test]
fn keyring_entry_not_string() {
    let (_, run) = get_with_keyring(&keyring_with_entry(serde_json::json!(42)));
    assert_error(
        &run,
        &["entry anaconda.com of keyring file", "is not a string"],
    );
}

#[test]
fn keyring_record_not_json() {
    let entry = encoded_record("not json SECRETMARK");
    let (_, run) = get_with_keyring(&keyring_with_entry(entry.into()));
    assert_error(
        &run,
        &["is not a valid token record: not JSON", "remove the entry"],
    );
}

#[test]
fn keyring_api_key_not_string() {
    let entry = encoded_record(r#"{"api_key": 42}"#);
    let (_, run) = get_with_keyring(&keyring_with_entry(entry.into()));
    assert_error(&run, &["\"api_key\" is not a string"]);
}

#[test]
fn keyring_repo_tokens_not_list() {
    let entry = encoded_record(r#"{"repo_tokens": "SECRETMARK"}"#);
    let (_, run) = get_with_keyring(&keyring_with_entry(entry.into()));
    assert_error(&run, &["\"repo_tokens\" is not a list"]);
}

#[test]
fn keyring_extra_fields_ignored() {
    let record = encoded_record(&format!(r#"{{"api_key": "{KEY}", "extra": {{"a": 1}}}}"#));
    let keyring = serde_json::json!({
        "Anaconda Cloud": {"anaconda.com": record, "other.example": 1},
        "Other service": [1, 2],
    });
    let (_, run) = get_with_keyring(keyring.to_string().as_bytes());
    assert_header(&run, KEY);
}

#[test]
fn keyring_api_key_with_space() {
    let entry = encoded_record(r#"{"api_key": "a SECRETMARK"}"#);
    let (_, run) = get_with_keyring(&keyring_with_entry(entry.into()));
    assert_error(&run, &["(entry anaconda.com, API key)", "whitespace"]);
}

#[test]
fn keyring_with_bom() {
    let mut content = b"\xef\xbb\xbf".to_vec();
    content.extend(keyring_with_entry(
        encoded_record(r#"{"api_key": "k"}"#).into(),
    ));
    let (_, run) = get_with_keyring(&content);
    assert_error(
        &run,
        &["is not valid JSON (expected value at line 1 column 1)"],
    );
}

#[test]
fn keyring_fifo() {
    let place = Place::new();
    let path = place.home().join(KEYRING);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    mkfifo(&path);
    let run = place.get_at_home(REPO_URI, &[]);
    let message = format!("keyring file {} is a FIFO", display(&path));
    assert_error(&run, &[&message]);
}

#[test]
fn keyring_variable_invalid_json() {
    let place = Place::new();
    let vars = [("ANACONDA_AUTH_KEYRING", OsString::from("{SECRETMARK"))];
    let run = place.get_at_home(REPO_URI, &vars);
    assert_error(
        &run,
        &[
            "keyring in environment variable ANACONDA_AUTH_KEYRING is not valid JSON",
            "Set it to a JSON object such as",
        ],
    );
}

#[test]
fn keyring_variable_not_object() {
    let place = Place::new();
    let vars = [("ANACONDA_AUTH_KEYRING", OsString::from("[]"))];
    let run = place.get_at_home(REPO_URI, &vars);
    assert_error(&run, &["ANACONDA_AUTH_KEYRING is not a JSON object"]);
}
