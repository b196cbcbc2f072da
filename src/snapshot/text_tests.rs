use super::*;
use crate::k8s::pod_facts::OwnerKind::ReplicaSet as Rs;
use crate::k8s::{Kind, SourceState};
use crate::model::Scope;
use crate::model::fixtures::{Fixtures, objects::*};
use serde_json::json;

fn doc() -> (Snapshot, Timestamp) {
    let now: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
    let long = "x".repeat(253);
    let mut crash = pod("shop", "web-1-a", Some((Rs, "web-1")), Some("n1"));
    crash.ready = false;
    crash.state_reason = Some("CrashLoopBackOff".into());
    let state = Fixtures::new()
        .at(now)
        .with(namespace("shop"))
        .with(node("n1", Some("zone-a"), true))
        .with(node("n2", Some("zone-b"), false))
        .with(deployment("shop", &long, 2, 1))
        .with(replica_set("shop", "web-1", &long, 1, "2025-06-01T10:00:00Z"))
        .with(hpa("shop", "web", &long, 1, 2, Some(2)))
        .with(service("shop", "web", &[("http", 80)]))
        .with(ingress("shop", "web", "shop.example.com", "web", json!(80)))
        .with(warning_event(
            "shop",
            "Pod",
            "web-1-a",
            "BackOff",
            &"very long message ".repeat(10),
            "2025-06-01T11:00:00Z",
        ))
        .pod(crash)
        .pod(pod("shop", "web-1-b", Some((Rs, "web-1")), Some("n1")))
        .source(
            Kind::TlsSecret,
            SourceState::Forbidden {
                message: "secrets is forbidden: User \"viewer\" cannot list resource \"secrets\"".into(),
            },
        )
        .build();
    (Snapshot::project(&state, &Scope::one("shop"), now, "kdeck-sim", "https://127.0.0.1:6443", None), now)
}

#[test]
fn text_fits_80_columns_and_names_trouble() {
    let (doc, now) = doc();
    let mut buf = Vec::new();
    write(&doc, now, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide ({}): {line}", line.chars().count());
    }
    assert!(text.contains("PROBLEMS ("), "{text}");
    assert!(text.contains("] Node n2: node NotReady (zone zone-b)"), "{text}");
    assert!(text.contains("secrets      forbidden: secrets is forbidden"), "{text}");
    assert!(text.contains("NAMESPACES") && text.contains("ZONES") && text.contains("TIMELINE"));
    assert!(text.contains("shop.example.com/ -> web:80 0/0 ready no-ready-endpoints"), "{text}");
}

#[test]
fn json_has_the_documented_keys() {
    let (doc, _) = doc();
    let v = crate::snapshot::json::to_value(&doc).unwrap();
    for key in [
        "context",
        "server",
        "namespaces",
        "zones",
        "workloads",
        "autoscalers",
        "ingresses",
        "problems",
        "timeline",
        "sources",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let ns = &v["namespaces"][0];
    assert_eq!(ns["name"], "shop");
    for k in ["running", "pending", "failed", "succeeded"] {
        assert!(ns["pods"][k].is_u64(), "pods.{k}");
    }
    assert!(ns["restarts"].is_u64() && ns["problems"].is_u64());
    let zone = &v["zones"][0];
    assert!(zone["nodes"]["ready"].is_u64() && zone["pods"]["total"].is_u64());
    let w = &v["workloads"][0];
    assert_eq!(w["kind"], "Deployment");
    assert_eq!(w["zones"]["zone-a"]["ready"], 1);
    assert!(w["flags"].is_array());
    let h = &v["autoscalers"][0];
    assert_eq!(h["target"]["kind"], "Deployment");
    assert_eq!(h["metrics"][0]["name"], "cpu");
    assert_eq!(h["conditions"]["ScalingActive"]["status"], "True");
    assert_eq!(h["flags"][0], "at-max");
    let i = &v["ingresses"][0];
    assert_eq!(i["routes"][0]["endpoints"]["total"], 0);
    assert_eq!(i["flags"][0], "no-ready-endpoints");
    let p = &v["problems"][0];
    assert_eq!(p["severity"], "error");
    assert!(p["kind"].is_string() && p["message"].is_string());
    let forbidden = v["sources"].as_array().unwrap().iter().find(|s| s["kind"] == "secrets").unwrap();
    assert_eq!(forbidden["state"], "forbidden");
    assert!(doc.error_count >= 2);
}

#[test]
fn one_view_only() {
    let now: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
    let state = Fixtures::new().with(node("n1", None, true)).build();
    let doc =
        Snapshot::project(&state, &Scope::All, now, "c", "s", Some(crate::model::views::ViewName::Zones));
    let v = crate::snapshot::json::to_value(&doc).unwrap();
    assert!(v.get("zones").is_some() && v.get("namespaces").is_none() && v.get("problems").is_none());
    assert_eq!(v["zones"][0]["zone"], "unlabelled");
    assert_eq!(doc.error_count, 0);
}

#[test]
fn escape_sequences_in_cluster_text_never_reach_the_output() {
    // Fixtures skip the watch edge (which sanitizes), so this checks the writer's own net.
    let now: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
    let nasty = "boom\x1b]0;owned\x07 \x1b[2J\r\x1b]52;c;aGk=\x07 \u{9b}31m end";
    let state = Fixtures::new()
        .at(now)
        .with(namespace("shop"))
        .with(warning_event("shop", "Pod", "web-1-a", nasty, nasty, "2025-06-01T11:00:00Z"))
        .build();
    let doc = Snapshot::project(&state, &Scope::one("shop"), now, "ctx\x1b[2J", "https://x", None);
    let mut buf = Vec::new();
    write(&doc, now, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
    assert!(!text.contains("]0;owned") && !text.contains("]52;") && !text.contains("[2J"), "{text}");
    assert!(text.contains("boom") && text.contains("end"), "{text}");
}
