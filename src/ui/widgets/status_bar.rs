//! The top line: where am I, how fresh is the data, how bad is it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::theme::Theme;
use crate::ui::view::{ApiHealth, StatusView};

pub fn render(status: &StatusView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let sep = || Span::styled(" │ ", theme.muted);
    let mut spans = vec![Span::styled(" kdeck ", theme.header)];
    if status.readonly {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", theme.badge_readonly));
    }
    spans.push(Span::raw(" "));
    spans.push(Span::styled(status.context.clone(), theme.accent));
    spans.push(sep());
    spans.push(Span::styled(format!("ns: {}", status.namespace), theme.text));
    spans.push(sep());
    spans.extend(api_spans(&status.api, theme));
    spans.push(sep());
    // The problem counts before Prometheus' status, whose reason can be long: a narrow
    // terminal cuts the line at the right, and the counts are what triage reads first.
    spans.push(Span::styled(
        format!("✖ {}", status.errors),
        if status.errors > 0 { theme.error } else { theme.muted },
    ));
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        format!("▲ {}", status.warnings),
        if status.warnings > 0 { theme.warn } else { theme.muted },
    ));
    spans.push(sep());
    let prom_style = if status.prometheus.starts_with("prom live") {
        theme.ok
    } else if status.prometheus.starts_with("prom off") {
        theme.muted
    } else {
        theme.warn
    };
    spans.push(Span::styled(status.prometheus.clone(), prom_style));
    if !status.server.is_empty() {
        spans.push(sep());
        spans.push(Span::styled(status.server.clone(), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.status_bar), area);
}

fn api_spans(api: &ApiHealth, theme: &Theme) -> Vec<Span<'static>> {
    match api {
        ApiHealth::Live { forbidden } if *forbidden > 0 => vec![
            Span::styled("api: live", theme.ok),
            Span::styled(format!(" ({forbidden} forbidden)"), theme.warn),
        ],
        ApiHealth::Live { .. } => vec![Span::styled("api: live", theme.ok)],
        ApiHealth::Syncing { settled, total, pods_so_far } => {
            let mut text = format!("api: syncing {settled}/{total}");
            if let Some(pods) = pods_so_far {
                text.push_str(&format!(", {} pods so far", crate::units::format::thousands(*pods as u64)));
            }
            vec![Span::styled(text, theme.info)]
        }
        ApiHealth::Retrying { seconds, .. } => {
            vec![Span::styled(format!("api: retrying {seconds} s"), theme.error)]
        }
    }
}
