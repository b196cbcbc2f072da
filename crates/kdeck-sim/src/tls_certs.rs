//! Per-run certificates: a fresh CA and a server certificate for 127.0.0.1 and localhost.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The CA clients must trust and the TLS configuration the server presents.
pub struct SimCertificates {
    /// PEM of the CA certificate (what kubeconfig's certificate-authority-data carries).
    pub ca_pem: String,
    pub server_config: Arc<ServerConfig>,
}

#[derive(Debug)]
pub struct CertError(pub String);

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sim certificates: {}", self.0)
    }
}

impl std::error::Error for CertError {}

fn err(context: &str) -> impl Fn(&dyn std::fmt::Display) -> CertError + '_ {
    move |e| CertError(format!("{context}: {e}"))
}

pub fn generate() -> Result<SimCertificates, CertError> {
    crate::tls::install_crypto_provider();
    let ca_key = KeyPair::generate().map_err(|e| err("CA key")(&e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| err("CA params")(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "kdeck-sim-ca");
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| err("CA certificate")(&e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(|e| err("server key")(&e))?;
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string(), "::1".to_string()])
            .map_err(|e| err("server params")(&e))?;
    params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    let server_cert = params.signed_by(&server_key, &issuer).map_err(|e| err("server certificate")(&e))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err("TLS versions")(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| err("TLS config")(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(SimCertificates { ca_pem: ca_cert.pem(), server_config: Arc::new(config) })
}
