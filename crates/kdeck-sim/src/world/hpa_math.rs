//! The HPA controller's replica arithmetic (pkg/controller/podautoscaler), pure:
//! per-metric proposals with the 10% tolerance, stabilization windows, scaling policies and
//! the min/max clamp, with the condition reasons the real controller reports.

use std::collections::VecDeque;

use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscalerBehavior};

pub const TOLERANCE: f64 = 0.1;

/// Replicas proposed by one metric: ceil(ratio * pods) unless within tolerance.
/// `ratio` is current/target (usage ratio); `pods` is the ready pod count the metric covers.
pub fn proposal(current_replicas: i32, pods: i32, ratio: f64) -> i32 {
    if (1.0 - ratio).abs() <= TOLERANCE || !ratio.is_finite() {
        return current_replicas;
    }
    (ratio * f64::from(pods.max(1))).ceil() as i32
}

/// A scale change made by the controller, remembered for rate policies.
#[derive(Clone, Copy, Debug)]
pub struct ScaleEvent {
    pub at_secs: f64,
    pub delta: i32,
}

/// One past recommendation, for stabilization windows.
#[derive(Clone, Copy, Debug)]
pub struct Recommendation {
    pub at_secs: f64,
    pub replicas: i32,
}

/// Per-HPA memory the algorithm needs across syncs.
#[derive(Clone, Debug, Default)]
pub struct HpaMemory {
    pub recommendations: VecDeque<Recommendation>,
    pub scale_events: VecDeque<ScaleEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub desired: i32,
    /// (reason, message) for ScalingLimited; reason "DesiredWithinRange" when not limited.
    pub limited: (&'static str, &'static str),
    /// Set when a stabilization window held the recommendation back.
    pub stabilized: bool,
}

fn default_scale_up() -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: Some(0),
        select_policy: Some("Max".into()),
        policies: Some(vec![
            k8s_openapi::api::autoscaling::v2::HPAScalingPolicy {
                type_: "Pods".into(),
                value: 4,
                period_seconds: 15,
            },
            k8s_openapi::api::autoscaling::v2::HPAScalingPolicy {
                type_: "Percent".into(),
                value: 100,
                period_seconds: 15,
            },
        ]),
        tolerance: None,
    }
}

fn default_scale_down() -> HPAScalingRules {
    HPAScalingRules {
        stabilization_window_seconds: Some(300),
        select_policy: Some("Max".into()),
        policies: Some(vec![k8s_openapi::api::autoscaling::v2::HPAScalingPolicy {
            type_: "Percent".into(),
            value: 100,
            period_seconds: 15,
        }]),
        tolerance: None,
    }
}

/// The behavior with upstream defaults filled in for the missing half/fields.
pub fn effective_rules(
    behavior: Option<&HorizontalPodAutoscalerBehavior>,
) -> (HPAScalingRules, HPAScalingRules) {
    let fill = |given: Option<&HPAScalingRules>, default: HPAScalingRules| -> HPAScalingRules {
        let Some(g) = given else { return default };
        HPAScalingRules {
            stabilization_window_seconds: g
                .stabilization_window_seconds
                .or(default.stabilization_window_seconds),
            select_policy: g.select_policy.clone().or(default.select_policy),
            policies: g.policies.clone().filter(|p| !p.is_empty()).or(default.policies),
            tolerance: g.tolerance.clone(),
        }
    };
    let up = fill(behavior.and_then(|b| b.scale_up.as_ref()), default_scale_up());
    let down = fill(behavior.and_then(|b| b.scale_down.as_ref()), default_scale_down());
    (up, down)
}

/// Stabilize, rate-limit and clamp a raw recommendation; records it in `memory`.
pub fn normalize(
    memory: &mut HpaMemory,
    now_secs: f64,
    current: i32,
    raw_desired: i32,
    min: i32,
    max: i32,
    behavior: Option<&HorizontalPodAutoscalerBehavior>,
) -> Decision {
    let (up, down) = effective_rules(behavior);
    let up_window = f64::from(up.stabilization_window_seconds.unwrap_or(0));
    let down_window = f64::from(down.stabilization_window_seconds.unwrap_or(300));
    let (mut up_rec, mut down_rec) = (raw_desired, raw_desired);
    for r in &memory.recommendations {
        if r.at_secs > now_secs - up_window {
            up_rec = up_rec.min(r.replicas);
        }
        if r.at_secs > now_secs - down_window {
            down_rec = down_rec.max(r.replicas);
        }
    }
    let stabilized = current.max(up_rec).min(down_rec);
    let keep = up_window.max(down_window);
    memory.recommendations.retain(|r| r.at_secs > now_secs - keep);
    memory.recommendations.push_back(Recommendation { at_secs: now_secs, replicas: raw_desired });

    let mut limited = ("DesiredWithinRange", "the desired count is within the acceptable range");
    let mut desired = stabilized;
    if stabilized > current {
        let rate_limit = scale_up_limit(memory, now_secs, current, &up);
        let (cap, reason) = if max > rate_limit {
            (
                rate_limit,
                (
                    "ScaleUpLimit",
                    "the desired replica count is increasing faster than the maximum scale rate",
                ),
            )
        } else {
            (max, ("TooManyReplicas", "the desired replica count is more than the maximum replica count"))
        };
        if desired > cap {
            desired = cap;
            limited = reason;
        }
    } else if stabilized < current {
        let rate_limit = scale_down_limit(memory, now_secs, current, &down);
        let (floor, reason) = if min < rate_limit {
            (
                rate_limit,
                (
                    "ScaleDownLimit",
                    "the desired replica count is decreasing faster than the maximum scale rate",
                ),
            )
        } else {
            (min, ("TooFewReplicas", "the desired replica count is less than the minimum replica count"))
        };
        if desired < floor {
            desired = floor;
            limited = reason;
        }
    } else if desired > max {
        desired = max;
        limited = ("TooManyReplicas", "the desired replica count is more than the maximum replica count");
    } else if desired < min {
        desired = min;
        limited = ("TooFewReplicas", "the desired replica count is less than the minimum replica count");
    }
    // The raw wish beyond the bounds also counts as limited, as kubectl describe shows it.
    if limited.0 == "DesiredWithinRange" && raw_desired > max && desired == max {
        limited = ("TooManyReplicas", "the desired replica count is more than the maximum replica count");
    }
    if limited.0 == "DesiredWithinRange" && raw_desired < min && desired == min {
        limited = ("TooFewReplicas", "the desired replica count is less than the minimum replica count");
    }
    if desired != current {
        memory.scale_events.push_back(ScaleEvent { at_secs: now_secs, delta: desired - current });
    }
    let longest = up.policies.iter().chain(down.policies.iter()).flatten().map(|p| p.period_seconds).max();
    let horizon = f64::from(longest.unwrap_or(15).max(15));
    memory.scale_events.retain(|e| e.at_secs > now_secs - horizon);
    Decision { desired, limited, stabilized: stabilized != raw_desired && stabilized == current }
}

fn scale_up_limit(memory: &HpaMemory, now: f64, current: i32, rules: &HPAScalingRules) -> i32 {
    let select = rules.select_policy.as_deref().unwrap_or("Max");
    if select == "Disabled" {
        return current;
    }
    let mut result: Option<i32> = None;
    for p in rules.policies.iter().flatten() {
        let added: i32 = memory
            .scale_events
            .iter()
            .filter(|e| e.delta > 0 && e.at_secs > now - f64::from(p.period_seconds))
            .map(|e| e.delta)
            .sum();
        let start = current - added;
        let proposed = if p.type_ == "Pods" {
            start + p.value
        } else {
            (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i32
        };
        result = Some(match (result, select) {
            (None, _) => proposed,
            (Some(r), "Min") => r.min(proposed),
            (Some(r), _) => r.max(proposed),
        });
    }
    result.unwrap_or(current).max(current)
}

fn scale_down_limit(memory: &HpaMemory, now: f64, current: i32, rules: &HPAScalingRules) -> i32 {
    let select = rules.select_policy.as_deref().unwrap_or("Max");
    if select == "Disabled" {
        return current;
    }
    let mut result: Option<i32> = None;
    for p in rules.policies.iter().flatten() {
        let removed: i32 = memory
            .scale_events
            .iter()
            .filter(|e| e.delta < 0 && e.at_secs > now - f64::from(p.period_seconds))
            .map(|e| -e.delta)
            .sum();
        let start = current + removed;
        let proposed = if p.type_ == "Pods" {
            start - p.value
        } else {
            (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32
        };
        result = Some(match (result, select) {
            (None, _) => proposed,
            (Some(r), "Min") => r.max(proposed),
            (Some(r), _) => r.min(proposed),
        });
    }
    result.unwrap_or(current).min(current)
}

#[cfg(test)]
#[path = "hpa_math_tests.rs"]
mod tests;
