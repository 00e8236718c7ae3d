//! The default transport speaks TLS and verifies certificates (loopback only, no network).
//!
//! A small rustls server (the *ring* provider, a blocking thread) listens on 127.0.0.1
//! with a `localhost` certificate from a throw-away CA (rcgen). A client built with
//! default options must refuse it (the CA is in no trust store), and the server must see
//! the client abort the handshake; the same client given the CA as an extra root must
//! get its answer over TLS 1.3, and over TLS 1.2 from a server that offers only 1.2.
#![cfg(feature = "v2021_01_01")]

use azure_core::http::{ClientOptions, RetryOptions};
use azure_importexport_rest::runtime::ReqwestTransport;
use azure_importexport_rest::{ImportExportClient, ImportExportClientOptions};
use azure_importexport_test::http1::{self, Limits};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ProtocolVersion, ServerConfig, ServerConnection, StreamOwned};
use std::io::Write as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const JOB: &str = r#"{"name":"job1","properties":{"state":"Creating"}}"#;
/// The largest request the server reads.
const LIMITS: Limits = Limits {
    head: 64 * 1024,
    body: 64 * 1024,
};

/// A CA certificate (DER) and a `localhost` server certificate it signed, with its key.
struct Pki {
    ca: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "azure_importexport_rest test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca: CertificateDer::from(ca_cert.der().to_vec()),
        leaf: CertificateDer::from(leaf.der().to_vec()),
        leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// What the server saw on its one connection: the negotiated version, or the error that
/// ended the handshake.
type Seen = Result<ProtocolVersion, String>;

/// Serves one connection on 127.0.0.1: completes the handshake, reads a request and
/// answers `JOB`; reports what it saw. Returns the port.
fn serve_once(
    pki: &Pki,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> (u16, mpsc::Receiver<Seen>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let connection = ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = StreamOwned::new(connection, tcp);
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                let _ = tx.send(Err(e.to_string()));
                return;
            }
        }
        let version = tls.conn.protocol_version().expect("negotiated");
        // Whatever the request (or its absence), the answer is the job.
        let _ = http1::read_request_blocking(&mut tls, &mut Vec::new(), LIMITS);
        let answer = http1::message(
            "HTTP/1.1 200 OK",
            [("content-type", "application/json")],
            JOB.as_bytes(),
            true,
        );
        let _ = tls.write_all(&answer);
        let _ = tls.flush();
        tls.conn.send_close_notify();
        let _ = tls.conn.complete_io(&mut tls.sock);
        let _ = tx.send(Ok(version));
    });
    (port, rx)
}

fn client(port: u16, transport: Option<ReqwestTransport>) -> ImportExportClient {
    ImportExportClient::new(
        crate::common::SUB,
        crate::common::credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(format!("https://localhost:{port}")),
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                transport: transport.map(ReqwestTransport::into_transport),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client")
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(" <- ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[tokio::test]
async fn the_default_client_refuses_a_certificate_from_an_unknown_ca() {
    let pki = pki();
    let (port, seen) = serve_once(&pki, &[&rustls::version::TLS13, &rustls::version::TLS12]);
    let error = client(port, None)
        .jobs()
        .get(crate::common::RG, "job1", None)
        .await
        .expect_err("an untrusted certificate must be refused");
    let chain = error_chain(&error);
    assert!(
        matches!(error.kind(), azure_core::error::ErrorKind::Connection),
        "{:?}: {chain}",
        error.kind()
    );
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    // The server saw a TLS client abort the handshake with an alert about the certificate.
    let server = seen
        .recv_timeout(Duration::from_secs(10))
        .expect("the server reports");
    let reason = server.expect_err("the handshake must not complete");
    assert!(
        reason.contains("UnknownCA") || reason.contains("BadCertificate"),
        "{reason}"
    );
}

#[tokio::test]
async fn the_transport_connects_over_tls_13_and_12_to_a_trusted_server() {
    for (versions, expected) in [
        (
            &[&rustls::version::TLS13, &rustls::version::TLS12][..],
            ProtocolVersion::TLSv1_3,
        ),
        (&[&rustls::version::TLS12][..], ProtocolVersion::TLSv1_2),
    ] {
        let pki = pki();
        let (port, seen) = serve_once(&pki, versions);
        let transport = ReqwestTransport::with_extra_roots([pki.ca.clone()]).expect("transport");
        let job = client(port, Some(transport))
            .jobs()
            .get(crate::common::RG, "job1", None)
            .await
            .map_err(|e| error_chain(&e))
            .expect("a trusted server answers")
            .into_model()
            .expect("a job");
        assert_eq!(job.name.as_deref(), Some("job1"));
        let version = seen
            .recv_timeout(Duration::from_secs(10))
            .expect("the server reports")
            .expect("handshake completed");
        assert_eq!(version, expected);
    }
}

#[test]
fn a_certificate_for_another_host_is_refused_even_from_a_trusted_ca() {
    // Hostname verification is on: the certificate names `localhost`, the client asks
    // for 127.0.0.1.
    let pki = pki();
    let (port, _seen) = serve_once(&pki, &[&rustls::version::TLS13]);
    let transport = ReqwestTransport::with_extra_roots([pki.ca.clone()]).expect("transport");
    let client = ImportExportClient::new(
        crate::common::SUB,
        crate::common::credential(),
        Some(ImportExportClientOptions {
            endpoint: Some(format!("https://127.0.0.1:{port}")),
            client_options: ClientOptions {
                retry: RetryOptions::none(),
                transport: Some(transport.into_transport()),
                ..Default::default()
            },
            ..Default::default()
        }),
    )
    .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(client.jobs().get(crate::common::RG, "job1", None))
        .expect_err("a certificate for another name must be refused");
    let chain = error_chain(&error);
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
}
