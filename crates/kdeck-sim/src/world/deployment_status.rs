//! Deployment status: replica counts over its ReplicaSets and the Progressing/Available
//! conditions (NewReplicaSetCreated, ReplicaSetUpdated, NewReplicaSetAvailable,
//! ProgressDeadlineExceeded) as the deployment controller reports them.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::deployments::{REVISION, revision};
use super::snapshot::{Snapshot, owned_by};
use super::{World, typed};

impl World {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn update_deployment_status(
        &mut self,
        snap: &mut Snapshot,
        d: &Deployment,
        new_rs: &ReplicaSet,
        created_new: bool,
        desired: i32,
        unavailable: i32,
        now: Timestamp,
    ) {
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let min_ready = d.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0);
        let owned: Vec<ReplicaSet> =
            snap.replicasets.iter().filter(|rs| owned_by(&rs.metadata, &uid)).cloned().collect();
        let mut pods = 0;
        let mut ready = 0;
        let mut available = 0;
        let mut spec_total = 0;
        for rs in &owned {
            let c = Self::counts(snap, rs, min_ready, now);
            pods += c.pods;
            ready += c.ready;
            available += c.available;
            spec_total += rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        }
        let new_counts = Self::counts(snap, new_rs, min_ready, now);
        let old = d.status.clone().unwrap_or_default();
        let rs_name = new_rs.metadata.name.clone().unwrap_or_default();
        let mut status = DeploymentStatus {
            replicas: Some(pods),
            updated_replicas: Some(new_counts.pods),
            ready_replicas: Some(ready),
            available_replicas: Some(available),
            unavailable_replicas: Some((spec_total.max(desired) - available).max(0)),
            observed_generation: d.metadata.generation,
            conditions: old.conditions.clone(),
            collision_count: old.collision_count,
            terminating_replicas: None,
        };
        let complete = new_counts.pods == desired && new_counts.available == desired && pods == desired;
        let progressed = created_new
            || new_counts.pods > old.updated_replicas.unwrap_or(0)
            || ready > old.ready_replicas.unwrap_or(0)
            || available > old.available_replicas.unwrap_or(0)
            || d.metadata.generation != old.observed_generation;
        let conditions = status.conditions.get_or_insert_default();
        let avail_ok = available >= desired - unavailable;
        set_condition(
            conditions,
            now,
            "Available",
            avail_ok,
            if avail_ok {
                ("MinimumReplicasAvailable", "Deployment has minimum availability.".to_string())
            } else {
                ("MinimumReplicasUnavailable", "Deployment does not have minimum availability.".to_string())
            },
        );
        let deadline = d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).unwrap_or(600);
        let progressing = conditions.iter().find(|c| c.type_ == "Progressing").cloned();
        if complete {
            set_condition(
                conditions,
                now,
                "Progressing",
                true,
                ("NewReplicaSetAvailable", format!("ReplicaSet \"{rs_name}\" has successfully progressed.")),
            );
        } else if created_new {
            set_condition(
                conditions,
                now,
                "Progressing",
                true,
                ("NewReplicaSetCreated", format!("Created new replica set \"{rs_name}\"")),
            );
        } else if progressed {
            set_condition(
                conditions,
                now,
                "Progressing",
                true,
                ("ReplicaSetUpdated", format!("ReplicaSet \"{rs_name}\" is progressing.")),
            );
        } else if let Some(p) = progressing {
            let since = p.last_update_time.as_ref().map(|t| t.0).unwrap_or(now);
            let timed_out = now.as_second() - since.as_second() > i64::from(deadline);
            if timed_out && p.reason.as_deref() != Some("ProgressDeadlineExceeded") {
                set_condition(
                    conditions,
                    now,
                    "Progressing",
                    false,
                    (
                        "ProgressDeadlineExceeded",
                        format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                    ),
                );
            }
        } else {
            set_condition(
                conditions,
                now,
                "Progressing",
                true,
                ("ReplicaSetUpdated", format!("ReplicaSet \"{rs_name}\" is progressing.")),
            );
        }
        conditions.sort_by_key(|c| c.type_ != "Available");
        let revision_value = revision(new_rs).to_string();
        let annotated =
            d.metadata.annotations.as_ref().and_then(|a| a.get(REVISION)) == Some(&revision_value);
        if old == status && annotated {
            return;
        }
        let ns = d.metadata.namespace.clone();
        let name = d.metadata.name.clone().unwrap_or_default();
        let result = typed::modify::<Deployment>(&self.store, ns.as_deref(), &name, |dep| {
            dep.metadata.annotations.get_or_insert_default().insert(REVISION.into(), revision_value.clone());
            dep.status = Some(status.clone());
        });
        if let (Ok(stored), Some(slot)) =
            (result, snap.deployments.iter_mut().find(|x| x.metadata.uid == d.metadata.uid))
        {
            *slot = stored;
        }
    }
}

fn set_condition(
    conditions: &mut Vec<DeploymentCondition>,
    now: Timestamp,
    type_: &str,
    ok: bool,
    (reason, message): (&str, String),
) {
    let status = if ok { "True" } else { "False" };
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != status {
                c.last_transition_time = Some(Time(now));
            }
            // lastUpdateTime moves only when something is said anew (progress or a new state).
            if c.status != status
                || c.reason.as_deref() != Some(reason)
                || reason == "ReplicaSetUpdated"
                || c.message.as_deref() != Some(&message)
            {
                c.last_update_time = Some(Time(now));
            }
            c.status = status.into();
            c.reason = Some(reason.into());
            c.message = Some(message);
        }
        None => conditions.push(DeploymentCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message),
            last_update_time: Some(Time(now)),
            last_transition_time: Some(Time(now)),
        }),
    }
}
