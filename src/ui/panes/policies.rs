//! Policies: per namespace, the NetworkPolicies that isolate it (a default deny in or out,
//! which policies, when one last changed) and the Argo CD Applications deploying into it
//! (sync and health). Trouble first, then namespaces that have any.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{PaneCtx, title};
use crate::model::views::policies::{NamespacePolicies, PoliciesView};
use crate::ui::format::{self, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 6] = [
    Column::new("NAMESPACE", 24, 0),
    Column::new("DEFAULT DENY", 12, 0),
    Column::new("CHANGED", 7, 1).right(),
    Column::new("POLICIES", 36, 2),
    Column::flex("ARGO CD sync/health", 24),
    Column::new("WHY", 24, 3),
];

pub fn render(view: &PoliciesView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let mut heading = title("Policies", visible.len(), view.rows.len(), ctx.theme);
    for (what, why) in
        [("network policies", &view.policies_unavailable), ("applications", &view.argo_unavailable)]
    {
        if let Some(why) = why {
            heading.spans.push(Span::styled(format!("{what}: {why} "), ctx.theme.muted));
        }
    }
    let spec = TableSpec {
        title: heading,
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| row_cells(&view.rows[visible[i]], ctx));
}

fn row_cells(row: &NamespacePolicies, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let deny = match (row.default_deny_ingress, row.default_deny_egress) {
        (true, true) => "in+out",
        (true, false) => "in",
        (false, true) => "out",
        (false, false) => "-",
    };
    let policies = match row.policies.len() {
        0 => "-".to_owned(),
        n => format!("{n}: {}", row.policies.join(", ")),
    };
    let apps: Vec<String> = row.apps.iter().map(|a| format!("{} {}/{}", a.name, a.sync, a.health)).collect();
    let apps_style =
        row.apps.iter().map(|a| a.severity).max().map_or(theme.muted, |s| severity_style(s, theme));
    vec![
        Cell::new(row.namespace.clone(), severity_style(row.severity, theme)),
        Cell::new(deny, if deny == "-" { theme.muted } else { theme.text }),
        Cell::new(row.last_change.map_or_else(|| "-".to_owned(), |at| format::age(at, ctx.now)), theme.muted),
        Cell::new(policies, theme.text),
        Cell::new(if apps.is_empty() { "-".to_owned() } else { apps.join("  ") }, apps_style),
        Cell::new(row.verdict.clone(), severity_style(row.severity, theme)),
    ]
}
