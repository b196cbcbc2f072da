//! Logs go to a file, never to the screen: the UI owns the terminal.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where logs go unless `--log-file` says otherwise.
pub fn default_log_file() -> Option<PathBuf> {
    crate::config::paths::state_dir().map(|dir| dir.join("kdeck.log"))
}

/// Log lines queued for the writer thread; past that, lines are dropped rather than the loop
/// waiting on the disk.
const QUEUED_LINES: usize = 8_192;

/// Start logging to `path` (level from `KDECK_LOG`, default info). Keep the guard alive for
/// the life of the process: dropping it flushes the last lines.
pub fn init(path: &Path) -> std::io::Result<WorkerGuard> {
    // 0600 (an existing looser file is tightened), its dir 0700 when kdeck creates it.
    let file = crate::state_files::open_append(path)?;
    // tracing-appender's default queue holds 128,000 lines, allocated and touched up front:
    // 4.1 MB of every kdeck's memory (heaptrack) for bursts kdeck never logs.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(QUEUED_LINES)
        .finish(file);
    let filter = EnvFilter::try_from_env("KDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests) is harmless: the first subscriber stays. ANSI sanitization (the
    // default since 0.3.20, pinned here) escapes ESC, BEL, DEL and C1 controls in messages and
    // fields: server error texts must not act on the terminal of whoever reads the log.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_ansi_sanitization(true)
        .try_init();
    Ok(guard)
}
