//! Test prefixes made with `python -m venv`, and runs of the real binary against them.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use serde_json::json;
use sha2::{Digest, Sha256};

/// The binary under test.
pub const HELPER: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// Variable naming the python of the test venv that `scripts/test` creates.
const TEST_PYTHON: &str = "CONDA_CREDENTIAL_HELPER_TEST_PYTHON";

/// PATH for runs of the binary: system folders only, so no `conda` of the machine is found.
pub const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// Serializes writing executables and spawning processes in this test process. A file
/// written while another thread forks fails to run with "Text file busy" until the forked
/// child calls exec and so closes its copy of the write descriptor.
static EXEC_LOCK: Mutex<()> = Mutex::new(());

fn exec_lock() -> MutexGuard<'static, ()> {
    EXEC_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `command` to completion, capturing stdout and stderr.
pub fn output(command: &mut Command) -> Output {
    let child = spawn(command.stdin(Stdio::null()));
    child
        .wait_with_output()
        .expect("failed to wait for a child process")
}

fn spawn(command: &mut Command) -> Child {
    let _lock = exec_lock();
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    child.unwrap_or_else(|error| panic!("failed to run {command:?}: {error}"))
}

/// Writes an executable file.
pub fn write_executable(path: &Path, contents: &[u8]) {
    let _lock = exec_lock();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Returns the python that creates test prefixes and parses YAML: the variable
/// `CONDA_CREDENTIAL_HELPER_TEST_PYTHON`, else `target/test-venv/bin/python`, else `python3`.
pub fn test_python() -> PathBuf {
    if let Some(python) = std::env::var_os(TEST_PYTHON).filter(|value| !value.is_empty()) {
        let python = PathBuf::from(python);
        assert!(
            python.exists(),
            "{TEST_PYTHON} names `{}`, which does not exist; run scripts/test to create the test venv",
            python.display()
        );
        return python;
    }
    let venv_python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    if venv_python.exists() {
        return venv_python;
    }
    PathBuf::from("python3")
}

/// Runs `python -I -c code args...` and returns its stdout. Fails the test if python fails.
pub fn run_python(python: &Path, code: &str, args: &[&OsStr]) -> String {
    let result = output(
        Command::new(python)
            .arg("-I")
            .arg("-c")
            .arg(code)
            .args(args),
    );
    assert!(
        result.status.success(),
        "`{}` failed: {}",
        python.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    String::from_utf8(result.stdout).unwrap()
}

/// Parses the YAML file at `path` with PyYAML of the test python and returns it as JSON.
pub fn load_yaml(path: &Path) -> serde_json::Value {
    let python = test_python();
    let has_yaml = output(Command::new(&python).args(["-c", "import yaml"]));
    assert!(
        has_yaml.status.success(),
        "`{}` cannot import yaml (PyYAML); run scripts/test, which creates target/test-venv with it",
        python.display()
    );
    let code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
    let json = run_python(&python, code, &[path.as_os_str()]);
    serde_json::from_str(&json).unwrap()
}

/// A temporary conda prefix: a venv without pip plus an empty `conda-meta/`.
pub struct TestPrefix {
    /// The temporary folder that contains the prefix and anything else a test needs.
    pub temp: tempfile::TempDir,
    /// The prefix, canonical.
    pub root: PathBuf,
}

impl TestPrefix {
    /// Creates the venv at `<temp>/env` with the test python.
    pub fn new() -> Self {
        let prefix = Self::without_conda_meta();
        fs::create_dir(prefix.root.join("conda-meta")).unwrap();
        prefix
    }

    /// Creates the venv without `conda-meta/`, which is not a conda prefix.
    pub fn without_conda_meta() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(temp.path()).unwrap().join("env");
        let python = test_python();
        let created = output(
            Command::new(&python)
                .args(["-m", "venv", "--without-pip"])
                .arg(&root),
        );
        assert!(
            created.status.success(),
            "`{} -m venv` failed: {}. Run scripts/test, which creates a working test venv",
            python.display(),
            String::from_utf8_lossy(&created.stderr)
        );
        Self { temp, root }
    }

    /// Returns the prefix's python.
    pub fn python(&self) -> PathBuf {
        self.root.join("bin/python")
    }

    /// Returns the prefix's site-packages folder, as its python reports it.
    pub fn site_packages(&self) -> PathBuf {
        let code = "import sysconfig; print(sysconfig.get_paths()['purelib'])";
        let purelib = run_python(&self.python(), code, &[]);
        fs::canonicalize(purelib.trim()).unwrap()
    }

    /// Returns the path of the condarc file that install writes.
    pub fn condarc_file(&self) -> PathBuf {
        self.root.join("condarc.d/conda-credential-helper.yml")
    }
}

/// A finished run of the binary.
pub struct HelperRun {
    /// The exit code.
    pub code: Option<i32>,
    /// Everything printed on stderr.
    pub stderr: String,
}

/// Returns a command for the binary with a PATH of system folders and no `CONDA_ROOT`.
pub fn helper_command(args: &[&OsStr]) -> Command {
    let mut command = Command::new(HELPER);
    command
        .args(args)
        .env("PATH", SYSTEM_PATH)
        .env("CONDA_CREDENTIAL_HELPER_CONFIG", empty_config())
        .env_remove("CONDA_ROOT")
        .env_remove("RUST_LOG");
    command
}

/// Returns an empty config file of the helper, so that a config file of the machine or
/// the user running the tests is not read.
pub fn empty_config() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-helper-config.toml");
    if !path.exists() {
        fs::write(&path, "").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    }
    path
}

/// Runs `command` and checks that stdout stayed empty, as it must for install and uninstall.
pub fn run_helper(command: &mut Command) -> HelperRun {
    let result = output(command);
    let stderr = String::from_utf8_lossy(&result.stderr).to_string();
    assert!(
        result.stdout.is_empty(),
        "stdout must stay empty, got {:?}; stderr: {stderr}",
        String::from_utf8_lossy(&result.stdout)
    );
    HelperRun {
        code: result.status.code(),
        stderr,
    }
}

/// Runs `conda-credential-helper <subcommand> --prefix <prefix>` and checks that it succeeds.
pub fn run_ok(subcommand: &str, prefix: &Path) -> HelperRun {
    let run = run_helper(&mut helper_command(&[
        subcommand.as_ref(),
        "--prefix".as_ref(),
        prefix.as_os_str(),
    ]));
    assert_eq!(
        run.code,
        Some(0),
        "{subcommand} failed; stderr: {}",
        run.stderr
    );
    run
}

/// Returns every entry below `root` (symlinks not followed) with its kind and, for files,
/// their SHA-256.
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    collect(root, root, &mut entries);
    entries
}

fn collect(root: &Path, dir: &Path, entries: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let relative = path.strip_prefix(root).unwrap().display().to_string();
        let metadata = fs::symlink_metadata(&path).unwrap();
        if metadata.is_symlink() {
            let target = fs::read_link(&path).unwrap();
            entries.insert(relative, format!("symlink to {}", target.display()));
        } else if metadata.is_dir() {
            entries.insert(relative, "folder".to_string());
            collect(root, &path, entries);
        } else {
            let digest = Sha256::digest(fs::read(&path).unwrap());
            let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            entries.insert(relative, format!("file {hex}"));
        }
    }
}

/// Returns the files below `dir`, relative to `base`, sorted, with `/` separators.
pub fn files_below(base: &Path, dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, kind)| kind.starts_with("file"))
        .map(|(path, _)| {
            let full = dir.join(path);
            full.strip_prefix(base).unwrap().display().to_string()
        })
        .collect()
}

/// Creates `<temp>/env` with `conda-meta/`, an empty `lib/site-packages/` and a shell
/// script `bin/python` that reports them like a real python with conda `conda_version`.
pub fn fake_prefix(temp: &Path, conda_version: &str) -> PathBuf {
    let root = fs::canonicalize(temp).unwrap().join("env");
    fs::create_dir_all(root.join("conda-meta")).unwrap();
    fs::create_dir_all(root.join("lib/site-packages")).unwrap();
    let report = json!({
        "purelib": root.join("lib/site-packages"),
        "conda_version": conda_version,
    });
    let script = format!("#!/bin/sh\necho '{report}'\n");
    write_executable(&root.join("bin/python"), script.as_bytes());
    root
}
