use k8s_openapi::api::autoscaling::v2::{HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior};

use super::*;

#[test]
fn tolerance_keeps_the_current_count() {
    assert_eq!(proposal(4, 4, 1.08), 4);
    assert_eq!(proposal(4, 4, 0.91), 4);
    assert_eq!(proposal(4, 4, 1.2), 5);
    assert_eq!(proposal(4, 4, 0.5), 2);
    // 90% utilization against a 70% target on 3 pods: ceil(3 * 90/70) = 4.
    assert_eq!(proposal(3, 3, 90.0 / 70.0), 4);
}

#[test]
fn max_replicas_limits_and_reports_too_many() {
    let mut mem = HpaMemory::default();
    let d = normalize(&mut mem, 0.0, 8, 14, 2, 10, None);
    assert_eq!(d.desired, 10);
    assert_eq!(d.limited.0, "TooManyReplicas");
}

#[test]
fn min_replicas_reports_too_few() {
    let mut mem = HpaMemory::default();
    let d = normalize(&mut mem, 0.0, 2, 1, 2, 10, None);
    assert_eq!(d.desired, 2);
    assert_eq!(d.limited.0, "TooFewReplicas");
}

#[test]
fn default_scale_down_waits_for_the_five_minute_window() {
    let mut mem = HpaMemory::default();
    assert_eq!(normalize(&mut mem, 0.0, 6, 6, 1, 10, None).desired, 6);
    // Load drops: the recommendation of 6 from t=0 holds until it leaves the window.
    let held = normalize(&mut mem, 60.0, 6, 2, 1, 10, None);
    assert_eq!(held.desired, 6);
    assert!(held.stabilized);
    assert_eq!(normalize(&mut mem, 299.0, 6, 2, 1, 10, None).desired, 6);
    assert_eq!(normalize(&mut mem, 301.0, 6, 2, 1, 10, None).desired, 2);
}

#[test]
fn percent_policy_limits_scale_up_per_period() {
    let behavior = HorizontalPodAutoscalerBehavior {
        scale_up: Some(HPAScalingRules {
            stabilization_window_seconds: Some(0),
            policies: Some(vec![HPAScalingPolicy {
                type_: "Percent".into(),
                value: 100,
                period_seconds: 60,
            }]),
            select_policy: None,
            tolerance: None,
        }),
        scale_down: None,
    };
    let mut mem = HpaMemory::default();
    let first = normalize(&mut mem, 0.0, 3, 20, 3, 20, Some(&behavior));
    assert_eq!(first.desired, 6);
    assert_eq!(first.limited.0, "ScaleUpLimit");
    // Still inside the 60 s period: the period started at 3, so 6 is the cap.
    assert_eq!(normalize(&mut mem, 30.0, 6, 20, 3, 20, Some(&behavior)).desired, 6);
    assert_eq!(normalize(&mut mem, 61.0, 6, 20, 3, 20, Some(&behavior)).desired, 12);
}

#[test]
fn select_policy_min_takes_the_smaller_step() {
    let rules = |select: &str| HorizontalPodAutoscalerBehavior {
        scale_up: Some(HPAScalingRules {
            stabilization_window_seconds: Some(0),
            policies: Some(vec![
                HPAScalingPolicy { type_: "Pods".into(), value: 2, period_seconds: 15 },
                HPAScalingPolicy { type_: "Percent".into(), value: 100, period_seconds: 15 },
            ]),
            select_policy: Some(select.into()),
            tolerance: None,
        }),
        scale_down: None,
    };
    assert_eq!(normalize(&mut HpaMemory::default(), 0.0, 4, 20, 1, 20, Some(&rules("Max"))).desired, 8);
    assert_eq!(normalize(&mut HpaMemory::default(), 0.0, 4, 20, 1, 20, Some(&rules("Min"))).desired, 6);
    assert_eq!(normalize(&mut HpaMemory::default(), 0.0, 4, 20, 1, 20, Some(&rules("Disabled"))).desired, 4);
}

#[test]
fn pods_policy_limits_scale_down() {
    let behavior = HorizontalPodAutoscalerBehavior {
        scale_up: None,
        scale_down: Some(HPAScalingRules {
            stabilization_window_seconds: Some(0),
            policies: Some(vec![HPAScalingPolicy { type_: "Pods".into(), value: 1, period_seconds: 60 }]),
            select_policy: None,
            tolerance: None,
        }),
    };
    let mut mem = HpaMemory::default();
    let d = normalize(&mut mem, 0.0, 5, 2, 1, 10, Some(&behavior));
    assert_eq!((d.desired, d.limited.0), (4, "ScaleDownLimit"));
    assert_eq!(normalize(&mut mem, 10.0, 4, 2, 1, 10, Some(&behavior)).desired, 4);
}
