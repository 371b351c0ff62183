//! A build for runs of the real `get`: a temporary home, working directory, secrets
//! directory and config file of the helper, and nothing else from the environment.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_conda-credential-helper");

/// What a run of `get` produced.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Returns the one `Authorization` value of the response, if any.
    pub fn authorization(&self) -> Option<String> {
        assert_eq!(self.code, Some(0), "get failed: {}", self.stderr);
        let response: serde_json::Value = serde_json::from_str(&self.stdout).unwrap();
        let values = response["headers"]
            .get("Authorization")?
            .as_array()?
            .clone();
        assert_eq!(values.len(), 1, "one Authorization value: {response}");
        Some(values[0].as_str().unwrap().to_owned())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap()
    }
}

/// A build: a home, a working directory, a secrets directory and the helper's config file.
pub struct Build {
    pub dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl Build {
    pub fn new() -> Self {
        let build = Build {
            dir: tempfile::tempdir().unwrap(),
            vars: Vec::new(),
        };
        for sub in ["home", "work", "secrets"] {
            fs::create_dir(build.dir.path().join(sub)).unwrap();
        }
        build.write_config("");
        build
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn write_config(&self, text: &str) {
        fs::write(self.config_path(), text).unwrap();
    }

    pub fn write_secret(&self, name: &str, value: &str) {
        fs::write(self.dir.path().join("secrets").join(name), value).unwrap();
    }

    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn get(&self, uri: &str, with_source: bool) -> Run {
        let mut command = Command::new(BIN);
        command.arg("get");
        if with_source {
            command.arg("--with-source");
        }
        let mut child = command
            .env_clear()
            .env("HOME", self.home())
            .env("ANACONDA_SECRETS_DIR", self.dir.path().join("secrets"))
            .env("CONDA_CREDENTIAL_HELPER_CONFIG", self.config_path())
            .envs(self.vars.iter().map(|(name, value)| (name, value)))
            .current_dir(self.dir.path().join("work"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the helper");
        let request = serde_json::json!({ "uri": uri }).to_string();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), request.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}
