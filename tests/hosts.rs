//! The host confusion table, through the real `get`: only an https URL whose host is exactly
//! `repo.anaconda.cloud`, as parsed and as written, gets the `Authorization` header.
//!
//! Each row is one URL with the expected outcome and why. All rows run, and the test lists
//! every row that failed.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");
const KEY: &str = "host-table-key-0123456789";

/// Whether the URL gets the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Header,
    NoHeader,
}

use Outcome::{Header, NoHeader};

const TABLE: &[(&str, Outcome, &str)] = &[
    // The host itself, written in the accepted ways.
    (
        "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
        Header,
        "exact host",
    ),
    (
        "https://REPO.ANACONDA.CLOUD/repo/main",
        Header,
        "upper case host",
    ),
    (
        "HTTPS://Repo.Anaconda.Cloud/repo/main",
        Header,
        "upper case scheme",
    ),
    (
        "https://repo.anaconda.cloud./repo/main",
        Header,
        "trailing dot",
    ),
    (
        "https://repo.anaconda.cloud:443/repo/main",
        Header,
        "explicit default port",
    ),
    (
        "https://repo.anaconda.cloud.:443/",
        Header,
        "trailing dot and port",
    ),
    (
        "https://repo.anaconda.cloud:0443/",
        Header,
        "port 443 with a leading zero",
    ),
    (
        "https://repo.anaconda.cloud:/",
        Header,
        "empty port means the default",
    ),
    (
        "https://repo.anaconda.cloud?q=evil.example",
        Header,
        "query without a path",
    ),
    (
        "https://repo.anaconda.cloud#evil.example",
        Header,
        "fragment without a path",
    ),
    // Userinfo: ignored for matching, so only the host after the last @ counts.
    (
        "https://user:pw@repo.anaconda.cloud/repo/main",
        Header,
        "userinfo before the host",
    ),
    (
        "https://evil.example@repo.anaconda.cloud/",
        Header,
        "host-like userinfo",
    ),
    (
        "https://a@b@repo.anaconda.cloud/",
        Header,
        "two @, the last one ends userinfo",
    ),
    (
        "https://evil.example%2F@repo.anaconda.cloud/",
        Header,
        "encoded slash in userinfo",
    ),
    (
        "https://repo.anaconda.cloud@evil.example/",
        NoHeader,
        "repo host as userinfo",
    ),
    (
        "https://repo.anaconda.cloud:443@evil.example/",
        NoHeader,
        "repo host and port as userinfo",
    ),
    (
        "https://repo.anaconda.cloud%2F@evil.example/",
        NoHeader,
        "encoded slash then other host",
    ),
    (
        "https://repo.anaconda.cloud%40evil.example/",
        NoHeader,
        "encoded @",
    ),
    // Schemes.
    ("http://repo.anaconda.cloud/repo/main", NoHeader, "http"),
    ("ws://repo.anaconda.cloud/repo/main", NoHeader, "ws"),
    ("wss://repo.anaconda.cloud/repo/main", NoHeader, "wss"),
    ("ftp://repo.anaconda.cloud/", NoHeader, "ftp"),
    ("file://repo.anaconda.cloud/etc/passwd", NoHeader, "file"),
    ("https+unix://repo.anaconda.cloud/", NoHeader, "https+unix"),
    (
        "https:repo.anaconda.cloud/repo/main",
        NoHeader,
        "no slashes",
    ),
    (
        "https:/repo.anaconda.cloud/repo/main",
        NoHeader,
        "one slash",
    ),
    ("https:///repo.anaconda.cloud/", NoHeader, "three slashes"),
    (
        "https:\\\\repo.anaconda.cloud/",
        NoHeader,
        "backslashes for slashes",
    ),
    // Ports.
    ("https://repo.anaconda.cloud:8443/", NoHeader, "port 8443"),
    ("https://repo.anaconda.cloud:80/", NoHeader, "port 80"),
    ("https://repo.anaconda.cloud:444/", NoHeader, "port 444"),
    (
        "https://repo.anaconda.cloud:65979/",
        NoHeader,
        "port 443 plus 65536",
    ),
    (
        "https://repo.anaconda.cloud:443:443/",
        NoHeader,
        "two ports",
    ),
    (
        "https://repo.anaconda.cloud:abc/",
        NoHeader,
        "port not a number",
    ),
    // Look-alike, suffix and neighbouring hosts.
    (
        "https://repo.anaconda.cloud.evil.example/",
        NoHeader,
        "repo host as a prefix",
    ),
    ("https://repo.anaconda.cloud.evil/", NoHeader, "extra label"),
    (
        "https://evilrepo.anaconda.cloud/",
        NoHeader,
        "name glued on the front",
    ),
    ("https://evil.repo.anaconda.cloud/", NoHeader, "subdomain"),
    ("https://anaconda.cloud/", NoHeader, "parent domain"),
    ("https://repo-anaconda.cloud/", NoHeader, "dash for a dot"),
    (
        "https://repo.anaconda.cloud../",
        NoHeader,
        "two trailing dots",
    ),
    ("https://.repo.anaconda.cloud/", NoHeader, "leading dot"),
    ("https://repo..anaconda.cloud/", NoHeader, "empty label"),
    (
        "https://repo.anaconda.clouds/",
        NoHeader,
        "longer top-level domain",
    ),
    (
        "https://repo.anaconda.org/",
        NoHeader,
        "other top-level domain",
    ),
    // IDN and punycode.
    (
        "https://ｒepo.anaconda.cloud/",
        NoHeader,
        "full-width r, mapped by WHATWG",
    ),
    (
        "https://repo。anaconda。cloud/",
        NoHeader,
        "ideographic full stops",
    ),
    ("https://repο.anaconda.cloud/", NoHeader, "Greek omicron"),
    ("https://repo.аnaconda.cloud/", NoHeader, "Cyrillic a"),
    ("https://ʀepo.anaconda.cloud/", NoHeader, "small capital R"),
    (
        "https://xn--rep-3ve.anaconda.cloud/",
        NoHeader,
        "punycode of a look-alike",
    ),
    (
        "https://repo.anaconda.cloud\u{ad}/",
        NoHeader,
        "soft hyphen, removed by WHATWG",
    ),
    (
        "https://repo.anaconda.cloud\u{200b}/",
        NoHeader,
        "zero-width space",
    ),
    // Percent-encoding and whitespace in the host.
    ("https://repo%2Eanaconda.cloud/", NoHeader, "encoded dot"),
    ("https://%72epo.anaconda.cloud/", NoHeader, "encoded letter"),
    (
        "https://repo.anaconda.cloud%2e/",
        NoHeader,
        "encoded trailing dot",
    ),
    (
        "https://repo.anaconda.cloud%00.evil.example/",
        NoHeader,
        "encoded NUL",
    ),
    (
        "https://repo.anaconda.cl\toud/",
        NoHeader,
        "tab, removed by WHATWG",
    ),
    (
        "https://repo.anaconda.cl\noud/",
        NoHeader,
        "line feed, removed by WHATWG",
    ),
    ("https://repo anaconda.cloud/", NoHeader, "space"),
    (" https://repo.anaconda.cloud/", NoHeader, "leading space"),
    // Backslashes, which WHATWG and Python's urlsplit read differently.
    (
        "https://evil.example\\@repo.anaconda.cloud/",
        NoHeader,
        "backslash before @",
    ),
    (
        "https://repo.anaconda.cloud\\@evil.example/",
        NoHeader,
        "backslash after the host",
    ),
    (
        "https://repo.anaconda.cloud\\.evil.example/",
        NoHeader,
        "backslash in the host",
    ),
    // IP literals.
    ("https://127.0.0.1/repo/main", NoHeader, "IPv4 loopback"),
    ("https://0x7f.1/", NoHeader, "hexadecimal IPv4"),
    ("https://2130706433/", NoHeader, "IPv4 as one number"),
    ("https://[::1]/repo/main", NoHeader, "IPv6 loopback"),
    ("https://[::1]:443/", NoHeader, "IPv6 with port"),
    ("https://[::ffff:127.0.0.1]/", NoHeader, "IPv4-mapped IPv6"),
    ("https://[fe80::1%25eth0]/", NoHeader, "IPv6 with zone"),
    // The host name elsewhere in the URL.
    (
        "https://evil.example/repo.anaconda.cloud/repo/main",
        NoHeader,
        "host name in the path",
    ),
    (
        "https://evil.example/?host=repo.anaconda.cloud",
        NoHeader,
        "host name in the query",
    ),
    (
        "https://evil.example#@repo.anaconda.cloud",
        NoHeader,
        "host name in the fragment",
    ),
    (
        "https://evil.example?@repo.anaconda.cloud/",
        NoHeader,
        "host name after ?@",
    ),
    (
        "https://evil.example/@repo.anaconda.cloud/",
        NoHeader,
        "host name after /@",
    ),
    // Relative and empty.
    ("/repo/main/noarch/repodata.json", NoHeader, "absolute path"),
    (
        "//repo.anaconda.cloud/repo/main",
        NoHeader,
        "scheme-relative",
    ),
    ("repo.anaconda.cloud/repo/main", NoHeader, "no scheme"),
    ("", NoHeader, "empty"),
    ("https://", NoHeader, "no host"),
];

/// Runs `get` for `uri` and returns whether the response carries the header.
fn outcome_of(uri: &str) -> Result<Outcome, String> {
    let mut child = Command::new(BIN)
        .arg("get")
        .env_clear()
        .env("ANACONDA_AUTH_API_KEY", KEY)
        .env("ANACONDA_SECRETS_DIR", "/nonexistent-secrets")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the helper");
    let request = serde_json::json!({ "uri": uri }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    if !output.status.success() || !stderr.is_empty() {
        return Err(format!("status {}, stderr {stderr:?}", output.status));
    }
    let with_header = format!("{{\"headers\":{{\"Authorization\":[\"Bearer {KEY}\"]}}}}\n");
    match stdout.as_ref() {
        "{\"headers\":{}}\n" => Ok(NoHeader),
        line if line == with_header => Ok(Header),
        other => Err(format!("unexpected stdout {other:?}")),
    }
}

#[test]
fn host_table_through_binary() {
    let mut failures = Vec::new();
    for (uri, expected, case) in TABLE {
        match outcome_of(uri) {
            Ok(outcome) if outcome == *expected => {}
            Ok(outcome) => failures.push(format!("{case}: {uri:?} gave {outcome:?}")),
            Err(error) => failures.push(format!("{case}: {uri:?} failed: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
