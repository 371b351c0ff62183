//! The conda plugin's Python modules, embedded in the binary at build time.

/// Name of the package folder inside site-packages.
pub const PACKAGE_DIR: &str = "conda_credential_helper";

/// File in the package folder that contains the absolute path of the installing binary.
pub const HELPER_PATH_FILE: &str = "helper_path.txt";

/// Every module of `conda-plugin/conda_credential_helper/`, as (file name, source).
///
/// A unit test checks this list against the folder, so a new module must be added here.
pub const MODULES: [(&str, &str); 9] = [
    (
        "__init__.py",
        include_str!("../../conda-plugin/conda_credential_helper/__init__.py"),
    ),
    (
        "auth.py",
        include_str!("../../conda-plugin/conda_credential_helper/auth.py"),
    ),
    (
        "cache.py",
        include_str!("../../conda-plugin/conda_credential_helper/cache.py"),
    ),
    (
        "credential.py",
        include_str!("../../conda-plugin/conda_credential_helper/credential.py"),
    ),
    (
        "diagnose.py",
        include_str!("../../conda-plugin/conda_credential_helper/diagnose.py"),
    ),
    (
        "helper.py",
        include_str!("../../conda-plugin/conda_credential_helper/helper.py"),
    ),
    (
        "messages.py",
        include_str!("../../conda-plugin/conda_credential_helper/messages.py"),
    ),
    (
        "plugin.py",
        include_str!("../../conda-plugin/conda_credential_helper/plugin.py"),
    ),
    (
        "urls.py",
        include_str!("../../conda-plugin/conda_credential_helper/urls.py"),
    ),
];

/// A file that install writes into site-packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Path relative to site-packages, with `/` separators, as RECORD lists it.
    pub path: String,
    /// The file's bytes.
    pub contents: Vec<u8>,
}

impl SiteFile {
    /// Builds a file at `path` (relative to site-packages) holding `contents`.
    pub fn new(path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// Returns the package's files: every module plus `helper_path.txt` naming `helper`.
pub fn package_files(helper: &str) -> Vec<SiteFile> {
    let modules = MODULES
        .iter()
        .map(|(name, source)| SiteFile::new(format!("{PACKAGE_DIR}/{name}"), *source));
    let helper_path = SiteFile::new(
        format!("{PACKAGE_DIR}/{HELPER_PATH_FILE}"),
        format!("{helper}\n"),
    );
    modules.chain([helper_path]).collect()
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    #[test]
    fn modules_match_plugin_folder() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("conda-plugin")
            .join(PACKAGE_DIR);
        let mut on_disk: Vec<String> = fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".py"))
            .collect();
        on_disk.sort();

        let mut embedded: Vec<&str> = MODULES.iter().map(|(name, _)| *name).collect();
        embedded.sort();

        assert_eq!(
            embedded,
            on_disk,
            "MODULES in src/install/package.rs must list every module of {}",
            folder.display()
        );
    }

    #[test]
    fn package_files_end_with_helper_path() {
        let files = package_files("/usr/local/bin/conda-credential-helper");

        let last = files.last().unwrap();
        assert_eq!(last.path, "conda_credential_helper/helper_path.txt");
        assert_eq!(last.contents, b"/usr/local/bin/conda-credential-helper\n");
        assert_eq!(files.len(), MODULES.len() + 1);
    }
}
