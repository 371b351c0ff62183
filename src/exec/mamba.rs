//! A temporary home directory for libmamba (micromamba, mamba 2), holding its auth file.
//!
//! libmamba 2.x reads credentials only from `$HOME/.mamba/auth/authentication.json`
//! (`Context::load_authentication_info` in `libmamba/src/core/context.cpp`, mamba 2.8), and
//! has no variable or option that names another file. So `exec --mamba` gives the command
//! a temporary home that contains that file, plus a symbolic link to every other entry of
//! the real home, and pins the XDG base directories to their real locations. Configuration
//! files, the package cache and the root prefix then resolve as without `exec`.
//!
//! The file maps a key to a credential. libmamba finds a request's Bearer token by the
//! request's host, followed by `:<port>` when the URL names one, and sends it whatever the
//! scheme. Basic credentials and conda tokens are found by host and channel path.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use tracing::debug;

use crate::env::Environment;
use crate::exec::channels::{Authentication, ChannelCredential};
use crate::exec::error::ExecError;
use crate::exec::existing_entries;
use crate::exec::private_dir::PrivateDir;
use crate::secret::Secret;
use crate::vars::{HOME_VAR, XDG_CACHE_HOME_VAR, XDG_CONFIG_HOME_VAR, XDG_DATA_HOME_VAR};

/// The temporary home, relative to the private directory.
const HOME_DIR: &str = "home";

/// libmamba's configuration directory inside the home.
const MAMBA_DIR: &str = ".mamba";

/// The directory of the auth file inside [`MAMBA_DIR`].
const AUTH_DIR: &str = "auth";

/// The auth file's name inside [`AUTH_DIR`].
const AUTH_FILE: &str = "authentication.json";

/// Each XDG base directory variable with its default below the home, per the XDG Base
/// Directory Specification.
const XDG_DEFAULTS: [(&str, &str); 3] = [
    (XDG_CONFIG_HOME_VAR, ".config"),
    (XDG_DATA_HOME_VAR, ".local/share"),
    (XDG_CACHE_HOME_VAR, ".cache"),
];

/// Builds the temporary home in `dir` and returns the variables to set for the command.
///
/// Entries of an existing `~/.mamba/auth/authentication.json` are kept, except those for
/// the channels' keys, which `channels` replace.
///
/// NOTE: a directory that libmamba creates at the top of the home, such as `~/.conda`
/// for `environments.txt` when it does not exist yet, lands in the temporary home and is
/// deleted with it.
pub fn prepare_home(
    dir: &PrivateDir,
    channels: &[ChannelCredential],
    env: &dyn Environment,
) -> Result<Vec<(&'static str, OsString)>, ExecError> {
    let real_home = real_home(env);
    let existing = real_home
        .as_deref()
        .map(|home| existing_entries(&home.join(MAMBA_DIR).join(AUTH_DIR).join(AUTH_FILE)))
        .unwrap_or_default();

    let relative_file = Path::new(HOME_DIR)
        .join(MAMBA_DIR)
        .join(AUTH_DIR)
        .join(AUTH_FILE);
    let document = render(existing, channels);
    dir.write_file(&relative_file, document.expose().as_bytes())?;

    let home = dir.path().join(HOME_DIR);
    let mut vars = vec![(HOME_VAR, home.clone().into_os_string())];
    if let Some(real_home) = &real_home {
        mirror_home(real_home, &home)?;
        for (name, default) in XDG_DEFAULTS {
            if env.non_empty_var(name).is_none() {
                vars.push((name, real_home.join(default).into_os_string()));
            }
        }
    }
    Ok(vars)
}

/// Renders libmamba's auth file: `existing` entries, then one entry per key of `channels`.
pub fn render(existing: Map<String, Value>, channels: &[ChannelCredential]) -> Secret {
    let mut entries = existing;
    for channel in channels {
        for key in channel.mamba_keys() {
            entries.insert(key, entry(&channel.authentication));
        }
    }
    Secret::new(Value::Object(entries).to_string())
}

fn entry(authentication: &Authentication) -> Value {
    match authentication {
        Authentication::Bearer(token) => json!({ "type": "BearerToken", "token": token.expose() }),
        Authentication::Basic { username, password } => json!({
            "type": "BasicHTTPAuthentication",
            "user": username,
            "password": STANDARD.encode(password.expose()),
        }),
        Authentication::CondaToken(token) => {
            json!({ "type": "CondaToken", "token": token.expose() })
        }
    }
}

/// Returns the real home from `HOME` when it names an existing directory.
fn real_home(env: &dyn Environment) -> Option<PathBuf> {
    let home = PathBuf::from(env.non_empty_var(HOME_VAR)?);
    (home.is_absolute() && home.is_dir()).then_some(home)
}

/// Links every entry of `real_home` into `home`, and the entries of `.mamba` and
/// `.mamba/auth` into the directories of the same names, except the auth file itself.
fn mirror_home(real_home: &Path, home: &Path) -> Result<(), ExecError> {
    link_entries(real_home, home, MAMBA_DIR)?;
    let real_mamba = real_home.join(MAMBA_DIR);
    if real_mamba.is_dir() {
        link_entries(&real_mamba, &home.join(MAMBA_DIR), AUTH_DIR)?;
    }
    let real_auth = real_mamba.join(AUTH_DIR);
    if real_auth.is_dir() {
        link_entries(&real_auth, &home.join(MAMBA_DIR).join(AUTH_DIR), AUTH_FILE)?;
    }
    Ok(())
}

/// Creates in `target` a symbolic link to each entry of `source`, except `skip`.
fn link_entries(source: &Path, target: &Path, skip: &str) -> Result<(), ExecError> {
    let mirror_error = |path: &Path, error: io::Error| ExecError::MirrorHome {
        path: path.to_owned(),
        source: error,
    };
    let entries = fs::read_dir(source).map_err(|error| mirror_error(source, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| mirror_error(source, error))?;
        let name = entry.file_name();
        if name == skip {
            continue;
        }
        let original = source.join(&name);
        std::os::unix::fs::symlink(&original, target.join(&name))
            .map_err(|error| mirror_error(&original, error))?;
    }
    debug!(
        "linked the entries of {} into {}",
        source.display(),
        target.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use crate::exec::channels::test_channel as channel;

    fn bearer_channel() -> ChannelCredential {
        let token = Secret::new("key-1234");
        channel(
            "https://repo.anaconda.cloud/",
            Authentication::Bearer(token),
        )
    }

    fn rendered(existing: Map<String, Value>, channels: &[ChannelCredential]) -> Value {
        serde_json::from_str(render(existing, channels).expose()).unwrap()
    }

    /// A private directory and a real home, both temporary.
    struct Homes {
        runtime: tempfile::TempDir,
        real: tempfile::TempDir,
    }

    impl Homes {
        fn new() -> Self {
            Homes {
                runtime: tempfile::tempdir().unwrap(),
                real: tempfile::tempdir().unwrap(),
            }
        }

        fn env(&self) -> MapEnv {
            MapEnv::new()
                .with_var(crate::vars::XDG_RUNTIME_DIR_VAR, self.runtime.path())
                .with_var(HOME_VAR, self.real.path())
        }
    }

    #[test]
    fn bearer_entry_for_host_and_port() {
        let value = rendered(Map::new(), &[bearer_channel()]);
        let entry = json!({ "type": "BearerToken", "token": "key-1234" });
        let expected = json!({
            "repo.anaconda.cloud": entry.clone(),
            "repo.anaconda.cloud:443": entry,
        });
        assert_eq!(value, expected);
    }

    #[test]
    fn basic_password_is_base64() {
        let authentication = Authentication::Basic {
            username: "builder".to_owned(),
            password: Secret::new("pw:1234"),
        };
        let value = rendered(
            Map::new(),
            &[channel("https://c.example:8443/", authentication)],
        );
        let expected = json!({ "c.example:8443": {
            "type": "BasicHTTPAuthentication", "user": "builder", "password": "cHc6MTIzNA=="
        }});
        assert_eq!(value, expected);
    }

    #[test]
    fn conda_token_entry() {
        let authentication = Authentication::CondaToken(Secret::new("tok-1"));
        let value = rendered(
            Map::new(),
            &[channel("http://c.example:80/", authentication)],
        );
        let entry = json!({ "type": "CondaToken", "token": "tok-1" });
        assert_eq!(
            value,
            json!({ "c.example": entry.clone(), "c.example:80": entry })
        );
    }

    #[test]
    fn existing_entries_kept_channels_win() {
        let existing = json!({
            "other.example": { "type": "BearerToken", "token": "other" },
            "repo.anaconda.cloud": { "type": "BearerToken", "token": "stale" },
        });
        let Value::Object(existing) = existing else {
            unreachable!()
        };
        let value = rendered(existing, &[bearer_channel()]);
        assert_eq!(value["other.example"]["token"], "other");
        assert_eq!(value["repo.anaconda.cloud"]["token"], "key-1234");
    }

    #[test]
    fn home_mirrors_real_entries() {
        let homes = Homes::new();
        let real = homes.real.path();
        fs::write(real.join(".condarc"), "channels: [x]\n").unwrap();
        fs::create_dir_all(real.join(".mamba/auth")).unwrap();
        fs::write(real.join(".mamba/mambarc"), "").unwrap();
        fs::write(real.join(".mamba/auth/other.json"), "{}").unwrap();
        let stored = r#"{"other.example": {"type": "BearerToken", "token": "t"}}"#;
        fs::write(real.join(".mamba/auth/authentication.json"), stored).unwrap();

        let env = homes.env();
        let dir = PrivateDir::create(&env).unwrap();
        let vars = prepare_home(&dir, &[bearer_channel()], &env).unwrap();
        let home = dir.path().join(HOME_DIR);

        assert_eq!(vars[0], (HOME_VAR, home.clone().into_os_string()));
        assert_eq!(
            fs::read_link(home.join(".condarc")).unwrap(),
            real.join(".condarc")
        );
        let mambarc = fs::read_link(home.join(".mamba/mambarc")).unwrap();
        assert_eq!(mambarc, real.join(".mamba/mambarc"));
        assert!(home.join(".mamba/auth/other.json").is_symlink());
        let auth_path = home.join(".mamba/auth/authentication.json");
        assert!(!auth_path.is_symlink());
        let value: Value = serde_json::from_str(&fs::read_to_string(auth_path).unwrap()).unwrap();
        assert_eq!(value["other.example"]["token"], "t");
        assert_eq!(value["repo.anaconda.cloud"]["token"], "key-1234");
        dir.remove().unwrap();
    }

    #[test]
    fn xdg_dirs_pinned_when_unset() {
        let homes = Homes::new();
        let env = homes.env().with_var(XDG_CONFIG_HOME_VAR, "/custom/config");
        let dir = PrivateDir::create(&env).unwrap();
        let vars = prepare_home(&dir, &[bearer_channel()], &env).unwrap();
        let real = homes.real.path();
        let names: Vec<&str> = vars.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, [HOME_VAR, XDG_DATA_HOME_VAR, XDG_CACHE_HOME_VAR]);
        assert_eq!(vars[1].1, real.join(".local/share").into_os_string());
        assert_eq!(vars[2].1, real.join(".cache").into_os_string());
        dir.remove().unwrap();
    }

    #[test]
    fn missing_real_home_sets_home_only() {
        let homes = Homes::new();
        let env = homes.env().with_var(HOME_VAR, "/nonexistent-home");
        let dir = PrivateDir::create(&env).unwrap();
        let vars = prepare_home(&dir, &[bearer_channel()], &env).unwrap();
        assert_eq!(vars.len(), 1);
        let auth_path = dir.path().join("home/.mamba/auth/authentication.json");
        assert!(auth_path.is_file());
        dir.remove().unwrap();
    }

    #[test]
    fn invalid_real_auth_file_is_skipped() {
        let homes = Homes::new();
        let real = homes.real.path();
        fs::create_dir_all(real.join(".mamba/auth")).unwrap();
        fs::write(real.join(".mamba/auth/authentication.json"), "not json").unwrap();
        let env = homes.env();
        let dir = PrivateDir::create(&env).unwrap();
        prepare_home(&dir, &[bearer_channel()], &env).unwrap();
        let auth_path = dir.path().join("home/.mamba/auth/authentication.json");
        let value: Value = serde_json::from_str(&fs::read_to_string(auth_path).unwrap()).unwrap();
        assert_eq!(value.as_object().unwrap().len(), 2);
        dir.remove().unwrap();
    }
}
