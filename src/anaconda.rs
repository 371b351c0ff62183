//! The Anaconda credentials, found in anaconda-auth's sources in its precedence.
//!
//! Each setting takes the first value found in: the environment, the secrets directory,
//! `.env` (see [`crate::source`]), the selected site's `[sites.<name>]` table (see
//! [`crate::site`]), then `[plugin.auth]` in anaconda-auth's config file.
//!
//! The credentials come from the first of:
//! 1. the API key `ANACONDA_AUTH_API_KEY` (or the deprecated `ANACONDA_CLOUD_API_KEY` in the
//!    environment) from the environment, the secrets directory or `.env`;
//! 2. `api_key` in the selected site or `[plugin.auth]`;
//! 3. the keyring given whole as `ANACONDA_AUTH_KEYRING` or `keyring`;
//! 4. the keyring file, `keyring_path` or `~/.anaconda/keyring`.
//!
//! An API key from 1 or 2 comes alone, as anaconda-auth then ignores every keyring. A
//! keyring's record for `anaconda.com` (or the legacy `id.anaconda.cloud` and
//! `anaconda.cloud`) may hold an API key and repo tokens.

use crate::anaconda_config::Field;
use crate::config_file::{self, FileRole};
use crate::env::Environment;
use crate::error::Error;
use crate::keyring::{Keyring, KeyringEntry, KeyringPlace, RecordPart, TokenRecord};
use crate::secret::Secret;
use crate::secrets;
use crate::settings::Settings;
use crate::source::{self, Found, Origin, Searched, SearchedPlaces, Setting};
use crate::value;
use crate::vars::{API_KEY_VAR, KEYRING_VAR, LEGACY_API_KEY_VAR};

/// The keyring domains read for the Anaconda hosts, in order: anaconda-auth's token
/// domain, then the legacy domains it migrates from.
pub const TOKEN_DOMAINS: [&str; 3] = ["anaconda.com", "id.anaconda.cloud", "anaconda.cloud"];

/// The API key setting.
const API_KEY: Setting<'static> = Setting {
    name: API_KEY_VAR,
    noun: "API key",
};

/// A checked credential with the place it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The credential.
    pub secret: Secret,
    /// The place it was read.
    pub origin: Origin,
}

impl Credential {
    /// Returns a one-line warning when the key came from a deprecated source.
    pub fn deprecation_warning(&self) -> Option<String> {
        let legacy = Origin::EnvVar(LEGACY_API_KEY_VAR.to_owned());
        (self.origin == legacy)
            .then(|| format!("{LEGACY_API_KEY_VAR} is deprecated; rename it to {API_KEY_VAR}"))
    }
}

/// A checked repo token of a keyring record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoTokenCredential {
    /// The token and its origin.
    pub credential: Credential,
    /// The organization it belongs to.
    pub org_name: Option<String>,
}

/// The credentials one source contains for the Anaconda hosts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnacondaCredentials {
    /// The API key.
    pub api_key: Option<Credential>,
    /// The repo tokens, in stored order.
    pub repo_tokens: Vec<RepoTokenCredential>,
    /// Whether `use_unified_repo_api_key` sends the API key to repo.anaconda.cloud.
    pub use_unified_repo_api_key: bool,
}

impl AnacondaCredentials {
    /// Returns the credential that represents the source in reports: the API key, else
    /// the first repo token.
    pub fn primary(&self) -> Option<&Credential> {
        let first_token = self.repo_tokens.first().map(|token| &token.credential);
        self.api_key.as_ref().or(first_token)
    }
}

/// The content of one source.
#[derive(Debug)]
pub enum Probe {
    /// Credentials: an API key, repo tokens, or both.
    Found(AnacondaCredentials),
    /// No credential, with each place searched and why it had none.
    Absent(Vec<Searched>),
    /// A value that is not a usable credential, or a file that cannot be read.
    Invalid(Error),
}

/// A credential source: a name for reports and the function that reads it.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Short description, such as `environment variable ANACONDA_AUTH_API_KEY`.
    pub name: &'static str,
    /// Reads the source without looking at any other.
    pub probe: fn(&dyn Environment) -> Probe,
}

/// Every source, highest precedence first.
pub const SOURCES: &[Source] = &[
    Source {
        name: "environment variable ANACONDA_AUTH_API_KEY",
        probe: |env| probe_env_var(env, API_KEY_VAR),
    },
    Source {
        name: "environment variable ANACONDA_CLOUD_API_KEY (deprecated)",
        probe: |env| probe_env_var(env, LEGACY_API_KEY_VAR),
    },
    Source {
        name: "secrets directory",
        probe: |env| probe_api_key(env, secrets::find),
    },
    Source {
        name: ".env file",
        probe: |env| probe_api_key(env, source::from_dotenv),
    },
    Source {
        name: "anaconda config file (api_key)",
        probe: probe_config_api_key,
    },
    Source {
        name: "keyring given whole (ANACONDA_AUTH_KEYRING or keyring)",
        probe: probe_given_keyring,
    },
    Source {
        name: "keyring file",
        probe: probe_keyring_file,
    },
];

/// Finds the Anaconda credentials in the first source that has any.
///
/// Returns [`Error::KeyNotFound`] listing every place searched when no source has an API
/// key or a repo token, and an error naming the source when the first value found is
/// invalid.
pub fn find(env: &dyn Environment) -> Result<AnacondaCredentials, Error> {
    let mut searched = Vec::new();
    for source in SOURCES {
        match (source.probe)(env) {
            Probe::Found(credentials) => return Ok(credentials),
            Probe::Invalid(error) => return Err(error),
            Probe::Absent(places) => searched.extend(places),
        }
    }
    tracing::debug!(
        "no API key found; searched {}",
        SearchedPlaces(searched.clone())
    );
    Err(Error::KeyNotFound {
        searched: SearchedPlaces(searched),
    })
}

/// Reads every source, in precedence order, without stopping at the first that has a
/// credential.
///
/// [`find`] uses the first entry that is [`Probe::Found`] or [`Probe::Invalid`]; the
/// entries after it show what that choice shadows.
pub fn inspect_sources(env: &dyn Environment) -> Vec<(&'static Source, Probe)> {
    SOURCES
        .iter()
        .map(|source| (source, (source.probe)(env)))
        .collect()
}

/// Turns the result of a reader into a [`Probe`].
fn probe(result: Result<Option<AnacondaCredentials>, Error>, searched: Vec<Searched>) -> Probe {
    match result {
        Ok(Some(credentials)) => Probe::Found(credentials),
        Ok(None) => Probe::Absent(searched),
        Err(error) => Probe::Invalid(error),
    }
}

fn probe_env_var(env: &dyn Environment, variable: &str) -> Probe {
    let mut searched = Vec::new();
    let found = source::from_env(env, API_KEY, variable, &mut searched);
    probe(
        found.and_then(|found| found.map(api_key_alone).transpose()),
        searched,
    )
}

/// A reader of the API key from one file source, which records the places it searched.
type FindIn = fn(&dyn Environment, Setting<'_>, &mut Vec<Searched>) -> Result<Option<Found>, Error>;

fn probe_api_key(env: &dyn Environment, find: FindIn) -> Probe {
    let mut searched = Vec::new();
    let found = find(env, API_KEY, &mut searched);
    probe(
        found.and_then(|found| found.map(api_key_alone).transpose()),
        searched,
    )
}

fn probe_config_api_key(env: &dyn Environment) -> Probe {
    let mut searched = Vec::new();
    let result = Settings::load(env, &mut searched).and_then(|settings| {
        let found = settings.config_value(Field::ApiKey);
        if found.is_none() {
            if let Some(config) = settings.config() {
                let place = format!("anaconda config file {}", config.path.display());
                let missing = "api_key".to_owned();
                searched.push(Searched::Without { place, missing });
            }
        }
        found.map(api_key_alone).transpose()
    });
    probe(result, searched)
}

fn probe_given_keyring(env: &dyn Environment) -> Probe {
    let mut searched = Vec::new();
    let result = Settings::load(env, &mut Vec::new()).and_then(|settings| {
        let Some(keyring) = settings.given_keyring()? else {
            let place = KEYRING_VAR.to_owned();
            let missing = "value in the environment, secrets directory, .env or config file";
            searched.push(Searched::Without {
                place,
                missing: missing.to_owned(),
            });
            return Ok(None);
        };
        read_keyring(&keyring, &settings, &mut searched)
    });
    probe(result, searched)
}

fn probe_keyring_file(env: &dyn Environment) -> Probe {
    let mut searched = Vec::new();
    let result = Settings::load(env, &mut Vec::new()).and_then(|settings| {
        let Some(path) = settings.keyring_path()? else {
            searched.push(Searched::NoHome {
                role: "keyring file",
            });
            return Ok(None);
        };
        // anaconda-auth reads no keyring file when a keyring is given whole.
        if settings.lookup(Field::Keyring, "keyring")?.is_some() {
            let place = format!("keyring file {}", path.display());
            let reason = format!("{KEYRING_VAR} gives the keyring").to_owned();
            searched.push(Searched::Skipped { place, reason });
            return Ok(None);
        }
        let Some(text) = config_file::read(&path, FileRole::Keyring)? else {
            searched.push(Searched::MissingFile {
                role: "keyring file",
                path,
            });
            return Ok(None);
        };
        let keyring = Keyring::parse(&text, KeyringPlace::File(path))?;
        read_keyring(&keyring, &settings, &mut searched)
    });
    probe(result, searched)
}

/// Reads the record of the Anaconda token domain from `keyring`.
fn read_keyring(
    keyring: &Keyring,
    settings: &Settings<'_>,
    searched: &mut Vec<Searched>,
) -> Result<Option<AnacondaCredentials>, Error> {
    let Some((domain, record)) = keyring.record(&TOKEN_DOMAINS)? else {
        let place = keyring.place().to_string();
        let missing = format!("entry {}", TOKEN_DOMAINS[0]);
        searched.push(Searched::Without { place, missing });
        return Ok(None);
    };
    let mut credentials = check_record(record, keyring.place(), domain)?;
    if credentials.api_key.is_none() && credentials.repo_tokens.is_empty() {
        let place = format!("{} (entry {domain})", keyring.place());
        let missing = "API key or repo token".to_owned();
        searched.push(Searched::Without { place, missing });
        return Ok(None);
    }
    if credentials.api_key.is_some() && !credentials.repo_tokens.is_empty() {
        credentials.use_unified_repo_api_key = settings.unified_flag()?;
    }
    Ok(Some(credentials))
}

fn api_key_alone(found: Found) -> Result<AnacondaCredentials, Error> {
    let secret = check_token(found.value.expose(), &found.origin, API_KEY.noun)?;
    Ok(AnacondaCredentials {
        api_key: Some(Credential {
            secret,
            origin: found.origin,
        }),
        ..AnacondaCredentials::default()
    })
}

/// Checks a value as an API key or token: trimmed, printable ASCII, no spaces.
fn check_token(raw: &str, origin: &Origin, noun: &str) -> Result<Secret, Error> {
    value::parse_text(raw).map_err(|problem| Error::InvalidValue {
        noun: noun.to_owned(),
        origin: origin.clone(),
        problem,
    })
}

/// Checks every credential of a keyring record.
fn check_record(
    record: TokenRecord,
    place: &KeyringPlace,
    domain: &str,
) -> Result<AnacondaCredentials, Error> {
    let origin = |part: RecordPart| {
        Origin::Keyring(Box::new(KeyringEntry {
            place: place.clone(),
            domain: domain.to_owned(),
            part,
        }))
    };

    let api_key = match record.api_key {
        Some(raw) => {
            let origin = origin(RecordPart::ApiKey);
            let secret = check_token(raw.expose(), &origin, "API key")?;
            Some(Credential { secret, origin })
        }
        None => None,
    };
    let mut repo_tokens = Vec::new();
    for token in record.repo_tokens {
        let origin = origin(RecordPart::RepoToken(token.org_name.clone()));
        let secret = check_token(token.token.expose(), &origin, "repo token")?;
        repo_tokens.push(RepoTokenCredential {
            credential: Credential { secret, origin },
            org_name: token.org_name,
        });
    }
    Ok(AnacondaCredentials {
        api_key,
        repo_tokens,
        use_unified_repo_api_key: false,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::env::MapEnv;
    use crate::keyring::{SERVICE, encode_record};
    use crate::value::ValueProblem;
    use crate::vars::{
        DEFAULT_KEYRING_FILE, HOME_VAR, KEYRING_VAR, SECRETS_DIR_VAR, SITE_VAR, UNIFIED_API_KEY_VAR,
    };

    /// Every place that can hold the Anaconda credentials, highest precedence first.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Place {
        EnvKey,
        LegacyEnvKey,
        SecretKey,
        DotenvKey,
        SiteKey,
        PluginAuthKey,
        EnvKeyring,
        SecretKeyring,
        DotenvKeyring,
        ConfigKeyring,
        KeyringPathFile,
        DefaultKeyringFile,
    }

    const PLACES: [Place; 12] = [
        Place::EnvKey,
        Place::LegacyEnvKey,
        Place::SecretKey,
        Place::DotenvKey,
        Place::SiteKey,
        Place::PluginAuthKey,
        Place::EnvKeyring,
        Place::SecretKeyring,
        Place::DotenvKeyring,
        Place::ConfigKeyring,
        Place::KeyringPathFile,
        Place::DefaultKeyringFile,
    ];

    /// The API key that `place` contains in the table test.
    fn key_of(place: Place) -> String {
        format!("key-{place:?}")
    }

    /// A base64 keyring entry whose record contains `api_key`.
    fn entry_with_key(api_key: &str) -> String {
        encode_record(&serde_json::json!({ "api_key": api_key }).to_string())
    }

    fn keyring_json(entries: serde_json::Value) -> String {
        serde_json::json!({ SERVICE: entries }).to_string()
    }

    /// A home, working and secrets directory, and the files to write into them.
    struct Fixture {
        home: tempfile::TempDir,
        work: tempfile::TempDir,
        secrets: tempfile::TempDir,
        vars: Vec<(&'static str, String)>,
        dotenv: Vec<String>,
        plugin_auth: Vec<String>,
        site: Vec<String>,
        config_tables: Vec<String>,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                home: tempfile::tempdir().unwrap(),
                work: tempfile::tempdir().unwrap(),
                secrets: tempfile::tempdir().unwrap(),
                vars: Vec::new(),
                dotenv: Vec::new(),
                plugin_auth: Vec::new(),
                site: Vec::new(),
                config_tables: Vec::new(),
            }
        }

        fn secret(&self, name: &str, content: &str) {
            fs::write(self.secrets.path().join(name), content).unwrap();
        }

        fn default_keyring(&self) -> PathBuf {
            self.home.path().join(DEFAULT_KEYRING_FILE)
        }

        fn write_file(path: &Path, content: &str) {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }

        fn add(&mut self, place: Place) {
            let key = key_of(place);
            let keyring = keyring_json(serde_json::json!({ "anaconda.com": entry_with_key(&key) }));
            match place {
                Place::EnvKey => self.vars.push((API_KEY_VAR, key)),
                Place::LegacyEnvKey => self.vars.push((LEGACY_API_KEY_VAR, key)),
                Place::SecretKey => self.secret(API_KEY_VAR, &key),
                Place::DotenvKey => self.dotenv.push(format!("{API_KEY_VAR}={key}")),
                Place::SiteKey => self.site.push(format!("api_key = \"{key}\"")),
                Place::PluginAuthKey => self.plugin_auth.push(format!("api_key = \"{key}\"")),
                Place::EnvKeyring => self.vars.push((KEYRING_VAR, keyring)),
                Place::SecretKeyring => self.secret(KEYRING_VAR, &keyring),
                Place::DotenvKeyring => self.dotenv.push(format!("{KEYRING_VAR}='{keyring}'")),
                Place::ConfigKeyring => self.config_tables.push(format!(
                    "[plugin.auth.keyring.\"{SERVICE}\"]\n\"anaconda.com\" = \"{}\"",
                    entry_with_key(&key)
                )),
                Place::KeyringPathFile => {
                    let path = self.home.path().join("custom-keyring.json");
                    Self::write_file(&path, &keyring);
                    self.plugin_auth
                        .push("keyring_path = \"~/custom-keyring.json\"".to_owned());
                }
                Place::DefaultKeyringFile => Self::write_file(&self.default_keyring(), &keyring),
            }
        }

        fn config_path(&self) -> PathBuf {
            self.home.path().join(".anaconda/config.toml")
        }

        /// Writes `.env` and the config file, and returns the environment.
        fn env(&self) -> MapEnv {
            if !self.dotenv.is_empty() {
                fs::write(self.work.path().join(".env"), self.dotenv.join("\n")).unwrap();
            }
            let mut config = Vec::new();
            if !self.plugin_auth.is_empty() {
                config.push(format!("[plugin.auth]\n{}", self.plugin_auth.join("\n")));
            }
            config.extend(self.config_tables.iter().cloned());
            if !self.site.is_empty() {
                config.push(format!("[sites.main]\n{}", self.site.join("\n")));
            }
            if !config.is_empty() {
                Self::write_file(&self.config_path(), &config.join("\n"));
            }
            let mut env = MapEnv::new()
                .with_current_dir(self.work.path())
                .with_var(SECRETS_DIR_VAR, self.secrets.path())
                .with_var(HOME_VAR, self.home.path());
            for (name, value) in &self.vars {
                env = env.with_var(name, value);
            }
            env
        }
    }

    fn api_key(env: &MapEnv) -> (String, String) {
        let credentials = find(env).expect("credentials");
        let key = credentials.api_key.expect("an API key");
        (key.secret.expose().to_owned(), key.origin.to_string())
    }

    #[test]
    fn every_source_alone() {
        for place in PLACES {
            let mut fixture = Fixture::new();
            fixture.add(place);
            let (key, origin) = api_key(&fixture.env());
            assert_eq!(key, key_of(place), "{place:?}");

            let home = fixture.home.path().display().to_string();
            let expected_origin = match place {
                Place::EnvKey => format!("environment variable {API_KEY_VAR}"),
                Place::LegacyEnvKey => format!("environment variable {LEGACY_API_KEY_VAR}"),
                Place::SecretKey => format!("secret file {}", fixture.secrets.path().join(API_KEY_VAR).display()),
                Place::DotenvKey => format!(".env file {} (line 1)", fixture.work.path().join(".env").display()),
                Place::SiteKey => format!("[sites.main] api_key in {home}/.anaconda/config.toml (line 2)"),
                Place::PluginAuthKey => format!("[plugin.auth] api_key in {home}/.anaconda/config.toml (line 2)"),
                Place::EnvKeyring => "keyring in environment variable ANACONDA_AUTH_KEYRING (entry anaconda.com, API key)".to_owned(),
                Place::SecretKeyring => format!(
                    "keyring in secret file {} (entry anaconda.com, API key)",
                    fixture.secrets.path().join(KEYRING_VAR).display()
                ),
                Place::DotenvKeyring => format!(
                    "keyring in .env file {} (line 1) (entry anaconda.com, API key)",
                    fixture.work.path().join(".env").display()
                ),
                Place::ConfigKeyring => format!(
                    "keyring in [plugin.auth] keyring in {home}/.anaconda/config.toml (line 1) (entry anaconda.com, API key)"
                ),
                Place::KeyringPathFile => format!("keyring file {home}/custom-keyring.json (entry anaconda.com, API key)"),
                Place::DefaultKeyringFile => format!("keyring file {home}/.anaconda/keyring (entry anaconda.com, API key)"),
            };
            assert_eq!(origin, expected_origin, "{place:?}");
        }
    }

    #[test]
    fn higher_source_wins_each_pair() {
        for (index, higher) in PLACES.iter().enumerate() {
            for lower in &PLACES[index + 1..] {
                let mut fixture = Fixture::new();
                fixture.add(*lower);
                fixture.add(*higher);
                let (key, _) = api_key(&fixture.env());
                assert_eq!(key, key_of(*higher), "{higher:?} over {lower:?}");
            }
        }
    }

    #[test]
    fn nothing_found_lists_every_place() {
        let fixture = Fixture::new();
        let message = find(&fixture.env()).unwrap_err().to_string();
        let secrets = fixture.secrets.path().display();
        let work = fixture.work.path().display();
        let home = fixture.home.path().display();
        let expected = format!(
            "no API key found; searched environment variable ANACONDA_AUTH_API_KEY (unset), \
             environment variable ANACONDA_CLOUD_API_KEY (unset), \
             secret file {secrets}/ANACONDA_AUTH_API_KEY (missing), \
             .env file {work}/.env (missing), \
             anaconda config file {home}/.anaconda/config.toml (missing), \
             ANACONDA_AUTH_KEYRING (no value in the environment, secrets directory, .env or \
             config file), keyring file {home}/.anaconda/keyring (missing). \
             Pass the key as a build secret with \
             `RUN --mount=type=secret,id=ANACONDA_AUTH_API_KEY`, or set ANACONDA_AUTH_API_KEY"
        );
        assert_eq!(message, expected);
    }

    #[test]
    fn nothing_found_without_home() {
        let work = tempfile::tempdir().unwrap();
        let env = MapEnv::new()
            .with_current_dir(work.path())
            .with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir");
        let message = find(&env).unwrap_err().to_string();
        assert!(
            message.contains("anaconda config file (HOME unset), "),
            "{message}"
        );
        assert!(
            message.contains(", keyring file (HOME unset)."),
            "{message}"
        );
    }

    #[test]
    fn legacy_variable_warns() {
        let mut fixture = Fixture::new();
        fixture.add(Place::LegacyEnvKey);
        let credentials = find(&fixture.env()).unwrap();
        let warning = credentials.api_key.unwrap().deprecation_warning();
        let expected = "ANACONDA_CLOUD_API_KEY is deprecated; rename it to ANACONDA_AUTH_API_KEY";
        assert_eq!(warning.as_deref(), Some(expected));
    }

    #[test]
    fn legacy_name_ignored_in_files() {
        let fixture = Fixture::new();
        fixture.secret(LEGACY_API_KEY_VAR, "key-1234");
        fs::write(
            fixture.work.path().join(".env"),
            "ANACONDA_CLOUD_API_KEY=key-1234\n",
        )
        .unwrap();
        let error = find(&fixture.env()).unwrap_err();
        assert!(matches!(error, Error::KeyNotFound { .. }), "{error:?}");
    }

    #[test]
    fn invalid_key_does_not_fall_through() {
        let mut fixture = Fixture::new();
        fixture.add(Place::DefaultKeyringFile);
        fixture
            .plugin_auth
            .push("api_key = \"two words\"".to_owned());
        let error = find(&fixture.env()).unwrap_err();
        let Error::InvalidValue {
            origin, problem, ..
        } = &error
        else {
            panic!("expected an invalid value, got {error:?}");
        };
        assert_eq!(*problem, ValueProblem::Whitespace);
        assert!(matches!(origin, Origin::ConfigFile { .. }), "{origin:?}");
        assert!(!error.to_string().contains("two words"), "{error}");
    }

    #[test]
    fn keyring_with_tokens_of_several_orgs() {
        let fixture = Fixture::new();
        let record = r#"{"api_key": "api-key-1", "repo_tokens": [
            {"token": "token-a", "org_name": "org-a"}, {"token": "token-b", "org_name": "org-b"}]}"#;
        let keyring = keyring_json(serde_json::json!({ "anaconda.com": encode_record(record) }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        let credentials = find(&fixture.env()).unwrap();
        assert_eq!(credentials.api_key.unwrap().secret.expose(), "api-key-1");
        let tokens: Vec<(&str, Option<&str>)> = credentials
            .repo_tokens
            .iter()
            .map(|token| (token.credential.secret.expose(), token.org_name.as_deref()))
            .collect();
        assert_eq!(
            tokens,
            [("token-a", Some("org-a")), ("token-b", Some("org-b"))]
        );
        assert!(!credentials.use_unified_repo_api_key);
        let origin = credentials.repo_tokens[1].credential.origin.to_string();
        assert!(
            origin.ends_with("(entry anaconda.com, repo token of org org-b)"),
            "{origin}"
        );
    }

    fn fixture_with_key_and_token() -> Fixture {
        let fixture = Fixture::new();
        let record =
            r#"{"api_key": "api-key-1", "repo_tokens": [{"token": "t", "org_name": "o"}]}"#;
        let keyring = keyring_json(serde_json::json!({ "anaconda.com": encode_record(record) }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        fixture
    }

    #[test]
    fn unified_flag_from_env_and_config() {
        let fixture = fixture_with_key_and_token();
        let env = fixture.env().with_var(UNIFIED_API_KEY_VAR, "True");
        assert!(find(&env).unwrap().use_unified_repo_api_key);

        let mut fixture = fixture_with_key_and_token();
        fixture
            .plugin_auth
            .push("use_unified_repo_api_key = true".to_owned());
        assert!(find(&fixture.env()).unwrap().use_unified_repo_api_key);
        let env = fixture.env().with_var(UNIFIED_API_KEY_VAR, "0");
        assert!(!find(&env).unwrap().use_unified_repo_api_key);
    }

    #[test]
    fn invalid_unified_flag_is_error() {
        let fixture = fixture_with_key_and_token();
        let env = fixture.env().with_var(UNIFIED_API_KEY_VAR, "maybe");
        let message = find(&env).unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid use_unified_repo_api_key in environment variable \
             ANACONDA_AUTH_USE_UNIFIED_REPO_API_KEY: it is not a boolean. Set it to true or false"
        );
    }

    #[test]
    fn legacy_keyring_domain_is_read() {
        let fixture = Fixture::new();
        let keyring =
            keyring_json(serde_json::json!({ "anaconda.cloud": entry_with_key("old-key") }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        let (key, origin) = api_key(&fixture.env());
        assert_eq!(key, "old-key");
        assert!(
            origin.ends_with("(entry anaconda.cloud, API key)"),
            "{origin}"
        );
    }

    #[test]
    fn keyring_without_entry_is_not_found() {
        let fixture = Fixture::new();
        let keyring = keyring_json(serde_json::json!({ "other.example": entry_with_key("k") }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        let message = find(&fixture.env()).unwrap_err().to_string();
        let path = fixture.default_keyring();
        let place = format!("keyring file {} (no entry anaconda.com)", path.display());
        assert!(message.contains(&place), "{message}");
    }

    #[test]
    fn given_keyring_hides_keyring_file() {
        let mut fixture = Fixture::new();
        fixture.add(Place::DefaultKeyringFile);
        let empty = keyring_json(serde_json::json!({}));
        let env = fixture.env().with_var(KEYRING_VAR, empty);
        let message = find(&env).unwrap_err().to_string();
        assert!(
            message.contains(
                "keyring in environment variable ANACONDA_AUTH_KEYRING (no entry anaconda.com)"
            ),
            "{message}"
        );
        fixture.vars.clear();
    }

    #[test]
    fn empty_record_is_not_found() {
        let fixture = Fixture::new();
        let record = encode_record(r#"{"domain": "anaconda.com", "version": 2}"#);
        let keyring = keyring_json(serde_json::json!({ "anaconda.com": record }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        let message = find(&fixture.env()).unwrap_err().to_string();
        assert!(
            message.contains("(entry anaconda.com) (no API key or repo token)"),
            "{message}"
        );
    }

    #[test]
    fn invalid_repo_token_names_entry() {
        let fixture = Fixture::new();
        let record = encode_record(r#"{"repo_tokens": [{"token": "bad token", "org_name": "o"}]}"#);
        let keyring = keyring_json(serde_json::json!({ "anaconda.com": record }));
        Fixture::write_file(&fixture.default_keyring(), &keyring);
        let message = find(&fixture.env()).unwrap_err().to_string();
        assert!(
            message.starts_with("invalid repo token in keyring file "),
            "{message}"
        );
        assert!(
            message.contains("(entry anaconda.com, repo token of org o): it contains whitespace"),
            "{message}"
        );
    }

    #[test]
    fn broken_keyring_file_is_error() {
        let fixture = Fixture::new();
        Fixture::write_file(&fixture.default_keyring(), "{broken");
        let error = find(&fixture.env()).unwrap_err();
        assert!(matches!(error, Error::Keyring(_)), "{error:?}");
    }

    #[test]
    fn selected_site_gives_its_key() {
        let fixture = Fixture::new();
        let config = "[plugin.auth]\napi_key = \"plugin-key\"\n\
                      [sites.one]\napi_key = \"one-key\"\n\
                      [sites.two]\ndomain = \"two.example\"\napi_key = \"two-key\"\n\
                      [sites.three]\ndomain = \"three.example\"\n";
        Fixture::write_file(&fixture.config_path(), config);
        assert_eq!(api_key(&fixture.env()).0, "one-key");
        let env = fixture.env().with_var(SITE_VAR, "two");
        assert_eq!(api_key(&env).0, "two-key");
        let env = fixture
            .env()
            .with_var("ANACONDA_AUTH_DOMAIN", "three.example");
        assert_eq!(api_key(&env).0, "plugin-key");
        let env = fixture
            .env()
            .with_var("ANACONDA_AUTH_DOMAIN", "unknown.example");
        assert_eq!(api_key(&env).0, "plugin-key");
    }

    #[test]
    fn config_path_from_variable() {
        let fixture = Fixture::new();
        let path = fixture.work.path().join("anaconda.toml");
        fs::write(&path, "[plugin.auth]\napi_key = \"elsewhere-key\"\n").unwrap();
        let env = fixture.env().with_var("ANACONDA_CONFIG_TOML", &path);
        assert_eq!(api_key(&env).0, "elsewhere-key");
    }

    #[test]
    fn keyring_path_from_secret_file() {
        let fixture = Fixture::new();
        let keyring =
            keyring_json(serde_json::json!({ "anaconda.com": entry_with_key("path-key") }));
        let path = fixture.work.path().join("kr.json");
        fs::write(&path, keyring).unwrap();
        fixture.secret(
            "ANACONDA_AUTH_KEYRING_PATH",
            &format!("{}\n", path.display()),
        );
        assert_eq!(api_key(&fixture.env()).0, "path-key");
    }
}
