//! Zones: zone capacity rows on top, then workloads x zones (ready/total per cell), or on
//! `w` what losing each zone would break.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{PaneCtx, title};
use crate::model::views::ReadyTotal;
use crate::model::views::floors::{Floor, FloorSource};
use crate::model::views::zones::{SpreadFlag, WorkloadSpread, ZoneRow, ZonesView};
use crate::ui::format::{self, readiness_style, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

pub fn render(
    view: &ZonesView,
    visible: &[usize],
    what_if: bool,
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    // The what-if box has a second line for each zone whose loss strands pods with their volumes.
    let stranded =
        if what_if { view.lose_a_zone.iter().filter(|l| !l.pinned_by_volumes.is_empty()).count() } else { 0 };
    let zone_lines = u16::try_from(view.zones.len() + stranded + 3).unwrap_or(u16::MAX).min(area.height / 2);
    let [top, bottom] = Layout::vertical([Constraint::Length(zone_lines), Constraint::Min(3)]).areas(area);
    if what_if {
        render_what_if(view, ctx, frame, top);
    } else {
        render_zone_rows(&view.zones, ctx, frame, top);
    }
    render_matrix(view, visible, ctx, frame, bottom);
}

const ZONE_COLUMNS: [Column; 6] = [
    Column::flex("ZONE", 12),
    Column::new("NODES", 7, 0).right(),
    Column::new("PODS", 9, 0).right(),
    Column::new("CPU req/alloc", 18, 1).right(),
    Column::new("MEM req/alloc", 20, 2).right(),
    Column::new("INSTANCE TYPES", 24, 3),
];

fn render_zone_rows(zones: &[ZoneRow], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let spec = TableSpec {
        title: title("Zones", zones.len(), zones.len(), theme),
        columns: &ZONE_COLUMNS,
        rows: zones.len(),
        selected: None,
        focused: false,
    };
    table::render(spec, theme, frame, area, &|i| {
        let z = &zones[i];
        let types: Vec<String> = z.instance_types.iter().map(|(t, n)| format!("{n}x{t}")).collect();
        vec![
            Cell::new(z.zone.clone(), severity_style(z.severity, theme)),
            Cell::new(format::ready_total(z.nodes), readiness_style(z.nodes, theme)),
            Cell::new(format::ready_total(z.pods), readiness_style(z.pods, theme)),
            Cell::new(
                format!(
                    "{}/{} {}",
                    format::cpu(z.cpu.requested),
                    format::cpu(z.cpu.allocatable),
                    format::percent(z.cpu.requested, z.cpu.allocatable)
                ),
                theme.text,
            ),
            Cell::new(
                format!(
                    "{}/{} {}",
                    format::bytes(z.memory.requested),
                    format::bytes(z.memory.allocatable),
                    format::percent(z.memory.requested, z.memory.allocatable)
                ),
                theme.text,
            ),
            Cell::new(types.join(" "), theme.muted),
        ]
    });
}

fn render_what_if(view: &ZonesView, ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let mut lines = Vec::new();
    for loss in &view.lose_a_zone {
        let mut spans = vec![Span::styled(format!(" without {}: ", loss.zone), theme.accent)];
        if loss.casualties.is_empty() {
            spans.push(Span::styled("every workload keeps its floor", theme.ok));
        } else {
            let names: Vec<String> = loss
                .casualties
                .iter()
                .map(|c| {
                    let floor = c
                        .floor
                        .as_ref()
                        .map(|f| format!(" < {} {}", floor_source(f), f.min))
                        .unwrap_or_default();
                    format!("{}/{} ({} ready{floor})", c.namespace, c.name, c.remaining_ready)
                })
                .collect();
            spans.push(Span::styled(names.join(", "), theme.error));
        }
        lines.push(Line::from(spans));
        if !loss.pinned_by_volumes.is_empty() {
            // Their volumes stay in the zone: these pods cannot be rescheduled elsewhere.
            let pods = &loss.pinned_by_volumes;
            lines.push(Line::from(vec![
                Span::styled(format!("   {} pod(s) stuck with their volumes: ", pods.len()), theme.muted),
                Span::styled(pods.join(", "), theme.warn),
            ]));
        }
    }
    let block = Block::bordered()
        .border_style(theme.border_focus)
        .title(Span::styled(" Lose a zone (w closes) ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_matrix(view: &ZonesView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let theme = ctx.theme;
    let zone_names: Vec<&str> = view.zones.iter().map(|z| z.zone.as_str()).collect();
    let mut columns = vec![Column::flex("WORKLOAD", 20), Column::new("READY", 7, 0).right()];
    // Narrow screens show "1a" for "eu-west-1a": the region is the same for every zone.
    let short = area.width < 120;
    for (i, zone) in zone_names.iter().enumerate() {
        let header = if short { short_zone(zone) } else { zone };
        let width = u16::try_from(header.chars().count()).unwrap_or(12).clamp(7, 16);
        columns.push(Column::named(header.to_string(), width, 1 + u8::try_from(i / 3).unwrap_or(9)).right());
    }
    columns.push(Column::new("FLAGS", 14, 0));
    let spec = TableSpec {
        title: title("Workloads by zone", visible.len(), view.workloads.len(), theme),
        columns: &columns,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, theme, frame, area, &|i| matrix_row(&view.workloads[visible[i]], &zone_names, ctx));
}

fn matrix_row(w: &WorkloadSpread, zones: &[&str], ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let kind = match w.kind.as_str() {
        "Deployment" => "deploy",
        "StatefulSet" => "sts",
        _ => "ds",
    };
    let ready = ReadyTotal { ready: w.ready, total: u32::try_from(w.desired).unwrap_or(0).max(w.total) };
    let mut cells = vec![
        Cell::new(format!("{kind} {}/{}", w.namespace, w.name), severity_style(w.severity, theme)),
        Cell::new(format::ready_total(ready), readiness_style(ready, theme)),
    ];
    for zone in zones {
        let cell = w.zones.get(*zone).copied().unwrap_or_default();
        let text = if cell.total == 0 { "·".to_string() } else { format::ready_total(cell) };
        cells.push(Cell::new(text, readiness_style(cell, theme)));
    }
    // "single-zone" already says the other zones are unused.
    let single = w.flags.contains(&SpreadFlag::SingleZone);
    let flags: Vec<&str> = w
        .flags
        .iter()
        .filter(|f| !(single && **f == SpreadFlag::ZoneUnused))
        .map(|f| flag_text(*f))
        .collect();
    cells.push(Cell::new(flags.join(" "), severity_style(w.severity, theme)));
    cells
}

fn flag_text(flag: SpreadFlag) -> &'static str {
    match flag {
        SpreadFlag::SingleZone => "single-zone",
        SpreadFlag::Skewed => "skew",
        SpreadFlag::ZoneWithoutReady => "no-ready-zone",
        SpreadFlag::ZoneUnused => "zone-unused",
        SpreadFlag::NotReady => "not-ready",
    }
}

fn floor_source(floor: &Floor) -> &'static str {
    match floor.source {
        FloorSource::HpaMinReplicas => "HPA min",
        FloorSource::PdbMinAvailable => "PDB minAvailable",
        FloorSource::PdbMaxUnavailable => "PDB maxUnavailable",
    }
}

/// "eu-west-1a" -> "1a".
pub fn short_zone(zone: &str) -> &str {
    zone.rsplit('-').next().filter(|s| !s.is_empty()).unwrap_or(zone)
}
