//! The contents of site-packages that doctor checks: the plugin's dist-info and the other conda auth plugins.
//!
//! The scan reads `*.dist-info` folders and their `entry_points.txt` the way
//! `importlib.metadata` finds conda plugins, without running Python.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::install::dist_info::{DIR_PREFIX, DIR_SUFFIX, DIST_NAME};
use crate::install::package::{HELPER_PATH_FILE, PACKAGE_DIR};

/// Entry point group that conda loads plugins from.
const CONDA_GROUP: &str = "conda";

/// The module our entry point must name.
const PLUGIN_MODULE: &str = "conda_credential_helper.plugin";

/// Distributions, in normalized form, that register conda auth handlers for Anaconda's
/// channels.
const OTHER_AUTH_DISTRIBUTIONS: [&str; 2] = ["anaconda_auth", "conda_auth"];

/// One dist-info folder of the plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginDist {
    /// The dist-info folder.
    pub path: PathBuf,
    /// The version in the folder name.
    pub version: String,
    /// Whether `entry_points.txt` registers `conda_credential_helper.plugin` in group `conda`.
    pub entry_point: bool,
}

/// Another distribution with a conda plugin that provides auth handlers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherPlugin {
    /// The distribution name, as in its dist-info folder.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its dist-info folder.
    pub path: PathBuf,
}

/// The result of a scan of site-packages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteScan {
    /// Every dist-info of the plugin, sorted by path.
    pub plugin: Vec<PluginDist>,
    /// Whether the package folder `conda_credential_helper/` exists.
    pub package_dir: bool,
    /// The first line of `helper_path.txt`, when the file exists.
    pub helper_path: Option<String>,
    /// The other auth plugins with a `conda` entry point.
    pub others: Vec<OtherPlugin>,
}

/// Scans `site_packages`. An unreadable folder or file reads as absent.
pub fn scan(site_packages: &Path) -> SiteScan {
    let mut scan = SiteScan {
        package_dir: site_packages.join(PACKAGE_DIR).is_dir(),
        helper_path: read_helper_path(&site_packages.join(PACKAGE_DIR).join(HELPER_PATH_FILE)),
        ..SiteScan::default()
    };
    let Ok(entries) = fs::read_dir(site_packages) else {
        return scan;
    };
    let mut dist_infos: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    dist_infos.sort();

    for path in dist_infos {
        let Some((name, version)) = dist_name_and_version(&path) else {
            continue;
        };
        let entry_points = conda_entry_points(&path.join("entry_points.txt"));
        if format!("{name}-") == DIR_PREFIX {
            let entry_point = entry_points
                .iter()
                .any(|(key, value)| key == DIST_NAME && value == PLUGIN_MODULE);
            scan.plugin.push(PluginDist {
                path,
                version,
                entry_point,
            });
        } else if OTHER_AUTH_DISTRIBUTIONS.contains(&normalize(&name).as_str())
            && !entry_points.is_empty()
        {
            scan.others.push(OtherPlugin {
                name,
                version,
                path,
            });
        }
    }
    scan
}

/// Splits `name-version.dist-info` into its name and version.
fn dist_name_and_version(path: &Path) -> Option<(String, String)> {
    let folder = path.file_name()?.to_str()?;
    let stem = folder.strip_suffix(DIR_SUFFIX)?;
    let (name, version) = stem.split_once('-')?;
    Some((name.to_owned(), version.to_owned()))
}

/// Normalizes a distribution name as the packaging specifications do, with `_`.
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// Returns the `name = value` pairs of the `[conda]` section of an `entry_points.txt`.
fn conda_entry_points(path: &Path) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut in_group = false;
    let mut pairs = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            in_group = section.trim() == CONDA_GROUP;
            continue;
        }
        if let (true, Some((key, value))) = (in_group, line.split_once('=')) {
            pairs.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    pairs
}

fn read_helper_path(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    Some(text.lines().next().unwrap_or_default().trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn scan_finds_plugin_and_others() {
        let temp = tempfile::tempdir().unwrap();
        let site = temp.path();
        write(
            &site.join("conda_credential_helper-0.1.0.dist-info/entry_points.txt"),
            "[conda]\nconda-credential-helper = conda_credential_helper.plugin\n",
        );
        write(
            &site.join("conda_credential_helper/helper_path.txt"),
            "/bin/cch\n",
        );
        write(
            &site.join("anaconda_auth-0.8.0.dist-info/entry_points.txt"),
            "[console_scripts]\nx = y\n\n[conda]\nanaconda-auth = anaconda_auth._conda.entrypoint\n",
        );
        write(
            &site.join("requests-2.32.0.dist-info/entry_points.txt"),
            "[conda]\nnot-auth = requests.x\n",
        );

        let scan = scan(site);

        let plugin = PluginDist {
            path: site.join("conda_credential_helper-0.1.0.dist-info"),
            version: "0.1.0".into(),
            entry_point: true,
        };
        assert_eq!(scan.plugin, vec![plugin]);
        assert!(scan.package_dir);
        assert_eq!(scan.helper_path.as_deref(), Some("/bin/cch"));
        let names: Vec<&str> = scan
            .others
            .iter()
            .map(|other| other.name.as_str())
            .collect();
        assert_eq!(names, ["anaconda_auth"]);
        assert_eq!(scan.others[0].version, "0.8.0");
    }

    #[test]
    fn scan_sees_missing_entry_point() {
        let temp = tempfile::tempdir().unwrap();
        write(
            &temp
                .path()
                .join("conda_credential_helper-0.0.9.dist-info/entry_points.txt"),
            "[console_scripts]\nconda-credential-helper = conda_credential_helper.plugin\n",
        );

        let scan = scan(temp.path());

        assert_eq!(scan.plugin.len(), 1);
        assert!(!scan.plugin[0].entry_point);
        assert!(!scan.package_dir);
        assert_eq!(scan.helper_path, None);
    }

    #[test]
    fn other_plugin_without_conda_entry_point_ignored() {
        let temp = tempfile::tempdir().unwrap();
        write(
            &temp.path().join("conda_auth-0.1.0.dist-info/METADATA"),
            "Name: conda-auth\n",
        );

        assert_eq!(scan(temp.path()).others, vec![]);
    }
}
