//! Fuzzes the decoder of the `get` request and the response built from it.

#![no_main]

use std::time::SystemTime;

use conda_credential_helper::env::MapEnv;
use conda_credential_helper::get::answer;
use conda_credential_helper::protocol::parse_request;
use conda_credential_helper::rules::anaconda_url;
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzz-key-0123456789";

fuzz_target!(|data: &[u8]| {
    let Ok(request) = parse_request(data) else {
        return;
    };

    // A parsed request contains the "uri" string of a JSON object.
    let document: serde_json::Value = serde_json::from_slice(data).expect("valid JSON");
    assert_eq!(document["uri"].as_str(), Some(request.uri.as_str()));

    let env = MapEnv::new()
        .with_var("ANACONDA_AUTH_API_KEY", KEY)
        .with_var("ANACONDA_SECRETS_DIR", "/nonexistent-fuzz-secrets");
    let answer = answer(&request, &env, true, SystemTime::now())
        .expect("the key in the environment is valid");
    // Without a config file, only Anaconda's hosts get a header, and each gets the key.
    let on_anaconda_host = anaconda_url(&request.uri).is_some();
    assert_eq!(answer.response.authorization.is_some(), on_anaconda_host);

    // The response is one line of JSON. Outside "scope", which repeats the requested URL,
    // the key appears only in the header.
    let line = answer.response.to_json_line();
    assert_eq!(line.matches('\n').count(), 1);
    let mut response: serde_json::Value =
        serde_json::from_str(&line).expect("the response is JSON");
    let header = response["headers"].get("Authorization").is_some();
    assert_eq!(header, on_anaconda_host);
    response.as_object_mut().unwrap().remove("scope");
    assert_eq!(response.to_string().contains(KEY), header);
});
