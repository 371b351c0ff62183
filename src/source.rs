//! Lookup of a named value in the sources that pydantic-settings reads, in its order.
//!
//! anaconda-auth reads each setting `NAME` from, first found wins:
//! 1. the environment variable `NAME`, where a variable set to the empty string counts as
//!    unset;
//! 2. the file `NAME` in the secrets directory (see [`crate::secrets`]);
//! 3. `NAME=` in `.env` in the working directory.
//!
//! The helper reads the channel secrets of its own config file through the same sources.
//! A value that is invalid is an error, and the search does not fall through to the next
//! source.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use crate::dotenv;
use crate::env::Environment;
use crate::error::Error;
use crate::file::{self, CredentialFile, FileState};
use crate::keyring::KeyringEntry;
use crate::secret::Secret;
use crate::secrets;
use crate::value::{self, ValueProblem};
use crate::vars::{DOTENV_FILE, MAX_DOTENV_BYTES};

/// A value looked up by name, and the noun that messages use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting<'a> {
    /// Name of the environment variable, of the secret file and of the `.env` key.
    pub name: &'a str,
    /// Noun for the value in messages, such as "API key" or "password".
    pub noun: &'a str,
}

/// The place a value was read.
///
/// Its `Display` is the description shown by `get --with-source` and in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An environment variable.
    EnvVar(String),
    /// A file in the secrets directory.
    SecretFile(PathBuf),
    /// An assignment in the `.env` file.
    Dotenv {
        /// The `.env` file.
        path: PathBuf,
        /// Line number of the assignment, counted from 1.
        line: usize,
    },
    /// A key in a TOML config file.
    ConfigFile {
        /// The config file.
        path: PathBuf,
        /// Line number of the key, counted from 1.
        line: usize,
        /// The table and key, such as `[plugin.auth] api_key`.
        key: String,
    },
    /// An entry of an anaconda-auth keyring.
    Keyring(Box<KeyringEntry>),
}

impl fmt::Display for Origin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::EnvVar(name) => write!(formatter, "environment variable {name}"),
            Origin::SecretFile(path) => write!(formatter, "secret file {}", path.display()),
            Origin::Dotenv { path, line } => {
                write!(formatter, ".env file {} (line {line})", path.display())
            }
            Origin::ConfigFile { path, line, key } => {
                write!(formatter, "{key} in {} (line {line})", path.display())
            }
            Origin::Keyring(entry) => write!(formatter, "{entry}"),
        }
    }
}

/// A value found by name, before it is checked, with the place it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The value as read: UTF-8 without a byte order mark, not yet trimmed.
    pub value: Secret,
    /// The place it was read.
    pub origin: Origin,
}

/// A place searched without finding a value, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Searched {
    /// An environment variable that is unset.
    UnsetVar(String),
    /// An environment variable set to the empty string.
    EmptyVar(String),
    /// A secrets directory that does not exist.
    MissingSecretsDir(PathBuf),
    /// A secrets directory path that exists but is not a directory.
    SecretsDirNotDirectory(PathBuf),
    /// A secrets directory without a file of the wanted name.
    MissingSecretFile(PathBuf),
    /// A working directory that could not be determined, so `.env` was not read.
    NoWorkingDir,
    /// A `.env` file that does not exist.
    MissingDotenv(PathBuf),
    /// A `.env` file without an assignment to the wanted name.
    DotenvWithoutName {
        /// The `.env` file.
        path: PathBuf,
        /// The wanted name.
        name: String,
    },
    /// A file that does not exist, such as the anaconda-auth config file or keyring.
    MissingFile {
        /// Kind of file, such as "anaconda config file".
        role: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// A file under the home directory that was not read, because `HOME` is unset.
    NoHome {
        /// Kind of file.
        role: &'static str,
    },
    /// A place that was not read, with the reason.
    Skipped {
        /// Description of the place.
        place: String,
        /// The reason it was not read.
        reason: String,
    },
    /// A place that exists but has no value of the wanted kind, such as a config file
    /// without `api_key` or a keyring without an entry for the domain.
    Without {
        /// Description of the place.
        place: String,
        /// The value missing there.
        missing: String,
    },
}

impl fmt::Display for Searched {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Searched::UnsetVar(name) => write!(formatter, "environment variable {name} (unset)"),
            Searched::EmptyVar(name) => write!(formatter, "environment variable {name} (empty)"),
            Searched::MissingSecretsDir(path) => {
                write!(formatter, "secrets directory {} (missing)", path.display())
            }
            Searched::SecretsDirNotDirectory(path) => {
                let path = path.display();
                write!(formatter, "secrets directory {path} (not a directory)")
            }
            Searched::MissingSecretFile(path) => {
                write!(formatter, "secret file {} (missing)", path.display())
            }
            Searched::NoWorkingDir => {
                write!(formatter, "{DOTENV_FILE} (working directory unavailable)")
            }
            Searched::MissingDotenv(path) => {
                write!(formatter, ".env file {} (missing)", path.display())
            }
            Searched::DotenvWithoutName { path, name } => {
                write!(formatter, ".env file {} (no {name})", path.display())
            }
            Searched::MissingFile { role, path } => {
                write!(formatter, "{role} {} (missing)", path.display())
            }
            Searched::NoHome { role } => write!(formatter, "{role} (HOME unset)"),
            Searched::Skipped { place, reason } => {
                write!(formatter, "{place} (not read: {reason})")
            }
            Searched::Without { place, missing } => write!(formatter, "{place} (no {missing})"),
        }
    }
}

impl Searched {
    /// Describes why the place gave no value, without the kind of place, for lines that
    /// already name it, such as `missing: /run/secrets`.
    pub fn reason(&self) -> String {
        match self {
            Searched::UnsetVar(_) => "unset".to_owned(),
            Searched::EmptyVar(_) => "set but empty".to_owned(),
            Searched::MissingSecretsDir(path)
            | Searched::MissingSecretFile(path)
            | Searched::MissingDotenv(path)
            | Searched::MissingFile { path, .. } => format!("missing: {}", path.display()),
            Searched::SecretsDirNotDirectory(path) => {
                format!("not a directory: {}", path.display())
            }
            Searched::NoWorkingDir => "not read: the working directory is unavailable".to_owned(),
            Searched::DotenvWithoutName { path, name } => {
                format!("no {name} in {}", path.display())
            }
            Searched::NoHome { .. } => "not read: HOME is unset".to_owned(),
            Searched::Skipped { place, reason } => format!("{place} not read: {reason}"),
            Searched::Without { place, missing } => format!("{place}: no {missing}"),
        }
    }
}

/// Every place searched, in order; its `Display` is one comma-separated line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchedPlaces(pub Vec<Searched>);

impl fmt::Display for SearchedPlaces {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, place) in self.0.iter().enumerate() {
            if index > 0 {
                formatter.write_str(", ")?;
            }
            write!(formatter, "{place}")?;
        }
        Ok(())
    }
}

/// Looks `setting` up in the environment, then the secrets directory, then `.env`.
///
/// Returns `None` when no source has it, after recording why in `searched`, and an error
/// naming the source when the first source that has it cannot be read or decoded.
pub fn lookup(
    env: &dyn Environment,
    setting: Setting<'_>,
    searched: &mut Vec<Searched>,
) -> Result<Option<Found>, Error> {
    if let Some(found) = from_env(env, setting, setting.name, searched)? {
        return Ok(Some(found));
    }
    from_files(env, setting, searched)
}

/// Looks `setting` up in the secrets directory, then `.env`.
pub fn from_files(
    env: &dyn Environment,
    setting: Setting<'_>,
    searched: &mut Vec<Searched>,
) -> Result<Option<Found>, Error> {
    if let Some(found) = secrets::find(env, setting, searched)? {
        return Ok(Some(found));
    }
    from_dotenv(env, setting, searched)
}

/// Reads the environment variable `variable`, which contains `setting` under its name or
/// a deprecated one.
pub fn from_env(
    env: &dyn Environment,
    setting: Setting<'_>,
    variable: &str,
    searched: &mut Vec<Searched>,
) -> Result<Option<Found>, Error> {
    let raw: OsString = match env.var(variable) {
        Some(raw) if !raw.is_empty() => raw,
        Some(_) => {
            searched.push(Searched::EmptyVar(variable.to_owned()));
            return Ok(None);
        }
        None => {
            searched.push(Searched::UnsetVar(variable.to_owned()));
            return Ok(None);
        }
    };
    let origin = Origin::EnvVar(variable.to_owned());
    match value::decode(raw.as_encoded_bytes()) {
        Ok(text) => Ok(Some(Found {
            value: Secret::new(text),
            origin,
        })),
        Err(problem) => Err(invalid(setting, origin, problem)),
    }
}

/// Returns the error for a value of `setting` that fails a check.
pub fn invalid(setting: Setting<'_>, origin: Origin, problem: ValueProblem) -> Error {
    Error::InvalidValue {
        noun: setting.noun.to_owned(),
        origin,
        problem,
    }
}

/// Reads `NAME=` from `.env` in the working directory, if both exist, with `${VAR}`
/// references expanded as python-dotenv expands them for anaconda-auth.
pub fn from_dotenv(
    env: &dyn Environment,
    setting: Setting<'_>,
    searched: &mut Vec<Searched>,
) -> Result<Option<Found>, Error> {
    let Ok(dir) = env.current_dir() else {
        searched.push(Searched::NoWorkingDir);
        return Ok(None);
    };
    let path = dir.join(DOTENV_FILE);
    let file = CredentialFile::Dotenv(path.clone());

    match file::inspect(&path) {
        Ok(FileState::Regular) => {}
        Ok(FileState::Missing) => {
            searched.push(Searched::MissingDotenv(path));
            return Ok(None);
        }
        Ok(FileState::DanglingSymlink) => return Err(Error::DanglingSymlink { file }),
        Ok(FileState::NotRegular(kind)) => return Err(Error::NotRegularFile { file, kind }),
        Err(source) => return Err(Error::UnreadableFile { file, source }),
    }

    let bytes = match file::read_limited(&path, MAX_DOTENV_BYTES) {
        Ok(bytes) if bytes.len() > MAX_DOTENV_BYTES => {
            return Err(Error::DotenvTooLarge { path });
        }
        Ok(bytes) => bytes,
        Err(source) => return Err(Error::UnreadableFile { file, source }),
    };

    // Other lines may be in another encoding, so decode leniently and reject the value
    // only if it contains a replaced byte.
    let text = String::from_utf8_lossy(&bytes);
    let assignment = match dotenv::find_expanded(&text, setting.name, env) {
        Ok(Some(assignment)) => assignment,
        Ok(None) => {
            let name = setting.name.to_owned();
            searched.push(Searched::DotenvWithoutName { path, name });
            return Ok(None);
        }
        Err(error) => {
            return Err(Error::DotenvSyntax {
                file,
                name: setting.name.to_owned(),
                line: error.line,
                problem: error.problem,
            });
        }
    };

    let origin = Origin::Dotenv {
        path,
        line: assignment.line,
    };
    let raw = assignment.value.expose();
    if raw.contains(char::REPLACEMENT_CHARACTER) && std::str::from_utf8(&bytes).is_err() {
        return Err(invalid(setting, origin, ValueProblem::NotUtf8));
    }
    Ok(Some(Found {
        value: assignment.value,
        origin,
    }))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::env::MapEnv;
    use crate::vars::SECRETS_DIR_VAR;

    const NAME: &str = "BUILD_TOKEN";
    const TOKEN: Setting<'static> = Setting {
        name: NAME,
        noun: "token",
    };

    /// A working directory and a secrets directory, both empty at first.
    struct Dirs {
        work: tempfile::TempDir,
        secrets: tempfile::TempDir,
    }

    impl Dirs {
        fn new() -> Self {
            Dirs {
                work: tempfile::tempdir().unwrap(),
                secrets: tempfile::tempdir().unwrap(),
            }
        }

        fn env(&self) -> MapEnv {
            MapEnv::new()
                .with_current_dir(self.work.path())
                .with_var(SECRETS_DIR_VAR, self.secrets.path())
        }

        fn secret_path(&self) -> PathBuf {
            self.secrets.path().join(NAME)
        }

        fn dotenv_path(&self) -> PathBuf {
            self.work.path().join(DOTENV_FILE)
        }
    }

    fn found(env: &MapEnv) -> (String, Origin) {
        let found = lookup(env, TOKEN, &mut Vec::new())
            .unwrap()
            .expect("a value");
        (found.value.expose().to_owned(), found.origin)
    }

    #[test]
    fn value_from_env_alone() {
        let dirs = Dirs::new();
        let env = dirs.env().with_var(NAME, " env-value\n");
        let origin = Origin::EnvVar(NAME.to_owned());
        assert_eq!(found(&env), (" env-value\n".to_owned(), origin));
    }

    #[test]
    fn value_from_secret_file_alone() {
        let dirs = Dirs::new();
        fs::write(dirs.secret_path(), "file-value\n").unwrap();
        let origin = Origin::SecretFile(dirs.secret_path());
        assert_eq!(found(&dirs.env()), ("file-value\n".to_owned(), origin));
    }

    #[test]
    fn value_from_dotenv_alone() {
        let dirs = Dirs::new();
        fs::write(dirs.dotenv_path(), "# build\nBUILD_TOKEN='dotenv value'\n").unwrap();
        let origin = Origin::Dotenv {
            path: dirs.dotenv_path(),
            line: 2,
        };
        assert_eq!(found(&dirs.env()), ("dotenv value".to_owned(), origin));
    }

    #[test]
    fn each_source_beats_the_next() {
        let dirs = Dirs::new();
        fs::write(dirs.secret_path(), "file-value").unwrap();
        fs::write(dirs.dotenv_path(), "BUILD_TOKEN=dotenv-value\n").unwrap();
        assert_eq!(found(&dirs.env()).0, "file-value");
        let env = dirs.env().with_var(NAME, "env-value");
        assert_eq!(found(&env).0, "env-value");
    }

    #[test]
    fn empty_env_counts_as_unset() {
        let dirs = Dirs::new();
        fs::write(dirs.secret_path(), "file-value").unwrap();
        let env = dirs.env().with_var(NAME, "");
        assert_eq!(found(&env).0, "file-value");
    }

    #[test]
    fn not_found_records_every_place() {
        let dirs = Dirs::new();
        fs::write(dirs.dotenv_path(), "OTHER=1\n").unwrap();
        let mut searched = Vec::new();
        let result = lookup(&dirs.env(), TOKEN, &mut searched).unwrap();
        assert_eq!(result, None);
        let expected = format!(
            "environment variable BUILD_TOKEN (unset), secret file {} (missing), \
             .env file {} (no BUILD_TOKEN)",
            dirs.secret_path().display(),
            dirs.dotenv_path().display()
        );
        assert_eq!(SearchedPlaces(searched).to_string(), expected);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_env_is_invalid() {
        use std::os::unix::ffi::OsStringExt;

        let dirs = Dirs::new();
        let env = dirs
            .env()
            .with_var(NAME, OsString::from_vec(b"key-\xff".to_vec()));
        let error = lookup(&env, TOKEN, &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid token in environment variable BUILD_TOKEN: it is not valid UTF-8. \
             Save the token as plain UTF-8 text"
        );
    }

    #[test]
    fn dotenv_syntax_error_names_line_and_name() {
        let dirs = Dirs::new();
        fs::write(dirs.dotenv_path(), "A=1\nBUILD_TOKEN=\"unterminated\n").unwrap();
        let message = lookup(&dirs.env(), TOKEN, &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("`BUILD_TOKEN=<value>`"), "{message}");
        assert!(!message.contains("unterminated"), "{message}");
    }

    #[test]
    fn dotenv_non_utf8_elsewhere_is_tolerated() {
        let dirs = Dirs::new();
        let mut content = b"# caf\xe9\n".to_vec();
        content.extend_from_slice(b"BUILD_TOKEN=dotenv-value\n");
        fs::write(dirs.dotenv_path(), content).unwrap();
        assert_eq!(found(&dirs.env()).0, "dotenv-value");
    }

    #[test]
    fn dotenv_non_utf8_value_is_invalid() {
        let dirs = Dirs::new();
        fs::write(dirs.dotenv_path(), b"BUILD_TOKEN=key\xff\n").unwrap();
        let error = lookup(&dirs.env(), TOKEN, &mut Vec::new()).unwrap_err();
        let Error::InvalidValue { problem, .. } = error else {
            panic!("expected an invalid value, got {error:?}");
        };
        assert_eq!(problem, ValueProblem::NotUtf8);
    }

    #[test]
    fn dotenv_directory_is_error() {
        let dirs = Dirs::new();
        fs::create_dir(dirs.dotenv_path()).unwrap();
        let error = lookup(&dirs.env(), TOKEN, &mut Vec::new()).unwrap_err();
        assert!(matches!(error, Error::NotRegularFile { .. }), "{error:?}");
    }

    #[test]
    fn dotenv_oversized_is_error() {
        let dirs = Dirs::new();
        fs::write(dirs.dotenv_path(), vec![b'#'; MAX_DOTENV_BYTES + 1]).unwrap();
        let error = lookup(&dirs.env(), TOKEN, &mut Vec::new()).unwrap_err();
        assert!(matches!(error, Error::DotenvTooLarge { .. }), "{error:?}");
    }

    #[test]
    fn without_working_dir() {
        let env = MapEnv::new().with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir");
        let mut searched = Vec::new();
        assert_eq!(lookup(&env, TOKEN, &mut searched).unwrap(), None);
        let message = SearchedPlaces(searched).to_string();
        assert!(
            message.contains("secrets directory /nonexistent-secrets-dir (missing)"),
            "{message}"
        );
        assert!(
            message.contains(".env (working directory unavailable)"),
            "{message}"
        );
    }

    #[test]
    fn origin_descriptions() {
        let env = Origin::EnvVar("ANACONDA_AUTH_API_KEY".to_owned());
        assert_eq!(
            env.to_string(),
            "environment variable ANACONDA_AUTH_API_KEY"
        );
        let file = Origin::SecretFile(PathBuf::from("/run/secrets/ANACONDA_AUTH_API_KEY"));
        assert_eq!(
            file.to_string(),
            "secret file /run/secrets/ANACONDA_AUTH_API_KEY"
        );
        let dotenv = Origin::Dotenv {
            path: Path::new("/build/.env").to_owned(),
            line: 3,
        };
        assert_eq!(dotenv.to_string(), ".env file /build/.env (line 3)");
        let config = Origin::ConfigFile {
            path: PathBuf::from("/root/.anaconda/config.toml"),
            line: 2,
            key: "[plugin.auth] api_key".to_owned(),
        };
        assert_eq!(
            config.to_string(),
            "[plugin.auth] api_key in /root/.anaconda/config.toml (line 2)"
        );
    }
}
