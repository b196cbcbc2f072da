//! Names the controllers generate: pod-template-hash, random suffixes, revision hashes.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use rand::Rng;
use rand::rngs::SmallRng;
use serde_json::Value;

/// The alphabet of apimachinery's rand.String / SafeEncodeString (no vowels, no 0/1/3).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub const TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// A random name suffix like "x7k2p", from the seeded generator.
pub fn random_suffix(rng: &mut SmallRng, len: usize) -> String {
    (0..len).map(|_| SAFE[rng.random_range(0..SAFE.len())] as char).collect()
}

/// SafeEncodeString of a number's decimal digits, as the deployment controller does.
fn safe_encode(n: u32) -> String {
    n.to_string().bytes().map(|b| SAFE[usize::from(b) % SAFE.len()] as char).collect()
}

/// Canonical JSON of a value with sorted keys and without nulls/empty maps/empty lists,
/// so templates that differ only in defaulting or key order compare equal.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !is_empty(&map[k.as_str()])).collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(is_empty),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The template in canonical form, ignoring the pod-template-hash label.
pub fn template_key(template: &PodTemplateSpec) -> String {
    let mut template = template.clone();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(TEMPLATE_HASH_LABEL);
    }
    let value = serde_json::to_value(&template).unwrap_or(Value::Null);
    let mut out = String::new();
    canonical(&value, &mut out);
    out
}

/// FNV-32a of the canonical template, safe-encoded: the pod-template-hash value.
pub fn template_hash(template: &PodTemplateSpec) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in template_key(template).bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    safe_encode(h)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn hash_ignores_its_own_label_and_defaulted_empties() {
        let a: PodTemplateSpec = crate::json::decode(&json!({
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "i:1"}]}
        }))
        .unwrap();
        let b: PodTemplateSpec = crate::json::decode(&json!({
            "metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}, "annotations": {}},
            "spec": {"containers": [{"name": "c", "image": "i:1", "env": []}]}
        }))
        .unwrap();
        assert_eq!(template_hash(&a), template_hash(&b));
        let c: PodTemplateSpec = crate::json::decode(&json!({
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "i:2"}]}
        }))
        .unwrap();
        assert_ne!(template_hash(&a), template_hash(&c));
        assert!(template_hash(&a).bytes().all(|b| SAFE.contains(&b)));
    }
}
