//! The slim TLS Secret: metadata and `tls.crt`, nothing else.
//!
//! A k8s-openapi `Secret` base64-decodes every data value into memory, `tls.key` included,
//! before `.modify()` could drop it. This type names only `tls.crt`: serde skips every other
//! key as an unread token, so a private key is never decoded, stored, cloned or printed.

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::Deserialize;

#[derive(Resource, Deserialize, Clone, Debug, Default, PartialEq)]
#[resource(inherit = Secret)]
pub struct TlsSecret {
    pub metadata: ObjectMeta,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub data: TlsData,
}

#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
pub struct TlsData {
    /// The certificate chain (PEM); public by nature.
    #[serde(default, rename = "tls.crt")]
    pub tls_crt: Option<ByteString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_certificate_is_decoded() {
        let secret: TlsSecret = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "shop-tls", "namespace": "shop"},
            "data": {"tls.crt": "Y2VydA==", "tls.key": "c2VjcmV0LWtleQ==", "ca.crt": "Y2E="},
            "stringData": {"token": "plain"}}))
        .unwrap();
        assert_eq!(secret.data.tls_crt.as_ref().map(|b| b.0.as_slice()), Some(&b"cert"[..]));
        let debug = format!("{secret:?}");
        assert!(
            !debug.contains("secret-key") && !debug.contains("c2VjcmV0LWtleQ") && !debug.contains("plain")
        );
        // A key that is not valid base64 cannot fail the decode either: it is never read.
        let odd: TlsSecret = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "x"}, "data": {"tls.key": "!!not base64!!"}}))
        .unwrap();
        assert!(odd.data.tls_crt.is_none());
    }
}
