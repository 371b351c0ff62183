//! Asks the prefix's python for its site-packages folder and conda's version.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::InstallError;

/// Maximum time python may run before it is stopped.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Python code that prints one JSON object with `purelib` and `conda_version`.
const QUERY: &str = r#"
import json
import sysconfig

try:
    from importlib.metadata import PackageNotFoundError, version
    conda_version = version("conda")
except (ImportError, PackageNotFoundError):
    conda_version = None

print(json.dumps({"purelib": sysconfig.get_paths()["purelib"], "conda_version": conda_version}))
"#;

/// How many characters of python's output an error message quotes.
const QUOTED_OUTPUT_CHARS: usize = 200;

/// Site-packages path and conda version reported by the prefix's python.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PythonInfo {
    /// The site-packages folder for pure-Python packages.
    pub purelib: PathBuf,
    /// The version of the importable `conda` package, `None` when it is not installed.
    pub conda_version: Option<String>,
}

/// Runs `python -I` once (isolated mode, so no user site or `PYTHON*` variables) and
/// returns its site-packages and conda version. Stops python after `timeout`.
pub fn query(python: &Path, timeout: Duration) -> Result<PythonInfo, InstallError> {
    let child = Command::new(python)
        .args(["-I", "-c", QUERY])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| InstallError::PythonSpawn {
            python: python.to_path_buf(),
            source,
        })?;

    let output = wait_with_timeout(child, timeout).map_err(|error| match error {
        WaitError::TimedOut => InstallError::PythonTimeout {
            python: python.to_path_buf(),
            timeout,
        },
        WaitError::Io(source) => InstallError::PythonSpawn {
            python: python.to_path_buf(),
            source,
        },
    })?;

    if !output.status.success() {
        return Err(InstallError::PythonFailed {
            python: python.to_path_buf(),
            status: output.status,
            stderr: last_line(&output.stderr),
        });
    }
    let info = parse(python, &output.stdout)?;
    tracing::debug!(
        "`{}` reports site-packages `{}` and conda {}",
        python.display(),
        info.purelib.display(),
        info.conda_version.as_deref().unwrap_or("(not installed)")
    );
    Ok(info)
}

/// Parses python's stdout, which must be a single JSON object with an absolute `purelib`.
fn parse(python: &Path, stdout: &[u8]) -> Result<PythonInfo, InstallError> {
    let unexpected = || InstallError::PythonOutput {
        python: python.to_path_buf(),
        output: String::from_utf8_lossy(stdout)
            .chars()
            .take(QUOTED_OUTPUT_CHARS)
            .collect(),
    };
    let info: PythonInfo = serde_json::from_slice(stdout).map_err(|_| unexpected())?;
    if !info.purelib.is_absolute() {
        return Err(unexpected());
    }
    Ok(info)
}

/// Describes python's stderr for an error message: its last non-empty line, usually the
/// exception, after a colon.
fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().rev().find(|line| !line.trim().is_empty());
    match line {
        Some(line) => format!(": {}", line.trim()),
        None => " and printed nothing on stderr".to_string(),
    }
}

/// The captured result of a child process that exited.
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

enum WaitError {
    TimedOut,
    Io(std::io::Error),
}

/// Waits for `child` while reading its pipes on threads, so a full pipe cannot block it.
/// Kills it once `timeout` has passed.
fn wait_with_timeout(mut child: Child, timeout: Duration) -> Result<Output, WaitError> {
    let stdout = child.stdout.take().map(read_on_thread);
    let stderr = child.stderr.take().map(read_on_thread);
    let deadline = Instant::now() + timeout;

    let status = loop {
        if let Some(status) = child.try_wait().map_err(WaitError::Io)? {
            break status;
        }
        if Instant::now() >= deadline {
            // The reader threads end once the killed process's pipes close.
            let _ = child.kill();
            let _ = child.wait();
            return Err(WaitError::TimedOut);
        }
        thread::sleep(Duration::from_millis(20));
    };

    let join = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default()
    };
    Ok(Output {
        status,
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

fn read_on_thread(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error keeps the bytes read so far, and the exit status reports the failure.
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Mutex, MutexGuard};

    use super::*;

    /// Serializes the tests that write and run scripts. A script written while another
    /// thread forks can fail to run with "Text file busy", because the forked child holds
    /// the script's write descriptor until it calls exec.
    static SCRIPT_LOCK: Mutex<()> = Mutex::new(());

    /// A shell script that replaces python, in its own temporary folder.
    struct FakePython {
        path: PathBuf,
        _dir: tempfile::TempDir,
        _lock: MutexGuard<'static, ()>,
    }

    fn fake_python(body: &str) -> FakePython {
        let lock = SCRIPT_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("python");
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        FakePython {
            path,
            _dir: dir,
            _lock: lock,
        }
    }

    #[test]
    fn query_reads_json() {
        let python = fake_python(
            r#"echo '{"purelib": "/env/lib/python3.12/site-packages", "conda_version": "24.9.2"}'"#,
        );

        let info = query(&python.path, TIMEOUT).unwrap();

        assert_eq!(
            info.purelib,
            PathBuf::from("/env/lib/python3.12/site-packages")
        );
        assert_eq!(info.conda_version.as_deref(), Some("24.9.2"));
    }

    #[test]
    fn query_garbage_output_fails() {
        let python = fake_python("echo 'Python 2.7.18'");

        let error = query(&python.path, TIMEOUT).unwrap_err();

        let message = error.to_string();
        assert!(
            matches!(error, InstallError::PythonOutput { .. }),
            "error: {error:?}"
        );
        assert!(message.contains("Python 2.7.18"), "message: {message}");
    }

    #[test]
    fn query_relative_purelib_fails() {
        let python = fake_python(r#"echo '{"purelib": "lib", "conda_version": null}'"#);

        let error = query(&python.path, TIMEOUT).unwrap_err();

        assert!(
            matches!(error, InstallError::PythonOutput { .. }),
            "error: {error:?}"
        );
    }

    #[test]
    fn query_failing_python_quotes_stderr() {
        let python = fake_python("echo 'ImportError: no sysconfig' >&2\nexit 3");

        let error = query(&python.path, TIMEOUT).unwrap_err();

        let message = error.to_string();
        assert!(
            matches!(error, InstallError::PythonFailed { .. }),
            "error: {error:?}"
        );
        assert!(
            message.contains("ImportError: no sysconfig"),
            "message: {message}"
        );
        assert!(message.contains("exit status: 3"), "message: {message}");
    }

    #[test]
    fn query_hanging_python_times_out() {
        let python = fake_python("exec sleep 30");
        let started = Instant::now();

        let error = query(&python.path, Duration::from_millis(300)).unwrap_err();

        assert!(
            matches!(error, InstallError::PythonTimeout { .. }),
            "error: {error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn query_missing_python_fails() {
        let temp = tempfile::tempdir().unwrap();

        let error = query(&temp.path().join("python"), TIMEOUT).unwrap_err();

        assert!(
            matches!(error, InstallError::PythonSpawn { .. }),
            "error: {error:?}"
        );
    }
}
