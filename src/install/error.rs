//! Errors of `install` and `uninstall`, each naming the path involved and the fix.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// Fix suggested by the errors about finding or using the base environment.
const PASS_PREFIX: &str = "Pass the conda base environment with `--prefix $(conda info --base)`";

/// A failure of `install` or `uninstall`.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// No `--prefix`, no `CONDA_ROOT` and no `conda` on `PATH`.
    #[error(
        "no conda base environment found: `--prefix` was not given, `CONDA_ROOT` is not set and no `conda` inside a `bin/` or `condabin/` folder is on PATH. {PASS_PREFIX}"
    )]
    PrefixNotFound,

    /// The prefix does not exist.
    #[error("prefix `{path}`{origin} does not exist. {PASS_PREFIX}")]
    PrefixMissing {
        /// The prefix as given or discovered.
        path: PathBuf,
        /// Origin of the prefix, as ` (from CONDA_ROOT)`, or empty when unknown.
        origin: String,
    },

    /// The prefix exists but lacks `conda-meta/` or a python.
    #[error("`{prefix}` is not a conda environment: {missing}. {PASS_PREFIX}")]
    NotCondaPrefix {
        /// The prefix that was checked.
        prefix: PathBuf,
        /// Description of the missing parts, e.g. "`conda-meta/` is not a directory".
        missing: String,
    },

    /// The current user cannot create files in a folder that install writes to.
    #[error(
        "`{path}` is not writable by the current user. Run this command as the owner of the conda base environment, or pass `--prefix` with an environment you own"
    )]
    NotWritable {
        /// The folder that rejected the write.
        path: PathBuf,
        /// The error of the rejected write.
        source: io::Error,
    },

    /// The prefix's python could not be started.
    #[error(
        "failed to run `{python}`. Check that the base environment's python starts: `{python} -V`"
    )]
    PythonSpawn {
        /// The python executable.
        python: PathBuf,
        /// The error of the spawn.
        source: io::Error,
    },

    /// The prefix's python did not exit in time.
    #[error(
        "`{python}` did not report its site-packages within {timeout:?} and was stopped. Check that the base environment's python starts: `{python} -V`"
    )]
    PythonTimeout {
        /// The python executable.
        python: PathBuf,
        /// How long it was given.
        timeout: Duration,
    },

    /// The prefix's python exited with an error.
    #[error(
        "`{python}` failed with {status} while reporting its site-packages{stderr}. Check that the base environment's python works: `{python} -c 'import sysconfig'`"
    )]
    PythonFailed {
        /// The python executable.
        python: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// The end of its stderr, as `: <last line>` or a note that it printed nothing.
        stderr: String,
    },

    /// The prefix's python printed something other than the expected JSON.
    #[error(
        "`{python}` printed unexpected output instead of its site-packages: {output:?}. Check that `{python}` is the base environment's CPython"
    )]
    PythonOutput {
        /// The python executable.
        python: PathBuf,
        /// The start of what it printed.
        output: String,
    },

    /// The site-packages folder python reported is unusable.
    #[error("site-packages `{path}` reported by `{python}` {problem}. {PASS_PREFIX}")]
    SitePackages {
        /// The reported folder.
        path: PathBuf,
        /// The python that reported it.
        python: PathBuf,
        /// Description of the problem, e.g. "is not a directory".
        problem: String,
    },

    /// A dist-info of this package that another installer (such as pip) wrote.
    #[error(
        "`{path}` was installed by `{installer}`, not by conda-credential-helper, so its files are left alone. Remove it with `{installer} uninstall conda-credential-helper` first"
    )]
    ForeignInstall {
        /// The dist-info folder.
        path: PathBuf,
        /// The contents of its INSTALLER file.
        installer: String,
    },

    /// A dist-info folder of this package without an INSTALLER naming its installer.
    #[error(
        "`{path}` has no INSTALLER file naming the tool that wrote it, so it was not written by `conda-credential-helper install` and its files are left alone. If it is a leftover, remove it by hand with `rm -r {path}`, then run the command again"
    )]
    UnknownDistInfo {
        /// The dist-info folder.
        path: PathBuf,
    },

    /// A folder that install writes into, or uninstall removes, is a symbolic link.
    #[error(
        "`{path}` is a symbolic link to `{target}`, and install and uninstall do not write or delete files through a link. Remove the link itself with `rm {path}`, which leaves `{target}` alone, then run the command again"
    )]
    Symlink {
        /// The link.
        path: PathBuf,
        /// Target of the link.
        target: PathBuf,
    },

    /// Uninstall found a folder it must change that the current user may not write.
    #[error(
        "`{path}` is not writable by the current user, so uninstall removed nothing. Run this command as the owner of the conda base environment"
    )]
    UninstallNotWritable {
        /// The folder that rejected the write.
        path: PathBuf,
        /// The error of the rejected write.
        source: io::Error,
    },

    /// Uninstall failed after it had removed some of the plugin.
    #[error(
        "uninstall stopped partway. Removed: {}. Still in place: {}. Fix the cause below and run `conda-credential-helper uninstall` again",
        path_list(.removed),
        path_list(.remaining)
    )]
    UninstallIncomplete {
        /// The condarc file and folders that are gone.
        removed: Vec<PathBuf>,
        /// The condarc file and folders that are still there, in full or in part.
        remaining: Vec<PathBuf>,
        /// The failure that stopped uninstall.
        source: Box<InstallError>,
    },

    /// The running binary's path could not be determined.
    #[error(
        "failed to find the path of the running conda-credential-helper binary. Run it through a path such as `/usr/local/bin/conda-credential-helper`"
    )]
    CurrentExe {
        /// The error of the lookup.
        source: io::Error,
    },

    /// The running binary's path cannot be written to a text file.
    #[error(
        "path of the running binary `{path}` is not valid UTF-8. Move the binary to a path such as `/usr/local/bin/conda-credential-helper`"
    )]
    CurrentExeNotUtf8 {
        /// The path of the binary.
        path: PathBuf,
    },

    /// The running binary's path contains a line break or another control character.
    #[error(
        "path of the running binary {path:?} contains a line break or another control character, which `helper_path.txt` cannot store on one line. Move the binary to a path without them, such as `/usr/local/bin/conda-credential-helper`"
    )]
    CurrentExeControlChar {
        /// The path of the binary.
        path: String,
    },

    /// A `--channel` value is not an exact https channel URL.
    #[error("invalid `--channel {value}`: {problem}. {fix}")]
    InvalidChannel {
        /// The value given.
        value: String,
        /// The problem with it.
        problem: String,
        /// The fix, as one sentence.
        fix: &'static str,
    },

    /// The helper's config file cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config_file::ConfigError),

    /// Reading a file or folder failed.
    #[error("failed to read `{path}`")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The error of the read.
        source: io::Error,
    },

    /// Writing a file or creating a folder failed.
    #[error("failed to write `{path}`")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The error of the write.
        source: io::Error,
    },

    /// Removing a file or folder failed.
    #[error("failed to remove `{path}`")]
    Remove {
        /// The file or folder.
        path: PathBuf,
        /// The error of the removal.
        source: io::Error,
    },
}

impl InstallError {
    /// Builds the error for a failed write to `path` inside `dir`, naming `dir` as not writable
    /// when the failure is a permission or read-only file system error.
    pub(crate) fn write(dir: &Path, path: &Path, source: io::Error) -> Self {
        if is_permission_error(&source) {
            return Self::NotWritable {
                path: dir.to_path_buf(),
                source,
            };
        }
        Self::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Builds the error for a failed removal of `path` inside `dir`, like [`Self::write`].
    pub(crate) fn remove(dir: &Path, path: &Path, source: io::Error) -> Self {
        if is_permission_error(&source) {
            return Self::NotWritable {
                path: dir.to_path_buf(),
                source,
            };
        }
        Self::Remove {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Returns `paths` in backticks separated by commas, or "nothing" when there are none.
fn path_list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nothing".to_string();
    }
    let quoted: Vec<String> = paths
        .iter()
        .map(|path| format!("`{}`", path.display()))
        .collect();
    quoted.join(", ")
}

/// Tells whether `error` means the current user may not change the folder.
fn is_permission_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_permission_error_names_folder() {
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let error = InstallError::write(Path::new("/env/condarc.d"), Path::new("/env/x"), denied);

        let message = error.to_string();

        assert!(
            message.starts_with("`/env/condarc.d` is not writable by the current user."),
            "message: {message}"
        );
        assert!(message.contains("owner of the conda base environment"));
        assert!(message.contains("--prefix"));
    }

    #[test]
    fn write_other_error_names_file() {
        let full = io::Error::from(io::ErrorKind::StorageFull);
        let error = InstallError::write(Path::new("/env"), Path::new("/env/x"), full);

        assert_eq!(error.to_string(), "failed to write `/env/x`");
    }

    #[test]
    fn uninstall_incomplete_lists_paths() {
        let cause = InstallError::Remove {
            path: PathBuf::from("/env/site/pkg/a.py"),
            source: io::Error::from(io::ErrorKind::Other),
        };
        let error = InstallError::UninstallIncomplete {
            removed: vec![PathBuf::from("/env/condarc.d/c.yml")],
            remaining: vec![PathBuf::from("/env/site/pkg"), PathBuf::from("/env/site/d")],
            source: Box::new(cause),
        };

        assert_eq!(
            error.to_string(),
            "uninstall stopped partway. Removed: `/env/condarc.d/c.yml`. Still in place: `/env/site/pkg`, `/env/site/d`. Fix the cause below and run `conda-credential-helper uninstall` again"
        );
        let cause = std::error::Error::source(&error).unwrap();
        assert_eq!(cause.to_string(), "failed to remove `/env/site/pkg/a.py`");
    }

    #[test]
    fn prefix_not_found_names_fix() {
        let message = InstallError::PrefixNotFound.to_string();

        assert!(
            message.contains("--prefix $(conda info --base)"),
            "message: {message}"
        );
    }
}
