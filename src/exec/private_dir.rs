//! A fresh directory that only the current user can enter, for the files that contain
//! credentials.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tracing::debug;

use crate::env::Environment;
use crate::exec::error::ExecError;
use crate::vars::{TMPDIR_VAR, XDG_RUNTIME_DIR_VAR};

/// Mode of the private directory and of the directories inside it.
const DIR_MODE: u32 = 0o700;

/// Mode of every file written into the private directory.
const FILE_MODE: u32 = 0o600;

/// Prefix of the private directory's name.
const DIR_PREFIX: &str = "conda-credential-helper.";

/// Memory-backed file system on Linux, so that the credential is not written to a disk
/// unless the system swaps.
const SHM_DIR: &str = "/dev/shm";

/// Temporary directory used when `TMPDIR` is unset.
const DEFAULT_TMPDIR: &str = "/tmp";

/// A private directory that is deleted by [`PrivateDir::remove`], or on drop as a fallback.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
    removed: bool,
}

impl PrivateDir {
    /// Creates the directory, with mode 0700, in the first usable base directory:
    /// `$XDG_RUNTIME_DIR`, then `/dev/shm`, then `$TMPDIR` or `/tmp`.
    ///
    /// The first two are memory-backed on common Linux systems. `$XDG_RUNTIME_DIR` comes
    /// first because it belongs to the user, so even the directory's name stays private.
    pub fn create(env: &dyn Environment) -> Result<Self, ExecError> {
        let mut last_error = None;
        for base in base_dirs(env) {
            match create_in(&base) {
                Ok(path) => {
                    debug!("created private directory {}", path.display());
                    return Ok(PrivateDir {
                        path,
                        removed: false,
                    });
                }
                Err(source) => {
                    debug!("cannot use {} for the auth file: {source}", base.display());
                    last_error = Some((base, source));
                }
            }
        }
        let (base, source) = last_error.expect("the temporary directory is always a candidate");
        Err(ExecError::CreateDir { base, source })
    }

    /// Returns the directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the directory `relative` and its missing parents inside the private
    /// directory, each with mode 0700 whatever the umask.
    pub fn create_subdir(&self, relative: &Path) -> Result<PathBuf, ExecError> {
        let mut path = self.path.clone();
        for component in relative.components() {
            path.push(component);
            create_private_dir(&path).map_err(|source| ExecError::WriteFile {
                path: path.clone(),
                source,
            })?;
        }
        Ok(path)
    }

    /// Writes `contents` to the new file `relative`, with mode 0600, and returns its path.
    ///
    /// The file must not exist yet. Missing parent directories are created with mode 0700.
    pub fn write_file(&self, relative: &Path, contents: &[u8]) -> Result<PathBuf, ExecError> {
        if let Some(parent) = relative
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            self.create_subdir(parent)?;
        }
        let path = self.path.join(relative);
        write_new_file(&path, contents).map_err(|source| ExecError::WriteFile {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Deletes the directory and everything in it, without following symbolic links.
    pub fn remove(mut self) -> Result<(), ExecError> {
        self.removed = true;
        match fs::remove_dir_all(&self.path) {
            Ok(()) => {
                debug!("deleted private directory {}", self.path.display());
                Ok(())
            }
            Err(source) if source.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ExecError::Cleanup {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

impl Drop for PrivateDir {
    /// Deletes the directory when an early return or a panic skipped [`PrivateDir::remove`].
    fn drop(&mut self) {
        if !self.removed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Returns the base directories to try, in order.
fn base_dirs(env: &dyn Environment) -> Vec<PathBuf> {
    let mut bases = Vec::new();
    if let Some(runtime) = env.non_empty_var(XDG_RUNTIME_DIR_VAR).map(PathBuf::from) {
        if runtime.is_absolute() && runtime.is_dir() {
            bases.push(runtime);
        }
    }
    if Path::new(SHM_DIR).is_dir() {
        bases.push(PathBuf::from(SHM_DIR));
    }
    let tmp = env
        .non_empty_var(TMPDIR_VAR)
        .map_or_else(|| PathBuf::from(DEFAULT_TMPDIR), PathBuf::from);
    bases.push(tmp);
    bases
}

/// Creates a uniquely named directory in `base` and sets its mode to 0700 whatever the
/// umask.
fn create_in(base: &Path) -> io::Result<PathBuf> {
    let path = tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .permissions(Permissions::from_mode(DIR_MODE))
        .tempdir_in(base)?
        .keep();
    if let Err(error) = fs::set_permissions(&path, Permissions::from_mode(DIR_MODE)) {
        let _ = fs::remove_dir(&path);
        return Err(error);
    }
    Ok(path)
}

/// Creates the directory `path` unless it exists, and sets its mode to 0700.
fn create_private_dir(path: &Path) -> io::Result<()> {
    match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => {}
        // A symbolic link is not accepted, so that set_permissions() cannot follow it.
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists && is_real_dir(path) => {}
        Err(error) => return Err(error),
    }
    fs::set_permissions(path, Permissions::from_mode(DIR_MODE))
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
}

/// Creates `path`, which must not exist, with mode 0600 whatever the umask, and writes
/// `contents` to it.
fn write_new_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    file.write_all(contents)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::env::MapEnv;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    fn runtime_env(dir: &Path) -> MapEnv {
        MapEnv::new().with_var(XDG_RUNTIME_DIR_VAR, dir)
    }

    #[test]
    fn dir_created_in_runtime_dir() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        assert_eq!(dir.path().parent(), Some(runtime.path()));
        assert_eq!(mode(dir.path()), 0o700);
        dir.remove().unwrap();
    }

    #[test]
    fn relative_runtime_dir_is_skipped() {
        let env = MapEnv::new().with_var(XDG_RUNTIME_DIR_VAR, "relative/dir");
        assert!(!base_dirs(&env).contains(&PathBuf::from("relative/dir")));
    }

    #[test]
    fn tmpdir_is_last_candidate() {
        let env = MapEnv::new().with_var(TMPDIR_VAR, "/custom/tmp");
        let bases = base_dirs(&env);
        assert_eq!(bases.last(), Some(&PathBuf::from("/custom/tmp")));
    }

    #[test]
    fn unusable_bases_report_last() {
        let env = MapEnv::new()
            .with_var(XDG_RUNTIME_DIR_VAR, "/nonexistent-runtime-dir")
            .with_var(TMPDIR_VAR, "/nonexistent-tmp-dir");
        if Path::new(SHM_DIR).is_dir() {
            // /dev/shm is usable here, so creation succeeds there instead.
            PrivateDir::create(&env).unwrap().remove().unwrap();
            return;
        }
        let error = PrivateDir::create(&env).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent-tmp-dir"),
            "{error}"
        );
    }

    #[test]
    fn file_is_0600_in_0700_subdir() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        let path = dir.write_file(Path::new("a/b/auth.json"), b"{}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        dir.remove().unwrap();
    }

    #[test]
    fn symlinked_subdir_is_rejected() {
        let runtime = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let error = dir
            .write_file(Path::new("link/auth.json"), b"{}")
            .unwrap_err();
        assert!(matches!(error, ExecError::WriteFile { .. }), "{error:?}");
        assert!(!outside.path().join("auth.json").exists());
        dir.remove().unwrap();
    }

    #[test]
    fn existing_file_is_not_overwritten() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        dir.write_file(Path::new("auth.json"), b"first").unwrap();
        let error = dir
            .write_file(Path::new("auth.json"), b"second")
            .unwrap_err();
        assert!(matches!(error, ExecError::WriteFile { .. }), "{error:?}");
        assert_eq!(fs::read(dir.path().join("auth.json")).unwrap(), b"first");
    }

    #[test]
    fn remove_deletes_everything() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        let path = dir.path().to_owned();
        dir.write_file(Path::new("x/auth.json"), b"{}").unwrap();
        dir.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn remove_keeps_symlink_targets() {
        let runtime = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("keep"), b"data").unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        dir.remove().unwrap();
        assert_eq!(fs::read(outside.path().join("keep")).unwrap(), b"data");
    }

    #[test]
    fn drop_deletes_directory() {
        let runtime = tempfile::tempdir().unwrap();
        let dir = PrivateDir::create(&runtime_env(runtime.path())).unwrap();
        let path = dir.path().to_owned();
        drop(dir);
        assert!(!path.exists());
    }
}
