//! The text form of a snapshot: plain ASCII, at most 80 columns, pasteable into a chat.

use super::Snapshot;
use super::text_platform as platform;
use crate::k8s::SourceState;
use crate::model::views::Severity;
use crate::units::format::{bytes, cpu, resource_quantity};
use jiff::Timestamp;
use std::io::{self, Write};

pub(super) const WIDTH: usize = 80;
const TIMELINE_SHOWN: usize = 20;

/// Cut to `width` characters, marking the cut with "~". Every cell goes through here or
/// `wrapped`: both sanitize (defence in depth; the k8s/prom edges already did).
pub(super) fn fit(text: &str, width: usize) -> String {
    let text = crate::sanitize::line(text);
    if text.chars().count() <= width {
        return text.into_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('~');
    out
}

/// Write `text` after `prefix`, wrapping at WIDTH with continuation lines indented.
pub(super) fn wrapped(out: &mut impl Write, prefix: &str, text: &str) -> io::Result<()> {
    let indent = " ".repeat(prefix.chars().count());
    let room = WIDTH.saturating_sub(indent.len()).max(20);
    let mut line = String::new();
    let mut first = true;
    let prefix = crate::sanitize::line(prefix);
    let prefix = prefix.as_ref();
    for word in crate::sanitize::line(text).split_whitespace() {
        let word = fit(word, room);
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            writeln!(out, "{}{line}", if first { prefix } else { &indent })?;
            first = false;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    writeln!(out, "{}{line}", if first { prefix } else { &indent })
}

/// An HPA metric value in the screen's units, keeping the "(avg)" the screen has no room for.
fn metric_value(metric: &str, value: &str) -> String {
    match value.strip_suffix(" (avg)") {
        Some(value) => format!("{} (avg)", resource_quantity(metric, value)),
        None => resource_quantity(metric, value),
    }
}

fn severity_tag(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARN ",
        Severity::Info => "info ",
        Severity::Ok => "ok   ",
    }
}

pub(super) fn flags<T: serde::Serialize>(flags: &[T]) -> String {
    flags
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect::<Vec<_>>()
        .join(",")
}

fn header(doc: &Snapshot, now: Timestamp, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", fit(&format!("kdeck snapshot  context {}", doc.context), WIDTH))?;
    writeln!(out, "{}", fit(&format!("server {}", doc.server), WIDTH))?;
    let scope = match &doc.namespace_scope {
        None => "all namespaces".to_owned(),
        Some(list) => format!("namespace {}", list.join(",")),
    };
    writeln!(out, "{}", fit(&format!("scope {scope}  at {}", now.strftime("%Y-%m-%d %H:%M:%SZ")), WIDTH))?;
    let live = doc.sources.iter().filter(|s| s.state == SourceState::Live).count();
    writeln!(out, "sources: {live}/{} live", doc.sources.len())?;
    for s in doc.sources.iter().filter(|s| s.state != SourceState::Live) {
        let detail = match &s.state {
            SourceState::Forbidden { message } => format!("forbidden: {message}"),
            SourceState::Retrying { since, error } => format!("retrying since {since}: {error}"),
            SourceState::Unavailable { reason } => format!("unavailable: {reason}"),
            other => other.label().to_owned(),
        };
        wrapped(out, &format!("  {:<12} ", s.kind), &detail)?;
    }
    Ok(())
}

fn problems(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(list) = &doc.problems else { return Ok(()) };
    let warnings = list.iter().filter(|p| p.severity == Severity::Warning).count();
    writeln!(
        out,
        "\nPROBLEMS (objects: {} with errors, {warnings} with warnings; [score], highest first)",
        doc.error_count
    )?;
    if list.is_empty() {
        writeln!(out, "  none")?;
    }
    for p in list {
        let object = format!("{} {}", p.kind, p.object());
        let score = format!("[{}] ", p.score.total);
        wrapped(
            out,
            &format!("  {} ", severity_tag(p.severity)),
            &format!("{score}{object}: {}", p.message),
        )?;
        if let Some(cause) = &p.cause {
            let ago = crate::units::format::age(doc.generated_at.duration_since(cause.at).as_secs());
            wrapped(out, "        ", &format!("since {}, {ago} ago", cause.summary))?;
        }
    }
    Ok(())
}

fn namespaces(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.namespaces else { return Ok(()) };
    writeln!(out, "\nNAMESPACES")?;
    writeln!(
        out,
        "  {:<26} {:>5} {:>4} {:>4} {:>5} {:>7} {:>6} {:>5} {:>5}",
        "NAME", "RUN", "PEND", "FAIL", "DONE", "WORKLD", "RST/1h", "CRASH", "PROBS"
    )?;
    for r in rows {
        writeln!(
            out,
            "{} {:<26} {:>5} {:>4} {:>4} {:>5} {:>7} {:>6} {:>5} {:>5}",
            if r.severity >= Severity::Warning { "!" } else { " " },
            fit(&r.name, 26),
            r.pods.running,
            r.pods.pending,
            r.pods.failed,
            r.pods.succeeded,
            format!("{}/{}", r.workloads.ready, r.workloads.total),
            r.restarts,
            r.crash_loop,
            r.problems
        )?;
    }
    Ok(())
}

fn zones(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    if let Some(rows) = &doc.zones {
        writeln!(out, "\nZONES")?;
        writeln!(
            out,
            "  {:<16} {:>7} {:>9} {:>17} {:>19}",
            "ZONE", "NODES", "PODS", "CPU REQ/ALLOC", "MEM REQ/ALLOC"
        )?;
        for z in rows {
            writeln!(
                out,
                "{} {:<16} {:>7} {:>9} {:>17} {:>19}",
                if z.severity >= Severity::Warning { "!" } else { " " },
                fit(&z.zone, 16),
                format!("{}/{}", z.nodes.ready, z.nodes.total),
                format!("{}/{}", z.pods.ready, z.pods.total),
                format!("{}/{}", cpu(z.cpu.requested), cpu(z.cpu.allocatable)),
                format!("{}/{}", bytes(z.memory.requested), bytes(z.memory.allocatable)),
            )?;
            if !z.not_ready_nodes.is_empty() {
                wrapped(out, "    NotReady: ", &z.not_ready_nodes.join(" "))?;
            }
        }
    }
    if let Some(losses) = &doc.lose_a_zone {
        writeln!(out, "\nLOSE A ZONE (workloads that would fall below their floor)")?;
        for l in losses {
            let names: Vec<String> = l
                .casualties
                .iter()
                .map(|c| {
                    let floor = c.floor.as_ref().map(|f| format!(" <{}", f.min)).unwrap_or_default();
                    format!("{}/{} ({} left{floor})", c.namespace, c.name, c.remaining_ready)
                })
                .collect();
            let text = if names.is_empty() { "nothing".to_owned() } else { names.join(", ") };
            wrapped(out, &format!("  {:<16} ", fit(&l.zone, 16)), &text)?;
        }
    }
    Ok(())
}

fn workloads(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.workloads else { return Ok(()) };
    writeln!(out, "\nWORKLOADS (ready/total per zone)")?;
    for w in rows {
        let zones: Vec<String> =
            w.zones.iter().map(|(z, c)| format!("{z} {}/{}", c.ready, c.total)).collect();
        let mut text =
            format!("{} {}/{} ready {}/{}", w.kind.as_str(), w.namespace, w.name, w.ready, w.desired);
        if !zones.is_empty() {
            text.push_str(&format!(" | {}", zones.join(", ")));
        }
        if w.unscheduled > 0 {
            text.push_str(&format!(" | unscheduled {}", w.unscheduled));
        }
        if !w.flags.is_empty() {
            text.push_str(&format!(" [{}]", flags(&w.flags)));
        }
        wrapped(out, &format!("{} ", if w.severity >= Severity::Warning { "!" } else { " " }), &text)?;
    }
    Ok(())
}

fn autoscalers(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.autoscalers else { return Ok(()) };
    writeln!(out, "\nAUTOSCALERS")?;
    for h in rows {
        let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
        let mut text = format!(
            "{}/{} -> {}/{} min {} cur {} want {} max {}",
            h.namespace,
            h.name,
            h.target.kind,
            h.target.name,
            h.min,
            opt(h.current),
            opt(h.desired),
            h.max
        );
        if !h.flags.is_empty() {
            text.push_str(&format!(" [{}]", flags(&h.flags)));
        }
        wrapped(out, &format!("{} ", if h.severity >= Severity::Warning { "!" } else { " " }), &text)?;
        for m in &h.metrics {
            let current =
                m.current.as_deref().map_or_else(|| "<unknown>".to_owned(), |v| metric_value(&m.name, v));
            wrapped(out, "      ", &format!("{}: {current} / {}", m.name, metric_value(&m.name, &m.target)))?;
        }
    }
    Ok(())
}

fn ingresses(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.ingresses else { return Ok(()) };
    writeln!(out, "\nINGRESSES")?;
    for i in rows {
        let class = i.class.as_deref().unwrap_or("-");
        let mut text = format!("{}/{} class {class}", i.namespace, i.name);
        if !i.flags.is_empty() {
            text.push_str(&format!(" [{}]", flags(&i.flags)));
        }
        wrapped(out, &format!("{} ", if i.severity >= Severity::Warning { "!" } else { " " }), &text)?;
        for r in i.routes.iter().chain(i.default_backend.iter()) {
            let verdict = flags(&[r.verdict]);
            let line = format!(
                "{}{} -> {}:{} {}/{} ready {verdict}",
                r.host, r.path, r.service, r.port, r.endpoints.ready, r.endpoints.total
            );
            wrapped(out, "      ", &line)?;
        }
        for t in &i.tls {
            let expiry = match (t.not_after, t.days_left) {
                (Some(at), Some(d)) => format!("notAfter {} ({d}d)", at.strftime("%Y-%m-%d")),
                _ => flags(&[t.secret_state]),
            };
            wrapped(out, "      ", &format!("tls {} {expiry} hosts {}", t.secret, t.hosts.join(",")))?;
        }
    }
    Ok(())
}

fn timeline(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(entries) = &doc.timeline else { return Ok(()) };
    writeln!(out, "\nTIMELINE (newest first, {} of {})", entries.len().min(TIMELINE_SHOWN), entries.len())?;
    for e in entries.iter().take(TIMELINE_SHOWN) {
        let object = match &e.namespace {
            Some(ns) => format!("{} {ns}/{}", e.kind, e.name),
            None => format!("{} {}", e.kind, e.name),
        };
        wrapped(out, &format!("  {} ", e.at.strftime("%m-%d %H:%M")), &format!("{object}: {}", e.message))?;
    }
    Ok(())
}

pub fn write(doc: &Snapshot, now: Timestamp, out: &mut impl Write) -> io::Result<()> {
    header(doc, now, out)?;
    problems(doc, out)?;
    namespaces(doc, out)?;
    zones(doc, out)?;
    workloads(doc, out)?;
    autoscalers(doc, out)?;
    ingresses(doc, out)?;
    platform::gateways(doc, out)?;
    platform::mesh(doc, out)?;
    platform::storage(doc, out)?;
    platform::certificates(doc, out)?;
    platform::policies(doc, out)?;
    timeline(doc, out)
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "text_units_tests.rs"]
mod units_tests;
