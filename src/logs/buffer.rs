//! The one buffer of a log view: lines of every stream in timestamp order, bounded by a
//! byte cap. Lines past the cap go oldest first and are counted, never silently lost. Peers
//! keep everything (k9s grew to 30 GB after an hour of tailing); an on-call bastion cannot.
//!
//! Texts live in arenas of 256 KiB, in arrival order, each line followed by a newline, and
//! the index holds small entries in time order that point into them: one allocation per arena
//! instead of one per line. A new filter searches each arena whole (one regex search over
//! 256 KiB instead of a thousand searches of one line: the per-search cost, not the bytes,
//! was what a per-line pass over a million lines spent). A match that spans lines (`\s` can
//! match the newline) is checked line by line, so the result is exactly the lines the regex
//! matches on their own. The cap counts what is really held: the arenas' capacity plus the
//! entries.
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
    /// Lines in arrival order, each followed by `\n`.
    text: String,
    /// Where each line starts, in arrival order.
    starts: Vec<u32>,
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

/// What a line costs besides its text: its entry, its start in the arena, its newline.
const ENTRY: usize = std::mem::size_of::<Entry>() + 4 + 1;

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
        // Streams split lines on LF, so none holds one; a caller's stray LF would break the
        // arena's one-line-per-line rule, so it is shown as the symbol for newline.
        let owned;
        let text = if text.contains('\n') {
            owned = text.replace('\n', "\u{2424}");
            owned.as_str()
        } else {
            text
        };
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
        let need = text.len() + 1;
        let fits = self.arenas.back().is_some_and(|a| a.text.capacity() - a.text.len() >= need);
        if !fits {
            let arena = Arena { text: String::with_capacity(ARENA.max(need)), starts: Vec::new(), live: 0 };
            self.bytes += arena.text.capacity();
            self.arenas.push_back(arena);
        }
        let number = self.first_arena + self.arenas.len() as u64 - 1;
        let Some(arena) = self.arenas.back_mut() else { return (number, 0) };
        let start = arena.text.len() as u32;
        arena.text.push_str(text);
        arena.text.push('\n');
        arena.starts.push(start);
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

    /// Keep only lines matching `filter` (None: every line). Searches the buffer once.
    pub fn set_filter(&mut self, filter: Option<Regex>) {
        self.matches.clear();
        if let Some(f) = &filter {
            // Per arena, the starts of the lines the filter matches, ascending.
            let whole = arena_regex(f);
            let hits: Vec<Vec<u32>> =
                self.arenas.iter().map(|a| matching_starts(a, f, whole.as_ref())).collect();
            let first = self.first_seq;
            let first_arena = self.first_arena;
            let kept = self.entries.iter().enumerate().filter(|(_, e)| {
                let at = e.arena.checked_sub(first_arena).and_then(|a| usize::try_from(a).ok());
                at.and_then(|a| hits.get(a)).is_some_and(|h| h.binary_search(&e.start).is_ok())
            });
            self.matches.extend(kept.map(|(i, _)| first + i as u64).collect::<Vec<_>>());
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

/// The filter for a whole arena: `^` and `$` at each line's start and end, as on one line.
/// Rebuilt from the pattern's text, so flags must be in the text (`(?i)`), not set on a
/// builder. None when it cannot be built (then lines are searched one by one).
fn arena_regex(line: &Regex) -> Option<Regex> {
    regex::RegexBuilder::new(&format!("(?m:{})", line.as_str())).build().ok()
}

/// The starts of the lines of `arena` that `line` matches on their own, ascending.
fn matching_starts(arena: &Arena, line: &Regex, whole: Option<&Regex>) -> Vec<u32> {
    let text_of = |i: usize| {
        let start = arena.starts[i] as usize;
        let end = arena.starts.get(i + 1).map_or(arena.text.len(), |&s| s as usize);
        arena.text.get(start..end.saturating_sub(1)).unwrap_or("")
    };
    let Some(whole) = whole else {
        return (0..arena.starts.len())
            .filter(|&i| line.is_match(text_of(i)))
            .map(|i| arena.starts[i])
            .collect();
    };
    let line_of = |offset: usize| arena.starts.partition_point(|&s| s as usize <= offset).saturating_sub(1);
    let mut out: Vec<u32> = Vec::new();
    let mut push = |i: usize| {
        if out.last() != Some(&arena.starts[i]) {
            out.push(arena.starts[i]);
        }
    };
    for m in whole.find_iter(&arena.text) {
        // An empty match after the last newline is past every line.
        if m.start() >= arena.text.len() {
            break;
        }
        let (first, last) = (line_of(m.start()), line_of(m.end().saturating_sub(1).max(m.start())));
        if first == last && !m.as_str().contains('\n') {
            push(first);
        } else {
            // The match crosses a newline: each line it covers is judged on its own.
            (first..=last).filter(|&i| line.is_match(text_of(i))).for_each(&mut push);
        }
    }
    out
}

/// The largest char boundary of `text` at or below `max`.
fn floor_char_boundary(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
#[path = "buffer_tests.rs"]
mod tests;
