//! View structs: everything the UI draws, built by the app loop before each frame. Pane views
//! come from `model::views`; the UI sees nothing else (and the theme).

mod chrome;
mod dialog;
mod frame;
mod log_frame;
mod pane;

pub use chrome::{BottomLineView, HelpView, Input, TabsView};
pub use dialog::{DialogLine, DialogView};
pub use frame::{BodyView, FrameView};
pub use log_frame::{LogFrame, LogRow, Run};
pub use pane::{Body, PaneView};

/// How a line of text is meant: the theme picks the style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Text,
    Muted,
    Info,
    Warn,
    Error,
    Accent,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusView {
    pub context: String,
    pub server: String,
    /// "all" or the namespace name.
    pub namespace: String,
    pub readonly: bool,
    pub api: ApiHealth,
    /// Prometheus state in a word or two ("off", "live", "401").
    pub prometheus: String,
    pub errors: usize,
    pub warnings: usize,
}

/// The API sources summed up in one word for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiHealth {
    Syncing {
        settled: usize,
        total: usize,
        /// Pods received so far while their list comes in: a partial count, said as such.
        pods_so_far: Option<usize>,
    },
    Live {
        forbidden: usize,
    },
    /// At least one kind is failing; `seconds` since the oldest failure.
    Retrying {
        seconds: i64,
        error: String,
    },
}

impl Default for ApiHealth {
    fn default() -> Self {
        ApiHealth::Syncing { settled: 0, total: 0, pods_so_far: None }
    }
}

/// Shown instead of a pane while the API server has never answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub context: String,
    pub server: String,
    pub error: String,
    pub seconds: i64,
}
