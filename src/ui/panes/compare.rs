//! Compare: one workload in every cluster of the fleet, a row each: replicas, ready, pods
//! per zone, revision and images; the cluster whose revision or images differ is marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::PaneCtx;
use crate::model::views::compare::{CompareRow, CompareView};
use crate::model::views::workload::RolloutState;
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 8] = [
    Column::new("CLUSTER", 22, 0),
    Column::new("KIND", 11, 4),
    Column::new("READY", 7, 0).right(),
    Column::new("UPD", 3, 3).right(),
    Column::new("REV", 6, 0),
    Column::new("ROLLOUT", 11, 2),
    Column::new("ZONES ready/total", 46, 5),
    Column::flex("IMAGES", 20),
];

pub fn render(view: &CompareView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let odd = view.rows.iter().filter(|r| r.odd_one_out).count();
    let title = Line::from(vec![
        Span::styled(format!(" Compare {}/{} ", view.namespace, view.name), ctx.theme.title),
        Span::styled(
            match odd {
                0 => "(same everywhere) ".to_string(),
                n => format!("({n} differ{}) ", if n == 1 { "s" } else { "" }),
            },
            if odd == 0 { ctx.theme.muted } else { ctx.theme.warn },
        ),
    ]);
    let spec = TableSpec {
        title,
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| row_cells(&view.rows[visible[i]], ctx));
}

fn rollout_text(state: RolloutState) -> &'static str {
    match state {
        RolloutState::Complete => "complete",
        RolloutState::Progressing => "progressing",
        RolloutState::Stalled => "stalled",
        RolloutState::Paused => "paused",
        RolloutState::Unknown => "-",
    }
}

fn row_cells(row: &CompareRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let Some(kind) = row.kind else {
        // Said in the ROLLOUT column, which every width shows.
        let mut cells = vec![Cell::new(row.context.clone(), theme.muted)];
        cells.extend(["-", "-", "", "-", "not found"].map(|text| Cell::new(text, theme.muted)));
        return cells;
    };
    let differ = if row.odd_one_out { theme.warn } else { theme.text };
    let ready_style = if row.ready < row.desired { theme.error } else { theme.ok };
    let zones: Vec<String> =
        row.zones.iter().map(|(zone, c)| format!("{zone} {}/{}", c.ready, c.total)).collect();
    vec![
        Cell::new(if row.odd_one_out { format!("≠ {}", row.context) } else { row.context.clone() }, differ),
        Cell::new(kind.as_str(), theme.muted),
        Cell::new(format!("{}/{}", row.ready, row.desired), ready_style),
        Cell::new(row.updated.to_string(), theme.muted),
        Cell::new(row.revision.clone().unwrap_or_else(|| "-".to_string()), differ),
        Cell::new(
            rollout_text(row.rollout),
            if row.rollout == RolloutState::Stalled { theme.error } else { theme.muted },
        ),
        Cell::new(zones.join("  "), theme.muted),
        Cell::new(if row.images.is_empty() { "-".to_string() } else { row.images.join(", ") }, differ),
    ]
}
