//! Finds earlier installs in site-packages and removes the files their RECORD lists.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::InstallError;
use super::atomic::parent_of;
use super::dist_info;
use super::package::PACKAGE_DIR;

/// Files that every dist-info written by install holds, listed in RECORD or not.
///
/// RECORD is written last, so an interrupted install can leave the others without it.
const DIST_INFO_FILES: [&str; 4] = ["METADATA", "INSTALLER", "entry_points.txt", "RECORD"];

/// Folder where python stores the bytecode it compiles for a package's modules.
const PYCACHE_DIR: &str = "__pycache__";

/// A dist-info folder of this distribution that install wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledDist {
    /// The dist-info folder.
    pub dir: PathBuf,
    /// Paths relative to site-packages that the install wrote, inside the package folder
    /// or this dist-info folder.
    pub paths: Vec<String>,
    /// SHA-256 digests from RECORD by path, for the paths that have one.
    pub digests: HashMap<String, String>,
}

/// Result of [`remove_files`]: the removed and the kept paths.
#[derive(Debug, Default)]
pub struct Removal {
    /// Files and folders removed, in the order of removal.
    pub removed: Vec<PathBuf>,
    /// Folders kept because they still contain files that install did not write, or
    /// files that were edited.
    pub kept: Vec<PathBuf>,
    /// Files kept because their content differs from the digest in RECORD.
    pub edited: Vec<PathBuf>,
}

/// Finds every dist-info of this distribution in `site_packages`.
///
/// Fails on a dist-info whose INSTALLER names another tool, such as pip, or is missing,
/// because its files are not install's to remove, and on a dist-info that is a symbolic
/// link.
pub fn find(site_packages: &Path) -> Result<Vec<InstalledDist>, InstallError> {
    let entries =
        fs::read_dir(site_packages).map_err(|source| read_error(site_packages, source))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| read_error(site_packages, source))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let is_ours =
            name.starts_with(dist_info::DIR_PREFIX) && name.ends_with(dist_info::DIR_SUFFIX);
        if !is_ours {
            continue;
        }
        check_not_symlink(&entry.path())?;
        if entry.path().is_dir() {
            found.push(read_dist(&entry.path(), &name)?);
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(found)
}

/// Reads INSTALLER and RECORD of the dist-info folder `dir` named `name`.
fn read_dist(dir: &Path, name: &str) -> Result<InstalledDist, InstallError> {
    let installer = read_optional(&dir.join("INSTALLER"))?.unwrap_or_default();
    let installer = installer.trim();
    if installer.is_empty() {
        let path = dir.to_path_buf();
        return Err(InstallError::UnknownDistInfo { path });
    }
    if installer != dist_info::INSTALLER {
        return Err(InstallError::ForeignInstall {
            path: dir.to_path_buf(),
            installer: installer.to_string(),
        });
    }

    let record = read_optional(&dir.join("RECORD"))?.unwrap_or_default();
    let mut paths = BTreeSet::new();
    let mut digests = HashMap::new();
    for row in dist_info::record_rows(&record) {
        let path = row.path;
        if is_owned(&path, name) {
            if let Some(digest) = row.sha256 {
                digests.insert(path.clone(), digest);
            }
            paths.insert(path);
        } else {
            tracing::warn!(
                "`{}` lists `{path}`, which lies outside `{PACKAGE_DIR}/` and `{name}/`; leaving it alone",
                dir.join("RECORD").display()
            );
        }
    }
    paths.extend(DIST_INFO_FILES.iter().map(|file| format!("{name}/{file}")));

    tracing::debug!(
        "found earlier install `{}` with {} files",
        dir.display(),
        paths.len()
    );
    Ok(InstalledDist {
        dir: dir.to_path_buf(),
        paths: paths.into_iter().collect(),
        digests,
    })
}

/// Fails when `path` is a symbolic link, because install and uninstall must not write or
/// delete files in the folder it points to. A missing `path` passes.
pub fn check_not_symlink(path: &Path) -> Result<(), InstallError> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_symlink() => Err(InstallError::Symlink {
            path: path.to_path_buf(),
            target: fs::read_link(path).unwrap_or_default(),
        }),
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(read_error(path, source)),
    }
}

/// Checks that neither the package folder nor its `__pycache__` is a symbolic link.
pub fn check_package_links(site_packages: &Path) -> Result<(), InstallError> {
    let package = site_packages.join(PACKAGE_DIR);
    check_not_symlink(&package)?;
    check_not_symlink(&package.join(PYCACHE_DIR))
}

/// Tells whether a RECORD path lies inside the package folder or the dist-info `dist_dir`,
/// so that a damaged or edited RECORD cannot make uninstall delete other files.
fn is_owned(path: &str, dist_dir: &str) -> bool {
    let path = Path::new(path);
    let all_normal = path
        .components()
        .all(|part| matches!(part, Component::Normal(_)));
    let first = path.components().next().map(|part| part.as_os_str());
    all_normal
        && path.components().count() > 1
        && (first == Some(PACKAGE_DIR.as_ref()) || first == Some(dist_dir.as_ref()))
}

/// Removes `paths` (relative to `site_packages`), the bytecode that python compiled for
/// the modules among them, and then every folder of theirs that is left empty.
///
/// Files already gone are skipped. A file whose content no longer matches its digest in
/// `digests` was edited after install and is kept. INSTALLER files go last, so that a
/// dist-info left behind by a failed removal still names the tool that wrote it.
pub fn remove_files(
    site_packages: &Path,
    paths: &[String],
    digests: &HashMap<String, String>,
    removal: &mut Removal,
) -> Result<(), InstallError> {
    let mut dirs = BTreeSet::new();
    let (installers, others): (Vec<&String>, Vec<&String>) =
        paths.iter().partition(|path| path.ends_with("/INSTALLER"));

    for path in others.into_iter().chain(installers) {
        let file = site_packages.join(path);
        dirs.extend(parents_below(&file, site_packages));
        if let Some(digest) = digests.get(path.as_str())
            && is_edited(&file, digest)?
        {
            removal.edited.push(file);
            continue;
        }
        remove_file(&file, removal)?;

        if path.ends_with(".py") {
            let cache = parent_of(&file).join(PYCACHE_DIR);
            remove_bytecode(&cache, &file, removal)?;
            dirs.insert(cache);
        }
    }

    // Deepest folders first, so a parent is empty once its children are gone.
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
    for dir in dirs {
        remove_dir_if_empty(&dir, removal)?;
    }
    Ok(())
}

/// Tells whether `file` exists and its content differs from the RECORD `digest`.
fn is_edited(file: &Path, digest: &str) -> Result<bool, InstallError> {
    match fs::read(file) {
        Ok(bytes) => Ok(!dist_info::matches_digest(&bytes, digest)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(read_error(file, source)),
    }
}

/// Removes `module`'s `.pyc` files from `cache`, e.g. `auth.cpython-312.pyc` or
/// `auth.cpython-312.opt-1.pyc` for `auth.py`.
fn remove_bytecode(cache: &Path, module: &Path, removal: &mut Removal) -> Result<(), InstallError> {
    let Some(stem) = module.file_stem().and_then(|stem| stem.to_str()) else {
        return Ok(());
    };
    let entries = match fs::read_dir(cache) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(read_error(cache, source)),
    };

    let prefix = format!("{stem}.");
    for entry in entries {
        let entry = entry.map_err(|source| read_error(cache, source))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(&prefix) && name.ends_with(".pyc") {
            remove_file(&entry.path(), removal)?;
        }
    }
    Ok(())
}

fn remove_file(file: &Path, removal: &mut Removal) -> Result<(), InstallError> {
    match fs::remove_file(file) {
        Ok(()) => {
            tracing::trace!("removed `{}`", file.display());
            removal.removed.push(file.to_path_buf());
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(InstallError::remove(parent_of(file), file, source)),
    }
}

/// Removes `dir` when it is empty, and records it as kept when it is not.
fn remove_dir_if_empty(dir: &Path, removal: &mut Removal) -> Result<(), InstallError> {
    match fs::remove_dir(dir) {
        Ok(()) => {
            removal.removed.push(dir.to_path_buf());
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::DirectoryNotEmpty => {
            removal.kept.push(dir.to_path_buf());
            Ok(())
        }
        Err(source) => Err(InstallError::remove(parent_of(dir), dir, source)),
    }
}

/// Returns the folders between `file` and `root`, excluding both.
fn parents_below(file: &Path, root: &Path) -> Vec<PathBuf> {
    file.ancestors()
        .skip(1)
        .take_while(|dir| *dir != root && dir.starts_with(root))
        .map(Path::to_path_buf)
        .collect()
}

fn read_optional(path: &Path) -> Result<Option<String>, InstallError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(read_error(path, source)),
    }
}

fn read_error(path: &Path, source: io::Error) -> InstallError {
    InstallError::Read {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIST: &str = "conda_credential_helper-1.0.dist-info";

    fn digest_of(bytes: &[u8]) -> String {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes))
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn remove(site: &Path, paths: &[String], digests: &HashMap<String, String>) -> Removal {
        let mut removal = Removal::default();
        remove_files(site, paths, digests, &mut removal).unwrap();
        removal
    }

    #[test]
    fn is_owned_accepts_package_and_dist_info() {
        assert!(is_owned("conda_credential_helper/auth.py", DIST));
        assert!(is_owned(&format!("{DIST}/RECORD"), DIST));
    }

    #[test]
    fn is_owned_rejects_other_paths() {
        for path in [
            "../../../bin/conda",
            "/etc/passwd",
            "conda_credential_helper/../conda/__init__.py",
            "conda_credential_helper",
            "requests/__init__.py",
            "conda_credential_helper-0.9.dist-info/RECORD",
        ] {
            assert!(!is_owned(path, DIST), "path: {path}");
        }
    }

    #[test]
    fn find_rejects_other_installer() {
        let temp = tempfile::tempdir().unwrap();
        write(&temp.path().join(DIST).join("INSTALLER"), "pip\n");

        let error = find(temp.path()).unwrap_err();

        let message = error.to_string();
        assert!(message.contains("installed by `pip`"), "message: {message}");
        assert!(
            message.contains("pip uninstall conda-credential-helper"),
            "message: {message}"
        );
    }

    #[test]
    fn find_rejects_missing_installer() {
        let temp = tempfile::tempdir().unwrap();
        fs::create_dir(temp.path().join(DIST)).unwrap();

        let error = find(temp.path()).unwrap_err();

        let message = error.to_string();
        assert!(
            message.contains("not written by `conda-credential-helper install`"),
            "message: {message}"
        );
        assert!(message.contains("rm -r"), "message: {message}");
        assert!(!message.contains("unknown installer"), "message: {message}");
    }

    #[test]
    fn find_rejects_symlinked_dist_info() {
        let temp = tempfile::tempdir().unwrap();
        let elsewhere = temp.path().join("elsewhere");
        write(&elsewhere.join("INSTALLER"), "conda-credential-helper\n");
        std::os::unix::fs::symlink(&elsewhere, temp.path().join(DIST)).unwrap();

        let error = find(temp.path()).unwrap_err();

        assert!(
            matches!(error, InstallError::Symlink { ref target, .. } if *target == elsewhere),
            "error: {error}"
        );
    }

    #[test]
    fn remove_files_keeps_edited_file() {
        let temp = tempfile::tempdir().unwrap();
        let site = temp.path();
        write(&site.join("conda_credential_helper/auth.py"), "edited");
        write(&site.join("conda_credential_helper/plugin.py"), "plugin");
        let paths = [
            "conda_credential_helper/auth.py".to_string(),
            "conda_credential_helper/plugin.py".to_string(),
        ];
        let digests = HashMap::from([
            (paths[0].clone(), digest_of(b"original")),
            (paths[1].clone(), digest_of(b"plugin")),
        ]);

        let removal = remove(site, &paths, &digests);

        assert_eq!(removal.edited, [site.join(&paths[0])]);
        assert!(site.join(&paths[0]).exists());
        assert!(!site.join(&paths[1]).exists());
        assert_eq!(removal.kept, [site.join("conda_credential_helper")]);
    }

    #[test]
    fn remove_files_removes_installer_last() {
        let temp = tempfile::tempdir().unwrap();
        let site = temp.path();
        let paths: Vec<String> = ["INSTALLER", "METADATA", "RECORD"]
            .iter()
            .map(|file| format!("{DIST}/{file}"))
            .collect();
        for path in &paths {
            write(&site.join(path), "");
        }

        let removal = remove(site, &paths, &HashMap::new());

        assert_eq!(removal.removed[2], site.join(&paths[0]));
        assert_eq!(removal.removed[3], site.join(DIST));
    }

    #[test]
    fn find_skips_record_paths_outside_package() {
        let temp = tempfile::tempdir().unwrap();
        let dist = temp.path().join(DIST);
        write(&dist.join("INSTALLER"), "conda-credential-helper\n");
        write(
            &dist.join("RECORD"),
            "conda_credential_helper/a.py,,\n../outside.py,,\n",
        );

        let found = find(temp.path()).unwrap();

        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .paths
                .contains(&"conda_credential_helper/a.py".to_string())
        );
        assert!(!found[0].paths.iter().any(|path| path.contains("outside")));
        assert!(found[0].paths.contains(&format!("{DIST}/METADATA")));
    }

    #[test]
    fn remove_files_removes_bytecode_and_empty_folders() {
        let temp = tempfile::tempdir().unwrap();
        let site = temp.path();
        write(&site.join("conda_credential_helper/auth.py"), "");
        write(
            &site.join("conda_credential_helper/__pycache__/auth.cpython-312.pyc"),
            "",
        );
        write(
            &site.join("conda_credential_helper/__pycache__/auth.cpython-312.opt-1.pyc"),
            "",
        );
        let paths = ["conda_credential_helper/auth.py".to_string()];

        let removal = remove(site, &paths, &HashMap::new());

        assert!(!site.join("conda_credential_helper").exists());
        assert_eq!(removal.removed.len(), 5, "removed: {:?}", removal.removed);
        assert!(removal.kept.is_empty());
    }

    #[test]
    fn remove_files_keeps_foreign_files() {
        let temp = tempfile::tempdir().unwrap();
        let site = temp.path();
        write(&site.join("conda_credential_helper/auth.py"), "");
        write(&site.join("conda_credential_helper/notes.txt"), "mine");
        write(
            &site.join("conda_credential_helper/__pycache__/authx.cpython-312.pyc"),
            "",
        );
        let paths = ["conda_credential_helper/auth.py".to_string()];

        let removal = remove(site, &paths, &HashMap::new());

        assert!(site.join("conda_credential_helper/notes.txt").exists());
        assert!(
            site.join("conda_credential_helper/__pycache__/authx.cpython-312.pyc")
                .exists()
        );
        assert_eq!(removal.kept.len(), 2, "kept: {:?}", removal.kept);
    }
}
