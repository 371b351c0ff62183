//! Fuzzes the parsers of key text: secret file content, `.env` text and bare key values.

#![no_main]

use std::path::Path;

use conda_credential_helper::source::Setting;
use conda_credential_helper::{dotenv, secrets, value};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "ANACONDA_AUTH_API_KEY";

const SETTING: Setting<'static> = Setting {
    name: NAME,
    noun: "API key",
};

fuzz_target!(|data: &[u8]| {
    // A secret file: its value, once validated as any source's value is, passes
    // validation again unchanged and has no character that could end a header line.
    if let Ok(raw) = secrets::parse_secret_file(data, Path::new("/fuzz/secret"), SETTING) {
        if let Ok(secret) = value::parse_text(raw.expose()) {
            let again = value::parse_text(secret.expose()).expect("a valid key validates again");
            assert_eq!(again.expose(), secret.expose());
            assert!(!secret.expose().contains(['\r', '\n', '\0']));
        }
        let _ = value::parse_password(raw.expose());
    }

    // A bare value, as from an environment variable.
    if let Ok(secret) = value::parse_bytes(data) {
        let key = secret.expose();
        assert!(!key.is_empty());
        assert!(key.bytes().all(|byte| byte.is_ascii_graphic()), "{key:?}");
    }

    // `.env` text, decoded leniently as the helper does for a `.env` file.
    let text = String::from_utf8_lossy(data);
    let line_count = text.matches('\n').count() + 1;
    for statement in dotenv::parse(&text) {
        let line = match statement {
            dotenv::Statement::Assignment(assignment) => assignment.line,
            dotenv::Statement::Invalid(error) => error.line,
        };
        assert!(
            (1..=line_count).contains(&line),
            "line {line} of {line_count}"
        );
    }
    let _ = dotenv::find(&text, NAME);
    let _ = dotenv::leading_assignment(&text);
});
