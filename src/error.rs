//! Errors of the helper. Each message is one line: what failed, on which value, and what
//! to do next. No message contains a credential.

use std::io;
use std::path::PathBuf;

use crate::dotenv::SyntaxProblem;
use crate::file::{CredentialFile, FileKind};
use crate::source::{Origin, SearchedPlaces};
use crate::value::ValueProblem;
use crate::vars::{API_KEY_VAR, MAX_DOTENV_BYTES, MAX_REQUEST_BYTES};

/// An example request, quoted in the messages about malformed requests.
const REQUEST_EXAMPLE: &str = r#"Send one JSON object such as {"uri": "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"}"#;

/// A failure of the `get` command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source contains a value that is not a usable API key.
    #[error("invalid API key in {origin}: {problem}. {}", problem.fix())]
    InvalidKey {
        /// The source of the value.
        origin: Origin,
        /// The problem with the value.
        problem: ValueProblem,
    },

    /// No source contains an API key.
    #[error(
        "no API key found; searched {searched}. Pass the key as a build secret with \
         `RUN --mount=type=secret,id={API_KEY_VAR}`, or set {API_KEY_VAR}"
    )]
    KeyNotFound {
        /// Every place searched, with why each had no key.
        searched: SearchedPlaces,
    },

    /// The secrets directory exists but cannot be read.
    #[error(
        "failed to read secrets directory {}: {source}. Make it readable by the user running conda",
        path.display()
    )]
    SecretsDirUnreadable {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// A file that should hold a credential is a directory, a FIFO or another special file.
    #[error("{file} is {kind}, not a regular file. {}", file.not_regular_fix())]
    NotRegularFile {
        /// The file.
        file: CredentialFile,
        /// The file type found instead.
        kind: FileKind,
    },

    /// A file that should hold a credential is a symbolic link to nothing.
    #[error(
        "{file} is a symbolic link to a missing target. Point the link at an existing file, or remove it"
    )]
    DanglingSymlink {
        /// The link.
        file: CredentialFile,
    },

    /// A file that should hold a credential cannot be read.
    #[error("failed to read {file}: {source}. {}", file.unreadable_fix())]
    UnreadableFile {
        /// The file.
        file: CredentialFile,
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The `.env` file is larger than [`MAX_DOTENV_BYTES`].
    #[error(
        ".env file {} is larger than {MAX_DOTENV_BYTES} bytes. Keep only variable assignments in it",
        path.display()
    )]
    DotenvTooLarge {
        /// The file.
        path: PathBuf,
    },

    /// A secret file assigns a variable other than the API key.
    #[error(
        "secret file {} contains {found}=..., expected {API_KEY_VAR}. Put only the API key in the file, or `{API_KEY_VAR}=<key>`",
        path.display()
    )]
    WrongVariable {
        /// The secret file.
        path: PathBuf,
        /// The variable name found in it.
        found: String,
    },

    /// The statement that sets the API key in a dotenv file cannot be parsed.
    #[error(
        "invalid dotenv syntax in {file}, line {line}: {problem}. Write the line as `{API_KEY_VAR}=<key>`"
    )]
    DotenvSyntax {
        /// The file.
        file: CredentialFile,
        /// Line number, counted from 1.
        line: usize,
        /// The syntax problem.
        problem: SyntaxProblem,
    },

    /// The header value would contain a character that could end the header early.
    #[error(
        "the Authorization header built from {origin} contains a line break or NUL. Keep only the API key there"
    )]
    UnsafeHeader {
        /// The source of the key.
        origin: Origin,
    },

    /// The request on stdin is unusable.
    #[error(transparent)]
    Request(#[from] RequestError),

    /// The response could not be written.
    #[error("failed to write the response to stdout: {source}. Check that the caller reads it")]
    WriteResponse {
        /// The underlying I/O error.
        source: io::Error,
    },
}

/// A request on stdin that cannot be used.
///
/// The messages never quote the request, because its URL may carry userinfo.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Reading stdin failed.
    #[error("failed to read the request from stdin: {source}. {REQUEST_EXAMPLE}")]
    Read {
        /// The underlying I/O error.
        source: io::Error,
    },

    /// The request is larger than [`MAX_REQUEST_BYTES`].
    #[error("the request on stdin is larger than {MAX_REQUEST_BYTES} bytes. {REQUEST_EXAMPLE}")]
    TooLarge,

    /// Stdin is empty or only whitespace.
    #[error("the request on stdin is empty. {REQUEST_EXAMPLE}")]
    Empty,

    /// The request is not JSON.
    #[error("the request on stdin is not valid JSON ({detail}). {REQUEST_EXAMPLE}")]
    InvalidJson {
        /// The parser's description of the syntax error, with line and column.
        detail: String,
    },

    /// The request is JSON but not an object.
    #[error("the request on stdin is not a JSON object. {REQUEST_EXAMPLE}")]
    NotObject,

    /// The request has no `uri` field.
    #[error(r#"the request on stdin has no "uri" field. {REQUEST_EXAMPLE}"#)]
    MissingUri,

    /// The `uri` field is not a string.
    #[error(r#"the "uri" field of the request on stdin is not a string. {REQUEST_EXAMPLE}"#)]
    UriNotString,
}
