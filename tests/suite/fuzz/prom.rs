//! Prometheus answers, through the state and what the panes ask of it.
use std::time::Duration;

use super::mutate_tree::*;
use super::{Bytes, cases, now};
use kdeck::app::replica_history;
use kdeck::prom::catalog::{self, CatalogQuery, QueryKind};
use kdeck::prom::envelope;
use kdeck::prom::query::{instant_samples, range_series};
use kdeck::prom::{ObjectKind, PromEvent, PromState, TrafficSet};
use kdeck::units::format;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

// 4. Prometheus answers.

fn prom_samples() -> Vec<Value> {
    vec![
        json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"__name__": "ALERTS", "alertname": "KubePodCrashLooping", "alertstate": "firing",
                        "namespace": "shop", "pod": "web-7d9f8-abcde", "severity": "critical"},
             "value": [1_800_000_000.123, "1"]},
            {"metric": {"namespace": "ingress-nginx", "exported_namespace": "shop", "ingress": "web"},
             "value": [1_800_000_000, "12.5"]},
            {"metric": {"namespace": "shop", "pod": "web-7d9f8-abcde", "owner_name": "web"},
             "value": [1_800_000_000, "0.25"]},
            {"metric": {"exported_namespace": "shop", "secret_name": "tls", "host": "shop.example"},
             "value": [1_800_000_000, "1893456000"]},
            {"metric": {"label_topology_kubernetes_io_zone": "eu-1a"}, "value": [1_800_000_000, "NaN"]}]}}),
        json!({"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"namespace": "shop", "horizontalpodautoscaler": "web"},
             "values": [[1_799_996_400, "2"], [1_799_998_200, "+Inf"], [1_800_000_000, "5"]]}]}}),
        json!({"status": "success", "data": {"resultType": "scalar", "result": [1_800_000_000, "1"]}}),
        json!({"status": "success", "data": {"resultType": "string", "result": [1_800_000_000, "x"]}}),
        json!({"status": "error", "errorType": "bad_data", "error": "parse error at char 3"}),
        json!({"status": "error", "errorType": "timeout", "error": "query timed out", "warnings": ["w"]}),
    ]
}

fn status_code() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200u16),
        2 => select(&[204u16, 400, 401, 403, 404, 422, 500, 502, 503, 504][..]),
        1 => any::<u16>(),
    ]
}

/// A sample value as Prometheus writes it, and the other things a server could send there.
fn prom_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => select(&["NaN", "+Inf", "-Inf", "1e308", "-1e308", "1e309", "1.7976931348623157e308",
                      "5e-324", "-0", "0", "1", "inf", "nan", "Infinity", "0x1p3", "", " 1", "1_000",
                      "18446744073709551616", "9223372036854775807", "1893456000", "-1893456000"][..])
            .prop_map(Value::from),
        6 => any::<f64>().prop_map(|f| Value::from(f.to_string())),
        3 => any::<i64>().prop_map(|i| Value::from(i.to_string())),
        1 => weird_leaf(),
    ]
}

fn prom_time() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => (1_700_000_000.0..1_900_000_000.0f64).prop_map(Value::from),
        8 => select(&[0.0, -1.0, 1e308, -1e308, 9.3e15, -9.3e15, 253_402_300_799.0, 1e12, 5e-324][..]).prop_map(Value::from),
        4 => any::<f64>().prop_map(Value::from),
        1 => weird_leaf(),
    ]
}

/// Labels the catalog's queries carry, with values that name objects the harness asks about.
fn prom_labels() -> impl Strategy<Value = Value> {
    let name = select(
        &[
            "__name__",
            "alertname",
            "alertstate",
            "severity",
            "namespace",
            "exported_namespace",
            "pod",
            "deployment",
            "statefulset",
            "daemonset",
            "horizontalpodautoscaler",
            "ingress",
            "node",
            "owner_name",
            "secret_name",
            "host",
            "label_topology_kubernetes_io_zone",
        ][..],
    );
    let value = prop_oneof![
        3 => select(&["shop", "web", "web-7d9f8-abcde", "db-0", "n1", "", "web-", "-", "web-a-b-c"][..]).prop_map(str::to_string),
        1 => any::<String>(),
    ];
    btree_map(name, value, 0..8)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), Value::from(v))).collect()))
}

/// A well-formed envelope whose numbers, times and labels are generated.
fn prom_generated() -> impl Strategy<Value = Value> {
    let point = || (prom_time(), prom_number()).prop_map(|(t, v)| json!([t, v]));
    let vector = vec((prom_labels(), point()), 0..12).prop_map(|items| {
        let result: Vec<Value> = items.into_iter().map(|(m, v)| json!({"metric": m, "value": v})).collect();
        json!({"resultType": "vector", "result": result})
    });
    let matrix = vec((prom_labels(), vec(point(), 0..40)), 0..6).prop_map(|items| {
        let result: Vec<Value> = items.into_iter().map(|(m, v)| json!({"metric": m, "values": v})).collect();
        json!({"resultType": "matrix", "result": result})
    });
    let scalar = point().prop_map(|p| json!({"resultType": "scalar", "result": p}));
    prop_oneof![vector, matrix, scalar].prop_map(|data| json!({"status": "success", "data": data}))
}

fn prom_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prom_generated().prop_map(|v| v.to_string().into_bytes()),
        3 => mutated_json(prom_samples()),
        1 => vec(any::<u8>(), 0..256),
    ]
}

/// One answer through the envelope, the conversion and the state, and every accessor the
/// panes and the snapshot call.
fn exercise_prom(status: u16, body: &[u8]) {
    let Ok(data) = envelope::parse(status, body) else { return };
    let mut state = PromState::new(Duration::from_secs(15));
    let mut names: Vec<String> = vec!["shop".into(), "web".into(), "db".into(), String::new()];
    for CatalogQuery { id, kind, .. } in catalog::catalog(TrafficSet::IngressNginx) {
        let event = match kind {
            QueryKind::Instant => match instant_samples(data.clone()) {
                Ok(samples) => {
                    names.extend(samples.iter().flat_map(|s| s.labels.values().cloned()));
                    PromEvent::Instant { id, samples, at: now() }
                }
                Err(error) => PromEvent::Failed { id, error, at: now() },
            },
            QueryKind::Range => match range_series(data.clone()) {
                Ok(series) => PromEvent::Range { id, series, at: now() },
                Err(error) => PromEvent::Failed { id, error, at: now() },
            },
        };
        state.apply(event);
    }
    names.sort();
    names.dedup();
    names.truncate(12);
    let kinds = [
        ObjectKind::Namespace,
        ObjectKind::Pod,
        ObjectKind::Deployment,
        ObjectKind::StatefulSet,
        ObjectKind::DaemonSet,
        ObjectKind::HorizontalPodAutoscaler,
        ObjectKind::Ingress,
        ObjectKind::Node,
    ];
    for ns in &names {
        for name in &names {
            if let Some(t) = state.ingress_traffic(ns, name) {
                let _ = (format::per_second(t.rps), t.error_ratio.map(format::ratio_percent));
                let _ = [t.p50, t.p95, t.p99].map(|p| p.map(format::latency));
            }
            let _ = state.namespace_usage(ns);
            for kind in kinds {
                let _ = state.workload_usage(ns, kind, name);
                let _ = state.alerts_for(kind, ns, name);
            }
            let history = state.hpa_history(ns, name);
            let buckets = replica_history::buckets(&history, Some(3.0), now(), 60);
            let _ = replica_history::sparkline(&buckets, 1.0, 10.0);
        }
    }
    let _ = (state.pods_per_zone(), state.cert_expiry(), state.alerts().len());
    state.set_now(now().checked_add(jiff::SignedDuration::from_secs(3600)).unwrap());
    let _ = state.status().line();
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn prometheus_answers_never_panic(status in status_code(), body in prom_body().prop_map(Bytes)) {
        exercise_prom(status, &body.0);
    }
}
