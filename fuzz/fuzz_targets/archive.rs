//! Fuzzes the archive walker of `audit`: tar, gzip and zstd streams nested in any way.

#![no_main]

use std::path::Path;

use conda_credential_helper::audit::scan_stream;
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzz-key-0123456789";

fuzz_target!(|data: &[u8]| {
    let findings = scan_stream(KEY, &mut &data[..], Path::new("input"));

    // Every finding and failure is one printable line that never shows the key.
    let lines = findings
        .hit_lines()
        .into_iter()
        .chain(findings.failures.iter().cloned());
    for line in lines {
        assert!(!line.contains('\n'), "{line:?}");
        assert!(!line.contains(KEY), "{line:?}");
    }
});
