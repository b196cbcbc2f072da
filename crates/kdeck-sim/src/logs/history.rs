//! The log of one container, as the kubelet keeps it: every line is a pure function of the
//! container's seed and the sim second it falls in (see [`History::second`]), so any two
//! readers of the same window see the same lines, and nothing is stored.
//!
//! A container instance (one start of the container) owns the lines from its start to its
//! end; an instance that crashed ends with a stack trace. What the kubelet still has on disk
//! is bounded like its rotated log file: at most [`MAX_HISTORY_BYTES`] and [`MAX_HISTORY_SECS`].

use jiff::Timestamp;

use super::flood::FloodControl;
use super::generators::{self, Crash, Stamp};
use super::workload::Voice;
use crate::load::{hash2, unit};

/// Bytes of history the kubelet keeps per container (its containerLogMaxSize, 10 MiB).
pub const MAX_HISTORY_BYTES: usize = 10 * 1024 * 1024;
/// Sim seconds of history scanned at most (older lines have been rotated away).
pub const MAX_HISTORY_SECS: i64 = 24 * 3600;
/// The stack trace of a crash is written in the last this many nanoseconds of the instance.
const TRACE_SPAN_NS: i128 = 50_000_000;
const NS: i128 = 1_000_000_000;

/// Nanoseconds since the epoch of a timestamp.
pub fn nanos(t: Timestamp) -> i128 {
    t.as_nanosecond()
}

/// One line as written: its time and text (without the newline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub second: i64,
    pub nanos: u32,
    pub text: String,
}

impl Line {
    pub fn at(&self) -> i128 {
        i128::from(self.second) * NS + i128::from(self.nanos)
    }
}

/// One run of a container, from its start to its end (None: still running).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub started: Timestamp,
    pub finished: Option<Timestamp>,
    /// How it ended, when it crashed.
    pub crash: Option<Crash>,
}

impl Instance {
    fn start_ns(&self) -> i128 {
        nanos(self.started)
    }

    /// The first instant after its last ordinary line (the trace follows a crash).
    fn ordinary_end_ns(&self) -> Option<i128> {
        let end = nanos(self.finished?);
        Some(if self.crash.is_some() { (end - TRACE_SPAN_NS).max(self.start_ns()) } else { end + 1 })
    }

    pub fn end_ns(&self) -> Option<i128> {
        self.finished.map(nanos)
    }
}

/// A container's lines.
pub struct History<'a> {
    pub voice: &'a Voice,
    pub flood: &'a FloodControl,
}

impl History<'_> {
    /// How many lines the container writes in `second`.
    fn count(&self, second: i64) -> usize {
        if let Some(rate) = self.flood.rate_at(second) {
            return rate as usize;
        }
        let seed = self.voice.seed;
        // a workload's rate wanders over the minutes; each second draws around it
        let wander = 0.5 + unit(hash2(seed, "minute", (second.div_euclid(60)) as u64));
        let mean = self.voice.rate * wander;
        let u = unit(hash2(seed, "count", second as u64));
        (mean * (0.4 + 1.2 * u)).round() as usize
    }

    /// Every line the container would write in `second`, in order (not bounded by an instance).
    pub fn second(&self, second: i64) -> Vec<Line> {
        let count = self.count(second);
        if count == 0 {
            return Vec::new();
        }
        let stamp = Stamp::of(second);
        let slot = (1_000_000_000 / count as u64).max(1);
        let base = hash2(self.voice.seed, "second", second as u64);
        (0..count as u64)
            .map(|i| {
                let h = hash2(base, "line", i);
                let nanos = (i * slot + h % slot).min(999_999_999) as u32;
                Line { second, nanos, text: generators::line(self.voice, &stamp, nanos, h) }
            })
            .collect()
    }

    /// The lines `instance` wrote in `second`: its ordinary lines, and its stack trace if it crashed then.
    pub fn instance_second(&self, instance: &Instance, second: i64) -> Vec<Line> {
        let start = instance.start_ns();
        let ordinary_end = instance.ordinary_end_ns();
        let mut lines: Vec<Line> = self
            .second(second)
            .into_iter()
            .filter(|l| l.at() >= start && ordinary_end.is_none_or(|end| l.at() < end))
            .collect();
        if let (Some(crash), Some(end)) = (&instance.crash, instance.end_ns()) {
            let trace_start = (end - TRACE_SPAN_NS).max(start);
            let trace =
                generators::crash_trace(self.voice, crash, hash2(self.voice.seed, "crash", end as u64));
            let step = (end - trace_start) / (trace.len() as i128 + 1);
            for (j, text) in trace.into_iter().enumerate() {
                let at = trace_start + step * (j as i128 + 1);
                let line_second = at.div_euclid(NS) as i64;
                if line_second == second {
                    lines.push(Line { second, nanos: at.rem_euclid(NS) as u32, text });
                }
            }
        }
        lines
    }

    /// The lines of `instance` with times in `[from, to]` (nanoseconds), at most `tail` of them
    /// (the last ones), within what the kubelet keeps.
    pub fn window(&self, instance: &Instance, from: i128, to: i128, tail: Option<usize>) -> Vec<Line> {
        let from = from.max(instance.start_ns());
        let to = instance.end_ns().map_or(to, |end| to.min(end));
        if from > to || tail == Some(0) {
            return Vec::new();
        }
        let last = to.div_euclid(NS) as i64;
        let first = (from.div_euclid(NS) as i64).max(last - MAX_HISTORY_SECS);
        let mut kept: Vec<Line> = Vec::new();
        let mut bytes = 0usize;
        // newest first, so the tail and the size bound stop the scan early
        'scan: for second in (first..=last).rev() {
            let lines = self.instance_second(instance, second);
            for line in lines.into_iter().rev() {
                if line.at() < from || line.at() > to {
                    continue;
                }
                bytes += line.text.len() + 1;
                if bytes > MAX_HISTORY_BYTES || tail.is_some_and(|n| kept.len() >= n) {
                    break 'scan;
                }
                kept.push(line);
            }
        }
        kept.reverse();
        kept
    }
}

/// Follows an instance: hands out the lines after a cursor as time passes.
pub struct Follower {
    /// Lines at or before this instant (ns) have been handed out.
    cursor: i128,
    cached: Option<(i64, Vec<Line>)>,
}

impl Follower {
    pub fn new(cursor: i128) -> Follower {
        Follower { cursor, cached: None }
    }

    pub fn cursor(&self) -> i128 {
        self.cursor
    }

    /// The lines after the cursor up to `upto` (inclusive, ns), at most `max` of them (the
    /// cursor stops after the last one handed out when the batch is full).
    pub fn advance(&mut self, history: &History, instance: &Instance, upto: i128, max: usize) -> Vec<Line> {
        let upto = instance.end_ns().map_or(upto, |end| upto.min(end));
        let mut out = Vec::new();
        if upto <= self.cursor {
            return out;
        }
        let first = (self.cursor + 1).div_euclid(NS) as i64;
        let last = upto.div_euclid(NS) as i64;
        for second in first..=last {
            if self.cached.as_ref().is_none_or(|(s, _)| *s != second) {
                self.cached = Some((second, history.instance_second(instance, second)));
            }
            let Some((_, lines)) = &self.cached else { break };
            for line in lines {
                let at = line.at();
                if at <= self.cursor || at > upto {
                    continue;
                }
                if out.len() >= max {
                    self.cursor = out.last().map_or(self.cursor, Line::at);
                    return out;
                }
                out.push(line.clone());
            }
        }
        self.cursor = upto;
        out
    }
}

/// The kubelet's timestamp prefix: RFC 3339 with nine fraction digits, UTC, and a space.
pub fn render(line: &Line, timestamps: bool, stamp: &mut Option<Stamp>, out: &mut Vec<u8>) {
    if timestamps {
        if stamp.as_ref().is_none_or(|s| s.second != line.second) {
            *stamp = Some(Stamp::of(line.second));
        }
        if let Some(s) = stamp {
            out.extend_from_slice(s.rfc.as_bytes());
        }
        out.extend_from_slice(format!(".{:09}Z ", line.nanos).as_bytes());
    }
    out.extend_from_slice(line.text.as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::workload::Style;

    const T0: i64 = 1_796_191_262;

    fn voice() -> Voice {
        Voice {
            style: Style::Json,
            errors: false,
            seed: 42,
            app: "orders".into(),
            rate: 3.0,
            upstreams: Vec::new(),
            pod_ip: "10.0.1.5".into(),
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    fn ns(second: i64) -> i128 {
        i128::from(second) * NS
    }

    fn running(started: i64) -> Instance {
        Instance { started: at(started), finished: None, crash: None }
    }

    #[test]
    fn the_same_window_gives_the_same_lines() {
        let (v, flood) = (voice(), FloodControl::default());
        let history = History { voice: &v, flood: &flood };
        let a = history.window(&running(T0 - 600), ns(T0 - 120), ns(T0), None);
        let b = history.window(&running(T0 - 600), ns(T0 - 120), ns(T0), None);
        assert_eq!(a, b);
        assert!(a.len() > 100, "{} lines in two minutes", a.len());
        assert!(a.windows(2).all(|w| w[0].at() < w[1].at()), "ordered");
        // another container writes other lines
        let other = Voice { seed: 43, ..voice() };
        let c =
            History { voice: &other, flood: &flood }.window(&running(T0 - 600), ns(T0 - 120), ns(T0), None);
        assert_ne!(a, c);
    }

    #[test]
    fn lines_start_with_the_instance_and_windows_cut_them() {
        let (v, flood) = (voice(), FloodControl::default());
        let history = History { voice: &v, flood: &flood };
        let instance = running(T0 - 30);
        let all = history.window(&instance, ns(T0 - 3600), ns(T0), None);
        assert!(all.first().unwrap().at() >= ns(T0 - 30));
        let since = history.window(&instance, ns(T0 - 10), ns(T0), None);
        assert!(since.iter().all(|l| l.at() >= ns(T0 - 10)));
        assert_eq!(&all[all.len() - since.len()..], &since[..], "a later start is a suffix");
        let tail = history.window(&instance, ns(T0 - 3600), ns(T0), Some(5));
        assert_eq!(tail.len(), 5);
        assert_eq!(&all[all.len() - 5..], &tail[..]);
        assert!(history.window(&instance, ns(T0 - 3600), ns(T0), Some(0)).is_empty());
    }

    #[test]
    fn a_crashed_instance_ends_with_its_stack_trace() {
        let (v, flood) = (voice(), FloodControl::default());
        let history = History { voice: &v, flood: &flood };
        let crashed = Instance {
            started: at(T0 - 5),
            finished: Some(at(T0)),
            crash: Some(Crash::Error { message: None }),
        };
        let lines = history.window(&crashed, ns(T0 - 3600), ns(T0 + 100), None);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        let start = texts.iter().position(|t| t.starts_with("Exception in thread \"main\"")).unwrap();
        assert!(texts[start + 1..].iter().all(|t| t.starts_with('\t') || t.starts_with("Caused by")));
        assert!(lines.last().unwrap().at() <= ns(T0));
        assert!(lines.windows(2).all(|w| w[0].at() < w[1].at()), "ordered");
    }

    #[test]
    fn a_follower_hands_out_each_line_once() {
        let (v, flood) = (voice(), FloodControl::default());
        let history = History { voice: &v, flood: &flood };
        let instance = running(T0 - 60);
        let whole = history.window(&instance, ns(T0 - 10), ns(T0 + 10), None);
        let mut follower = Follower::new(ns(T0 - 10) - 1);
        let mut got = Vec::new();
        let mut t = ns(T0 - 10);
        while t <= ns(T0 + 10) {
            got.extend(follower.advance(&history, &instance, t, 3));
            t += 137_000_000;
        }
        got.extend(follower.advance(&history, &instance, ns(T0 + 10), usize::MAX));
        assert_eq!(got, whole);
    }

    #[test]
    fn a_flood_rate_sets_the_lines_per_second() {
        let (v, flood) = (voice(), FloodControl::default());
        flood.set(2500, at(T0 - 1));
        let history = History { voice: &v, flood: &flood };
        assert_eq!(history.second(T0).len(), 2500);
        assert!(history.second(T0 - 1).len() < 20);
    }

    #[test]
    fn history_is_bounded_like_a_rotated_file() {
        let (v, flood) = (voice(), FloodControl::default());
        flood.set(20_000, at(T0 - 100));
        let history = History { voice: &v, flood: &flood };
        let lines = history.window(&running(T0 - 1000), ns(T0 - 1000), ns(T0), None);
        let bytes: usize = lines.iter().map(|l| l.text.len() + 1).sum();
        assert!(bytes <= MAX_HISTORY_BYTES && bytes > MAX_HISTORY_BYTES - 10_000, "{bytes}");
        assert_eq!(lines.last().unwrap().second, T0 - 1, "the newest lines are kept");
    }

    #[test]
    fn timestamps_have_nine_digits() {
        let line = Line { second: T0, nanos: 1_230, text: "msg".into() };
        let mut out = Vec::new();
        render(&line, true, &mut None, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "2026-12-02T06:01:02.000001230Z msg\n");
        let mut out = Vec::new();
        render(&line, false, &mut None, &mut out);
        assert_eq!(out, b"msg\n");
    }
}
