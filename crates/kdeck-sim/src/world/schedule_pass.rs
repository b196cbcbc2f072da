//! The scheduler loop: bind Pending pods in creation order, or mark them Unschedulable with
//! a FailedScheduling event (retried every 30 s sim, aggregated by the recorder). A pod's
//! claims come first: they may stop it, pin it to a zone, or be provisioned on its node.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::events::{SCHEDULER, reference};
use super::scheduler::{
    ClusterView, NodeFacts, PlacedPod, pod_requests, prefilter_failure, schedule_in_zones,
};
use super::snapshot::{Snapshot, key_of};
use super::volume_binding::pod_claims;
use super::{World, typed};

const RETRY_SECS: i64 = 30;

fn terminal(pod: &Pod) -> bool {
    matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed"))
}

pub fn placed(pod: &Pod, node: &str) -> PlacedPod {
    let (cpu, mem) = pod_requests(pod);
    PlacedPod {
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        node: node.to_string(),
        cpu_millis: cpu,
        memory_bytes: mem,
    }
}

impl World {
    pub(super) fn schedule_pending(&mut self, snap: &mut Snapshot, now: Timestamp) {
        let mut pending: Vec<Pod> = snap
            .pods
            .iter()
            .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_none()) && !terminal(p))
            .cloned()
            .collect();
        if pending.is_empty() {
            return;
        }
        pending
            .sort_by_key(|p| (p.metadata.creation_timestamp.as_ref().map(|t| t.0), p.metadata.name.clone()));
        let mut view = ClusterView::new(snap.nodes.iter().map(NodeFacts::from_node).collect());
        for pod in snap.pods.iter().filter(|p| !terminal(p)) {
            if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
                view.add(placed(pod, node));
            }
        }
        for pod in pending {
            let key = key_of(&pod.metadata);
            if self.sched_attempts.get(&key).is_some_and(|t| now.as_second() - t.as_second() < RETRY_SECS) {
                continue;
            }
            let claims = pod_claims(&pod, snap);
            if let Some(why) = &claims.blocker {
                self.sched_attempts.insert(key, now);
                self.mark_unschedulable(snap, &pod, &prefilter_failure(view.nodes.len(), why), now);
                continue;
            }
            match schedule_in_zones(&pod, &view, &claims.zones, &mut self.rng) {
                Ok(node) => {
                    // PreBind: the pod is bound only once its volumes are.
                    if let Err(message) = self.provision_for_pod(snap, &pod, &claims.to_provision, &node, now)
                    {
                        self.sched_attempts.insert(key, now);
                        self.mark_unschedulable(snap, &pod, &message, now);
                        continue;
                    }
                    self.sched_attempts.remove(&key);
                    view.add(placed(&pod, &node));
                    self.bind(snap, &pod, &node, now);
                }
                Err(message) => {
                    self.sched_attempts.insert(key, now);
                    self.mark_unschedulable(snap, &pod, &message, now);
                }
            }
        }
        self.sched_attempts.retain(|k, _| snap.pods.iter().any(|p| key_of(&p.metadata) == *k));
    }

    fn bind(&mut self, snap: &mut Snapshot, pod: &Pod, node: &str, now: Timestamp) {
        // During warm-up the pods were bound a while ago, so they come up already Running.
        let bound_at = if self.warm {
            now.saturating_sub(jiff::SignedDuration::from_secs(90)).unwrap_or(now)
        } else {
            now
        };
        let ns = pod.metadata.namespace.clone();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let result = typed::modify::<Pod>(&self.store, ns.as_deref(), &name, |p| {
            p.spec.get_or_insert_default().node_name = Some(node.to_string());
            let conditions = p.status.get_or_insert_default().conditions.get_or_insert_default();
            conditions.retain(|c| c.type_ != "PodScheduled");
            conditions.push(PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                last_transition_time: Some(Time(bound_at)),
                ..Default::default()
            });
        });
        if let Ok(stored) = result {
            snap.put_pod(stored);
            if !self.warm {
                let msg =
                    format!("Successfully assigned {}/{name} to {node}", ns.as_deref().unwrap_or_default());
                self.events.normal(&self.store, now, reference(pod), SCHEDULER, "Scheduled", msg);
            }
        }
    }

    fn mark_unschedulable(&mut self, snap: &mut Snapshot, pod: &Pod, message: &str, now: Timestamp) {
        let ns = pod.metadata.namespace.clone();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let result = typed::modify::<Pod>(&self.store, ns.as_deref(), &name, |p| {
            let status = p.status.get_or_insert_default();
            status.phase = Some("Pending".into());
            let conditions = status.conditions.get_or_insert_default();
            let same =
                conditions.iter().any(|c| c.type_ == "PodScheduled" && c.message.as_deref() == Some(message));
            if !same {
                conditions.retain(|c| c.type_ != "PodScheduled");
                conditions.push(PodCondition {
                    type_: "PodScheduled".into(),
                    status: "False".into(),
                    reason: Some("Unschedulable".into()),
                    message: Some(message.to_string()),
                    last_transition_time: Some(Time(now)),
                    ..Default::default()
                });
            }
        });
        if let Ok(stored) = result {
            snap.put_pod(stored);
        }
        self.events.warning(
            &self.store,
            now,
            reference(pod),
            SCHEDULER,
            "FailedScheduling",
            message.to_string(),
        );
    }
}
