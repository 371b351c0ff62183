//! A TLS front with a throwaway test CA, so real clients reach wiremock by a real host name.
//!
//! Clients connect to `https://<host>/` through a resolver override that maps `<host>` to
//! [`TlsFront::port`] on loopback (see `tests/python/sitecustomize.py`). The front
//! terminates TLS with a certificate for that host and forwards the plain bytes to the
//! backend, usually a wiremock server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority made for one test run.
pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    /// Generates a new CA key and self-signed certificate.
    pub fn new() -> Self {
        let key = KeyPair::generate().expect("generate the test CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "conda-credential-helper test CA");
        let cert = params.self_signed(&key).expect("self-sign the test CA");
        TestCa { cert, key }
    }

    /// Writes the CA certificate as PEM to `dir/ca.pem` and returns that path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("ca.pem");
        std::fs::write(&path, self.cert.pem()).expect("write the test CA certificate");
        path
    }

    /// Builds a TLS server configuration whose certificate covers `hosts`.
    fn server_config(&self, hosts: &[&str]) -> Arc<ServerConfig> {
        let names: Vec<String> = hosts.iter().map(|host| host.to_string()).collect();
        let key = KeyPair::generate().expect("generate a server key");
        let params = CertificateParams::new(names).expect("server certificate parameters");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("sign the server certificate");

        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .expect("TLS server configuration");
        Arc::new(config)
    }
}

/// A running TLS front on a loopback port.
pub struct TlsFront {
    pub port: u16,
}

impl TlsFront {
    /// Starts a front for `hosts` that forwards every connection to `backend`.
    ///
    /// The front runs on a thread of its own, so tests may block on subprocesses while it
    /// serves. It lives until the test process exits.
    pub fn start(ca: &TestCa, hosts: &[&str], backend: SocketAddr) -> Self {
        let acceptor = TlsAcceptor::from(ca.server_config(hosts));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the TLS front");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("TLS front address").port();

        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("TLS front runtime");
            runtime.block_on(serve(listener, acceptor, backend));
        });
        TlsFront { port }
    }
}

async fn serve(listener: std::net::TcpListener, acceptor: TlsAcceptor, backend: SocketAddr) {
    let listener = TcpListener::from_std(listener).expect("TLS front listener");
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // A client that fails the handshake (for example one that rejects the test CA)
            // only ends its own connection.
            let Ok(mut tls) = acceptor.accept(client).await else {
                return;
            };
            let Ok(mut upstream) = TcpStream::connect(backend).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
        });
    }
}

/// Builds the JSON that `tests/python/sitecustomize.py` reads from `CONDA_CREDENTIAL_HELPER_TEST_HOSTS`.
pub fn host_map(entries: &[(&str, u16)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = entries
        .iter()
        .map(|(host, port)| (host.to_string(), serde_json::Value::from(*port)))
        .collect();
    serde_json::Value::Object(map).to_string()
}
