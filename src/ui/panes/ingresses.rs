//! Ingresses: host/path -> service:port -> ready/total endpoints, per-zone spread, TLS days
//! left, and the verdict. Traffic columns arrive with Prometheus.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{PaneCtx, title};
use crate::model::triage::traffic::Breach;
use crate::model::views::Severity;
use crate::model::views::ingresses::{IngressFlag, IngressRow, IngressesView, RouteRow, RouteVerdict};
use crate::types::Traffic;
use crate::ui::format::{self, readiness_style, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 11] = [
    Column::flex("INGRESS", 18),
    Column::new("CLASS", 6, 5),
    Column::new("HOST/PATH", 22, 0),
    Column::new("BACKEND", 20, 2),
    Column::new("ENDPOINTS", 9, 0).right(),
    Column::new("BY ZONE", 18, 3),
    Column::new("TLS", 8, 1).right(),
    Column::new("VERDICT", 14, 0),
    Column::new("REQ/s", 7, 2).right(),
    Column::new("5XX", 6, 2).right(),
    Column::new("P99", 7, 4).right(),
];

/// Per row, aligned with the view's rows: what Prometheus says and what alerts fire.
pub struct Extras<'a> {
    pub traffic: &'a [Option<Traffic>],
    /// Which traffic thresholds each row breaks.
    pub breaches: &'a [Breach],
    /// "⚑2" when alerts fire on the ingress.
    pub badges: &'a [String],
}

pub fn render(
    view: &IngressesView,
    visible: &[usize],
    extras: &Extras<'_>,
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let spec = TableSpec {
        title: title("Ingresses", visible.len(), view.rows.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| {
        let breach = extras.breaches.get(visible[i]).copied().unwrap_or_default();
        let mut cells = row_cells(&view.rows[visible[i]], breach, ctx);
        if let Some(badge) = extras.badges.get(visible[i]).filter(|b| !b.is_empty()) {
            cells[0].text = format!("{badge} {}", cells[0].text);
            cells[0].style = ctx.theme.error;
        }
        cells.extend(traffic_cells(extras.traffic.get(visible[i]).copied().flatten(), breach, ctx));
        cells
    });
}

/// The route shown on the ingress's line: the worst one (the view sorts nothing inside).
fn worst_route(row: &IngressRow) -> Option<&RouteRow> {
    row.routes.iter().chain(row.default_backend.as_ref()).max_by_key(|r| verdict_rank(r.verdict))
}

fn verdict_rank(verdict: RouteVerdict) -> u8 {
    match verdict {
        RouteVerdict::Ok => 0,
        RouteVerdict::NotCounted => 1,
        RouteVerdict::NoReadyEndpoints => 4,
        RouteVerdict::PortNotFound => 3,
        RouteVerdict::ServiceMissing => 5,
    }
}

fn row_cells(row: &IngressRow, breach: Breach, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let traffic_words = [(breach.errors, "5xx-high"), (breach.latency, "p99-high")];
    let traffic_words: Vec<&str> = traffic_words.iter().filter(|(on, _)| *on).map(|(_, w)| *w).collect();
    let healthy = row.flags.is_empty() && traffic_words.is_empty();
    let severity = if traffic_words.is_empty() { row.severity } else { Severity::Error };
    let style = severity_style(severity, theme);
    let route = worst_route(row);
    let more = row.routes.len().saturating_sub(1);
    let host_path = route.map_or_else(
        || "-".to_string(),
        |r| {
            let extra = if more > 0 { format!(" +{more}") } else { String::new() };
            format!("{}{}{extra}", r.host, r.path)
        },
    );
    let backend = route.map_or_else(|| "-".to_string(), |r| format!("{}:{}", r.service, r.port));
    let endpoints = route.map(|r| r.endpoints).unwrap_or_default();
    let by_zone: Vec<String> = route
        .map(|r| {
            r.endpoints_by_zone
                .iter()
                .map(|(z, rt)| format!("{}:{}", super::zones::short_zone(z), rt.ready))
                .collect()
        })
        .unwrap_or_default();
    let days = row.tls.iter().filter_map(|t| t.days_left).min();
    let tls_text = match (row.tls.is_empty(), days) {
        (true, _) => "-".to_string(),
        (false, Some(d)) => format!("{d}d"),
        (false, None) => "?".to_string(),
    };
    let tls_style = match days {
        Some(d) if d < 0 => theme.error,
        Some(d) if d < crate::model::views::ingresses::EXPIRY_WARNING_DAYS => theme.warn,
        Some(_) => theme.ok,
        None => theme.muted,
    };
    let verdict = if healthy {
        "ok".to_string()
    } else {
        let flags = row.flags.iter().map(|f| flag_text(*f));
        traffic_words.iter().copied().chain(flags).collect::<Vec<_>>().join(" ")
    };
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), style),
        Cell::new(row.class.clone().unwrap_or_else(|| "-".to_string()), theme.muted),
        Cell::new(host_path, theme.text),
        Cell::new(backend, theme.muted),
        Cell::new(format::ready_total(endpoints), readiness_style(endpoints, theme)),
        Cell::new(by_zone.join(" "), theme.muted),
        Cell::new(tls_text, tls_style),
        Cell::new(verdict, if healthy { theme.ok } else { style }),
    ]
}

/// REQ/s, 5XX, P99; "-" when Prometheus has no answer, dimmed when the answer is stale.
pub(super) fn traffic_cells(traffic: Option<Traffic>, breach: Breach, ctx: &PaneCtx<'_>) -> [Cell; 3] {
    let theme = ctx.theme;
    let Some(t) = traffic else {
        return [Cell::new("-", theme.muted), Cell::new("-", theme.muted), Cell::new("-", theme.muted)];
    };
    let base = if t.stale { theme.muted } else { theme.text };
    let errors = t.error_ratio.map_or_else(|| "-".to_string(), format::ratio_percent);
    let error_style = if breach.errors { theme.error } else { base };
    let p99_style = if breach.latency { theme.error } else { base };
    let p99 = t.p99.map_or_else(|| "-".to_string(), format::latency);
    [Cell::new(format::per_second(t.rps), base), Cell::new(errors, error_style), Cell::new(p99, p99_style)]
}

fn flag_text(flag: IngressFlag) -> &'static str {
    match flag {
        IngressFlag::NoReadyEndpoints => "no-endpoints",
        IngressFlag::ServiceMissing => "no-service",
        IngressFlag::PortNotFound => "no-port",
        IngressFlag::DefaultBackendOnly => "default-only",
        IngressFlag::TlsSecretMissing => "no-tls-secret",
        IngressFlag::CertificateExpired => "cert-expired",
        IngressFlag::CertificateExpiringSoon => "cert-expiring",
        IngressFlag::CertificateUnreadable => "cert-unreadable",
        IngressFlag::SanMismatch => "san-mismatch",
    }
}
