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

pub use condarc::{ExactChannelProblem, exact_channel};
pub use error::InstallError;
pub use prefix::{CONDA_ROOT, PrefixSource};
pub use report::{InstallReport, UninstallReport};
pub use uninstall::uninstall;

use crate::channel::RequestUrl;
use crate::config::ChannelConfig;
use crate::rules::anaconda_url;
use installed::{InstalledDist, Removal};
use package::SiteFile;
use prefix::CondaPrefix;

/// Version written to the dist-info, the version of this binary.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The channels that `install` maps to the plugin besides `https://repo.anaconda.cloud/*`.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// Exact channel names from `--channel`, checked with [`exact_channel`].
    pub exact_channels: Vec<String>,
    /// The helper's config file, whose `[[channel]]` patterns are mapped too.
    pub config: Option<ChannelConfig>,
}

/// Installs the plugin into the base prefix: `explicit` if given, else found through `env`
/// (see [`prefix::discover`]). Running it again gives the same files.
pub fn install(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
    options: &InstallOptions,
) -> Result<InstallReport, InstallError> {
    let (path, prefix_source) = prefix::discover(explicit, env)?;
    let prefix = CondaPrefix::open(&path).map_err(|error| prefix_source.explain(error))?;

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

    let helper = helper_path()?;
    installed::check_package_links(&site_packages)?;
    let previous = installed::find(&site_packages)?;
    let files = site_files(&helper);
    for file in &files {
        atomic::write_file(&site_packages.join(&file.path), &file.contents)?;
    }
    let patterns = options
        .config
        .as_ref()
        .map(ChannelConfig::patterns)
        .unwrap_or_default();
    let channels = condarc::channels(&patterns, &options.exact_channels);
    let condarc_file = condarc_dir.join(condarc::FILE_NAME);
    atomic::write_file(&condarc_file, condarc::contents(&channels).as_bytes())?;
    let removed = remove_stale(&site_packages, &previous, &files)?;

    warn_about_channels(options, info.conda_version.as_deref(), &prefix.root);

    Ok(InstallReport {
        version: VERSION.to_string(),
        prefix: prefix.root,
        prefix_source,
        package_dir: site_packages.join(package::PACKAGE_DIR),
        dist_info_dir: site_packages.join(dist_info::dir_name(VERSION)),
        condarc_file,
        channels,
        config_file: options.config.as_ref().map(|config| config.path.clone()),
        helper,
        conda_version: info.conda_version,
        removed,
    })
}

/// Warns when conda is too old for channel patterns and no exact channel was given, and
/// for each exact channel that the helper sends no credential to.
fn warn_about_channels(options: &InstallOptions, conda_version: Option<&str>, prefix: &Path) {
    let old_conda =
        conda_version.filter(|version| condarc::conda_matches_pattern(version) == Some(false));
    if let (Some(version), true) = (old_conda, options.exact_channels.is_empty()) {
        let (major, minor) = condarc::PATTERN_MATCHING_CONDA;
        tracing::warn!(
            "conda {version} in `{}` matches channel_settings only by exact channel name, so the patterns written here match no channel; run install again with `--channel <URL>` for each private channel, such as `--channel https://repo.anaconda.cloud/repo/main`, or update conda in the base environment to {major}.{minor} or later",
            prefix.display()
        );
    }

    for channel in &options.exact_channels {
        if !is_served(channel, options.config.as_ref()) {
            tracing::warn!(
                "`--channel {channel}` is not on repo.anaconda.cloud and matches no [[channel]] of the config file, so conda-credential-helper sends no credential to it"
            );
        }
    }
}

/// Tells whether `get` would look for a credential for the files inside `channel`.
fn is_served(channel: &str, config: Option<&ChannelConfig>) -> bool {
    // The channels behind `defaults` are not known here, so they get no warning.
    if channel == condarc::DEFAULTS {
        return true;
    }
    let file = format!("{channel}/noarch/repodata.json");
    if anaconda_url(&file).is_some() {
        return true;
    }
    let (Some(config), Some(url)) = (config, RequestUrl::parse(&file)) else {
        return false;
    };
    config
        .channels
        .iter()
        .any(|entry| entry.pattern.matches(&url))
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
    let Some(path) = exe.to_str() else {
        return Err(InstallError::CurrentExeNotUtf8 { path: exe });
    };
    // The plugin reads `helper_path.txt` as one line, so a line break would cut the path.
    if path.chars().any(char::is_control) {
        return Err(InstallError::CurrentExeControlChar {
            path: path.to_string(),
        });
    }
    Ok(path.to_string())
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
    let mut removal = Removal::default();

    for dist in previous {
        let stale: Vec<String> = dist
            .paths
            .iter()
            .filter(|path| !current.contains(path.as_str()))
            .cloned()
            .collect();
        installed::remove_files(site_packages, &stale, &dist.digests, &mut removal)?;

        if dist.dir != current_dir && dist.dir.exists() {
            tracing::warn!(
                "kept `{}` because it contains files that install did not write or that were edited",
                dist.dir.display()
            );
        }
    }
    for file in &removal.edited {
        tracing::warn!(
            "kept `{}` of an earlier install because its content differs from what that install wrote",
            file.display()
        );
    }
    Ok(removal.removed)
}
