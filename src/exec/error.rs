//! Errors of the `exec` command. Each message is one line and never contains a credential.

use std::io;
use std::path::PathBuf;

use crate::vars::API_KEY_VAR;

/// Exit code when the command cannot be found, as POSIX shells use it.
const EXIT_NOT_FOUND: u8 = 127;

/// Exit code when the command exists but cannot be run, as POSIX shells use it.
const EXIT_NOT_EXECUTABLE: u8 = 126;

/// Exit code for every other failure of `exec` itself.
const EXIT_FAILURE: u8 = 1;

/// A failure of `exec` before, while or after it runs the command.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// A credential could not be found or is invalid.
    #[error(transparent)]
    Credential(#[from] crate::error::Error),

    /// A channel uses plain http and its configuration does not allow that.
    #[error(
        "channel {channel} uses plain http, and clients send a stored credential to every \
         scheme and port of its host. Use https, or set allow_insecure_http = true for this \
         channel in the configuration"
    )]
    InsecureChannel {
        /// The channel URL, redacted.
        channel: String,
    },

    /// A channel URL has a scheme other than http and https.
    #[error("channel {channel} has the scheme {scheme}, expected https. Use an https:// URL")]
    UnsupportedScheme {
        /// The channel URL, redacted.
        channel: String,
        /// The scheme found.
        scheme: String,
    },

    /// A `[[channel]]` pattern is not a URL that a host can be read from.
    #[error("{channel} is not a URL with a host. Write the channel as https://<host>/<path>")]
    UnsupportedPattern {
        /// The channel, described with its config file and line.
        channel: String,
    },

    /// A `[[channel]]` uses the `token` scheme, which the auth files cannot express.
    #[error(
        "{channel} uses the token scheme, but rattler's and libmamba's auth files send only \
         Bearer and Basic credentials. Use scheme = \"Bearer\" if the server accepts it, or \
         run the command without exec"
    )]
    TokenScheme {
        /// The channel, described with its config file and line.
        channel: String,
    },

    /// Only repo tokens were found for Anaconda's hosts, and no other channel is configured.
    #[error(
        "found only repo tokens, which the auth files cannot send (they hold one credential \
         per host, without the token scheme). Pass the API key as a build secret with \
         `RUN --mount=type=secret,id={API_KEY_VAR}`, or set {API_KEY_VAR}"
    )]
    RepoTokensOnly,

    /// A channel's host has a wildcard that the auth file cannot express.
    #[error(
        "channel {channel} has a wildcard in its host, which {}. Name the host exactly{}",
        if *mamba { "libmamba's auth file cannot express" } else { "rattler accepts only as a leading `*.`" },
        if *mamba { ", or run without --mamba" } else { "" }
    )]
    WildcardHost {
        /// The channel URL, redacted.
        channel: String,
        /// Whether libmamba's file was requested.
        mamba: bool,
    },

    /// A channel URL has no host.
    #[error("channel {channel} has no host. Use a URL such as https://repo.example.com/channel")]
    NoHost {
        /// The channel URL, redacted.
        channel: String,
    },

    /// Two channels on one host have different credentials.
    #[error(
        "channels {first} and {second} share the host {host} but have different credentials, \
         and the auth file stores one credential per host. Use one credential for both"
    )]
    HostConflict {
        /// The shared host.
        host: String,
        /// The first channel URL, redacted.
        first: String,
        /// The second channel URL, redacted.
        second: String,
    },

    /// No private directory could be created for the auth file.
    #[error(
        "failed to create a private directory for the auth file in {}: {source}. Make \
         $XDG_RUNTIME_DIR, /dev/shm or the temporary directory (TMPDIR) writable",
        base.display()
    )]
    CreateDir {
        /// The last base directory tried.
        base: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// A credential file could not be written.
    #[error("failed to write {}: {source}. Check the free space of that file system", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The real home directory could not be mirrored into the temporary home for libmamba.
    #[error(
        "failed to link {} into the temporary home: {source}. Check that the home directory \
         is readable, or run without --mamba",
        path.display()
    )]
    MirrorHome {
        /// The entry of the real home directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The signal handlers could not be installed.
    #[error("failed to install the signal handlers: {source}. Report this as a bug")]
    Signals {
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The command could not be started.
    #[error("failed to run `{program}`: {source}. {}", spawn_fix(source))]
    Spawn {
        /// The program name as given.
        program: String,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// Waiting for the command failed.
    #[error("failed to wait for `{program}`: {source}. Report this as a bug")]
    Wait {
        /// The program name as given.
        program: String,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The private directory could not be deleted.
    #[error(
        "failed to delete {}: {source}. Delete it by hand, because it contains the credential",
        path.display()
    )]
    Cleanup {
        /// The private directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
}

impl ExecError {
    /// Returns the exit code for this error: 127 and 126 for a command that cannot be
    /// found or run, as shells use them, and 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecError::Spawn { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                EXIT_NOT_FOUND
            }
            ExecError::Spawn { .. } => EXIT_NOT_EXECUTABLE,
            _ => EXIT_FAILURE,
        }
    }
}

fn spawn_fix(source: &io::Error) -> &'static str {
    match source.kind() {
        io::ErrorKind::NotFound => "Check the command name and PATH",
        io::ErrorKind::PermissionDenied => "Check that the file is executable",
        _ => "Check the command",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spawn_error(kind: io::ErrorKind) -> ExecError {
        ExecError::Spawn {
            program: "micromamba".to_owned(),
            source: io::Error::from(kind),
        }
    }

    #[test]
    fn missing_command_exits_127() {
        let error = spawn_error(io::ErrorKind::NotFound);
        assert_eq!(error.exit_code(), 127);
        assert!(error.to_string().contains("PATH"), "{error}");
    }

    #[test]
    fn unrunnable_command_exits_126() {
        assert_eq!(
            spawn_error(io::ErrorKind::PermissionDenied).exit_code(),
            126
        );
    }

    #[test]
    fn other_errors_exit_1() {
        let error = ExecError::NoHost {
            channel: "file:///x".to_owned(),
        };
        assert_eq!(error.exit_code(), 1);
    }
}
