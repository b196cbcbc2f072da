//! Byte-level mutation of a valid sample: truncations, flips, inserted control characters and
//! tokens.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// Text that tends to break parsers: numbers past every integer type, float edge cases, the
/// spellings of NaN and infinity, escape sequences, quote and bracket characters, BOMs,
/// invalid UTF-8 starts, YAML anchors and tags, TOML and YAML structure.
pub(crate) const TOKENS: &[&str] = &[
    "NaN",
    "nan",
    "-nan",
    "+Inf",
    "-Inf",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "1e308",
    "1e309",
    "-1e308",
    "4.9e-324",
    "1.7976931348623157e308",
    "0.0000000000000000000000000000001",
    "-0",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "4294967295",
    "4294967296",
    "65536",
    "99999999999999999999999999999999999999999",
    "1_000",
    "0x7fffffffffffffff",
    "0o777",
    "0b1010",
    "16Ei",
    "9999999Ei",
    "1e2147483648",
    "\u{0}",
    "\u{7}",
    "\u{1b}[2J",
    "\u{1b}]52;c;aGk=\u{7}",
    "\u{9b}",
    "\u{202e}",
    "\u{feff}",
    "\r\n",
    "\n",
    "\t",
    "\"",
    "'",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\x",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "=",
    "#",
    "null",
    "true",
    "false",
    "[]",
    "{}",
    "\"\"",
    "---\n",
    "...\n",
    "- ",
    "? ",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!float ",
    "|\n",
    ">-\n",
    "[[x]]\n",
    "[x]\n",
    "a.b.c = 1\n",
    "1979-05-27T07:32:00Z",
    "0000-00-00T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "-271821-04-20T00:00:00Z",
    "$patch",
    "/spec/containers/-",
    "~1",
    "~2",
];

/// Raw bytes that are not UTF-8 on their own.
pub(crate) const RAW: &[&[u8]] =
    &[b"\xff", b"\xfe\xff", b"\xff\xfe", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xef\xbb\xbf"];

/// Openers repeated for deep nesting.
pub(crate) const OPENERS: &[&str] =
    &["[", "{\"a\":", "{", "a = [", "x = {a = ", "- ", "[[", "x:\n  ", "{a: ", "\"a\":[", "*a "];

pub(crate) fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
        2 => select(RAW).prop_map(<[u8]>::to_vec),
        2 => vec(any::<u8>(), 1..8),
        1 => (select(OPENERS), 1usize..3000).prop_map(|(o, n)| o.repeat(n).into_bytes()),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => "[0-9]{19,400}".prop_map(String::into_bytes),
        1 => (any::<char>(), 1usize..20_000).prop_map(|(c, n)| c.to_string().repeat(n).into_bytes()),
    ]
}

#[derive(Clone, Debug)]
pub(crate) enum ByteEdit {
    Truncate(Index),
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Replace(Index, usize, Vec<u8>),
    Delete(Index, usize),
    Repeat(Index, usize, usize),
}

pub(crate) fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        1 => any::<Index>().prop_map(ByteEdit::Truncate),
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, bit)| ByteEdit::Flip(i, 1 << bit)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Set(i, b)),
        4 => (any::<Index>(), token()).prop_map(|(i, t)| ByteEdit::Insert(i, t)),
        3 => (any::<Index>(), 1usize..12, token()).prop_map(|(i, n, t)| ByteEdit::Replace(i, n, t)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        1 => (any::<Index>(), 1usize..64, 2usize..200).prop_map(|(i, n, k)| ByteEdit::Repeat(i, n, k)),
    ]
}

pub(crate) fn apply_byte_edits(sample: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut out = sample.to_vec();
    for edit in edits {
        let len = out.len();
        let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
        match edit {
            ByteEdit::Truncate(i) => out.truncate(at(i)),
            ByteEdit::Flip(i, mask) if len > 0 => out[at(i)] ^= mask,
            ByteEdit::Set(i, b) if len > 0 => out[at(i)] = *b,
            ByteEdit::Insert(i, t) => {
                let pos = i.index(len + 1);
                out.splice(pos..pos, t.iter().copied());
            }
            ByteEdit::Replace(i, n, t) => {
                let pos = at(i);
                let end = (pos + n).min(len);
                out.splice(pos..end, t.iter().copied());
            }
            ByteEdit::Delete(i, n) => {
                let pos = at(i);
                out.drain(pos..(pos + n).min(len));
            }
            ByteEdit::Repeat(i, n, k) => {
                let pos = at(i);
                let piece = out[pos..(pos + n).min(len)].to_vec();
                for _ in 1..*k {
                    out.splice(pos..pos, piece.iter().copied());
                }
            }
            ByteEdit::Flip(..) | ByteEdit::Set(..) => {}
        }
    }
    out
}

/// 1-6 byte edits of `sample`.
pub(crate) fn mutated_bytes(sample: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    vec(byte_edit(), 1..6).prop_map(move |edits| apply_byte_edits(&sample, &edits))
}

/// One of several samples, byte-mutated.
pub(crate) fn mutated_any(samples: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (select(samples), vec(byte_edit(), 1..6)).prop_map(|(s, edits)| apply_byte_edits(&s, &edits))
}
