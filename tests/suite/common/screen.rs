//! Drive a Session like the loop does and render it on ratatui's TestBackend.

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kdeck::action::Action;
use kdeck::app::model::Model;
use kdeck::app::session::Session;
use kdeck::effect::Effect;
use kdeck::event::{ConnectionInfo, Event};
use kdeck::model::ClusterState;
use kdeck::policy::PolicyRules;
use kdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The fixtures' clock: 2025-06-01T12:00:00Z.
pub fn fixture_now() -> Timestamp {
    Timestamp::from_second(1_748_779_200).unwrap()
}

pub fn connection(context: &str) -> ConnectionInfo {
    ConnectionInfo {
        context: context.into(),
        server: "https://k8s.example.com:6443".into(),
        user: "oncall".into(),
        contexts: vec!["prod-eu-west-1".into(), "staging".into()],
        default_namespace: "default".into(),
    }
}

/// A session on `prod-eu-west-1` under `rules`.
pub fn session_with(cluster: ClusterState, rules: PolicyRules) -> Session {
    let model =
        Model::new(connection("prod-eu-west-1"), cluster, rules, Theme::default_theme(), fixture_now());
    Session::new(model)
}

pub fn model(cluster: ClusterState) -> Session {
    session_with(cluster, PolicyRules::default())
}

pub fn press(session: &mut Session, actions: &[Action]) {
    for action in actions {
        let effects = session.act(action.clone());
        assert!(effects.is_empty(), "unexpected effects {effects:?} for {action:?}");
    }
}

pub fn key_event(c: char) -> Event {
    let code = match c {
        '\n' => KeyCode::Enter,
        '\x1b' => KeyCode::Esc,
        '\t' => KeyCode::Tab,
        '\x08' => KeyCode::Backspace,
        c => KeyCode::Char(c),
    };
    Event::Input(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Type `text` as one batch, the way the loop gets keys that arrive in one read (fast
/// typing, a paste, a laggy SSH link): no frame in between, only the loop's own
/// re-projection. Then the frame the loop would draw after the batch.
pub fn keys(session: &mut Session, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(session.handle(key_event(c)));
    }
    session.refresh(false);
    effects
}

/// The screen as text, one line per row, trailing spaces trimmed.
pub fn render(session: &mut Session, width: u16, height: u16) -> String {
    session.refresh(true);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            kdeck::app::frame_view::draw(frame, &session.model, &session.screen);
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
