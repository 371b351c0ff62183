//! Reads the conda settings the helper depends on from every condarc file conda reads.
//!
//! Only `channel_settings` and `ssl_verify` are read. A file that is not valid YAML, or
//! whose values have the wrong shape, is reported and skipped, as conda skips it with a
//! warning.

mod channel_settings;
mod search_path;

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

pub use channel_settings::{ChannelSetting, Winner, matching_entries, winner_for};
pub use search_path::{CONDA_SEARCH_PATH, SearchVars, condarc_files};

use crate::env::Environment;

/// Environment variable that conda reads `ssl_verify` from, above every file.
pub const SSL_VERIFY_VAR: &str = "CONDA_SSL_VERIFY";

/// Largest condarc file read, in bytes; larger files are reported and skipped.
const MAX_CONDARC_BYTES: u64 = 1024 * 1024;

/// The `ssl_verify` setting: whether and how conda checks server certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SslVerify {
    /// `true` or `false`.
    Enabled(bool),
    /// `truststore`: the operating system's certificate store.
    Truststore,
    /// A path to a CA bundle file or folder.
    CaBundle(PathBuf),
}

impl SslVerify {
    fn parse(text: &str) -> SslVerify {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => SslVerify::Enabled(true),
            "false" | "no" | "off" | "0" => SslVerify::Enabled(false),
            "truststore" => SslVerify::Truststore,
            _ => SslVerify::CaBundle(PathBuf::from(text.trim())),
        }
    }
}

/// The settings one condarc file contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondarcFile {
    /// The file.
    pub path: PathBuf,
    /// Its `channel_settings` entries, in file order.
    pub channel_settings: Vec<ChannelSetting>,
    /// Its `ssl_verify` value, if it sets one.
    pub ssl_verify: Option<SslVerify>,
}

/// A condarc file that conda would skip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// The reason it cannot be used.
    pub reason: String,
}

/// Everything read from the condarc files, in conda's reading order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CondaSettings {
    /// Files read, in order.
    pub files: Vec<CondarcFile>,
    /// Files skipped, with the reason.
    pub skipped: Vec<SkippedFile>,
    /// `CONDA_SSL_VERIFY`, which overrides the files.
    pub ssl_verify_env: Option<SslVerify>,
}

impl CondaSettings {
    /// Returns the `ssl_verify` conda uses, with where it was set: the variable, else the
    /// last file that sets it, else `None` for conda's default `true`.
    pub fn ssl_verify(&self) -> Option<(SslVerify, String)> {
        if let Some(value) = &self.ssl_verify_env {
            return Some((value.clone(), SSL_VERIFY_VAR.to_owned()));
        }
        self.files.iter().rev().find_map(|file| {
            let value = file.ssl_verify.clone()?;
            Some((value, file.path.display().to_string()))
        })
    }
}

/// Reads the settings from the files conda reads for `templates`.
pub fn load(templates: &[&str], vars: &SearchVars, env: &dyn Environment) -> CondaSettings {
    let mut settings = CondaSettings {
        ssl_verify_env: env
            .non_empty_var(SSL_VERIFY_VAR)
            .map(|value| SslVerify::parse(&value.to_string_lossy())),
        ..CondaSettings::default()
    };
    for path in condarc_files(templates, vars, env) {
        match read_file(&path) {
            Ok(file) => settings.files.push(file),
            Err(reason) => settings.skipped.push(SkippedFile { path, reason }),
        }
    }
    tracing::debug!(
        "read {} condarc files, skipped {}",
        settings.files.len(),
        settings.skipped.len()
    );
    settings
}

/// Reads one condarc file, returning why it cannot be used on failure.
pub fn read_file(path: &Path) -> Result<CondarcFile, String> {
    let size = fs::metadata(path).map_err(|error| format!("cannot be read ({error})"))?;
    if size.len() > MAX_CONDARC_BYTES {
        return Err(format!("is larger than {MAX_CONDARC_BYTES} bytes"));
    }
    let text = fs::read_to_string(path).map_err(|error| format!("cannot be read ({error})"))?;
    parse(path, &text)
}

/// Parses condarc text. An empty document counts as a file without settings.
pub fn parse(path: &Path, text: &str) -> Result<CondarcFile, String> {
    let document: Value =
        serde_yaml_ng::from_str(text).map_err(|error| format!("is not valid YAML ({error})"))?;
    let mut file = CondarcFile {
        path: path.to_path_buf(),
        channel_settings: Vec::new(),
        ssl_verify: None,
    };
    let mapping = match document {
        Value::Null => return Ok(file),
        Value::Mapping(mapping) => mapping,
        _ => return Err("is not a YAML mapping of settings".to_owned()),
    };

    if let Some(entries) = mapping.get("channel_settings") {
        file.channel_settings = channel_settings::parse(entries)?;
    }
    file.ssl_verify = match mapping.get("ssl_verify").or(mapping.get("verify_ssl")) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(enabled)) => Some(SslVerify::Enabled(*enabled)),
        Some(Value::String(text)) => Some(SslVerify::parse(text)),
        Some(_) => return Err("has an `ssl_verify` that is neither true, false nor a path".into()),
    };
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    fn parsed(text: &str) -> Result<CondarcFile, String> {
        parse(Path::new("/c/.condarc"), text)
    }

    #[test]
    fn parse_reads_channel_settings() {
        let file = parsed(
            "channels: [defaults]\nchannel_settings:\n  - channel: \"https://repo.anaconda.cloud/*\"\n    auth: conda-credential-helper\n  - channel: https://x.example/c\n",
        )
        .unwrap();

        let expected = vec![
            ChannelSetting {
                channel: "https://repo.anaconda.cloud/*".into(),
                auth: Some("conda-credential-helper".into()),
            },
            ChannelSetting {
                channel: "https://x.example/c".into(),
                auth: None,
            },
        ];
        assert_eq!(file.channel_settings, expected);
        assert_eq!(file.ssl_verify, None);
    }

    #[test]
    fn parse_reads_ssl_verify() {
        let cases = [
            ("ssl_verify: false", SslVerify::Enabled(false)),
            ("ssl_verify: true", SslVerify::Enabled(true)),
            ("ssl_verify: truststore", SslVerify::Truststore),
            ("verify_ssl: /ca.pem", SslVerify::CaBundle("/ca.pem".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(parsed(text).unwrap().ssl_verify, Some(expected), "{text}");
        }
    }

    #[test]
    fn parse_empty_file_has_no_settings() {
        assert_eq!(parsed("").unwrap().channel_settings, vec![]);
        assert_eq!(parsed("# only a comment\n").unwrap().ssl_verify, None);
    }

    #[test]
    fn parse_rejects_broken_files() {
        assert!(
            parsed("channel_settings: [")
                .unwrap_err()
                .contains("not valid YAML")
        );
        assert!(
            parsed("- a\n- b\n")
                .unwrap_err()
                .contains("not a YAML mapping")
        );
        assert!(
            parsed("ssl_verify: [1]")
                .unwrap_err()
                .contains("ssl_verify")
        );
    }

    #[test]
    fn ssl_verify_variable_beats_files() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(temp.path().join("a.yml"), "ssl_verify: /a.pem\n").unwrap();
        fs::write(temp.path().join("b.yml"), "ssl_verify: /b.pem\n").unwrap();
        let folder = format!("{}/", temp.path().display());
        let templates = [folder.as_str()];

        let from_files = load(&templates, &SearchVars::default(), &MapEnv::new());
        let with_var = load(
            &templates,
            &SearchVars::default(),
            &MapEnv::new().with_var(SSL_VERIFY_VAR, "false"),
        );

        let (value, origin) = from_files.ssl_verify().unwrap();
        assert_eq!(value, SslVerify::CaBundle("/b.pem".into()));
        assert_eq!(origin, temp.path().join("b.yml").display().to_string());
        let (value, origin) = with_var.ssl_verify().unwrap();
        assert_eq!(
            (value, origin.as_str()),
            (SslVerify::Enabled(false), SSL_VERIFY_VAR)
        );
    }

    #[test]
    fn load_reports_skipped_file() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(temp.path().join("bad.yml"), "channel_settings: [\n").unwrap();
        let folder = format!("{}/", temp.path().display());

        let settings = load(&[folder.as_str()], &SearchVars::default(), &MapEnv::new());

        assert_eq!(settings.files, vec![]);
        assert_eq!(settings.skipped.len(), 1);
        assert_eq!(settings.skipped[0].path, temp.path().join("bad.yml"));
    }
}
