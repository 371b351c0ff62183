//! Drives `check` of the real binary against the fake repo.anaconda.cloud behind TLS, and
//! against servers that return each status, redirect, or respond too late.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::fake_repo::{self, FakeRepo};
use common::tls::{TestCa, TlsFront};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");
const KEY: &str = "check-test-key-0123456789-WXYZ";
const HOST: &str = "repo.anaconda.cloud";
const REPODATA_URL: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";

/// A TLS front for repo.anaconda.cloud, its CA file and a scratch folder.
struct Front {
    front: TlsFront,
    ca: PathBuf,
    dir: TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl Front {
    /// Puts a TLS front for repo.anaconda.cloud before `backend`.
    fn new(runtime: tokio::runtime::Runtime, backend: SocketAddr) -> Self {
        let ca = TestCa::new();
        let front = TlsFront::start(&ca, &[HOST], backend);
        let dir = tempfile::tempdir().unwrap();
        let ca_path = ca.write_pem(dir.path());
        Front {
            front,
            ca: ca_path,
            dir,
            _runtime: runtime,
        }
    }

    /// Fronts the fake repository that accepts `KEY`.
    fn fake_repo() -> (Self, FakeRepo) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let repo = runtime.block_on(FakeRepo::start(KEY));
        (Front::new(runtime, *repo.server.address()), repo)
    }

    /// Fronts a server that returns `response` for every request.
    fn answering(response: ResponseTemplate) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(response)
                .mount(&server)
                .await;
            server
        });
        let address = *server.address();
        // The server stops when dropped, so it lives as long as the test process.
        std::mem::forget(server);
        Front::new(runtime, address)
    }

    fn connect_to(&self) -> String {
        format!("{HOST}=127.0.0.1:{}", self.front.port)
    }

    /// Returns `check <args> --connect-to <front>` with the key and the CA in SSL_CERT_FILE.
    fn check(&self, args: &[&str]) -> Command {
        let mut command = base_command(self.dir.path());
        command
            .arg("check")
            .args(args)
            .arg("--connect-to")
            .arg(self.connect_to())
            .env("SSL_CERT_FILE", &self.ca);
        command
    }
}

/// Returns the binary with a clean environment: the key, no proxy, no CA variables, no conda.
fn base_command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .env("ANACONDA_SECRETS_DIR", dir.join("no-secrets"))
        .env("ANACONDA_AUTH_API_KEY", KEY)
        .current_dir(dir);
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `command` and checks that the key appears in neither stdout nor stderr.
fn run(command: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run the binary");
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    };
    assert!(!run.stdout.contains(KEY), "key in stdout: {}", run.stdout);
    assert!(!run.stderr.contains(KEY), "key in stderr: {}", run.stderr);
    assert!(!run.stderr.contains("0123456789"), "key part in stderr");
    run
}

fn result_line(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|line| line.starts_with("Result: "))
        .unwrap_or_else(|| panic!("no result line in {}", run.stdout))
}

#[test]
fn check_accepted_key() {
    let (front, repo) = Front::fake_repo();

    let run = run(&mut front.check(&[]));

    assert_eq!(
        run.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    let expected = format!(
        "GET {REPODATA_URL}
Authorization: Bearer ****WXYZ (from environment variable ANACONDA_AUTH_API_KEY)
CA certificates: {} (from SSL_CERT_FILE)
Proxy: none
Time limit: 10 s
Result: HTTP 200 OK: the channel accepted the request, so conda can download from it
",
        front.ca.display()
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
    let received = front._runtime.block_on(repo.received());
    assert_eq!(
        fake_repo::authorization_values(&received),
        vec![Some(format!("Bearer {KEY}"))]
    );
}

#[test]
fn check_other_key_forbidden() {
    let (front, _repo) = Front::fake_repo();

    let run = run(front
        .check(&[])
        .env("ANACONDA_AUTH_API_KEY", "other-key-5555-ABCD"));

    assert_eq!(run.code, Some(1));
    assert!(
        result_line(&run).starts_with(
            "Result: HTTP 403 Forbidden: the API key from environment variable ANACONDA_AUTH_API_KEY is valid but has no access"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn check_unknown_channel_not_found() {
    let (front, _repo) = Front::fake_repo();

    let run = run(&mut front.check(&["https://repo.anaconda.cloud/repo/nothing"]));

    assert_eq!(run.code, Some(1));
    assert_eq!(
        result_line(&run),
        "Result: HTTP 404 Not Found: the channel has no noarch/repodata.json. Check the channel URL, for example https://repo.anaconda.cloud/repo/main"
    );
}

#[test]
fn check_rejected_key_unauthorized() {
    let front = Front::answering(ResponseTemplate::new(401));

    let run = run(&mut front.check(&[]));

    assert_eq!(run.code, Some(1));
    assert!(
        result_line(&run).contains("it is expired, revoked or not a valid key"),
        "{}",
        run.stdout
    );
    assert!(result_line(&run).ends_with("pass it as the ANACONDA_AUTH_API_KEY secret"));
}

/// A plain HTTP server on loopback that returns one status to every request, and the
/// runtime that drives it.
struct PlainServer {
    server: MockServer,
    runtime: tokio::runtime::Runtime,
}

impl PlainServer {
    fn answering(status: u16) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(ResponseTemplate::new(status))
                .mount(&server)
                .await;
            server
        });
        PlainServer { server, runtime }
    }

    /// Returns the `Authorization` values of the requests received so far.
    fn authorizations(&self) -> Vec<Option<String>> {
        let received = self.runtime.block_on(self.server.received_requests());
        fake_repo::authorization_values(&received.unwrap_or_default())
    }
}

/// Writes a config file with one `[[channel]]` table for every URL under `server`, and
/// returns its path and the channel's description in `get --with-source`.
fn write_channel_config(dir: &Path, server: &MockServer, table: &str) -> (PathBuf, String) {
    let path = dir.join("config.toml");
    let pattern = format!("{}/*", server.uri());
    let text = format!("[[channel]]\nurl = \"{pattern}\"\n{table}allow_insecure_http = true\n");
    std::fs::write(&path, text).unwrap();
    let description = format!("channel {pattern} in {}, line 2", path.display());
    (path, description)
}

#[test]
fn check_custom_channel_token_unauthorized() {
    let server = PlainServer::answering(401);
    let dir = tempfile::tempdir().unwrap();
    let table = "scheme = \"Bearer\"\nsecret = \"CHANNEL_TOKEN\"\n";
    let (config, channel) = write_channel_config(dir.path(), &server.server, table);

    let run = run(base_command(dir.path())
        .args(["check", &format!("{}/chan", server.server.uri())])
        .env("CONDA_CREDENTIAL_HELPER_CONFIG", &config)
        .env("CHANNEL_TOKEN", KEY));

    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let expected = format!(
        "Result: HTTP 401 Unauthorized: the server did not accept the token from environment variable CHANNEL_TOKEN ({channel}); it is expired, revoked or not valid for this server. Put a token that the server accepts there, and check that the `scheme` of the channel's [[channel]] table is the one the server expects"
    );
    assert_eq!(result_line(&run), expected);
    assert!(!run.stdout.contains("API key"), "{}", run.stdout);
    assert_eq!(server.authorizations(), vec![Some(format!("Bearer {KEY}"))]);
}

#[test]
fn check_custom_channel_password_forbidden() {
    let server = PlainServer::answering(403);
    let dir = tempfile::tempdir().unwrap();
    let table = "scheme = \"Basic\"\nusername = \"builder\"\nsecret = \"CHANNEL_PASSWORD\"\n";
    let (config, channel) = write_channel_config(dir.path(), &server.server, table);

    let run = run(base_command(dir.path())
        .args(["check", &format!("{}/chan", server.server.uri())])
        .env("CONDA_CREDENTIAL_HELPER_CONFIG", &config)
        .env("CHANNEL_PASSWORD", KEY));

    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let expected = format!(
        "Result: HTTP 403 Forbidden: the password from environment variable CHANNEL_PASSWORD ({channel}) is valid but has no access to this channel. Check that its account may read this channel on the server"
    );
    assert_eq!(result_line(&run), expected);
    assert!(!run.stdout.contains("API key"), "{}", run.stdout);
    assert_eq!(server.authorizations().len(), 1);
}

#[test]
fn check_each_status() {
    let cases = [
        (200, "Result: HTTP 200 OK"),
        (401, "Result: HTTP 401 Unauthorized"),
        (403, "Result: HTTP 403 Forbidden"),
        (404, "Result: HTTP 404 Not Found"),
        (407, "Result: HTTP 407 Proxy Authentication Required"),
        (503, "Result: HTTP 503: the server failed"),
    ];
    for (status, expected) in cases {
        let front = Front::answering(ResponseTemplate::new(status));

        let run = run(&mut front.check(&[]));

        assert_eq!(
            run.code,
            Some(if status == 200 { 0 } else { 1 }),
            "{status}"
        );
        assert!(
            result_line(&run).starts_with(expected),
            "{status}: {}",
            run.stdout
        );
    }
}

#[test]
fn check_redirect_not_followed() {
    let front = Front::answering(
        ResponseTemplate::new(302)
            .insert_header("location", "https://login.example/portal?session=hunter2"),
    );

    let run = run(&mut front.check(&[]));

    assert_eq!(run.code, Some(1));
    assert!(
        result_line(&run).starts_with(
            "Result: HTTP 302 redirect to https://login.example/portal: conda would follow it"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("hunter2"));
}

#[test]
fn check_slow_server_times_out() {
    let front = Front::answering(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)));
    let started = Instant::now();

    let run = run(&mut front.check(&["--timeout", "1"]));

    assert_eq!(run.code, Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(run.stdout.contains("Time limit: 1 s\n"), "{}", run.stdout);
    assert!(
        result_line(&run)
            .starts_with("Result: no response from repo.anaconda.cloud within the time limit"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_unresolvable_host() {
    let dir = tempfile::tempdir().unwrap();

    let run =
        run(base_command(dir.path()).args(["check", "https://repo.anaconda.invalid/repo/main"]));

    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("Authorization: none"), "{}", run.stdout);
    assert!(
        result_line(&run)
            .starts_with("Result: the host name repo.anaconda.invalid could not be resolved"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_untrusted_certificate() {
    let (front, repo) = Front::fake_repo();

    let run = run(front.check(&[]).env_remove("SSL_CERT_FILE"));

    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("CA certificates: the Mozilla roots"),
        "{}",
        run.stdout
    );
    assert!(
        result_line(&run).starts_with(
            "Result: the TLS connection to repo.anaconda.cloud failed: invalid peer certificate"
        ),
        "{}",
        run.stdout
    );
    assert!(
        front._runtime.block_on(repo.received()).is_empty(),
        "no request got through"
    );
}

#[test]
fn check_uses_requests_ca_bundle() {
    let (front, _repo) = Front::fake_repo();

    let run = run(front
        .check(&[])
        .env_remove("SSL_CERT_FILE")
        .env("REQUESTS_CA_BUNDLE", &front.ca));

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("(from REQUESTS_CA_BUNDLE)"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_uses_conda_ssl_verify() {
    let (front, _repo) = Front::fake_repo();
    let base = front.dir.path().join("base");
    std::fs::create_dir(&base).unwrap();
    let condarc = base.join(".condarc");
    std::fs::write(&condarc, format!("ssl_verify: {}\n", front.ca.display())).unwrap();

    let prefix = base.to_str().unwrap();
    let run = run(front
        .check(&["--prefix", prefix])
        .env_remove("SSL_CERT_FILE")
        .env("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem"));

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected = format!("(from ssl_verify in {})", condarc.display());
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}

#[test]
fn check_debug_log_hides_key() {
    let (front, _repo) = Front::fake_repo();

    let run = run(&mut front.check(&["-vv"]));

    assert_eq!(run.code, Some(0));
    assert!(
        run.stderr
            .contains(&format!("requesting {REPODATA_URL} with Bearer ****WXYZ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("responded 200 OK"), "{}", run.stderr);
}

#[test]
fn check_without_key_fails_before_request() {
    let (front, repo) = Front::fake_repo();

    let run = run(front.check(&[]).env_remove("ANACONDA_AUTH_API_KEY"));

    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: no API key found; searched"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(front._runtime.block_on(repo.received()).is_empty());
}

#[test]
fn check_through_https_proxy() {
    let (front, repo) = Front::fake_repo();
    let proxy = ConnectProxy::start(front.front.port);

    let mut command = base_command(front.dir.path());
    command
        .args(["check"])
        .env("SSL_CERT_FILE", &front.ca)
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port));
    let run = run(&mut command);

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let expected = format!("Proxy: http://127.0.0.1:{}/ (from HTTPS_PROXY)", proxy.port);
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert_eq!(proxy.targets(), ["repo.anaconda.cloud:443"]);
    assert_eq!(front._runtime.block_on(repo.received()).len(), 1);
}

#[test]
fn check_no_proxy_bypasses_proxy() {
    let (front, _repo) = Front::fake_repo();
    let proxy = ConnectProxy::start(front.front.port);

    let run = run(front
        .check(&[])
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port))
        .env("NO_PROXY", HOST));

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(proxy.targets().is_empty(), "{:?}", proxy.targets());
}

/// An HTTP proxy that accepts `CONNECT` and tunnels every connection to one loopback port.
struct ConnectProxy {
    port: u16,
    targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start(forward_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&targets);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || tunnel(client, forward_port, &seen));
            }
        });
        ConnectProxy { port, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, forward_port: u16, seen: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let Some(target) = head
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next())
    else {
        return;
    };
    seen.lock().unwrap().push(target.to_owned());
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", forward_port)) else {
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut client_read, mut upstream_write) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let forward = std::thread::spawn(move || std::io::copy(&mut client_read, &mut upstream_write));
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = std::io::copy(&mut upstream_read, &mut client_write);
    let _ = forward.join();
}

#[test]
fn check_userinfo_dropped_single_header() {
    let (front, repo) = Front::fake_repo();

    let run = run(&mut front.check(&["https://user:pw@repo.anaconda.cloud/repo/main"]));

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Note: the user name and password in the channel URL are ignored"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("pw@"), "{}", run.stdout);
    let received = front._runtime.block_on(repo.received());
    assert_eq!(received.len(), 1);
    let values: Vec<_> = received[0]
        .headers
        .get_all("authorization")
        .iter()
        .collect();
    assert_eq!(values, [format!("Bearer {KEY}").as_str()]);
}

#[test]
fn check_query_and_fragment_dropped() {
    let (front, repo) = Front::fake_repo();

    let run = run(&mut front.check(&["https://repo.anaconda.cloud/repo/main?x=1#f"]));

    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.starts_with(&format!("GET {REPODATA_URL}\n")));
    assert!(run.stdout.contains("query and fragment"), "{}", run.stdout);
    let received = front._runtime.block_on(repo.received());
    assert_eq!(received[0].url.path(), "/repo/main/noarch/repodata.json");
    assert_eq!(received[0].url.query(), None);
}

#[test]
fn check_connect_to_trailing_dot_upper_case() {
    let (front, _repo) = Front::fake_repo();
    let connect_to = format!("REPO.anaconda.cloud.=127.0.0.1:{}", front.front.port);

    for channel in [
        "https://repo.anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud./repo/main",
    ] {
        let run = run(base_command(front.dir.path())
            .args(["check", channel, "--connect-to", &connect_to])
            .env("SSL_CERT_FILE", &front.ca));

        assert_eq!(run.code, Some(0), "{channel}: {}", run.stdout);
    }
}

#[test]
fn check_invalid_proxy_variable_fails() {
    let (front, repo) = Front::fake_repo();

    for variable in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        let run = run(front.check(&[]).env(variable, "::not a url"));

        assert_eq!(run.code, Some(1), "{variable}: {}", run.stdout);
        assert_eq!(run.stdout, "", "{variable}");
        assert!(
            run.stderr
                .starts_with(&format!("error: {variable} is not a valid proxy URL")),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    assert!(front._runtime.block_on(repo.received()).is_empty());
}

#[test]
fn check_ca_bundle_directory() {
    let (front, _repo) = Front::fake_repo();
    let certs = front.dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::copy(&front.ca, certs.join("test-ca.pem")).unwrap();
    std::os::unix::fs::symlink(certs.join("test-ca.pem"), certs.join("0a1b2c3d.0")).unwrap();
    std::fs::write(certs.join("README"), "not a certificate\n").unwrap();

    let run = run(front
        .check(&[])
        .env_remove("SSL_CERT_FILE")
        .env("REQUESTS_CA_BUNDLE", &certs));

    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let expected = format!(
        "CA certificates: {} (from REQUESTS_CA_BUNDLE)",
        certs.display()
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}

#[test]
fn check_truststore_uses_system_store() {
    let (front, _repo) = Front::fake_repo();

    // The system store honours SSL_CERT_FILE, as OpenSSL does, so the test CA is in it.
    let run = run(front.check(&[]).env("CONDA_SSL_VERIFY", "truststore"));

    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "CA certificates: the system trust store (ssl_verify truststore in CONDA_SSL_VERIFY)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn check_timeout_zero_message() {
    let dir = tempfile::tempdir().unwrap();

    let run = run(base_command(dir.path()).args(["check", "--timeout", "0"]));

    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(
            "`0` is out of range: the time limit must be more than 0 and at most 3600 seconds"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn check_invalid_channel_shows_value() {
    let dir = tempfile::tempdir().unwrap();

    let run = run(base_command(dir.path()).args(["check", "main"]));

    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .starts_with("error: `main` is not an http or https URL. Pass a channel URL"),
        "{}",
        run.stderr
    );
}
