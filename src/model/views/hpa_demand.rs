//! "Demand exceeds the ceiling": an HPA pinned at its maximum while a metric is still above
//! its target cannot add the replicas the load asks for. That is an incident, not a note.

use super::autoscalers::{AutoscalerRow, HpaFlag, MetricRow};
use crate::units::quantity;

/// Why this HPA's demand exceeds its maximum, when it does: the metrics above target, or
/// the controller's own word (`ScalingLimited` / `TooManyReplicas`).
pub fn exceeds_max(row: &AutoscalerRow) -> Option<String> {
    if !row.flags.contains(&HpaFlag::AtMax) {
        return None;
    }
    let above: Vec<String> = row
        .metrics
        .iter()
        .filter(|m| above_target(m))
        .map(|m| format!("{} {}/{}", m.name, m.current.as_deref().unwrap_or("?"), m.target))
        .collect();
    if !above.is_empty() {
        return Some(format!("at max replicas ({}) with {} above target", row.max, above.join(", ")));
    }
    let limited = row
        .conditions
        .get("ScalingLimited")
        .is_some_and(|c| c.status == "True" && c.reason.as_deref() == Some("TooManyReplicas"));
    limited.then(|| format!("at max replicas ({}) and asking for more (TooManyReplicas)", row.max))
}

/// At max, how many times its target the highest metric is (2.0 = twice the target).
pub fn demand_ratio(row: &AutoscalerRow) -> Option<f64> {
    if !row.flags.contains(&HpaFlag::AtMax) {
        return None;
    }
    row.metrics
        .iter()
        .filter_map(|m| {
            let current = value(m.current.as_deref()?)?;
            let target = value(&m.target).filter(|t| *t > 0)?;
            Some(current as f64 / target as f64)
        })
        .max_by(f64::total_cmp)
}

/// Current above target, both read in the target's own unit ("208%" vs "60%", "250m (avg)"
/// vs "200m"); false when either cannot be read.
fn above_target(metric: &MetricRow) -> bool {
    let Some(current) = metric.current.as_deref() else { return false };
    match (value(current), value(&metric.target)) {
        (Some(current), Some(target)) => current > target,
        _ => false,
    }
}

/// A metric value in thousandths of its unit (a percentage counts as a plain number).
fn value(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches("(avg)").trim();
    quantity::milli_value(text.strip_suffix('%').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::views::Severity;
    use crate::model::views::autoscalers::{ConditionRow, MetricSource, TargetRef};

    fn metric(current: &str, target: &str) -> MetricRow {
        MetricRow {
            name: "cpu".into(),
            source: MetricSource::Resource,
            current: Some(current.into()),
            target: target.into(),
        }
    }

    fn row(flags: Vec<HpaFlag>, metrics: Vec<MetricRow>) -> AutoscalerRow {
        AutoscalerRow {
            namespace: "azora".into(),
            name: "ai-personalization".into(),
            target: TargetRef {
                kind: "Deployment".into(),
                name: "ai-personalization".into(),
                exists: Some(true),
            },
            min: 2,
            max: 6,
            current: Some(6),
            desired: Some(6),
            metrics,
            conditions: Default::default(),
            last_scale_time: None,
            behavior: Default::default(),
            mismatch_since: None,
            flags,
            severity: Severity::Warning,
        }
    }

    #[test]
    fn at_max_with_a_metric_above_target_exceeds_the_ceiling() {
        let pinned = row(vec![HpaFlag::AtMax], vec![metric("344%", "60%")]);
        assert_eq!(
            exceeds_max(&pinned).as_deref(),
            Some("at max replicas (6) with cpu 344%/60% above target")
        );
        let quantities = row(vec![HpaFlag::AtMax], vec![metric("250m (avg)", "200m")]);
        assert!(exceeds_max(&quantities).is_some());
    }

    #[test]
    fn at_max_below_target_or_not_at_max_is_not_an_incident() {
        assert_eq!(exceeds_max(&row(vec![HpaFlag::AtMax], vec![metric("40%", "60%")])), None);
        assert_eq!(exceeds_max(&row(vec![], vec![metric("344%", "60%")])), None);
        assert_eq!(exceeds_max(&row(vec![HpaFlag::AtMax], vec![metric("garbage", "60%")])), None);
    }

    #[test]
    fn the_controllers_too_many_replicas_counts_when_metrics_are_unreadable() {
        let mut limited = row(vec![HpaFlag::AtMax], vec![]);
        limited.conditions.insert(
            "ScalingLimited".into(),
            ConditionRow {
                status: "True".into(),
                reason: Some("TooManyReplicas".into()),
                message: None,
                last_transition: None,
            },
        );
        assert!(exceeds_max(&limited).is_some_and(|m| m.contains("TooManyReplicas")));
    }
}
