//! Keys to Actions. The only place that knows which key does what; the help overlay reads
//! the same table, so it cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{Action, InputEdit, LogAction};
use crate::app::pane::Pane;

/// What the keyboard is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    Normal,
    /// Typing into the filter or the command line.
    Text,
    /// The help overlay is open: any key closes it, Ctrl-C still quits.
    Help,
    /// The log view is in front.
    Logs,
}

/// One line of the help overlay.
pub struct Binding {
    pub keys: &'static str,
    pub what: &'static str,
    /// Only on this pane (None = everywhere).
    pub pane: Option<Pane>,
}

pub const BINDINGS: &[Binding] = &[
    Binding { keys: "1-9, Tab, S-Tab", what: "switch pane", pane: None },
    Binding { keys: "m", what: "the mesh: success, requests, p99 per workload", pane: None },
    Binding { keys: "0", what: "the fleet: every cluster (--context a,b, :fleet)", pane: None },
    Binding { keys: "j k, Up Down", what: "move selection", pane: None },
    Binding { keys: "g G, Home End", what: "first / last row", pane: None },
    Binding { keys: "PgUp PgDn, C-b C-f", what: "page up / down", pane: None },
    Binding { keys: "Enter", what: "drill into the workload", pane: None },
    Binding { keys: "Enter", what: "open the cluster's dashboard", pane: Some(Pane::Fleet) },
    Binding { keys: "Esc", what: "back / clear filter (then to the fleet)", pane: None },
    Binding { keys: "/", what: "filter rows (!text negates)", pane: None },
    Binding {
        keys: ":",
        what: "command: ns NAME|all, ctx NAME, fleet, compare NS/NAME, theme NAME, pane, q",
        pane: None,
    },
    Binding { keys: "y", what: "copy the selected name (OSC 52)", pane: None },
    Binding { keys: "w", what: "lose-a-zone projection", pane: Some(Pane::Zones) },
    Binding { keys: "s", what: "scale the selected Deployment/StatefulSet", pane: None },
    Binding { keys: "r", what: "rollout restart", pane: None },
    Binding { keys: "u", what: "rollout undo (Deployments)", pane: None },
    Binding { keys: "l", what: "logs of the workload's pods (or the pod)", pane: None },
    Binding { keys: "?", what: "this help", pane: None },
    Binding { keys: "q, C-c", what: "quit", pane: None },
];

/// The keys a terminal key event stands for. A terminal sends Esc as a lone ESC byte and
/// Alt+x as ESC followed by x, so Esc and the next key in one read (a fast typist, a laggy
/// SSH link) arrive as Alt+key: left as it is, Esc then `1` typed `1` into an open dialog
/// instead of closing it. kdeck binds no Alt key, so an Alt key is what was typed: Esc, then
/// the key.
pub fn unfold_escape(key: KeyEvent) -> Vec<KeyEvent> {
    if !key.modifiers.contains(KeyModifiers::ALT) {
        return vec![key];
    }
    let esc = KeyEvent::new_with_kind(KeyCode::Esc, KeyModifiers::NONE, key.kind);
    let mut plain = key;
    plain.modifiers.remove(KeyModifiers::ALT);
    vec![esc, plain]
}

/// Translate a key into an Action, given the mode. Key releases (Windows, kitty) are ignored.
pub fn action_for(key: KeyEvent, mode: InputMode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        InputMode::Help => Some(Action::ToggleHelp),
        InputMode::Text => text_action(key, ctrl),
        InputMode::Normal => normal_action(key, ctrl),
        InputMode::Logs => logs_action(key, ctrl).or_else(|| normal_action(key, ctrl)),
    }
}

/// The log view's own keys (LOG_BINDINGS); the rest act as in the panes.
fn logs_action(key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return None;
    }
    let action = match key.code {
        KeyCode::Char('[') => LogAction::Since(-1),
        KeyCode::Char(']') => LogAction::Since(1),
        KeyCode::Char('p') => LogAction::Previous,
        KeyCode::Char('c') => LogAction::Container,
        KeyCode::Char('w') => LogAction::Wrap,
        KeyCode::Char('n') => LogAction::NextMatch,
        KeyCode::Char('N') => LogAction::PrevMatch,
        KeyCode::Char('f') => LogAction::FilterMode,
        _ => return None,
    };
    Some(Action::Log(action))
}

/// The help overlay's lines for the log view.
pub const LOG_BINDINGS: &[Binding] = &[
    Binding { keys: "j k, PgUp PgDn", what: "scroll (stops following)", pane: None },
    Binding { keys: "G, End", what: "follow the newest lines", pane: None },
    Binding { keys: "g, Home", what: "oldest line held", pane: None },
    Binding { keys: "[ ]", what: "shorter / longer --since window", pane: None },
    Binding { keys: "p", what: "previous (crashed) containers", pane: None },
    Binding { keys: "c", what: "every container / the next one", pane: None },
    Binding { keys: "/", what: "regex: only matching lines", pane: None },
    Binding { keys: "f", what: "pattern filters / only marks lines", pane: None },
    Binding { keys: "n N", what: "next / previous match", pane: None },
    Binding { keys: "w", what: "wrap long lines", pane: None },
    Binding { keys: "Esc", what: "clear the pattern, then back", pane: None },
    Binding { keys: "q, C-c", what: "quit", pane: None },
];

fn text_action(key: KeyEvent, ctrl: bool) -> Option<Action> {
    let edit = match key.code {
        KeyCode::Enter => InputEdit::Submit,
        KeyCode::Esc => InputEdit::Cancel,
        KeyCode::Backspace => InputEdit::Backspace,
        KeyCode::Char('u') if ctrl => InputEdit::Clear,
        KeyCode::Char(c) if !ctrl => InputEdit::Char(c),
        _ => return None,
    };
    Some(Action::Input(edit))
}

fn normal_action(key: KeyEvent, ctrl: bool) -> Option<Action> {
    let action = match key.code {
        KeyCode::Char('f') if ctrl => Action::PageDown,
        KeyCode::Char('b') if ctrl => Action::PageUp,
        KeyCode::Char('d') if ctrl => Action::PageDown,
        KeyCode::Char('u') if ctrl => Action::PageUp,
        _ if ctrl => return None,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('0') => Action::ShowPane(Pane::Fleet),
        KeyCode::Char('m') => Action::ShowPane(Pane::Mesh),
        KeyCode::Char(d @ '1'..='9') => {
            let index = usize::from(d as u8 - b'1');
            Action::ShowPane(*Pane::ALL.get(index).filter(|p| p.key() == d)?)
        }
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('/') => Action::BeginFilter,
        KeyCode::Char(':') => Action::BeginCommand,
        KeyCode::Char('w') => Action::ToggleZoneWhatIf,
        KeyCode::Char('y') => Action::CopyName,
        KeyCode::Char('s') => Action::Scale,
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('u') => Action::Undo,
        KeyCode::Char('l') => Action::OpenLogs,
        _ => return None,
    };
    Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn ctrl_c_quits_in_every_mode() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [InputMode::Normal, InputMode::Text, InputMode::Help] {
            assert_eq!(action_for(ctrl_c, mode), Some(Action::Quit));
        }
    }

    #[test]
    fn q_types_a_letter_while_filtering_but_quits_otherwise() {
        assert_eq!(action_for(key(KeyCode::Char('q')), InputMode::Normal), Some(Action::Quit));
        assert_eq!(
            action_for(key(KeyCode::Char('q')), InputMode::Text),
            Some(Action::Input(InputEdit::Char('q')))
        );
    }

    #[test]
    fn digits_pick_panes_and_unknown_digits_do_nothing() {
        assert_eq!(
            action_for(key(KeyCode::Char('2')), InputMode::Normal),
            Some(Action::ShowPane(Pane::Zones))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('9')), InputMode::Normal),
            Some(Action::ShowPane(Pane::Gateways))
        );
    }

    #[test]
    fn an_alt_key_is_esc_then_the_key() {
        let alt_1 = KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT);
        assert_eq!(unfold_escape(alt_1), vec![key(KeyCode::Esc), key(KeyCode::Char('1'))]);
        let ctrl_alt_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::ALT | KeyModifiers::CONTROL);
        assert_eq!(
            unfold_escape(ctrl_alt_c),
            vec![key(KeyCode::Esc), KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)]
        );
        assert_eq!(unfold_escape(key(KeyCode::Char('j'))), vec![key(KeyCode::Char('j'))]);
    }

    #[test]
    fn releases_are_ignored() {
        let mut release = key(KeyCode::Char('j'));
        release.kind = KeyEventKind::Release;
        assert_eq!(action_for(release, InputMode::Normal), None);
    }
}
