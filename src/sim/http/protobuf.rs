//! Just enough Kubernetes protobuf to read the SelfSubjectAccessReview kubectl sends
//! (`kubectl auth can-i` posts protobuf, accepting JSON back).
//!
//! Envelope: magic "k8s\0", then runtime.Unknown {1: TypeMeta, 2: raw, 3: contentEncoding,
//! 4: contentType}; raw is the SSAR: {1: metadata, 2: spec {1: resourceAttributes
//! {1: namespace, 2: verb, 3: group, 4: version, 5: resource, 6: subresource, 7: name},
//! 2: nonResourceAttributes {1: path, 2: verb}}}.

use serde_json::{Map, Value, json};

const MAGIC: &[u8] = b"k8s\0";

pub fn is_protobuf(content_type: &str) -> bool {
    content_type.split(';').next().unwrap_or("").trim() == "application/vnd.kubernetes.protobuf"
}

fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The length-delimited fields of one message, as (field number, bytes); other wire types skipped.
fn fields(bytes: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let key = varint(bytes, &mut pos)?;
        match key & 7 {
            0 => {
                varint(bytes, &mut pos)?;
            }
            1 => pos += 8,
            2 => {
                let len = usize::try_from(varint(bytes, &mut pos)?).ok()?;
                let end = pos.checked_add(len).filter(|end| *end <= bytes.len())?;
                out.push((key >> 3, &bytes[pos..end]));
                pos = end;
            }
            5 => pos += 4,
            _ => return None,
        }
    }
    (pos == bytes.len()).then_some(out)
}

fn field<'a>(message: &[(u64, &'a [u8])], number: u64) -> Option<&'a [u8]> {
    message.iter().find(|(n, _)| *n == number).map(|(_, b)| *b)
}

fn strings(message: &[u8], names: &[(u64, &str)]) -> Option<Value> {
    let parsed = fields(message)?;
    let mut map = Map::new();
    for (number, name) in names {
        if let Some(bytes) = field(&parsed, *number) {
            map.insert((*name).to_string(), json!(String::from_utf8_lossy(bytes)));
        }
    }
    Some(Value::Object(map))
}

/// Decode a protobuf SelfSubjectAccessReview into its JSON shape.
pub fn decode_access_review(body: &[u8]) -> Option<Value> {
    let unknown = fields(body.strip_prefix(MAGIC)?)?;
    let review = fields(field(&unknown, 2)?)?;
    let spec = fields(field(&review, 2).unwrap_or(&[]))?;
    let mut spec_json = Map::new();
    if let Some(attributes) = field(&spec, 1) {
        let names = [
            (1, "namespace"),
            (2, "verb"),
            (3, "group"),
            (4, "version"),
            (5, "resource"),
            (6, "subresource"),
            (7, "name"),
        ];
        spec_json.insert("resourceAttributes".into(), strings(attributes, &names)?);
    }
    if let Some(attributes) = field(&spec, 2) {
        spec_json.insert("nonResourceAttributes".into(), strings(attributes, &[(1, "path"), (2, "verb")])?);
    }
    Some(
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec_json}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (number, bytes) in fields {
            out.push((number << 3) | 2);
            out.push(u8::try_from(bytes.len()).unwrap());
            out.extend(bytes);
        }
        out
    }

    #[test]
    fn decodes_what_kubectl_auth_can_i_sends() {
        let attributes = message(&[
            (1, b"shop".to_vec()),
            (2, b"patch".to_vec()),
            (3, b"apps".to_vec()),
            (5, b"deployments".to_vec()),
        ]);
        let spec = message(&[(1, attributes)]);
        let review = message(&[(1, vec![]), (2, spec)]);
        let type_meta =
            message(&[(1, b"authorization.k8s.io/v1".to_vec()), (2, b"SelfSubjectAccessReview".to_vec())]);
        let mut body = MAGIC.to_vec();
        body.extend(message(&[(1, type_meta), (2, review)]));
        let decoded = decode_access_review(&body).unwrap();
        let attrs = &decoded["spec"]["resourceAttributes"];
        assert_eq!(
            (attrs["verb"].as_str(), attrs["group"].as_str(), attrs["resource"].as_str()),
            (Some("patch"), Some("apps"), Some("deployments"))
        );
        assert_eq!(attrs["namespace"], "shop");
    }

    #[test]
    fn garbage_is_rejected_without_panicking() {
        assert!(decode_access_review(b"k8s\0\xff\xff\xff").is_none());
        assert!(decode_access_review(b"{}").is_none());
        assert!(decode_access_review(b"k8s\0\x12\x7f").is_none());
    }
}
