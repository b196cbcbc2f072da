//! What a key means. Only the keymap makes an Action.

use crate::app::pane::Pane;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    ShowPane(Pane),
    NextPane,
    PrevPane,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Enter: drill into the selected row's workload.
    Open,
    /// Esc: close what is open (help, filter, drill-down).
    Back,
    ToggleHelp,
    BeginFilter,
    BeginCommand,
    /// Text input for the filter or command line.
    Input(InputEdit),
    /// The "lose a zone" projection on the zones pane.
    ToggleZoneWhatIf,
    /// Copy the selected object's name (OSC 52).
    CopyName,
    /// Actions reserved for their own issue: scale, restart, undo.
    Scale,
    Restart,
    Undo,
    /// `l`: the logs of the selected row's pods.
    OpenLogs,
    /// In the log view.
    Log(LogAction),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// `[` / `]`: a shorter or longer `--since` window.
    Since(i8),
    /// `p`: the previous (crashed) containers.
    Previous,
    /// `c`: every container, or the next one.
    Container,
    /// `w`: wrap long lines.
    Wrap,
    /// `n` / `N`: the next or previous match of the pattern.
    NextMatch,
    PrevMatch,
    /// `f`: the pattern filters lines, or only marks them.
    FilterMode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputEdit {
    Char(char),
    Backspace,
    /// Ctrl-U: clear the line.
    Clear,
    Submit,
    Cancel,
}
