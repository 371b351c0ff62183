//! `uninstall`: removes what `install` wrote, driven by RECORD, and nothing else.
//!
//! It checks every folder it changes before it removes anything. Then it removes the
//! condarc file first, because once that is gone conda sends no channel to the plugin. A
//! failure later leaves unused files, not channels that conda fetches without the key.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::atomic::{self, parent_of};
use super::installed::{self, InstalledDist, Removal};
use super::package::PACKAGE_DIR;
use super::prefix::{self, CondaPrefix};
use super::{InstallError, UninstallReport, condarc, python};

/// Removes the plugin from the base prefix: `explicit` if given, else found through `env`.
///
/// Removes the condarc file and `condarc.d/` when it is left empty, then the files listed
/// in the RECORD of every dist-info that install wrote and the bytecode python compiled
/// for its modules. Files edited since install are kept with a warning. Succeeds with an
/// empty report when nothing is installed.
pub fn uninstall(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<UninstallReport, InstallError> {
    let (path, prefix_source) = prefix::discover(explicit, env)?;
    let prefix = CondaPrefix::open(&path).map_err(|error| prefix_source.explain(error))?;
    let info = python::query(&prefix.python, python::TIMEOUT)?;
    let site_packages = super::site_packages(&prefix, &info.purelib)?;

    installed::check_package_links(&site_packages)?;
    let dists = installed::find(&site_packages)?;
    if dists.is_empty() && site_packages.join(PACKAGE_DIR).exists() {
        tracing::warn!(
            "kept `{}` because no dist-info written by install lists its files",
            site_packages.join(PACKAGE_DIR).display()
        );
    }
    let condarc_file = removable_condarc(&prefix.root)?;
    check_removable(&site_packages, &dists, condarc_file.as_deref())?;

    let mut removal = Removal::default();
    let result = remove_all(
        &site_packages,
        &dists,
        condarc_file.as_deref(),
        &mut removal,
    );
    if let Err(error) = result {
        return Err(incomplete(error, &site_packages, &dists, condarc_file));
    }

    warn_about_kept(&removal);
    Ok(UninstallReport {
        prefix: prefix.root,
        removed: removal.removed,
    })
}

/// Removes the condarc file, then every dist's files.
fn remove_all(
    site_packages: &Path,
    dists: &[InstalledDist],
    condarc_file: Option<&Path>,
    removal: &mut Removal,
) -> Result<(), InstallError> {
    if let Some(file) = condarc_file {
        let dir = parent_of(file);
        fs::remove_file(file).map_err(|source| InstallError::remove(dir, file, source))?;
        removal.removed.push(file.to_path_buf());
        remove_condarc_dir(dir, removal);
    }
    for dist in dists {
        installed::remove_files(site_packages, &dist.paths, &dist.digests, removal)?;
    }
    Ok(())
}

/// Removes `condarc.d/` when it is empty. Other tools' configuration, or a prefix that the
/// current user may not change, keeps it in place, which is harmless and not worth a warning.
fn remove_condarc_dir(dir: &Path, removal: &mut Removal) {
    match fs::remove_dir(dir) {
        Ok(()) => removal.removed.push(dir.to_path_buf()),
        Err(error) => tracing::debug!("kept `{}`: {error}", dir.display()),
    }
}

/// Returns the condarc file when install wrote it and it is unchanged since, or `None`
/// with a warning when it is kept.
fn removable_condarc(prefix: &Path) -> Result<Option<PathBuf>, InstallError> {
    let file = prefix.join(condarc::DIR_NAME).join(condarc::FILE_NAME);
    match fs::symlink_metadata(&file) {
        Ok(metadata) if metadata.is_symlink() => {
            tracing::warn!(
                "kept `{}` because it is a symbolic link, which install does not write; remove it by hand if it maps channels to the conda-credential-helper plugin",
                file.display()
            );
            return Ok(None);
        }
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(InstallError::Read { path: file, source }),
    }

    let text = match fs::read_to_string(&file) {
        Ok(text) => text,
        Err(source) => return Err(InstallError::Read { path: file, source }),
    };
    if !condarc::is_written_by_install(&text) {
        tracing::warn!(
            "kept `{}` because it does not start with the line `{}` that install writes",
            file.display(),
            condarc::HEADER
        );
        return Ok(None);
    }
    if !condarc::is_unchanged(&text) {
        tracing::warn!(
            "kept `{}` because its content differs from what install writes; delete it by hand, because conda sends the channels it maps to the removed plugin without the key",
            file.display()
        );
        return Ok(None);
    }
    Ok(Some(file))
}

/// Checks that the current user may change every folder that uninstall changes, so that
/// it fails before it removes anything.
fn check_removable(
    site_packages: &Path,
    dists: &[InstalledDist],
    condarc_file: Option<&Path>,
) -> Result<(), InstallError> {
    let mut dirs = Vec::new();
    if let Some(file) = condarc_file {
        dirs.push(parent_of(file).to_path_buf());
    }
    if !dists.is_empty() {
        let package = site_packages.join(PACKAGE_DIR);
        dirs.push(site_packages.to_path_buf());
        dirs.push(package.join("__pycache__"));
        dirs.push(package);
        dirs.extend(dists.iter().map(|dist| dist.dir.clone()));
    }

    for dir in dirs.iter().filter(|dir| dir.is_dir()) {
        match atomic::check_writable(dir) {
            Ok(()) => {}
            Err(InstallError::NotWritable { path, source }) => {
                return Err(InstallError::UninstallNotWritable { path, source });
            }
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Wraps a failure during removal into an error that lists what is gone and what is not.
fn incomplete(
    error: InstallError,
    site_packages: &Path,
    dists: &[InstalledDist],
    condarc_file: Option<PathBuf>,
) -> InstallError {
    let mut planned: Vec<PathBuf> = condarc_file.into_iter().collect();
    if !dists.is_empty() {
        planned.push(site_packages.join(PACKAGE_DIR));
    }
    planned.extend(dists.iter().map(|dist| dist.dir.clone()));

    let (remaining, removed): (Vec<PathBuf>, Vec<PathBuf>) = planned
        .into_iter()
        .partition(|path| fs::symlink_metadata(path).is_ok());
    if removed.is_empty() {
        return error;
    }
    InstallError::UninstallIncomplete {
        removed,
        remaining,
        source: Box::new(error),
    }
}

/// Warns about every edited file and every folder that uninstall left in place.
fn warn_about_kept(removal: &Removal) {
    for file in &removal.edited {
        tracing::warn!(
            "kept `{}` because its content differs from what install wrote; delete it by hand if the change is not needed",
            file.display()
        );
    }
    for dir in &removal.kept {
        tracing::warn!(
            "kept `{}` because it contains files that install did not write or that were edited",
            dir.display()
        );
    }
}
