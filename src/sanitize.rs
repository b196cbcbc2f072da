//! Untrusted text made safe for a terminal (the lesson of kubectl's CVE-2021-25743).
//!
//! Strings from the cluster and Prometheus (event messages, annotations, label values,
//! termination reasons, certificate names) may hold escape sequences that retitle the window,
//! clear the screen or write the clipboard (OSC 52). [`line`] removes whole sequences (7-bit
//! `ESC [ ... final`, `ESC ] ... BEL|ST`, DCS/SOS/PM/APC strings, their 8-bit C1 forms such as
//! U+009B and U+009D, two-byte `ESC x`, a lone ESC), every other C0/C1 control and DEL; CR,
//! LF and TAB become a space. [`multiline`] keeps LF for text that has lines. Printable
//! Unicode is kept as it is. Both borrow when there is nothing to remove: they run on every
//! object a watch delivers. This module imports nothing from the crate.
//!
//! Why not leave it to ratatui: ratatui 0.30 (ratatui-core 0.1 `Buffer::set_stringn` and
//! `Span::styled_graphemes`, which Paragraph, Table and Line rendering go through) drops every
//! grapheme that contains a `char::is_control` character, so ESC, BEL, CR and C1 never reach
//! the terminal from a widget; but the printable rest of a sequence stays ("]0;owned", "[2J"
//! shown as text), `Cell::set_symbol` does not filter, and the snapshot text, the clipboard
//! and the audit log never pass through a Buffer. Hence: sanitize at the edge, once.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit String Terminator.
const ST: char = '\u{9c}';

/// Is `c` something the sanitizer has to act on?
fn is_control(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
}

/// One line: controls and escape sequences removed, CR/LF/TAB as a space.
pub fn line(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Like [`line`], but LF is kept (CR LF becomes LF, a bare CR a space).
pub fn multiline(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// [`line`] into an owned String (for fields the caller owns already).
pub fn line_owned(text: String) -> String {
    match line(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// Sanitize an `Option<String>` in place.
pub fn in_place(text: &mut Option<String>) {
    if let Some(t) = text.as_mut() {
        string_in_place(t);
    }
}

/// Sanitize a `String` in place (no allocation when it is clean).
pub fn string_in_place(text: &mut String) {
    if let Cow::Owned(clean) = line(text) {
        *text = clean;
    }
}

fn clean(text: &str, keep_lf: bool) -> Cow<'_, str> {
    let Some(first) = text.find(|c| is_control(c) && !(keep_lf && c == '\n')) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut chars = text[first..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_lf => out.push('\n'),
            '\r' if keep_lf && chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\t' => out.push(' '),
            ESC => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // Two-byte sequences (ESC 7, ESC c, ESC ( B ...): drop ESC, its intermediates
                // and its final byte, when they are printable ASCII.
                Some(n) if (' '..='~').contains(&n) => {
                    while let Some(&i) = chars.peek() {
                        chars.next();
                        if !(' '..='/').contains(&i) {
                            break;
                        }
                    }
                }
                _ => {} // a lone ESC
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if is_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// CSI: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, one final byte 0x40-0x7E. Stops
/// (without eating it) at anything else, so a broken sequence cannot swallow the text after it.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\u{30}'..='\u{3f}' | '\u{20}'..='\u{2f}' => {
                chars.next();
            }
            '\u{40}'..='\u{7e}' => {
                chars.next();
                return;
            }
            _ => return,
        }
    }
}

/// OSC/DCS/SOS/PM/APC: everything up to BEL, `ESC \` or 8-bit ST (xterm also ends them at
/// CAN/SUB). An unterminated string runs to the end of the text, as a terminal would take it.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | ST | '\u{18}' | '\u{1a}' => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Does `text` hold anything [`line`] would remove or replace (for tests and assertions)?
pub fn has_controls(text: &str) -> bool {
    text.chars().any(is_control)
}

/// The last net for headless output (`kdeck snapshot`): a writer that drops every C0 control
/// but LF and TAB, DEL and the UTF-8 forms of C1 controls, whatever the caller wrote. The
/// edges have already removed whole sequences; this only guarantees no control reaches the
/// terminal if a new field forgets to. Stateless across writes but for a pending 0xC2 byte.
pub struct SafeWriter<W: std::io::Write> {
    inner: W,
    /// A 0xC2 lead byte seen at the end of the last write.
    pending_c2: bool,
}

impl<W: std::io::Write> SafeWriter<W> {
    pub fn new(inner: W) -> SafeWriter<W> {
        SafeWriter { inner, pending_c2: false }
    }
}

impl<W: std::io::Write> std::io::Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 1);
        for &b in buf {
            if std::mem::take(&mut self.pending_c2) {
                if (0x80..=0x9f).contains(&b) {
                    continue; // a C1 control: drop both bytes
                }
                out.push(0xc2);
            }
            match b {
                b'\n' | b'\t' => out.push(b),
                0x00..=0x1f | 0x7f => {}
                0xc2 => self.pending_c2 = true,
                _ => out.push(b),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(text: &str) -> String {
        line(text).into_owned()
    }

    #[test]
    fn clean_text_is_borrowed() {
        for t in ["", "Back-off restarting failed container", "zone eu-west-1a ✔ 日本語 🚀", "a;b[c]"]
        {
            assert!(matches!(line(t), Cow::Borrowed(s) if s == t), "{t}");
            assert!(matches!(multiline(t), Cow::Borrowed(_)));
        }
        assert!(matches!(multiline("a\nb"), Cow::Borrowed("a\nb")));
    }

    #[test]
    fn osc_title_and_clipboard_writes_go_whole() {
        assert_eq!(owned("a\x1b]0;owned\x07b"), "ab");
        assert_eq!(owned("a\x1b]2;title\x1b\\b"), "ab");
        assert_eq!(owned("x\x1b]52;c;aGk=\x07y"), "xy");
        assert_eq!(owned("x\u{9d}52;c;aGk=\u{9c}y"), "xy");
        assert_eq!(owned("x\u{9d}0;t\x07y"), "xy");
        // Hyperlinks (OSC 8) lose their markup, keep their text.
        assert_eq!(owned("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"), "click");
        // Unterminated: the rest is the sequence.
        assert_eq!(owned("ok\x1b]0;never ends"), "ok");
    }

    #[test]
    fn csi_sequences_go_whole() {
        assert_eq!(owned("\x1b[2Jcleared"), "cleared");
        assert_eq!(owned("\x1b[31mred\x1b[0m"), "red");
        assert_eq!(owned("\x1b[?1049h\x1b[1;1H\x1b[38;2;1;2;3mx"), "x");
        assert_eq!(owned("a\u{9b}2Jb"), "ab");
        assert_eq!(owned("a\u{9b}31mb"), "ab");
        // A CSI broken by a control ends there; the text after it stays.
        assert_eq!(owned("a\x1b[12\x07b"), "ab");
        assert_eq!(owned("a\x1b["), "a");
    }

    #[test]
    fn dcs_sos_pm_apc_strings_go_whole() {
        assert_eq!(owned("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(owned("a\x1bXsos\x1b\\b"), "ab");
        assert_eq!(owned("a\x1b^pm\x07b"), "ab");
        assert_eq!(owned("a\x1b_apc\x1b\\b"), "ab");
        assert_eq!(owned("a\u{90}dcs\u{9c}b"), "ab");
        assert_eq!(owned("a\u{9f}apc\u{9c}b"), "ab");
    }

    #[test]
    fn two_byte_escapes_and_lone_esc() {
        assert_eq!(owned("a\x1bcb"), "ab"); // RIS (full reset)
        assert_eq!(owned("a\x1b7b\x1b8"), "ab");
        assert_eq!(owned("a\x1b(Bb"), "ab");
        assert_eq!(owned("a\x1b"), "a");
        assert_eq!(owned("a\x1b\x1bb"), "a"); // ESC ESC b: the second ESC restarts, b ends it
        assert_eq!(owned("a\x1b\u{e9}"), "a\u{e9}");
    }

    #[test]
    fn other_controls_go_and_whitespace_becomes_a_space() {
        assert_eq!(owned("over\rwrite"), "over write");
        assert_eq!(owned("a\nb\tc\r\nd"), "a b c  d");
        assert_eq!(owned("bell\x07 bs\x08 del\x7f nul\0 c1\u{85}\u{9c}"), "bell bs del nul c1");
        assert_eq!(multiline("a\r\nb\rc\td\x1b[2J\n"), "a\nb c d\n");
        assert!(!has_controls(&owned("\x1b]0;owned\x07\x1b[2J\r\x1b]52;c;aGk=\x07 done")));
    }

    #[test]
    fn printable_unicode_survives_around_removals() {
        assert_eq!(owned("ü\x1b[1mß\x07日本🚀\u{200b}"), "üß日本🚀\u{200b}");
    }

    #[test]
    fn helpers_reuse_or_replace() {
        let mut s = Some("fine".to_owned());
        in_place(&mut s);
        assert_eq!(s.as_deref(), Some("fine"));
        let mut s = Some("a\x1b[2Jb".to_owned());
        in_place(&mut s);
        assert_eq!(s.as_deref(), Some("ab"));
        assert_eq!(line_owned("x\ry".into()), "x y");
    }

    #[test]
    fn every_char_alone_leaves_no_control() {
        for c in (0u32..0x250).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert!(!has_controls(&line(&text)), "U+{:04X}", c as u32);
            assert!(!has_controls(&multiline(&text).replace('\n', "")), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn safe_writer_drops_controls_across_writes() {
        use std::io::Write;
        let mut w = SafeWriter::new(Vec::new());
        w.write_all(b"a\x1b]0;t\x07b\r\n\t\x7f").unwrap();
        w.write_all("é\u{9b}".as_bytes()).unwrap();
        w.write_all(&[0xc2]).unwrap();
        w.write_all(&[0x9d, b'x', 0xc2]).unwrap();
        w.write_all(&[0xa9]).unwrap(); // ©
        w.flush().unwrap();
        assert_eq!(String::from_utf8(w.inner).unwrap(), "a]0;tb\n\téx©");
    }
}
