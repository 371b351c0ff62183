//! Reading the helper's config file and anaconda-auth's config and keyring files, and
//! the errors that name the file, the line and the fix.
//!
//! Messages never quote a value from these files, because values may be credentials.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::file::{self, FileKind, FileState};
use crate::vars::MAX_CONFIG_BYTES;

/// The kind of file, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The helper's own config file with `[[channel]]` tables.
    HelperConfig,
    /// anaconda-auth's `config.toml`.
    AnacondaConfig,
    /// anaconda-auth's keyring file.
    Keyring,
}

impl fmt::Display for FileRole {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FileRole::HelperConfig => "config file",
            FileRole::AnacondaConfig => "anaconda config file",
            FileRole::Keyring => "keyring file",
        })
    }
}

/// A config or keyring file that cannot be read, or whose content is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file named by an environment variable does not exist.
    #[error("{role} {} named by {variable} does not exist. Create it, or unset {variable}", path.display())]
    Missing {
        /// The kind of file.
        role: FileRole,
        /// The file.
        path: PathBuf,
        /// The variable that names it.
        variable: &'static str,
    },

    /// The file cannot be read.
    #[error("failed to read {role} {}: {source}. {}", path.display(), unreadable_fix(source))]
    Unreadable {
        /// The kind of file.
        role: FileRole,
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The path is a directory or another special file.
    #[error("{role} {} is {kind}, not a regular file. Replace it with a regular file, or remove it", path.display())]
    NotRegular {
        /// The kind of file.
        role: FileRole,
        /// The path.
        path: PathBuf,
        /// The file type found instead.
        kind: FileKind,
    },

    /// The path is a symbolic link to nothing.
    #[error("{role} {} is a symbolic link to a missing target. Point the link at an existing file, or remove it", path.display())]
    DanglingSymlink {
        /// The kind of file.
        role: FileRole,
        /// The link.
        path: PathBuf,
    },

    /// The file is larger than [`MAX_CONFIG_BYTES`].
    #[error("{role} {} is larger than {MAX_CONFIG_BYTES} bytes. Check that it is the right file", path.display())]
    TooLarge {
        /// The kind of file.
        role: FileRole,
        /// The file.
        path: PathBuf,
    },

    /// The file is not UTF-8 text.
    #[error("{role} {} is not valid UTF-8. Save it as UTF-8 text", path.display())]
    NotUtf8 {
        /// The kind of file.
        role: FileRole,
        /// The file.
        path: PathBuf,
    },

    /// A line of the file is invalid.
    #[error("invalid {role} {}, line {line}: {problem}. {fix}", path.display())]
    Invalid {
        /// The kind of file.
        role: FileRole,
        /// The file.
        path: PathBuf,
        /// Line number, counted from 1.
        line: usize,
        /// The problem there, without quoting a value.
        problem: String,
        /// The fix, as one sentence.
        fix: String,
    },
}

/// Returns what to do when reading a file failed with `error`, as one sentence.
fn unreadable_fix(error: &io::Error) -> &'static str {
    if file::is_symlink_loop(error) {
        "Point the symbolic link at the file itself, because the chain of links loops"
    } else {
        "Make it readable by the user running conda, or remove it"
    }
}

/// Reads a UTF-8 text file of at most [`MAX_CONFIG_BYTES`], following symbolic links.
///
/// Returns `None` when nothing exists at `path`, and also when the current user may not
/// look into a folder on the way, as Python's `Path.exists()` does for anaconda-auth.
pub fn read(path: &Path, role: FileRole) -> Result<Option<String>, ConfigError> {
    match file::inspect(path) {
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            tracing::debug!("skipping {role} {}: {error}", path.display());
            Ok(None)
        }
        _ => read_named(path, role),
    }
}

/// Reads a file like [`read`], except that a folder the current user may not look into
/// is an error, as suits a file that a variable names.
pub fn read_named(path: &Path, role: FileRole) -> Result<Option<String>, ConfigError> {
    let path_buf = || path.to_path_buf();
    match file::inspect(path) {
        Ok(FileState::Regular) => {}
        Ok(FileState::Missing) => return Ok(None),
        Ok(FileState::DanglingSymlink) => {
            return Err(ConfigError::DanglingSymlink {
                role,
                path: path_buf(),
            });
        }
        Ok(FileState::NotRegular(kind)) => {
            let path = path_buf();
            return Err(ConfigError::NotRegular { role, path, kind });
        }
        Err(source) => {
            let path = path_buf();
            return Err(ConfigError::Unreadable { role, path, source });
        }
    }

    let bytes = file::read_limited(path, MAX_CONFIG_BYTES).map_err(|source| {
        let path = path_buf();
        ConfigError::Unreadable { role, path, source }
    })?;
    if bytes.len() > MAX_CONFIG_BYTES {
        let path = path_buf();
        return Err(ConfigError::TooLarge { role, path });
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(_) => Err(ConfigError::NotUtf8 {
            role,
            path: path_buf(),
        }),
    }
}

/// Parses TOML text into a table with the position of every key and value.
pub fn parse_toml<'t>(
    text: &'t str,
    path: &Path,
    role: FileRole,
) -> Result<Spanned<DeTable<'t>>, ConfigError> {
    DeTable::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        // The parser's message describes the expected syntax; only its first line is
        // kept, because the rest may show the text around the error.
        let message = error.message().lines().next().unwrap_or("syntax error");
        ConfigError::Invalid {
            role,
            path: path.to_path_buf(),
            line: line_at(text, offset),
            problem: format!("invalid TOML ({})", message.trim_end_matches('.')),
            fix: "Fix the TOML syntax on that line".to_owned(),
        }
    })
}

/// Returns the line number, counted from 1, of the byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

/// Returns the value of `key` in a parsed TOML table, with its position.
pub fn find<'a, 't>(table: &'a DeTable<'t>, key: &str) -> Option<&'a Spanned<DeValue<'t>>> {
    table
        .iter()
        .find(|(name, _)| name.get_ref() == key)
        .map(|(_, value)| value)
}

/// Returns the TOML type of `value` with its article, such as "an integer".
pub fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_counts_from_one() {
        let text = "a = 1\nb = 2\n\nc = 3";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 6), 2);
        assert_eq!(line_at(text, text.find('c').unwrap()), 4);
        assert_eq!(line_at(text, 1000), 4);
    }

    #[test]
    fn read_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert!(read(&path, FileRole::HelperConfig).unwrap().is_none());
    }

    #[test]
    fn read_directory_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = read(dir.path(), FileRole::Keyring).unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("keyring file "), "{message}");
        assert!(
            message.contains("is a directory, not a regular file"),
            "{message}"
        );
    }

    #[test]
    fn read_non_utf8_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, b"a = \"\xff\"").unwrap();
        let error = read(&path, FileRole::AnacondaConfig).unwrap_err();
        assert!(matches!(error, ConfigError::NotUtf8 { .. }), "{error:?}");
    }

    #[test]
    fn read_oversized_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, vec![b'#'; MAX_CONFIG_BYTES + 1]).unwrap();
        let error = read(&path, FileRole::HelperConfig).unwrap_err();
        assert!(matches!(error, ConfigError::TooLarge { .. }), "{error:?}");
    }

    #[test]
    fn toml_syntax_error_names_line_without_value() {
        let text = "[[channel]]\nurl = \"https://a.example/*\"\nsecret = \"hunter2\n";
        let error = parse_toml(text, Path::new("/etc/c.toml"), FileRole::HelperConfig);
        let message = error.unwrap_err().to_string();
        assert!(
            message.starts_with("invalid config file /etc/c.toml, line 3: invalid TOML ("),
            "{message}"
        );
        assert!(
            message.ends_with("Fix the TOML syntax on that line"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
}
