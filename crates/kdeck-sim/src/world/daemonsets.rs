//! DaemonSet controller: one pod per eligible node (nodeSelector + tolerated taints, with the
//! tolerations the DaemonSet controller adds), rolling update with maxUnavailable, status.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodCondition, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::events::{DAEMONSET_CONTROLLER, SCHEDULER, reference};
use super::naming::{random_suffix, template_hash};
use super::replicasets::{controller_ref, pod_from_template};
use super::scheduler::{NodeFacts, matches_node_selector, untolerated_taint};
use super::snapshot::{Snapshot, is_available, is_ready, owned_by};
use super::{World, typed};

const REVISION_LABEL: &str = "controller-revision-hash";

/// Tolerations the DaemonSet controller adds to every daemon pod.
fn daemon_tolerations() -> Vec<Toleration> {
    let t = |key: &str, effect: &str| Toleration {
        key: Some(key.into()),
        operator: Some("Exists".into()),
        effect: Some(effect.into()),
        ..Default::default()
    };
    vec![
        t("node.kubernetes.io/not-ready", "NoExecute"),
        t("node.kubernetes.io/unreachable", "NoExecute"),
        t("node.kubernetes.io/disk-pressure", "NoSchedule"),
        t("node.kubernetes.io/memory-pressure", "NoSchedule"),
        t("node.kubernetes.io/pid-pressure", "NoSchedule"),
        t("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
}

impl World {
    pub(super) fn reconcile_daemonsets(&mut self, snap: &mut Snapshot, now: Timestamp) {
        for i in 0..snap.daemonsets.len() {
            let ds = snap.daemonsets[i].clone();
            self.reconcile_daemonset(snap, i, &ds, now);
        }
    }

    fn reconcile_daemonset(&mut self, snap: &mut Snapshot, index: usize, ds: &DaemonSet, now: Timestamp) {
        let Some(spec) = ds.spec.clone() else { return };
        let uid = ds.metadata.uid.clone().unwrap_or_default();
        let ns = ds.metadata.namespace.clone().unwrap_or_default();
        let name = ds.metadata.name.clone().unwrap_or_default();
        let hash = template_hash(&spec.template);
        let mut template = spec.template.clone();
        template
            .metadata
            .get_or_insert_default()
            .labels
            .get_or_insert_default()
            .insert(REVISION_LABEL.into(), hash.clone());
        let pod_spec = template.spec.get_or_insert_default();
        let tolerations = pod_spec.tolerations.get_or_insert_default();
        for t in daemon_tolerations() {
            if !tolerations.contains(&t) {
                tolerations.push(t);
            }
        }
        let probe = Pod { metadata: Default::default(), spec: template.spec.clone(), status: None };
        let nodes: Vec<NodeFacts> = snap.nodes.iter().map(NodeFacts::from_node).collect();
        let eligible: Vec<&NodeFacts> = nodes
            .iter()
            .filter(|n| matches_node_selector(&probe, n) && untolerated_taint(&probe, n).is_none())
            .collect();
        let pods: Vec<Pod> = snap.pods.iter().filter(|p| owned_by(&p.metadata, &uid)).cloned().collect();
        let node_of = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();

        for node in &eligible {
            if pods.iter().any(|p| node_of(p) == node.name) {
                continue;
            }
            let pod_name = format!("{name}-{}", random_suffix(&mut self.rng, 5));
            let mut pod = pod_from_template(&template, &ns, &pod_name, controller_ref(ds));
            let bound_at = if self.warm {
                now.saturating_sub(jiff::SignedDuration::from_secs(90)).unwrap_or(now)
            } else {
                now
            };
            if let Some(s) = pod.spec.as_mut() {
                s.node_name = Some(node.name.clone());
            }
            pod.status.get_or_insert_default().conditions = Some(vec![PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                last_transition_time: Some(Time(bound_at)),
                ..Default::default()
            }]);
            if let Some(created) = self.create_pod(snap, &pod)
                && !self.warm
            {
                {
                    self.events.normal(
                        &self.store,
                        now,
                        reference(ds),
                        DAEMONSET_CONTROLLER,
                        "SuccessfulCreate",
                        format!("Created pod: {pod_name}"),
                    );
                    let msg = format!("Successfully assigned {ns}/{pod_name} to {}", node.name);
                    self.events.normal(&self.store, now, reference(&created), SCHEDULER, "Scheduled", msg);
                }
            }
        }
        // Pods on nodes that no longer exist or no longer match the selector go.
        for pod in &pods {
            let node = node_of(pod);
            let keep = nodes.iter().any(|n| n.name == node && matches_node_selector(&probe, n));
            if !keep && self.delete_pod(snap, pod, now) && !self.warm {
                let msg = format!("Deleted pod: {}", pod.metadata.name.as_deref().unwrap_or_default());
                self.events.normal(
                    &self.store,
                    now,
                    reference(ds),
                    DAEMONSET_CONTROLLER,
                    "SuccessfulDelete",
                    msg,
                );
            }
        }
        // Rolling update: replace up to maxUnavailable stale pods while the rest are ready.
        let max_unavailable = match spec
            .update_strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref())
            .and_then(|r| r.max_unavailable.clone())
        {
            Some(IntOrString::Int(n)) => n.max(1) as usize,
            Some(IntOrString::String(p)) => ((p.trim_end_matches('%').parse::<f64>().unwrap_or(100.0) / 100.0
                * eligible.len() as f64)
                .floor() as usize)
                .max(1),
            None => 1,
        };
        let current: Vec<Pod> = snap.pods.iter().filter(|p| owned_by(&p.metadata, &uid)).cloned().collect();
        let unavailable = current.iter().filter(|p| !is_ready(p)).count();
        let stale: Vec<&Pod> = current
            .iter()
            .filter(|p| p.metadata.labels.as_ref().and_then(|l| l.get(REVISION_LABEL)) != Some(&hash))
            .collect();
        for pod in stale.into_iter().take(max_unavailable.saturating_sub(unavailable)) {
            self.delete_pod(snap, pod, now);
        }
        self.update_daemonset_status(snap, index, ds, eligible.len() as i32, &hash, now);
    }

    fn update_daemonset_status(
        &mut self,
        snap: &mut Snapshot,
        index: usize,
        ds: &DaemonSet,
        desired: i32,
        hash: &str,
        now: Timestamp,
    ) {
        let uid = ds.metadata.uid.clone().unwrap_or_default();
        let min_ready = ds.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0);
        let pods: Vec<&Pod> = snap.pods.iter().filter(|p| owned_by(&p.metadata, &uid)).collect();
        let available = pods.iter().filter(|p| is_available(p, min_ready, now)).count() as i32;
        let status = DaemonSetStatus {
            current_number_scheduled: pods.len() as i32,
            desired_number_scheduled: desired,
            number_misscheduled: 0,
            number_ready: pods.iter().filter(|p| is_ready(p)).count() as i32,
            number_available: Some(available),
            number_unavailable: Some((desired - available).max(0)),
            updated_number_scheduled: Some(
                pods.iter()
                    .filter(|p| {
                        p.metadata.labels.as_ref().and_then(|l| l.get(REVISION_LABEL)).map(String::as_str)
                            == Some(hash)
                    })
                    .count() as i32,
            ),
            observed_generation: ds.metadata.generation,
            collision_count: None,
            conditions: None,
        };
        if ds.status.as_ref() == Some(&status) {
            return;
        }
        let mut new = ds.clone();
        new.status = Some(status);
        if let Ok(stored) = typed::replace(&self.store, &new) {
            snap.daemonsets[index] = stored;
        }
    }
}
