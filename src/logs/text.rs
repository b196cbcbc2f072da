//! A log line is untrusted text: an app (or an attacker writing to it) can put any escape
//! sequence in it. Shown as it is, `ESC ]52;c;...` would write the user's clipboard and
//! `ESC [2J` clear the screen. Unlike cluster strings (removed by `crate::sanitize`), a log
//! line's escapes are made visible, `cat -v` style, so nothing is hidden from the reader:
//! ESC is `^[`, BEL `^G`, DEL `^?`, a C1 control `<9b>`. TAB becomes spaces, a trailing CR
//! (CRLF logs) goes.
//!
//! With `--ansi` the user trusts the app's colours: SGR sequences (`ESC [ ... m`) are kept as
//! styles ([`segments`]); every other sequence is still made visible.

use std::borrow::Cow;

use crate::types::Sgr;

const TAB: &str = "    ";

/// `raw` with every control character made visible.
pub fn visible(raw: &str) -> Cow<'_, str> {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    if !raw.chars().any(char::is_control) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str(TAB),
        '\u{7f}' => out.push_str("^?"),
        c if (c as u32) < 0x20 => {
            out.push('^');
            out.push(char::from(b'@' + c as u8));
        }
        c if c.is_control() => out.push_str(&format!("<{:02x}>", c as u32)),
        c => out.push(c),
    }
}

/// A run of text with the SGR attributes in force (`--ansi`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub style: Sgr,
}

impl Sgr {
    fn apply(&mut self, params: &str) {
        let mut codes = params.split(';').map(|p| p.parse::<u16>().unwrap_or(0));
        while let Some(code) = codes.next() {
            match code {
                0 => *self = Sgr::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                22 => (self.bold, self.dim) = (false, false),
                23 => self.italic = false,
                24 => self.underline = false,
                30..=37 => self.fg = Some((code - 30) as u8),
                39 => self.fg = None,
                40..=47 => self.bg = Some((code - 40) as u8),
                49 => self.bg = None,
                90..=97 => self.fg = Some((code - 90 + 8) as u8),
                100..=107 => self.bg = Some((code - 100 + 8) as u8),
                38 | 48 => {
                    // 38;5;N (indexed); 38;2;R;G;B is folded to nothing (rare in logs).
                    let colour = match codes.next() {
                        Some(5) => codes.next().and_then(|n| u8::try_from(n).ok()),
                        Some(2) => {
                            codes.by_ref().take(3).for_each(drop);
                            None
                        }
                        _ => None,
                    };
                    if code == 38 {
                        self.fg = colour;
                    } else {
                        self.bg = colour;
                    }
                }
                _ => {}
            }
        }
    }
}

/// `raw` cut into styled runs: SGR sequences become styles, everything else as [`visible`].
pub fn segments(raw: &str) -> Vec<Segment> {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let mut out = Vec::new();
    let mut current = Segment::default();
    let mut rest = raw;
    while let Some(at) = rest.find('\u{1b}') {
        for c in rest[..at].chars() {
            push_visible(&mut current.text, c);
        }
        let after = &rest[at + 1..];
        match sgr_params(after) {
            Some((params, len)) => {
                let mut style = current.style;
                style.apply(params);
                if style != current.style {
                    let next = Segment { text: String::new(), style };
                    let done = std::mem::replace(&mut current, next);
                    if !done.text.is_empty() {
                        out.push(done);
                    }
                }
                rest = &after[len..];
            }
            None => {
                current.text.push_str("^[");
                rest = after;
            }
        }
    }
    for c in rest.chars() {
        push_visible(&mut current.text, c);
    }
    if !current.text.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// `[` digits and `;` then `m`: the parameters and the length after ESC.
fn sgr_params(after_esc: &str) -> Option<(&str, usize)> {
    let body = after_esc.strip_prefix('[')?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    (body.as_bytes().get(end) == Some(&b'm')).then(|| (&body[..end], end + 2))
}

/// `raw` for a file or a pipe: with `ansi`, SGR sequences kept and the rest made visible;
/// without, everything made visible.
pub fn for_output(raw: &str, ansi: bool) -> Cow<'_, str> {
    if !ansi {
        return visible(raw);
    }
    let mut out = String::with_capacity(raw.len());
    for segment in segments(raw) {
        out.push_str(&sgr_sequence(&segment.style));
        out.push_str(&segment.text);
    }
    out.push_str("\u{1b}[0m");
    Cow::Owned(out)
}

/// The SGR sequence that sets exactly `style` (from a reset).
fn sgr_sequence(style: &Sgr) -> String {
    let mut codes = vec!["0".to_string()];
    for (on, code) in [(style.bold, "1"), (style.dim, "2"), (style.italic, "3"), (style.underline, "4")] {
        if on {
            codes.push(code.to_string());
        }
    }
    if let Some(fg) = style.fg {
        codes.push(format!("38;5;{fg}"));
    }
    if let Some(bg) = style.bg {
        codes.push(format!("48;5;{bg}"));
    }
    format!("\u{1b}[{}m", codes.join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_lines_are_borrowed_and_crlf_loses_its_cr() {
        assert!(matches!(visible("GET /healthz 200"), Cow::Borrowed("GET /healthz 200")));
        assert!(matches!(visible("done\r"), Cow::Borrowed("done")));
    }

    #[test]
    fn every_control_is_shown_not_interpreted() {
        let hostile = "\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J\u{9b}31m\u{7f}\tat x";
        let shown = visible(hostile);
        assert_eq!(shown, "^[]52;c;aGVsbG8=^G^[[2J<9b>31m^?    at x");
        assert!(!shown.chars().any(char::is_control));
    }

    #[test]
    fn ansi_keeps_sgr_as_style_and_shows_the_rest() {
        let segs = segments("\u{1b}[1;31mERROR\u{1b}[0m db down \u{1b}]0;title\u{7}");
        assert_eq!(segs[0].text, "ERROR");
        assert_eq!(segs[0].style, Sgr { fg: Some(1), bold: true, ..Sgr::default() });
        assert_eq!(segs[1].text, " db down ^[]0;title^G");
        assert_eq!(segs[1].style, Sgr::default());
        assert!(segs.iter().all(|s| !s.text.chars().any(char::is_control)));
    }

    #[test]
    fn ansi_output_holds_no_escape_but_sgr() {
        let out = for_output("\u{1b}[38;5;208mwarn\u{1b}[0m \u{1b}[2J", true);
        let stripped = regex_free_sgr_strip(&out);
        assert!(!stripped.chars().any(char::is_control), "{out:?}");
        assert!(out.contains("\u{1b}[0;38;5;208mwarn"));
        assert_eq!(for_output("a\u{1b}[31mb", false), "a^[[31mb");
    }

    /// Remove well-formed SGR sequences; whatever control is left was let through.
    fn regex_free_sgr_strip(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('\u{1b}') {
            out.push_str(&rest[..at]);
            match sgr_params(&rest[at + 1..]) {
                Some((_, len)) => rest = &rest[at + 1 + len..],
                None => {
                    out.push('\u{1b}');
                    rest = &rest[at + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}
