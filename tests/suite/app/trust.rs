//! What the user acts on is what the user asked for: keys in one batch, per-context policy
//! after `:ctx`, connection generations, and the cursor held by identity. Driven through
//! `Session::handle` exactly as the loop drives it (no refresh between keys of a batch).

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{connection, keys, model, render, session_with};
use kdeck::config::Config;
use kdeck::effect::Effect;
use kdeck::event::{Connected, ConnectionInfo, Event, Generation};
use kdeck::k8s::{ClusterEvent, Kind, PodEvent, SourceState};
use kdeck::policy::PolicyRules;

fn rules(config: &str) -> PolicyRules {
    let config = Config::parse(config, std::path::Path::new("config.toml")).unwrap();
    PolicyRules { config, ..PolicyRules::default() }
}

fn connected(generation: u64, context: &str) -> Event {
    let mut info: ConnectionInfo = connection(context);
    info.contexts.push("dev".into());
    Event::Connected(Box::new(Connected {
        generation: Generation(generation),
        info,
        stores: incident_cluster().stores().clone(),
        handoff: None,
    }))
}

fn scale_target(effects: &[Effect]) -> Option<(String, String)> {
    effects.iter().find_map(|e| match e {
        Effect::CheckAccess { target, .. } => Some((target.namespace.clone(), target.name.clone())),
        _ => None,
    })
}

#[test]
fn a_pane_key_and_an_action_in_one_read_act_on_the_new_panes_row() {
    // The autoscalers pane's first row is platform/gateway (its HPA is at max); the
    // overview's first row is a namespace, which names no workload.
    let mut m = model(incident_cluster());
    let effects = keys(&mut m, "3s");
    assert_eq!(scale_target(&effects), Some(("platform".into(), "gateway".into())), "{effects:?}");
    assert_eq!(m.model.ui.dialog.as_ref().map(|d| d.target.name.as_str()), Some("gateway"));
}

#[test]
fn a_pane_key_and_enter_in_one_read_drill_into_the_new_panes_row() {
    let mut one_by_one = model(incident_cluster());
    keys(&mut one_by_one, "2");
    let first = one_by_one.screen.rows.first().and_then(|r| r.workload.clone());
    assert!(first.is_some(), "the zones pane lists workloads");
    let mut m = model(incident_cluster());
    keys(&mut m, "2\n");
    assert_eq!(m.model.ui.drill, first);
}

#[test]
fn a_filter_typed_and_an_action_in_one_read_act_on_the_filtered_row() {
    let mut m = model(incident_cluster());
    let effects = keys(&mut m, "2/web\ns");
    assert_eq!(scale_target(&effects), Some(("orders".into(), "web".into())), "{effects:?}");
}

#[test]
fn each_context_switch_brings_that_contexts_own_policy() {
    let mut m = session_with(incident_cluster(), rules("[contexts.staging]\nreadonly = true\n"));
    assert!(!m.model.policy.is_readonly());
    let effects = keys(&mut m, ":ctx staging\n");
    assert_eq!(effects, vec![Effect::SwitchContext { context: "staging".into(), generation: Generation(1) }]);
    m.handle(connected(1, "staging"));
    assert_eq!(m.model.conn.context, "staging");
    assert!(m.model.policy.is_readonly(), "staging is read-only in the config");
    assert!(render(&mut m, 100, 30).contains("READ-ONLY"));
    for key in ["3s", "3r", "3u", "2r"] {
        assert!(keys(&mut m, key).is_empty(), "{key} sends nothing in a read-only context");
        assert!(m.model.ui.dialog.is_none(), "{key} opens no dialog");
    }
    keys(&mut m, ":ctx prod-eu-west-1\n");
    m.handle(connected(2, "prod-eu-west-1"));
    assert!(!m.model.policy.is_readonly(), "back on prod: its own policy");
    assert!(m.model.policy.confirm_name, "prod asks for the name");
    assert!(scale_target(&keys(&mut m, "3s")).is_some());
}

#[test]
fn no_action_opens_while_a_context_switch_is_under_way() {
    let mut m = model(incident_cluster());
    keys(&mut m, ":ctx staging\n");
    // The rows on screen are still prod's, but the user asked for staging: `s` opens nothing.
    assert!(keys(&mut m, "3s").is_empty());
    assert!(m.model.ui.dialog.is_none(), "no dialog on the old cluster's rows during the switch");
    m.handle(connected(1, "staging"));
    assert!(scale_target(&keys(&mut m, "3s")).is_some(), "once connected, staging's rows act");
}

#[test]
fn a_new_connection_closes_a_dialog_opened_in_the_old_one() {
    let mut m = model(incident_cluster());
    keys(&mut m, "3s");
    assert!(m.model.ui.dialog.is_some());
    // A connection not typed by the user (narrowed watches, a switch asked before the dialog
    // opened) is adopted: the dialog named an object of the old one.
    m.model.requested = kdeck::event::Generation(1);
    m.handle(connected(1, "staging"));
    assert!(m.model.ui.dialog.is_none(), "the dialog named an object of the old cluster");
}

#[test]
fn the_newest_switch_wins_whichever_connects_first() {
    let mut m = model(incident_cluster());
    m.model.conn.contexts.push("dev".into());
    let effects = keys(&mut m, ":ctx staging\n:ctx dev\n");
    assert_eq!(
        effects,
        vec![
            Effect::SwitchContext { context: "staging".into(), generation: Generation(1) },
            Effect::SwitchContext { context: "dev".into(), generation: Generation(2) },
        ]
    );
    m.handle(connected(2, "dev"));
    m.handle(connected(1, "staging"));
    assert_eq!(m.model.conn.context, "dev");
    assert_eq!(m.model.generation, Generation(2));
    // Data of the abandoned connection is dropped; data of the adopted one is applied.
    let forbidden_pods = |generation| {
        Event::Cluster(
            Generation(generation),
            ClusterEvent::State { kind: Kind::Pod, state: SourceState::Forbidden { message: "no".into() } },
        )
    };
    assert!(m.handle(forbidden_pods(1)).is_empty());
    assert_eq!(m.model.namespace, None, "generation 1's answer changed nothing");
    assert!(!m.handle(forbidden_pods(2)).is_empty(), "generation 2's answer narrows the watches");
}

#[test]
fn switching_back_while_a_switch_is_under_way_is_a_switch() {
    let mut m = model(incident_cluster());
    let effects = keys(&mut m, ":ctx staging\n:ctx prod-eu-west-1\n");
    assert_eq!(effects.len(), 2, "{effects:?}");
    m.handle(connected(1, "staging"));
    assert_eq!(m.model.conn.context, "prod-eu-west-1", "the abandoned switch is not adopted");
}

/// payments/api loses its pods: it turns unhealthy and its row moves up the zones pane.
fn payments_api_pods_deleted() -> Event {
    let deletes = (0..3)
        .map(|i| PodEvent::Delete { namespace: "payments".into(), name: format!("api-7d9f-{i}") })
        .collect();
    Event::Cluster(Generation(0), ClusterEvent::Pods(deletes))
}

#[test]
fn the_cursor_holds_its_row_when_data_reorders_the_rows() {
    let mut probe = model(incident_cluster());
    keys(&mut probe, "2");
    let before = probe.screen.rows.clone();
    probe.handle(payments_api_pods_deleted());
    probe.refresh(true);
    let after = probe.screen.rows.clone();
    let (index, moved) = before
        .iter()
        .enumerate()
        .find(|(i, row)| after.get(*i) != Some(*row) && after.contains(row))
        .expect("the fixture reorders some row");

    let mut m = model(incident_cluster());
    keys(&mut m, "2");
    // Down and up: the user has chosen a row (an untouched cursor stays at the top).
    keys(&mut m, "jk");
    keys(&mut m, &"j".repeat(index));
    assert_eq!(&m.screen.rows[m.model.ui.cursor().selected], moved);
    m.handle(payments_api_pods_deleted());
    m.refresh(true);
    assert_eq!(&m.screen.rows[m.model.ui.cursor().selected], moved, "the cursor followed its row");
    let effects = keys(&mut m, "s");
    assert_eq!(scale_target(&effects).map(|(_, name)| name), moved.workload.as_ref().map(|w| w.name.clone()));
}

#[test]
fn each_context_opens_with_its_namespace_unless_the_user_chose_one() {
    let config = "[contexts.staging]\nnamespace = \"payments\"\n";
    let mut m = session_with(incident_cluster(), rules(config));
    keys(&mut m, ":ctx staging\n");
    m.handle(connected(1, "staging"));
    assert_eq!(m.model.namespace.as_deref(), Some("payments"), "staging's configured scope");
    keys(&mut m, ":ns orders\n:ctx prod-eu-west-1\n");
    m.handle(connected(2, "prod-eu-west-1"));
    assert_eq!(m.model.namespace.as_deref(), Some("orders"), "a scope typed with :ns survives the switch");
}

fn unauthorized(generation: u64) -> Event {
    let state = SourceState::Retrying {
        since: jiff::Timestamp::UNIX_EPOCH,
        error: "401 Unauthorized: the token has expired".into(),
    };
    Event::Cluster(Generation(generation), ClusterEvent::State { kind: Kind::Pod, state })
}

#[test]
fn a_401_reads_the_credentials_again_once_then_says_so() {
    let mut m = model(incident_cluster());
    let context = m.model.conn.context.clone();
    let reread = vec![Effect::SwitchContext { context: context.clone(), generation: Generation(1) }];
    assert_eq!(m.handle(unauthorized(0)), reread, "the kubeconfig is read again (exec plugin, token file)");
    assert!(m.handle(unauthorized(0)).is_empty(), "one re-read at a time");
    m.handle(connected(1, &context));
    assert!(m.handle(unauthorized(1)).is_empty(), "rejected again: no reconnect loop");
    assert!(render(&mut m, 120, 30).contains("still rejected (401)"), "and the user is told");
    // Once a watch is live again, a later expiry is re-read again.
    m.handle(Event::Cluster(
        Generation(1),
        ClusterEvent::State { kind: Kind::Pod, state: SourceState::Live },
    ));
    let again = m.handle(unauthorized(1));
    assert_eq!(again, vec![Effect::SwitchContext { context, generation: Generation(2) }]);
}
