//! The HTTPS client of `check`: trusted CAs as conda would pick them, proxies from the
//! environment, host overrides, a time limit and no redirects.

use std::fmt;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::redirect::Policy;

use crate::condarc::{CondaSettings, SslVerify};
use crate::env::Environment;
use crate::redact::redact_url;

/// Variable that `requests`, and so conda, reads a CA bundle from.
pub const REQUESTS_CA_BUNDLE_VAR: &str = "REQUESTS_CA_BUNDLE";

/// Variable that OpenSSL-based clients read a CA bundle from.
pub const SSL_CERT_FILE_VAR: &str = "SSL_CERT_FILE";

/// Proxy variables that reqwest reads, in the order it prefers them for https URLs.
const PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// Variables that list hosts reached without a proxy.
const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// The source of the trusted CA certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustSource {
    /// The Mozilla roots built into the binary.
    BuiltIn,
    /// A PEM bundle file, or a folder of PEM files, with the setting that names it.
    Bundle {
        /// The file or folder.
        path: PathBuf,
        /// The setting, such as `REQUESTS_CA_BUNDLE` or a condarc file's `ssl_verify`.
        setting: String,
    },
    /// `ssl_verify: false`: certificates are not checked at all.
    Disabled {
        /// The setting that turns checking off.
        setting: String,
    },
}

impl fmt::Display for TrustSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustSource::BuiltIn => f.write_str("the Mozilla roots built into this binary"),
            TrustSource::Bundle { path, setting } => {
                write!(f, "{} (from {setting})", path.display())
            }
            TrustSource::Disabled { setting } => {
                write!(
                    f,
                    "none: certificate checks are off (ssl_verify false in {setting})"
                )
            }
        }
    }
}

/// A host whose connections go to a fixed address, as curl's `--connect-to` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The host name in URLs.
    pub host: String,
    /// The address connections go to instead of the resolved one.
    pub address: SocketAddr,
}

impl std::str::FromStr for ConnectTo {
    type Err = String;

    /// Parses `HOST=IP:PORT`, such as `repo.anaconda.cloud=127.0.0.1:8443`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage =
            || format!("`{text}` is not HOST=IP:PORT, such as repo.anaconda.cloud=127.0.0.1:8443");
        let (host, address) = text.split_once('=').ok_or_else(usage)?;
        let address: SocketAddr = address.parse().map_err(|_| usage())?;
        if host.is_empty() || address.port() == 0 {
            return Err(usage());
        }
        Ok(ConnectTo {
            host: host.to_ascii_lowercase(),
            address,
        })
    }
}

/// Everything that shapes the client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The source of the trusted CAs.
    pub trust: TrustSource,
    /// The time limit for the whole request.
    pub timeout: Duration,
    /// Host overrides.
    pub connect_to: Vec<ConnectTo>,
}

/// A CA bundle that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustError {
    /// The failure, the file and the fix.
    pub message: String,
}

/// Picks the CA certificates conda would trust: `ssl_verify` when it names a path or is
/// false, else `REQUESTS_CA_BUNDLE`, else `SSL_CERT_FILE`, else the built-in roots.
pub fn trust_source(settings: &CondaSettings, env: &dyn Environment) -> TrustSource {
    match settings.ssl_verify() {
        Some((SslVerify::CaBundle(path), setting)) => {
            return TrustSource::Bundle {
                path,
                setting: format!("ssl_verify in {setting}"),
            };
        }
        Some((SslVerify::Enabled(false), setting)) => return TrustSource::Disabled { setting },
        // NOTE: `ssl_verify: truststore` uses the system store in conda. This client reads
        // SSL_CERT_FILE or its built-in roots instead.
        _ => {}
    }
    for name in [REQUESTS_CA_BUNDLE_VAR, SSL_CERT_FILE_VAR] {
        if let Some(path) = env.non_empty_var(name) {
            return TrustSource::Bundle {
                path: PathBuf::from(path),
                setting: name.to_owned(),
            };
        }
    }
    TrustSource::BuiltIn
}

/// Describes the proxy reqwest takes from the environment for https URLs, redacted.
pub fn proxy_description(env: &dyn Environment) -> Option<String> {
    let (name, value) = PROXY_VARS
        .iter()
        .find_map(|name| Some((*name, env.non_empty_var(name)?)))?;
    let mut text = format!("{} (from {name})", redact_url(&value.to_string_lossy()));
    let no_proxy = NO_PROXY_VARS
        .iter()
        .find_map(|name| env.non_empty_var(name));
    if let Some(hosts) = no_proxy {
        text.push_str(&format!(", except for {}", hosts.to_string_lossy()));
    }
    Some(text)
}

/// Builds the blocking client for one request.
pub fn build(settings: &ClientSettings) -> Result<Client, TrustError> {
    let mut builder = Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(Policy::none())
        .user_agent(concat!(
            "conda-credential-helper/",
            env!("CARGO_PKG_VERSION")
        ));

    match &settings.trust {
        TrustSource::BuiltIn => {}
        TrustSource::Disabled { .. } => builder = builder.danger_accept_invalid_certs(true),
        TrustSource::Bundle { path, setting } => {
            builder = builder.tls_built_in_root_certs(false);
            for certificate in load_bundle(path, setting)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
    }
    for connect_to in &settings.connect_to {
        builder = builder.resolve(&connect_to.host, connect_to.address);
    }
    builder.build().map_err(|error| TrustError {
        message: format!("failed to set up the HTTPS client: {error}. Check the CA bundle"),
    })
}

/// Reads the certificates of a PEM file, or of every file in a folder.
fn load_bundle(path: &Path, setting: &str) -> Result<Vec<reqwest::Certificate>, TrustError> {
    let unusable = |problem: String| TrustError {
        message: format!(
            "the CA bundle `{}` from {setting} {problem}. Point {setting} at a PEM file of CA certificates, or unset it",
            path.display()
        ),
    };
    let files = if path.is_dir() {
        let entries =
            fs::read_dir(path).map_err(|error| unusable(format!("cannot be read ({error})")))?;
        let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut certificates = Vec::new();
    for file in files {
        let bytes = match fs::read(&file) {
            Ok(bytes) => bytes,
            Err(error) if file == path => {
                return Err(unusable(format!("cannot be read ({error})")));
            }
            Err(_) => continue,
        };
        match reqwest::Certificate::from_pem_bundle(&bytes) {
            Ok(found) => certificates.extend(found),
            Err(error) if file == path => return Err(unusable(format!("is not PEM ({error})"))),
            Err(_) => {}
        }
    }
    if certificates.is_empty() {
        return Err(unusable("contains no certificates".to_owned()));
    }
    tracing::debug!(
        "trusting {} CA certificates from {}",
        certificates.len(),
        path.display()
    );
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condarc::CondarcFile;
    use crate::env::MapEnv;

    fn settings_with(ssl_verify: Option<SslVerify>) -> CondaSettings {
        CondaSettings {
            files: vec![CondarcFile {
                path: "/base/.condarc".into(),
                channel_settings: vec![],
                ssl_verify,
            }],
            ..CondaSettings::default()
        }
    }

    #[test]
    fn trust_prefers_ssl_verify_path() {
        let env = MapEnv::new().with_var(REQUESTS_CA_BUNDLE_VAR, "/env.pem");
        let settings = settings_with(Some(SslVerify::CaBundle("/conda.pem".into())));

        let trust = trust_source(&settings, &env);

        let expected = TrustSource::Bundle {
            path: "/conda.pem".into(),
            setting: "ssl_verify in /base/.condarc".into(),
        };
        assert_eq!(trust, expected);
    }

    #[test]
    fn trust_order_of_variables() {
        let both = MapEnv::new()
            .with_var(SSL_CERT_FILE_VAR, "/ssl.pem")
            .with_var(REQUESTS_CA_BUNDLE_VAR, "/requests.pem");
        let ssl_only = MapEnv::new().with_var(SSL_CERT_FILE_VAR, "/ssl.pem");
        let settings = settings_with(Some(SslVerify::Enabled(true)));

        let bundle = |path: &str, setting: &str| TrustSource::Bundle {
            path: path.into(),
            setting: setting.into(),
        };
        assert_eq!(
            trust_source(&settings, &both),
            bundle("/requests.pem", REQUESTS_CA_BUNDLE_VAR)
        );
        assert_eq!(
            trust_source(&settings, &ssl_only),
            bundle("/ssl.pem", SSL_CERT_FILE_VAR)
        );
        assert_eq!(
            trust_source(&settings, &MapEnv::new()),
            TrustSource::BuiltIn
        );
    }

    #[test]
    fn trust_disabled_by_ssl_verify_false() {
        let settings = settings_with(Some(SslVerify::Enabled(false)));
        let trust = trust_source(&settings, &MapEnv::new());
        assert!(matches!(trust, TrustSource::Disabled { .. }), "{trust:?}");
    }

    #[test]
    fn connect_to_parses() {
        let parsed: ConnectTo = "Repo.Anaconda.Cloud=127.0.0.1:8443".parse().unwrap();
        assert_eq!(parsed.host, "repo.anaconda.cloud");
        assert_eq!(parsed.address, "127.0.0.1:8443".parse().unwrap());
        let ipv6: ConnectTo = "repo.anaconda.cloud=[::1]:8443".parse().unwrap();
        assert_eq!(ipv6.address.port(), 8443);
        for bad in [
            "repo.anaconda.cloud",
            "=127.0.0.1:1",
            "h=localhost:1",
            "h=127.0.0.1:0",
        ] {
            assert!(bad.parse::<ConnectTo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn proxy_description_redacts_password() {
        let env = MapEnv::new()
            .with_var("HTTPS_PROXY", "http://user:hunter2@proxy.example:3128")
            .with_var("NO_PROXY", "localhost");
        let text = proxy_description(&env).unwrap();
        assert_eq!(
            text,
            "http://proxy.example:3128/ (from HTTPS_PROXY), except for localhost"
        );
        assert_eq!(proxy_description(&MapEnv::new()), None);
    }

    #[test]
    fn bundle_without_certificates_fails() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("empty.pem");
        fs::write(&file, "not a certificate\n").unwrap();

        let error = load_bundle(&file, SSL_CERT_FILE_VAR).unwrap_err();

        assert!(
            error.message.contains("contains no certificates"),
            "{error:?}"
        );
        assert!(error.message.ends_with("or unset it"), "{error:?}");
    }
}
