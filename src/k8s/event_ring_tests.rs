use super::*;
use serde_json::json;

/// An Event about `object` (a Pod in "shop"), `seconds` after 11:00.
fn event(name: &str, object: &str, kind: &str, seconds: i64) -> SlimEvent {
    let at = Timestamp::from_second(1_748_775_600 + seconds).unwrap().to_string();
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": object, "namespace": "shop"},
        "reason": format!("R{seconds}"), "message": "m", "type": kind, "lastTimestamp": at}))
    .unwrap()
}

fn names(store: &EventStore) -> Vec<String> {
    store.state().iter().map(|r| r.name.clone()).collect()
}

fn apply(writer: &mut EventWriter, ev: SlimEvent) {
    writer.apply_watcher_event(&watcher::Event::Apply(ev));
}

#[test]
fn only_the_newest_per_object_are_kept() {
    let mut writer = EventWriter::with_limits(3, 100);
    let store = writer.as_reader();
    // Out of order on purpose: "newest" is the event's time, not its arrival.
    for (name, at) in [("e1", 10), ("e4", 40), ("e2", 20), ("e5", 50), ("e3", 30)] {
        apply(&mut writer, event(name, "web-a", "Normal", at));
    }
    apply(&mut writer, event("other", "web-b", "Normal", 1));
    assert_eq!(names(&store), vec!["other", "e3", "e4", "e5"], "oldest first; web-a's newest 3");
    // A late event older than an object's newest N is not kept.
    apply(&mut writer, event("e0", "web-a", "Normal", 0));
    assert_eq!(names(&store), vec!["other", "e3", "e4", "e5"]);
    // An update (same name) replaces, it does not add: count and time move.
    apply(&mut writer, event("e3", "web-a", "Warning", 60));
    assert_eq!(names(&store), vec!["other", "e4", "e5", "e3"]);
    assert!(store.state().last().unwrap().warning);
    // A delete removes it, and the object may take a newer one again.
    writer.apply_watcher_event(&watcher::Event::Delete(event("e4", "web-a", "Normal", 40)));
    assert_eq!(names(&store), vec!["other", "e5", "e3"]);
    apply(&mut writer, event("e6", "web-a", "Normal", 70));
    assert_eq!(names(&store), vec!["other", "e5", "e3", "e6"]);
}

#[test]
fn the_cap_holds_and_normal_events_go_before_warnings() {
    let mut writer = EventWriter::with_limits(16, 5);
    let store = writer.as_reader();
    apply(&mut writer, event("w-old", "p0", "Warning", 0));
    for i in 1..=20 {
        apply(&mut writer, event(&format!("n{i}"), &format!("p{i}"), "Normal", i));
        assert!(store.len() <= 5, "{} kept", store.len());
    }
    // The oldest warning outlives 20 newer Normal events.
    assert_eq!(names(&store), vec!["w-old", "n17", "n18", "n19", "n20"]);
    for i in 21..=30 {
        apply(&mut writer, event(&format!("w{i}"), &format!("p{i}"), "Warning", i));
    }
    // Warnings only, the cap still holds: the oldest go.
    assert_eq!(names(&store), vec!["w26", "w27", "w28", "w29", "w30"]);
    assert_eq!(EventWriter::default().as_reader().len(), 0);
    assert_eq!((PER_OBJECT, CAP), (16, 10_000));
}

#[test]
fn a_relist_replaces_the_ring_when_done() {
    let mut writer = EventWriter::with_limits(4, 100);
    let store = writer.as_reader();
    apply(&mut writer, event("gone", "web-a", "Normal", 1));
    writer.apply_watcher_event(&watcher::Event::Init);
    writer.apply_watcher_event(&watcher::Event::InitApply(event("fresh", "web-a", "Warning", 2)));
    assert_eq!(names(&store), vec!["gone"], "the old ring shows until the list is complete");
    writer.apply_watcher_event(&watcher::Event::InitDone);
    assert_eq!(names(&store), vec!["fresh"]);
    // The fresh ring keeps the limits.
    for i in 0..10 {
        apply(&mut writer, event(&format!("e{i}"), "web-a", "Normal", 10 + i));
    }
    assert_eq!(store.len(), 4);
}

#[test]
fn a_record_resolves_time_count_and_object_as_the_views_did() {
    let ev: SlimEvent = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web-1.17f", "namespace": "shop", "creationTimestamp": "2025-06-01T10:00:00Z",
            "managedFields": [{"manager": "kubelet"}], "resourceVersion": "5"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "shop", "uid": "u",
            "fieldPath": "spec.containers{web}"},
        "reason": "BackOff", "message": "  Back-off restarting failed container  ", "type": "Warning",
        "count": 3, "firstTimestamp": "2025-06-01T10:00:00Z", "lastTimestamp": "2025-06-01T11:00:00Z",
        "series": {"count": 7, "lastObservedTime": "2025-06-01T11:30:00.123456Z"},
        "source": {"component": "kubelet", "host": "n1"}, "reportingComponent": "kubelet", "reportingInstance": "n1"}))
    .unwrap();
    let r = EventRecord::from(&ev);
    assert_eq!(r.at.unwrap().to_string(), "2025-06-01T11:30:00.123456Z", "series time first");
    assert_eq!(r.count, 7, "series count first");
    assert_eq!((r.object_kind.as_str(), r.object_name.as_str()), ("Pod", "web-1"));
    assert_eq!((r.namespace.as_deref(), r.object_namespace.as_deref()), (Some("shop"), Some("shop")));
    assert_eq!(
        (r.reason.as_str(), r.message.as_str(), r.warning),
        ("BackOff", "Back-off restarting failed container", true)
    );
    // Without series, lastTimestamp and count; without any time, the creation time; no count: 1.
    let bare: SlimEvent = serde_json::from_value(json!({
        "metadata": {"name": "e", "namespace": "shop", "creationTimestamp": "2025-06-01T10:00:00Z"},
        "involvedObject": {"kind": "Node", "name": "n1"}, "type": "Normal"}))
    .unwrap();
    let r = EventRecord::from(&bare);
    assert_eq!((r.at.unwrap().to_string().as_str(), r.count, r.warning), ("2025-06-01T10:00:00Z", 1, false));
    assert_eq!(r.object_namespace, None);
}
