//! Storage: one row per PersistentVolumeClaim, trouble first: phase, size, class, the
//! StatefulSet that made it, the zone of its volume against the zone of its pod, and why it
//! is not fine (the newest warning event of a claim that does not bind).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{PaneCtx, title};
use crate::model::views::storage::{ClaimPhase, ClaimRow, StorageView};
use crate::ui::format::{self, severity_style};
use crate::ui::widgets::detail::Detail;
use crate::ui::widgets::table::{Cell, Column};

const COLUMNS: [Column; 9] = [
    Column::new("CLAIM", 36, 0),
    Column::new("PHASE", 7, 0),
    Column::new("SIZE", 6, 2).right(),
    Column::new("CLASS", 11, 4),
    Column::new("OWNER", 16, 5),
    Column::new("VOL ZONE", 12, 1),
    // The pod's zone matters when it differs from its volume's, and the verdict says so then:
    // on a narrow screen the reason goes first.
    Column::new("POD ZONE", 12, 3),
    Column::new("AGE", 5, 6).right(),
    Column::flex("WHY", 30),
];

pub fn render(view: &StorageView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let mut heading = title("Storage", visible.len(), view.rows.len(), ctx.theme);
    if let Some(why) = &view.unavailable {
        // Not an error of the cluster: the user may not list claims, or they are not served.
        heading.spans.push(Span::styled(format!("claims: {why} "), ctx.theme.muted));
    }
    // The provisioner's message is long (and its end says why): the selected claim's is shown
    // whole under the table.
    let selected = visible.get(ctx.selected).map(|&i| &view.rows[i]);
    let detail = selected.map(|row| Detail {
        title: format!("{}/{}", row.namespace, row.name),
        text: why_text(row),
        style: severity_style(row.severity, ctx.theme),
    });
    let cells = |i: usize| row_cells(&view.rows[visible[i]], ctx);
    super::table_with_detail(heading, &COLUMNS, visible.len(), detail, ctx, frame, area, &cells);
}

/// Why a claim is not fine: the provisioner's newest warning, else the verdict.
fn why_text(row: &ClaimRow) -> String {
    match (&row.reason, row.verdict.is_empty()) {
        (Some(reason), _) => reason.clone(),
        (None, false) => row.verdict.clone(),
        (None, true) => String::new(),
    }
}

fn row_cells(row: &ClaimRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let phase_style = match row.phase {
        ClaimPhase::Bound => theme.ok,
        ClaimPhase::Lost => theme.error,
        ClaimPhase::Pending | ClaimPhase::Unknown => severity_style(row.severity, theme),
    };
    // A pod placed in another zone than its volume is what the row is about: show it loud.
    let zone_clash = matches!((&row.volume_zone, &row.pod_zone), (Some(v), Some(p)) if v != p);
    let why = why_text(row);
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), severity_style(row.severity, theme)),
        Cell::new(row.phase.label(), phase_style),
        Cell::new(dash(&row.capacity.clone().or_else(|| row.requested.clone())), theme.text),
        Cell::new(dash(&row.class), theme.muted),
        Cell::new(
            row.stateful_set.as_ref().map_or_else(|| "-".to_owned(), |s| format!("sts/{s}")),
            theme.muted,
        ),
        Cell::new(dash(&row.volume_zone), if zone_clash { theme.error } else { theme.text }),
        Cell::new(dash(&row.pod_zone), if zone_clash { theme.error } else { theme.muted }),
        Cell::new(row.created.map_or_else(|| "-".to_owned(), |at| format::age(at, ctx.now)), theme.muted),
        Cell::new(why, severity_style(row.severity, theme)),
    ]
}
