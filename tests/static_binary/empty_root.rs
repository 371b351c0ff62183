//! Runs the binary in a temporary root that contains only the binary, the key and any
//! files a test adds, through chroot(8) and, for network commands, a new network namespace.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where the binary sits inside the root.
pub const BINARY_PATH: &str = "/conda-credential-helper";

/// A temporary root with the binary at [`BINARY_PATH`] and the key in
/// `/run/secrets/ANACONDA_AUTH_API_KEY`, the default secrets directory.
pub struct EmptyRoot {
    dir: tempfile::TempDir,
}

/// What a run in the root produced.
#[derive(Debug)]
pub struct RootRun {
    /// The exit code, `None` when a signal ended the run.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl RootRun {
    /// Returns why the kernel denied chroot(8) or unshare(1) the isolation, if it did.
    pub fn denied(&self) -> Option<&str> {
        let chroot_denied = self.code == Some(125) && self.stderr.contains("chroot: cannot");
        let unshare_denied = self.stderr.starts_with("unshare: unshare failed");
        (chroot_denied || unshare_denied).then(|| self.stderr.trim_end())
    }
}

impl EmptyRoot {
    /// Creates the root with a copy of `binary` and the key.
    pub fn new(binary: &Path, key: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = EmptyRoot { dir };
        root.add_file(
            "run/secrets/ANACONDA_AUTH_API_KEY",
            &format!("{key}\n"),
            0o400,
        );

        let target = root.dir.path().join(BINARY_PATH.trim_start_matches('/'));
        fs::copy(binary, &target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();
        root
    }

    /// Writes `content` to `relative` inside the root, creating its folders.
    pub fn add_file(&self, relative: &str, content: &str, mode: u32) {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Runs the binary with `args` inside the root, with an empty environment and `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> RootRun {
        let mut command = Command::new(find_program("chroot"));
        command.arg(self.dir.path()).arg(BINARY_PATH).args(args);
        spawn(command, stdin)
    }

    /// Runs the binary like [`EmptyRoot::run`], in a new network namespace whose only
    /// interface, loopback, is down, so that no packet can leave it.
    pub fn run_offline(&self, args: &[&str]) -> RootRun {
        let mut command = Command::new(find_program("unshare"));
        command
            .arg("--net")
            .arg(find_program("chroot"))
            .arg(self.dir.path())
            .arg(BINARY_PATH)
            .args(args);
        spawn(command, "")
    }

    /// Lists every path in the root, sorted, as seen from inside it.
    pub fn entries(&self) -> Vec<String> {
        let mut entries = Vec::new();
        collect_entries(self.dir.path(), self.dir.path(), &mut entries);
        entries.sort();
        entries
    }
}

fn spawn(mut command: Command, stdin: &str) -> RootRun {
    let mut child = command
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("failed to start {command:?}: {error}"));
    // chroot(8) and unshare(1) exit without reading stdin when they fail, so a failed
    // write is expected then, and the exit code and stderr show what happened.
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
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

/// Finds `name` on the PATH of the tests, because the cleared environment of the run has
/// no PATH to search.
fn find_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{name} not found on PATH: install util-linux and coreutils"))
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
