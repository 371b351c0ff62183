//! Finds the Python interpreter that the plugin tests run, with `requests` and PyYAML.

use std::path::PathBuf;
use std::process::Command;

/// The variable that `scripts/test` sets to its virtual environment's python.
pub const TEST_PYTHON_VAR: &str = "CONDA_CREDENTIAL_HELPER_TEST_PYTHON";

/// Returns the test python, panicking with the fix when none has the needed packages.
pub fn test_python() -> PathBuf {
    let candidate = std::env::var_os(TEST_PYTHON_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python")
        });
    let works = Command::new(&candidate)
        .args(["-c", "import requests, yaml"])
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        works,
        "python `{}` with requests and PyYAML not found: run `scripts/test`, which creates it, \
         or set {TEST_PYTHON_VAR} to a python that has both",
        candidate.display()
    );
    candidate
}

/// Returns the directory that contains `sitecustomize.py`, to put on `PYTHONPATH`.
pub fn sitecustomize_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// Returns the directory that contains the plugin package, to put on `PYTHONPATH`.
pub fn plugin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("conda-plugin")
}
