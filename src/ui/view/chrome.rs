//! The chrome around the body: the pane tabs, the last line and the help overlay.

use super::Tone;

/// `1 Overview  2 Zones ...`, the one in front, and what is open over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabsView {
    /// (key, title) of every pane, in order.
    pub tabs: Vec<(char, &'static str)>,
    pub current: usize,
    /// "shop/web" for a drill-down, "logs deploy/web" for the log view.
    pub drill: Option<String>,
}

/// The last line: what is being typed, else a message, else the filter and key hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BottomLineView {
    pub input: Option<Input>,
    pub flash: Option<(Tone, String)>,
    /// The pane's filter, when one is set.
    pub filter: Option<String>,
    /// (key, what it does).
    pub hints: &'static [(&'static str, &'static str)],
}

/// A line being typed after its prompt (`/` or `:`); the cursor goes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub prompt: &'static str,
    pub text: String,
}

/// The `?` overlay: every key of what is in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpView {
    /// "Zones", "Logs".
    pub title: &'static str,
    /// (keys, what they do).
    pub rows: Vec<(&'static str, &'static str)>,
}
