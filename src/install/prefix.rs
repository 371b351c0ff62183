//! Finds conda's base environment and checks that it is a conda prefix with a python.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::InstallError;

/// Environment variable that conda sets to its base environment.
pub const CONDA_ROOT: &str = "CONDA_ROOT";

/// Environment variable listing the folders searched for `conda`.
pub const PATH: &str = "PATH";

/// Source of the base prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixSource {
    /// The `--prefix` argument.
    Argument,
    /// The `CONDA_ROOT` environment variable.
    CondaRoot,
    /// The `conda` executable at this path, found on `PATH` (symlinks resolved).
    CondaOnPath(PathBuf),
}

impl fmt::Display for PrefixSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Argument => f.write_str("--prefix"),
            Self::CondaRoot => write!(f, "{CONDA_ROOT}"),
            Self::CondaOnPath(conda) => write!(f, "`{}` on {PATH}", conda.display()),
        }
    }
}

/// A conda prefix: a folder with `conda-meta/` and `bin/python` (or `bin/python3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondaPrefix {
    /// The prefix folder, canonical.
    pub root: PathBuf,
    /// The prefix's python executable.
    pub python: PathBuf,
}

/// Finds the base prefix: `explicit` if given, else `CONDA_ROOT`, else the prefix of the
/// `conda` found on `PATH`. `env` looks up environment variables. Conda is not run.
pub fn discover(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<(PathBuf, PrefixSource), InstallError> {
    if let Some(prefix) = explicit {
        tracing::debug!("base prefix `{}` from --prefix", prefix.display());
        return Ok((prefix.to_path_buf(), PrefixSource::Argument));
    }

    // An empty value counts as unset, the same rule as for the credential variables.
    if let Some(root) = env(CONDA_ROOT).filter(|value| !value.is_empty()) {
        let root = PathBuf::from(root);
        tracing::debug!("base prefix `{}` from {CONDA_ROOT}", root.display());
        return Ok((root, PrefixSource::CondaRoot));
    }

    let search_path = env(PATH).unwrap_or_default();
    for folder in std::env::split_paths(&search_path) {
        let candidate = folder.join("conda");
        if !is_executable_file(&candidate) {
            continue;
        }
        match prefix_of_conda(&candidate) {
            Some((conda, prefix)) => {
                tracing::debug!(
                    "base prefix `{}` from `{}` on {PATH}",
                    prefix.display(),
                    conda.display()
                );
                return Ok((prefix, PrefixSource::CondaOnPath(conda)));
            }
            None => tracing::debug!(
                "skipping `{}` on {PATH}: it does not resolve to a file in a `bin/` or `condabin/` folder",
                candidate.display()
            ),
        }
    }

    Err(InstallError::PrefixNotFound)
}

/// Resolves the symlinks of `conda` and returns it with its prefix, the parent of the
/// `bin/` or `condabin/` folder it sits in. Returns `None` for any other layout.
fn prefix_of_conda(conda: &Path) -> Option<(PathBuf, PathBuf)> {
    let resolved = fs::canonicalize(conda).ok()?;
    let folder = resolved.parent()?;
    let folder_name = folder.file_name()?;
    if folder_name != "bin" && folder_name != "condabin" {
        return None;
    }
    let prefix = folder.parent()?.to_path_buf();
    Some((resolved, prefix))
}

/// Tells whether `path` is a file (after symlinks) with an execute bit set.
fn is_executable_file(path: &Path) -> bool {
    fs::metadata(path)
        .map(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

impl PrefixSource {
    /// Adds this source to a missing-prefix error, so the message names the setting to fix.
    pub fn explain(&self, error: InstallError) -> InstallError {
        match error {
            InstallError::PrefixMissing { path, .. } => InstallError::PrefixMissing {
                path,
                origin: format!(" (from {self})"),
            },
            other => other,
        }
    }
}

impl CondaPrefix {
    /// Checks that `path` exists, contains `conda-meta/` and `bin/python` or `bin/python3`,
    /// and returns the prefix with its symlinks resolved.
    pub fn open(path: &Path) -> Result<Self, InstallError> {
        let root = match fs::canonicalize(path) {
            Ok(root) => root,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(InstallError::PrefixMissing {
                    path: path.to_path_buf(),
                    origin: String::new(),
                });
            }
            Err(source) => {
                return Err(InstallError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if !root.is_dir() {
            return Err(not_conda(&root, "it is not a directory"));
        }

        let mut missing = Vec::new();
        if !root.join("conda-meta").is_dir() {
            missing.push("`conda-meta/` is not a directory");
        }
        let python = find_python(&root);
        if python.is_none() {
            missing.push("neither `bin/python` nor `bin/python3` exists");
        }
        let Some(python) = python.filter(|_| missing.is_empty()) else {
            return Err(not_conda(&root, &missing.join(" and ")));
        };

        tracing::debug!(
            "conda prefix `{}` with python `{}`",
            root.display(),
            python.display()
        );
        Ok(Self { root, python })
    }
}

/// Returns `bin/python` or else `bin/python3` of `root`, whichever exists first.
///
/// A symlink counts as existing even when its target cannot be read, so that a user who
/// may not read the target still gets the later, more precise error from running it.
fn find_python(root: &Path) -> Option<PathBuf> {
    ["python", "python3"]
        .iter()
        .map(|name| root.join("bin").join(name))
        .find(|python| fs::symlink_metadata(python).is_ok())
}

fn not_conda(prefix: &Path, missing: &str) -> InstallError {
    InstallError::NotCondaPrefix {
        prefix: prefix.to_path_buf(),
        missing: missing.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::os::unix::fs::symlink;

    use super::*;

    /// Returns an environment lookup that reads only `vars`.
    fn env_of(vars: &[(&str, OsString)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    fn write_executable(path: &Path, mode: u32) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "#!/bin/sh\nexit 1\n").unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn path_of(folders: &[PathBuf]) -> OsString {
        std::env::join_paths(folders).unwrap()
    }

    #[test]
    fn discover_prefers_argument() {
        let env = env_of(&[(CONDA_ROOT, "/from/env".into())]);

        let found = discover(Some(Path::new("/from/arg")), env).unwrap();

        assert_eq!(found, (PathBuf::from("/from/arg"), PrefixSource::Argument));
    }

    #[test]
    fn discover_uses_conda_root() {
        let env = env_of(&[(CONDA_ROOT, "/opt/conda".into()), (PATH, "/nowhere".into())]);

        let found = discover(None, env).unwrap();

        assert_eq!(
            found,
            (PathBuf::from("/opt/conda"), PrefixSource::CondaRoot)
        );
    }

    #[test]
    fn discover_ignores_empty_conda_root() {
        let env = env_of(&[(CONDA_ROOT, "".into()), (PATH, "/nowhere".into())]);

        let error = discover(None, env).unwrap_err();

        assert!(
            matches!(error, InstallError::PrefixNotFound),
            "error: {error:?}"
        );
    }

    #[test]
    fn discover_follows_symlink_on_path() {
        let temp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(temp.path()).unwrap();
        let conda = base.join("conda/bin/conda");
        write_executable(&conda, 0o755);
        let shims = base.join("shims");
        fs::create_dir(&shims).unwrap();
        symlink(&conda, shims.join("conda")).unwrap();
        let env = env_of(&[(PATH, path_of(&[base.join("empty"), shims]))]);

        let found = discover(None, env).unwrap();

        assert_eq!(
            found,
            (base.join("conda"), PrefixSource::CondaOnPath(conda))
        );
    }

    #[test]
    fn discover_accepts_condabin() {
        let temp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(temp.path()).unwrap();
        let conda = base.join("miniconda/condabin/conda");
        write_executable(&conda, 0o755);
        let env = env_of(&[(PATH, path_of(&[base.join("miniconda/condabin")]))]);

        let found = discover(None, env).unwrap();

        assert_eq!(
            found,
            (base.join("miniconda"), PrefixSource::CondaOnPath(conda))
        );
    }

    #[test]
    fn discover_skips_non_executable_and_other_layouts() {
        let temp = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(temp.path()).unwrap();
        write_executable(&base.join("plain/bin/conda"), 0o644);
        write_executable(&base.join("tools/conda"), 0o755);
        let conda = base.join("real/bin/conda");
        write_executable(&conda, 0o755);
        let folders = [
            base.join("plain/bin"),
            base.join("tools"),
            base.join("real/bin"),
        ];
        let env = env_of(&[(PATH, path_of(&folders))]);

        let found = discover(None, env).unwrap();

        assert_eq!(found, (base.join("real"), PrefixSource::CondaOnPath(conda)));
    }

    #[test]
    fn discover_without_any_source_fails() {
        let temp = tempfile::tempdir().unwrap();
        let env = env_of(&[(PATH, temp.path().into())]);

        let error = discover(None, env).unwrap_err();

        assert!(
            matches!(error, InstallError::PrefixNotFound),
            "error: {error:?}"
        );
    }

    #[test]
    fn open_accepts_conda_prefix() {
        let temp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(temp.path()).unwrap();
        fs::create_dir(root.join("conda-meta")).unwrap();
        write_executable(&root.join("bin/python3"), 0o755);

        let prefix = CondaPrefix::open(&root).unwrap();

        assert_eq!(prefix.root, root);
        assert_eq!(prefix.python, root.join("bin/python3"));
    }

    #[test]
    fn open_names_everything_missing() {
        let temp = tempfile::tempdir().unwrap();

        let error = CondaPrefix::open(temp.path()).unwrap_err();

        let message = error.to_string();
        assert!(
            message.contains("`conda-meta/` is not a directory"),
            "message: {message}"
        );
        assert!(message.contains("`bin/python`"), "message: {message}");
        assert!(
            message.contains("--prefix $(conda info --base)"),
            "message: {message}"
        );
    }

    #[test]
    fn open_missing_prefix_fails() {
        let temp = tempfile::tempdir().unwrap();
        let missing = temp.path().join("absent");

        let error = CondaPrefix::open(&missing).unwrap_err();

        assert!(
            matches!(error, InstallError::PrefixMissing { .. }),
            "error: {error:?}"
        );
    }
}
