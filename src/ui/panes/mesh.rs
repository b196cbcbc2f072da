//! Mesh: per meshed workload, trouble first: proxies ready, what it serves and what it calls
//! (success, requests per second, p99), and the verdict; the selected workload's callers and
//! callees in a box under the table. Enter opens the workload's drill-down.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{PaneCtx, title};
use crate::model::views::mesh::{MeshRow, MeshView};
use crate::types::Flow;
use crate::ui::format::{self, readiness_style, severity_style};
use crate::ui::widgets::detail::Detail;
use crate::ui::widgets::table::{Cell, Column};

const COLUMNS: [Column; 11] = [
    Column::flex("WORKLOAD", 24),
    Column::new("MESH", 7, 5),
    Column::new("PROXIES", 7, 0).right(),
    Column::new("IN OK", 7, 0).right(),
    Column::new("IN REQ/s", 8, 1).right(),
    Column::new("IN P99", 7, 3).right(),
    Column::new("OUT OK", 7, 2).right(),
    Column::new("OUT REQ/s", 9, 4).right(),
    Column::new("OUT P99", 7, 5).right(),
    Column::new("EDGES", 5, 6).right(),
    Column::new("VERDICT", 24, 1),
];

pub fn render(view: &MeshView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let mut heading = title("Mesh", visible.len(), view.rows.len(), ctx.theme);
    if let Some(note) = &view.note {
        heading.spans.push(Span::styled(format!("{note} "), ctx.theme.muted));
    }
    let selected = visible.get(ctx.selected).map(|&i| &view.rows[i]);
    let detail = selected.map(|row| Detail {
        title: format!("{}/{}", row.namespace, row.name),
        text: edges_text(row),
        style: severity_style(row.severity, ctx.theme),
    });
    let cells = |i: usize| row_cells(&view.rows[visible[i]], ctx);
    super::table_with_detail(heading, &COLUMNS, visible.len(), detail, ctx, frame, area, &cells);
}

/// The verdict, then "<- caller 120/s 60.0%" and "-> callee ..." for every edge.
fn edges_text(row: &MeshRow) -> String {
    let me = format!("{}/{}", row.namespace, row.name);
    let edges: Vec<String> = row
        .edges
        .iter()
        .map(|e| {
            let (arrow, other) = if e.to == me { ("<-", &e.from) } else { ("->", &e.to) };
            let ok = e.success.map_or_else(|| "-".to_owned(), format::ratio_percent);
            format!("{arrow} {other} {}/s {ok}", format::per_second(e.rps))
        })
        .collect();
    let mut parts = Vec::new();
    if !row.verdict.is_empty() {
        parts.push(row.verdict.clone());
    }
    if !edges.is_empty() {
        parts.push(edges.join("  "));
    }
    parts.join(" | ")
}

fn row_cells(row: &MeshRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let style = severity_style(row.severity, theme);
    let dash = || Cell::new("-", theme.muted);
    let success = |f: &Option<Flow>| match f.and_then(|f| f.success) {
        Some(s) if s < 0.99 => Cell::new(format::ratio_percent(s), theme.error),
        Some(s) => Cell::new(format::ratio_percent(s), theme.ok),
        None => dash(),
    };
    let rps = |f: &Option<Flow>| f.map_or_else(dash, |f| Cell::new(format::per_second(f.rps), theme.text));
    let p99 = |f: &Option<Flow>| {
        f.and_then(|f| f.p99).map_or_else(dash, |p| Cell::new(format::latency(p), theme.text))
    };
    let proxies = if row.proxies.total == 0 {
        dash()
    } else {
        Cell::new(format::ready_total(row.proxies), readiness_style(row.proxies, theme))
    };
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), style),
        Cell::new(if row.mesh.is_empty() { "-".to_owned() } else { row.mesh.clone() }, theme.muted),
        proxies,
        success(&row.inbound),
        rps(&row.inbound),
        p99(&row.inbound),
        success(&row.outbound),
        rps(&row.outbound),
        p99(&row.outbound),
        Cell::new(row.edges.len().to_string(), theme.muted),
        Cell::new(
            if row.verdict.is_empty() { "ok".to_owned() } else { row.verdict.clone() },
            if row.verdict.is_empty() { theme.ok } else { style },
        ),
    ]
}
