//! The Deployment controller's rolling-update arithmetic (pkg/controller/deployment), pure.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Resolve maxSurge/maxUnavailable against `replicas`: percentages round up for surge and
/// down for unavailable; both zero would deadlock, so unavailable becomes 1 (as upstream).
pub fn surge_and_unavailable(
    replicas: i32,
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
) -> (i32, i32) {
    let resolve = |v: Option<&IntOrString>, round_up: bool| -> i32 {
        match v {
            None => percent(replicas, 25, round_up),
            Some(IntOrString::Int(n)) => *n,
            Some(IntOrString::String(s)) => {
                let pct = s.trim_end_matches('%').parse::<i32>().unwrap_or(25);
                percent(replicas, pct, round_up)
            }
        }
    };
    let surge = resolve(max_surge, true).max(0);
    let mut unavailable = resolve(max_unavailable, false).max(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable.min(replicas.max(0)))
}

fn percent(replicas: i32, pct: i32, round_up: bool) -> i32 {
    let exact = f64::from(replicas) * f64::from(pct) / 100.0;
    if round_up { exact.ceil() as i32 } else { exact.floor() as i32 }
}

/// Replica count for the new ReplicaSet this step (NewRSNewReplicas).
/// `all_replicas` is the sum of spec.replicas over every ReplicaSet of the Deployment.
pub fn new_rs_replicas(desired: i32, surge: i32, all_replicas: i32, new_rs: i32) -> i32 {
    if new_rs >= desired {
        return desired;
    }
    let max_total = desired + surge;
    if all_replicas >= max_total {
        return new_rs;
    }
    new_rs + (max_total - all_replicas).min(desired - new_rs)
}

/// An old ReplicaSet as the scale-down step sees it (oldest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OldSet {
    pub replicas: i32,
    pub available: i32,
}

/// New spec.replicas for each old ReplicaSet (reconcileOldReplicaSets): first remove
/// unhealthy replicas, then scale down available ones while keeping minAvailable.
pub fn scale_down_old(desired: i32, unavailable: i32, new_rs: OldSet, old: &[OldSet]) -> Vec<i32> {
    let mut result: Vec<i32> = old.iter().map(|o| o.replicas).collect();
    let old_total: i32 = result.iter().sum();
    if old_total == 0 {
        return result;
    }
    let all_total = old_total + new_rs.replicas;
    let min_available = desired - unavailable;
    let new_unavailable = (new_rs.replicas - new_rs.available).max(0);
    let max_scaled_down = all_total - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return result;
    }
    // Cleanup: unhealthy old replicas go first; they don't count towards availability.
    let mut cleaned = 0;
    for (i, o) in old.iter().enumerate() {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = (result[i] - o.available).max(0);
        let cut = unhealthy.min(max_scaled_down - cleaned);
        result[i] -= cut;
        cleaned += cut;
    }
    // Then healthy ones, as far as availability allows.
    let available_total: i32 = old.iter().map(|o| o.available).sum::<i32>() + new_rs.available;
    if available_total <= min_available {
        return result;
    }
    let mut budget = available_total - min_available;
    for r in result.iter_mut() {
        if budget == 0 {
            break;
        }
        let cut = (*r).min(budget);
        *r -= cut;
        budget -= cut;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_like_upstream() {
        let pct = |s: &str| IntOrString::String(s.into());
        assert_eq!(surge_and_unavailable(10, Some(&pct("25%")), Some(&pct("25%"))), (3, 2));
        assert_eq!(surge_and_unavailable(3, None, None), (1, 0));
        assert_eq!(surge_and_unavailable(3, Some(&IntOrString::Int(0)), Some(&IntOrString::Int(0))), (0, 1));
    }

    #[test]
    fn new_set_grows_by_the_surge_only() {
        // 3 replicas, surge 1: the new RS gets one pod while 3 old ones still run.
        assert_eq!(new_rs_replicas(3, 1, 3, 0), 1);
        assert_eq!(new_rs_replicas(3, 1, 4, 1), 1);
        assert_eq!(new_rs_replicas(3, 1, 3, 1), 2);
        assert_eq!(new_rs_replicas(3, 1, 3, 3), 3);
        assert_eq!(new_rs_replicas(3, 1, 5, 5), 3);
    }

    #[test]
    fn old_sets_shrink_only_as_far_as_availability_allows() {
        // maxUnavailable 0: nothing goes until a new pod is available.
        let new_rs = OldSet { replicas: 1, available: 0 };
        assert_eq!(scale_down_old(3, 0, new_rs, &[OldSet { replicas: 3, available: 3 }]), vec![3]);
        let new_rs = OldSet { replicas: 1, available: 1 };
        assert_eq!(scale_down_old(3, 0, new_rs, &[OldSet { replicas: 3, available: 3 }]), vec![2]);
        // maxUnavailable 1 lets one old pod go right away.
        let new_rs = OldSet { replicas: 1, available: 0 };
        assert_eq!(scale_down_old(3, 1, new_rs, &[OldSet { replicas: 3, available: 3 }]), vec![2]);
    }

    #[test]
    fn unhealthy_old_replicas_are_cleaned_up_first() {
        let new_rs = OldSet { replicas: 2, available: 2 };
        let old = [OldSet { replicas: 2, available: 0 }, OldSet { replicas: 1, available: 1 }];
        assert_eq!(scale_down_old(3, 0, new_rs, &old), vec![0, 1]);
    }
}
