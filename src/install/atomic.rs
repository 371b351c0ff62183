//! Atomic file writes (temporary file in the target folder, then rename) and write checks.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::InstallError;

/// Mode of written files: readable by every user, as conda may run as another user.
const FILE_MODE: u32 = 0o644;

/// Mode of created folders, for the same reason.
const DIR_MODE: u32 = 0o755;

/// Writes `contents` to `path` so that readers see either the old or the new file, never
/// a partial one. Creates missing parent folders.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), InstallError> {
    let dir = parent_of(path);
    create_dir_all(dir)?;

    let temp = temp_path(path);
    let result = write_temp(&temp, contents).and_then(|()| fs::rename(&temp, path));
    if let Err(source) = result {
        // The temporary file may not exist when the failure came before it was created.
        let _ = fs::remove_file(&temp);
        return Err(InstallError::write(dir, path, source));
    }
    tracing::trace!("wrote `{}`", path.display());
    Ok(())
}

/// Creates `dir` and its missing parents with mode 0755 (before the umask).
pub fn create_dir_all(dir: &Path) -> Result<(), InstallError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|source| {
            let existing = dir
                .ancestors()
                .find(|ancestor| ancestor.is_dir())
                .unwrap_or(dir);
            InstallError::write(existing, dir, source)
        })
}

/// Checks that the current user may create files in `dir` by creating and removing an
/// empty probe file. This catches permissions, ACLs and read-only mounts alike.
pub fn check_writable(dir: &Path) -> Result<(), InstallError> {
    let probe = dir.join(format!(
        ".conda-credential-helper-probe-{}",
        std::process::id()
    ));
    let created = OpenOptions::new().write(true).create_new(true).open(&probe);
    match created {
        Ok(_) => {
            fs::remove_file(&probe).map_err(|source| InstallError::remove(dir, &probe, source))
        }
        Err(source) => Err(InstallError::write(dir, dir, source)),
    }
}

fn write_temp(temp: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(temp)?;
    file.write_all(contents)?;
    // The umask reduces the mode given at creation, so set the mode again.
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    file.sync_all()
}

/// Returns a hidden, process-unique name next to `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Returns the folder that contains `path`, or `.` when `path` has no parent, as for `/`.
pub fn parent_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_file_creates_parents_and_replaces() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("a/b/file.txt");

        write_file(&path, b"first").unwrap();
        write_file(&path, b"second").unwrap();

        assert_eq!(fs::read(&path).unwrap(), b"second");
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, FILE_MODE);
        let names: Vec<_> = fs::read_dir(temp.path().join("a/b")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn write_file_into_file_fails_with_path() {
        let temp = tempfile::tempdir().unwrap();
        let blocker = temp.path().join("blocker");
        fs::write(&blocker, "").unwrap();

        let error = write_file(&blocker.join("file.txt"), b"x").unwrap_err();

        assert!(error.to_string().contains("blocker"), "error: {error}");
    }

    #[test]
    fn check_writable_leaves_no_probe() {
        let temp = tempfile::tempdir().unwrap();

        check_writable(temp.path()).unwrap();

        assert_eq!(fs::read_dir(temp.path()).unwrap().count(), 0);
    }
}
