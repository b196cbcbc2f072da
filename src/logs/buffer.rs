//! The one buffer of a log view: lines of every stream in timestamp order, bounded by a
//! byte cap. Lines past the cap go oldest first and are counted, never silently lost. Peers
//! keep everything (k9s grew to 30 GB after an hour of tailing); an on-call bastion cannot.
//!
//! Texts live in arenas of 256 KiB, in arrival order, and the index holds small entries in
//! time order that point into them: one allocation per arena instead of one per line, and a
//! regex pass over a million lines reads memory nearly in sequence (with a `Box<str>` per
//! line, the pass was bound by cache misses). The cap counts what is really held: the
//! arenas' capacity plus the entries.
//!
//! Every line has a sequence number (`first_seq` + its position), so a reader can hold its
//! place while old lines are dropped in front of it. The regex filter keeps the sequence
//! numbers of matching lines, updated as lines arrive, so a redraw never rescans the buffer.

use std::collections::VecDeque;

use jiff::Timestamp;
use regex::Regex;

use super::LogLine;

const ARENA: usize = 256 * 1024;

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Timestamp,
    /// Absolute arena number, and the text's place in it.
    arena: u64,
    start: u32,
    len: u32,
    source: u32,
}

#[derive(Debug)]
struct Arena {
    text: String,
    /// Entries still pointing into it.
    live: usize,
}

#[derive(Debug)]
pub struct LogBuffer {
    entries: VecDeque<Entry>,
    arenas: VecDeque<Arena>,
    /// Absolute number of `arenas[0]`.
    first_arena: u64,
    /// Sequence number of `entries[0]`.
    first_seq: u64,
    bytes: usize,
    cap: usize,
    dropped: u64,
    filter: Option<Regex>,
    /// With a filter: the sequence numbers of the lines it keeps, ascending.
    matches: VecDeque<u64>,
}

const ENTRY: usize = std::mem::size_of::<Entry>();

impl LogBuffer {
    pub fn new(cap_bytes: usize) -> LogBuffer {
        LogBuffer {
            entries: VecDeque::new(),
            arenas: VecDeque::new(),
            first_arena: 0,
            first_seq: 0,
            bytes: 0,
            cap: cap_bytes.max(ARENA + ENTRY),
            dropped: 0,
            filter: None,
            matches: VecDeque::new(),
        }
    }

    /// Add a line where its timestamp puts it (after lines of the same instant, so one
    /// stream's lines keep their order), then drop the oldest lines past the cap.
    pub fn insert(&mut self, at: Timestamp, source: u32, text: &str) {
        let text = &text[..floor_char_boundary(text, u32::MAX as usize)];
        let (arena, start) = self.store(text);
        let entry = Entry { at, arena, start, len: text.len() as u32, source };
        let pos = self.entries.partition_point(|e| e.at <= at);
        let seq = self.first_seq + pos as u64;
        if let Some(filter) = &self.filter {
            let matched = filter.is_match(text);
            let from = self.matches.partition_point(|&m| m < seq);
            for m in self.matches.range_mut(from..) {
                *m += 1;
            }
            if matched {
                self.matches.insert(from, seq);
            }
        }
        self.bytes += ENTRY;
        self.entries.insert(pos, entry);
        self.evict();
    }

    /// Copy `text` into the newest arena (a new one when it does not fit).
    fn store(&mut self, text: &str) -> (u64, u32) {
        let fits = self.arenas.back().is_some_and(|a| a.text.capacity() - a.text.len() >= text.len());
        if !fits {
            let arena = Arena { text: String::with_capacity(ARENA.max(text.len())), live: 0 };
            self.bytes += arena.text.capacity();
            self.arenas.push_back(arena);
        }
        let number = self.first_arena + self.arenas.len() as u64 - 1;
        let Some(arena) = self.arenas.back_mut() else { return (number, 0) };
        let start = arena.text.len() as u32;
        arena.text.push_str(text);
        arena.live += 1;
        (number, start)
    }

    fn evict(&mut self) {
        while self.bytes > self.cap {
            let Some(old) = self.entries.pop_front() else { break };
            self.bytes -= ENTRY;
            if self.matches.front() == Some(&self.first_seq) {
                self.matches.pop_front();
            }
            self.first_seq += 1;
            self.dropped += 1;
            if let Some(arena) = self.arena_mut(old.arena) {
                arena.live -= 1;
            }
            // Free the arenas no line points into any more (never the one being filled).
            while self.arenas.len() > 1 && self.arenas.front().is_some_and(|a| a.live == 0) {
                if let Some(arena) = self.arenas.pop_front() {
                    self.bytes -= arena.text.capacity();
                }
                self.first_arena += 1;
            }
        }
    }

    fn arena_mut(&mut self, number: u64) -> Option<&mut Arena> {
        let at = usize::try_from(number.checked_sub(self.first_arena)?).ok()?;
        self.arenas.get_mut(at)
    }

    fn text(&self, entry: &Entry) -> &str {
        let at = entry.arena.checked_sub(self.first_arena).and_then(|a| usize::try_from(a).ok());
        let arena = at.and_then(|a| self.arenas.get(a));
        let range = entry.start as usize..(entry.start + entry.len) as usize;
        arena.and_then(|a| a.text.get(range)).unwrap_or("")
    }

    /// Keep only lines matching `filter` (None: every line). Rescans the buffer once.
    pub fn set_filter(&mut self, filter: Option<Regex>) {
        self.matches.clear();
        if let Some(f) = &filter {
            let first = self.first_seq;
            let hits = self.entries.iter().enumerate().filter(|(_, e)| f.is_match(self.text(e)));
            self.matches.extend(hits.map(|(i, _)| first + i as u64).collect::<Vec<_>>());
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
            None => self.entries.len(),
        }
    }

    /// The sequence number of the `index`th shown line.
    pub fn shown_seq(&self, index: usize) -> Option<u64> {
        match self.filter {
            Some(_) => self.matches.get(index).copied(),
            None => (index < self.entries.len()).then(|| self.first_seq + index as u64),
        }
    }

    /// The index among shown lines of the first one at or after `seq`.
    pub fn shown_index(&self, seq: u64) -> usize {
        match self.filter {
            Some(_) => self.matches.partition_point(|&m| m < seq),
            None => seq.saturating_sub(self.first_seq).min(self.entries.len() as u64) as usize,
        }
    }

    pub fn get(&self, seq: u64) -> Option<LogLine<'_>> {
        let at = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        let entry = self.entries.get(at)?;
        Some(LogLine { at: entry.at, source: entry.source, text: self.text(entry) })
    }

    /// The shown lines `range` (indexes among shown lines), with their sequence numbers.
    pub fn shown(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (u64, LogLine<'_>)> {
        range.filter_map(|i| self.shown_seq(i)).filter_map(|seq| self.get(seq).map(|l| (seq, l)))
    }

    /// Lines held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held (what the cap bounds): arenas and entries.
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
        self.first_seq + self.entries.len() as u64
    }
}

/// The largest char boundary of `text` at or below `max`.
fn floor_char_boundary(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    fn texts(buffer: &LogBuffer) -> Vec<String> {
        buffer.shown(0..buffer.shown_len()).map(|(_, l)| l.text.to_string()).collect()
    }

    #[test]
    fn lines_of_several_streams_are_merged_by_time_and_one_streams_order_holds() {
        let mut buffer = LogBuffer::new(1 << 20);
        for (s, src, t) in [(1, 0, "a1"), (3, 0, "a3"), (2, 1, "b2"), (3, 1, "b3"), (3, 0, "a3'")] {
            buffer.insert(at(s), src, t);
        }
        assert_eq!(texts(&buffer), ["a1", "b2", "a3", "b3", "a3'"]);
        assert_eq!(buffer.get(1).map(|l| l.source), Some(1));
    }

    /// A cap of two arenas; lines of 1 KiB.
    fn small() -> (LogBuffer, String) {
        (LogBuffer::new(2 * ARENA + 600 * ENTRY), "x".repeat(1024))
    }

    #[test]
    fn the_cap_drops_the_oldest_lines_counts_them_and_frees_their_memory() {
        let (mut buffer, line) = small();
        for s in 0..2_000 {
            buffer.insert(at(s), 0, &line);
            assert!(buffer.bytes() <= buffer.cap(), "{} > {}", buffer.bytes(), buffer.cap());
        }
        assert_eq!(buffer.len() as u64 + buffer.dropped(), 2_000);
        assert!(buffer.dropped() > 1_000, "dropped {}", buffer.dropped());
        assert!(buffer.arenas.len() <= 2);
        // What is left is the newest lines, in order, readable.
        let first = buffer.end_seq() - buffer.len() as u64;
        assert_eq!(buffer.get(first).map(|l| l.at), Some(at(buffer.dropped() as i64)));
        assert_eq!(buffer.get(first - 1), None);
        assert_eq!(buffer.get(buffer.end_seq() - 1).map(|l| l.text.len()), Some(1024));
    }

    #[test]
    fn the_filter_follows_inserts_in_the_middle_and_eviction() {
        let (mut buffer, pad) = small();
        buffer.set_filter(Some(Regex::new("err").unwrap()));
        buffer.insert(at(1), 0, "error");
        buffer.insert(at(3), 0, "ok");
        buffer.insert(at(4), 0, "error");
        // A late line of another stream, between the others.
        buffer.insert(at(2), 1, "error");
        assert_eq!(texts(&buffer), ["error", "error", "error"]);
        assert_eq!(buffer.shown_seq(1), Some(1));
        // Push the four out with padding lines; the matches go with them.
        for s in 5..700 {
            buffer.insert(at(s), 0, &pad);
        }
        assert!(buffer.dropped() >= 4);
        assert_eq!(texts(&buffer), Vec::<String>::new());
        buffer.insert(at(800), 0, "fine");
        buffer.insert(at(801), 0, "err again");
        assert_eq!(texts(&buffer), ["err again"]);
        buffer.set_filter(None);
        assert_eq!(buffer.shown_len(), buffer.len());
        assert_eq!(buffer.shown_index(buffer.end_seq() - 1), buffer.len() - 1);
    }
}
