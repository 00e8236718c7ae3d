//! Fake sign-in endpoints on loopback, for the credential tests.
//!
//! azure_identity accepts only an `https` authority host (service principal, workload
//! identity), so the fake Entra ID token endpoint is a wiremock server behind a TLS
//! front on 127.0.0.1: a throw-away CA and a `localhost` certificate are generated per
//! test (rcgen), and the `azie` process trusts the CA through `SSL_CERT_FILE` (read by
//! rustls-native-certs, which reqwest's platform verifier uses on Linux). The managed
//! identity's App Service endpoint may be plain http, so it is a bare wiremock server.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use wiremock::MockServer;

/// A wiremock server reached over https at `https://localhost:PORT`.
pub struct HttpsServer {
    /// The server behind the TLS front: mount mocks and read received requests here.
    pub server: MockServer,
    /// `https://localhost:PORT`.
    pub uri: String,
    /// A PEM file with the CA that signed the front's certificate (for `SSL_CERT_FILE`).
    pub ca_file: tempfile::NamedTempFile,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl HttpsServer {
    pub async fn start() -> HttpsServer {
        let server = MockServer::start().await;
        let backend = *server.address();
        let (acceptor, ca_pem) = tls_acceptor();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept_loop = tokio::spawn(accept_loop(listener, acceptor, backend));
        let ca_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(ca_file.path(), ca_pem).unwrap();
        HttpsServer {
            server,
            uri: format!("https://localhost:{port}"),
            ca_file,
            accept_loop,
        }
    }

    pub fn ca_path(&self) -> &str {
        self.ca_file.path().to_str().unwrap()
    }
}

/// A CA, a leaf certificate for `localhost` and 127.0.0.1 signed by it, and an acceptor
/// serving the leaf. Returns the CA's PEM.
fn tls_acceptor() -> (TlsAcceptor, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "azie test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
    (TlsAcceptor::from(Arc::new(config)), ca_cert.pem())
}

/// Terminates TLS and pipes each connection to the backend.
async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, backend: SocketAddr) {
    while let Ok((stream, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            if let Ok(mut plain) = TcpStream::connect(backend).await {
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            }
        });
    }
}

/// An Entra ID token answer.
pub fn entra_token(access_token: &str) -> serde_json::Value {
    serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    })
}

/// An Entra ID refusal, as for a wrong client secret.
pub fn entra_refusal() -> serde_json::Value {
    serde_json::json!({
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.",
        "error_codes": [7000215],
    })
}

/// A managed-identity (App Service) token answer: `expires_on` is a string of seconds.
pub fn managed_identity_token(access_token: &str, resource: &str) -> serde_json::Value {
    let expires_on = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    serde_json::json!({
        "access_token": access_token,
        "expires_on": expires_on.to_string(),
        "token_type": "Bearer",
        "resource": resource,
    })
}
