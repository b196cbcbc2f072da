//! TLS secrets with real PEM certificates (rcgen), SANs = the ingress hosts.

use base64::Engine;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::store::{Store, StoreError};
use crate::world::telemetry::CertInfo;
use crate::world::typed;

#[derive(Debug)]
pub struct CertError(pub String);

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CertError {}

impl From<rcgen::Error> for CertError {
    fn from(e: rcgen::Error) -> Self {
        CertError(e.to_string())
    }
}

impl From<StoreError> for CertError {
    fn from(e: StoreError) -> Self {
        CertError(e.to_string())
    }
}

/// (certificate PEM, key PEM) valid for `hosts` until `not_after_unix` (issued 30 days before).
pub fn generate(hosts: &[String], not_after_unix: i64) -> Result<(String, String), CertError> {
    let mut params = rcgen::CertificateParams::new(hosts.to_vec())?;
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let at = |unix: i64| epoch + std::time::Duration::from_secs(unix.max(0) as u64);
    params.not_after = at(not_after_unix);
    params.not_before = at(not_after_unix - 90 * 86_400);
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, hosts.first().cloned().unwrap_or_else(|| "kdeck-sim".into()));
    params.distinguished_name = dn;
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Create or replace the `kubernetes.io/tls` secret.
pub fn store_tls_secret(
    store: &Store,
    namespace: &str,
    name: &str,
    hosts: &[String],
    not_after_unix: i64,
) -> Result<CertInfo, CertError> {
    let (cert, key) = generate(hosts, not_after_unix)?;
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            annotations: Some(
                [("cert-manager.io/issuer-name".to_string(), "letsencrypt-prod".to_string())].into(),
            ),
            ..Default::default()
        },
        type_: Some("kubernetes.io/tls".into()),
        data: Some(
            [
                ("tls.crt".to_string(), ByteString(cert.into_bytes())),
                ("tls.key".to_string(), ByteString(key.into_bytes())),
            ]
            .into(),
        ),
        ..Default::default()
    };
    if typed::get::<Secret>(store, Some(namespace), name).is_some() {
        typed::replace(store, &secret)?;
    } else {
        typed::create(store, &secret)?;
    }
    Ok(CertInfo { namespace: namespace.into(), secret: name.into(), hosts: hosts.to_vec(), not_after_unix })
}

/// (notBefore, notAfter) in unix seconds of the certificate in a `kubernetes.io/tls` secret.
pub fn secret_validity(store: &Store, namespace: &str, name: &str) -> Option<(i64, i64)> {
    let secret = typed::get::<Secret>(store, Some(namespace), name)?;
    let pem = secret.data.as_ref()?.get("tls.crt")?;
    let (_, der) = x509_parser::pem::parse_x509_pem(&pem.0).ok()?;
    let cert = der.parse_x509().ok()?;
    Some((cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp()))
}

/// stringData as the API server stores it: base64 in data.
pub fn fold_string_data(secret: &mut serde_json::Value) {
    let Some(string_data) = secret.get("stringData").and_then(|v| v.as_object()).cloned() else { return };
    let data = secret.as_object_mut().map(|o| o.entry("data").or_insert_with(|| serde_json::json!({})));
    if let Some(data) = data.and_then(|d| d.as_object_mut()) {
        for (k, v) in string_data {
            let text = v.as_str().unwrap_or_default();
            data.insert(k, serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(text)));
        }
    }
    if let Some(o) = secret.as_object_mut() {
        o.remove("stringData");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_carries_hosts_and_expiry() {
        let (pem, _) = generate(&["a.example.com".into(), "b.example.com".into()], 2_000_000_000).unwrap();
        let (_, der) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        let cert = der.parse_x509().unwrap();
        assert_eq!(cert.validity().not_after.timestamp(), 2_000_000_000);
        let sans = cert.subject_alternative_name().unwrap().unwrap();
        assert_eq!(sans.value.general_names.len(), 2);
    }
}
