//! Just enough Kubernetes protobuf to read what kubectl's typed commands send (they post
//! protobuf, accepting JSON back): SelfSubjectAccessReview (`kubectl auth can-i`) and
//! Namespace/ConfigMap/Secret (`kubectl create namespace|configmap|secret`).
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

/// The entries of a protobuf map field (repeated {1: key, 2: value}).
fn map_entries<'a>(message: &[(u64, &'a [u8])], number: u64) -> Option<Vec<(String, &'a [u8])>> {
    let mut entries = Vec::new();
    for (_, entry) in message.iter().filter(|(n, _)| *n == number) {
        let entry = fields(entry)?;
        let key = String::from_utf8(field(&entry, 1)?.to_vec()).ok()?;
        entries.push((key, field(&entry, 2).unwrap_or(&[])));
    }
    Some(entries)
}

fn string_map(message: &[(u64, &[u8])], number: u64) -> Option<Value> {
    let entries = map_entries(message, number)?;
    let map: Map<String, Value> =
        entries.into_iter().map(|(k, v)| (k, json!(String::from_utf8_lossy(v)))).collect();
    Some(Value::Object(map))
}

fn bytes_map(message: &[(u64, &[u8])], number: u64) -> Option<Value> {
    use base64::Engine;
    let entries = map_entries(message, number)?;
    let map: Map<String, Value> = entries
        .into_iter()
        .map(|(k, v)| (k, json!(base64::engine::general_purpose::STANDARD.encode(v))))
        .collect();
    Some(Value::Object(map))
}

/// ObjectMeta: name 1, generateName 2, namespace 3, labels 11, annotations 12.
fn object_meta(bytes: &[u8]) -> Option<Value> {
    let mut meta = strings(bytes, &[(1, "name"), (2, "generateName"), (3, "namespace")])?;
    let parsed = fields(bytes)?;
    meta["labels"] = string_map(&parsed, 11)?;
    meta["annotations"] = string_map(&parsed, 12)?;
    Some(meta)
}

/// The protobuf bodies typed kubectl commands send (`kubectl create namespace|configmap|secret`)
/// as JSON; None for other kinds, which the caller answers with 415.
pub fn decode_object(body: &[u8]) -> Option<Value> {
    let unknown = fields(body.strip_prefix(MAGIC)?)?;
    let type_meta = strings(field(&unknown, 1)?, &[(1, "apiVersion"), (2, "kind")])?;
    let object = fields(field(&unknown, 2)?)?;
    let mut decoded = type_meta.clone();
    decoded["metadata"] = object_meta(field(&object, 1).unwrap_or(&[]))?;
    match (type_meta["apiVersion"].as_str()?, type_meta["kind"].as_str()?) {
        ("v1", "Namespace") => {}
        ("v1", "ConfigMap") => {
            decoded["data"] = string_map(&object, 2)?;
            decoded["binaryData"] = bytes_map(&object, 3)?;
        }
        ("v1", "Secret") => {
            decoded["data"] = bytes_map(&object, 2)?;
            if let Some(kind) = field(&object, 3) {
                decoded["type"] = json!(String::from_utf8_lossy(kind));
            }
        }
        _ => return None,
    }
    strip_empty_maps(&mut decoded);
    Some(decoded)
}

/// Protobuf cannot tell an empty map from a missing one; JSON clients expect them missing.
fn strip_empty_maps(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.retain(|_, v| !v.as_object().is_some_and(Map::is_empty));
        map.values_mut().for_each(strip_empty_maps);
    }
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

    #[test]
    fn decodes_kubectl_create_configmap() {
        let label = message(&[(1, b"team".to_vec()), (2, b"a".to_vec())]);
        let meta = message(&[(1, b"cfg".to_vec()), (3, b"shop".to_vec()), (11, label)]);
        let entry = message(&[(1, b"mode".to_vec()), (2, b"fast".to_vec())]);
        let cm = message(&[(1, meta), (2, entry)]);
        let type_meta = message(&[(1, b"v1".to_vec()), (2, b"ConfigMap".to_vec())]);
        let mut body = MAGIC.to_vec();
        body.extend(message(&[(1, type_meta), (2, cm)]));
        let decoded = decode_object(&body).unwrap();
        assert_eq!(decoded["metadata"]["name"], "cfg");
        assert_eq!(decoded["metadata"]["labels"]["team"], "a");
        assert_eq!(decoded["data"]["mode"], "fast");
        let pod_type = message(&[(1, b"v1".to_vec()), (2, b"Pod".to_vec())]);
        let mut pod = MAGIC.to_vec();
        pod.extend(message(&[(1, pod_type), (2, vec![])]));
        assert!(decode_object(&pod).is_none());
        assert!(decoded.get("binaryData").is_none() && decoded["metadata"].get("annotations").is_none());
    }
}
