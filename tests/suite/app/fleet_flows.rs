//! The fleet's keys in-process, typed as a user types them: `0` opens the fleet (every
//! context when none was given), Enter on a row switches to that cluster, nothing acts on
//! the old cluster's rows while the switch is under way, Esc comes back, `:compare` needs a
//! fleet.

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{keys, model};
use kdeck::app::pane::Pane;
use kdeck::effect::Effect;

fn flash(m: &kdeck::app::session::Session) -> String {
    m.model.ui.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

#[test]
fn zero_opens_a_fleet_of_every_context_and_enter_switches_to_the_row_chosen() {
    let mut m = model(incident_cluster());
    m.refresh(true);
    let effects = keys(&mut m, "0");
    // The fixture's kubeconfig has two contexts: both are watched.
    assert_eq!(
        effects,
        vec![Effect::StartFleet {
            contexts: vec!["prod-eu-west-1".into(), "staging".into()],
            shown: "prod-eu-west-1".into()
        }]
    );
    assert_eq!(m.model.ui.pane, Pane::Fleet);
    // Only `0` again: the fleet is started once.
    assert!(keys(&mut m, "10").is_empty());
    // The rows are the members, neither connected yet (in the order given): pick staging.
    let effects = keys(&mut m, "j\n");
    assert!(
        matches!(effects.as_slice(), [Effect::SwitchContext { context, .. }] if context == "staging"),
        "{effects:?}"
    );
    assert_eq!(m.model.ui.pane, Pane::Overview);
    // The overview still shows prod-eu-west-1's rows until staging connects: `s` acts on none.
    let effects = keys(&mut m, "2s");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(m.model.ui.dialog.is_none());
    assert!(flash(&m).contains("switching clusters"), "{}", flash(&m));
    // Esc goes back to the fleet.
    keys(&mut m, "\x1b");
    assert_eq!(m.model.ui.pane, Pane::Fleet);
}

#[test]
fn compare_needs_a_fleet_and_esc_closes_it() {
    let mut m = model(incident_cluster());
    m.refresh(true);
    assert!(keys(&mut m, ":compare payments/api\n").is_empty());
    assert!(flash(&m).contains(":compare needs a fleet"), "{}", flash(&m));
    assert_eq!(m.model.ui.pane, Pane::Overview);
    keys(&mut m, "0");
    keys(&mut m, ":compare payments/api\n");
    assert_eq!(m.model.ui.compare, Some(("payments".into(), "api".into())));
    keys(&mut m, "\x1b");
    assert_eq!(m.model.ui.compare, None);
    assert_eq!(m.model.ui.pane, Pane::Fleet);
}
