//! Overview: the top problems with their likely causes, and namespace health (trouble
//! first): problems above the table on a small terminal, beside it on a wide one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem};

use super::{PaneCtx, title};
use crate::model::views::Severity;
use crate::model::views::namespaces::{NamespaceRow, NamespacesView};
use crate::model::views::problems::ProblemsView;
use crate::model::views::timeline::TimelineView;
use crate::ui::format::{self, readiness_style, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 12] = [
    Column::flex("NAMESPACE", 14),
    Column::new("PODS", 9, 0).right(),
    Column::new("PEND", 4, 3).right(),
    Column::new("FAIL", 4, 4).right(),
    Column::new("RST/1h", 6, 2).right(),
    Column::new("CRASH", 5, 1).right(),
    Column::new("OOM", 3, 5).right(),
    Column::new("PULL", 4, 5).right(),
    Column::new("WORKLOADS", 9, 1).right(),
    Column::new("HPA@MAX", 7, 6).right(),
    Column::new("ING!", 4, 6).right(),
    Column::new("PROBLEMS", 8, 0).right(),
];

pub fn render(
    namespaces: &NamespacesView,
    problems: &ProblemsView,
    timeline: &TimelineView,
    visible: &[usize],
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let theme = ctx.theme;
    let wide = area.width >= 150;
    let [table_area, side] = if wide {
        Layout::horizontal([Constraint::Min(90), Constraint::Percentage(38)]).areas(area)
    } else {
        // The problems come first: the answer to "what is broken and why" before the table.
        let wanted = u16::try_from(problem_lines(problems, PROBLEM_LINES_SMALL) + 2).unwrap_or(3);
        let most = area.height.saturating_sub(7).max(3);
        let [side, table_area] =
            Layout::vertical([Constraint::Length(wanted.clamp(3, most)), Constraint::Min(5)]).areas(area);
        [table_area, side]
    };
    let spec = TableSpec {
        title: title("Namespaces", visible.len(), namespaces.rows.len(), theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, theme, frame, table_area, &|i| row_cells(&namespaces.rows[visible[i]], ctx));
    // The timeline gets the side's lower half when there is room for both.
    if side.height >= 16 {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(side);
        render_problems(problems, ctx, frame, top);
        render_timeline(timeline, ctx, frame, bottom);
    } else {
        render_problems(problems, ctx, frame, side);
    }
}

fn render_timeline(timeline: &TimelineView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let items: Vec<ListItem> = timeline
        .entries
        .iter()
        .take(usize::from(area.height.saturating_sub(2)))
        .map(|e| {
            ListItem::new(Line::from(vec![
                Span::styled(format!("{:>4} ", format::age(e.at, ctx.now)), theme.muted),
                Span::styled(
                    format!("{} ", super::events::change_text(e.change)),
                    severity_style(e.severity, theme),
                ),
                Span::styled(format!("{} ", super::events::object(e)), theme.accent),
                Span::styled(e.message.clone(), theme.text),
            ]))
        })
        .collect();
    let total = timeline.entries.len();
    let block =
        Block::bordered().border_style(theme.border).title(title("What changed (5)", total, total, theme));
    frame.render_widget(List::new(items).block(block), area);
}

fn count(value: u32, style: ratatui::style::Style, muted: ratatui::style::Style) -> Cell {
    if value == 0 { Cell::new("·", muted) } else { Cell::new(value.to_string(), style) }
}

fn row_cells(row: &NamespaceRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let pods_total = row.pods.running + row.pods.pending + row.pods.failed + row.pods.unknown;
    let pods = crate::model::views::ReadyTotal { ready: row.pods_ready, total: pods_total };
    vec![
        Cell::new(row.name.clone(), severity_style(row.severity, theme)),
        Cell::new(format::ready_total(pods), readiness_style(pods, theme)),
        count(row.pods.pending, theme.warn, theme.muted),
        count(row.pods.failed, theme.error, theme.muted),
        Cell::new(row.restarts.to_string(), if row.restarts > 0 { theme.warn } else { theme.muted }),
        count(row.crash_loop, theme.error, theme.muted),
        count(row.oom_killed, theme.error, theme.muted),
        count(row.image_pull, theme.error, theme.muted),
        Cell::new(format::ready_total(row.workloads), readiness_style(row.workloads, theme)),
        count(row.hpas_at_max, theme.warn, theme.muted),
        count(row.ingresses_without_endpoints, theme.error, theme.muted),
        count(row.problems, severity_style(row.severity, theme), theme.muted),
    ]
}

/// Lines the problem list may take above the table on a small terminal.
const PROBLEM_LINES_SMALL: usize = 10;

/// Lines the first problems take (one each, plus one for a cause), up to `limit`.
fn problem_lines(problems: &ProblemsView, limit: usize) -> usize {
    let mut lines = 0;
    for p in &problems.problems {
        let needs = 1 + usize::from(p.cause.is_some());
        if lines + needs > limit {
            break;
        }
        lines += needs;
    }
    lines
}

fn render_problems(problems: &ProblemsView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let room = usize::from(area.height.saturating_sub(2));
    let mut used = 0;
    let mut items: Vec<ListItem> = Vec::new();
    for p in &problems.problems {
        let mut lines = vec![Line::from(vec![
            Span::styled(
                match p.severity {
                    Severity::Error => "✖ ",
                    Severity::Warning => "▲ ",
                    _ => "· ",
                },
                severity_style(p.severity, theme),
            ),
            Span::styled(format!("{} ", crate::ui::format::short_kind(&p.kind)), theme.muted),
            Span::styled(format!("{}: ", p.object()), theme.accent),
            Span::styled(p.message.clone(), theme.text),
        ])];
        if let Some(cause) = &p.cause {
            lines.push(Line::from(vec![
                Span::styled("  ↳ since ", theme.muted),
                Span::styled(cause.summary.clone(), theme.info),
                Span::styled(format!(", {} ago", format::age(cause.at, ctx.now)), theme.muted),
            ]));
        }
        if used + lines.len() > room {
            break;
        }
        used += lines.len();
        items.push(ListItem::new(lines));
    }
    let empty = items.is_empty();
    let block = Block::bordered().border_style(theme.border).title(title(
        "Problems",
        items.len(),
        problems.problems.len(),
        theme,
    ));
    if empty && problems.problems.is_empty() {
        let text = if ctx.synced {
            Span::styled(" nothing wrong that kdeck can see", theme.ok)
        } else {
            Span::styled(" still syncing: problems show as data arrives", theme.info)
        };
        let ok = ratatui::widgets::Paragraph::new(text).block(block);
        frame.render_widget(ok, area);
    } else {
        frame.render_widget(List::new(items).block(block), area);
    }
}
