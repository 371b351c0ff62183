//! The helper's config file, which adds custom channels, one `[[channel]]` table each:
//!
//! ```toml
//! [[channel]]
//! url = "https://conda.example.internal/artifactory/api/conda/*"
//! scheme = "Basic"               # "Bearer", "token" or "Basic"
//! username = "builder"           # Basic only
//! secret = "ARTIFACTORY_PASSWORD"
//! allow_insecure_http = false    # true only for loopback test servers
//! ```
//!
//! The file is `CONDA_CREDENTIAL_HELPER_CONFIG`, else the first that exists of
//! `$XDG_CONFIG_HOME/conda-credential-helper/config.toml` (`XDG_CONFIG_HOME` defaulting to
//! `~/.config`) and `/etc/conda-credential-helper/config.toml`.

mod parse;

use std::path::{Path, PathBuf};

use crate::channel::ChannelPattern;
use crate::config_file::{self, ConfigError, FileRole};
use crate::env::Environment;
use crate::expand;
use crate::header::Scheme;
use crate::vars::{CONFIG_VAR, SYSTEM_CONFIG_FILE, USER_CONFIG_FILE, XDG_CONFIG_HOME_VAR};

pub use parse::parse;

/// One `[[channel]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEntry {
    /// Line of the table's `url`, counted from 1.
    pub line: usize,
    /// The URL pattern.
    pub pattern: ChannelPattern,
    /// The authorization scheme.
    pub scheme: Scheme,
    /// The username, for [`Scheme::Basic`] only.
    pub username: Option<String>,
    /// The name of the secret: an environment variable, secret file and `.env` key.
    pub secret: String,
    /// Whether a plain `http://` pattern is allowed.
    pub allow_insecure_http: bool,
}

/// The helper's config file, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    /// The file.
    pub path: PathBuf,
    /// The channels, in file order.
    pub channels: Vec<ChannelEntry>,
}

impl ChannelConfig {
    /// Returns the patterns of all channels, in file order.
    pub fn patterns(&self) -> Vec<&ChannelPattern> {
        self.channels.iter().map(|entry| &entry.pattern).collect()
    }
}

/// Reads the config file, or returns `None` when there is none.
pub fn load(env: &dyn Environment) -> Result<Option<ChannelConfig>, ConfigError> {
    load_from(env, Path::new(SYSTEM_CONFIG_FILE))
}

/// Reads the config file, with `system` in place of `/etc/...`.
fn load_from(env: &dyn Environment, system: &Path) -> Result<Option<ChannelConfig>, ConfigError> {
    let role = FileRole::HelperConfig;
    if let Some(value) = env.non_empty_var(CONFIG_VAR) {
        let mut path = PathBuf::from(value);
        if path.is_relative() {
            if let Ok(dir) = env.current_dir() {
                path = dir.join(path);
            }
        }
        let Some(text) = config_file::read_named(&path, role)? else {
            let variable = CONFIG_VAR;
            return Err(ConfigError::Missing {
                role,
                path,
                variable,
            });
        };
        return parse(&text, path).map(Some);
    }

    let user = user_config_dir(env).map(|dir| dir.join(USER_CONFIG_FILE));
    for path in user.into_iter().chain([system.to_path_buf()]) {
        if let Some(text) = config_file::read(&path, role)? {
            tracing::debug!("reading channels from {}", path.display());
            return parse(&text, path).map(Some);
        }
    }
    Ok(None)
}

/// Returns `XDG_CONFIG_HOME` when it is an absolute path, else `~/.config`, as the XDG
/// base directory specification defines.
fn user_config_dir(env: &dyn Environment) -> Option<PathBuf> {
    let xdg = env.non_empty_var(XDG_CONFIG_HOME_VAR).map(PathBuf::from);
    match xdg.filter(|dir| dir.is_absolute()) {
        Some(dir) => Some(dir),
        None => expand::home(env).map(|home| home.join(".config")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    /// A config file with one channel, for the file that must not be read.
    const ONE_CHANNEL: &str =
        "[[channel]]\nurl = \"https://a.example/*\"\nscheme = \"Bearer\"\nsecret = \"TOKEN\"\n";

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn variable_path_wins() {
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("named.toml");
        write(&named, "");
        let system = dir.path().join("etc.toml");
        write(&system, ONE_CHANNEL);
        let env = MapEnv::new().with_var(CONFIG_VAR, &named);
        let config = load_from(&env, &system).unwrap().expect("a config");
        assert_eq!(config.path, named);
        assert!(config.channels.is_empty());
    }

    #[test]
    fn missing_variable_path_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = MapEnv::new().with_var(CONFIG_VAR, dir.path().join("none.toml"));
        let message = load_from(&env, &dir.path().join("etc.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("named by CONDA_CREDENTIAL_HELPER_CONFIG does not exist"),
            "{message}"
        );
    }

    #[test]
    fn xdg_then_home_then_system() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("etc.toml");
        let xdg = dir.path().join("xdg");
        let home = dir.path().join("home");
        let env = MapEnv::new().with_var("HOME", &home);
        assert_eq!(load_from(&env, &system).unwrap(), None);

        write(&system, "");
        assert_eq!(load_from(&env, &system).unwrap().unwrap().path, system);

        let home_file = home.join(".config").join(USER_CONFIG_FILE);
        write(&home_file, "");
        assert_eq!(load_from(&env, &system).unwrap().unwrap().path, home_file);

        let env = env.with_var(XDG_CONFIG_HOME_VAR, &xdg);
        assert_eq!(load_from(&env, &system).unwrap().unwrap().path, system);
        let xdg_file = xdg.join(USER_CONFIG_FILE);
        write(&xdg_file, "");
        assert_eq!(load_from(&env, &system).unwrap().unwrap().path, xdg_file);
    }
}
