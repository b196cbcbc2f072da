//! Events: every problem kdeck sees, ranked, filterable. (The timeline joins it when the
//! model records one.)

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{PaneCtx, title};
use crate::model::views::Severity;
use crate::model::views::problems::{Problem, ProblemsView};
use crate::ui::format::severity_style;
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 4] = [
    Column::new("SEV", 5, 0),
    Column::new("KIND", 12, 2),
    Column::new("OBJECT", 32, 1),
    Column::flex("MESSAGE", 20),
];

pub fn render(problems: &ProblemsView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let spec = TableSpec {
        title: title("Problems", visible.len(), problems.problems.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| row_cells(&problems.problems[visible[i]], ctx));
}

fn row_cells(p: &Problem, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let style = severity_style(p.severity, ctx.theme);
    let object = match &p.namespace {
        Some(ns) => format!("{ns}/{}", p.name),
        None => p.name.clone(),
    };
    vec![
        Cell::new(if p.severity == Severity::Error { "ERR" } else { "WARN" }, style),
        Cell::new(crate::ui::format::short_kind(&p.kind), ctx.theme.muted),
        Cell::new(object, ctx.theme.accent),
        Cell::new(p.message.clone(), ctx.theme.text),
    ]
}
