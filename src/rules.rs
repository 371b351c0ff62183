//! The rule that decides which URLs receive the API key.
//!
//! Only `https://repo.anaconda.cloud` receives it: the scheme must be https, the port
//! absent or 443, and the host exactly `repo.anaconda.cloud`, compared without regard to
//! ASCII case and after dropping one trailing dot. Userinfo is ignored.
//!
//! The host is checked twice: as the `url` crate parses it (WHATWG rules), and as written
//! in the request. Both must match. The WHATWG parser decodes percent-escapes and maps
//! IDN look-alikes such as full-width letters to ASCII, and the check on the written host
//! rejects those. Tabs and line breaks inside the host are rejected by the same check.

use url::{Host, Url};

use crate::vars::ANACONDA_REPO_HOST;

/// The only scheme that receives the API key.
const SCHEME: &str = "https";

/// The only port that receives the API key.
const PORT: u16 = 443;

/// Returns whether a request for `uri` gets the `Authorization` header.
///
/// Returns `false` for relative and unparsable URLs.
pub fn header_due(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.scheme() != SCHEME || url.port_or_known_default() != Some(PORT) {
        return false;
    }
    let Some(Host::Domain(parsed_host)) = url.host() else {
        return false;
    };
    let Some(written_host) = written_host(uri) else {
        return false;
    };
    is_repo_host(parsed_host) && is_repo_host(written_host)
}

/// Returns the host as written in `uri`, or `None` unless `uri` starts with `https://`.
///
/// The authority ends at the first `/`, `?`, `#` or `\`, because WHATWG parsing treats a
/// backslash like a slash in https URLs. Userinfo ends at the last `@`, also per WHATWG.
fn written_host(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once("://")?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_and_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, after)| after);
    let host = host_and_port
        .rsplit_once(':')
        .map_or(host_and_port, |(host, _)| host);
    Some(host)
}

fn is_repo_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.eq_ignore_ascii_case(ANACONDA_REPO_HOST)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUE: &[&str] = &[
        "https://repo.anaconda.cloud/repo/main/noarch/repodata.json",
        "https://repo.anaconda.cloud",
        "https://repo.anaconda.cloud/",
        "https://REPO.Anaconda.CLOUD/repo/main",
        "HTTPS://repo.anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud./repo/main",
        "https://repo.anaconda.cloud:443/repo/main",
        "https://repo.anaconda.cloud.:443/repo/main",
        "https://user:password@repo.anaconda.cloud/repo/main",
        "https://user@repo.anaconda.cloud/repo/main",
        "https://@repo.anaconda.cloud/repo/main",
        "https://evil.example@repo.anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud/repo/main?query=1#fragment",
        "https://repo.anaconda.cloud?x=evil.example",
    ];

    const NOT_DUE: &[&str] = &[
        // Other schemes.
        "http://repo.anaconda.cloud/repo/main",
        "ws://repo.anaconda.cloud/repo/main",
        "wss://repo.anaconda.cloud/repo/main",
        "ftp://repo.anaconda.cloud/repo/main",
        "file://repo.anaconda.cloud/repo/main",
        "s3://repo.anaconda.cloud/repo/main",
        // Other ports.
        "https://repo.anaconda.cloud:8443/repo/main",
        "https://repo.anaconda.cloud:80/repo/main",
        "https://repo.anaconda.cloud:444/",
        // Look-alike and neighbouring hosts.
        "https://repo.anaconda.cloud.example.com/repo/main",
        "https://evilrepo.anaconda.cloud/repo/main",
        "https://evil.repo.anaconda.cloud/repo/main",
        "https://anaconda.cloud/repo/main",
        "https://repo.anaconda.com/repo/main",
        "https://repo.anaconda.org/repo/main",
        "https://repo-anaconda.cloud/repo/main",
        "https://repo.anaconda.cloud../repo/main",
        "https://repo.anaconda.cloud@evil.example/",
        "https://repo.anaconda.cloud:443@evil.example/",
        "https://user:pw@evil.example/repo.anaconda.cloud",
        "https://evil.example/repo.anaconda.cloud/repo/main",
        "https://evil.example/?host=repo.anaconda.cloud",
        "https://evil.example#@repo.anaconda.cloud",
        "https://evil.example\\@repo.anaconda.cloud/",
        // Percent-encoded and IDN hosts that the WHATWG parser maps to the real host.
        "https://repo%2Eanaconda.cloud/repo/main",
        "https://%72epo.anaconda.cloud/repo/main",
        "https://ｒepo.anaconda.cloud/repo/main",
        "https://repo。anaconda。cloud/repo/main",
        "https://repo.anaconda.cloud\u{ad}/repo/main",
        "https://repο.anaconda.cloud/repo/main",
        "https://xn--rep-3ve.anaconda.cloud/repo/main",
        "https://repo.anaconda.cl\toud/repo/main",
        "https://repo.anaconda.cl\noud/repo/main",
        // IP literals.
        "https://127.0.0.1/repo/main",
        "https://[::1]/repo/main",
        "https://[::1]:443/repo/main",
        "https://104.18.0.1/repo/main",
        // Relative, malformed and unparsable.
        "",
        "/repo/main/noarch/repodata.json",
        "repo.anaconda.cloud/repo/main",
        "//repo.anaconda.cloud/repo/main",
        "https:repo.anaconda.cloud/repo/main",
        "https:/repo.anaconda.cloud/repo/main",
        "https:///repo.anaconda.cloud/repo/main",
        " https://repo.anaconda.cloud/repo/main",
        "https://",
        "https://repo.anaconda.cloud:99999/",
        "https://repo.anaconda.cloud:abc/",
        "https://repo anaconda.cloud/",
    ];

    #[test]
    fn matching_urls_get_header() {
        for uri in DUE {
            assert!(header_due(uri), "expected a header for {uri:?}");
        }
    }

    #[test]
    fn other_urls_get_no_header() {
        for uri in NOT_DUE {
            assert!(!header_due(uri), "expected no header for {uri:?}");
        }
    }

    #[test]
    fn whatwg_parser_maps_look_alikes_to_real_host() {
        // The cases above reject these only through the written-host check; this test
        // shows that the check is needed.
        for uri in [
            "https://repo%2Eanaconda.cloud/",
            "https://ｒepo.anaconda.cloud/",
            "https://repo.anaconda.cl\toud/",
        ] {
            let url = Url::parse(uri).expect("parsable");
            assert_eq!(url.host_str(), Some(ANACONDA_REPO_HOST), "{uri:?}");
        }
    }

    #[test]
    fn written_host_cases() {
        let cases = [
            ("https://a.example/path", Some("a.example")),
            ("https://user:pw@a.example:8443/x", Some("a.example")),
            ("https://x@y@a.example?q", Some("a.example")),
            ("http://a.example/", None),
            ("a.example", None),
        ];
        for (uri, expected) in cases {
            assert_eq!(written_host(uri), expected, "{uri:?}");
        }
    }
}
