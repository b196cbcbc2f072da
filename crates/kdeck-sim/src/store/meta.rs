//! Server-owned metadata (uid, resourceVersion, creationTimestamp, generation, generateName)
//! and the validation the sim enforces (names, negative replicas).

use jiff::Timestamp;
use rand::Rng;
use serde_json::{Map, Value};

use super::StoreError;
use crate::resources::ResourceType;

/// Kubernetes `Time` on the wire: RFC 3339, whole seconds, UTC.
pub fn format_time(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A random version-4 UUID, as the real server assigns.
pub fn new_uid() -> String {
    let bits: u128 = rand::rng().random();
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The 5-character random suffix apiserver appends to generateName.
pub fn generated_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

pub fn metadata_mut(object: &mut Value) -> Result<&mut Map<String, Value>, StoreError> {
    let Some(root) = object.as_object_mut() else {
        return Err(StoreError::BadRequest("the object is not a JSON object".into()));
    };
    let metadata = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    metadata.as_object_mut().ok_or_else(|| StoreError::BadRequest("metadata is not an object".into()))
}

pub fn str_field<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get("metadata").and_then(|m| m.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Put apiVersion and kind first-class on the object, whatever the client sent.
pub fn set_type_meta(rt: &ResourceType, object: &mut Value) -> Result<(), StoreError> {
    let Some(root) = object.as_object_mut() else {
        return Err(StoreError::BadRequest("the object is not a JSON object".into()));
    };
    root.insert("apiVersion".into(), Value::String(rt.api_version()));
    root.insert("kind".into(), Value::String(rt.kind.into()));
    Ok(())
}

pub fn set_resource_version(object: &mut Value, rv: u64) -> Result<(), StoreError> {
    metadata_mut(object)?.insert("resourceVersion".into(), Value::String(rv.to_string()));
    Ok(())
}

/// The defaults the real server fills in on create that clients show (namespace phase and
/// name label, secret and service types).
pub fn apply_create_defaults(rt: &ResourceType, object: &mut Value) {
    let name = str_field(object, "name").unwrap_or("").to_string();
    let Some(root) = object.as_object_mut() else { return };
    match (rt.group, rt.plural) {
        ("", "namespaces") => {
            let status = root.entry("status").or_insert_with(|| Value::Object(Map::new()));
            if let Some(status) = status.as_object_mut() {
                status.entry("phase").or_insert_with(|| Value::String("Active".into()));
            }
            if let Some(metadata) = root.get_mut("metadata").and_then(Value::as_object_mut) {
                let labels = metadata.entry("labels").or_insert_with(|| Value::Object(Map::new()));
                if let Some(labels) = labels.as_object_mut() {
                    labels.insert("kubernetes.io/metadata.name".into(), Value::String(name));
                }
            }
        }
        ("", "secrets") if root.get("type").and_then(Value::as_str).is_none_or(str::is_empty) => {
            root.insert("type".into(), Value::String("Opaque".into()));
        }
        ("", "services") => {
            if let Some(spec) = root.get_mut("spec").and_then(Value::as_object_mut) {
                spec.entry("type").or_insert_with(|| Value::String("ClusterIP".into()));
            }
        }
        _ => {}
    }
}

const SUBDOMAIN_HELP: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

/// "Deployment.apps \"x\" is invalid: ..." as the real server words it.
pub fn invalid(rt: &ResourceType, name: &str, detail: &str) -> StoreError {
    let kind = if rt.group.is_empty() { rt.kind.to_string() } else { format!("{}.{}", rt.kind, rt.group) };
    StoreError::Invalid(format!("{kind} \"{name}\" is invalid: {detail}"))
}

/// Validate what the sim checks: the name's syntax and non-negative replica counts.
pub fn validate(rt: &ResourceType, object: &Value) -> Result<(), StoreError> {
    let name = str_field(object, "name").unwrap_or("");
    let wants_label = matches!(rt.plural, "namespaces" | "services");
    let (ok, help) = if wants_label {
        (is_dns_label(name), LABEL_HELP)
    } else {
        // metrics and events use the same rule; ':' appears in no valid name either
        (is_dns_subdomain(name), SUBDOMAIN_HELP)
    };
    if !ok {
        return Err(invalid(rt, name, &format!("metadata.name: Invalid value: \"{name}\": {help}")));
    }
    if let Some(replicas) = object.get("spec").and_then(|s| s.get("replicas")).and_then(Value::as_i64)
        && replicas < 0
    {
        return Err(invalid(
            rt,
            name,
            &format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_a_version_four_uuid() {
        let uid = new_uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(uid.as_bytes()[14], b'4');
        assert!(matches!(uid.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn names_follow_rfc1123() {
        assert!(is_dns_subdomain("web-1.example"));
        assert!(!is_dns_subdomain("Web"));
        assert!(!is_dns_subdomain("-web"));
        assert!(!is_dns_subdomain(""));
        assert!(!is_dns_label("a.b"));
    }

    #[test]
    fn namespaces_and_secrets_get_server_defaults() {
        let ns_type = crate::resources::lookup("", "v1", "namespaces").unwrap();
        let mut ns = serde_json::json!({"metadata": {"name": "team-a"}});
        apply_create_defaults(ns_type, &mut ns);
        assert_eq!(ns["status"]["phase"], "Active");
        assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team-a");
        let secret_type = crate::resources::lookup("", "v1", "secrets").unwrap();
        let mut secret = serde_json::json!({"metadata": {"name": "s"}});
        apply_create_defaults(secret_type, &mut secret);
        assert_eq!(secret["type"], "Opaque");
    }

    #[test]
    fn time_has_whole_seconds() {
        let t = Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(format_time(t), "2023-11-14T22:13:20Z");
    }
}
