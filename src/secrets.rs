//! The secrets directory, where Docker build secrets and Kubernetes secrets are mounted.
//!
//! The directory is `ANACONDA_SECRETS_DIR`, or `/run/secrets` when that is unset or empty.
//! It is searched only when it is a directory. The file of a setting has the setting's
//! name, such as `ANACONDA_AUTH_API_KEY`, matched without regard to case as
//! pydantic-settings does by default. pydantic-settings takes the first match in directory order, but the helper
//! takes the exact name, else the first match in sorted order, so that the choice does not
//! depend on the file system. Symbolic links are followed, because Kubernetes mounts each
//! secret as a link into a hidden directory.
//!
//! A secret file contains the value alone, or dotenv text that assigns it under the same
//! name, as when a `.env` file is passed as the secret.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tracing::debug;

use crate::dotenv;
use crate::env::Environment;
use crate::error::Error;
use crate::file::{self, CredentialFile, FileKind, FileState};
use crate::secret::Secret;
use crate::source::{self, Found, Origin, Searched, Setting};
use crate::value;
use crate::vars::{DEFAULT_SECRETS_DIR, MAX_KEY_BYTES, SECRETS_DIR_VAR};

/// Reads the file of `setting` in the secrets directory, if both exist.
///
/// When either is missing, records why in `searched` and returns `None`.
pub fn find(
    env: &dyn Environment,
    setting: Setting<'_>,
    searched: &mut Vec<Searched>,
) -> Result<Option<Found>, Error> {
    let Some(dir) = secrets_dir(env, searched)? else {
        return Ok(None);
    };
    let Some(path) = locate_file(&dir, setting.name)? else {
        searched.push(Searched::MissingSecretFile(dir.join(setting.name)));
        return Ok(None);
    };

    debug!("reading secret file {}", path.display());
    let value = read_secret_file(&path, setting)?;
    Ok(Some(Found {
        value,
        origin: Origin::SecretFile(path),
    }))
}

/// Returns the secrets directory when it is a directory.
///
/// Otherwise records why in `searched` and returns `None`, as anaconda-cli-base skips such
/// a path too.
fn secrets_dir(
    env: &dyn Environment,
    searched: &mut Vec<Searched>,
) -> Result<Option<PathBuf>, Error> {
    // NOTE: anaconda-cli-base also expands `~` and `$VAR` in this path, but the helper
    // takes it literally.
    let mut dir = env
        .non_empty_var(SECRETS_DIR_VAR)
        .map_or_else(|| PathBuf::from(DEFAULT_SECRETS_DIR), PathBuf::from);
    if dir.is_relative() {
        if let Ok(current) = env.current_dir() {
            dir = current.join(dir);
        }
    }

    match file::inspect(&dir) {
        Ok(FileState::NotRegular(FileKind::Directory)) => Ok(Some(dir)),
        Ok(FileState::Missing | FileState::DanglingSymlink) => {
            searched.push(Searched::MissingSecretsDir(dir));
            Ok(None)
        }
        Ok(FileState::Regular | FileState::NotRegular(_)) => {
            searched.push(Searched::SecretsDirNotDirectory(dir));
            Ok(None)
        }
        Err(source) => Err(Error::SecretsDirUnreadable { path: dir, source }),
    }
}

/// Returns the path of the file `name` in `dir`: the exact name if present, else the first
/// name in sorted order that matches without regard to ASCII case.
fn locate_file(dir: &Path, name: &str) -> Result<Option<PathBuf>, Error> {
    let unreadable = |source: io::Error| Error::SecretsDirUnreadable {
        path: dir.to_owned(),
        source,
    };

    // A lookup that fails for another reason than absence, such as a directory without
    // search permission, is reported against the directory.
    let exact = dir.join(name);
    match fs::symlink_metadata(&exact) {
        Ok(_) => return Ok(Some(exact)),
        Err(error) if file::is_missing(&error) => {}
        Err(source) => return Err(unreadable(source)),
    }

    let mut names: Vec<OsString> = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let found = entry.map_err(unreadable)?.file_name();
        if found.eq_ignore_ascii_case(name) {
            names.push(found);
        }
    }
    names.sort();

    if names.len() > 1 {
        debug!(
            "{} files in {} match {name} regardless of case; using the first in sorted order",
            names.len(),
            dir.display()
        );
    }
    Ok(names.into_iter().next().map(|found| dir.join(found)))
}

/// Reads a secret file, which must be a regular file or a link to one, and returns the
/// value it contains.
fn read_secret_file(path: &Path, setting: Setting<'_>) -> Result<Secret, Error> {
    let file = CredentialFile::Secret(path.to_owned());
    match file::inspect(path) {
        Ok(FileState::Regular) => {}
        Ok(FileState::DanglingSymlink) => return Err(Error::DanglingSymlink { file }),
        Ok(FileState::NotRegular(kind)) => return Err(Error::NotRegularFile { file, kind }),
        Ok(FileState::Missing) => {
            let source = io::Error::from(io::ErrorKind::NotFound);
            return Err(Error::UnreadableFile { file, source });
        }
        Err(source) => return Err(Error::UnreadableFile { file, source }),
    }

    match file::read_limited(path, MAX_KEY_BYTES) {
        Ok(bytes) => parse_secret_file(&bytes, path, setting),
        Err(source) => Err(Error::UnreadableFile { file, source }),
    }
}

/// Decodes the content of a secret file: the value alone, or dotenv text that assigns it.
pub fn parse_secret_file(bytes: &[u8], path: &Path, setting: Setting<'_>) -> Result<Secret, Error> {
    let invalid = |problem| source::invalid(setting, Origin::SecretFile(path.to_owned()), problem);
    let text = value::decode(bytes).map_err(invalid)?;

    match dotenv::leading_assignment(text) {
        Some((name, rest)) if is_assignment(name, rest, setting.name) => {}
        _ => return Ok(Secret::new(text)),
    }

    match dotenv::find(text, setting.name) {
        Ok(Some(assignment)) => Ok(assignment.value),
        Ok(None) => Err(Error::WrongVariable {
            path: path.to_owned(),
            found: leading_name(text),
            expected: setting.name.to_owned(),
            noun: setting.noun.to_owned(),
        }),
        Err(error) => Err(Error::DotenvSyntax {
            file: CredentialFile::Secret(path.to_owned()),
            name: setting.name.to_owned(),
            line: error.line,
            problem: error.problem,
        }),
    }
}

/// Returns whether `NAME=rest` at the start of a secret file is a dotenv assignment rather
/// than a bare value that contains `=`.
///
/// The wanted name always makes an assignment. Otherwise the name must be written like
/// an environment variable, without lower case letters, because base64 keys are mixed
/// case. It must also contain `_` or be followed by more than `=` padding, so that a bare
/// upper case key such as `ABCD==` stays a key.
fn is_assignment(name: &str, rest: &str, wanted: &str) -> bool {
    if name.eq_ignore_ascii_case(wanted) {
        return true;
    }
    if name.chars().any(|character| character.is_ascii_lowercase()) {
        return false;
    }
    name.contains('_') || !rest.trim().chars().all(|character| character == '=')
}

fn leading_name(text: &str) -> String {
    dotenv::leading_assignment(text)
        .map(|(name, _)| name.to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use crate::value::ValueProblem;

    const KEY: &str = "file-key-0123456789";

    const API_KEY: Setting<'static> = Setting {
        name: "ANACONDA_AUTH_API_KEY",
        noun: "API key",
    };
    const API_KEY_VAR: &str = API_KEY.name;

    fn env_for(dir: &Path) -> MapEnv {
        MapEnv::new().with_var(SECRETS_DIR_VAR, dir)
    }

    fn find_in(dir: &Path) -> Result<Option<Found>, Error> {
        find(&env_for(dir), API_KEY, &mut Vec::new())
    }

    /// Returns the raw value found in `dir` and its path.
    fn key_in(dir: &Path) -> (String, PathBuf) {
        let found = find_in(dir).expect("no error").expect("a value");
        let Origin::SecretFile(path) = found.origin else {
            panic!("expected a secret file origin");
        };
        (found.value.expose().trim().to_owned(), path)
    }

    /// Reads a secret file with `content` and checks it as an API key.
    fn key_from_content(content: &[u8]) -> Result<String, ValueProblem> {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(API_KEY_VAR), content).unwrap();
        let found = match find_in(dir.path()) {
            Ok(found) => found.expect("a value"),
            Err(Error::InvalidValue { problem, .. }) => return Err(problem),
            Err(other) => panic!("expected a value or an invalid value, got {other:?}"),
        };
        value::parse_text(found.value.expose()).map(|key| key.expose().to_owned())
    }

    fn error_from_content(content: &[u8]) -> Error {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(API_KEY_VAR), content).unwrap();
        find_in(dir.path()).expect_err("an error")
    }

    fn problem_of(content: &[u8]) -> ValueProblem {
        key_from_content(content).expect_err("an invalid value")
    }

    #[test]
    fn exact_name_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(API_KEY_VAR);
        fs::write(&path, format!("{KEY}\n")).unwrap();
        assert_eq!(key_in(dir.path()), (KEY.to_owned(), path));
    }

    #[test]
    fn name_matched_ignoring_case() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("anaconda_auth_api_key");
        fs::write(&path, KEY).unwrap();
        assert_eq!(key_in(dir.path()), (KEY.to_owned(), path));
    }

    #[test]
    fn exact_name_beats_case_variants() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("Anaconda_Auth_Api_Key"), "other-key-1").unwrap();
        fs::write(dir.path().join(API_KEY_VAR), KEY).unwrap();
        assert_eq!(key_in(dir.path()).0, KEY);
    }

    #[test]
    fn first_sorted_case_variant_wins() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("anaconda_auth_api_key"), "lower-key-1").unwrap();
        fs::write(dir.path().join("Anaconda_Auth_Api_Key"), "mixed-key-1").unwrap();
        assert_eq!(key_in(dir.path()).0, "mixed-key-1");
    }

    #[test]
    fn missing_dir_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let mut searched = Vec::new();
        assert!(
            find(&env_for(&missing), API_KEY, &mut searched)
                .unwrap()
                .is_none()
        );
        assert_eq!(searched, vec![Searched::MissingSecretsDir(missing)]);
    }

    #[test]
    fn missing_file_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("OTHER_SECRET"), "x").unwrap();
        let mut searched = Vec::new();
        let found = find(&env_for(dir.path()), API_KEY, &mut searched).unwrap();
        assert!(found.is_none());
        let expected = Searched::MissingSecretFile(dir.path().join(API_KEY_VAR));
        assert_eq!(searched, vec![expected]);
    }

    #[test]
    fn file_instead_of_dir_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let not_dir = dir.path().join("secrets");
        fs::write(&not_dir, KEY).unwrap();
        let mut searched = Vec::new();
        assert!(
            find(&env_for(&not_dir), API_KEY, &mut searched)
                .unwrap()
                .is_none()
        );
        assert_eq!(searched, vec![Searched::SecretsDirNotDirectory(not_dir)]);
    }

    #[test]
    fn relative_dir_resolves_against_working_dir() {
        let work = tempfile::tempdir().unwrap();
        fs::create_dir(work.path().join("secrets")).unwrap();
        fs::write(work.path().join("secrets").join(API_KEY_VAR), KEY).unwrap();
        let env = MapEnv::new()
            .with_var(SECRETS_DIR_VAR, "secrets")
            .with_current_dir(work.path());
        let found = find(&env, API_KEY, &mut Vec::new()).unwrap().unwrap();
        assert_eq!(found.value.expose(), KEY);
    }

    #[test]
    fn directory_in_place_of_file_is_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join(API_KEY_VAR)).unwrap();
        let error = find_in(dir.path()).unwrap_err();
        let Error::NotRegularFile { kind, .. } = error else {
            panic!("expected a not-regular-file error, got {error:?}");
        };
        assert_eq!(kind, FileKind::Directory);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_to_file_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("..data")).unwrap();
        fs::write(dir.path().join("..data").join(API_KEY_VAR), KEY).unwrap();
        let link = dir.path().join(API_KEY_VAR);
        std::os::unix::fs::symlink(format!("..data/{API_KEY_VAR}"), &link).unwrap();
        assert_eq!(key_in(dir.path()), (KEY.to_owned(), link));
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(API_KEY_VAR);
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        let error = find_in(dir.path()).unwrap_err();
        assert!(matches!(error, Error::DanglingSymlink { .. }), "{error:?}");
    }

    #[test]
    fn bare_key_is_trimmed() {
        assert_eq!(
            key_from_content(b"\xef\xbb\xbf key-1234 \r\n").unwrap(),
            "key-1234"
        );
    }

    #[test]
    fn dotenv_content_is_accepted() {
        let key = key_from_content(b"ANACONDA_AUTH_API_KEY=key-1234\n").unwrap();
        assert_eq!(key, "key-1234");
        let key = key_from_content(b"export ANACONDA_AUTH_API_KEY=\"key-1234\"\n").unwrap();
        assert_eq!(key, "key-1234");
        let key = key_from_content(b"# note\nOTHER=1\nANACONDA_AUTH_API_KEY='key-1234'\n");
        assert_eq!(key.unwrap(), "key-1234");
    }

    #[test]
    fn base64_padding_stays_in_key() {
        assert_eq!(key_from_content(b"dGVzdGtleQ==\n").unwrap(), "dGVzdGtleQ==");
        assert_eq!(key_from_content(b"ABCDEFGH==").unwrap(), "ABCDEFGH==");
        assert_eq!(key_from_content(b"abc=def").unwrap(), "abc=def");
    }

    #[test]
    fn other_variable_is_error() {
        let error = error_from_content(b"OTHER_NAME=secret-value\n");
        let Error::WrongVariable { found, .. } = &error else {
            panic!("expected a wrong variable error, got {error:?}");
        };
        assert_eq!(found, "OTHER_NAME");
        let message = error.to_string();
        assert!(message.contains("contains OTHER_NAME=..."), "{message}");
        assert!(!message.contains("secret-value"), "{message}");
    }

    #[test]
    fn legacy_name_in_file_is_error() {
        let error = error_from_content(b"ANACONDA_CLOUD_API_KEY=key-1234");
        assert!(matches!(error, Error::WrongVariable { .. }), "{error:?}");
    }

    #[test]
    fn empty_assignment_is_invalid() {
        assert_eq!(problem_of(b"ANACONDA_AUTH_API_KEY=\n"), ValueProblem::Empty);
    }

    #[test]
    fn empty_file_is_invalid() {
        assert_eq!(problem_of(b""), ValueProblem::Empty);
        assert_eq!(problem_of(b"\n\n"), ValueProblem::Empty);
    }

    #[test]
    fn malformed_content_is_invalid() {
        assert_eq!(problem_of(b"key 1234"), ValueProblem::Whitespace);
        assert_eq!(problem_of(b"key\r\n1234\r\n"), ValueProblem::LineBreak);
        let nul = ValueProblem::ControlCharacter { code_point: 0 };
        assert_eq!(problem_of(b"key\x001234"), nul);
        assert_eq!(problem_of(b"\"key-1234\"\n"), ValueProblem::Quoted);
        assert_eq!(problem_of(b"key\xff"), ValueProblem::NotUtf8);
    }

    #[test]
    fn oversized_file_is_invalid() {
        let mut content = vec![b'k'; MAX_KEY_BYTES];
        assert_eq!(key_from_content(&content).unwrap().len(), MAX_KEY_BYTES);
        content.push(b'k');
        assert_eq!(problem_of(&content), ValueProblem::TooLarge);
    }

    #[test]
    fn dotenv_syntax_error_in_file() {
        let error = error_from_content(b"ANACONDA_AUTH_API_KEY='open\n");
        let Error::DotenvSyntax { line, problem, .. } = error else {
            panic!("expected a syntax error, got {error:?}");
        };
        assert_eq!(line, 1);
        assert_eq!(problem, dotenv::SyntaxProblem::UnterminatedQuote);
    }

    #[test]
    fn any_setting_name_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("artifactory_password");
        fs::write(&path, "ARTIFACTORY_PASSWORD=p@ss word\n").unwrap();
        let setting = Setting {
            name: "ARTIFACTORY_PASSWORD",
            noun: "password",
        };
        let found = find(&env_for(dir.path()), setting, &mut Vec::new());
        let found = found.unwrap().expect("a value");
        assert_eq!(found.value.expose(), "p@ss word");
        assert_eq!(found.origin, Origin::SecretFile(path));
    }

    #[test]
    fn assignment_shapes() {
        let wanted = API_KEY_VAR;
        assert!(is_assignment("ANACONDA_AUTH_API_KEY", "", wanted));
        assert!(is_assignment("anaconda_auth_api_key", "x", wanted));
        assert!(is_assignment("OTHER_NAME", "", wanted));
        assert!(is_assignment("TOKEN", "abc", wanted));
        assert!(!is_assignment("ABCD", "=", wanted));
        assert!(!is_assignment("dGVzdA", "=", wanted));
        assert!(!is_assignment("abc", "def", wanted));
        assert!(is_assignment("abc", "def", "ABC"));
    }
}
