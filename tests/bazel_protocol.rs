//! Conformance of `get` with the Bazel credential-helper protocol: requests that match the
//! request schema are accepted, and every response matches the response schema.
//!
//! The schemas in `tests/schemas/` restate the protocol of Bazel's credential-helper
//! design (bazelbuild/proposals, `designs/2022-06-07-bazel-credential-helpers.md`, as
//! implemented): the request is an object with a string `uri`, the response an object whose
//! `headers` map names to arrays of strings, with an optional RFC 3339 `expires`, and both
//! sides ignore unknown fields.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonschema::Validator;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

const REQUEST_SCHEMA: &str = include_str!("schemas/bazel-get-request.schema.json");
const RESPONSE_SCHEMA: &str = include_str!("schemas/bazel-get-response.schema.json");

const KEY: &str = "key-SECRETMARK-0001";

/// A request for the repository, one for another host, and variants with fields that a
/// newer caller might add.
fn conforming_requests() -> Vec<Value> {
    vec![
        json!({ "uri": "https://repo.anaconda.cloud/repo/main/noarch/repodata.json" }),
        json!({ "uri": "https://conda.anaconda.org/conda-forge/noarch/repodata.json" }),
        json!({ "uri": "https://repo.anaconda.cloud/repo/main", "method": "GET" }),
        json!({ "uri": "https://repo.anaconda.cloud/x", "extra": { "nested": [1, null] } }),
        json!({ "uri": "http://repo.anaconda.cloud/repo/main" }),
    ]
}

fn validator(schema_text: &str) -> Validator {
    let schema: Value = serde_json::from_str(schema_text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn assert_conforms(validator: &Validator, instance: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{instance} does not conform: {errors:?}");
}

/// Runs `get` with `request` on stdin and the test key in the environment, and returns
/// the exit code and stdout.
fn get(request: &str) -> (Option<i32>, String) {
    get_with_key(request, KEY)
}

/// Runs `get` with `request` on stdin and `key` in the environment.
fn get_with_key(request: &str, key: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("get")
        .env_clear()
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .env("ANACONDA_AUTH_API_KEY", key)
        .env("ANACONDA_SECRETS_DIR", "/nonexistent-secrets-dir")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the helper");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request.as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    (output.status.code(), stdout)
}

#[test]
fn example_requests_conform() {
    let requests = validator(REQUEST_SCHEMA);
    for request in conforming_requests() {
        assert_conforms(&requests, &request);
    }
}

#[test]
fn responses_conform() {
    let responses = validator(RESPONSE_SCHEMA);
    for request in conforming_requests() {
        let (code, stdout) = get(&request.to_string());
        assert_eq!(code, Some(0), "{request}");
        let response: Value = serde_json::from_str(&stdout).expect("the response is JSON");
        assert_conforms(&responses, &response);
        assert!(response["headers"].is_object(), "{response}");
    }
}

#[test]
fn repo_response_has_bearer() {
    let request = json!({ "uri": "https://repo.anaconda.cloud/repo/main", "extra": 1 });
    let (code, stdout) = get(&request.to_string());
    assert_eq!(code, Some(0));
    let response: Value = serde_json::from_str(&stdout).unwrap();
    let expected = json!({ "Authorization": [format!("Bearer {KEY}")] });
    assert_eq!(response["headers"], expected);
}

#[test]
fn jwt_response_has_conforming_expires() {
    // exp = 4102444800 is 2100-01-01T00:00:00Z.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":4102444800}"#);
    let key = format!("{header}.{payload}.c2lnbmF0dXJl");
    let request = json!({ "uri": "https://repo.anaconda.cloud/repo/main" });
    let (code, stdout) = get_with_key(&request.to_string(), &key);
    assert_eq!(code, Some(0));
    let response: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(response["expires"], "2100-01-01T00:00:00Z");
    assert_conforms(&validator(RESPONSE_SCHEMA), &response);
}

#[test]
fn response_is_one_line() {
    let (_, stdout) = get(r#"{"uri": "https://repo.anaconda.cloud/"}"#);
    assert_eq!(stdout.matches('\n').count(), 1, "{stdout:?}");
    assert!(stdout.ends_with('\n'), "{stdout:?}");
}

#[test]
fn request_schema_rejects_bad_requests() {
    let requests = validator(REQUEST_SCHEMA);
    for request in [
        json!({}),
        json!({ "uri": 5 }),
        json!(["https://a.example/"]),
    ] {
        assert!(!requests.is_valid(&request), "{request} should not conform");
    }
}

#[test]
fn response_schema_rejects_bad_responses() {
    let responses = validator(RESPONSE_SCHEMA);
    let bad = [
        json!({ "headers": { "Authorization": "Bearer x" } }),
        json!({ "headers": { "Authorization": [1] } }),
        json!({ "headers": [] }),
        json!({ "headers": {}, "expires": "tomorrow" }),
        json!("headers"),
    ];
    for response in bad {
        assert!(
            !responses.is_valid(&response),
            "{response} should not conform"
        );
    }
}

#[test]
fn response_schema_accepts_expires() {
    let responses = validator(RESPONSE_SCHEMA);
    let response = json!({ "headers": {}, "expires": "2030-01-02T03:04:05Z" });
    assert_conforms(&responses, &response);
}
