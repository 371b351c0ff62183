//! Fuzzes the rule that decides which URLs receive the key, and the URL redaction.

#![no_main]

use conda_credential_helper::redact::redact_url;
use conda_credential_helper::rules::anaconda_url;
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|uri: &str| {
    let _ = redact_url(uri);
    let Some(target) = anaconda_url(uri) else {
        return;
    };

    // Whatever the text, a URL that gets Anaconda credentials is https on port 443 of an
    // Anaconda host, both as parsed and as written, with no backslash before the path.
    let name = target.host.name();
    let url = Url::parse(uri).expect("a URL that gets the key parses");
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.port_or_known_default(), Some(443));
    let host = url.host_str().expect("a host");
    assert_eq!(host.trim_end_matches('.').to_ascii_lowercase(), name);
    assert!(uri.to_ascii_lowercase().contains(name), "{uri:?}");
    let after_scheme = uri.split_once("://").expect("an authority").1;
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    assert!(!authority.contains('\\'), "{uri:?}");
});
