//! Drives `install` and `uninstall` of the real binary against prefixes made with a real python.

#[path = "install/support.rs"]
mod support;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use serde_json::json;

use support::{
    HELPER, HelperRun, SYSTEM_PATH, TestPrefix, fake_prefix, files_below, helper_command,
    load_yaml, run_helper, run_ok, run_python, snapshot, write_executable,
};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// User and group id of `nobody`, who runs the binary when the tests run as root.
const NOBODY: u32 = 65534;

fn dist_info_name() -> String {
    format!("conda_credential_helper-{VERSION}.dist-info")
}

/// Python code printing the conda entry points and the recorded files of the distribution,
/// each file with the hash and size from RECORD and those of the file on disk.
const METADATA_QUERY: &str = r#"
import base64, hashlib, json
import importlib.metadata as metadata

entry_points = [
    {"name": ep.name, "value": ep.value} for ep in metadata.entry_points(group="conda")
]
files = []
for file in metadata.files("conda-credential-helper"):
    data = file.locate().read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    files.append({
        "path": str(file),
        "recorded": [file.hash.value if file.hash else None, file.size],
        "on_disk": [digest, len(data)],
    })
print(json.dumps({
    "version": metadata.version("conda-credential-helper"),
    "entry_points": entry_points,
    "files": files,
}))
"#;

#[test]
fn install_registers_conda_entry_point() {
    let prefix = TestPrefix::new();

    run_ok("install", &prefix.root);

    let output = run_python(&prefix.python(), METADATA_QUERY, &[]);
    let metadata: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(metadata["version"], VERSION);
    assert_eq!(
        metadata["entry_points"],
        json!([{"name": "conda-credential-helper", "value": "conda_credential_helper.plugin"}]),
        "entry points of group conda"
    );
}

#[test]
fn install_records_every_written_file() {
    let prefix = TestPrefix::new();

    run_ok("install", &prefix.root);

    let output = run_python(&prefix.python(), METADATA_QUERY, &[]);
    let metadata: serde_json::Value = serde_json::from_str(&output).unwrap();
    let files = metadata["files"].as_array().unwrap();
    let mut recorded: Vec<String> = files
        .iter()
        .map(|file| file["path"].as_str().unwrap().to_string())
        .collect();
    recorded.sort();

    let site = prefix.site_packages();
    let mut on_disk = files_below(&site, &site.join("conda_credential_helper"));
    on_disk.extend(files_below(&site, &site.join(dist_info_name())));
    on_disk.sort();
    assert_eq!(
        recorded, on_disk,
        "RECORD must list exactly the files install wrote"
    );

    let record = format!("{}/RECORD", dist_info_name());
    for file in files {
        if file["path"] == record.as_str() {
            assert_eq!(
                file["recorded"],
                json!([null, null]),
                "RECORD has no hash of itself"
            );
        } else {
            assert_eq!(
                file["recorded"], file["on_disk"],
                "hash and size of {}",
                file["path"]
            );
        }
    }
}

#[test]
fn install_writes_helper_path() {
    let prefix = TestPrefix::new();

    run_ok("install", &prefix.root);

    let written = fs::read_to_string(
        prefix
            .site_packages()
            .join("conda_credential_helper/helper_path.txt"),
    )
    .unwrap();
    let binary = fs::canonicalize(HELPER).unwrap();
    assert_eq!(written, format!("{}\n", binary.display()));
}

#[test]
fn install_writes_channel_settings() {
    let prefix = TestPrefix::new();

    let run = run_ok("install", &prefix.root);

    let settings = load_yaml(&prefix.condarc_file());
    assert_eq!(
        settings,
        json!({"channel_settings": [
            {"channel": "https://repo.anaconda.cloud/*", "auth": "conda-credential-helper"}
        ]})
    );
    let text = fs::read_to_string(prefix.condarc_file()).unwrap();
    assert!(text.starts_with("# Written by `conda-credential-helper install`."));
    assert!(text.contains("conda-credential-helper uninstall"));
    assert!(
        run.stderr
            .contains(&prefix.condarc_file().display().to_string()),
        "stderr names the condarc file: {}",
        run.stderr
    );
}

#[test]
fn install_twice_is_byte_identical() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let first = snapshot(&prefix.root);

    run_ok("install", &prefix.root);

    assert_eq!(snapshot(&prefix.root), first);
}

#[test]
fn uninstall_restores_prefix() {
    let prefix = TestPrefix::new();
    let before = snapshot(&prefix.root);
    run_ok("install", &prefix.root);

    let uninstall = run_ok("uninstall", &prefix.root);

    assert_eq!(snapshot(&prefix.root), before);
    assert!(
        uninstall
            .stderr
            .contains(&prefix.condarc_file().display().to_string()),
        "stderr lists the removed condarc file: {}",
        uninstall.stderr
    );
}

#[test]
fn uninstall_removes_bytecode() {
    let prefix = TestPrefix::new();
    let before = snapshot(&prefix.root);
    run_ok("install", &prefix.root);
    let package = prefix.site_packages().join("conda_credential_helper");
    let python = prefix.python();
    run_python(&python, "import conda_credential_helper", &[]);
    // Compiles plugin.py too, which imports conda and so cannot be imported here.
    run_python(
        &python,
        "import compileall, sys; compileall.compile_dir(sys.argv[1], quiet=1, optimize=[0, 1])",
        &[package.as_os_str()],
    );
    assert!(package.join("__pycache__").is_dir());

    run_ok("uninstall", &prefix.root);

    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn uninstall_without_install_succeeds() {
    let prefix = TestPrefix::new();
    let before = snapshot(&prefix.root);

    let run = run_ok("uninstall", &prefix.root);

    assert!(
        run.stderr.contains("nothing to remove"),
        "stderr: {}",
        run.stderr
    );
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn uninstall_keeps_files_it_did_not_write() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let package = prefix.site_packages().join("conda_credential_helper");
    let notes = package.join("notes.txt");
    fs::write(&notes, "mine").unwrap();
    let other_settings = prefix.root.join("condarc.d/other.yml");
    fs::write(&other_settings, "channels: [defaults]\n").unwrap();

    let run = run_ok("uninstall", &prefix.root);

    assert_eq!(fs::read_to_string(&notes).unwrap(), "mine");
    assert!(other_settings.exists());
    assert!(!prefix.condarc_file().exists());
    assert!(!package.join("auth.py").exists());
    assert!(!prefix.site_packages().join(dist_info_name()).exists());
    assert!(
        run.stderr
            .contains(&format!("kept `{}`", package.display())),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn uninstall_keeps_condarc_file_of_someone_else() {
    let prefix = TestPrefix::new();
    fs::create_dir(prefix.root.join("condarc.d")).unwrap();
    fs::write(prefix.condarc_file(), "channel_settings: []\n").unwrap();
    let before = snapshot(&prefix.root);

    let run = run_ok("uninstall", &prefix.root);

    assert_eq!(snapshot(&prefix.root), before);
    assert!(run.stderr.contains("kept `"), "stderr: {}", run.stderr);
}

#[test]
fn install_replaces_older_version() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let fresh = snapshot(&prefix.root);

    // Turn the install into one of an older version that also had a module `legacy.py`.
    let site = prefix.site_packages();
    let old_name = "conda_credential_helper-0.0.1.dist-info";
    fs::rename(site.join(dist_info_name()), site.join(old_name)).unwrap();
    let record = fs::read_to_string(site.join(old_name).join("RECORD")).unwrap();
    let record =
        record.replace(&dist_info_name(), old_name) + "conda_credential_helper/legacy.py,,\n";
    fs::write(site.join(old_name).join("RECORD"), record).unwrap();
    fs::write(site.join("conda_credential_helper/legacy.py"), "").unwrap();
    let cache = site.join("conda_credential_helper/__pycache__");
    fs::create_dir(&cache).unwrap();
    fs::write(cache.join("legacy.cpython-311.pyc"), "").unwrap();

    let run = run_ok("install", &prefix.root);

    assert_eq!(snapshot(&prefix.root), fresh);
    assert!(
        run.stderr.contains("Removed files of an earlier install"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn install_rejects_install_by_pip() {
    let prefix = TestPrefix::new();
    let dist = prefix
        .site_packages()
        .join("conda_credential_helper-0.0.1.dist-info");
    fs::create_dir(&dist).unwrap();
    fs::write(dist.join("INSTALLER"), "pip\n").unwrap();
    fs::write(
        dist.join("RECORD"),
        "conda_credential_helper/__init__.py,,\n",
    )
    .unwrap();
    let before = snapshot(&prefix.root);

    for subcommand in ["install", "uninstall"] {
        let run = run_helper(&mut helper_command(&[
            subcommand.as_ref(),
            "--prefix".as_ref(),
            prefix.root.as_os_str(),
        ]));

        assert_eq!(run.code, Some(1), "{subcommand}; stderr: {}", run.stderr);
        assert!(
            run.stderr.contains("pip uninstall conda-credential-helper"),
            "{subcommand}; stderr: {}",
            run.stderr
        );
        assert_eq!(snapshot(&prefix.root), before, "{subcommand}");
    }
}

#[test]
fn install_rejects_non_conda_prefix() {
    let prefix = TestPrefix::without_conda_meta();
    let before = snapshot(&prefix.root);

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        prefix.root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1));
    let expected = format!(
        "error: `{}` is not a conda environment: `conda-meta/` is not a directory. Pass the conda base environment with `--prefix $(conda info --base)`\n",
        prefix.root.display()
    );
    assert_eq!(run.stderr, expected);
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn install_rejects_missing_prefix() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("absent");

    for subcommand in ["install", "uninstall"] {
        let run = run_helper(&mut helper_command(&[
            subcommand.as_ref(),
            "--prefix".as_ref(),
            missing.as_os_str(),
        ]));

        assert_eq!(run.code, Some(1), "{subcommand}");
        let expected = format!(
            "error: prefix `{}` (from --prefix) does not exist. Pass the conda base environment with `--prefix $(conda info --base)`\n",
            missing.display()
        );
        assert_eq!(run.stderr, expected, "{subcommand}");
    }
}

#[test]
fn missing_prefix_names_conda_root() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("absent");

    for subcommand in ["install", "uninstall"] {
        let run = run_helper(helper_command(&[subcommand.as_ref()]).env("CONDA_ROOT", &missing));

        assert_eq!(run.code, Some(1), "{subcommand}");
        let expected = format!(
            "error: prefix `{}` (from CONDA_ROOT) does not exist. Pass the conda base environment with `--prefix $(conda info --base)`\n",
            missing.display()
        );
        assert_eq!(run.stderr, expected, "{subcommand}");
    }
}

#[test]
fn install_rejects_unwritable_prefix() {
    let prefix = TestPrefix::new();
    let before = snapshot(&prefix.root);

    let run = run_without_write_access(prefix.temp.path(), &prefix.root, &prefix.root);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "error: `{}` is not writable by the current user. Run this command as the owner of the conda base environment, or pass `--prefix` with an environment you own",
        prefix.root.display()
    );
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn install_rejects_unwritable_condarc_dir() {
    let prefix = TestPrefix::new();
    let condarc_dir = prefix.root.join("condarc.d");
    fs::create_dir(&condarc_dir).unwrap();
    let before = snapshot(&prefix.root);

    let run = run_without_write_access(prefix.temp.path(), &prefix.root, &condarc_dir);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "error: `{}` is not writable by the current user.",
        condarc_dir.display()
    );
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn install_rejects_unwritable_site_packages() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    let site = root.join("lib/site-packages");
    let condarc_dir = root.join("condarc.d");
    fs::create_dir(&condarc_dir).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&condarc_dir, Some(NOBODY), Some(NOBODY)).unwrap();
    }

    let run = run_without_write_access(temp.path(), &root, &site);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "error: `{}` is not writable by the current user.",
        site.display()
    );
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(fs::read_dir(&condarc_dir).unwrap().count(), 0);
    assert_eq!(fs::read_dir(&site).unwrap().count(), 0);
}

#[test]
fn install_rejects_python_printing_garbage() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    let python = root.join("bin/python");
    write_executable(&python, b"#!/bin/sh\necho 'Python 2.7.18'\n");

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1));
    let expected = format!(
        "error: `{0}` printed unexpected output instead of its site-packages: \"Python 2.7.18\\n\". Check that `{0}` is the base environment's CPython\n",
        python.display()
    );
    assert_eq!(run.stderr, expected);
}

#[test]
fn install_rejects_failing_python() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    let python = root.join("bin/python");
    write_executable(
        &python,
        b"#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n",
    );

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1));
    let expected = format!(
        "error: `{0}` failed with exit status: 1 while reporting its site-packages: Fatal Python error: init_fs_encoding. Check that the base environment's python works: `{0} -c 'import sysconfig'`\n",
        python.display()
    );
    assert_eq!(run.stderr, expected);
}

#[test]
fn install_rejects_silent_failing_python() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    let python = root.join("bin/python");
    write_executable(&python, b"#!/bin/sh\nexit 3\n");

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1));
    let expected = format!(
        "error: `{0}` failed with exit status: 3 while reporting its site-packages and printed nothing on stderr. Check that the base environment's python works: `{0} -c 'import sysconfig'`\n",
        python.display()
    );
    assert_eq!(run.stderr, expected);
}

#[test]
fn install_warns_for_conda_without_patterns() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.3.0");

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let warning = format!(
        "conda 24.3.0 in `{}` matches channel_settings only by exact channel name, so the patterns written here match no channel; run install again with `--channel <URL>` for each private channel, such as `--channel https://repo.anaconda.cloud/repo/main`, or update conda in the base environment to 24.5 or later",
        root.display()
    );
    assert!(run.stderr.contains(&warning), "stderr: {}", run.stderr);
    assert!(root.join("condarc.d/conda-credential-helper.yml").is_file());
}

#[test]
fn install_stays_quiet_for_conda_with_patterns() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.5.0");

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("WARN"), "stderr: {}", run.stderr);
}

#[test]
fn install_finds_prefix_through_conda_root() {
    let prefix = TestPrefix::new();

    let run = run_helper(
        helper_command(&["install".as_ref(), "-v".as_ref()]).env("CONDA_ROOT", &prefix.root),
    );

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(prefix.condarc_file().exists());
    assert!(
        run.stderr.contains("from CONDA_ROOT"),
        "stderr: {}",
        run.stderr
    );

    let run = run_helper(helper_command(&["uninstall".as_ref()]).env("CONDA_ROOT", &prefix.root));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!prefix.condarc_file().exists());
}

#[test]
fn install_finds_prefix_through_conda_on_path() {
    let prefix = TestPrefix::new();
    // A conda that leaves a mark when run, to show that discovery does not run it.
    let ran_marker = prefix.temp.path().join("conda-ran");
    let conda = prefix.root.join("bin/conda");
    let script = format!("#!/bin/sh\ntouch '{}'\nexit 1\n", ran_marker.display());
    write_executable(&conda, script.as_bytes());
    let shims = prefix.temp.path().join("shims");
    fs::create_dir(&shims).unwrap();
    symlink(&conda, shims.join("conda")).unwrap();
    let path = format!("{}:{SYSTEM_PATH}", shims.display());

    let run = run_helper(helper_command(&["install".as_ref(), "-v".as_ref()]).env("PATH", path));

    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(prefix.condarc_file().exists());
    let source = format!("from `{}` on PATH", conda.display());
    assert!(run.stderr.contains(&source), "stderr: {}", run.stderr);
    assert!(!ran_marker.exists(), "discovery must not run conda");
}

#[test]
fn install_without_prefix_source_fails() {
    let run = run_helper(&mut helper_command(&["install".as_ref()]));

    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "error: no conda base environment found: `--prefix` was not given, `CONDA_ROOT` is not set and no `conda` inside a `bin/` or `condabin/` folder is on PATH. Pass the conda base environment with `--prefix $(conda info --base)`\n"
    );
}

/// Tells whether the tests run as root, from the owner of a file they create.
fn is_root() -> bool {
    let file = tempfile::NamedTempFile::new().unwrap();
    file.as_file().metadata().unwrap().uid() == 0
}

/// Runs `install --prefix <prefix>` as a user who may not write `read_only`.
///
/// As root, which may write anything, the binary runs as `nobody` from a copy in `temp`,
/// so that it does not depend on `nobody` reaching the build folder. Otherwise `read_only`
/// loses its write permission for the run.
fn run_without_write_access(temp: &Path, prefix: &Path, read_only: &Path) -> HelperRun {
    run_subcommand_without_write_access("install", temp, prefix, read_only)
}

/// Runs `<subcommand> --prefix <prefix>` like [`run_without_write_access`].
fn run_subcommand_without_write_access(
    subcommand: &str,
    temp: &Path,
    prefix: &Path,
    read_only: &Path,
) -> HelperRun {
    let args: [&OsStr; 3] = [subcommand.as_ref(), "--prefix".as_ref(), prefix.as_os_str()];
    if !is_root() {
        let writable = fs::metadata(read_only).unwrap().permissions();
        fs::set_permissions(read_only, fs::Permissions::from_mode(0o555)).unwrap();
        let run = run_helper(&mut helper_command(&args));
        fs::set_permissions(read_only, writable).unwrap();
        return run;
    }

    // tempfile creates `temp` with mode 0700, which `nobody` could not enter.
    fs::set_permissions(temp, fs::Permissions::from_mode(0o755)).unwrap();
    let binary = temp.join("bin/conda-credential-helper");
    write_executable(&binary, &fs::read(HELPER).unwrap());

    let config = temp.join("empty-config.toml");
    fs::write(&config, "").unwrap();
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(args)
        .env("PATH", SYSTEM_PATH)
        .env("CONDA_CREDENTIAL_HELPER_CONFIG", &config)
        .env_remove("CONDA_ROOT")
        .env_remove("RUST_LOG");
    let run = run_helper(&mut command);
    assert!(
        !run.stderr.starts_with("setpriv:"),
        "setpriv failed to switch to nobody: {}",
        run.stderr
    );
    run
}

#[test]
fn install_rejects_binary_path_with_line_break() {
    let prefix = TestPrefix::new();
    let before = snapshot(&prefix.root);
    let binary = prefix
        .temp
        .path()
        .join("line\nbreak/conda-credential-helper");
    write_executable(&binary, &fs::read(HELPER).unwrap());
    let mut command = Command::new(&binary);
    command
        .args([
            "install".as_ref(),
            "--prefix".as_ref(),
            prefix.root.as_os_str(),
        ])
        .env("PATH", SYSTEM_PATH)
        .env("CONDA_CREDENTIAL_HELPER_CONFIG", support::empty_config())
        .env_remove("CONDA_ROOT")
        .env_remove("RUST_LOG");

    let run = run_helper(&mut command);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let escaped = format!("{:?}", binary.display().to_string());
    assert!(run.stderr.contains(&escaped), "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("Move the binary to a path without them"),
        "stderr: {}",
        run.stderr
    );
    assert_eq!(snapshot(&prefix.root), before);
}

/// Gives every entry below `root`, and `root` itself, to `nobody`.
fn chown_to_nobody(root: &Path) {
    std::os::unix::fs::chown(root, Some(NOBODY), Some(NOBODY)).unwrap();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            chown_to_nobody(&path);
        } else {
            std::os::unix::fs::lchown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
        }
    }
}

#[test]
fn uninstall_removes_nothing_without_condarc_access() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    run_ok("install", &root);
    let site = root.join("lib/site-packages");
    let condarc_dir = root.join("condarc.d");
    if is_root() {
        chown_to_nobody(&site);
    }
    let before = snapshot(&root);

    let run = run_subcommand_without_write_access("uninstall", temp.path(), &root, &condarc_dir);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "error: `{}` is not writable by the current user, so uninstall removed nothing.",
        condarc_dir.display()
    );
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(snapshot(&root), before);
}

#[test]
fn uninstall_removes_nothing_without_site_packages_access() {
    let temp = tempfile::tempdir().unwrap();
    let root = fake_prefix(temp.path(), "24.9.2");
    run_ok("install", &root);
    let site = root.join("lib/site-packages");
    let package = site.join("conda_credential_helper");
    if is_root() {
        chown_to_nobody(&root.join("condarc.d"));
        chown_to_nobody(&package);
        chown_to_nobody(&site.join(dist_info_name()));
    }
    let before = snapshot(&root);

    let run = run_subcommand_without_write_access("uninstall", temp.path(), &root, &site);

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "error: `{}` is not writable by the current user, so uninstall removed nothing.",
        site.display()
    );
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(snapshot(&root), before);
}

#[test]
fn install_rejects_symlinked_package_dir() {
    let prefix = TestPrefix::new();
    let elsewhere = prefix.temp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    let package = prefix.site_packages().join("conda_credential_helper");
    symlink(&elsewhere, &package).unwrap();
    let before = snapshot(&prefix.root);

    let run = run_helper(&mut helper_command(&[
        "install".as_ref(),
        "--prefix".as_ref(),
        prefix.root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!(
        "\nerror: `{}` is a symbolic link to `{}`, and install and uninstall do not write or delete files through a link. Remove the link itself with `rm {}`",
        package.display(),
        elsewhere.display(),
        package.display()
    );
    assert!(run.stderr.contains(&expected), "stderr: {}", run.stderr);
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn uninstall_rejects_symlinked_package_dir() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let package = prefix.site_packages().join("conda_credential_helper");
    let elsewhere = prefix.temp.path().join("elsewhere");
    fs::rename(&package, &elsewhere).unwrap();
    symlink(&elsewhere, &package).unwrap();
    let before = snapshot(&prefix.root);
    let moved = snapshot(&elsewhere);

    let run = run_helper(&mut helper_command(&[
        "uninstall".as_ref(),
        "--prefix".as_ref(),
        prefix.root.as_os_str(),
    ]));

    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let expected = format!("error: `{}` is a symbolic link", package.display());
    assert!(run.stderr.starts_with(&expected), "stderr: {}", run.stderr);
    assert_eq!(snapshot(&elsewhere), moved);
    assert_eq!(snapshot(&prefix.root), before);
}

#[test]
fn uninstall_rejects_symlinked_dist_info() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let dist = prefix.site_packages().join(dist_info_name());
    let elsewhere = prefix.temp.path().join("elsewhere");
    fs::rename(&dist, &elsewhere).unwrap();
    symlink(&elsewhere, &dist).unwrap();
    let before = snapshot(&prefix.root);

    for subcommand in ["install", "uninstall"] {
        let run = run_helper(&mut helper_command(&[
            subcommand.as_ref(),
            "--prefix".as_ref(),
            prefix.root.as_os_str(),
        ]));

        assert_eq!(run.code, Some(1), "{subcommand}; stderr: {}", run.stderr);
        let expected = format!("error: `{}` is a symbolic link", dist.display());
        assert!(
            run.stderr.contains(&expected),
            "{subcommand}; stderr: {}",
            run.stderr
        );
        assert_eq!(snapshot(&prefix.root), before, "{subcommand}");
    }
}

#[test]
fn install_rejects_dist_info_without_installer() {
    let prefix = TestPrefix::new();
    let dist = prefix.site_packages().join(dist_info_name());
    fs::create_dir(&dist).unwrap();
    let before = snapshot(&prefix.root);

    for subcommand in ["install", "uninstall"] {
        let run = run_helper(&mut helper_command(&[
            subcommand.as_ref(),
            "--prefix".as_ref(),
            prefix.root.as_os_str(),
        ]));

        assert_eq!(run.code, Some(1), "{subcommand}; stderr: {}", run.stderr);
        let expected = format!(
            "error: `{0}` has no INSTALLER file naming the tool that wrote it, so it was not written by `conda-credential-helper install` and its files are left alone. If it is a leftover, remove it by hand with `rm -r {0}`, then run the command again\n",
            dist.display()
        );
        assert!(
            run.stderr.ends_with(&expected),
            "{subcommand}; stderr: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("unknown installer"), "{subcommand}");
        assert_eq!(snapshot(&prefix.root), before, "{subcommand}");
    }
}

#[test]
fn uninstall_keeps_edited_files() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let package = prefix.site_packages().join("conda_credential_helper");
    let auth = package.join("auth.py");
    let edited_auth = fs::read_to_string(&auth).unwrap() + "# mine\n";
    fs::write(&auth, &edited_auth).unwrap();
    let edited_condarc = fs::read_to_string(prefix.condarc_file()).unwrap() + "# mine\n";
    fs::write(prefix.condarc_file(), &edited_condarc).unwrap();

    let run = run_ok("uninstall", &prefix.root);

    assert_eq!(fs::read_to_string(&auth).unwrap(), edited_auth);
    assert_eq!(
        fs::read_to_string(prefix.condarc_file()).unwrap(),
        edited_condarc
    );
    assert!(!package.join("plugin.py").exists());
    assert!(!prefix.site_packages().join(dist_info_name()).exists());
    let auth_warning = format!(
        "kept `{}` because its content differs from what install wrote",
        auth.display()
    );
    assert!(run.stderr.contains(&auth_warning), "stderr: {}", run.stderr);
    let condarc_warning = format!(
        "kept `{}` because its content differs from what install writes",
        prefix.condarc_file().display()
    );
    assert!(
        run.stderr.contains(&condarc_warning),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn uninstall_keeps_symlinked_condarc_file() {
    let prefix = TestPrefix::new();
    run_ok("install", &prefix.root);
    let target = prefix.temp.path().join("settings.yml");
    fs::rename(prefix.condarc_file(), &target).unwrap();
    symlink(&target, prefix.condarc_file()).unwrap();

    let run = run_ok("uninstall", &prefix.root);

    let metadata = fs::symlink_metadata(prefix.condarc_file()).unwrap();
    assert!(metadata.is_symlink());
    assert!(target.exists());
    let warning = format!(
        "kept `{}` because it is a symbolic link",
        prefix.condarc_file().display()
    );
    assert!(run.stderr.contains(&warning), "stderr: {}", run.stderr);
    assert!(!prefix.site_packages().join(dist_info_name()).exists());
}
