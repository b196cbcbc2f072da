//! HorizontalPodAutoscaler controller: metrics from the load model, the documented
//! algorithm (hpa_math), writes the target's spec.replicas, status, conditions and events.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::{
    HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::events::{HPA_CONTROLLER, reference};
use super::hpa_math::normalize;
use super::snapshot::Snapshot;
use super::{World, typed};

/// One metric's reading: the status to report and the replicas it proposes.
pub(super) struct Reading {
    pub(super) status: MetricStatus,
    pub(super) proposal: i32,
    pub(super) above: bool,
    pub(super) description: String,
}

pub(super) fn qty_milli(v: f64) -> Quantity {
    if (v - v.round()).abs() < 1e-9 {
        Quantity(format!("{}", v.round() as i64))
    } else {
        Quantity(format!("{}m", (v * 1000.0).round() as i64))
    }
}

impl World {
    pub(super) fn reconcile_hpas(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.hpas.len() {
            let hpa = snap.hpas[i].clone();
            if let Some(updated) = self.reconcile_hpa(snap, &hpa, now) {
                snap.hpas[i] = updated;
            }
        }
    }

    fn reconcile_hpa(
        &mut self,
        snap: &mut Snapshot,
        hpa: &HorizontalPodAutoscaler,
        now: Timestamp,
    ) -> Option<HorizontalPodAutoscaler> {
        let spec = hpa.spec.as_ref()?;
        let ns = hpa.metadata.namespace.clone().unwrap_or_default();
        let target = &spec.scale_target_ref;
        let key = format!("{ns}/{}", target.name);
        let current = match target.kind.as_str() {
            "Deployment" => snap
                .deployments
                .iter()
                .find(|d| {
                    d.metadata.namespace.as_deref() == Some(&ns)
                        && d.metadata.name.as_deref() == Some(&target.name)
                })
                .and_then(|d| d.spec.as_ref()?.replicas),
            "StatefulSet" => snap
                .statefulsets
                .iter()
                .find(|d| {
                    d.metadata.namespace.as_deref() == Some(&ns)
                        && d.metadata.name.as_deref() == Some(&target.name)
                })
                .and_then(|d| d.spec.as_ref()?.replicas),
            _ => None,
        };
        let mut conditions: Vec<HorizontalPodAutoscalerCondition> =
            hpa.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
        let Some(current) = current else {
            set_cond(
                &mut conditions,
                now,
                "AbleToScale",
                false,
                "FailedGetScale",
                format!(
                    "the HPA controller was unable to get the target's current scale: {} \"{}\" not found",
                    target.kind.to_lowercase(),
                    target.name
                ),
            );
            return self.write_hpa_status(hpa, conditions, None, 0, None, None);
        };
        let min = spec.min_replicas.unwrap_or(1);
        let max = spec.max_replicas;
        let mut readings = Vec::new();
        let mut failure = None;
        for metric in spec.metrics.iter().flatten() {
            match self.read_metric(snap, &key, metric, current, now) {
                Ok(r) => readings.push(r),
                Err(e) => failure = Some(e),
            }
        }
        let best = readings.iter().max_by_key(|r| r.proposal);
        let Some(best) = best else {
            let (reason, message) =
                failure.unwrap_or(("FailedGetResourceMetric".into(), "no metrics configured".into()));
            set_cond(
                &mut conditions,
                now,
                "AbleToScale",
                true,
                "SucceededGetScale",
                "the HPA controller was able to get the target's current scale".into(),
            );
            set_cond(
                &mut conditions,
                now,
                "ScalingActive",
                false,
                &reason,
                format!("the HPA was unable to compute the replica count: {message}"),
            );
            self.events.warning(&self.store, now, reference(hpa), HPA_CONTROLLER, &reason, message);
            return self.write_hpa_status(
                hpa,
                conditions,
                None,
                current,
                Some(current),
                hpa.status.as_ref().and_then(|s| s.last_scale_time.clone()),
            );
        };
        let memory = self
            .hpa_memory
            .entry(format!("{ns}/{}", hpa.metadata.name.as_deref().unwrap_or_default()))
            .or_default();
        let decision = normalize(
            memory,
            now.as_second() as f64,
            current,
            best.proposal,
            min,
            max,
            spec.behavior.as_ref(),
        );
        let mut last_scale = hpa.status.as_ref().and_then(|s| s.last_scale_time.clone());
        let statuses: Vec<MetricStatus> = readings.iter().map(|r| r.status.clone()).collect();
        let reason_text = if best.above {
            format!("{} above target", best.description)
        } else {
            "All metrics below target".to_string()
        };
        let description = best.description.clone();
        if decision.desired != current {
            let (ns_ref, name) = (target.name.clone(), decision.desired);
            let scaled = match target.kind.as_str() {
                "Deployment" => typed::modify::<Deployment>(&self.store, Some(&ns), &ns_ref, |d| {
                    d.spec.get_or_insert_default().replicas = Some(name)
                })
                .map(|d| {
                    if let Some(slot) = snap.deployments.iter_mut().find(|x| x.metadata.uid == d.metadata.uid)
                    {
                        *slot = d;
                    }
                }),
                _ => typed::modify::<StatefulSet>(&self.store, Some(&ns), &ns_ref, |d| {
                    d.spec.get_or_insert_default().replicas = Some(name)
                })
                .map(|d| {
                    if let Some(slot) =
                        snap.statefulsets.iter_mut().find(|x| x.metadata.uid == d.metadata.uid)
                    {
                        *slot = d;
                    }
                }),
            };
            if scaled.is_ok() {
                last_scale = Some(Time(now));
                self.events.normal(
                    &self.store,
                    now,
                    reference(hpa),
                    HPA_CONTROLLER,
                    "SuccessfulRescale",
                    format!("New size: {}; reason: {reason_text}", decision.desired),
                );
                set_cond(
                    &mut conditions,
                    now,
                    "AbleToScale",
                    true,
                    "SucceededRescale",
                    format!("the HPA controller was able to update the target scale to {}", decision.desired),
                );
            }
        } else if decision.stabilized {
            set_cond(&mut conditions, now, "AbleToScale", true, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation".into());
        } else {
            set_cond(
                &mut conditions,
                now,
                "AbleToScale",
                true,
                "ReadyForNewScale",
                "recommended size matches current size".into(),
            );
        }
        set_cond(
            &mut conditions,
            now,
            "ScalingActive",
            true,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {description}"),
        );
        let limited = decision.limited.0 != "DesiredWithinRange";
        set_cond(
            &mut conditions,
            now,
            "ScalingLimited",
            limited,
            decision.limited.0,
            decision.limited.1.to_string(),
        );
        self.write_hpa_status(hpa, conditions, Some(statuses), current, Some(decision.desired), last_scale)
    }

    fn write_hpa_status(
        &mut self,
        hpa: &HorizontalPodAutoscaler,
        conditions: Vec<HorizontalPodAutoscalerCondition>,
        metrics: Option<Vec<MetricStatus>>,
        current: i32,
        desired: Option<i32>,
        last_scale: Option<Time>,
    ) -> Option<HorizontalPodAutoscaler> {
        let status = HorizontalPodAutoscalerStatus {
            conditions: Some(conditions),
            current_metrics: metrics,
            current_replicas: Some(current),
            desired_replicas: desired.unwrap_or(current),
            last_scale_time: last_scale,
            observed_generation: hpa.metadata.generation,
        };
        if hpa.status.as_ref() == Some(&status) {
            return None;
        }
        let mut new = hpa.clone();
        new.status = Some(status);
        typed::replace(&self.store, &new).ok()
    }
}

fn set_cond(
    conditions: &mut Vec<HorizontalPodAutoscalerCondition>,
    now: Timestamp,
    type_: &str,
    ok: bool,
    reason: &str,
    message: String,
) {
    let status = if ok { "True" } else { "False" };
    let order = |t: &str| match t {
        "AbleToScale" => 0,
        "ScalingActive" => 1,
        _ => 2,
    };
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != status {
                c.last_transition_time = Some(Time(now));
            }
            c.status = status.into();
            c.reason = Some(reason.into());
            c.message = Some(message);
        }
        None => conditions.push(HorizontalPodAutoscalerCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message),
            last_transition_time: Some(Time(now)),
        }),
    }
    conditions.sort_by_key(|c| order(&c.type_));
}
