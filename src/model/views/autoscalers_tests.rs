use super::*;
use crate::model::fixtures::{Fixtures, objects::*};
use serde_json::json;

fn custom_and_external() -> HorizontalPodAutoscaler {
    from_json(json!({
        "metadata": {"name": "queue", "namespace": "jobs"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "worker"}, "minReplicas": 2, "maxReplicas": 8,
            "metrics": [
                {"type": "Pods", "pods": {"metric": {"name": "jobs_in_flight"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                {"type": "External", "external": {"metric": {"name": "sqs_depth"}, "target": {"type": "Value", "value": "1k"}}},
                {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main", "apiVersion": "networking.k8s.io/v1"},
                    "metric": {"name": "requests_per_second"}, "target": {"type": "Value", "value": "2k"}}},
                {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
                    "target": {"type": "AverageValue", "averageValue": "512Mi"}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600,
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}], "selectPolicy": "Min"}}},
        "status": {"currentReplicas": 8, "desiredReplicas": 8, "lastScaleTime": "2025-06-01T11:50:00Z",
            "currentMetrics": [
                {"type": "Pods", "pods": {"metric": {"name": "jobs_in_flight"}, "current": {"averageValue": "31"}}},
                {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main"},
                    "metric": {"name": "requests_per_second"}, "current": {"value": "2500"}}},
                {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app", "current": {"averageValue": "400Mi"}}}],
            "conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
                {"type": "ScalingActive", "status": "False", "reason": "FailedGetExternalMetric",
                 "message": "unable to get external metric jobs/sqs_depth: no metrics returned"},
                {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas"}]}
    }))
}

#[test]
fn custom_object_and_external_metrics_in_their_own_units() {
    let state = Fixtures::new().with(deployment("jobs", "worker", 8, 8)).with(custom_and_external()).build();
    let view = project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    let row = &view.rows[0];
    assert_eq!((row.min, row.max, row.current, row.desired), (2, 8, Some(8), Some(8)));
    let metrics: Vec<(&str, Option<&str>, &str)> =
        row.metrics.iter().map(|m| (m.name.as_str(), m.current.as_deref(), m.target.as_str())).collect();
    assert_eq!(
        metrics,
        vec![
            ("jobs_in_flight", Some("31 (avg)"), "10 (avg)"),
            ("sqs_depth", None, "1k"),
            ("requests_per_second on Ingress/main", Some("2500"), "2k"),
            ("memory (container app)", Some("400Mi (avg)"), "512Mi (avg)"),
        ]
    );
    assert_eq!(row.metrics[1].source, MetricSource::External);
    assert!(row.flags.contains(&HpaFlag::AtMax));
    assert!(row.flags.contains(&HpaFlag::MetricsUnavailable));
    assert_eq!(row.severity, Severity::Error);
    assert_eq!(row.conditions["ScalingActive"].reason.as_deref(), Some("FailedGetExternalMetric"));
    let down = row.behavior.scale_down.as_ref().unwrap();
    assert_eq!(down.stabilization_window_seconds, Some(600));
    assert_eq!(down.policies, vec!["Pods 1 per 60s"]);
    assert!(row.behavior.scale_up.is_none());
    assert_eq!(row.last_scale_time.unwrap().to_string(), "2025-06-01T11:50:00Z");
    assert_eq!(row.target.exists, Some(true));
}

#[test]
fn missing_status_and_missing_target() {
    let state = Fixtures::new()
        .with(hpa("shop", "fresh", "ghost", 1, 3, None))
        .with(deployment("shop", "web", 3, 3))
        .with(hpa("shop", "web", "web", 1, 5, Some(3)))
        .build();
    let view = project(&state, &Scope::All, Timestamp::UNIX_EPOCH);
    let fresh = view.rows.iter().find(|r| r.name == "fresh").unwrap();
    assert_eq!(fresh.current, None);
    assert_eq!(fresh.metrics[0].current, None);
    assert_eq!(fresh.flags, vec![HpaFlag::TargetMissing], "no status is not 'metrics unavailable'");
    assert_eq!(view.rows[0].name, "fresh", "errors sort first");
    let web = view.rows.iter().find(|r| r.name == "web").unwrap();
    assert!(web.flags.is_empty(), "{:?}", web.flags);
    assert_eq!(web.metrics[0].current.as_deref(), Some("55%"));
    assert_eq!(web.metrics[0].target, "70%");
}

#[test]
fn desired_not_current_for_long_is_flagged() {
    let mut hpa_obj = hpa("shop", "web", "web", 1, 10, Some(3));
    hpa_obj.status.as_mut().unwrap().desired_replicas = 6;
    let start = Timestamp::from_second(1_748_779_200).unwrap();
    let state = Fixtures::new().at(start).with(deployment("shop", "web", 3, 3)).with(hpa_obj).build();
    let soon = project(&state, &Scope::All, start);
    assert!(!soon.rows[0].flags.contains(&HpaFlag::DesiredNotCurrent));
    let later = Timestamp::from_second(start.as_second() + STUCK_AFTER_SECONDS + 1).unwrap();
    let view = project(&state, &Scope::All, later);
    assert!(view.rows[0].flags.contains(&HpaFlag::DesiredNotCurrent));
}
