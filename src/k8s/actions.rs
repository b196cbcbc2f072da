//! Writes kdeck makes, as kubectl makes them: scale through the scale subresource, rollout
//! restart as the template annotation patch, rollout undo as the template replace, and the
//! SelfSubjectAccessReview asked before any of them is offered.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

use crate::k8s::error_text::describe;
use crate::k8s::slim_workload::{REVISION, SlimReplicaSet};
use crate::types::{WorkloadKind, WorkloadRef, WriteKind};

/// The annotation `kubectl rollout restart` sets on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// Revisions are read straight from the API (not through a pruned watch): clean them here.
fn clean(text: &str) -> String {
    crate::sanitize::line(text).into_owned()
}

/// Whether the user may `verb` the resource (and subresource) in `namespace`.
pub async fn can_i(
    client: &Client,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
    namespace: &str,
) -> Result<Access, String> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                subresource: subresource.map(str::to_string),
                namespace: Some(namespace.to_string()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api.create(&PostParams::default(), &review).await.map_err(|e| describe(&e))?;
    let status = answer.status.unwrap_or_default();
    Ok(if status.allowed {
        Access::Allowed
    } else {
        let reason = status
            .reason
            .filter(|r| !r.is_empty())
            .map_or_else(|| "denied by RBAC".to_string(), crate::sanitize::line_owned);
        Access::Denied(reason)
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied(String),
}

/// The RBAC question for each action on a workload: (verb, group, resource, subresource).
pub fn access_needed(
    action: WriteKind,
    kind: WorkloadKind,
) -> (&'static str, &'static str, &'static str, Option<&'static str>) {
    let resource = match kind {
        WorkloadKind::Deployment => "deployments",
        WorkloadKind::StatefulSet => "statefulsets",
        WorkloadKind::DaemonSet => "daemonsets",
    };
    match action {
        WriteKind::Scale => ("patch", "apps", resource, Some("scale")),
        WriteKind::Restart | WriteKind::Undo => ("patch", "apps", resource, None),
    }
}

/// `kubectl scale --replicas=N`: a merge patch of the scale subresource.
pub async fn scale(client: &Client, target: &WorkloadRef, replicas: i32) -> Result<String, String> {
    let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
    let params = PatchParams::default();
    let ns = &target.namespace;
    let result = match target.kind {
        WorkloadKind::Deployment => {
            Api::<Deployment>::namespaced(client.clone(), ns).patch_scale(&target.name, &params, &patch).await
        }
        WorkloadKind::StatefulSet => {
            Api::<StatefulSet>::namespaced(client.clone(), ns)
                .patch_scale(&target.name, &params, &patch)
                .await
        }
        WorkloadKind::DaemonSet => {
            return Err("a DaemonSet runs one pod per node; it cannot be scaled".to_string());
        }
    };
    result.map(|_| format!("scaled to {replicas}")).map_err(|e| describe(&e))
}

/// `kubectl rollout restart`: the same strategic merge patch of the template annotation.
pub async fn restart(client: &Client, target: &WorkloadRef, now: jiff::Timestamp) -> Result<String, String> {
    let stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let patch: Patch<serde_json::Value> =
        Patch::Strategic(json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}));
    let params = PatchParams::default();
    let ns = &target.namespace;
    let name = &target.name;
    let result = match target.kind {
        WorkloadKind::Deployment => {
            Api::<Deployment>::namespaced(client.clone(), ns).patch(name, &params, &patch).await.map(|_| ())
        }
        WorkloadKind::StatefulSet => {
            Api::<StatefulSet>::namespaced(client.clone(), ns).patch(name, &params, &patch).await.map(|_| ())
        }
        WorkloadKind::DaemonSet => {
            Api::<k8s_openapi::api::apps::v1::DaemonSet>::namespaced(client.clone(), ns)
                .patch(name, &params, &patch)
                .await
                .map(|_| ())
        }
    };
    result.map(|()| format!("restart requested at {stamp}")).map_err(|e| describe(&e))
}

/// One revision of a Deployment, for the undo picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub number: u64,
    pub replica_set: String,
    pub images: Vec<String>,
    pub created: Option<jiff::Timestamp>,
}

/// The Deployment's revisions, newest first, from its ReplicaSets (slim: owner, revision
/// annotation and images are all a revision needs).
pub fn revisions<'a>(
    deployment: &ObjectMeta,
    replica_sets: impl IntoIterator<Item = &'a SlimReplicaSet>,
) -> Vec<Revision> {
    let uid = deployment.uid.as_deref();
    let name = deployment.name.as_deref();
    let mut out: Vec<Revision> = replica_sets
        .into_iter()
        // A ReplicaSet lives in its Deployment's namespace (the caches hold every namespace's,
        // and a same-named Deployment elsewhere is not this one).
        .filter(|rs| rs.metadata.namespace == deployment.namespace)
        .filter(|rs| {
            rs.metadata.owner_references.as_ref().is_some_and(|owners| {
                owners.iter().any(|o| {
                    o.kind == "Deployment" && (Some(o.uid.as_str()) == uid || Some(o.name.as_str()) == name)
                })
            })
        })
        .filter_map(|rs| {
            let number = rs.revision.as_deref()?.parse().ok()?;
            Some(Revision {
                number,
                replica_set: rs.metadata.name.as_deref().map(clean).unwrap_or_default(),
                images: rs.images.iter().map(|i| clean(i)).collect(),
                created: rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
            })
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.number));
    out
}

/// `kubectl rollout undo [--to-revision N]`: replace the Deployment's template with the
/// chosen revision's (minus pod-template-hash), as one JSON patch. The history is listed slim
/// (no templates); the one template needed is fetched with a GET of the chosen ReplicaSet,
/// now, rather than kept in memory for every ReplicaSet.
pub async fn undo(client: &Client, target: &WorkloadRef, to_revision: Option<u64>) -> Result<String, String> {
    if target.kind != WorkloadKind::Deployment {
        return Err(format!(
            "undo is for Deployments; {} {} has no ReplicaSet history",
            target.kind.as_str(),
            target.name
        ));
    }
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &target.namespace);
    let deployment = deployments.get(&target.name).await.map_err(|e| describe(&e))?;
    let slim: Api<SlimReplicaSet> = Api::namespaced(client.clone(), &target.namespace);
    let listed = slim.list(&ListParams::default()).await.map_err(|e| describe(&e))?;
    let history = revisions(&deployment.metadata, &listed.items);
    let current: Option<u64> =
        deployment.metadata.annotations.as_ref().and_then(|a| a.get(REVISION)).and_then(|r| r.parse().ok());
    let chosen = match to_revision {
        Some(n) => history.iter().find(|r| r.number == n),
        None => history.iter().find(|r| Some(r.number) != current),
    }
    .ok_or_else(|| "no previous revision to roll back to".to_string())?;
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), &target.namespace);
    let rs = replica_sets.get_opt(&chosen.replica_set).await.map_err(|e| describe(&e))?;
    let rs = rs.ok_or_else(|| format!("ReplicaSet {} is gone", chosen.replica_set))?;
    let mut template =
        rs.spec.as_ref().and_then(|s| s.template.clone()).ok_or("the ReplicaSet has no template")?;
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove("pod-template-hash");
    }
    let patch: Patch<serde_json::Value> = Patch::Json(
        serde_json::from_value(json!([{"op": "replace", "path": "/spec/template", "value": template}]))
            .map_err(|e| e.to_string())?,
    );
    deployments.patch(&target.name, &PatchParams::default(), &patch).await.map_err(|e| describe(&e))?;
    Ok(format!("rolled back to revision {} ({})", chosen.number, chosen.images.join(", ")))
}

/// The annotations kdeck sees on a template, for tests.
pub fn template_annotations(deployment: &Deployment) -> BTreeMap<String, String> {
    deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(ns: &str, name: &str, owner: &str, revision: &str, image: &str) -> SlimReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2025-06-01T10:00:00Z",
                "annotations": {REVISION: revision},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": "other"}]},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}))
        .unwrap()
    }

    #[test]
    fn revisions_are_the_deployments_own_newest_first() {
        let web =
            ObjectMeta { name: Some("web".into()), namespace: Some("shop".into()), ..Default::default() };
        let sets = [
            rs("shop", "web-1", "web", "1", "web:1"),
            rs("shop", "web-3", "web", "3", "web:3"),
            rs("shop", "api-2", "api", "2", "api:2"),
            // A same-named Deployment in another namespace is another Deployment.
            rs("shop-dev", "web-9", "web", "9", "web:dev"),
            rs("shop", "web-x", "web", "not a number", "web:x"),
        ];
        let history = revisions(&web, &sets);
        let shown: Vec<(u64, &str, &str)> =
            history.iter().map(|r| (r.number, r.replica_set.as_str(), r.images[0].as_str())).collect();
        assert_eq!(shown, vec![(3, "web-3", "web:3"), (1, "web-1", "web:1")]);
    }
}
