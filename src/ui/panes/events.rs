//! Events: what changed, newest first (rollouts, rescales, node flips, crash loops, warning
//! events), filterable.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{PaneCtx, title};
use crate::model::views::timeline::{ChangeKind, TimelineEntry, TimelineView};
use crate::ui::format::{self, severity_style, short_kind};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 5] = [
    Column::new("AGE", 5, 0).right(),
    Column::new("CHANGE", 9, 1),
    Column::new("KIND", 11, 3),
    Column::new("OBJECT", 30, 2),
    Column::flex("MESSAGE", 20),
];

pub fn render(view: &TimelineView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let spec = TableSpec {
        title: title("What changed", visible.len(), view.entries.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| row_cells(&view.entries[visible[i]], ctx));
}

pub fn change_text(change: ChangeKind) -> &'static str {
    match change {
        ChangeKind::Rollout => "rollout",
        ChangeKind::Rescale => "rescale",
        ChangeKind::NodeNotReady => "node-down",
        ChangeKind::NodeReady => "node-up",
        ChangeKind::NodePressure => "pressure",
        ChangeKind::ConfigEdit => "config",
        ChangeKind::PolicyChange => "netpol",
        ChangeKind::RouteChange => "route",
        ChangeKind::CrashLoop => "crashloop",
        ChangeKind::WarningEvent => "warning",
    }
}

pub fn object(entry: &TimelineEntry) -> String {
    match &entry.namespace {
        Some(ns) => format!("{ns}/{}", entry.name),
        None => entry.name.clone(),
    }
}

fn row_cells(entry: &TimelineEntry, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    vec![
        Cell::new(format::age(entry.at, ctx.now), theme.muted),
        Cell::new(change_text(entry.change), severity_style(entry.severity, theme)),
        Cell::new(short_kind(&entry.kind), theme.muted),
        Cell::new(object(entry), theme.accent),
        Cell::new(entry.message.clone(), theme.text),
    ]
}
