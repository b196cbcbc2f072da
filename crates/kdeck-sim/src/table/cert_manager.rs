//! Rows for cert-manager's kinds, as its CRDs' additionalPrinterColumns print them.

use serde_json::{Value, json};

use super::cells::text;

/// The `status` and `message` of the Ready condition (JSONPath `.status.conditions[?(@.type=="Ready")]`).
fn ready(object: &Value) -> (String, String) {
    let conditions = object["status"]["conditions"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    conditions
        .iter()
        .find(|c| c["type"] == "Ready")
        .map(|c| (text(c, "status"), text(c, "message")))
        .unwrap_or_default()
}

pub fn certificate_cells(certificate: &Value, name: String, created: String) -> Vec<Value> {
    let (status, message) = ready(certificate);
    vec![
        json!(name),
        json!(status),
        json!(text(certificate, "spec.secretName")),
        json!(text(certificate, "spec.issuerRef.name")),
        json!(message),
        json!(created),
    ]
}

pub fn issuer_cells(issuer: &Value, name: String, created: String) -> Vec<Value> {
    let (status, message) = ready(issuer);
    vec![json!(name), json!(status), json!(message), json!(created)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_rows_carry_ready_secret_issuer_and_message() {
        let c = json!({"spec": {"secretName": "shop-tls", "issuerRef": {"name": "letsencrypt-prod"}},
                       "status": {"conditions": [{"type": "Issuing", "status": "False"},
                                                 {"type": "Ready", "status": "True", "message": "ok"}]}});
        let cells = certificate_cells(&c, "shop".into(), "3d".into());
        assert_eq!(
            cells,
            vec![
                json!("shop"),
                json!("True"),
                json!("shop-tls"),
                json!("letsencrypt-prod"),
                json!("ok"),
                json!("3d")
            ]
        );
    }
}
