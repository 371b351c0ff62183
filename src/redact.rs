//! URL redaction for log lines: every URL the helper logs goes through [`redact_url`].

use url::Url;

use crate::secret::MASK;

/// Placeholder logged for a URL that cannot be parsed, because its text may hold anything.
const UNPARSABLE: &str = "<unparsable URL>";

/// Returns `uri` without userinfo, query and fragment, for logging.
///
/// The path segment after a `/t/` segment is replaced by `****` too, because conda puts
/// anaconda.org tokens there. URLs without a host, such as `mailto:`, keep only their
/// scheme, and unparsable input becomes a fixed placeholder.
pub fn redact_url(uri: &str) -> String {
    let Ok(mut url) = Url::parse(uri) else {
        return UNPARSABLE.to_owned();
    };
    if url.cannot_be_a_base() {
        return format!("{}:{MASK}", url.scheme());
    }

    // Both setters fail only for URLs without a host, such as `file:///`, which have no
    // userinfo to remove.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);

    let path = mask_path_token(url.path());
    url.set_path(&path);
    url.to_string()
}

/// Replaces the segment after each `t` segment with the mask.
fn mask_path_token(path: &str) -> String {
    let mut masked = Vec::new();
    let mut previous = None;
    for segment in path.split('/') {
        if previous == Some("t") && !segment.is_empty() {
            masked.push(MASK);
        } else {
            masked.push(segment);
        }
        previous = Some(segment);
    }
    masked.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_url_is_unchanged() {
        let uri = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";
        assert_eq!(redact_url(uri), uri);
    }

    #[test]
    fn userinfo_is_removed() {
        let redacted = redact_url("https://user:hunter2@repo.anaconda.cloud/repo/main");
        assert_eq!(redacted, "https://repo.anaconda.cloud/repo/main");
    }

    #[test]
    fn query_and_fragment_are_removed() {
        let redacted = redact_url("https://example.com/path?token=hunter2#frag-hunter2");
        assert_eq!(redacted, "https://example.com/path");
    }

    #[test]
    fn anaconda_org_token_is_masked() {
        let redacted = redact_url("https://conda.anaconda.org/t/tk-hunter2/channel/noarch");
        assert_eq!(redacted, "https://conda.anaconda.org/t/****/channel/noarch");
    }

    #[test]
    fn unparsable_url_is_placeholder() {
        assert_eq!(redact_url("not a url hunter2"), "<unparsable URL>");
        assert_eq!(redact_url(""), "<unparsable URL>");
    }

    #[test]
    fn opaque_url_keeps_scheme_only() {
        assert_eq!(redact_url("mailto:user@hunter2.example"), "mailto:****");
    }

    #[test]
    fn file_url_is_kept() {
        assert_eq!(redact_url("file:///tmp/x?y"), "file:///tmp/x");
    }
}
