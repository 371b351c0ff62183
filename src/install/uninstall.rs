//! `uninstall`: removes what `install` wrote, driven by RECORD, and nothing else.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::Path;

use super::installed::{self, Removal};
use super::package::PACKAGE_DIR;
use super::prefix::{self, CondaPrefix};
use super::{InstallError, UninstallReport, condarc, python};

/// Removes the plugin from the base prefix: `explicit` if given, else found through `env`.
///
/// Removes the files listed in the RECORD of every dist-info that install wrote, the
/// bytecode python compiled for its modules, the condarc file and `condarc.d/` when it is
/// left empty. Succeeds with an empty report when nothing is installed.
pub fn uninstall(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<UninstallReport, InstallError> {
    let (path, _) = prefix::discover(explicit, env)?;
    let prefix = CondaPrefix::open(&path)?;
    let info = python::query(&prefix.python, python::TIMEOUT)?;
    let site_packages = super::site_packages(&prefix, &info.purelib)?;

    let dists = installed::find(&site_packages)?;
    if dists.is_empty() && site_packages.join(PACKAGE_DIR).exists() {
        tracing::warn!(
            "kept `{}` because no dist-info written by install lists its files",
            site_packages.join(PACKAGE_DIR).display()
        );
    }

    let mut removal = Removal::default();
    for dist in &dists {
        let removed = installed::remove_files(&site_packages, &dist.paths)?;
        removal.removed.extend(removed.removed);
        removal.kept.extend(removed.kept);
    }
    remove_condarc(&prefix.root, &mut removal)?;

    for dir in &removal.kept {
        tracing::warn!(
            "kept `{}` because it contains files that install did not write",
            dir.display()
        );
    }
    Ok(UninstallReport {
        prefix: prefix.root,
        removed: removal.removed,
    })
}

/// Removes the condarc file when install wrote it, then `condarc.d/` when it is empty.
fn remove_condarc(prefix: &Path, removal: &mut Removal) -> Result<(), InstallError> {
    let dir = prefix.join(condarc::DIR_NAME);
    let file = dir.join(condarc::FILE_NAME);
    let text = match fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(InstallError::Read { path: file, source }),
    };

    if !condarc::is_written_by_install(&text) {
        tracing::warn!(
            "kept `{}` because it does not start with the line `{}` that install writes",
            file.display(),
            condarc::HEADER
        );
        return Ok(());
    }
    fs::remove_file(&file).map_err(|source| InstallError::remove(&dir, &file, source))?;
    removal.removed.push(file);

    // Other tools' configuration keeps `condarc.d/` in place, which is not worth a warning.
    let mut dir_removal = Removal::default();
    installed::remove_dir_if_empty(&dir, &mut dir_removal)?;
    removal.removed.extend(dir_removal.removed);
    Ok(())
}
