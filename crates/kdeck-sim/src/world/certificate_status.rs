//! cert-manager's status shapes for a Certificate: the Ready and Issuing conditions with
//! the reasons and messages cert-manager writes, and its timestamps.

use serde_json::{Value, json};

/// RFC 3339 in seconds, as cert-manager writes notBefore/notAfter/renewalTime.
pub fn time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map(crate::store::meta::format_time).unwrap_or_default()
}

/// Unix seconds of an RFC 3339 field, if present and well-formed.
pub fn unix(value: &Value) -> Option<i64> {
    value.as_str()?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

pub fn ready_condition(now: &str, generation: i64) -> Value {
    json!({
        "type": "Ready",
        "status": "True",
        "reason": "Ready",
        "message": "Certificate is up to date and has not expired",
        "lastTransitionTime": now,
        "observedGeneration": generation,
    })
}

pub fn expired_condition(now: &str, generation: i64, not_after: &str) -> Value {
    json!({
        "type": "Ready",
        "status": "False",
        "reason": "Expired",
        "message": format!("Certificate expired on {not_after}"),
        "lastTransitionTime": now,
        "observedGeneration": generation,
    })
}

pub fn issuing_failed_condition(now: &str, generation: i64, message: &str) -> Value {
    json!({
        "type": "Issuing",
        "status": "False",
        "reason": "Failed",
        "message": message,
        "lastTransitionTime": now,
        "observedGeneration": generation,
    })
}

/// What cert-manager says when Let's Encrypt refuses to finalize the order (rate limit).
pub fn rate_limited_message(certificate: &str, next_revision: i64, dns_names: &[String]) -> String {
    let order = format!("{certificate}-{}-{next_revision}", order_suffix(certificate));
    let domain = registered_domain(dns_names.first().map(String::as_str).unwrap_or("example.com"));
    format!(
        "The certificate request has failed to complete and will be retried: Failed to wait for order resource \
         \"{order}\" to become ready: order is in \"errored\" state: Failed to finalize Order: 429 \
         urn:ietf:params:acme:error:rateLimited: Error finalizing order :: too many certificates already \
         issued for \"{domain}\""
    )
}

/// Five stable lowercase characters, like the hash in cert-manager's order names.
fn order_suffix(name: &str) -> String {
    let hash = crate::load::hash2(0, name, 5);
    (0..5).map(|i| char::from(b'a' + ((hash >> (i * 5)) % 26) as u8)).collect()
}

/// "example.com" for "api.shop.example.com": what Let's Encrypt rate-limits on.
fn registered_domain(host: &str) -> String {
    let labels: Vec<&str> = host.trim_start_matches("*.").split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

/// Replace (or add) the condition of `kind` in `status.conditions`, keeping its
/// lastTransitionTime when the status did not change.
pub fn set_condition(status: &mut serde_json::Map<String, Value>, mut condition: Value) {
    let kind = condition["type"].clone();
    let conditions = status.entry("conditions").or_insert_with(|| json!([]));
    let Some(list) = conditions.as_array_mut() else { return };
    if let Some(old) = list.iter_mut().find(|c| c["type"] == kind) {
        if old["status"] == condition["status"] {
            condition["lastTransitionTime"] = old["lastTransitionTime"].clone();
        }
        *old = condition;
    } else {
        list.push(condition);
    }
}

pub fn remove_condition(status: &mut serde_json::Map<String, Value>, kind: &str) {
    if let Some(list) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        list.retain(|c| c["type"] != kind);
    }
}

/// The condition of `kind`, if any.
pub fn condition<'a>(certificate: &'a Value, kind: &str) -> Option<&'a Value> {
    certificate["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_names_the_registered_domain() {
        let message = rate_limited_message("shop", 2, &["api.shop.example.com".into()]);
        assert!(message.contains("too many certificates already issued for \"example.com\""));
        assert!(message.contains("order resource \"shop-"));
        assert!(message.starts_with("The certificate request has failed to complete and will be retried"));
    }

    #[test]
    fn a_condition_keeps_its_transition_time_while_its_status_holds() {
        let mut status = serde_json::Map::new();
        set_condition(&mut status, ready_condition("2026-01-01T00:00:00Z", 1));
        set_condition(&mut status, ready_condition("2026-02-01T00:00:00Z", 1));
        assert_eq!(status["conditions"][0]["lastTransitionTime"], "2026-01-01T00:00:00Z");
        set_condition(&mut status, expired_condition("2026-03-01T00:00:00Z", 1, "x"));
        assert_eq!(status["conditions"][0]["lastTransitionTime"], "2026-03-01T00:00:00Z");
        assert_eq!(status["conditions"].as_array().map(Vec::len), Some(1));
    }
}
