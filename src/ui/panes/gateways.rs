//! Gateways (Gateway API): a line per Gateway (class, address, programmed, routes attached,
//! the failing listener), then the HTTPRoutes, trouble first: hostnames -> backends -> ready
//! endpoints per zone, the verdict (the controller's conditions and kdeck's check of the
//! backends) and traffic. The selected route's reason and every backend in a box under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{PaneCtx, title};
use crate::model::triage::traffic::Breach;
use crate::model::views::Severity;
use crate::model::views::backends::RouteVerdict;
use crate::model::views::gateways::{GatewayRow, GatewaysView, HttpRouteRow};
use crate::types::Traffic;
use crate::ui::format::{self, readiness_style, severity_style};
use crate::ui::widgets::detail::{self, Detail};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 10] = [
    Column::flex("HTTPROUTE", 18),
    Column::new("HOSTNAMES", 22, 1),
    Column::new("GATEWAY", 18, 5),
    Column::new("BACKEND", 18, 3),
    Column::new("ENDPOINTS", 9, 0).right(),
    Column::new("BY ZONE", 18, 4),
    Column::new("VERDICT", 16, 0),
    Column::new("REQ/s", 7, 2).right(),
    Column::new("5XX", 6, 2).right(),
    Column::new("P99", 7, 4).right(),
];

/// At most this many Gateway lines above the routes; more say "+N".
const GATEWAY_LINES: usize = 3;

/// Per route, aligned with the view's routes.
pub struct Extras<'a> {
    pub traffic: &'a [Option<Traffic>],
    pub breaches: &'a [Breach],
    /// Per Gateway.
    pub gateway_traffic: &'a [(Option<Traffic>, Breach)],
}

pub fn render(
    view: &GatewaysView,
    visible: &[usize],
    extras: &Extras<'_>,
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let shown = view.gateways.len().min(GATEWAY_LINES);
    let more = usize::from(view.gateways.len() > GATEWAY_LINES);
    let height = if view.gateways.is_empty() && view.unavailable.is_none() {
        0
    } else {
        // At least one line: "not installed" or "no Gateways".
        u16::try_from(shown.max(1) + more).unwrap_or(u16::MAX).saturating_add(2)
    };
    let [top, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(area);
    if height > 0 {
        render_gateways(view, extras.gateway_traffic, ctx, frame, top);
    }
    let selected = visible.get(ctx.selected).map(|&i| &view.routes[i]);
    let detail = selected.map(|row| Detail {
        title: format!("{}/{}", row.namespace, row.name),
        text: detail_text(row),
        style: severity_style(row.severity, ctx.theme),
    });
    let table_area = detail::split_and_render(detail, ctx.theme, frame, rest);
    let spec = TableSpec {
        title: title("HTTPRoutes", visible.len(), view.routes.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, table_area, &|i| {
        let index = visible[i];
        let breach = extras.breaches.get(index).copied().unwrap_or_default();
        let mut cells = row_cells(&view.routes[index], breach, ctx);
        cells.extend(traffic_cells(extras.traffic.get(index).copied().flatten(), breach, ctx));
        cells
    });
}

fn render_gateways(
    view: &GatewaysView,
    traffic: &[(Option<Traffic>, Breach)],
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let theme = ctx.theme;
    let mut lines: Vec<Line> = view
        .gateways
        .iter()
        .enumerate()
        .take(GATEWAY_LINES)
        .map(|(i, g)| gateway_line(g, traffic.get(i).copied().unwrap_or_default(), ctx))
        .collect();
    if view.gateways.len() > GATEWAY_LINES {
        let hidden = view.gateways.len() - GATEWAY_LINES;
        lines.push(Line::from(Span::styled(
            format!("+{hidden} more (snapshot --view gateways)"),
            theme.muted,
        )));
    }
    if lines.is_empty() {
        let said = view.unavailable.clone().unwrap_or_else(|| "no Gateways".to_owned());
        lines.push(Line::from(Span::styled(said, theme.muted)));
    }
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(format!(" Gateways ({}) ", view.gateways.len()), theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn gateway_line<'a>(
    g: &GatewayRow,
    (traffic, breach): (Option<Traffic>, Breach),
    ctx: &PaneCtx<'_>,
) -> Line<'a> {
    let theme = ctx.theme;
    let (state, style) = match (g.severity, g.programmed) {
        (Severity::Error, _) => (g.verdict.clone(), theme.error),
        (_, Some(true)) => ("programmed".to_owned(), theme.ok),
        _ => (g.verdict.clone(), theme.muted),
    };
    let listeners: Vec<String> = g
        .listeners
        .iter()
        .map(|l| match &l.problem {
            Some(problem) => format!("{}:{} {problem}", l.name, l.port),
            None => format!("{}:{}", l.name, l.port),
        })
        .collect();
    let address = g.addresses.first().cloned().unwrap_or_else(|| "-".to_owned());
    // The listeners' own count: what Envoy answers itself (a route without a backend) too.
    let traffic = traffic.map_or_else(
        || Span::raw(""),
        |t| {
            let errors = t.error_ratio.map_or_else(|| "-".to_owned(), format::ratio_percent);
            let style = if breach.errors { theme.error } else { theme.text };
            Span::styled(format!("{}/s 5xx {errors} ", format::per_second(t.rps)), style)
        },
    );
    Line::from(vec![
        Span::styled(format!("{}/{} ", g.namespace, g.name), severity_style(g.severity, theme)),
        Span::styled(format!("{} ", g.class), theme.muted),
        Span::styled(format!("{state} "), style),
        Span::styled(format!("{} route(s) ", g.attached_routes), theme.text),
        Span::styled(format!("[{}] ", listeners.join(" ")), theme.muted),
        traffic,
        Span::styled(address, theme.muted),
    ])
}

/// The reason, then each backend with its endpoints per zone.
fn detail_text(row: &HttpRouteRow) -> String {
    let backends: Vec<String> = row
        .backends
        .iter()
        .map(|b| {
            let zones: Vec<String> =
                b.endpoints_by_zone.iter().map(|(z, rt)| format!("{z} {}/{}", rt.ready, rt.total)).collect();
            let weight = b.weight.map(|w| format!(" w{w}")).unwrap_or_default();
            let zones = if zones.is_empty() { String::new() } else { format!(" ({})", zones.join(", ")) };
            format!("{} -> {}:{}{weight} {}{zones}", b.path, b.service, b.port, verdict_word(b.verdict))
        })
        .collect();
    let mut parts = Vec::new();
    parts.extend(row.reason.clone());
    parts.push(backends.join("; "));
    parts.join(" | ")
}

fn verdict_word(verdict: RouteVerdict) -> &'static str {
    match verdict {
        RouteVerdict::Ok => "ok",
        RouteVerdict::NoReadyEndpoints => "no-endpoints",
        RouteVerdict::ServiceMissing => "svc-missing",
        RouteVerdict::PortNotFound => "port-missing",
        RouteVerdict::NotCounted => "not-counted",
    }
}

fn row_cells(row: &HttpRouteRow, breach: Breach, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let traffic_words = [(breach.errors, "5xx-high"), (breach.latency, "p99-high")];
    let traffic_words: Vec<&str> = traffic_words.iter().filter(|(on, _)| *on).map(|(_, w)| *w).collect();
    let healthy = row.flags.is_empty() && traffic_words.is_empty();
    let severity = if traffic_words.is_empty() { row.severity } else { Severity::Error };
    let style = severity_style(severity, theme);
    let extra = |n: usize| if n > 1 { format!(" +{}", n - 1) } else { String::new() };
    let hostnames = match row.hostnames.first() {
        Some(first) => format!("{first}{}", extra(row.hostnames.len())),
        None => "*".to_owned(),
    };
    // The worst backend stands for the route.
    let worst = row.backends.iter().max_by_key(|b| match b.verdict {
        RouteVerdict::Ok => 0,
        RouteVerdict::NotCounted => 1,
        RouteVerdict::PortNotFound => 3,
        RouteVerdict::NoReadyEndpoints => 4,
        RouteVerdict::ServiceMissing => 5,
    });
    let backend = worst
        .map_or_else(|| "-".to_owned(), |b| format!("{}:{}{}", b.service, b.port, extra(row.backends.len())));
    let mut by_zone: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for b in &row.backends {
        for (zone, rt) in &b.endpoints_by_zone {
            *by_zone.entry(zone.as_str()).or_default() += rt.ready;
        }
    }
    let by_zone: Vec<String> =
        by_zone.iter().map(|(z, ready)| format!("{}:{ready}", super::zones::short_zone(z))).collect();
    let verdict = if healthy {
        "ok".to_owned()
    } else {
        let flags = row.flags.iter().map(|f| f.word());
        traffic_words.iter().copied().chain(flags).collect::<Vec<_>>().join(" ")
    };
    let verdict_style = match (healthy, severity) {
        (true, _) => theme.ok,
        (false, Severity::Info) => theme.muted,
        _ => style,
    };
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), style),
        Cell::new(hostnames, theme.text),
        Cell::new(row.parents.first().cloned().unwrap_or_else(|| "-".to_owned()), theme.muted),
        Cell::new(backend, theme.muted),
        Cell::new(format::ready_total(row.endpoints), readiness_style(row.endpoints, theme)),
        Cell::new(by_zone.join(" "), theme.muted),
        Cell::new(verdict, verdict_style),
    ]
}

/// REQ/s, 5XX, P99 as the ingresses show them.
fn traffic_cells(traffic: Option<Traffic>, breach: Breach, ctx: &PaneCtx<'_>) -> [Cell; 3] {
    super::ingresses::traffic_cells(traffic, breach, ctx)
}
