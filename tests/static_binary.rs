//! Checks the static release binary: no dynamic loader, no shared library, the size budget,
//! and a working `get` in an empty root that contains only the binary and a secret file.
//!
//! Building that binary takes about a minute on 2 cores, so `cargo test` does not do it,
//! and the tests that need it are ignored by default. `scripts/test` runs
//! `scripts/build-static`, passes the path in `CONDA_CREDENTIAL_HELPER_STATIC_BIN` and runs
//! them with `--ignored`.

#[path = "static_binary/elf.rs"]
mod elf;

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Variable that `scripts/test` sets to the path of the static release binary.
const STATIC_BIN_VAR: &str = "CONDA_CREDENTIAL_HELPER_STATIC_BIN";

/// The debug binary that cargo builds for the tests, linked dynamically.
const DEBUG_BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// Largest accepted size of the release binary.
const SIZE_BUDGET_BYTES: u64 = 4 * 1024 * 1024;

/// Byte strings that the static binary would contain if it linked OpenSSL or glibc's NSS
/// modules: OpenSSL's version text, and the prefix glibc uses to load `libnss_*.so`.
const FORBIDDEN_MARKERS: [&str; 2] = ["OpenSSL", "libnss_"];

const KEY: &str = "chroot-key-0001";

const REPO_REQUEST: &str =
    r#"{"uri": "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"}"#;

const FOREIGN_REQUEST: &str =
    r#"{"uri": "https://conda.anaconda.org/conda-forge/noarch/repodata.json"}"#;

/// Returns the static binary named by `CONDA_CREDENTIAL_HELPER_STATIC_BIN`, panicking with
/// the fix when the variable is missing or names no file.
fn static_binary() -> PathBuf {
    let Some(path) = std::env::var_os(STATIC_BIN_VAR) else {
        panic!(
            "{STATIC_BIN_VAR} is not set: run `scripts/test`, which builds the static release \
             binary first, or set it to the path that `scripts/build-static` prints"
        );
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{STATIC_BIN_VAR} names `{}`, which is not a file: run `scripts/build-static`",
        path.display()
    );
    path
}

fn read_linkage(path: &Path) -> elf::Linkage {
    let bytes = fs::read(path).unwrap();
    elf::linkage(&bytes).unwrap_or_else(|problem| panic!("{}: {problem}", path.display()))
}

/// Prints why the empty-root test did not run. It writes to stderr directly because the
/// test harness captures `eprintln!` output of passing tests.
fn report_skip(reason: &str) {
    let message = format!("SKIPPED static_binary_answers_get_in_empty_root: {reason}\n");
    let _ = std::io::stderr().write_all(message.as_bytes());
}

fn is_root() -> bool {
    fs::metadata("/proc/self").unwrap().uid() == 0
}

#[test]
fn elf_reader_detects_dynamic_debug_binary() {
    // The same reader must see the loader of a dynamically linked binary, or the static
    // checks below could never fail.
    let linkage = read_linkage(Path::new(DEBUG_BIN));

    assert!(linkage.interpreter.is_some(), "{linkage:?}");
    assert!(linkage.has_dynamic_segment, "{linkage:?}");
    assert!(linkage.needed_libraries > 0, "{linkage:?}");
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_needs_no_loader() {
    let linkage = read_linkage(&static_binary());

    assert_eq!(linkage.interpreter, None, "program interpreter");
    // A static PIE keeps a PT_DYNAMIC segment for its own relocations, so only shared
    // library entries count against it.
    assert_eq!(linkage.needed_libraries, 0, "DT_NEEDED entries");
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_fits_size_budget() {
    let size = fs::metadata(static_binary()).unwrap().len();

    assert!(
        size <= SIZE_BUDGET_BYTES,
        "static binary is {size} bytes, over the budget of {SIZE_BUDGET_BYTES} bytes"
    );
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_links_no_openssl_or_nss() {
    let bytes = fs::read(static_binary()).unwrap();

    for marker in FORBIDDEN_MARKERS {
        let found = bytes
            .windows(marker.len())
            .any(|window| window == marker.as_bytes());
        assert!(!found, "static binary contains `{marker}`");
    }
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_answers_get_in_empty_root() {
    let binary = static_binary();
    if !is_root() {
        report_skip("chroot needs root, and these tests run as another user");
        return;
    }

    let root = EmptyRoot::new(&binary);
    let matching = root.get(REPO_REQUEST);
    if matching.permission_denied() {
        report_skip(&format!(
            "chroot is not permitted here: {}",
            matching.stderr.trim_end()
        ));
        return;
    }
    let foreign = root.get(FOREIGN_REQUEST);

    assert_eq!(
        root.entries(),
        [
            "/conda-credential-helper",
            "/run",
            "/run/secrets",
            "/run/secrets/ANACONDA_AUTH_API_KEY",
        ],
        "files in the root"
    );
    assert_eq!(
        matching.code,
        Some(0),
        "exit code; stderr: {}",
        matching.stderr
    );
    assert_eq!(
        matching.stdout,
        format!("{{\"headers\":{{\"Authorization\":[\"Bearer {KEY}\"]}}}}\n")
    );
    assert_eq!(matching.stderr, "");
    assert_eq!(
        foreign.code,
        Some(0),
        "exit code; stderr: {}",
        foreign.stderr
    );
    assert_eq!(foreign.stdout, "{\"headers\":{}}\n");
    assert_eq!(foreign.stderr, "");
}

/// A temporary directory with only the binary at `/conda-credential-helper` and the key at
/// `/run/secrets/ANACONDA_AUTH_API_KEY`, the default secrets directory.
struct EmptyRoot {
    dir: tempfile::TempDir,
}

/// What a run in the root produced.
struct RootRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl RootRun {
    /// Returns whether chroot(8) failed because the kernel denied it (exit 125, EPERM).
    fn permission_denied(&self) -> bool {
        self.code == Some(125) && self.stderr.contains("Operation not permitted")
    }
}

impl EmptyRoot {
    fn new(binary: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("run/secrets");
        fs::create_dir_all(&secrets).unwrap();

        let secret = secrets.join("ANACONDA_AUTH_API_KEY");
        fs::write(&secret, format!("{KEY}\n")).unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o400)).unwrap();

        let target = dir.path().join("conda-credential-helper");
        fs::copy(binary, &target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();
        EmptyRoot { dir }
    }

    /// Runs `get` inside the root with an empty environment and `request` on stdin.
    fn get(&self, request: &str) -> RootRun {
        let mut child = Command::new(chroot_program())
            .arg(self.dir.path())
            .args(["/conda-credential-helper", "get"])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chroot(8)");
        // chroot(8) exits without reading stdin when it fails, so a failed write is expected
        // then, and the exit code tells what happened.
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(request.as_bytes());
        drop(stdin);
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();

        RootRun {
            code: status.code(),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        }
    }

    /// Lists every path in the root, sorted, as seen from inside it.
    fn entries(&self) -> Vec<String> {
        let mut entries = Vec::new();
        collect_entries(self.dir.path(), self.dir.path(), &mut entries);
        entries.sort();
        entries
    }
}

/// Finds chroot(8) on the PATH of the tests, because the cleared environment of the run
/// has no PATH to search.
fn chroot_program() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("chroot"))
        .find(|candidate| candidate.is_file())
        .expect("chroot(8) not found on PATH: install coreutils, which provides it")
}

fn collect_entries(root: &Path, dir: &Path, entries: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let inside = Path::new("/").join(path.strip_prefix(root).unwrap());
        entries.push(inside.display().to_string());
        if path.is_dir() {
            collect_entries(root, &path, entries);
        }
    }
}
