//! Credential discovery: the sources of the API key, searched in a fixed order.
//!
//! The order is the one anaconda-auth uses, through the pydantic-settings sources that
//! anaconda-cli-base arranges:
//! 1. the environment variable `ANACONDA_AUTH_API_KEY`, then the deprecated
//!    `ANACONDA_CLOUD_API_KEY`, where a variable set to the empty string counts as unset;
//! 2. the file `ANACONDA_AUTH_API_KEY` in the secrets directory (see [`crate::secrets`]);
//! 3. `ANACONDA_AUTH_API_KEY=` in `.env` in the working directory.
//!
//! The first source that has a value wins. A value that is invalid is an error, and the
//! search does not fall through to the next source.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use tracing::debug;

use crate::dotenv;
use crate::env::Environment;
use crate::error::Error;
use crate::file::{self, CredentialFile, FileState};
use crate::secret::Secret;
use crate::secrets;
use crate::value::{self, ValueProblem};
use crate::vars::{API_KEY_VAR, DOTENV_FILE, LEGACY_API_KEY_VAR, MAX_DOTENV_BYTES};

/// The source of an API key.
///
/// Its `Display` is the description shown by `get --with-source` and in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An environment variable.
    EnvVar(&'static str),
    /// A file in the secrets directory.
    SecretFile(PathBuf),
    /// An assignment in the `.env` file.
    Dotenv {
        /// The `.env` file.
        path: PathBuf,
        /// Line number of the assignment, counted from 1.
        line: usize,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::EnvVar(name) => write!(formatter, "environment variable {name}"),
            Origin::SecretFile(path) => write!(formatter, "secret file {}", path.display()),
            Origin::Dotenv { path, line } => {
                write!(formatter, ".env file {} (line {line})", path.display())
            }
        }
    }
}

/// An API key with the place it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The API key.
    pub secret: Secret,
    /// The source it was read from.
    pub origin: Origin,
}

impl Credential {
    /// Returns a one-line warning when the key came from a deprecated source.
    pub fn deprecation_warning(&self) -> Option<String> {
        (self.origin == Origin::EnvVar(LEGACY_API_KEY_VAR))
            .then(|| format!("{LEGACY_API_KEY_VAR} is deprecated; rename it to {API_KEY_VAR}"))
    }
}

/// A place searched without finding a key, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Searched {
    /// An environment variable that is unset.
    UnsetVar(&'static str),
    /// An environment variable set to the empty string.
    EmptyVar(&'static str),
    /// A secrets directory that does not exist.
    MissingSecretsDir(PathBuf),
    /// A secrets directory path that exists but is not a directory.
    SecretsDirNotDirectory(PathBuf),
    /// A secrets directory without a file for the key.
    MissingSecretFile(PathBuf),
    /// A working directory that could not be determined, so `.env` was not read.
    NoWorkingDir,
    /// A `.env` file that does not exist.
    MissingDotenv(PathBuf),
    /// A `.env` file without an assignment to the key.
    DotenvWithoutKey(PathBuf),
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
                write!(
                    formatter,
                    "secrets directory {} (not a directory)",
                    path.display()
                )
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
            Searched::DotenvWithoutKey(path) => {
                write!(formatter, ".env file {} (no {API_KEY_VAR})", path.display())
            }
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

/// What one source contains.
#[derive(Debug)]
pub enum Probe {
    /// A valid key.
    Found(Credential),
    /// No key, with each place searched and why it had none.
    Absent(Vec<Searched>),
    /// A value that is not a usable key, or a file that cannot be read.
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
        probe: |env| probe_with(env, secrets::find),
    },
    Source {
        name: ".env file",
        probe: |env| probe_with(env, from_dotenv_file),
    },
];

/// Finds the API key in the first source that has one.
///
/// Returns [`Error::KeyNotFound`] listing every place searched when no source has a key,
/// and an error naming the source when the first value found is invalid.
pub fn find_credential(env: &dyn Environment) -> Result<Credential, Error> {
    let mut searched = Vec::new();
    for source in SOURCES {
        match (source.probe)(env) {
            Probe::Found(credential) => return Ok(credential),
            Probe::Invalid(error) => return Err(error),
            Probe::Absent(places) => searched.extend(places),
        }
    }

    debug!(
        "no API key found; searched {}",
        SearchedPlaces(searched.clone())
    );
    Err(Error::KeyNotFound {
        searched: SearchedPlaces(searched),
    })
}

/// Reads every source, in precedence order, without stopping at the first that has a key.
///
/// [`find_credential`] uses the first entry that is [`Probe::Found`] or [`Probe::Invalid`];
/// the entries after it show what that choice shadows.
pub fn inspect_sources(env: &dyn Environment) -> Vec<(&'static Source, Probe)> {
    SOURCES
        .iter()
        .map(|source| (source, (source.probe)(env)))
        .collect()
}

fn probe_env_var(env: &dyn Environment, name: &'static str) -> Probe {
    match env.var(name) {
        Some(raw) if !raw.is_empty() => match from_env_var(name, &raw) {
            Ok(credential) => Probe::Found(credential),
            Err(error) => Probe::Invalid(error),
        },
        Some(_) => Probe::Absent(vec![Searched::EmptyVar(name)]),
        None => Probe::Absent(vec![Searched::UnsetVar(name)]),
    }
}

/// A file source's reader, which records the places it searched without a key.
type FindIn = fn(&dyn Environment, &mut Vec<Searched>) -> Result<Option<Credential>, Error>;

/// Runs a file source reader and turns its result into a [`Probe`].
fn probe_with(env: &dyn Environment, find: FindIn) -> Probe {
    let mut searched = Vec::new();
    match find(env, &mut searched) {
        Ok(Some(credential)) => Probe::Found(credential),
        Ok(None) => Probe::Absent(searched),
        Err(error) => Probe::Invalid(error),
    }
}

fn from_env_var(name: &'static str, raw: &OsString) -> Result<Credential, Error> {
    let origin = Origin::EnvVar(name);
    match value::parse_bytes(raw.as_encoded_bytes()) {
        Ok(secret) => Ok(Credential { secret, origin }),
        Err(problem) => Err(Error::InvalidKey { origin, problem }),
    }
}

/// Reads `ANACONDA_AUTH_API_KEY` from `.env` in the working directory, if both exist.
fn from_dotenv_file(
    env: &dyn Environment,
    searched: &mut Vec<Searched>,
) -> Result<Option<Credential>, Error> {
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
    let assignment = match dotenv::find(&text, API_KEY_VAR) {
        Ok(Some(assignment)) => assignment,
        Ok(None) => {
            searched.push(Searched::DotenvWithoutKey(path));
            return Ok(None);
        }
        Err(error) => {
            return Err(Error::DotenvSyntax {
                file,
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
        let problem = ValueProblem::NotUtf8;
        return Err(Error::InvalidKey { origin, problem });
    }
    match value::parse_text(raw) {
        Ok(secret) => Ok(Some(Credential { secret, origin })),
        Err(problem) => Err(Error::InvalidKey { origin, problem }),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::env::MapEnv;
    use crate::vars::SECRETS_DIR_VAR;

    const ENV_KEY: &str = "env-key-0001";
    const FILE_KEY: &str = "file-key-0002";
    const DOTENV_KEY: &str = "dotenv-key-0003";

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
            self.secrets.path().join(API_KEY_VAR)
        }

        fn dotenv_path(&self) -> PathBuf {
            self.work.path().join(DOTENV_FILE)
        }

        fn write_secret(&self, content: impl AsRef<[u8]>) {
            fs::write(self.secret_path(), content).unwrap();
        }

        fn write_dotenv(&self, content: impl AsRef<[u8]>) {
            fs::write(self.dotenv_path(), content).unwrap();
        }
    }

    fn found(env: &MapEnv) -> (String, Origin) {
        let credential = find_credential(env).expect("a credential");
        (credential.secret.expose().to_owned(), credential.origin)
    }

    fn invalid(env: &MapEnv) -> (Origin, ValueProblem) {
        match find_credential(env) {
            Err(Error::InvalidKey { origin, problem }) => (origin, problem),
            other => panic!("expected an invalid key error, got {other:?}"),
        }
    }

    fn dotenv_origin(path: &Path, line: usize) -> Origin {
        Origin::Dotenv {
            path: path.to_owned(),
            line,
        }
    }

    #[test]
    fn key_from_env_alone() {
        let dirs = Dirs::new();
        let env = dirs.env().with_var(API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env), (ENV_KEY.into(), Origin::EnvVar(API_KEY_VAR)));
    }

    #[test]
    fn key_from_secret_file_alone() {
        let dirs = Dirs::new();
        dirs.write_secret(format!("{FILE_KEY}\n"));
        let origin = Origin::SecretFile(dirs.secret_path());
        assert_eq!(found(&dirs.env()), (FILE_KEY.into(), origin));
    }

    #[test]
    fn key_from_dotenv_alone() {
        let dirs = Dirs::new();
        dirs.write_dotenv(format!("# build\nANACONDA_AUTH_API_KEY={DOTENV_KEY}\n"));
        let origin = dotenv_origin(&dirs.dotenv_path(), 2);
        assert_eq!(found(&dirs.env()), (DOTENV_KEY.into(), origin));
    }

    #[test]
    fn env_beats_secret_file() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        let env = dirs.env().with_var(API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env).0, ENV_KEY);
    }

    #[test]
    fn env_beats_dotenv() {
        let dirs = Dirs::new();
        dirs.write_dotenv(format!("ANACONDA_AUTH_API_KEY={DOTENV_KEY}"));
        let env = dirs.env().with_var(API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env).0, ENV_KEY);
    }

    #[test]
    fn secret_file_beats_dotenv() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        dirs.write_dotenv(format!("ANACONDA_AUTH_API_KEY={DOTENV_KEY}"));
        assert_eq!(found(&dirs.env()).0, FILE_KEY);
    }

    #[test]
    fn env_beats_all_others() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        dirs.write_dotenv(format!("ANACONDA_AUTH_API_KEY={DOTENV_KEY}"));
        let env = dirs.env().with_var(API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env), (ENV_KEY.into(), Origin::EnvVar(API_KEY_VAR)));
    }

    #[test]
    fn empty_env_counts_as_unset() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        let env = dirs.env().with_var(API_KEY_VAR, "");
        assert_eq!(found(&env).0, FILE_KEY);
    }

    #[test]
    fn legacy_env_used_when_new_unset() {
        let dirs = Dirs::new();
        let env = dirs.env().with_var(LEGACY_API_KEY_VAR, ENV_KEY);
        let credential = find_credential(&env).unwrap();
        assert_eq!(credential.origin, Origin::EnvVar(LEGACY_API_KEY_VAR));
        let warning = credential.deprecation_warning().expect("a warning");
        assert_eq!(
            warning,
            "ANACONDA_CLOUD_API_KEY is deprecated; rename it to ANACONDA_AUTH_API_KEY"
        );
    }

    #[test]
    fn legacy_env_used_when_new_empty() {
        let dirs = Dirs::new();
        let env = dirs
            .env()
            .with_var(API_KEY_VAR, "")
            .with_var(LEGACY_API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env).1, Origin::EnvVar(LEGACY_API_KEY_VAR));
    }

    #[test]
    fn new_env_beats_legacy_env() {
        let dirs = Dirs::new();
        let env = dirs
            .env()
            .with_var(API_KEY_VAR, ENV_KEY)
            .with_var(LEGACY_API_KEY_VAR, "legacy-key-0000");
        let credential = find_credential(&env).unwrap();
        assert_eq!(credential.secret.expose(), ENV_KEY);
        assert_eq!(credential.deprecation_warning(), None);
    }

    #[test]
    fn legacy_env_beats_secret_file() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        let env = dirs.env().with_var(LEGACY_API_KEY_VAR, ENV_KEY);
        assert_eq!(found(&env).0, ENV_KEY);
    }

    #[test]
    fn legacy_name_ignored_in_dotenv() {
        let dirs = Dirs::new();
        dirs.write_dotenv(format!("ANACONDA_CLOUD_API_KEY={DOTENV_KEY}"));
        let error = find_credential(&dirs.env()).unwrap_err();
        assert!(matches!(error, Error::KeyNotFound { .. }), "{error:?}");
    }

    #[test]
    fn invalid_env_does_not_fall_through() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        let env = dirs.env().with_var(API_KEY_VAR, "two words");
        let expected = (Origin::EnvVar(API_KEY_VAR), ValueProblem::Whitespace);
        assert_eq!(invalid(&env), expected);
    }

    #[test]
    fn whitespace_only_env_is_invalid() {
        let dirs = Dirs::new();
        let env = dirs.env().with_var(API_KEY_VAR, " \n");
        assert_eq!(invalid(&env).1, ValueProblem::Empty);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_env_is_invalid() {
        use std::os::unix::ffi::OsStringExt;

        let dirs = Dirs::new();
        let value = OsString::from_vec(b"key-\xff".to_vec());
        let env = dirs.env().with_var(API_KEY_VAR, value);
        assert_eq!(invalid(&env).1, ValueProblem::NotUtf8);
    }

    #[test]
    fn env_value_is_trimmed() {
        let dirs = Dirs::new();
        let env = dirs.env().with_var(API_KEY_VAR, format!(" {ENV_KEY}\n"));
        assert_eq!(found(&env).0, ENV_KEY);
    }

    #[test]
    fn dotenv_empty_value_is_invalid() {
        let dirs = Dirs::new();
        dirs.write_dotenv("ANACONDA_AUTH_API_KEY=\n");
        let origin = dotenv_origin(&dirs.dotenv_path(), 1);
        assert_eq!(invalid(&dirs.env()), (origin, ValueProblem::Empty));
    }

    #[test]
    fn dotenv_quoted_value_is_unquoted() {
        let dirs = Dirs::new();
        dirs.write_dotenv(format!("export ANACONDA_AUTH_API_KEY='{DOTENV_KEY}'\n"));
        assert_eq!(found(&dirs.env()).0, DOTENV_KEY);
    }

    #[test]
    fn dotenv_syntax_error_names_line() {
        let dirs = Dirs::new();
        dirs.write_dotenv("A=1\nANACONDA_AUTH_API_KEY=\"unterminated\n");
        let error = find_credential(&dirs.env()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("line 2"), "{message}");
        assert!(!message.contains("unterminated"), "{message}");
    }

    #[test]
    fn dotenv_non_utf8_elsewhere_is_tolerated() {
        let dirs = Dirs::new();
        let mut content = b"# caf\xe9\n".to_vec();
        content.extend_from_slice(format!("ANACONDA_AUTH_API_KEY={DOTENV_KEY}\n").as_bytes());
        dirs.write_dotenv(content);
        assert_eq!(found(&dirs.env()).0, DOTENV_KEY);
    }

    #[test]
    fn dotenv_non_utf8_value_is_invalid() {
        let dirs = Dirs::new();
        dirs.write_dotenv(b"ANACONDA_AUTH_API_KEY=key\xff\n");
        assert_eq!(invalid(&dirs.env()).1, ValueProblem::NotUtf8);
    }

    #[test]
    fn dotenv_directory_is_error() {
        let dirs = Dirs::new();
        fs::create_dir(dirs.dotenv_path()).unwrap();
        let error = find_credential(&dirs.env()).unwrap_err();
        assert!(matches!(error, Error::NotRegularFile { .. }), "{error:?}");
    }

    #[test]
    fn dotenv_oversized_is_error() {
        let dirs = Dirs::new();
        dirs.write_dotenv(vec![b'#'; MAX_DOTENV_BYTES + 1]);
        let error = find_credential(&dirs.env()).unwrap_err();
        assert!(matches!(error, Error::DotenvTooLarge { .. }), "{error:?}");
    }

    #[test]
    fn not_found_lists_every_place() {
        let dirs = Dirs::new();
        dirs.write_dotenv("OTHER=1\n");
        let env = dirs.env().with_var(API_KEY_VAR, "");
        let message = find_credential(&env).unwrap_err().to_string();
        let secret = dirs.secret_path();
        let dotenv = dirs.dotenv_path();
        let expected = format!(
            "no API key found; searched environment variable ANACONDA_AUTH_API_KEY (empty), \
             environment variable ANACONDA_CLOUD_API_KEY (unset), \
             secret file {} (missing), .env file {} (no ANACONDA_AUTH_API_KEY). \
             Pass the key as a build secret with \
             `RUN --mount=type=secret,id=ANACONDA_AUTH_API_KEY`, or set ANACONDA_AUTH_API_KEY",
            secret.display(),
            dotenv.display()
        );
        assert_eq!(message, expected);
        assert!(!message.contains('\n'));
    }

    #[test]
    fn not_found_without_working_dir() {
        let env = MapEnv::new().with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir");
        let message = find_credential(&env).unwrap_err().to_string();
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
    fn inspect_reports_every_source() {
        let dirs = Dirs::new();
        dirs.write_secret(FILE_KEY);
        dirs.write_dotenv("ANACONDA_AUTH_API_KEY=two words\n");
        let env = dirs.env().with_var(API_KEY_VAR, ENV_KEY);

        let report = inspect_sources(&env);

        let names: Vec<&str> = report.iter().map(|(source, _)| source.name).collect();
        assert_eq!(names.len(), SOURCES.len());
        assert!(names[0].ends_with(API_KEY_VAR), "{names:?}");
        assert!(names[1].contains(LEGACY_API_KEY_VAR), "{names:?}");
        assert!(matches!(&report[0].1, Probe::Found(c) if c.secret.expose() == ENV_KEY));
        let legacy = vec![Searched::UnsetVar(LEGACY_API_KEY_VAR)];
        assert!(matches!(&report[1].1, Probe::Absent(places) if *places == legacy));
        assert!(matches!(&report[2].1, Probe::Found(c) if c.secret.expose() == FILE_KEY));
        assert!(matches!(
            &report[3].1,
            Probe::Invalid(Error::InvalidKey {
                problem: ValueProblem::Whitespace,
                ..
            })
        ));
    }

    #[test]
    fn inspect_agrees_with_find() {
        let dirs = Dirs::new();
        dirs.write_dotenv(format!("ANACONDA_AUTH_API_KEY={DOTENV_KEY}"));
        let env = dirs.env();

        let first = inspect_sources(&env)
            .into_iter()
            .find_map(|(_, probe)| match probe {
                Probe::Found(credential) => Some(credential),
                _ => None,
            });

        assert_eq!(first, Some(find_credential(&env).unwrap()));
    }

    #[test]
    fn origin_descriptions() {
        let env = Origin::EnvVar(API_KEY_VAR);
        assert_eq!(
            env.to_string(),
            "environment variable ANACONDA_AUTH_API_KEY"
        );
        let file = Origin::SecretFile(PathBuf::from("/run/secrets/ANACONDA_AUTH_API_KEY"));
        assert_eq!(
            file.to_string(),
            "secret file /run/secrets/ANACONDA_AUTH_API_KEY"
        );
        let dotenv = dotenv_origin(Path::new("/build/.env"), 3);
        assert_eq!(dotenv.to_string(), ".env file /build/.env (line 3)");
    }
}
