//! The `exec` command: runs a command with auth files that rattler and libmamba read.
//!
//! `exec` resolves the credential of every channel, writes rattler's auth file (and with
//! `--mamba` libmamba's) into a fresh private directory, runs the command with
//! `RATTLER_AUTH_FILE` naming that file, and deletes the directory when the command ends,
//! fails to start or is interrupted. The credential is never put on a command line or in
//! a `CONDA_*` variable.

pub mod channels;
pub mod error;
pub mod mamba;
pub mod private_dir;
pub mod rattler;
pub mod signals;

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use serde_json::{Map, Value};
use tracing::{debug, warn};

use crate::env::Environment;
use crate::get::print_warning;
use crate::vars::RATTLER_AUTH_FILE_VAR;

use self::channels::{ChannelCredential, Resolved, check_channels, resolve_channels};
use self::error::ExecError;
use self::private_dir::PrivateDir;
use self::signals::Forwarder;

/// Options of `exec`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExecArgs {
    /// Also write libmamba's auth file (micromamba, mamba 2) and run the command with a
    /// temporary HOME that links to the real one, because libmamba reads the file from HOME
    #[arg(long)]
    pub mamba: bool,

    /// The command to run, with its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// Runs the command with the auth files and returns its exit code, or 128 plus the number
/// of the signal that ended it.
///
/// The private directory is deleted before this returns, whatever the outcome. A failure
/// to delete it is an error even when the command succeeded, because it leaves the
/// credential behind.
pub fn run(args: &ExecArgs, env: &dyn Environment) -> Result<u8, ExecError> {
    let Resolved { channels, warnings } = resolve_channels(env, SystemTime::now())?;
    check_channels(&channels, args.mamba)?;
    for warning in &warnings {
        print_warning(warning);
    }

    // Handlers go in before the directory exists, so that no signal can end the process
    // between writing the credential and deleting it.
    let forwarder = Forwarder::install().map_err(|source| ExecError::Signals { source })?;
    let result = PrivateDir::create(env).and_then(|dir| {
        let status = run_with_files(&dir, args, &channels, env, &forwarder);
        let cleanup = dir.remove();
        cleanup.and(status)
    });
    forwarder.close();
    result
}

/// Writes the auth files into `dir`, then runs the command and returns its exit code.
fn run_with_files(
    dir: &PrivateDir,
    args: &ExecArgs,
    channels: &[ChannelCredential],
    env: &dyn Environment,
    forwarder: &Forwarder,
) -> Result<u8, ExecError> {
    let existing = env
        .non_empty_var(RATTLER_AUTH_FILE_VAR)
        .map(|path| existing_entries(Path::new(&path)))
        .unwrap_or_default();
    let document = rattler::render(existing, channels);
    let auth_file = dir.write_file(Path::new(rattler::FILE_NAME), document.expose().as_bytes())?;
    drop(document);

    let (program, arguments) = args
        .command
        .split_first()
        .expect("clap requires at least one command word");
    let mut command = Command::new(program);
    command
        .args(arguments)
        .env(RATTLER_AUTH_FILE_VAR, &auth_file);
    if args.mamba {
        for (name, value) in mamba::prepare_home(dir, channels, env)? {
            command.env(name, value);
        }
    }

    let program = program.to_string_lossy().into_owned();
    debug!(
        "running `{program}` with {RATTLER_AUTH_FILE_VAR}={}",
        auth_file.display()
    );
    let child = match forwarder.spawn(&mut command) {
        Ok(child) => child,
        Err(source) => return Err(ExecError::Spawn { program, source }),
    };
    let status = match forwarder.wait(child) {
        Ok(status) => status,
        Err(source) => return Err(ExecError::Wait { program, source }),
    };
    debug!("`{program}` ended with {status}");
    Ok(signals::exit_code(status))
}

/// Reads the entries of an auth file the user already has, so that the command still
/// finds them. A missing file has none; an unreadable or invalid one is skipped with a
/// warning, as rattler and libmamba skip it.
fn existing_entries(path: &Path) -> Map<String, Value> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Map::new(),
        Err(error) => {
            warn!("skipping the auth file {}: {error}", path.display());
            return Map::new();
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(entries)) => entries,
        _ => {
            warn!(
                "skipping the auth file {}: not a JSON object",
                path.display()
            );
            Map::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_entries_of_object() {
        let file = tempfile::NamedTempFile::new().unwrap();
        fs::write(file.path(), r#"{"a.example": {"CondaToken": "t"}}"#).unwrap();
        let entries = existing_entries(file.path());
        assert_eq!(entries.keys().collect::<Vec<_>>(), ["a.example"]);
    }

    #[test]
    fn missing_or_invalid_file_has_no_entries() {
        assert!(existing_entries(Path::new("/nonexistent/auth.json")).is_empty());
        let file = tempfile::NamedTempFile::new().unwrap();
        fs::write(file.path(), "[1, 2]").unwrap();
        assert!(existing_entries(file.path()).is_empty());
        fs::write(file.path(), "not json").unwrap();
        assert!(existing_entries(file.path()).is_empty());
    }
}
