//! Logs of the pods behind a row, merged as stern merges them: every pod and container of a
//! workload, interleaved by the kubelet's timestamps, in one buffer with a byte cap.
//!
//! - `text`: a raw log line made safe: escape sequences shown, never interpreted (`--ansi`
//!   keeps SGR colours only).
//! - `line`: one timestamped line and where it came from.
//! - `buffer`: the bounded, time-ordered buffer and its regex filter.
//! - `target`: what `kdeck logs deploy/NAME` names, and the pods behind it.
//! - `stream`: the IO: one follower per container, with backpressure, reconnects from the
//!   last timestamp and no duplicate lines.
//! - `headless`: `kdeck logs`, the same merged stream for a pipe or an incident channel.

pub mod buffer;
pub mod headless;
pub mod line;
pub mod stream;
pub mod target;
pub mod text;

pub use buffer::LogBuffer;
pub use line::{LogLine, SourceKey};

/// The default byte cap of a log view's buffer (`[logs] buffer_mb` in the config).
pub const DEFAULT_CAP_BYTES: usize = 32 * 1024 * 1024;
