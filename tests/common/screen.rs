//! Drive the Model like the loop does and render it on ratatui's TestBackend.

use jiff::Timestamp;
use kdeck::action::Action;
use kdeck::app::model::Model;
use kdeck::app::update::apply_action;
use kdeck::event::ConnectionInfo;
use kdeck::model::ClusterState;
use kdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The fixtures' clock: 2025-06-01T12:00:00Z.
pub fn fixture_now() -> Timestamp {
    Timestamp::from_second(1_748_779_200).unwrap()
}

pub fn model(cluster: ClusterState) -> Model {
    let conn = ConnectionInfo {
        context: "prod-eu-west-1".into(),
        server: "https://k8s.example.com:6443".into(),
        user: "oncall".into(),
        contexts: vec!["prod-eu-west-1".into(), "staging".into()],
        default_namespace: "default".into(),
    };
    Model::new(conn, cluster, None, false, Theme::default_theme(), fixture_now())
}

pub fn press(model: &mut Model, actions: &[Action]) {
    for action in actions {
        model.refresh_views();
        let effects = apply_action(model, action.clone());
        assert!(effects.is_empty(), "unexpected effects {effects:?} for {action:?}");
    }
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn render(model: &mut Model, width: u16, height: u16) -> String {
    model.refresh_views();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            kdeck::ui::draw(frame, model);
        })
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
