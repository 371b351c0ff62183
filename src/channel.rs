//! Channel URL patterns with the semantics of conda's `channel_settings`, and the choice
//! of the entry that applies to a request.
//!
//! conda 24.5 and later match a request URL against each `channel` pattern: the schemes
//! must be equal, and the host and path of the URL must match the host and path of the
//! pattern with `fnmatch`. The last matching entry wins. A pattern without wildcards also
//! matches the URLs inside the channel it names, as conda's exact channel-name match
//! does. Hosts are compared in lower case, without a trailing dot and without the
//! scheme's default port.

use std::fmt;

use url::Url;

use crate::fnmatch;

/// A `channel` pattern, such as `https://conda.example.internal/artifactory/api/conda/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPattern {
    /// The pattern as written.
    raw: String,
    /// `http` or `https`.
    scheme: String,
    /// The host (lower case, without default port) and the path, as matched.
    host_path: String,
}

/// The reason a pattern is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternProblem {
    /// The pattern does not start with `https://` or `http://`.
    Scheme,
    /// Nothing follows the scheme.
    NoHost,
    /// The pattern contains `@`, which would put credentials in the URL.
    Userinfo,
    /// The pattern contains `?` or `#`, which conda reads as the start of a query or
    /// fragment rather than as a wildcard.
    QueryOrFragment,
    /// The pattern contains whitespace or a control character.
    Whitespace,
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            PatternProblem::Scheme => "it does not start with https://",
            PatternProblem::NoHost => "it has no host after the scheme",
            PatternProblem::Userinfo => "it contains `@`, which would put credentials in the URL",
            PatternProblem::QueryOrFragment => {
                "it contains `?` or `#`, which conda reads as the start of a query or fragment"
            }
            PatternProblem::Whitespace => "it contains whitespace or a control character",
        })
    }
}

impl ChannelPattern {
    /// Parses a pattern.
    pub fn parse(raw: &str) -> Result<ChannelPattern, PatternProblem> {
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(PatternProblem::Whitespace);
        }
        let (scheme, rest) = raw.split_once("://").ok_or(PatternProblem::Scheme)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(PatternProblem::Scheme);
        }
        if rest.contains('@') {
            return Err(PatternProblem::Userinfo);
        }
        if rest.contains(['?', '#']) {
            return Err(PatternProblem::QueryOrFragment);
        }
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() {
            return Err(PatternProblem::NoHost);
        }
        let host = normalize_host(&host.to_ascii_lowercase(), &scheme);
        Ok(ChannelPattern {
            raw: raw.to_owned(),
            host_path: format!("{host}{path}"),
            scheme,
        })
    }

    /// Returns the pattern as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Returns whether the pattern uses plain `http`.
    pub fn is_insecure(&self) -> bool {
        self.scheme == "http"
    }

    /// Returns whether the pattern contains a wildcard.
    fn has_wildcard(&self) -> bool {
        self.host_path.contains(fnmatch::WILDCARDS)
    }

    /// Returns whether `url` matches the pattern.
    pub fn matches(&self, url: &RequestUrl) -> bool {
        if self.scheme != url.scheme {
            return false;
        }
        if fnmatch::matches(&url.host_path, &self.host_path) {
            return true;
        }
        // A plain channel URL also covers the files inside the channel.
        !self.has_wildcard() && url.host_path.starts_with(&self.folder())
    }

    /// Returns the pattern's host and path with one trailing `/`.
    fn folder(&self) -> String {
        format!("{}/", self.host_path.trim_end_matches('/'))
    }

    /// Returns the prefix of host and path under which every URL matches the pattern,
    /// when the pattern has that shape: a plain channel URL, or a folder followed by one
    /// `*` at the end.
    fn covered_prefix(&self) -> Option<String> {
        if !self.has_wildcard() {
            return Some(self.folder());
        }
        let literal = self.host_path.strip_suffix('*')?;
        let shape_ok = literal.ends_with('/') && !literal.contains(fnmatch::WILDCARDS);
        shape_ok.then(|| literal.to_owned())
    }

    /// Returns whether the pattern may match some URL whose host and path start with
    /// `prefix`.
    fn may_match_under(&self, scheme: &str, prefix: &str) -> bool {
        if self.scheme != scheme {
            return false;
        }
        let literal = fnmatch::literal_prefix(&self.host_path);
        literal.starts_with(prefix) || prefix.starts_with(literal)
    }
}

/// A request URL reduced to what patterns match: scheme, host and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl {
    scheme: String,
    host_path: String,
}

impl RequestUrl {
    /// Parses `uri`, dropping userinfo, query and fragment. Returns `None` for relative,
    /// unparsable and host-less URLs.
    pub fn parse(uri: &str) -> Option<RequestUrl> {
        let url = Url::parse(uri).ok()?;
        let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        let scheme = url.scheme().to_owned();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let host = normalize_host(&host, &scheme);
        Some(RequestUrl {
            host_path: format!("{host}{}", url.path()),
            scheme,
        })
    }

    /// Returns the scheme.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Returns the URL as `scheme://host/path`, the narrowest scope of a response.
    pub fn exact(&self) -> String {
        format!("{}://{}", self.scheme, self.host_path)
    }
}

/// Removes the scheme's default port and a trailing dot from a lower case `host[:port]`.
fn normalize_host(host: &str, scheme: &str) -> String {
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    match host.rsplit_once(':') {
        Some((name, port)) => format!("{}:{port}", name.trim_end_matches('.')),
        None => host.trim_end_matches('.').to_owned(),
    }
}

/// Returns the index of the last pattern that matches `url`, as conda picks the last
/// matching `channel_settings` entry.
pub fn select<'p>(
    patterns: impl IntoIterator<Item = &'p ChannelPattern>,
    url: &RequestUrl,
) -> Option<usize> {
    let mut selected = None;
    for (index, pattern) in patterns.into_iter().enumerate() {
        if pattern.matches(url) {
            selected = Some(index);
        }
    }
    selected
}

/// Returns the URL prefix for which the pattern at `winner` decides every request: the
/// pattern's folder when no later pattern may match inside it, else the URL itself.
pub fn scope(patterns: &[&ChannelPattern], winner: usize, url: &RequestUrl) -> String {
    let pattern = patterns[winner];
    let Some(prefix) = pattern.covered_prefix() else {
        return url.exact();
    };
    if !url.host_path.starts_with(&prefix) {
        return url.exact();
    }
    let later = &patterns[winner + 1..];
    if later
        .iter()
        .any(|other| other.may_match_under(&url.scheme, &prefix))
    {
        return url.exact();
    }
    format!("{}://{prefix}", url.scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(raw: &str) -> ChannelPattern {
        ChannelPattern::parse(raw).expect("a valid pattern")
    }

    fn url(uri: &str) -> RequestUrl {
        RequestUrl::parse(uri).expect("a valid URL")
    }

    #[test]
    fn scheme_must_be_equal() {
        let https = pattern("https://conda.example/*");
        assert!(https.matches(&url("https://conda.example/c/noarch/repodata.json")));
        assert!(!https.matches(&url("http://conda.example/c/noarch/repodata.json")));
        let http = pattern("http://127.0.0.1:8080/*");
        assert!(http.matches(&url("http://127.0.0.1:8080/c/x")));
        assert!(!http.matches(&url("https://127.0.0.1:8080/c/x")));
    }

    #[test]
    fn host_and_path_use_fnmatch() {
        let table = [
            (
                "https://*.example.internal/*",
                "https://a.example.internal/c/x",
                true,
            ),
            (
                "https://*.example.internal/*",
                "https://example.internal/c/x",
                false,
            ),
            (
                "https://h.example/api/conda/*",
                "https://h.example/api/conda/c/x",
                true,
            ),
            (
                "https://h.example/api/conda/*",
                "https://h.example/api/other/c/x",
                false,
            ),
            ("https://h.example/c[12]/*", "https://h.example/c2/x", true),
            (
                "https://h.example/*/noarch/*",
                "https://h.example/c/noarch/x",
                true,
            ),
        ];
        for (raw, uri, expected) in table {
            assert_eq!(pattern(raw).matches(&url(uri)), expected, "{raw} {uri}");
        }
    }

    #[test]
    fn host_is_normalized() {
        let pattern = pattern("https://Conda.Example:443/*");
        for uri in [
            "https://conda.example/c/x",
            "https://CONDA.example./c/x",
            "https://conda.example:443/c/x",
            "https://user:pw@conda.example/c/x?token=1#f",
        ] {
            assert!(pattern.matches(&url(uri)), "{uri}");
        }
        assert!(!pattern.matches(&url("https://conda.example:8443/c/x")));
    }

    #[test]
    fn path_is_case_sensitive() {
        assert!(!pattern("https://h.example/Chan/*").matches(&url("https://h.example/chan/x")));
    }

    #[test]
    fn plain_channel_covers_its_files() {
        let plain = pattern("https://h.example/api/conda/chan");
        assert!(plain.matches(&url("https://h.example/api/conda/chan")));
        assert!(plain.matches(&url(
            "https://h.example/api/conda/chan/noarch/repodata.json"
        )));
        assert!(!plain.matches(&url("https://h.example/api/conda/channel2/x")));
        let with_slash = pattern("https://h.example/api/conda/chan/");
        assert!(with_slash.matches(&url("https://h.example/api/conda/chan/noarch/x")));
    }

    #[test]
    fn invalid_patterns() {
        let cases = [
            ("conda.example/*", PatternProblem::Scheme),
            ("ftp://conda.example/*", PatternProblem::Scheme),
            ("*://conda.example/*", PatternProblem::Scheme),
            ("https:///x", PatternProblem::NoHost),
            ("https://", PatternProblem::NoHost),
            ("https://user:pw@conda.example/*", PatternProblem::Userinfo),
            ("https://conda.example/c?x", PatternProblem::QueryOrFragment),
            ("https://conda.example/c#x", PatternProblem::QueryOrFragment),
            ("https://conda.example/c x", PatternProblem::Whitespace),
        ];
        for (raw, expected) in cases {
            assert_eq!(ChannelPattern::parse(raw), Err(expected), "{raw}");
        }
    }

    #[test]
    fn last_match_wins() {
        let patterns = [
            pattern("https://h.example/*"),
            pattern("https://other.example/*"),
            pattern("https://h.example/special/*"),
        ];
        let pick = |uri| select(&patterns, &url(uri));
        assert_eq!(pick("https://h.example/special/x"), Some(2));
        assert_eq!(pick("https://h.example/plain/x"), Some(0));
        assert_eq!(pick("https://other.example/x"), Some(1));
        assert_eq!(pick("https://none.example/x"), None);
    }

    #[test]
    fn scope_is_pattern_folder() {
        let patterns = [pattern("https://h.example/api/conda/*")];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let request = url("https://h.example/api/conda/c/noarch/repodata.json");
        assert_eq!(scope(&refs, 0, &request), "https://h.example/api/conda/");
    }

    #[test]
    fn scope_of_plain_channel() {
        let patterns = [pattern("https://h.example/chan")];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let inside = url("https://h.example/chan/noarch/repodata.json");
        assert_eq!(scope(&refs, 0, &inside), "https://h.example/chan/");
        let itself = url("https://h.example/chan");
        assert_eq!(scope(&refs, 0, &itself), "https://h.example/chan");
    }

    #[test]
    fn scope_narrows_when_later_pattern_overlaps() {
        let patterns = [
            pattern("https://h.example/*"),
            pattern("https://h.example/special/*"),
            pattern("https://other.example/*"),
        ];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let request = url("https://h.example/plain/noarch/repodata.json");
        assert_eq!(scope(&refs, 0, &request), request.exact());
        let special = url("https://h.example/special/noarch/repodata.json");
        assert_eq!(scope(&refs, 1, &special), "https://h.example/special/");
    }

    #[test]
    fn scope_narrows_for_later_host_wildcard() {
        // `*` in fnmatch also matches `/`, so this later pattern matches URLs such as
        // https://h.example/special/a.other.example/x.
        let patterns = [
            pattern("https://h.example/special/*"),
            pattern("https://*.other.example/*"),
        ];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let inside = url("https://h.example/special/a.other.example/x");
        assert_eq!(select(&patterns, &inside), Some(1));
        let request = url("https://h.example/special/noarch/repodata.json");
        assert_eq!(scope(&refs, 0, &request), request.exact());
    }

    #[test]
    fn scope_ignores_later_pattern_of_other_scheme() {
        let patterns = [pattern("https://h.example/*"), pattern("http://*")];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let request = url("https://h.example/c/x");
        assert_eq!(scope(&refs, 0, &request), "https://h.example/");
    }

    #[test]
    fn scope_of_complex_pattern_is_url() {
        let patterns = [pattern("https://*.example/*")];
        let refs: Vec<&ChannelPattern> = patterns.iter().collect();
        let request = url("https://a.example/c/x?q=1");
        assert_eq!(scope(&refs, 0, &request), "https://a.example/c/x");
    }
}
