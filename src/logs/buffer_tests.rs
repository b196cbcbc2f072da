//! The buffer: merge order, the cap and its arenas, the filter through inserts, eviction and
//! whole-arena search.

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
fn a_new_filter_keeps_exactly_the_lines_it_matches_alone() {
    let mut buffer = LogBuffer::new(1 << 20);
    let lines = ["hello", "big world", "x", "foo", "bar baz", "^anchor", "anchor end", "", "tail"];
    for (s, t) in lines.iter().enumerate() {
        buffer.insert(at(s as i64), 0, t);
    }
    for pattern in
        [r"\w+\s\w+", r"^anchor", r"end$", r"^$", r"foo\s*bar", r"(?s).", r"[^z]+", r"\bbig\b", "nothing"]
    {
        let re = Regex::new(pattern).unwrap();
        buffer.set_filter(Some(re.clone()));
        let expected: Vec<&str> = lines.iter().copied().filter(|l| re.is_match(l)).collect();
        assert_eq!(texts(&buffer), expected, "/{pattern}/");
    }
}

proptest::proptest! {
    /// Whole-arena search keeps exactly the lines a per-line search keeps, whatever the
    /// lines and the pattern (anchors, classes that match a newline, empty matches).
    #[test]
    fn a_new_filter_equals_a_line_by_line_filter(
        lines in proptest::collection::vec("[ab \t^$.-]{0,6}", 0..40),
        pattern in proptest::sample::select(vec![
            r"a", r"^a", r"a$", r"^$", r"\s", r"a\s+b", r"[^b]", r"\bab\b", r"(?s).b", r"\W*", r"b|^", r"\$",
        ]),
    ) {
        let mut buffer = LogBuffer::new(1 << 20);
        for (s, t) in lines.iter().enumerate() {
            buffer.insert(at(s as i64), 0, t);
        }
        let re = Regex::new(pattern).unwrap();
        buffer.set_filter(Some(re.clone()));
        let expected: Vec<&str> = lines.iter().map(String::as_str).filter(|l| re.is_match(l)).collect();
        proptest::prop_assert_eq!(texts(&buffer), expected);
    }
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
