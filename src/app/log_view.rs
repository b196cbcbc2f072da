//! The log view's state (`l` on a row): the target, its streams and the one bounded buffer
//! they share, where the reader is, and the options whose change restarts the streams
//! (since, previous, container). Owned by the Model; changed only by `update`.

use std::sync::Arc;

use regex::Regex;

use crate::logs::stream::{LogBody, LogMsg, Since, StreamState};
use crate::logs::target::LogTarget;
use crate::logs::{LogBuffer, SourceKey};

/// The `--since` steps `[` and `]` move through.
pub const SINCE_STEPS: [(i64, &str); 7] = [
    (60, "1m"),
    (300, "5m"),
    (900, "15m"),
    (3600, "1h"),
    (6 * 3600, "6h"),
    (24 * 3600, "24h"),
    (7 * 24 * 3600, "7d"),
];
pub const DEFAULT_SINCE: usize = 1;

/// One container's stream, as the view shows it.
#[derive(Debug, Clone)]
pub struct ViewSource {
    pub key: SourceKey,
    pub zone: Option<String>,
    /// The pod left the workload (rollout, scale-down): its lines stay, marked.
    pub gone: bool,
    pub state: StreamState,
}

#[derive(Debug)]
pub struct LogView {
    pub target: LogTarget,
    /// Streams of another session (before an option changed) are dropped.
    pub session: u64,
    pub sources: Vec<ViewSource>,
    pub buffer: LogBuffer,
    /// The pods asked for, with their zones (from the cache).
    pub pods: Vec<(String, Option<String>)>,
    pub since: usize,
    pub previous: bool,
    /// One container, or every one (None).
    pub container: Option<String>,
    /// Show the newest lines as they come (on until the reader scrolls up).
    pub follow: bool,
    /// The line under the cursor and the top line shown, when not following.
    pub cursor: u64,
    pub top: u64,
    pub wrap: bool,
    /// The regex typed after `/`; with `hide` only its lines are shown, else all lines with
    /// matches highlighted and `n`/`N` jumping between them.
    pub pattern: String,
    pub pattern_error: Option<String>,
    /// The last pattern that compiled (kept while a bad one is being typed).
    compiled: Option<Regex>,
    pub hide: bool,
}

impl LogView {
    pub fn new(target: LogTarget, session: u64, pods: Vec<(String, Option<String>)>, cap: usize) -> LogView {
        LogView {
            target,
            session,
            sources: Vec::new(),
            buffer: LogBuffer::new(cap),
            pods,
            since: DEFAULT_SINCE,
            previous: false,
            container: None,
            follow: true,
            cursor: 0,
            top: 0,
            wrap: false,
            pattern: String::new(),
            pattern_error: None,
            compiled: None,
            hide: true,
        }
    }

    pub fn since(&self) -> Since {
        Since::Seconds(SINCE_STEPS[self.since.min(SINCE_STEPS.len() - 1)].0)
    }

    pub fn since_label(&self) -> &'static str {
        SINCE_STEPS[self.since.min(SINCE_STEPS.len() - 1)].1
    }

    /// Take a follower's message; returns whether anything shown changed.
    pub fn apply(&mut self, msg: LogMsg) -> bool {
        if msg.session != self.session {
            return false;
        }
        let source = self.source_index(&msg.key);
        match msg.body {
            LogBody::Lines(lines) => {
                for (at, text) in lines {
                    self.buffer.insert(at, source, &text);
                }
                true
            }
            LogBody::State(state) => {
                let changed = self.sources[source as usize].state != state;
                self.sources[source as usize].state = state;
                changed
            }
        }
    }

    fn source_index(&mut self, key: &SourceKey) -> u32 {
        if let Some(at) = self.sources.iter().position(|s| &s.key == key) {
            return at as u32;
        }
        let zone = self.pods.iter().find(|(p, _)| **p == *key.pod).and_then(|(_, z)| z.clone());
        self.sources.push(ViewSource { key: key.clone(), zone, gone: false, state: StreamState::Streaming });
        (self.sources.len() - 1) as u32
    }

    /// The pods of the target now: returns those to start; marks the ones that left.
    pub fn sync_pods(&mut self, now: Vec<(String, Option<String>)>) -> Vec<String> {
        let new: Vec<String> = now
            .iter()
            .filter(|(p, _)| !self.pods.iter().any(|(q, _)| q == p))
            .map(|(p, _)| p.clone())
            .collect();
        for source in &mut self.sources {
            source.gone = !now.iter().any(|(p, _)| **p == *source.key.pod);
        }
        for (pod, zone) in now {
            if !self.pods.iter().any(|(p, _)| *p == pod) {
                self.pods.push((pod, zone));
            }
        }
        new
    }

    /// Whether a pod has left the target (its sources are marked gone).
    pub fn gone(&self, pod: &str) -> bool {
        let mut sources = self.sources.iter().filter(|s| &*s.key.pod == pod).peekable();
        sources.peek().is_some() && sources.all(|s| s.gone)
    }

    /// A new session: the buffer and streams start again (an option changed).
    pub fn restart(&mut self, session: u64) {
        self.session = session;
        let gone: Vec<String> =
            self.pods.iter().filter(|(p, _)| self.gone(p)).map(|(p, _)| p.clone()).collect();
        self.pods.retain(|(p, _)| !gone.contains(p));
        self.sources.clear();
        let filter = self.buffer.filter().cloned();
        self.buffer = LogBuffer::new(self.buffer.cap());
        self.buffer.set_filter(filter.filter(|_| self.hide));
        self.follow = !self.previous;
    }

    /// The distinct container names seen, for `c`.
    pub fn containers(&self) -> Vec<Arc<str>> {
        let mut names: Vec<Arc<str>> = self.sources.iter().map(|s| s.key.container.clone()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Apply the typed pattern (as it is typed): an invalid regex keeps the last good one.
    pub fn set_pattern(&mut self, text: &str) {
        self.pattern = text.to_string();
        if text.is_empty() {
            self.pattern_error = None;
            self.compiled = None;
            self.buffer.set_filter(None);
            return;
        }
        match compile(text) {
            Ok(re) => {
                self.pattern_error = None;
                self.compiled = Some(re.clone());
                self.buffer.set_filter(self.hide.then_some(re));
            }
            Err(e) => {
                let why = e.to_string();
                self.pattern_error = Some(why.lines().last().unwrap_or("invalid regex").trim().to_string());
            }
        }
        self.clamp();
    }

    /// The pattern in force, for highlighting and `n`/`N` (also when it does not hide lines):
    /// compiled once when typed, not per frame.
    pub fn regex(&self) -> Option<Regex> {
        self.compiled.clone()
    }

    /// `f`: only matching lines, or all lines with matches marked.
    pub fn toggle_hide(&mut self) {
        self.hide = !self.hide;
        let pattern = self.pattern.clone();
        self.set_pattern(&pattern);
    }

    /// Move the cursor by `delta` shown lines (stops following), keeping it on screen.
    pub fn scroll(&mut self, delta: isize, page: usize) {
        let len = self.buffer.shown_len();
        if len == 0 {
            return;
        }
        let at = if self.follow { len - 1 } else { self.buffer.shown_index(self.cursor).min(len - 1) };
        let to = at.saturating_add_signed(delta).min(len - 1);
        self.follow = false;
        self.place(to, page);
    }

    /// Put the cursor on the `index`th shown line and scroll so it is visible.
    fn place(&mut self, index: usize, page: usize) {
        let Some(seq) = self.buffer.shown_seq(index) else { return };
        self.cursor = seq;
        let top = self.buffer.shown_index(self.top);
        let page = page.max(1);
        if index < top || self.follow {
            self.top = seq;
        } else if index >= top + page {
            self.top = self.buffer.shown_seq(index + 1 - page).unwrap_or(seq);
        }
    }

    pub fn to_top(&mut self, page: usize) {
        self.follow = false;
        self.top = 0;
        self.place(0, page);
    }

    pub fn to_end(&mut self) {
        self.follow = true;
    }

    /// `n` / `N`: the next (or previous) line after the cursor that the pattern matches.
    pub fn jump(&mut self, forward: bool, page: usize) -> bool {
        let Some(re) = self.regex() else { return false };
        let len = self.buffer.shown_len();
        if len == 0 {
            return false;
        }
        let at = if self.follow { len - 1 } else { self.buffer.shown_index(self.cursor).min(len - 1) };
        let mut candidates: Box<dyn Iterator<Item = usize>> =
            if forward { Box::new(at + 1..len) } else { Box::new((0..at).rev()) };
        let hit = candidates.find(|&i| {
            self.buffer.shown_seq(i).and_then(|s| self.buffer.get(s)).is_some_and(|l| re.is_match(l.text))
        });
        match hit {
            Some(i) => {
                self.follow = false;
                self.place(i, page);
                true
            }
            None => false,
        }
    }

    /// Keep the cursor and top on lines that still exist after a filter change or eviction.
    fn clamp(&mut self) {
        let len = self.buffer.shown_len();
        if len == 0 {
            return;
        }
        let at = self.buffer.shown_index(self.cursor).min(len - 1);
        self.cursor = self.buffer.shown_seq(at).unwrap_or(self.cursor);
        let top = self.buffer.shown_index(self.top).min(at);
        self.top = self.buffer.shown_seq(top).unwrap_or(self.top);
    }

    /// Streams waiting to reconnect, for the header.
    pub fn reconnecting(&self) -> usize {
        self.sources.iter().filter(|s| matches!(s.state, StreamState::Reconnecting { .. })).count()
    }
}

/// The typed pattern as a regex: all lower case matches either case (smart case, as in
/// ripgrep). The flag is written into the pattern, not set on a builder: the buffer rebuilds
/// the regex from its text to search whole arenas.
fn compile(text: &str) -> Result<Regex, regex::Error> {
    if text == text.to_lowercase() { Regex::new(&format!("(?i){text}")) } else { Regex::new(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::target::TargetKind;
    use crate::types::WorkloadKind;

    fn key(pod: &str) -> SourceKey {
        SourceKey { namespace: Arc::from("shop"), pod: Arc::from(pod), container: Arc::from("app") }
    }

    fn line(pod: &str) -> LogMsg {
        let at = jiff::Timestamp::from_second(1_780_000_000).unwrap();
        LogMsg { session: 1, key: key(pod), body: LogBody::Lines(vec![(at, Box::from("hello"))]) }
    }

    #[test]
    fn pods_of_a_rollout_start_and_pods_that_left_are_marked_then_dropped_on_restart() {
        let target = LogTarget {
            kind: TargetKind::Workload(WorkloadKind::Deployment),
            namespace: "shop".into(),
            name: "web".into(),
        };
        let mut view = LogView::new(target, 1, vec![("web-a".into(), None), ("web-b".into(), None)], 1 << 20);
        assert!(view.apply(line("web-a")) && view.apply(line("web-b")));
        let new = view.sync_pods(vec![("web-b".into(), None), ("web-c".into(), Some("eu-west-1c".into()))]);
        assert_eq!(new, ["web-c"]);
        assert!(view.gone("web-a") && !view.gone("web-b"));
        assert_eq!(view.buffer.len(), 2, "the lines of a pod that left stay");
        assert!(view.apply(line("web-c")));
        assert_eq!(view.sources.last().and_then(|s| s.zone.as_deref()), Some("eu-west-1c"));
        // A message of another session changes nothing.
        let mut stale = line("web-c");
        stale.session = 0;
        assert!(!view.apply(stale));
        view.restart(2);
        let pods: Vec<&str> = view.pods.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pods, ["web-b", "web-c"], "a restart follows only the pods still there");
        assert!(view.buffer.is_empty() && view.follow);
    }
}
