//! The one buffer of a log view: lines of every stream in timestamp order, bounded by a
//! byte cap. Lines past the cap go oldest first and are counted, never silently lost. Peers
//! keep everything (k9s grew to 30 GB after an hour of tailing); an on-call bastion cannot.
//!
//! Every line has a sequence number (`first_seq` + its position), so a reader can hold its
//! place while old lines are dropped in front of it. The regex filter keeps the sequence
//! numbers of matching lines, updated as lines arrive, so a redraw never rescans the buffer.

use std::collections::VecDeque;

use regex::Regex;

use super::LogLine;

#[derive(Debug)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    /// Sequence number of `lines[0]`.
    first_seq: u64,
    bytes: usize,
    cap: usize,
    dropped: u64,
    filter: Option<Regex>,
    /// With a filter: the sequence numbers of the lines it keeps, ascending.
    matches: VecDeque<u64>,
}

impl LogBuffer {
    pub fn new(cap_bytes: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::new(),
            first_seq: 0,
            bytes: 0,
            cap: cap_bytes.max(1),
            dropped: 0,
            filter: None,
            matches: VecDeque::new(),
        }
    }

    /// Add a line where its timestamp puts it (after lines of the same instant, so one
    /// stream's lines keep their order), then drop the oldest lines past the cap.
    pub fn insert(&mut self, line: LogLine) {
        let at = self.lines.partition_point(|l| l.at <= line.at);
        let seq = self.first_seq + at as u64;
        let matched = self.filter.as_ref().is_some_and(|f| f.is_match(&line.text));
        if self.filter.is_some() {
            let from = self.matches.partition_point(|&m| m < seq);
            for m in self.matches.range_mut(from..) {
                *m += 1;
            }
            if matched {
                self.matches.insert(from, seq);
            }
        }
        self.bytes += line.cost();
        self.lines.insert(at, line);
        self.evict();
    }

    fn evict(&mut self) {
        while self.bytes > self.cap {
            let Some(old) = self.lines.pop_front() else { break };
            self.bytes -= old.cost();
            if self.matches.front() == Some(&self.first_seq) {
                self.matches.pop_front();
            }
            self.first_seq += 1;
            self.dropped += 1;
        }
    }

    /// Keep only lines matching `filter` (None: every line). Rescans the buffer once.
    pub fn set_filter(&mut self, filter: Option<Regex>) {
        self.matches.clear();
        if let Some(f) = &filter {
            let first = self.first_seq;
            self.matches.extend(
                self.lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| f.is_match(&l.text))
                    .map(|(i, _)| first + i as u64),
            );
        }
        self.filter = filter;
    }

    pub fn filter(&self) -> Option<&Regex> {
        self.filter.as_ref()
    }

    /// Lines shown: the matching ones with a filter, else all.
    pub fn shown_len(&self) -> usize {
        match self.filter {
            Some(_) => self.matches.len(),
            None => self.lines.len(),
        }
    }

    /// The sequence number of the `index`th shown line.
    pub fn shown_seq(&self, index: usize) -> Option<u64> {
        match self.filter {
            Some(_) => self.matches.get(index).copied(),
            None => (index < self.lines.len()).then(|| self.first_seq + index as u64),
        }
    }

    /// The index among shown lines of the first one at or after `seq`.
    pub fn shown_index(&self, seq: u64) -> usize {
        match self.filter {
            Some(_) => self.matches.partition_point(|&m| m < seq),
            None => seq.saturating_sub(self.first_seq).min(self.lines.len() as u64) as usize,
        }
    }

    pub fn get(&self, seq: u64) -> Option<&LogLine> {
        let at = seq.checked_sub(self.first_seq)?;
        self.lines.get(usize::try_from(at).ok()?)
    }

    /// The shown lines `range` (indexes among shown lines), with their sequence numbers.
    pub fn shown(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (u64, &LogLine)> {
        range.filter_map(|i| self.shown_seq(i)).filter_map(|seq| self.get(seq).map(|l| (seq, l)))
    }

    /// Lines held.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes held (what the cap bounds).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Lines dropped oldest-first to stay under the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Sequence number one past the newest line.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn line(second: i64, source: u32, text: &str) -> LogLine {
        LogLine { at: Timestamp::from_second(1_700_000_000 + second).unwrap(), source, text: text.into() }
    }

    fn texts(buffer: &LogBuffer) -> Vec<String> {
        buffer.shown(0..buffer.shown_len()).map(|(_, l)| l.text.to_string()).collect()
    }

    #[test]
    fn lines_of_several_streams_are_merged_by_time_and_one_streams_order_holds() {
        let mut buffer = LogBuffer::new(1 << 20);
        for l in [line(1, 0, "a1"), line(3, 0, "a3"), line(2, 1, "b2"), line(3, 1, "b3"), line(3, 0, "a3'")] {
            buffer.insert(l);
        }
        assert_eq!(texts(&buffer), ["a1", "b2", "a3", "b3", "a3'"]);
    }

    #[test]
    fn the_cap_drops_the_oldest_lines_and_counts_them() {
        let one = line(0, 0, "x").cost();
        let mut buffer = LogBuffer::new(one * 3);
        for s in 0..10 {
            buffer.insert(line(s, 0, "x"));
            assert!(buffer.bytes() <= buffer.cap());
        }
        assert_eq!((buffer.len(), buffer.dropped()), (3, 7));
        assert_eq!(buffer.get(7).map(|l| l.at), Some(line(7, 0, "").at));
        assert_eq!(buffer.get(6), None);
    }

    #[test]
    fn the_filter_follows_inserts_in_the_middle_and_eviction() {
        let one = line(0, 0, "error").cost();
        let mut buffer = LogBuffer::new(one * 4);
        buffer.set_filter(Some(Regex::new("err").unwrap()));
        buffer.insert(line(1, 0, "error"));
        buffer.insert(line(3, 0, "ok"));
        buffer.insert(line(4, 0, "error"));
        // Late line of another stream, between the others.
        buffer.insert(line(2, 1, "error"));
        assert_eq!(texts(&buffer), ["error", "error", "error"]);
        assert_eq!(buffer.shown_seq(1), Some(1));
        buffer.insert(line(5, 0, "fine"));
        assert_eq!(buffer.dropped(), 1);
        assert_eq!(texts(&buffer), ["error", "error"]);
        buffer.set_filter(None);
        assert_eq!(texts(&buffer), ["error", "ok", "error", "fine"]);
        assert_eq!(buffer.shown_index(3), 2);
    }
}
