//! User flows through keymap -> update -> effects, with no terminal and no runtime.

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{keys, model, render, session_with};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use kdeck::app::pane::Pane;
use kdeck::app::session::Session;
use kdeck::effect::Effect;
use kdeck::event::{Event, Generation};
use kdeck::policy::PolicyRules;

#[test]
fn digits_and_tab_move_between_panes() {
    let mut m = model(incident_cluster());
    assert_eq!(m.model.ui.pane, Pane::Overview);
    keys(&mut m, "3");
    assert_eq!(m.model.ui.pane, Pane::Autoscalers);
    keys(&mut m, "\t\t");
    assert_eq!(m.model.ui.pane, Pane::Events);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Storage);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Certificates);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Policies);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Gateways);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Mesh);
    keys(&mut m, "\t");
    assert_eq!(m.model.ui.pane, Pane::Overview);
    keys(&mut m, "6");
    assert_eq!(m.model.ui.pane, Pane::Storage);
    keys(&mut m, "m");
    assert_eq!(m.model.ui.pane, Pane::Mesh);
    keys(&mut m, "9");
    assert_eq!(m.model.ui.pane, Pane::Gateways);
}

#[test]
fn filter_narrows_negates_and_esc_clears() {
    let mut m = model(incident_cluster());
    m.refresh(true);
    let all = m.visible_rows();
    assert_eq!(all, 3, "three namespaces");
    keys(&mut m, "/pay");
    assert_eq!(m.visible_rows(), 1, "filter applies while typing");
    keys(&mut m, "\n");
    assert_eq!(m.model.ui.filter(Pane::Overview), "pay");
    keys(&mut m, "/");
    keys(&mut m, "\x1b");
    assert_eq!(m.visible_rows(), 1, "Esc on the line keeps the filter");
    keys(&mut m, "\x1b");
    assert_eq!(m.visible_rows(), all, "Esc in normal mode clears it");
    keys(&mut m, "/!pay\n");
    assert_eq!(m.visible_rows(), 2);
    assert!(m.screen.rows.iter().all(|r| r.name != "payments"));
}

#[test]
fn enter_drills_into_a_workload_and_esc_returns() {
    let mut m = model(incident_cluster());
    keys(&mut m, "2");
    let first = m.screen.rows.first().cloned().expect("zones pane has workload rows");
    keys(&mut m, "\n");
    let drilled = m.model.ui.drill.clone().expect("Enter drilled into the row's workload");
    assert_eq!(Some(drilled), first.workload);
    keys(&mut m, "\x1b");
    assert!(m.model.ui.drill.is_none());
    assert_eq!(m.model.ui.pane, Pane::Zones);
}

#[test]
fn namespace_command_scopes_views_instantly() {
    let mut m = model(incident_cluster());
    keys(&mut m, ":ns orders\n");
    assert_eq!(m.model.namespace.as_deref(), Some("orders"));
    assert_eq!(m.visible_rows(), 1);
    assert!(render(&mut m, 100, 30).contains("ns: orders"));
    keys(&mut m, ":ns all\n");
    assert_eq!(m.model.namespace, None);
    assert_eq!(m.visible_rows(), 3);
}

#[test]
fn context_switch_is_an_effect_and_unknown_contexts_are_refused() {
    let mut m = model(incident_cluster());
    assert_eq!(
        keys(&mut m, ":ctx staging\n"),
        vec![Effect::SwitchContext { context: "staging".into(), generation: Generation(1) }]
    );
    assert!(keys(&mut m, ":ctx nowhere\n").is_empty());
    let flash = m.model.ui.flash.clone().expect("a refusal is shown");
    assert!(flash.text.contains("nowhere"), "{flash:?}");
}

#[test]
fn y_copies_the_selected_name() {
    let mut m = model(incident_cluster());
    keys(&mut m, "4");
    let effects = keys(&mut m, "y");
    assert_eq!(effects.len(), 1);
    let Effect::CopyToClipboard(name) = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(Some(name.as_str()), m.screen.rows.first().map(|r| r.name.as_str()));
}

#[test]
fn cursor_stays_within_the_rows() {
    let mut m = model(incident_cluster());
    keys(&mut m, "kkkk");
    assert_eq!(m.model.ui.cursor().selected, 0);
    keys(&mut m, "jjjjjjjjjj");
    assert_eq!(m.model.ui.cursor().selected, m.visible_rows() - 1);
    keys(&mut m, "g");
    assert_eq!(m.model.ui.cursor().selected, 0);
    keys(&mut m, "G");
    assert_eq!(m.model.ui.cursor().selected, m.visible_rows() - 1);
}

#[test]
fn help_opens_and_any_key_closes_it_without_acting() {
    let mut m = model(incident_cluster());
    keys(&mut m, "?");
    assert!(m.model.ui.help);
    keys(&mut m, "3");
    assert!(!m.model.ui.help);
    assert_eq!(m.model.ui.pane, Pane::Overview, "the closing key is not also an action");
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut m = model(incident_cluster());
    keys(&mut m, "q");
    assert!(m.model.quit);
    let mut m = model(incident_cluster());
    keys(&mut m, "/");
    m.handle(Event::Input(TermEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))));
    assert!(m.model.quit, "Ctrl-C quits even while typing a filter");
}

#[test]
fn actions_are_refused_plainly_in_read_only_mode() {
    let mut m =
        session_with(incident_cluster(), PolicyRules { readonly_flag: true, ..PolicyRules::default() });
    assert!(keys(&mut m, "s").is_empty());
    assert!(m.model.ui.flash.as_ref().is_some_and(|f| f.text.contains("read-only")));
}

#[test]
fn signals_and_closed_input_end_the_loop() {
    let mut m = model(incident_cluster());
    m.handle(Event::Signal("SIGHUP"));
    assert!(m.model.quit);
    let mut m = model(incident_cluster());
    m.handle(Event::InputClosed("EIO".into()));
    assert!(m.model.quit);
}

#[test]
fn forbidden_cluster_wide_pods_narrow_the_watches_to_the_context_namespace_once() {
    use kdeck::k8s::{ClusterEvent, Kind, SourceState};
    let mut m = model(incident_cluster());
    let forbidden = || {
        Event::Cluster(
            Generation(0),
            ClusterEvent::State {
                kind: Kind::Pod,
                state: SourceState::Forbidden { message: "pods is forbidden".into() },
            },
        )
    };
    let effects = m.handle(forbidden());
    assert_eq!(
        effects,
        vec![Effect::NarrowWatches { namespace: "default".into(), generation: Generation(1) }]
    );
    assert_eq!(m.model.namespace.as_deref(), Some("default"));
    assert!(m.handle(forbidden()).is_empty(), "narrowed once, not in a loop");
    // Other kinds being forbidden (secrets for a viewer) change nothing.
    let mut m = model(incident_cluster());
    let secrets = Event::Cluster(
        Generation(0),
        ClusterEvent::State {
            kind: Kind::TlsSecret,
            state: SourceState::Forbidden { message: "secrets is forbidden".into() },
        },
    );
    assert!(m.handle(secrets).is_empty());
    assert_eq!(m.model.namespace, None);
}

mod actions {
    use super::*;
    use kdeck::app::dialog::{Access, Step};
    use kdeck::effect::WriteRequest;
    use kdeck::k8s::actions::Access as ApiAccess;
    use kdeck::types::WriteKind;

    fn open_scale_on_gateway(m: &mut Session) -> u64 {
        keys(m, "3");
        // platform/gateway is first: its HPA is at max.
        let effects = keys(m, "s");
        let Some(Effect::CheckAccess { dialog, write, target }) = effects.first().cloned() else {
            panic!("scale asks for permission first: {effects:?}")
        };
        assert_eq!(write, WriteKind::Scale);
        assert_eq!((target.namespace.as_str(), target.name.as_str()), ("platform", "gateway"));
        dialog
    }

    #[test]
    fn scale_from_an_hpa_row_warns_checks_access_then_writes() {
        let mut m = model(incident_cluster());
        let id = open_scale_on_gateway(&mut m);
        let dialog = m.model.ui.dialog.clone().unwrap();
        assert_eq!(
            dialog.preflight.hpa,
            Some(("gateway".into(), 2, 4)),
            "the HPA that will override is named"
        );
        let screen = render(&mut m, 100, 30);
        assert!(screen.contains("will override this"), "{screen}");
        assert!(keys(&mut m, "\n").is_empty(), "nothing runs before the permission answer");
        m.handle(Event::AccessChecked { dialog: id, result: Ok(ApiAccess::Allowed) });
        keys(&mut m, "\x08");
        assert!(keys(&mut m, "\x08\x086\n").is_empty(), "a prod context wants the name typed");
        assert_eq!(m.model.ui.dialog.as_ref().map(|d| d.step.clone()), Some(Step::TypeName));
        assert!(keys(&mut m, "gatewy\n").is_empty(), "a wrong name does nothing");
        keys(&mut m, "\x08\x08");
        let effects = keys(&mut m, "way\n");
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::Write(WriteRequest { replicas: Some(6), write: WriteKind::Scale, .. })]
            ),
            "{effects:?}"
        );
        assert_eq!(m.model.ui.dialog.as_ref().map(|d| d.step.clone()), Some(Step::Running));
        m.handle(Event::WriteDone { dialog: id, result: Ok("scaled to 6".into()) });
        assert!(m.model.ui.dialog.is_none());
        assert_eq!(
            m.model.ui.drill.as_ref().map(|w| w.name.as_str()),
            Some("gateway"),
            "progress: the workload opens"
        );
    }

    #[test]
    fn denied_by_rbac_offers_nothing_and_sends_nothing() {
        let mut m = model(incident_cluster());
        let id = open_scale_on_gateway(&mut m);
        m.handle(Event::AccessChecked {
            dialog: id,
            result: Ok(ApiAccess::Denied("viewer may not patch".into())),
        });
        assert_eq!(
            m.model.ui.dialog.as_ref().map(|d| d.access.clone()),
            Some(Access::Denied("viewer may not patch".into()))
        );
        assert!(render(&mut m, 100, 30).contains("not allowed: viewer may not patch"));
        assert!(keys(&mut m, "5\n").is_empty(), "no write effect");
        assert!(m.model.ui.dialog.is_none(), "Enter closes a denied dialog");
    }

    #[test]
    fn server_errors_stay_in_the_dialog() {
        let mut m = model(incident_cluster());
        let id = open_scale_on_gateway(&mut m);
        m.handle(Event::AccessChecked { dialog: id, result: Ok(ApiAccess::Allowed) });
        keys(&mut m, "\x08\x083\ngateway\n");
        m.handle(Event::WriteDone { dialog: id, result: Err("Operation cannot be fulfilled (409)".into()) });
        let step = m.model.ui.dialog.as_ref().map(|d| d.step.clone());
        assert_eq!(step, Some(Step::Failed("Operation cannot be fulfilled (409)".into())));
        assert!(render(&mut m, 100, 30).contains("409"));
    }

    #[test]
    fn read_only_offers_no_dialog_and_no_effect() {
        let rules = PolicyRules { readonly_flag: true, ..PolicyRules::default() };
        let mut m = session_with(incident_cluster(), rules);
        keys(&mut m, "3");
        for key in ["s", "r", "u"] {
            assert!(keys(&mut m, key).is_empty());
            assert!(m.model.ui.dialog.is_none());
        }
    }

    #[test]
    fn a_late_answer_for_a_closed_dialog_is_ignored() {
        let mut m = model(incident_cluster());
        let id = open_scale_on_gateway(&mut m);
        keys(&mut m, "\x1b");
        m.handle(Event::AccessChecked { dialog: id, result: Ok(ApiAccess::Allowed) });
        assert!(m.model.ui.dialog.is_none());
    }
}

#[test]
fn the_mouse_wheel_moves_the_selection() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut m = model(incident_cluster());
    m.refresh(true);
    let wheel = |kind| {
        Event::Input(TermEvent::Mouse(MouseEvent { kind, column: 5, row: 5, modifiers: KeyModifiers::NONE }))
    };
    m.handle(wheel(MouseEventKind::ScrollDown));
    m.handle(wheel(MouseEventKind::ScrollDown));
    assert_eq!(m.model.ui.cursor().selected, 2);
    m.handle(wheel(MouseEventKind::ScrollUp));
    assert_eq!(m.model.ui.cursor().selected, 1);
}

#[test]
fn an_idle_tick_redraws_only_panes_with_ages_and_never_reprojects_them() {
    let mut m = model(incident_cluster());
    keys(&mut m, "2");
    m.model.redraw = false; // the loop drew the key's frame
    m.handle(Event::Tick);
    assert!(!m.model.redraw, "the zones pane shows no age: nothing to draw");
    assert!(!m.model.views_stale);
    // A frame still owed (held back by the frame-rate cap) is not cancelled by a tick.
    m.model.redraw = true;
    m.handle(Event::Tick);
    assert!(m.model.redraw);
    keys(&mut m, "5");
    m.model.redraw = false;
    m.handle(Event::Tick);
    assert!(m.model.redraw, "the events pane shows ages");
    assert!(!m.model.views_stale, "ages are computed at render time");
}
