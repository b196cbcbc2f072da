//! Short, fixed-width text for numbers, ages and quantities.

use jiff::Timestamp;
use ratatui::style::Style;

use crate::model::views::{ReadyTotal, Severity};
use crate::ui::theme::Theme;
use crate::units;

/// CPU and bytes print through the one formatter per unit the snapshot text uses as well.
pub use crate::units::format::{bytes, cpu};

/// Age from a timestamp, in kdeck's one-unit style (45s, 12m, 5h, 3d): see [`units::format::age`].
pub fn age(since: Timestamp, now: Timestamp) -> String {
    units::format::age(now.duration_since(since).as_secs())
}

pub fn ready_total(rt: ReadyTotal) -> String {
    format!("{}/{}", rt.ready, rt.total)
}

pub use crate::units::format::{latency, per_second, ratio_percent};

/// "used/allocatable" as a percentage, or "-" without capacity.
pub fn percent(part: u64, whole: u64) -> String {
    match part.saturating_mul(100).checked_div(whole) {
        Some(pct) => format!("{pct}%"),
        None => "-".to_string(),
    }
}

pub fn severity_style(severity: Severity, theme: &Theme) -> Style {
    match severity {
        Severity::Error => theme.error,
        Severity::Warning => theme.warn,
        Severity::Info => theme.info,
        Severity::Ok => theme.text,
    }
}

/// Colour for a ready/total pair: all ready is fine, none ready is an error.
pub fn readiness_style(rt: ReadyTotal, theme: &Theme) -> Style {
    if rt.total == 0 {
        theme.muted
    } else if rt.ready == rt.total {
        theme.ok
    } else if rt.ready == 0 {
        theme.error
    } else {
        theme.warn
    }
}

/// kubectl's short names for the long kinds.
pub fn short_kind(kind: &str) -> &str {
    match kind {
        "HorizontalPodAutoscaler" => "HPA",
        "PodDisruptionBudget" => "PDB",
        "EndpointSlice" => "Endpoints",
        other => other,
    }
}

/// Cut to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let ago = |s: i64| Timestamp::from_second(1_000_000 - s).unwrap();
        assert_eq!(age(ago(5), now), "5s");
        assert_eq!(age(ago(600), now), "10m");
        assert_eq!(age(ago(5 * 3600), now), "5h");
        assert_eq!(age(ago(3 * 86400), now), "3d");
        assert_eq!(age(now, ago(10)), "0s");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(50, 200), "25%");
        assert_eq!(percent(1, 0), "-");
    }

    #[test]
    fn fit_cuts_on_characters_not_bytes() {
        assert_eq!(fit("zürich-ß", 20), "zürich-ß");
        assert_eq!(fit("zürich-ßßßß", 6), "züric…");
    }
}
