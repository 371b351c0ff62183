//! Runs real conda against a fake repo.anaconda.cloud, with the plugin that `install` adds.
//!
//! The tests run only when `CONDA_CREDENTIAL_HELPER_TEST_CONDA` names a conda executable;
//! without it they print that they were skipped and pass. Each test installs the plugin
//! into that conda's base prefix with the real binary and uninstalls it at the end, so the
//! base prefix must be writable and must not contain the plugin already. A lock runs the
//! tests one at a time because they share that prefix, but it works only inside this test
//! process: no other process may use that conda while the tests run. The configuration
//! files of that prefix must add no channels, because conda could not reach them here.
//!
//! A conda installed with pip needs two steps first. `conda init --no-user bash` replaces
//! its `conda` script, which otherwise runs only `conda info` and `conda init`, and an
//! empty `<prefix>/conda-meta/history` file marks the prefix as a conda environment, which
//! `install` requires.
//!
//! conda runs with a cleared environment and its own HOME, package cache and condarc. The
//! resolver in `tests/python/sitecustomize.py` sends repo.anaconda.cloud and one look-alike
//! host to local TLS fronts and fails every other name, so no request leaves this machine.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use common::fake_repo::{self, CHANNEL_PATH, FakeRepo};
use common::{python, tls};
use tokio::sync::{Mutex, MutexGuard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The variable that names the conda executable to test.
const CONDA_VAR: &str = "CONDA_CREDENTIAL_HELPER_TEST_CONDA";

const SKIP_MESSAGE: &str = "skipped: set CONDA_CREDENTIAL_HELPER_TEST_CONDA to a conda executable to run the real-conda test";

/// The key the fake repository accepts. It is long and unusual so that a search for it
/// cannot match anything else.
const KEY: &str = "e2e-key-3f9c27d1a8b64e05b7d2";

const WRONG_KEY: &str = "e2e-wrong-key-5b1e88c0d24a96f3";

const HOST: &str = "repo.anaconda.cloud";

/// A second, empty channel on the private host, beside [`CHANNEL_PATH`].
const SECOND_CHANNEL_PATH: &str = "/repo/extra";

/// A host whose name starts with the private host's name; it must never receive a header.
const LOOKALIKE_HOST: &str = "repo.anaconda.cloud.example.org";

/// The package and data file that `tests/python/make_channel.py` writes.
const PACKAGE_RECORD: &str = "credential-demo-1.0-0";
const DATA_PATH: &str = "share/credential-demo/hello.txt";
const DATA: &str = "installed from the private channel\n";

const KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";

/// Serializes the tests, which all install into the same base prefix.
static BASE_PREFIX_LOCK: Mutex<()> = Mutex::const_new(());

static SKIP_NOTICE: Once = Once::new();

// ---------------------------------------------------------------------------------------
// The conda under test
// ---------------------------------------------------------------------------------------

/// The conda executable from `CONDA_CREDENTIAL_HELPER_TEST_CONDA` and what it reports
/// about itself.
struct Conda {
    executable: PathBuf,
    base_prefix: PathBuf,
    python: PathBuf,
    subdir: String,
    site_packages: PathBuf,
}

impl Conda {
    /// Returns the conda under test, or `None` after printing the skip notice when the
    /// variable is unset.
    fn from_env() -> Option<Self> {
        let Some(executable) = std::env::var_os(CONDA_VAR).filter(|value| !value.is_empty()) else {
            // Written to stderr directly, so the notice shows even though the test
            // harness captures `eprintln!`.
            SKIP_NOTICE.call_once(|| {
                let _ = writeln!(std::io::stderr(), "{SKIP_MESSAGE}");
            });
            return None;
        };
        Some(Self::inspect(PathBuf::from(executable)))
    }

    fn inspect(executable: PathBuf) -> Self {
        let home = tempfile::tempdir().unwrap();
        let output = Command::new(&executable)
            .args(["info", "--json"])
            .env_clear()
            .env("PATH", system_path(&executable))
            .env("HOME", home.path())
            .output()
            .unwrap_or_else(|error| {
                panic!(
                    "failed to run {CONDA_VAR}=`{}`: {error}",
                    executable.display()
                )
            });
        assert!(
            output.status.success(),
            "`conda info --json` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let field = |name: &str| {
            info[name]
                .as_str()
                .unwrap_or_else(|| panic!("`conda info --json` has no `{name}`"))
                .to_owned()
        };

        let python = PathBuf::from(field("sys.executable"));
        let site_packages = site_packages(&python);
        Conda {
            executable,
            base_prefix: PathBuf::from(field("root_prefix")),
            python,
            subdir: field("platform"),
            site_packages,
        }
    }

    /// Returns the file that `install` adds to the base prefix's configuration.
    fn condarc_d_file(&self) -> PathBuf {
        self.base_prefix
            .join("condarc.d")
            .join("conda-credential-helper.yml")
    }

    /// Returns the plugin package that `install` adds to the base prefix's site-packages.
    fn plugin_package(&self) -> PathBuf {
        self.site_packages.join("conda_credential_helper")
    }
}

/// Returns the purelib directory of `python`, where `install` puts the plugin.
fn site_packages(python: &Path) -> PathBuf {
    let output = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert!(output.status.success(), "conda's python failed: {output:?}");
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

/// Returns a PATH with only the conda executable's directory and the system directories.
fn system_path(conda: &Path) -> String {
    let conda_dir = conda.parent().unwrap_or(Path::new("/"));
    format!("{}:/usr/bin:/bin", conda_dir.display())
}

/// Takes the lock and returns the conda under test, or `None` when the tests are skipped.
async fn conda_under_test() -> Option<(MutexGuard<'static, ()>, Conda)> {
    let guard = BASE_PREFIX_LOCK.lock().await;
    Conda::from_env().map(|conda| (guard, conda))
}

// ---------------------------------------------------------------------------------------
// Installing the plugin
// ---------------------------------------------------------------------------------------

/// The plugin installed in the base prefix. Dropping it without [`Installation::uninstall`]
/// still removes it, so a failed test leaves the base prefix as it was.
struct Installation<'a> {
    conda: &'a Conda,
    removed: bool,
}

impl<'a> Installation<'a> {
    fn install(conda: &'a Conda) -> Self {
        assert_not_installed(conda);
        let installation = Installation {
            conda,
            removed: false,
        };
        let output = run_helper("install", &conda.base_prefix);
        assert!(
            output.status.success(),
            "install failed: {}",
            describe(&output)
        );
        assert!(
            conda.condarc_d_file().is_file(),
            "install wrote no condarc.d file"
        );
        assert!(
            conda.plugin_package().is_dir(),
            "install wrote no plugin package"
        );
        installation
    }

    /// Uninstalls the plugin and checks that its files are gone.
    fn uninstall(mut self) {
        self.removed = true;
        let output = run_helper("uninstall", &self.conda.base_prefix);
        assert!(
            output.status.success(),
            "uninstall failed: {}",
            describe(&output)
        );
        assert!(
            !self.conda.condarc_d_file().exists(),
            "uninstall left the condarc.d file"
        );
        assert!(
            !self.conda.plugin_package().exists(),
            "uninstall left the plugin package"
        );
    }
}

impl Drop for Installation<'_> {
    fn drop(&mut self) {
        if !self.removed {
            let _ = run_helper("uninstall", &self.conda.base_prefix);
        }
    }
}

/// Checks that the base prefix does not contain the plugin from an earlier run.
fn assert_not_installed(conda: &Conda) {
    assert!(
        !conda.condarc_d_file().exists(),
        "`{}` exists before the test: run `conda-credential-helper uninstall --prefix {}` first",
        conda.condarc_d_file().display(),
        conda.base_prefix.display()
    );
}

fn helper_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_conda-credential-helper"))
}

fn run_helper(subcommand: &str, prefix: &Path) -> Output {
    Command::new(helper_binary())
        .arg(subcommand)
        .arg("--prefix")
        .arg(prefix)
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// The fake hosts
// ---------------------------------------------------------------------------------------

/// The fake repo.anaconda.cloud with the test channel, a look-alike host with an empty
/// channel, their TLS fronts and the files every conda run shares.
struct Site {
    dir: tempfile::TempDir,
    repo: FakeRepo,
    lookalike: MockServer,
    hosts: String,
    condarc: PathBuf,
    environment_file: PathBuf,
    wrapper: PathBuf,
    spawn_log: PathBuf,
}

impl Site {
    async fn start(conda: &Conda, files: ChannelFiles) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = FakeRepo::start(KEY).await;
        serve_channel(&repo, conda, &dir.path().join("channel"), files).await;
        serve_second_channel(&repo, &conda.subdir).await;
        let lookalike = start_lookalike(&conda.subdir).await;

        let ca = tls::TestCa::new();
        let ca_pem = ca.write_pem(dir.path());
        let repo_front = tls::TlsFront::start(&ca, &[HOST], *repo.server.address());
        let lookalike_front = tls::TlsFront::start(&ca, &[LOOKALIKE_HOST], *lookalike.address());
        let hosts = tls::host_map(&[
            (HOST, repo_front.port),
            (LOOKALIKE_HOST, lookalike_front.port),
        ]);

        let condarc = write_condarc(dir.path(), &ca_pem);
        let environment_file = write_environment_file(dir.path());
        let spawn_log = dir.path().join("helper-spawns.log");
        let wrapper = write_wrapper(dir.path(), &spawn_log);
        Site {
            dir,
            repo,
            lookalike,
            hosts,
            condarc,
            environment_file,
            wrapper,
            spawn_log,
        }
    }

    /// Runs `conda env create` in a fresh case directory with the key from `source`.
    fn create_env(&self, conda: &Conda, case: &str, source: KeySource, helper: Helper) -> Run {
        self.create_env_with_args(conda, case, source, helper, &[])
    }

    /// Runs `conda env create` like [`Site::create_env`], with `args` added to the command.
    fn create_env_with_args(
        &self,
        conda: &Conda,
        case: &str,
        source: KeySource,
        helper: Helper,
        args: &[&str],
    ) -> Run {
        let case_dir = self.dir.path().join(case);
        let work = case_dir.join("work");
        let secrets = case_dir.join("secrets");
        let prefix = case_dir.join("env");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::copy(&self.environment_file, work.join("environment.yml")).unwrap();

        let mut command = Command::new(&conda.executable);
        command
            .args(["env", "create", "--prefix"])
            .arg(&prefix)
            .args(["--file", "environment.yml"])
            .args(args)
            .current_dir(&work)
            .env_clear()
            .env("PATH", system_path(&conda.executable))
            .env("HOME", case_dir.join("home"))
            .env("CONDARC", &self.condarc)
            .env("CONDA_PKGS_DIRS", case_dir.join("pkgs"))
            .env("CONDA_ENVS_PATH", case_dir.join("envs"))
            .env("CONDA_SOLVER", "classic")
            .env("PYTHONPATH", python::sitecustomize_dir())
            .env("CONDA_CREDENTIAL_HELPER_TEST_HOSTS", &self.hosts)
            // Always set, so a secrets directory of the machine running the test never
            // counts. It exists only in the secret-file case.
            .env("ANACONDA_SECRETS_DIR", &secrets);
        if helper == Helper::Wrapper {
            command.env("CONDA_CREDENTIAL_HELPER_BIN", &self.wrapper);
        }

        let mut key_files = Vec::new();
        match source {
            KeySource::SecretFile(key) => {
                std::fs::create_dir_all(&secrets).unwrap();
                let file = secrets.join(KEY_VAR);
                std::fs::write(&file, format!("{key}\n")).unwrap();
                key_files.push(file);
            }
            KeySource::Dotenv(key) => {
                let file = work.join(".env");
                std::fs::write(&file, format!("{KEY_VAR}={key}\n")).unwrap();
                key_files.push(file);
            }
            KeySource::EnvVar(key) => {
                command.env(KEY_VAR, key);
            }
            KeySource::Missing => {}
        }

        let spawns_before = self.spawns();
        let output = command.output().expect("run conda");
        Run {
            output,
            case_dir,
            prefix,
            key_files,
            spawns: self.spawns() - spawns_before,
        }
    }

    /// Counts the helper processes the wrapper has started so far.
    fn spawns(&self) -> usize {
        std::fs::read_to_string(&self.spawn_log)
            .map(|log| log.lines().count())
            .unwrap_or(0)
    }

    /// Checks that every request to repo.anaconda.cloud carried `Bearer <key>`, and that
    /// the look-alike host was asked and never received an `Authorization` header.
    async fn assert_headers(&self, key: &str) {
        let private = fake_repo::authorization_values(&self.repo.received().await);
        assert!(!private.is_empty(), "conda sent no request to {HOST}");
        let expected = Some(format!("Bearer {key}"));
        for value in &private {
            assert_eq!(value, &expected, "a request to {HOST} had another header");
        }

        let requests = self.lookalike.received_requests().await.unwrap_or_default();
        assert!(
            !requests.is_empty(),
            "conda sent no request to {LOOKALIKE_HOST}"
        );
        let headers = fake_repo::authorization_values(&requests);
        assert!(
            headers.iter().all(Option::is_none),
            "{LOOKALIKE_HOST} received an Authorization header: {headers:?}"
        );
    }
}

/// Which files of the test channel the fake repository serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ChannelFiles {
    All,
    /// The repodata without the package file it lists, so the download fails with 404.
    WithoutPackage,
}

/// Writes the test channel with conda's own python and serves its files.
async fn serve_channel(repo: &FakeRepo, conda: &Conda, dir: &Path, files: ChannelFiles) {
    let script = python::sitecustomize_dir().join("make_channel.py");
    let output = Command::new(&conda.python)
        .arg(&script)
        .arg(dir)
        .arg(&conda.subdir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "make_channel.py failed: {}",
        describe(&output)
    );

    let subdir_dir = dir.join(&conda.subdir);
    for entry in std::fs::read_dir(&subdir_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if files == ChannelFiles::WithoutPackage && name.ends_with(".tar.bz2") {
            continue;
        }
        let url_path = format!("{CHANNEL_PATH}/{}/{name}", conda.subdir);
        repo.serve(&url_path, std::fs::read(&path).unwrap()).await;
    }
}

/// Starts a plain host that serves an empty channel for `subdir` and `noarch` to anyone.
async fn start_lookalike(subdir: &str) -> MockServer {
    let server = MockServer::start().await;
    for channel_subdir in [subdir, "noarch"] {
        Mock::given(method("GET"))
            .and(path(format!(
                "{CHANNEL_PATH}/{channel_subdir}/repodata.json"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(empty_repodata(channel_subdir)))
            .mount(&server)
            .await;
    }
    server
}

/// Serves an empty channel at [`SECOND_CHANNEL_PATH`] on the private host.
async fn serve_second_channel(repo: &FakeRepo, subdir: &str) {
    for channel_subdir in [subdir, "noarch"] {
        let body = serde_json::to_vec(&empty_repodata(channel_subdir)).unwrap();
        let url_path = format!("{SECOND_CHANNEL_PATH}/{channel_subdir}/repodata.json");
        repo.serve(&url_path, body).await;
    }
}

fn empty_repodata(subdir: &str) -> serde_json::Value {
    serde_json::json!({
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": {},
        "repodata_version": 1,
    })
}

fn write_condarc(dir: &Path, ca_pem: &Path) -> PathBuf {
    // conda reads `CONDARC` only from a file named `condarc`, `.condarc` or `*.yml`.
    // `default_channels: []` keeps conda versions that still add `defaults` away from
    // every other host.
    let path = dir.join("condarc.yml");
    let text = format!(
        "default_channels: []\n\
         solver: classic\n\
         ssl_verify: {}\n\
         notify_outdated_conda: false\n",
        ca_pem.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn write_environment_file(dir: &Path) -> PathBuf {
    // NOTE: no `nodefaults` entry, because `conda env create` in conda 26.7 requests
    // a channel named `nodefaults` from conda.anaconda.org. The condarc sets no channels,
    // so only these three reach the solver. Two of them are on the private host, which
    // still needs only one helper run.
    let path = dir.join("environment.yml");
    let text = format!(
        "channels:\n\
         \x20 - https://{HOST}{CHANNEL_PATH}\n\
         \x20 - https://{HOST}{SECOND_CHANNEL_PATH}\n\
         \x20 - https://{LOOKALIKE_HOST}{CHANNEL_PATH}\n\
         dependencies:\n\
         \x20 - credential-demo\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes a script that logs each start to `spawn_log` and then runs the real binary.
fn write_wrapper(dir: &Path, spawn_log: &Path) -> PathBuf {
    let path = dir.join("helper-wrapper.sh");
    let text = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
        spawn_log.display(),
        helper_binary().display()
    );
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Where a conda run finds its key.
#[derive(Clone, Copy)]
enum KeySource {
    SecretFile(&'static str),
    Dotenv(&'static str),
    EnvVar(&'static str),
    Missing,
}

/// Which binary the plugin runs: the one recorded by `install`, or the counting wrapper
/// through `CONDA_CREDENTIAL_HELPER_BIN`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Helper {
    Installed,
    Wrapper,
}

/// One finished `conda env create`.
struct Run {
    output: Output,
    case_dir: PathBuf,
    prefix: PathBuf,
    /// The files that hold the key on purpose: the secret file or `.env`.
    key_files: Vec<PathBuf>,
    /// How many times the wrapper started the helper during this run.
    spawns: usize,
}

impl Run {
    fn text(&self) -> String {
        describe(&self.output)
    }

    /// Checks that conda succeeded and that the prefix contains the package's file.
    fn assert_created(&self) {
        assert!(
            self.output.status.success(),
            "conda env create failed: {}",
            self.text()
        );
        let data = std::fs::read_to_string(self.prefix.join(DATA_PATH))
            .unwrap_or_else(|error| panic!("package file missing ({error}): {}", self.text()));
        assert_eq!(data, DATA, "installed file content");
        let record = self
            .prefix
            .join("conda-meta")
            .join(format!("{PACKAGE_RECORD}.json"));
        assert!(record.is_file(), "no conda-meta record for the package");
    }

    /// Checks that conda failed with one plugin error and no traceback, and returns stderr.
    fn assert_plugin_error(&self) -> String {
        let stderr = String::from_utf8_lossy(&self.output.stderr).into_owned();
        assert!(
            !self.output.status.success(),
            "conda succeeded: {}",
            self.text()
        );
        assert!(
            !stderr.contains("Traceback"),
            "conda printed a traceback: {stderr}"
        );
        assert_eq!(
            stderr.matches("CredentialHelperError:").count(),
            1,
            "expected one plugin error in: {stderr}"
        );
        stderr
    }

    /// Checks that `key` appears in no file of this run and in no output, plain or base64.
    fn assert_key_absent(&self, key: &str, conda: &Conda) {
        let forms = key_forms(key);
        let text = self.text();
        for form in &forms {
            assert!(
                !text.contains(form.as_str()),
                "conda output contains `{form}`"
            );
        }

        let mut roots = vec![self.case_dir.clone(), conda.condarc_d_file()];
        roots.push(conda.plugin_package());
        let mut leaks = Vec::new();
        for root in &roots {
            find_key(root, &forms, &self.key_files, &mut leaks);
        }
        assert!(leaks.is_empty(), "the key is in {leaks:?}");

        self.assert_audit_clean(key, &roots);
    }

    /// Runs `conda-credential-helper audit` over `roots` and the saved conda output, with
    /// the key from the same source as the run, and checks that it finds nothing.
    ///
    /// `audit` leaves out the file it read the key from, which is the secret file or
    /// `.env` of this run, so every other copy of the key counts.
    fn assert_audit_clean(&self, key: &str, roots: &[PathBuf]) {
        let output_dir = self.case_dir.join("output");
        std::fs::create_dir_all(&output_dir).unwrap();
        std::fs::write(output_dir.join("stdout"), &self.output.stdout).unwrap();
        std::fs::write(output_dir.join("stderr"), &self.output.stderr).unwrap();

        let mut command = Command::new(helper_binary());
        command
            .arg("audit")
            .args(roots)
            .current_dir(self.case_dir.join("work"))
            .env_clear()
            .env("ANACONDA_SECRETS_DIR", self.case_dir.join("secrets"));
        if self.key_files.is_empty() {
            command.env(KEY_VAR, key);
        }
        let audit = command.output().expect("run audit");

        let report = describe(&audit);
        assert_eq!(audit.status.code(), Some(0), "audit: {report}");
        assert!(audit.stdout.is_empty(), "audit: {report}");
        let summary = String::from_utf8_lossy(&audit.stderr);
        assert!(
            summary.contains("audit: no trace of the API key"),
            "audit: {report}"
        );
        assert!(
            !summary.contains(" in 0 files"),
            "audit searched nothing: {report}"
        );
        assert!(!report.contains(key), "audit printed the key");
    }
}

/// Returns the key and its base64 forms at each of the three byte alignments, in the
/// standard and URL-safe alphabets.
///
/// A key inside a longer encoded value, such as `user:<key>` in a Basic header, starts at
/// some offset modulo 3. Dropping 0, 1 or 2 leading bytes and encoding only whole 3-byte
/// groups gives a string that appears in the encoding for each of those offsets.
fn key_forms(key: &str) -> Vec<String> {
    let mut forms = vec![key.to_owned()];
    for skip in 0..3 {
        let rest = &key.as_bytes()[skip..];
        let whole = &rest[..rest.len() / 3 * 3];
        forms.push(STANDARD_NO_PAD.encode(whole));
        forms.push(URL_SAFE_NO_PAD.encode(whole));
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Adds to `leaks` every file under `path` that contains one of `forms`, except `allowed`.
fn find_key(path: &Path, forms: &[String], allowed: &[PathBuf], leaks: &mut Vec<PathBuf>) {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return;
    };
    if metadata.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            find_key(&entry.unwrap().path(), forms, allowed, leaks);
        }
        return;
    }
    if !metadata.is_file() || allowed.iter().any(|file| file == path) {
        return;
    }
    let bytes = std::fs::read(path).unwrap();
    let found = forms.iter().any(|form| contains(&bytes, form.as_bytes()));
    if found {
        leaks.push(path.to_owned());
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn env_create_without_plugin_gets_401() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    assert_not_installed(&conda);
    let site = Site::start(&conda, ChannelFiles::All).await;

    let run = site.create_env(&conda, "no-plugin", KeySource::EnvVar(KEY), Helper::Wrapper);

    assert!(
        !run.output.status.success(),
        "conda succeeded without the plugin"
    );
    let text = run.text();
    assert!(text.contains("HTTP 401"), "no HTTP 401 in: {text}");
    assert!(
        !text.contains("Traceback"),
        "conda printed a traceback: {text}"
    );
    assert_eq!(run.spawns, 0, "the helper ran without the plugin");
}

#[tokio::test]
async fn env_create_with_key_from_secret_file() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::All).await;
    let installation = Installation::install(&conda);

    // The plugin runs the binary that `install` recorded, as in a Docker build.
    let run = site.create_env(
        &conda,
        "secret-file",
        KeySource::SecretFile(KEY),
        Helper::Installed,
    );

    run.assert_created();
    site.assert_headers(KEY).await;
    run.assert_key_absent(KEY, &conda);
    installation.uninstall();
}

#[tokio::test]
async fn env_create_with_key_from_dotenv() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::All).await;
    let installation = Installation::install(&conda);

    let run = site.create_env(&conda, "dotenv", KeySource::Dotenv(KEY), Helper::Wrapper);

    run.assert_created();
    site.assert_headers(KEY).await;
    assert_eq!(
        run.spawns, 1,
        "the helper should run once for the one private host"
    );
    run.assert_key_absent(KEY, &conda);
    installation.uninstall();
}

#[tokio::test]
async fn env_create_with_key_from_env_var() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::All).await;
    let installation = Installation::install(&conda);

    // At -vvv conda logs the headers of each request, so the key check below covers them.
    let run = site.create_env_with_args(
        &conda,
        "env-var",
        KeySource::EnvVar(KEY),
        Helper::Wrapper,
        &["-vvv"],
    );

    run.assert_created();
    site.assert_headers(KEY).await;
    assert_eq!(
        run.spawns, 1,
        "the helper should run once for the one private host"
    );
    run.assert_key_absent(KEY, &conda);
    assert!(
        run.text().contains("Bearer ****"),
        "the verbose output shows no masked header: {}",
        run.text()
    );
    installation.uninstall();
}

#[tokio::test]
async fn env_create_with_wrong_key_fails_cleanly() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::All).await;
    let installation = Installation::install(&conda);

    let run = site.create_env(
        &conda,
        "wrong-key",
        KeySource::EnvVar(WRONG_KEY),
        Helper::Wrapper,
    );

    let error = run.assert_plugin_error();
    assert!(error.contains("HTTP 403"), "no HTTP 403 in: {error}");
    assert!(
        error.contains(KEY_VAR),
        "the error does not name {KEY_VAR}: {error}"
    );
    assert_eq!(
        run.spawns, 1,
        "the helper should run once for the one private host"
    );
    assert!(
        !run.prefix.join(DATA_PATH).exists(),
        "the package was installed"
    );
    run.assert_key_absent(WRONG_KEY, &conda);
    installation.uninstall();
}

#[tokio::test]
async fn env_create_without_key_fails_cleanly() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::All).await;
    let installation = Installation::install(&conda);

    let run = site.create_env(&conda, "missing-key", KeySource::Missing, Helper::Wrapper);

    let error = run.assert_plugin_error();
    assert!(
        error.contains("no API key found"),
        "unexpected error: {error}"
    );
    assert!(
        error.contains(KEY_VAR),
        "the error does not name {KEY_VAR}: {error}"
    );
    assert_eq!(run.spawns, 1, "a failed helper run should not be repeated");
    installation.uninstall();
}

#[tokio::test]
async fn json_http_error_masks_key() {
    let Some((_lock, conda)) = conda_under_test().await else {
        return;
    };
    let site = Site::start(&conda, ChannelFiles::WithoutPackage).await;
    let installation = Installation::install(&conda);

    // conda's JSON for an HTTP error copies the request headers into `response_details`.
    let run = site.create_env_with_args(
        &conda,
        "json-error",
        KeySource::EnvVar(KEY),
        Helper::Wrapper,
        &["--json"],
    );

    let text = run.text();
    assert!(!run.output.status.success(), "conda succeeded: {text}");
    assert!(
        text.contains("response_details"),
        "no response_details in: {text}"
    );
    run.assert_key_absent(KEY, &conda);
    assert!(text.contains("Bearer ****"), "no masked header in: {text}");
    installation.uninstall();
}

#[test]
fn key_scan_finds_plain_and_base64_key() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.txt");
    let basic = dir.path().join("basic.txt");
    let shifted = dir.path().join("shifted.txt");
    let aligned = dir.path().join("aligned.txt");
    let allowed = dir.path().join("secret");
    let clean = dir.path().join("clean.txt");
    std::fs::write(&plain, format!("token: {KEY}\n")).unwrap();
    let basic_header = STANDARD_NO_PAD.encode(format!("user:{KEY}"));
    std::fs::write(&basic, format!("Authorization: Basic {basic_header}")).unwrap();
    // "user:" puts the key at offset 2 modulo 3, "a" at offset 1 and nothing at offset 0.
    std::fs::write(&shifted, URL_SAFE_NO_PAD.encode(format!("a{KEY}cd"))).unwrap();
    std::fs::write(&aligned, STANDARD_NO_PAD.encode(KEY)).unwrap();
    std::fs::write(&allowed, KEY).unwrap();
    std::fs::write(&clean, "****5b7d2 is a fingerprint, not the key").unwrap();

    let mut leaks = Vec::new();
    find_key(dir.path(), &key_forms(KEY), &[allowed], &mut leaks);
    leaks.sort();

    assert_eq!(leaks, vec![aligned, basic, plain, shifted]);
}
