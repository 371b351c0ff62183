//! Fuzzes the rule that decides which URLs receive the key, and the URL redaction.

#![no_main]

use conda_credential_helper::redact::redact_url;
use conda_credential_helper::rules::header_due;
use libfuzzer_sys::fuzz_target;
use url::Url;

const REPO_HOST: &str = "repo.anaconda.cloud";

fuzz_target!(|uri: &str| {
    let _ = redact_url(uri);
    if !header_due(uri) {
        return;
    }

    // Whatever the text, a URL that gets the key is https on port 443 of the exact host,
    // both as parsed and as written.
    let url = Url::parse(uri).expect("a URL that gets the key parses");
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.port_or_known_default(), Some(443));
    let host = url.host_str().expect("a host");
    assert_eq!(host.trim_end_matches('.').to_ascii_lowercase(), REPO_HOST);
    assert!(uri.to_ascii_lowercase().contains(REPO_HOST), "{uri:?}");
});
