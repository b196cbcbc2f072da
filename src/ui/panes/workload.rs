//! The drill-down into one workload: rollout state, its pods (node, zone, status,
//! restarts, last termination reason, age), and its recent events.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, Paragraph};

use super::{PaneCtx, title};
use crate::model::views::mesh::{EdgeRow, MeshDrill};
use crate::model::views::workload::{PodDetail, RolloutState, WorkloadView};
use crate::types::Flow;
use crate::types::PodPhase;
use crate::ui::format::{self, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 8] = [
    Column::flex("POD", 20),
    Column::new("READY", 5, 0).right(),
    Column::new("STATUS", 17, 0),
    Column::new("RESTARTS", 8, 1).right(),
    Column::new("LAST", 10, 3),
    Column::new("NODE", 16, 2),
    Column::new("ZONE", 11, 1),
    Column::new("AGE", 5, 4).right(),
];

pub fn render(view: &WorkloadView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let event_lines = u16::try_from(view.events.len().min(8) + 2).unwrap_or(10).max(3);
    // Old vs new ReplicaSet per zone, while a rollout has pods of both.
    let spread_lines = if view.spread.len() > 1 { u16::try_from(view.spread.len()).unwrap_or(4) } else { 0 };
    let policy_lines = u16::from(!view.network_policies.is_empty());
    let mesh_lines = view
        .mesh
        .as_ref()
        .map_or(0, |m| 1 + m.callers.len().min(EDGES_SHOWN) + m.callees.len().min(EDGES_SHOWN));
    let mesh_lines = u16::try_from(mesh_lines).unwrap_or(0);
    let [header, pods, events] = Layout::vertical([
        Constraint::Length(3 + spread_lines + policy_lines + mesh_lines),
        Constraint::Min(4),
        Constraint::Length(event_lines),
    ])
    .areas(area);
    render_rollout(view, ctx, frame, header);
    let spec = TableSpec {
        title: title("Pods", view.pods.len(), view.pods.len(), theme),
        columns: &COLUMNS,
        rows: view.pods.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, theme, frame, pods, &|i| pod_cells(&view.pods[i], ctx));
    render_events(view, ctx, frame, events);
}

fn render_rollout(view: &WorkloadView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let id = &view.id;
    let block = Block::bordered().border_style(theme.border_focus).title(Span::styled(
        format!(" {} {}/{} (Esc back) ", id.kind.as_str(), id.namespace, id.name),
        theme.title,
    ));
    if !view.found {
        let gone =
            Paragraph::new(Span::styled(" not found: deleted, or out of the namespace scope", theme.warn));
        frame.render_widget(gone.block(block), area);
        return;
    }
    let (state, style) = match view.rollout {
        RolloutState::Complete => ("complete", theme.ok),
        RolloutState::Progressing => ("progressing", theme.info),
        RolloutState::Stalled => ("STALLED", theme.error),
        RolloutState::Paused => ("paused", theme.warn),
        RolloutState::Unknown => ("unknown", theme.muted),
    };
    let mut spans = vec![
        Span::styled(" rollout ", theme.muted),
        Span::styled(state, style),
        Span::styled(format!("  revision {}", view.revision.as_deref().unwrap_or("-")), theme.text),
        Span::styled(
            format!(
                "  desired {}  updated {}  ready {}  available {}",
                view.desired, view.updated, view.ready, view.available
            ),
            theme.text,
        ),
    ];
    if let Some(reason) = &view.progressing_reason {
        spans.push(Span::styled(
            format!("  {reason}"),
            if view.rollout == RolloutState::Stalled { theme.error } else { theme.muted },
        ));
    }
    let mut lines = vec![Line::from(spans)];
    if !view.network_policies.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(" network policies ", theme.muted),
            Span::styled(view.network_policies.join(", "), theme.text),
        ]));
    }
    if let Some(mesh) = &view.mesh {
        lines.extend(mesh_lines(mesh, theme));
    }
    if view.spread.len() > 1 {
        for owner in &view.spread {
            let mut spans = vec![Span::styled(
                format!(" {} {:<24}", if owner.current { "new" } else { "old" }, owner.owner),
                if owner.current { theme.accent } else { theme.muted },
            )];
            for (zone, cell) in &owner.zones {
                spans.push(Span::styled(
                    format!(" {}:{}", super::zones::short_zone(zone), format::ready_total(*cell)),
                    format::readiness_style(*cell, theme),
                ));
            }
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn pod_cells(pod: &PodDetail, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let phase = match pod.phase {
        PodPhase::Running => "Running",
        PodPhase::Pending => "Pending",
        PodPhase::Succeeded => "Succeeded",
        PodPhase::Failed => "Failed",
        PodPhase::Unknown => "Unknown",
    };
    let status = pod.state_reason.clone().unwrap_or_else(|| phase.to_string());
    let ready = crate::model::views::ReadyTotal {
        ready: u32::from(pod.containers_ready),
        total: u32::from(pod.containers),
    };
    let age = crate::units::format::age(pod.age_seconds);
    vec![
        Cell::new(pod.name.clone(), severity_style(pod.severity, theme)),
        Cell::new(format::ready_total(ready), format::readiness_style(ready, theme)),
        Cell::new(status, severity_style(pod.severity, theme)),
        Cell::new(pod.restarts.to_string(), if pod.restarts > 0 { theme.warn } else { theme.muted }),
        Cell::new(pod.last_reason.clone().unwrap_or_else(|| "-".to_string()), theme.muted),
        Cell::new(pod.node.clone().unwrap_or_else(|| "<none>".to_string()), theme.muted),
        Cell::new(pod.zone.clone().unwrap_or_else(|| "-".to_string()), theme.text),
        Cell::new(age, theme.muted),
    ]
}

fn render_events(view: &WorkloadView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let items: Vec<ListItem> = view
        .events
        .iter()
        .map(|e| {
            let age = e.at.map_or_else(|| "-".to_string(), |t| format::age(t, ctx.now));
            ListItem::new(Line::from(vec![
                Span::styled(format!("{age:>5} "), theme.muted),
                Span::styled(format!("{} ", e.reason), if e.warning { theme.warn } else { theme.info }),
                Span::styled(format!("{}/{} ", e.object_kind, e.object_name), theme.muted),
                Span::styled(
                    if e.count > 1 { format!("(x{}) ", e.count) } else { String::new() },
                    theme.muted,
                ),
                Span::styled(e.message.clone(), theme.text),
            ]))
        })
        .collect();
    let block = Block::bordered().border_style(theme.border).title(title(
        "Events",
        view.events.len(),
        view.events.len(),
        theme,
    ));
    frame.render_widget(List::new(items).block(block), area);
}

/// Callers and callees shown in the drill-down, each side.
const EDGES_SHOWN: usize = 3;

/// " mesh linkerd  serves 120/s 60.0% ok p99 250ms  calls ...", then "  <- caller" and
/// "  -> callee" lines, failing edges in the error style.
fn mesh_lines<'a>(mesh: &MeshDrill, theme: &crate::ui::theme::Theme) -> Vec<Line<'a>> {
    let flow = |f: &Flow| {
        let ok = f.success.map_or_else(|| "-".to_owned(), format::ratio_percent);
        let p99 = f.p99.map_or_else(|| "-".to_owned(), format::latency);
        format!("{}/s {ok} ok p99 {p99}", format::per_second(f.rps))
    };
    let style = |success: Option<f64>| match success {
        Some(s) if s < 0.99 => theme.error,
        _ => theme.text,
    };
    let mut head = vec![Span::styled(format!(" mesh {} ", mesh.mesh), theme.muted)];
    if let Some(f) = &mesh.inbound {
        head.push(Span::styled(" serves ", theme.muted));
        head.push(Span::styled(flow(f), style(f.success)));
    }
    if let Some(f) = &mesh.outbound {
        head.push(Span::styled("  calls ", theme.muted));
        head.push(Span::styled(flow(f), style(f.success)));
    }
    let mut lines = vec![Line::from(head)];
    let edge = |arrow: &str, other: &str, e: &EdgeRow| {
        let ok = e.success.map_or_else(|| "-".to_owned(), format::ratio_percent);
        Line::from(vec![
            Span::styled(format!("   {arrow} {other:<32}"), theme.muted),
            Span::styled(format!(" {}/s {ok} ok", format::per_second(e.rps)), style(e.success)),
        ])
    };
    lines.extend(mesh.callers.iter().take(EDGES_SHOWN).map(|e| edge("<-", &e.from, e)));
    lines.extend(mesh.callees.iter().take(EDGES_SHOWN).map(|e| edge("->", &e.to, e)));
    lines
}
