//! Names of the environment variables and files the helper reads, with their defaults.

/// Environment variable that contains the Anaconda API key, the name anaconda-auth reads.
///
/// The same name is the file name looked up in the secrets directory and the variable
/// looked up in `.env`.
pub const API_KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";

/// Deprecated environment variable for the API key, from before anaconda-auth's rename.
///
/// Used only when [`API_KEY_VAR`] is unset or empty, with a deprecation warning, and read
/// from the environment only. anaconda-auth's `config.py` also reads it from `.env` and
/// passes it as an init argument, which overrides the new name. The helper keeps the
/// documented name first.
pub const LEGACY_API_KEY_VAR: &str = "ANACONDA_CLOUD_API_KEY";

/// Environment variable that overrides the secrets directory.
pub const SECRETS_DIR_VAR: &str = "ANACONDA_SECRETS_DIR";

/// Directory where Docker (`RUN --mount=type=secret`) and Kubernetes mount secrets.
pub const DEFAULT_SECRETS_DIR: &str = "/run/secrets";

/// Dotenv file read from the working directory when no other source has the key.
pub const DOTENV_FILE: &str = ".env";

/// Environment variable that overrides the binary path the conda plugin runs.
pub const HELPER_BIN_VAR: &str = "CONDA_CREDENTIAL_HELPER_BIN";

/// Environment variable with tracing filter directives, which overrides `-v` and `-vv`.
pub const LOG_FILTER_VAR: &str = "RUST_LOG";

/// Environment variable with tracing filter directives, such as `debug`, that the conda
/// plugin passes to the binary. `RUST_LOG` takes precedence over it.
pub const PLUGIN_LOG_FILTER_VAR: &str = "CONDA_CREDENTIAL_HELPER_LOG";

/// Maximum size in bytes of an API key value, and of a secret file, before trimming.
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// Maximum size in bytes of a `.env` file.
pub const MAX_DOTENV_BYTES: usize = 1024 * 1024;

/// Maximum size in bytes of a request read from stdin.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The only host that receives the `Authorization` header.
pub const ANACONDA_REPO_HOST: &str = "repo.anaconda.cloud";

/// Name of the plugin's conda auth handler, which `channel_settings` entries name in `auth`.
pub const AUTH_HANDLER: &str = "conda-credential-helper";

/// The channel that `check` requests and `doctor` checks the conda settings for.
pub const DEFAULT_CHANNEL: &str = "https://repo.anaconda.cloud/repo/main";
