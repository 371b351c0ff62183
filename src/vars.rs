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

/// Maximum size in bytes of a config file or keyring file.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// Anaconda's private repository, whose default credential is an organization's repo token.
pub const ANACONDA_REPO_HOST: &str = "repo.anaconda.cloud";

/// Environment variable that `exec` sets to the auth file for rattler, pixi and py-rattler.
pub const RATTLER_AUTH_FILE_VAR: &str = "RATTLER_AUTH_FILE";

/// XDG base directory for data files, where micromamba 2 puts its default root prefix.
pub const XDG_DATA_HOME_VAR: &str = "XDG_DATA_HOME";

/// XDG base directory for caches.
pub const XDG_CACHE_HOME_VAR: &str = "XDG_CACHE_HOME";

/// XDG directory for the user's runtime files, the first choice for `exec`'s auth file.
pub const XDG_RUNTIME_DIR_VAR: &str = "XDG_RUNTIME_DIR";

/// Environment variable that names the temporary directory.
pub const TMPDIR_VAR: &str = "TMPDIR";

/// Anaconda's public repository hosts, which anaconda-auth sends the API key too.
pub const ANACONDA_PUBLIC_HOSTS: [&str; 2] = ["repo.anaconda.com", "repo.continuum.io"];

/// Environment variable that selects the anaconda-auth site by its domain, such as
/// `anaconda.com`.
pub const DOMAIN_VAR: &str = "ANACONDA_AUTH_DOMAIN";

/// Environment variable that selects the anaconda-auth site by its name in `[sites]`.
pub const SITE_VAR: &str = "ANACONDA_AUTH_SITE";

/// Environment variable that names the default anaconda-auth site, as `default_site` does.
pub const DEFAULT_SITE_VAR: &str = "ANACONDA_DEFAULT_SITE";

/// Environment variable with a whole anaconda-auth keyring as JSON.
pub const KEYRING_VAR: &str = "ANACONDA_AUTH_KEYRING";

/// Environment variable with the path of the anaconda-auth keyring file.
pub const KEYRING_PATH_VAR: &str = "ANACONDA_AUTH_KEYRING_PATH";

/// Environment variable that sends the API key instead of repo tokens to
/// repo.anaconda.cloud, as `use_unified_repo_api_key` does.
pub const UNIFIED_API_KEY_VAR: &str = "ANACONDA_AUTH_USE_UNIFIED_REPO_API_KEY";

/// Environment variable with the path of anaconda-auth's config file.
pub const ANACONDA_CONFIG_VAR: &str = "ANACONDA_CONFIG_TOML";

/// anaconda-auth's config file, relative to the home directory.
pub const DEFAULT_ANACONDA_CONFIG: &str = ".anaconda/config.toml";

/// anaconda-auth's keyring file, relative to the home directory.
pub const DEFAULT_KEYRING_FILE: &str = ".anaconda/keyring";

/// Environment variable with the home directory, which `~` stands for.
pub const HOME_VAR: &str = "HOME";

/// Environment variable with the path of the helper's own config file.
pub const CONFIG_VAR: &str = "CONDA_CREDENTIAL_HELPER_CONFIG";

/// Environment variable with the base directory of user config files.
pub const XDG_CONFIG_HOME_VAR: &str = "XDG_CONFIG_HOME";

/// The helper's config file, relative to `XDG_CONFIG_HOME`.
pub const USER_CONFIG_FILE: &str = "conda-credential-helper/config.toml";

/// The helper's config file when neither `CONDA_CREDENTIAL_HELPER_CONFIG` nor
/// `XDG_CONFIG_HOME` is set.
pub const SYSTEM_CONFIG_FILE: &str = "/etc/conda-credential-helper/config.toml";
/// Name of the plugin's conda auth handler, which `channel_settings` entries name in `auth`.
pub const AUTH_HANDLER: &str = "conda-credential-helper";

/// The channel that `check` requests and `doctor` checks the conda settings for.
pub const DEFAULT_CHANNEL: &str = "https://repo.anaconda.cloud/repo/main";
