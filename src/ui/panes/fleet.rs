//! Fleet: one row per cluster, worst first: is the API there, how many nodes and pods are
//! ready, what is the worst problem, how many autoscalers are pinned and ingresses failing.
//! Enter opens the cluster's dashboard.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{PaneCtx, title};
use crate::model::views::Severity;
use crate::model::views::fleet::{FleetApi, FleetRow, FleetView};
use crate::ui::format::{readiness_style, ready_total, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 11] = [
    Column::new("CLUSTER", 22, 0),
    Column::new("API", 12, 0),
    Column::new("NODES", 11, 2).right(),
    Column::new("ZONES", 5, 4).right(),
    Column::new("PODS", 11, 1).right(),
    Column::new("ERR", 3, 0).right(),
    Column::new("WARN", 4, 3).right(),
    Column::flex("TOP PROBLEM", 24),
    Column::new("HPA@MAX", 7, 5).right(),
    Column::new("ING✗", 4, 5).right(),
    Column::new("PROM", 11, 6),
];

pub fn render(view: &FleetView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let spec = TableSpec {
        title: title("Fleet", visible.len(), view.rows.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| row_cells(&view.rows[visible[i]], ctx));
}

/// "live 12ms", "syncing 3/11", "down 40s".
pub fn api_text(row: &FleetRow) -> String {
    match &row.api {
        FleetApi::Connecting => "connecting".to_string(),
        FleetApi::Syncing { settled, total } => format!("syncing {settled}/{total}"),
        FleetApi::Live { .. } => match row.latency_ms {
            Some(ms) => format!("live {ms}ms"),
            None => "live".to_string(),
        },
        FleetApi::Unreachable { seconds, .. } => format!("down {seconds}s"),
        FleetApi::Failed { .. } => "failed".to_string(),
    }
}

fn row_cells(row: &FleetRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let down = row.api.is_down();
    let name = if row.readonly { format!("{} (ro)", row.context) } else { row.context.clone() };
    let api_style = match row.api {
        FleetApi::Live { .. } => theme.ok,
        FleetApi::Connecting | FleetApi::Syncing { .. } => theme.muted,
        FleetApi::Unreachable { .. } | FleetApi::Failed { .. } => theme.error,
    };
    // A cluster that cannot be seen says why where its worst problem would be.
    let (problem, problem_style) = match (row.api.error(), &row.top_problem) {
        (Some(error), _) => (error.to_string(), theme.error),
        (None, Some(top)) => {
            (format!("{}: {}", top.object, top.message), severity_style(top.severity, theme))
        }
        (None, None) => ("-".to_string(), theme.muted),
    };
    let count = |n: usize, severity: Severity| {
        let style = if n > 0 { severity_style(severity, theme) } else { theme.muted };
        Cell::new(n.to_string(), style)
    };
    let connected = row.nodes.total > 0 || !down;
    vec![
        Cell::new(name, severity_style(row.severity(), theme)),
        Cell::new(api_text(row), api_style),
        Cell::new(
            if connected { ready_total(row.nodes) } else { "-".to_string() },
            readiness_style(row.nodes, theme),
        ),
        Cell::new(row.zones.len().to_string(), theme.muted),
        Cell::new(
            if connected { ready_total(row.pods) } else { "-".to_string() },
            readiness_style(row.pods, theme),
        ),
        count(row.errors, Severity::Error),
        count(row.warnings, Severity::Warning),
        Cell::new(problem, problem_style),
        count(row.hpas_at_max, Severity::Warning),
        count(row.ingresses_failing, Severity::Error),
        Cell::new(
            if row.prometheus.is_empty() { "-".to_string() } else { row.prometheus.clone() },
            theme.muted,
        ),
    ]
}
