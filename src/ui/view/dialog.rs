//! The action dialog as lines to show: the app decides what they say and how they are meant,
//! the UI lays them out and styles them.

use super::Tone;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogView {
    /// "scale Deployment shop/web".
    pub title: String,
    /// Shown in bold on the first line: which cluster and namespace the write goes to.
    pub context: String,
    pub namespace: String,
    pub lines: Vec<DialogLine>,
}

/// One line of the dialog; `input` (what is being typed) follows the text, with a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogLine {
    pub tone: Tone,
    pub text: String,
    pub input: Option<String>,
}

impl DialogLine {
    pub fn new(tone: Tone, text: impl Into<String>) -> DialogLine {
        DialogLine { tone, text: text.into(), input: None }
    }
}
