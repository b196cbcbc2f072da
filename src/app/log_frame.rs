//! What the log view shows in one frame, projected from `LogView` for the rows the screen
//! has: only those lines are copied out, so a frame costs the same at 100 lines or 1M.

use regex::Regex;

use crate::app::log_view::LogView;
use crate::logs::stream::StreamState;
use crate::logs::text;
use crate::types::Sgr;
use crate::ui::view::{LogFrame, LogRow, Run};

/// Tags are cut to this many characters (the end of a pod name is what tells pods apart).
const TAG_MAX: usize = 24;

impl LogFrame {
    pub fn project(view: &LogView, rows: usize, width: u16, ansi: bool) -> LogFrame {
        let len = view.buffer.shown_len();
        let rows = rows.max(1);
        let start = if view.follow {
            len.saturating_sub(rows)
        } else {
            view.buffer.shown_index(view.top).min(len.saturating_sub(1))
        };
        let end = (start + rows).min(len);
        let highlight = view.regex();
        let prefix = common_prefix(view);
        let several_containers = view.containers().len() > 1;
        let mut out = Vec::with_capacity(end - start);
        for (seq, line) in view.buffer.shown(start..end) {
            let Some(source) = view.sources.get(line.source as usize) else { continue };
            let pod = source.key.pod.strip_prefix(prefix.as_str()).unwrap_or(&source.key.pod);
            let tag =
                if several_containers { format!("{pod}/{}", source.key.container) } else { pod.to_string() };
            out.push(LogRow {
                time: line.at.strftime("%H:%M:%S").to_string(),
                tag: shorten(&crate::sanitize::line(&tag)),
                colour: (crate::logs::headless::fnv(&source.key.pod) % 6) as u8,
                zone: crate::sanitize::line(source.zone.as_deref().unwrap_or("")).into_owned(),
                gone: source.gone,
                cursor: !view.follow && seq == view.cursor,
                runs: runs(line.text, ansi, highlight.as_ref()),
            });
        }
        let tag_width = out.iter().map(|r| r.tag.chars().count()).max().unwrap_or(0);
        LogFrame {
            title: format!("{} in {}", view.target.label(), view.target.namespace),
            summary: summary(view),
            notes: notes(view),
            rows: out,
            follow: view.follow,
            wrap: view.wrap,
            zones: width >= 120,
            tag_width,
            empty: (len == 0).then(|| empty_reason(view)),
        }
    }
}

/// What pod names of the view share ("web-7d9f8c-"), cut at a dash, so tags show the rest.
fn common_prefix(view: &LogView) -> String {
    let mut pods = view.pods.iter().map(|(p, _)| p.as_str());
    let Some(first) = pods.next() else { return String::new() };
    let mut len = first.len();
    for p in pods {
        len = first.bytes().zip(p.bytes()).take(len).take_while(|(a, b)| a == b).count();
    }
    match first[..len].rfind('-') {
        Some(at) if view.pods.len() > 1 => first[..=at].to_string(),
        _ => String::new(),
    }
}

fn shorten(tag: &str) -> String {
    let count = tag.chars().count();
    if count <= TAG_MAX {
        return tag.to_string();
    }
    let tail: String = tag.chars().skip(count - (TAG_MAX - 1)).collect();
    format!("…{tail}")
}

fn summary(view: &LogView) -> String {
    let pods = view.pods.len();
    let mut parts = vec![
        format!("{pods} pod{}", if pods == 1 { "" } else { "s" }),
        format!("{} stream{}", view.sources.len(), if view.sources.len() == 1 { "" } else { "s" }),
        format!("since {}", view.since_label()),
    ];
    if let Some(c) = &view.container {
        parts.push(format!("container {c}"));
    }
    if view.previous {
        parts.push("previous".to_string());
    }
    parts.push(if view.follow { "following".to_string() } else { "paused (G follows)".to_string() });
    if !view.pattern.is_empty() {
        let pattern = crate::sanitize::line(&view.pattern);
        parts.push(match view.hide {
            true => format!("filter /{pattern}/ {} lines", view.buffer.shown_len()),
            false => format!("search /{pattern}/ (n N)"),
        });
    }
    parts.join(" · ")
}

fn notes(view: &LogView) -> Vec<String> {
    let mut notes = Vec::new();
    if view.buffer.dropped() > 0 {
        notes.push(format!(
            "{} older lines dropped (buffer {} MiB)",
            crate::units::format::thousands(view.buffer.dropped()),
            view.buffer.cap() >> 20
        ));
    }
    let reconnecting = view.reconnecting();
    let first = view.sources.iter().find_map(|s| match &s.state {
        StreamState::Reconnecting { error, .. } => Some((s, error)),
        _ => None,
    });
    if let Some((source, error)) = first {
        // The first one's reason: a container waiting to start says why it waits.
        notes.push(format!(
            "{reconnecting} reconnecting ({}/{}: {})",
            source.key.pod,
            source.key.container,
            crate::sanitize::line(error)
        ));
    }
    for s in &view.sources {
        if let StreamState::Failed(why) = &s.state {
            notes.push(format!("{}/{}: {}", s.key.pod, s.key.container, crate::sanitize::line(why)));
        }
    }
    if let Some(err) = &view.pattern_error {
        notes.push(format!("bad pattern: {err}"));
    }
    notes
}

fn empty_reason(view: &LogView) -> String {
    if view.pods.is_empty() {
        return format!("{} has no pods", view.target.label());
    }
    if !view.pattern.is_empty() && view.hide {
        return format!("no line matches /{}/", crate::sanitize::line(&view.pattern));
    }
    if view.previous {
        return "no previous instance wrote lines in this window".to_string();
    }
    format!("no lines in the last {} yet", view.since_label())
}

/// Cut a line into runs by style and by pattern match. Escapes never survive: `ansi` turns
/// SGR into styles, everything else is made visible.
fn runs(raw: &str, ansi: bool, highlight: Option<&Regex>) -> Vec<Run> {
    let segments = if ansi {
        text::segments(raw)
    } else {
        vec![text::Segment { text: text::visible(raw).into_owned(), style: Sgr::default() }]
    };
    let mut out = Vec::new();
    for segment in segments {
        let Some(re) = highlight else {
            out.push(Run { text: segment.text, style: segment.style, matched: false });
            continue;
        };
        let mut at = 0;
        for m in re.find_iter(&segment.text).filter(|m| !m.is_empty()) {
            if m.start() > at {
                out.push(Run {
                    text: segment.text[at..m.start()].to_string(),
                    style: segment.style,
                    matched: false,
                });
            }
            out.push(Run { text: m.as_str().to_string(), style: segment.style, matched: true });
            at = m.end();
        }
        if at < segment.text.len() || out.is_empty() {
            out.push(Run { text: segment.text[at..].to_string(), style: segment.style, matched: false });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_cut_out_of_the_line_and_escapes_shown() {
        let re = Regex::new("err").unwrap();
        let r = runs("an error\u{1b}[2J and err", false, Some(&re));
        let parts: Vec<(&str, bool)> = r.iter().map(|r| (r.text.as_str(), r.matched)).collect();
        assert_eq!(parts, [("an ", false), ("err", true), ("or^[[2J and ", false), ("err", true)]);
    }
}
