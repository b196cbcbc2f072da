//! Certificates: cert-manager's Certificates, trouble first: ready, days to expiry, when the
//! renewal is due, the issuer, the ingresses whose TLS secret it writes, and why issuing
//! fails (the selected certificate's whole message under the table).

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::{PaneCtx, title};
use crate::model::views::certificates::{CertRow, CertificatesView};
use crate::ui::format::{self, severity_style};
use crate::ui::widgets::detail::Detail;
use crate::ui::widgets::table::{Cell, Column};

const COLUMNS: [Column; 8] = [
    Column::new("CERTIFICATE", 36, 0),
    Column::new("READY", 5, 0),
    Column::new("EXPIRES", 7, 0).right(),
    Column::new("RENEWS", 8, 2).right(),
    Column::new("ISSUER", 32, 4),
    Column::new("SECRET", 20, 5),
    Column::new("INGRESSES", 24, 3),
    Column::flex("WHY", 24),
];

pub fn render(view: &CertificatesView, visible: &[usize], ctx: &PaneCtx<'_>, frame: &mut Frame, area: Rect) {
    let mut heading = title("Certificates", visible.len(), view.rows.len(), ctx.theme);
    if let Some(why) = &view.unavailable {
        heading.spans.push(Span::styled(format!("{why} "), ctx.theme.muted));
    }
    let selected = visible.get(ctx.selected).map(|&i| &view.rows[i]);
    let detail = selected.map(|row| Detail {
        title: format!("{}/{}", row.namespace, row.name),
        text: why_text(row),
        style: severity_style(row.severity, ctx.theme),
    });
    let cells = |i: usize| row_cells(&view.rows[visible[i]], ctx);
    super::table_with_detail(heading, &COLUMNS, visible.len(), detail, ctx, frame, area, &cells);
}

/// The verdict, then why issuing fails.
fn why_text(row: &CertRow) -> String {
    match (&row.failure, row.verdict.is_empty()) {
        (Some(failure), true) => failure.clone(),
        (Some(failure), false) => format!("{}: {failure}", row.verdict),
        (None, _) => row.verdict.clone(),
    }
}

/// "in 3d", "2h ago": when the renewal is due.
fn renews(at: Option<Timestamp>, now: Timestamp) -> String {
    let Some(at) = at else { return "-".to_owned() };
    if at > now { format!("in {}", format::age(now, at)) } else { format!("{} ago", format::age(at, now)) }
}

fn row_cells(row: &CertRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let (ready, ready_style) = match row.ready {
        Some(true) => ("yes", theme.ok),
        Some(false) => ("no", theme.error),
        None => ("?", theme.muted),
    };
    let expires = row.days_left.map_or_else(|| "-".to_owned(), |d| format!("{d}d"));
    let expires_style = match row.days_left {
        Some(d) if d < 0 => theme.error,
        Some(d) if d < crate::model::views::certificates::FAILING_RENEWAL_ERROR_DAYS => theme.warn,
        Some(_) => theme.text,
        None => theme.muted,
    };
    let overdue = row.renewal_time.is_some_and(|at| at <= ctx.now);
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), severity_style(row.severity, theme)),
        Cell::new(ready, ready_style),
        Cell::new(expires, expires_style),
        Cell::new(renews(row.renewal_time, ctx.now), if overdue { theme.warn } else { theme.muted }),
        Cell::new(row.issuer.clone(), theme.muted),
        Cell::new(row.secret.clone(), theme.muted),
        Cell::new(
            if row.ingresses.is_empty() { "-".to_owned() } else { row.ingresses.join(" ") },
            theme.text,
        ),
        Cell::new(why_text(row), severity_style(row.severity, theme)),
    ]
}
