//! Monotonic milestones for benchmarks: process start, first frame with rows, all synced.
//! Written to the file named by `--milestones-file` (one `name ms` line each) and the log.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::app::session::Session;

pub struct Milestones {
    start: Instant,
    file: Option<PathBuf>,
    first_frame: bool,
    first_rows: bool,
    synced: bool,
}

impl Milestones {
    pub fn new(start: Instant, file: Option<PathBuf>) -> Self {
        Self { start, file, first_frame: false, first_rows: false, synced: false }
    }

    /// Called after every frame; records each milestone once.
    pub fn frame_drawn(&mut self, session: &Session) {
        if !self.first_frame {
            self.first_frame = true;
            self.record("first_frame");
        }
        if !self.first_rows && session.visible_rows() > 0 {
            self.first_rows = true;
            self.record("first_rows");
        }
        // The frame shows synced views (not merely synced caches behind an older projection).
        if !self.synced && session.screen.synced {
            self.synced = true;
            self.record("synced");
        }
    }

    fn record(&self, name: &str) {
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(milestone = name, ms, "milestone");
        let Some(path) = &self.file else { return };
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{name} {ms:.1}"));
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), %err, "cannot write milestone");
        }
    }
}
