use super::*;

#[test]
fn replica_sets_keep_owner_revision_and_images_only() {
    let mut rs: SlimReplicaSet = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web-1", "annotations": {"deployment.kubernetes.io/revision": "3"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u"}]},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "web", "image": "web:3\x1b[2J",
                "env": [{"name": "A", "value": "1"}], "resources": {"requests": {"cpu": "1"}}}]}}}}))
    .unwrap();
    replica_set(&mut rs);
    assert_eq!(rs.images, vec!["web:3".to_owned()]);
    assert_eq!(rs.revision.as_deref(), Some("3"));
    assert_eq!(rs.metadata.owner_references.as_ref().unwrap()[0].name, "web");
    assert!(rs.metadata.annotations.is_none() && rs.metadata.labels.is_none());
}

#[test]
fn tls_secret_keeps_only_the_certificate() {
    // As the watch decodes it: a Secret with a key in, no key out (it is never decoded).
    let mut secret: TlsSecret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "s", "annotations": {LAST_APPLIED: "{\"data\":{\"tls.key\":\"a2V5\"}}", "keep": "me"}},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": "Y2VydA==", "tls.key": "a2V5"}}))
    .unwrap();
    tls_secret(&mut secret);
    assert_eq!(secret.data.tls_crt.as_ref().map(|b| b.0.as_slice()), Some(&b"cert"[..]));
    assert_eq!(secret.metadata.annotations.as_ref().unwrap().len(), 1);
    let debug = format!("{secret:?}");
    assert!(
        !debug.contains("a2V5") && !debug.contains("key\"") && !debug.contains("[107, 101, 121]"),
        "{debug}"
    );
}

const NASTY: &str = "a\x1b]0;owned\x07b\x1b[2Jc\rd\x1b]52;c;aGk=\x07e\u{9b}31mf";
const CLEAN: &str = "abc def";

#[test]
fn events_are_sanitized_at_the_edge() {
    let mut ev: SlimEvent = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "e", "namespace": "shop", "annotations": {"note": NASTY},
            "labels": {"k": NASTY}},
        "involvedObject": {"kind": "Pod", "name": "web\x1b[2J", "namespace": "shop"},
        "reason": NASTY, "message": NASTY, "type": "Warning", "source": {"component": NASTY}}))
    .unwrap();
    event(&mut ev);
    assert_eq!(ev.message.as_deref(), Some(CLEAN));
    assert_eq!(ev.reason.as_deref(), Some(CLEAN));
    assert_eq!(ev.involved_object.name.as_deref(), Some("web"));
    // What the ring keeps of it is what was cleaned; nothing else (source, labels) is kept.
    let kept = crate::k8s::event_ring::EventRecord::from(&ev);
    assert_eq!(
        (kept.reason.as_str(), kept.message.as_str(), kept.object_name.as_str()),
        (CLEAN, CLEAN, "web")
    );
    assert!(!format!("{kept:?}").contains('\x1b'));
}

#[test]
fn annotations_conditions_and_dirty_keys_are_sanitized() {
    let mut s: apps::StatefulSet = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "db", "annotations": {"a": NASTY, "k\x1b[2J": "v", "fine": "untouched"}},
        "status": {"replicas": 1, "conditions": [{"type": "Ready", "status": "False", "reason": NASTY, "message": NASTY}]}}))
    .unwrap();
    stateful_set(&mut s);
    let annotations = s.metadata.annotations.unwrap();
    assert_eq!(annotations["a"], CLEAN);
    assert_eq!(annotations["k"], "v");
    assert_eq!(annotations["fine"], "untouched");
    let c = &s.status.unwrap().conditions.unwrap()[0];
    assert_eq!((c.reason.as_deref(), c.message.as_deref()), (Some(CLEAN), Some(CLEAN)));
}

#[test]
fn slim_deployment_strings_are_sanitized() {
    let mut d: SlimDeployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web", "namespace": "shop",
            "annotations": {"deployment.kubernetes.io/revision": format!("2 {NASTY}"), "note": NASTY}},
        "spec": {"template": {"metadata": {"labels": {"app": "web\x1b]0;x\x07"}},
            "spec": {"containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "cfg\r"}}]}]}}},
        "status": {"conditions": [{"type": "Progressing", "status": "False", "reason": NASTY, "message": NASTY}]}}))
    .unwrap();
    deployment(&mut d);
    assert_eq!(d.revision.as_deref(), Some("2 abc def"));
    assert_eq!(d.spec.template.labels, vec![("app".to_owned(), "web".to_owned())]);
    assert_eq!(d.spec.template.config_maps, vec!["cfg ".to_owned()]);
    let c = d.status.progressing.unwrap();
    assert_eq!((c.reason.as_deref(), c.message.as_deref()), (Some(CLEAN), Some(CLEAN)));
    assert!(d.metadata.annotations.is_none(), "no annotation but the revision is kept");
}

#[test]
fn ingress_hosts_and_hpa_metric_names_are_sanitized() {
    let mut i: net::Ingress = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "shop"},
        "spec": {"rules": [{"host": "shop\x1b]0;x\x07.test", "http": {"paths": [{"path": "/\x1b[2J",
            "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}],
            "tls": [{"hosts": ["shop\r.test"], "secretName": "s"}]}}))
    .unwrap();
    ingress(&mut i);
    let spec = i.spec.unwrap();
    let rule = &spec.rules.unwrap()[0];
    assert_eq!(rule.host.as_deref(), Some("shop.test"));
    assert_eq!(rule.http.as_ref().unwrap().paths[0].path.as_deref(), Some("/"));
    assert_eq!(spec.tls.unwrap()[0].hosts.as_ref().unwrap()[0], "shop .test");
    let mut h: autoscaling::HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web"},
        "spec": {"maxReplicas": 3, "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "metrics": [{"type": "External", "external": {"metric": {"name": "q\x1b[2J"},
                "target": {"type": "Value", "value": "1"}}}]},
        "status": {"desiredReplicas": 1, "conditions": [{"type": "ScalingActive", "status": "False",
            "message": NASTY}]}}))
    .unwrap();
    hpa(&mut h);
    let metric = &h.spec.unwrap().metrics.unwrap()[0];
    assert_eq!(metric.external.as_ref().unwrap().metric.name, "q");
    assert_eq!(h.status.unwrap().conditions.unwrap()[0].message.as_deref(), Some(CLEAN));
}

#[test]
fn nodes_are_sanitized_at_the_edge() {
    let mut n: SlimNode = serde_json::from_slice(
        &serde_json::to_vec(&serde_json::json!({
            "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": NASTY,
                "node.kubernetes.io/instance-type": NASTY}},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": NASTY}]}}))
        .unwrap(),
    )
    .unwrap();
    node(&mut n);
    assert_eq!((n.zone.as_deref(), n.instance_type.as_deref()), (Some(CLEAN), Some(CLEAN)));
    assert_eq!(n.conditions[0].reason.as_deref(), Some(CLEAN));
    assert!(!format!("{n:?}").contains('\x1b'));
}
