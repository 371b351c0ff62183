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

/// Every proxy variable that reqwest reads, for https or http URLs.
const ALL_PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

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
    /// `ssl_verify: truststore`: the operating system's certificates, found as OpenSSL
    /// finds them (`SSL_CERT_FILE`, `SSL_CERT_DIR`, then the system's CA files).
    System {
        /// The setting that asks for the system store.
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
            TrustSource::System { setting } => {
                write!(
                    f,
                    "the system trust store (ssl_verify truststore in {setting})"
                )
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
        if address.port() == 0 {
            return Err(usage());
        }
        // Hosts compare as the rules compare them: ASCII case and one trailing dot ignored.
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if host.is_empty() || host.ends_with('.') {
            return Err(usage());
        }
        match url::Host::parse(&host) {
            Ok(url::Host::Domain(parsed)) if parsed == host => Ok(ConnectTo { host, address }),
            Ok(url::Host::Domain(_)) | Err(_) => Err(usage()),
            Ok(_) => Err(format!(
                "`{text}` names an IP address as HOST, but only host names are resolved. Put the host name that the channel URL uses before `=`"
            )),
        }
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
        Some((SslVerify::Truststore, setting)) => return TrustSource::System { setting },
        Some((SslVerify::Enabled(true), _)) | None => {}
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

/// A proxy variable whose value reqwest would silently skip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{variable} is not a valid proxy URL ({reason}). Set it to a URL such as http://proxy.example:3128, or unset it"
)]
pub struct ProxyError {
    /// The variable, such as `HTTPS_PROXY`.
    pub variable: &'static str,
    /// Reason the value is invalid, without the value, because it may contain a password.
    pub reason: String,
}

/// Checks that every proxy variable that is set contains a URL that reqwest can use as a proxy.
///
/// reqwest skips a value it cannot parse and connects directly, while conda's requests
/// would fail, so `check` would report success for a build that fails.
pub fn check_proxy_vars(env: &dyn Environment) -> Result<(), ProxyError> {
    for variable in ALL_PROXY_VARS {
        let Some(value) = env.non_empty_var(variable) else {
            continue;
        };
        let invalid = |reason: &str| ProxyError {
            variable,
            reason: reason.to_owned(),
        };
        let value = value.to_str().ok_or_else(|| invalid("not UTF-8"))?;
        check_proxy_url(value).map_err(invalid)?;
    }
    Ok(())
}

/// Parses `value` as reqwest does, as an http URL when no scheme is written.
fn check_proxy_url(value: &str) -> Result<(), &'static str> {
    let url = if value.contains("://") {
        url::Url::parse(value)
    } else {
        url::Url::parse(&format!("http://{value}"))
    }
    .map_err(|_| "the value does not parse as a URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("its scheme is not http or https, the only proxy schemes check supports");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it names no host");
    }
    Ok(())
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
        TrustSource::System { setting } => {
            builder = builder.tls_built_in_root_certs(false);
            for certificate in load_system_store(setting)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
    }
    // A URL may write the host with a trailing dot, which reqwest passes to the resolver.
    // NOTE: reqwest connects to the URL's port when the URL names one, not to PORT.
    for connect_to in &settings.connect_to {
        builder = builder.resolve(&connect_to.host, connect_to.address);
        builder = builder.resolve(&format!("{}.", connect_to.host), connect_to.address);
    }
    builder.build().map_err(|error| TrustError {
        message: format!("failed to set up the HTTPS client: {error}. Check the CA bundle"),
    })
}

/// Reads the operating system's CA certificates, skipping files that fail to parse.
fn load_system_store(setting: &str) -> Result<Vec<reqwest::Certificate>, TrustError> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::debug!("skipped part of the system trust store: {error}");
    }
    let certificates: Vec<reqwest::Certificate> = found
        .certs
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok())
        .collect();
    if certificates.is_empty() {
        return Err(TrustError {
            message: format!(
                "the system trust store, which ssl_verify truststore in {setting} selects, contains no CA certificates. Install the system's CA certificates (the ca-certificates package), or point SSL_CERT_FILE at a PEM bundle"
            ),
        });
    }
    tracing::debug!(
        "trusting {} CA certificates from the system trust store",
        certificates.len()
    );
    Ok(certificates)
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
    fn trust_system_store_for_truststore() {
        let env = MapEnv::new().with_var(REQUESTS_CA_BUNDLE_VAR, "/env.pem");
        let settings = settings_with(Some(SslVerify::Truststore));

        let trust = trust_source(&settings, &env);

        let expected = TrustSource::System {
            setting: "/base/.condarc".into(),
        };
        assert_eq!(trust, expected);
        assert_eq!(
            trust.to_string(),
            "the system trust store (ssl_verify truststore in /base/.condarc)"
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
            ".=127.0.0.1:1",
            "h..=127.0.0.1:1",
            "h h=127.0.0.1:1",
            "h/x=127.0.0.1:1",
            "h=localhost:1",
            "h=127.0.0.1:0",
        ] {
            assert!(bad.parse::<ConnectTo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn connect_to_normalizes_host() {
        let parsed: ConnectTo = "REPO.anaconda.cloud.=127.0.0.1:8443".parse().unwrap();
        assert_eq!(parsed.host, "repo.anaconda.cloud");
    }

    #[test]
    fn connect_to_rejects_ip_host() {
        let error = "127.0.0.2=127.0.0.1:8443".parse::<ConnectTo>().unwrap_err();
        assert!(error.contains("names an IP address as HOST"), "{error}");
    }

    #[test]
    fn proxy_vars_accept_proxy_urls() {
        for value in [
            "http://proxy.example:3128",
            "proxy.example:3128",
            "https://user:pw@proxy.example",
            "http://[::1]:3128",
        ] {
            let env = MapEnv::new().with_var("HTTPS_PROXY", value);
            assert_eq!(check_proxy_vars(&env), Ok(()), "{value}");
        }
        assert_eq!(check_proxy_vars(&MapEnv::new()), Ok(()));
    }

    #[test]
    fn proxy_vars_reject_invalid_values() {
        for variable in ALL_PROXY_VARS {
            for value in ["::not a url", "ftp://proxy.example", "http://"] {
                let env = MapEnv::new().with_var(variable, value);

                let error = check_proxy_vars(&env).unwrap_err();

                assert_eq!(error.variable, variable, "{value}");
                let message = error.to_string();
                assert!(
                    message.starts_with(&format!("{variable} is not a valid proxy URL")),
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn proxy_error_hides_value() {
        let env = MapEnv::new().with_var("HTTPS_PROXY", "http://user:hunter2@proxy:port");

        let message = check_proxy_vars(&env).unwrap_err().to_string();

        assert!(!message.contains("hunter2"), "{message}");
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
