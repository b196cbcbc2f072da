//! What the log view shows in one frame: only the rows that fit the screen (projected by
//! `app::log_frame`).

use crate::types::Sgr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFrame {
    /// "deploy/web in shop".
    pub title: String,
    /// "4 pods · 6 streams · since 5m · following".
    pub summary: String,
    /// Drops, reconnects, refusals, a bad pattern: one short note each.
    pub notes: Vec<String>,
    pub rows: Vec<LogRow>,
    /// Following: when fewer rows fit than were projected, the newest are kept.
    pub follow: bool,
    pub wrap: bool,
    /// Show the zone after the tag (wide terminals).
    pub zones: bool,
    pub tag_width: usize,
    /// Nothing arrived yet, and why.
    pub empty: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    /// "06:01:02".
    pub time: String,
    /// A short pod/container tag ("7d9f-x2kq/app").
    pub tag: String,
    /// Palette index of the pod's colour.
    pub colour: u8,
    pub zone: String,
    /// The pod has left the workload.
    pub gone: bool,
    pub cursor: bool,
    /// The text in runs: SGR style (with `ansi`) and whether the pattern matches the run.
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub style: Sgr,
    pub matched: bool,
}
