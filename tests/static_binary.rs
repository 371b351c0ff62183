//! Checks the static release binary: no dynamic section, no OpenSSL, the size budget, and
//! `get` and `check` in an empty root that contains only the binary and a few files.
//!
//! Building that binary takes a few minutes on 2 cores, so `cargo test` does not do it,
//! and the tests that need it are ignored by default. `scripts/test` runs
//! `scripts/build-static`, passes the path in `CONDA_CREDENTIAL_HELPER_STATIC_BIN` and runs
//! them with `--ignored`.

#[path = "static_binary/elf.rs"]
mod elf;
#[path = "static_binary/empty_root.rs"]
mod empty_root;

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use empty_root::{EmptyRoot, RootRun};

/// Variable that `scripts/test` sets to the path of the static release binary.
const STATIC_BIN_VAR: &str = "CONDA_CREDENTIAL_HELPER_STATIC_BIN";

/// The debug binary that cargo builds for the tests, linked dynamically.
const DEBUG_BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// Largest accepted size of the release binary.
const SIZE_BUDGET_BYTES: u64 = 4 * 1024 * 1024;

/// OpenSSL's version text, which a binary that links OpenSSL statically contains.
const OPENSSL_MARKER: &[u8] = b"OpenSSL";

/// Crates that would bring OpenSSL or the platform's TLS library into the binary.
const NATIVE_TLS_CRATES: [&str; 3] = ["openssl", "openssl-sys", "native-tls"];

const KEY: &str = "chroot-key-0001";

const REPO_REQUEST: &str =
    r#"{"uri": "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"}"#;

const FOREIGN_REQUEST: &str =
    r#"{"uri": "https://conda.anaconda.org/conda-forge/noarch/repodata.json"}"#;

/// What `check` prints when the host name resolved and the connection then failed, as it
/// must in a network namespace without a working interface.
const CONNECT_FAILED: &str = "Result: failed to connect to repo.anaconda.cloud";

/// What `check` prints when the host name did not resolve.
const NOT_RESOLVED: &str = "Result: the host name repo.anaconda.cloud could not be resolved";

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

/// Returns the static binary, or `None` after printing why `test` cannot run here: chroot
/// and network namespaces need root.
fn static_binary_as_root(test: &str) -> Option<PathBuf> {
    let binary = static_binary();
    if fs::metadata("/proc/self").unwrap().uid() != 0 {
        report_skip(
            test,
            "chroot needs root, and these tests run as another user",
        );
        return None;
    }
    Some(binary)
}

/// Prints why `test` did not run. It writes to stderr directly because the test harness
/// captures `eprintln!` output of passing tests.
fn report_skip(test: &str, reason: &str) {
    let message = format!("SKIPPED {test}: {reason}\n");
    let _ = std::io::stderr().write_all(message.as_bytes());
}

/// Returns whether `run` may count, after reporting a skip when the kernel denied the
/// isolation it needs.
fn isolated(test: &str, run: &RootRun) -> bool {
    match run.denied() {
        Some(message) => {
            report_skip(test, &format!("isolation is not permitted here: {message}"));
            false
        }
        None => true,
    }
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
fn dependencies_exclude_openssl() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--edges", "normal,build"])
        .args(["--target", "x86_64-unknown-linux-gnu", "--prefix", "none"])
        .args(["--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo tree failed: {stderr}");

    let tree = String::from_utf8(output.stdout).unwrap();
    assert!(
        tree.contains("rustls v"),
        "TLS must come from rustls:\n{tree}"
    );
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        assert!(
            !NATIVE_TLS_CRATES.contains(&name),
            "the binary depends on {line}, which links a TLS library written in C"
        );
    }
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_has_no_dynamic_section() {
    let linkage = read_linkage(&static_binary());

    assert_eq!(linkage.interpreter, None, "program interpreter");
    assert!(!linkage.has_dynamic_segment, "PT_DYNAMIC segment present");
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
fn static_binary_contains_no_openssl() {
    let bytes = fs::read(static_binary()).unwrap();

    let found = bytes
        .windows(OPENSSL_MARKER.len())
        .any(|window| window == OPENSSL_MARKER);
    assert!(!found, "static binary contains OpenSSL's version text");
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_answers_get_in_empty_root() {
    let test = "static_binary_answers_get_in_empty_root";
    let Some(binary) = static_binary_as_root(test) else {
        return;
    };

    let root = EmptyRoot::new(&binary, KEY);
    let matching = root.run(&["get"], REPO_REQUEST);
    if !isolated(test, &matching) {
        return;
    }
    let foreign = root.run(&["get"], FOREIGN_REQUEST);

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
    assert_eq!(matching.code, Some(0), "exit code: {matching:?}");
    assert_eq!(
        matching.stdout,
        format!("{{\"headers\":{{\"Authorization\":[\"Bearer {KEY}\"]}}}}\n")
    );
    assert_eq!(matching.stderr, "");
    assert_eq!(foreign.code, Some(0), "exit code: {foreign:?}");
    assert_eq!(foreign.stdout, "{\"headers\":{}}\n");
    assert_eq!(foreign.stderr, "");
}

#[test]
#[ignore = "needs the static release binary: run scripts/test"]
fn static_binary_resolves_hosts_file_without_nss() {
    // The root has /etc/hosts but no nsswitch.conf, resolv.conf or libnss_*.so, so the
    // lookup in `check` must work with what is linked into the binary. The network
    // namespace has no working interface, so the request fails after the lookup.
    let test = "static_binary_resolves_hosts_file_without_nss";
    let Some(binary) = static_binary_as_root(test) else {
        return;
    };
    let check = ["check", "--timeout", "5"];

    let unlisted = EmptyRoot::new(&binary, KEY);
    unlisted.add_file("etc/hosts", "127.0.0.1 localhost\n", 0o644);
    let not_found = unlisted.run_offline(&check);
    if !isolated(test, &not_found) {
        return;
    }
    let listed = EmptyRoot::new(&binary, KEY);
    listed.add_file("etc/hosts", "127.0.0.1 repo.anaconda.cloud\n", 0o644);
    let found = listed.run_offline(&check);

    assert!(
        not_found.stdout.contains(NOT_RESOLVED),
        "without a hosts entry the lookup must fail: {not_found:?}"
    );
    assert!(
        found.stdout.contains(CONNECT_FAILED),
        "the hosts entry must resolve: {found:?}"
    );
    assert!(!found.stdout.contains(NOT_RESOLVED), "{found:?}");
    assert!(!found.stdout.contains(KEY), "the key leaked: {found:?}");
}
