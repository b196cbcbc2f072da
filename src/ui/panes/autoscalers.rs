//! Autoscalers: every HPA in one table; min/current/desired/max with a bar, each metric as
//! current/target in its own unit, flags with reasons, last scale age.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{PaneCtx, title};
use crate::model::views::autoscalers::{AutoscalerRow, AutoscalersView, HpaFlag};
use crate::ui::format::{self, severity_style};
use crate::ui::widgets::table::{self, Cell, Column, TableSpec};

const COLUMNS: [Column; 11] = [
    Column::new("HPA", 24, 0),
    Column::new("TARGET", 20, 4),
    Column::new("MIN", 3, 0).right(),
    Column::new("CUR", 3, 0).right(),
    Column::new("DES", 3, 0).right(),
    Column::new("MAX", 3, 0).right(),
    Column::new("RANGE", 10, 3),
    Column::flex("METRICS cur/target", 18),
    Column::new("FLAGS", 14, 1),
    Column::new("SCALED", 6, 5).right(),
    Column::new("LAST 1h", 12, 6),
];

pub fn render(
    view: &AutoscalersView,
    visible: &[usize],
    history: &[String],
    badges: &[String],
    ctx: &PaneCtx<'_>,
    frame: &mut Frame,
    area: Rect,
) {
    let spec = TableSpec {
        title: title("Autoscalers", visible.len(), view.rows.len(), ctx.theme),
        columns: &COLUMNS,
        rows: visible.len(),
        selected: Some(ctx.selected),
        focused: true,
    };
    table::render(spec, ctx.theme, frame, area, &|i| {
        let mut cells = row_cells(&view.rows[visible[i]], ctx);
        if let Some(badge) = badges.get(visible[i]).filter(|b| !b.is_empty()) {
            cells[0].text = format!("{badge} {}", cells[0].text);
            cells[0].style = ctx.theme.error;
        }
        let line = history.get(visible[i]).cloned().unwrap_or_default();
        cells.push(Cell::new(line, ctx.theme.accent));
        cells
    });
}

fn opt(value: Option<i32>) -> String {
    value.map_or_else(|| "?".to_string(), |v| v.to_string())
}

/// Where `current` sits in [min, max], drawn in `width` cells.
pub fn range_bar(min: i32, max: i32, current: Option<i32>, width: usize) -> String {
    let Some(current) = current else { return "?".repeat(width.min(1)) };
    if max <= min {
        return "█".repeat(width);
    }
    let filled = ((current - min).clamp(0, max - min) as usize * width).div_ceil((max - min) as usize);
    let filled = if current > min { filled.max(1) } else { 0 };
    format!("{}{}", "█".repeat(filled.min(width)), "░".repeat(width - filled.min(width)))
}

fn row_cells(row: &AutoscalerRow, ctx: &PaneCtx<'_>) -> Vec<Cell> {
    let theme = ctx.theme;
    let style = severity_style(row.severity, theme);
    let metrics: Vec<String> = row
        .metrics
        .iter()
        .map(|m| {
            let current = m.current.as_deref().map_or_else(|| "?".to_string(), |v| quantity_text(&m.name, v));
            format!("{} {current}/{}", m.name, quantity_text(&m.name, &m.target))
        })
        .collect();
    // At min is the normal resting state; the JSON keeps it, the screen shows what needs eyes.
    let flags: Vec<String> =
        row.flags.iter().filter(|f| **f != HpaFlag::AtMin).map(|f| flag_text(*f, row)).collect();
    let target_missing = row.target.exists == Some(false);
    vec![
        Cell::new(format!("{}/{}", row.namespace, row.name), style),
        Cell::new(
            format!("{}/{}", row.target.kind, row.target.name),
            if target_missing { theme.error } else { theme.muted },
        ),
        Cell::new(row.min.to_string(), theme.muted),
        Cell::new(opt(row.current), theme.text),
        Cell::new(opt(row.desired), if row.desired != row.current { theme.warn } else { theme.text }),
        Cell::new(row.max.to_string(), theme.muted),
        Cell::new(
            range_bar(row.min, row.max, row.current, 10),
            if row.flags.contains(&HpaFlag::AtMax) { theme.warn } else { theme.ok },
        ),
        Cell::new(
            metrics.join("  "),
            if row.flags.contains(&HpaFlag::MetricsUnavailable) { theme.error } else { theme.text },
        ),
        Cell::new(flags.join(" "), style),
        Cell::new(
            row.last_scale_time.map_or_else(|| "-".to_string(), |t| format::age(t, ctx.now)),
            theme.muted,
        ),
    ]
}

/// Metric values as a person reads them: memory in Mi/Gi, without the "(avg)" suffix.
fn quantity_text(metric: &str, value: &str) -> String {
    crate::units::format::resource_quantity(metric, value.trim_end_matches(" (avg)"))
}

fn flag_text(flag: HpaFlag, row: &AutoscalerRow) -> String {
    let reason = |condition: &str| row.conditions.get(condition).and_then(|c| c.reason.clone());
    match flag {
        HpaFlag::AtMax => "at-max".to_string(),
        HpaFlag::AtMin => "at-min".to_string(),
        HpaFlag::MetricsUnavailable => {
            reason("ScalingActive").map_or_else(|| "no-metrics".to_string(), |r| format!("no-metrics({r})"))
        }
        HpaFlag::TargetMissing => "target-missing".to_string(),
        HpaFlag::DesiredNotCurrent => "desired≠current".to_string(),
        HpaFlag::UnableToScale => {
            reason("AbleToScale").map_or_else(|| "unable".to_string(), |r| format!("unable({r})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::range_bar;

    #[test]
    fn bar_shows_position_between_min_and_max() {
        assert_eq!(range_bar(2, 10, Some(2), 8), "░░░░░░░░");
        assert_eq!(range_bar(2, 10, Some(10), 8), "████████");
        assert_eq!(range_bar(2, 10, Some(6), 8), "████░░░░");
        assert_eq!(range_bar(2, 10, Some(3), 8), "█░░░░░░░");
        assert_eq!(range_bar(3, 3, Some(3), 4), "████");
        assert_eq!(range_bar(1, 5, Some(50), 4), "████");
    }
}

#[cfg(test)]
mod quantity_tests {
    use super::quantity_text;

    #[test]
    fn memory_reads_in_binary_units_and_the_rest_is_untouched() {
        assert_eq!(quantity_text("memory", "333209475 (avg)"), "318Mi");
        assert_eq!(quantity_text("memory", "400Mi"), "400Mi");
        assert_eq!(quantity_text("memory", "61%"), "61%");
        assert_eq!(quantity_text("signalr_connections", "1000 (avg)"), "1000");
    }
}
