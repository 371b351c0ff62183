//! `install` and `uninstall`: register the conda plugin in conda's base environment, offline.
//!
//! `install` writes the plugin package, a `.dist-info` folder whose entry point conda loads,
//! and `<prefix>/condarc.d/conda-credential-helper.yml`. `uninstall` removes exactly those.

mod atomic;
pub(crate) mod condarc;
pub(crate) mod dist_info;
mod error;
mod installed;
pub(crate) mod package;
pub(crate) mod prefix;
pub(crate) mod python;
mod report;
mod uninstall;

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

pub use error::InstallError;
pub use prefix::{CONDA_ROOT, PrefixSource};
pub use report::{InstallReport, UninstallReport};
pub use uninstall::uninstall;

use installed::InstalledDist;
use package::SiteFile;
use prefix::CondaPrefix;

/// Version written to the dist-info, the version of this binary.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Installs the plugin into the base prefix: `explicit` if given, else found through `env`
/// (see [`prefix::discover`]). Running it again gives the same files.
pub fn install(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<InstallReport, InstallError> {
    let (path, prefix_source) = prefix::discover(explicit, env)?;
    let prefix = CondaPrefix::open(&path)?;

    // Check the prefix before running python, so a user without write access learns it first.
    let condarc_dir = prefix.root.join(condarc::DIR_NAME);
    check_condarc_writable(&prefix, &condarc_dir)?;

    let info = python::query(&prefix.python, python::TIMEOUT)?;
    let site_packages = site_packages(&prefix, &info.purelib)?;
    atomic::check_writable(&site_packages)?;
    if info.conda_version.is_none() {
        tracing::warn!(
            "`{}` cannot import conda, so the plugin takes effect only once conda is installed in `{}`",
            prefix.python.display(),
            prefix.root.display()
        );
    }

    if let Some(version) = &info.conda_version {
        warn_if_conda_ignores_pattern(version);
    }

    let helper = helper_path()?;
    let previous = installed::find(&site_packages)?;
    let files = site_files(&helper);
    for file in &files {
        atomic::write_file(&site_packages.join(&file.path), &file.contents)?;
    }
    let condarc_file = condarc_dir.join(condarc::FILE_NAME);
    atomic::write_file(&condarc_file, condarc::contents().as_bytes())?;
    let removed = remove_stale(&site_packages, &previous, &files)?;

    Ok(InstallReport {
        version: VERSION.to_string(),
        prefix: prefix.root,
        prefix_source,
        package_dir: site_packages.join(package::PACKAGE_DIR),
        dist_info_dir: site_packages.join(dist_info::dir_name(VERSION)),
        condarc_file,
        helper,
        conda_version: info.conda_version,
        removed,
    })
}

/// Warns when conda `version` is older than the first release that matches the channel
/// pattern, because conda would then send no key and fail with HTTP 401.
fn warn_if_conda_ignores_pattern(version: &str) {
    if condarc::conda_matches_pattern(version) == Some(false) {
        let (major, minor) = condarc::PATTERN_MATCHING_CONDA;
        tracing::warn!(
            "conda {version} ignores the channel pattern `https://repo.anaconda.cloud/*`, so it will not use the plugin; update conda in the base environment to {major}.{minor} or later"
        );
    }
}

/// Checks that `condarc_dir` can receive the condarc file: the folder itself when it
/// exists, else the prefix, where install creates it.
fn check_condarc_writable(prefix: &CondaPrefix, condarc_dir: &Path) -> Result<(), InstallError> {
    if condarc_dir.is_dir() {
        atomic::check_writable(condarc_dir)
    } else {
        atomic::check_writable(&prefix.root)
    }
}

/// Returns every file install writes into site-packages, RECORD last.
fn site_files(helper: &str) -> Vec<SiteFile> {
    let mut files = package::package_files(helper);
    let metadata = dist_info::files(VERSION, &files);
    files.extend(metadata);
    files
}

/// Resolves the site-packages folder python reported and checks that it is a folder
/// inside the prefix, so install never writes into another Python installation.
pub(crate) fn site_packages(prefix: &CondaPrefix, purelib: &Path) -> Result<PathBuf, InstallError> {
    let problem = |problem: String| InstallError::SitePackages {
        path: purelib.to_path_buf(),
        python: prefix.python.clone(),
        problem,
    };
    let resolved = fs::canonicalize(purelib)
        .map_err(|error| problem(format!("cannot be opened ({error})")))?;
    if !resolved.is_dir() {
        return Err(problem("is not a directory".to_string()));
    }
    if !resolved.starts_with(&prefix.root) {
        let outside = format!("lies outside the prefix `{}`", prefix.root.display());
        return Err(problem(outside));
    }
    Ok(resolved)
}

/// Returns the canonical path of the running binary, for `helper_path.txt`.
fn helper_path() -> Result<String, InstallError> {
    let exe = std::env::current_exe().and_then(fs::canonicalize);
    let exe = exe.map_err(|source| InstallError::CurrentExe { source })?;
    match exe.to_str() {
        Some(path) => Ok(path.to_string()),
        None => Err(InstallError::CurrentExeNotUtf8 { path: exe }),
    }
}

/// Removes what earlier installs wrote that this install no longer writes, such as the
/// dist-info folder of another version or a module that was dropped.
fn remove_stale(
    site_packages: &Path,
    previous: &[InstalledDist],
    files: &[SiteFile],
) -> Result<Vec<PathBuf>, InstallError> {
    let current: HashSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let current_dir = site_packages.join(dist_info::dir_name(VERSION));
    let mut removed = Vec::new();

    for dist in previous {
        let stale: Vec<String> = dist
            .paths
            .iter()
            .filter(|path| !current.contains(path.as_str()))
            .cloned()
            .collect();
        let removal = installed::remove_files(site_packages, &stale)?;
        removed.extend(removal.removed);

        if dist.dir != current_dir && dist.dir.exists() {
            tracing::warn!(
                "kept `{}` because it holds files that install did not write",
                dist.dir.display()
            );
        }
    }
    Ok(removed)
}
