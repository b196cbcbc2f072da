use super::*;

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).unwrap()
}

fn sample(pairs: &[(&str, &str)], value: f64) -> PromSample {
    PromSample { labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), value }
}

fn instant(id: QueryId, samples: Vec<PromSample>, at: i64) -> PromEvent {
    PromEvent::Instant { id, samples, at: ts(at) }
}

#[test]
fn traffic_combines_queries_and_goes_stale() {
    let mut st = PromState::new(Duration::from_secs(15));
    let ing = |v| {
        vec![sample(&[("namespace", "ingress-nginx"), ("exported_namespace", "shop"), ("ingress", "web")], v)]
    };
    st.apply(instant(QueryId::IngressRps, ing(12.0), 0));
    st.apply(instant(QueryId::Ingress5xxRatio, ing(0.25), 0));
    st.apply(instant(QueryId::IngressP95, ing(f64::NAN), 0));
    let t = st.ingress_traffic("shop", "web").unwrap();
    assert_eq!((t.rps, t.error_ratio, t.p95, t.stale), (12.0, Some(0.25), None, false));
    assert!(st.ingress_traffic("ingress-nginx", "web").is_none());
    assert_eq!(st.status().word, StatusWord::Live);
    st.set_now(ts(46));
    assert!(st.ingress_traffic("shop", "web").unwrap().stale);
    assert_eq!(st.status().word, StatusWord::Stale);
    assert_eq!(st.status().age, Some(Duration::from_secs(46)));
}

#[test]
fn usage_by_namespace_and_workload() {
    let mut st = PromState::new(Duration::from_secs(15));
    st.apply(instant(QueryId::NamespaceCpu, vec![sample(&[("namespace", "shop")], 1.5)], 0));
    let pods = vec![
        sample(&[("namespace", "shop"), ("pod", "web-7d9f8-abcde")], 0.5),
        sample(&[("namespace", "shop"), ("pod", "web-7d9f8-fghij")], 0.25),
        sample(&[("namespace", "shop"), ("pod", "web-api-7d9f8-xxxxx")], 9.0),
        sample(&[("namespace", "shop"), ("pod", "db-0")], 2.0),
    ];
    st.apply(instant(QueryId::PodCpu, pods, 0));
    let ns = st.namespace_usage("shop").unwrap();
    assert_eq!((ns.cpu_cores, ns.memory_bytes), (Some(1.5), None));
    assert_eq!(st.workload_usage("shop", ObjectKind::Deployment, "web").unwrap().cpu_cores, Some(0.75));
    assert_eq!(st.workload_usage("shop", ObjectKind::StatefulSet, "db").unwrap().cpu_cores, Some(2.0));
    assert_eq!(st.workload_usage("shop", ObjectKind::Pod, "db-0").unwrap().cpu_cores, Some(2.0));
    assert!(st.workload_usage("shop", ObjectKind::Deployment, "nope").is_none());
    // The owner join wins when present.
    st.apply(instant(
        QueryId::DeploymentCpu,
        vec![sample(&[("namespace", "shop"), ("owner_name", "web")], 0.8)],
        1,
    ));
    assert_eq!(st.workload_usage("shop", ObjectKind::Deployment, "web").unwrap().cpu_cores, Some(0.8));
}

#[test]
fn status_follows_errors_and_recovers() {
    let mut st = PromState::new(Duration::from_secs(15));
    assert_eq!(st.status().label(), "off");
    st.apply(PromEvent::Unavailable { error: PromError::new(PromErrorKind::NotConfigured, "x"), at: ts(0) });
    assert_eq!(st.status().label(), "off");
    st.apply(PromEvent::Connected { source: "http://p".into(), insecure: true, at: ts(0) });
    assert_eq!(st.status().label(), "connecting");
    let e401 = PromError::new(PromErrorKind::Unauthorized, "401 Unauthorized");
    st.apply(PromEvent::Failed { id: QueryId::IngressRps, error: e401, at: ts(1) });
    let s = st.status();
    assert_eq!((s.label().as_str(), s.insecure), ("401", true));
    assert!(s.hint.unwrap().contains("token"));
    st.apply(instant(QueryId::IngressRps, vec![], 2));
    assert_eq!(st.status().label(), "live");
    // A bad query alone does not flip the source.
    let bad = PromError::new(PromErrorKind::Query, "bad_data");
    st.apply(PromEvent::Failed { id: QueryId::IngressP99, error: bad, at: ts(3) });
    assert_eq!(st.status().label(), "live");
    assert!(st.query_error(QueryId::IngressP99).is_some());
    let big = PromError::new(PromErrorKind::TooLarge, "50000 series");
    st.apply(PromEvent::Failed { id: QueryId::PodCpu, error: big, at: ts(3) });
    assert_eq!(st.status().label(), "live");
    let slow = PromError::new(PromErrorKind::Timeout, "slow");
    st.apply(PromEvent::Failed { id: QueryId::IngressRps, error: slow, at: ts(4) });
    assert_eq!(st.status().label(), "timeout");
}

#[test]
fn hpa_history_and_alerts() {
    let mut st = PromState::new(Duration::from_secs(15));
    let labels: BTreeMap<String, String> = [("namespace", "shop"), ("horizontalpodautoscaler", "web")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let series = vec![PromSeries { labels, points: vec![(ts(0), 2.0), (ts(60), 3.0)] }];
    st.apply(PromEvent::Range { id: QueryId::HpaCurrentHistory, series, at: ts(60) });
    assert_eq!(st.hpa_history("shop", "web"), vec![(ts(0), 2.0), (ts(60), 3.0)]);
    assert!(st.hpa_history("shop", "other").is_empty());
    let alert = sample(
        &[("alertname", "KubeHpaMaxedOut"), ("namespace", "shop"), ("horizontalpodautoscaler", "web")],
        1.0,
    );
    st.apply(instant(QueryId::AlertsFiring, vec![alert], 61));
    assert_eq!(st.alerts_for(ObjectKind::HorizontalPodAutoscaler, "shop", "web").len(), 1);
    assert_eq!(st.alerts_for(ObjectKind::Namespace, "", "shop").len(), 1);
    assert!(st.alerts_for(ObjectKind::Deployment, "shop", "web").is_empty());
}

/// An interval no config can ask for any more (prom_config caps it at a day), but the state
/// takes any Duration: three of the longest one saturate instead of overflowing.
#[test]
fn the_longest_interval_is_never_stale_and_never_overflows() {
    let mut st = PromState::new(Duration::MAX);
    st.apply(instant(QueryId::IngressRps, vec![], 0));
    st.set_now(ts(1_000_000));
    assert_eq!(st.status().word, StatusWord::Live);
}
