//! Data projected off the loop (`Session::projection_job`, then `finish`), as the loop does
//! it: the worker reads a detached copy, keys act meanwhile on the screen shown, and a result
//! that no longer shows what the user asked for is dropped, never shown.

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{key_event, keys, model};
use kdeck::app::session::Session;
use kdeck::event::{Event, Generation};
use kdeck::k8s::pod_facts::OwnerKind;
use kdeck::k8s::{ClusterEvent, PodEvent};
use kdeck::model::fixtures::objects as o;
use kdeck::ui::view::{Body, PaneView};

fn pods(events: Vec<PodEvent>) -> Event {
    Event::Cluster(Generation::default(), ClusterEvent::Pods(events))
}

fn delete(namespace: &str, name: &str) -> Event {
    pods(vec![PodEvent::Delete { namespace: namespace.into(), name: name.into() }])
}

/// Pods of payments/api in the zones pane as shown.
fn api_pods_shown(session: &Session) -> Option<u32> {
    let Body::Pane(pane) = &session.screen.body else { return None };
    let PaneView::Zones { view, .. } = pane.as_ref() else { return None };
    view.workloads.iter().find(|w| w.namespace == "payments" && w.name == "api").map(|w| w.total)
}

fn row_names(session: &Session) -> Vec<String> {
    session.screen.rows.iter().map(|r| r.name.clone()).collect()
}

fn on_zones() -> Session {
    let mut m = model(incident_cluster());
    keys(&mut m, "2");
    assert_eq!(api_pods_shown(&m), Some(3), "the fixture's payments/api has 3 pods");
    m
}

#[test]
fn a_projection_reads_the_pods_as_they_were_when_it_was_taken() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    let job = m.projection_job().expect("data changed: a job");
    // A pod event after the job was taken waits until the job lets go of the index; it is
    // applied when the result comes back, and projected next.
    m.handle(delete("payments", "api-7d9f-1"));
    assert!(m.model.data_stale, "the later event is still to be projected");
    let done = job.run();
    assert!(m.finish(done), "nothing shown changed: the result is taken");
    assert_eq!(api_pods_shown(&m), Some(2), "the job saw one delete, not two");
    assert!(m.model.data_stale, "the second delete is projected next");
    let job = m.projection_job().expect("the next job");
    assert!(m.finish(job.run()));
    assert_eq!(api_pods_shown(&m), Some(1));
}

#[test]
fn a_pane_switch_shows_the_last_projections_views_until_the_next_one() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    keys(&mut m, "32");
    // The switch is built from the views behind the screen, not from a new projection: the
    // zones pane is back exactly as it was (the delete is not projected yet).
    assert_eq!(api_pods_shown(&m), Some(3), "the views the screen had");
    assert!(m.model.data_stale, "the delete is still to be projected");
    let job = m.projection_job().expect("a job");
    assert!(m.finish(job.run()));
    assert_eq!(api_pods_shown(&m), Some(2));
}

#[test]
fn a_projection_taken_before_a_pane_switch_serves_the_pane_shown() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    let job = m.projection_job().expect("a job");
    keys(&mut m, "3");
    let done = job.run();
    assert!(m.finish(done), "the job projected every pane's views: the autoscalers pane takes its own");
    let Body::Pane(pane) = &m.screen.body else { panic!("a pane is shown") };
    assert!(matches!(pane.as_ref(), PaneView::Autoscalers { .. }), "{pane:?}");
    assert!(!m.model.data_stale, "nothing is left to project");
    keys(&mut m, "2");
    assert_eq!(api_pods_shown(&m), Some(2), "the zones pane, from the worker's views");
}

#[test]
fn a_projection_taken_before_a_scope_change_is_dropped() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    let job = m.projection_job().expect("a job");
    keys(&mut m, ":ns payments\n");
    assert!(!m.finish(job.run()), "the job projected every namespace; one is shown");
    assert!(m.model.data_stale, "the dropped data is projected again");
    assert_eq!(api_pods_shown(&m), Some(2), "the scope change projected in place");
}

#[test]
fn a_projection_older_than_the_screen_is_dropped() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    let job = m.projection_job().expect("a job");
    // Data due while the job runs: projected in place (pod events wait for the job's index,
    // so this projection sees the first delete too, and the newer state of everything else).
    m.handle(delete("payments", "api-7d9f-1"));
    assert!(m.refresh(true), "projected in place");
    assert!(!m.finish(job.run()), "the job is older than the screen: never shown");
    assert!(m.model.data_stale, "the delete held back during the job is projected next");
    assert!(m.refresh(true));
    assert_eq!(api_pods_shown(&m), Some(1));
}

#[test]
fn a_projection_that_finishes_after_keys_moved_the_cursor_keeps_the_chosen_row() {
    let mut m = on_zones();
    keys(&mut m, "jj");
    let chosen = m.selected_workload().expect("the third row names a workload");
    // While the job runs, every gateway pod loses its node: that workload sorts first.
    let evicted = (0..4)
        .map(|i| {
            let mut pod = o::pod(
                "platform",
                &format!("gateway-6b8-{i}"),
                Some((OwnerKind::ReplicaSet, "gateway-6b8")),
                None,
            );
            pod.ready = false;
            pod.unscheduled_reason = Some("Unschedulable".into());
            PodEvent::Apply(pod)
        })
        .collect();
    m.handle(pods(evicted));
    let job = m.projection_job().expect("a job");
    keys(&mut m, "k");
    let moved_to = m.selected_workload().expect("the second row names a workload");
    assert_ne!(moved_to, chosen);
    let before = row_names(&m);
    assert!(m.finish(job.run()));
    assert_ne!(row_names(&m), before, "the new workload re-sorted the rows");
    assert_eq!(m.selected_workload(), Some(moved_to), "the cursor holds the row it was moved to");
}

#[test]
fn a_filter_typed_while_a_projection_runs_applies_to_its_result() {
    let mut m = on_zones();
    m.handle(delete("payments", "api-7d9f-0"));
    let job = m.projection_job().expect("a job");
    keys(&mut m, "/gateway\n");
    let shown = row_names(&m);
    assert!(m.finish(job.run()));
    let after = row_names(&m);
    assert_eq!(after, shown, "only the filtered rows, before and after");
    assert!(after.iter().all(|name| name.contains("gateway")), "{after:?}");
}

#[test]
fn no_job_while_what_is_shown_waits_for_its_own_projection() {
    let mut m = on_zones();
    assert!(m.projection_job().is_none(), "no data changed");
    m.handle(delete("payments", "api-7d9f-0"));
    // A pane key, not yet followed by a frame or another key: its pane is projected in place.
    m.handle(key_event('3'));
    assert!(m.projection_job().is_none(), "a pane change is projected in place, before keys");
}
