//! The rule that decides which URLs are on Anaconda's hosts and so receive the Anaconda
//! credentials.
//!
//! The hosts are `repo.anaconda.cloud` (private channels) and, as anaconda-auth treats
//! them, `repo.anaconda.com` and `repo.continuum.io`. A URL is on one of them when the
//! scheme is https, the port absent or 443, and the host exactly that name, compared
//! without regard to ASCII case and after dropping one trailing dot. Userinfo is ignored.
//!
//! The host is checked twice: as the `url` crate parses it (WHATWG rules), and as written
//! in the request. Both must match. The WHATWG parser decodes percent-escapes and maps
//! IDN look-alikes such as full-width letters to ASCII, and the check on the written host
//! rejects those. Tabs and line breaks inside the host are rejected by the same check.

use url::{Host, Url};

use crate::vars::{ANACONDA_PUBLIC_HOSTS, ANACONDA_REPO_HOST};

/// The only scheme that receives the Anaconda credentials.
const SCHEME: &str = "https";

/// The only port that receives the Anaconda credentials.
const PORT: u16 = 443;

/// One of Anaconda's repository hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnacondaHost {
    /// `repo.anaconda.cloud`, whose default credential is an organization's repo token.
    Cloud,
    /// `repo.anaconda.com` or `repo.continuum.io`, which receive the API key.
    Public(&'static str),
}

impl AnacondaHost {
    /// Returns the host name in lower case.
    pub fn name(self) -> &'static str {
        match self {
            AnacondaHost::Cloud => ANACONDA_REPO_HOST,
            AnacondaHost::Public(name) => name,
        }
    }
}

/// A URL on one of Anaconda's hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnacondaUrl {
    /// The host.
    pub host: AnacondaHost,
    /// The path, percent-encoded as the `url` crate normalizes it, starting with `/`.
    pub path: String,
}

impl AnacondaUrl {
    /// Returns `https://<host>/`, the prefix of every URL on the host.
    pub fn origin(&self) -> String {
        format!("{SCHEME}://{}/", self.host.name())
    }
}

/// Returns the Anaconda host and path of `uri`, or `None` when `uri` is not an https URL
/// on one of Anaconda's hosts. Relative and unparsable URLs give `None`.
pub fn anaconda_url(uri: &str) -> Option<AnacondaUrl> {
    let url = Url::parse(uri).ok()?;
    if url.scheme() != SCHEME || url.port_or_known_default() != Some(PORT) {
        return None;
    }
    let Some(Host::Domain(parsed_host)) = url.host() else {
        return None;
    };
    let host = known_host(parsed_host)?;
    if known_host(written_host(uri)?) != Some(host) {
        return None;
    }
    Some(AnacondaUrl {
        host,
        path: url.path().to_owned(),
    })
}

/// Returns the host as written in `uri`, or `None` unless `uri` starts with `https://`
/// and its authority has no backslash.
///
/// WHATWG parsing ends the authority at a backslash as at a slash, but Python's `urlsplit`
/// does not, so `https://evil.example\@repo.anaconda.cloud/` names a different host to
/// each. A backslash before the first `/`, `?` or `#` therefore gets no header. Userinfo
/// ends at the last `@`, per WHATWG.
fn written_host(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once("://")?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('\\') {
        return None;
    }
    let host_and_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, after)| after);
    let host = host_and_port
        .rsplit_once(':')
        .map_or(host_and_port, |(host, _)| host);
    Some(host)
}

/// Returns the Anaconda host that `host` names, ignoring ASCII case and one trailing dot.
fn known_host(host: &str) -> Option<AnacondaHost> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case(ANACONDA_REPO_HOST) {
        return Some(AnacondaHost::Cloud);
    }
    ANACONDA_PUBLIC_HOSTS
        .into_iter()
        .find(|name| host.eq_ignore_ascii_case(name))
        .map(AnacondaHost::Public)
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
        "https://repo.anaconda.org/repo/main",
        "https://repo.anaconda.com:8443/pkgs/main",
        "http://repo.anaconda.com/pkgs/main",
        "https://evilrepo.anaconda.com/pkgs/main",
        "https://repo.continuum.io.example/pkgs/main",
        "https://repo%2Econtinuum.io/pkgs/main",
        "https://repo.anaconda.com@evil.example/",
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

    fn host_of(uri: &str) -> Option<AnacondaHost> {
        anaconda_url(uri).map(|url| url.host)
    }

    #[test]
    fn matching_urls_get_header() {
        for uri in DUE {
            assert_eq!(host_of(uri), Some(AnacondaHost::Cloud), "{uri:?}");
        }
    }

    #[test]
    fn other_urls_get_no_header() {
        for uri in NOT_DUE {
            assert_eq!(host_of(uri), None, "{uri:?}");
        }
    }

    #[test]
    fn public_hosts_are_anaconda_hosts() {
        let com = Some(AnacondaHost::Public("repo.anaconda.com"));
        let continuum = Some(AnacondaHost::Public("repo.continuum.io"));
        let cases = [
            (
                "https://repo.anaconda.com/pkgs/main/noarch/repodata.json",
                com,
            ),
            ("https://REPO.Anaconda.COM./pkgs/main", com),
            ("https://user@repo.anaconda.com:443/pkgs/main", com),
            ("https://repo.continuum.io/pkgs/free", continuum),
            ("https://repo.anaconda.com.evil.example/", None),
        ];
        for (uri, expected) in cases {
            assert_eq!(host_of(uri), expected, "{uri:?}");
        }
    }

    #[test]
    fn url_keeps_path_and_origin() {
        let url = anaconda_url("https://u:p@REPO.anaconda.cloud.:443/repo/Org/x.json?q=1#f");
        let url = url.expect("an Anaconda URL");
        assert_eq!(url.path, "/repo/Org/x.json");
        assert_eq!(url.origin(), "https://repo.anaconda.cloud/");
        assert_eq!(
            anaconda_url("https://repo.anaconda.cloud").unwrap().path,
            "/"
        );
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
            ("https://a.example\\@b.example/", None),
            ("https://a.example\\path", None),
            ("a.example", None),
        ];
        for (uri, expected) in cases {
            assert_eq!(written_host(uri), expected, "{uri:?}");
        }
    }
}
