//! One frame: every view the UI draws, borrowed from the app for the time of a draw.

use jiff::Timestamp;

use super::{BottomLineView, DialogView, HelpView, LogFrame, PaneView, StatusView, TabsView, Unreachable};
use crate::ui::theme::Theme;

pub struct FrameView<'a> {
    pub theme: &'a Theme,
    pub now: Timestamp,
    pub status: &'a StatusView,
    pub tabs: TabsView,
    pub body: BodyView<'a>,
    pub bottom: BottomLineView,
    pub dialog: Option<DialogView>,
    pub help: Option<HelpView>,
}

pub enum BodyView<'a> {
    Unreachable(&'a Unreachable),
    Pane {
        view: &'a PaneView,
        /// The row under the cursor.
        selected: usize,
        /// Every source has synced (else empty tables mean "not yet", not "nothing").
        synced: bool,
    },
    /// Only the rows that fit, projected out of the log buffer for this frame.
    Logs(LogFrame),
}
