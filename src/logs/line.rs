//! One log line as the kubelet sends it with `timestamps=true`: an RFC 3339 timestamp with
//! nanoseconds, a space, the text.

use std::sync::Arc;

use jiff::Timestamp;

/// The container a line came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceKey {
    pub namespace: Arc<str>,
    pub pod: Arc<str>,
    pub container: Arc<str>,
}

/// A line as the buffer hands it out: its text borrowed from the buffer's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLine<'a> {
    pub at: Timestamp,
    /// Index into the view's sources.
    pub source: u32,
    /// The raw text, escapes and all: neutralised when shown or written, never before, so
    /// `--ansi` can still honour colours.
    pub text: &'a str,
}

/// Split "2026-12-02T06:01:02.123456789Z text" into its timestamp and text. A line without
/// one (a server that ignores `timestamps`) is None: the caller dates it on arrival.
pub fn split_timestamp(raw: &str) -> Option<(Timestamp, &str)> {
    let space = raw.find(' ').filter(|at| (20..=40).contains(at))?;
    let at = raw[..space].parse::<Timestamp>().ok()?;
    Some((at, &raw[space + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_timestamps_split_off_and_others_do_not() {
        let (at, text) = split_timestamp("2026-12-02T06:01:02.123456789Z GET / 200").unwrap();
        assert_eq!(at.to_string(), "2026-12-02T06:01:02.123456789Z");
        assert_eq!(text, "GET / 200");
        assert_eq!(split_timestamp("2026-12-02T06:01:02Z ").map(|(_, t)| t), Some(""));
        assert_eq!(split_timestamp("GET / 200 2026-12-02T06:01:02Z"), None);
        assert_eq!(split_timestamp("not-a-timestamp-at-all-really text"), None);
    }
}
