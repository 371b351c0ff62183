//! Errors of the helper. Each message is one line: what failed, on which value, and what
//! to do next. No message contains a credential.

use std::io;
use std::path::PathBuf;

use crate::config_file::ConfigError;
use crate::dotenv::SyntaxProblem;
use crate::file::{CredentialFile, FileKind};
use crate::keyring::KeyringError;
use crate::kind::CredentialKind;
use crate::source::{Origin, SearchedPlaces};
use crate::value::ValueProblem;
use crate::vars::{API_KEY_VAR, MAX_DOTENV_BYTES, MAX_REQUEST_BYTES, SITE_VAR};

/// An example request, quoted in the messages about malformed requests.
const REQUEST_EXAMPLE: &str = r#"Send one JSON object such as {"uri": "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"}"#;

/// A failure of the `get` command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source contains a value that is not usable, such as an API key with a space.
    #[error("invalid {noun} in {origin}: {problem}. {}", problem.fix(noun))]
    InvalidValue {
        /// Noun for the value, such as "API key".
        noun: String,
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

    /// A credential is a JWT whose expiry has passed.
    #[error("the {kind} from {origin} expired at {expired_at}. {}", kind.expired_fix())]
    Expired {
        /// The kind of credential.
        kind: CredentialKind,
        /// The source of the credential.
        origin: Origin,
        /// The expiry, as an RFC 3339 timestamp.
        expired_at: String,
    },

    /// A file of anaconda-auth or the helper's config file cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A keyring or one of its entries cannot be decoded.
    #[error(transparent)]
    Keyring(#[from] KeyringError),

    /// A site is requested that the config file does not define.
    #[error(
        "site {name} from {origin} is not in {}, whose sites are: {known}. Add a [sites.{name}] table there, or name one of those sites",
        config.display()
    )]
    UnknownSite {
        /// The requested site.
        name: String,
        /// The place it was requested.
        origin: Box<Origin>,
        /// anaconda-auth's config file.
        config: PathBuf,
        /// The sites defined, comma-separated.
        known: String,
    },

    /// A domain is requested that several sites have.
    #[error(
        "domain {domain} from {origin} belongs to more than one site in {} ({sites}). Set {SITE_VAR} to the one to use",
        config.display()
    )]
    AmbiguousDomain {
        /// The requested domain.
        domain: String,
        /// The place it was requested.
        origin: Box<Origin>,
        /// anaconda-auth's config file.
        config: PathBuf,
        /// The sites with that domain, comma-separated.
        sites: String,
    },

    /// A domain setting has no host name.
    #[error(
        "invalid domain in {origin}: it has no host name. Set it to a host name such as anaconda.com"
    )]
    InvalidDomain {
        /// The source of the value.
        origin: Origin,
    },

    /// A boolean setting has another value.
    #[error("invalid {name} in {origin}: it is not a boolean. Set it to true or false")]
    InvalidFlag {
        /// The setting.
        name: &'static str,
        /// The source of the value.
        origin: Origin,
    },

    /// No source has the secret that a `[[channel]]` entry names.
    #[error(
        "no {noun} found for {channel}; searched {searched}. Pass it as a build secret with `RUN --mount=type=secret,id={name}`, or set {name}"
    )]
    SecretNotFound {
        /// The name the entry gives in `secret`.
        name: String,
        /// Noun for the secret, such as "password".
        noun: &'static str,
        /// The `[[channel]]` entry, as "channel <url> (config file <path>, line <n>)".
        channel: String,
        /// Every place searched.
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
    #[error("failed to read {file}: {source}. {}", file.unreadable_fix(source))]
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

    /// A secret file assigns a variable other than the one named by the file.
    #[error(
        "secret file {} contains {found}=..., expected {expected}. Put only the {noun} in the file, or `{expected}=<value>`",
        path.display()
    )]
    WrongVariable {
        /// The secret file.
        path: PathBuf,
        /// The variable name found in it.
        found: String,
        /// The variable name expected, which is the file's name.
        expected: String,
        /// Noun for the value, such as "API key".
        noun: String,
    },

    /// The statement that sets a value in a dotenv file cannot be parsed.
    #[error(
        "invalid dotenv syntax in {file}, line {line}: {problem}. Write the line as `{name}=<value>`"
    )]
    DotenvSyntax {
        /// The file.
        file: CredentialFile,
        /// The variable that the statement sets.
        name: String,
        /// Line number, counted from 1.
        line: usize,
        /// The syntax problem.
        problem: SyntaxProblem,
    },

    /// The header value would contain a character that could end the header early.
    #[error(
        "the Authorization header built from {origin} contains a line break or NUL. Keep only the credential there"
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

    /// Stdin did not end within the time limit.
    #[error(
        "timed out after {seconds} seconds waiting for stdin to close. {REQUEST_EXAMPLE}, then close stdin"
    )]
    TimedOut {
        /// The time limit in seconds.
        seconds: u64,
    },
}
