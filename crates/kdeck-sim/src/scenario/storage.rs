//! The `pvc-pending` incident: a StatefulSet is scaled up by one and the provisioner cannot
//! create its new volume (no capacity left in the zone), so the claim and its pod stay
//! Pending until the scenario ends.

use k8s_openapi::api::apps::v1::StatefulSet;

use super::split_target;
use crate::store::Store;
use crate::world::World;
use crate::world::typed;

/// The first StatefulSet (by namespace/name) with claim templates and at least one replica.
pub fn storage_statefulset(store: &Store) -> Option<String> {
    let mut all: Vec<StatefulSet> = typed::list(store, None);
    all.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    all.into_iter().find_map(|s| {
        let spec = s.spec.as_ref()?;
        let has_claims = spec.volume_claim_templates.as_ref().is_some_and(|t| !t.is_empty());
        let name = s.metadata.name.clone()?;
        let ns = s.metadata.namespace.clone().unwrap_or_else(|| "default".into());
        (has_claims && spec.replicas.unwrap_or(1) > 0).then(|| format!("{ns}/{name}"))
    })
}

/// Scale the target up by one; the world's provisioner fails its claims meanwhile.
pub fn start_pvc_pending(world: &mut World) {
    if world.cfg.targets.pvc_pending.is_none() {
        world.cfg.targets.pvc_pending = storage_statefulset(&world.store);
    }
    let Some((ns, name)) = split_target(world.cfg.targets.pvc_pending.as_deref()) else {
        tracing::warn!("pvc-pending: no StatefulSet with volume claims in this topology");
        return;
    };
    let result = typed::modify::<StatefulSet>(&world.store, Some(&ns), &name, |s| {
        let spec = s.spec.get_or_insert_default();
        spec.replicas = Some(spec.replicas.unwrap_or(1) + 1);
    });
    if let Err(err) = result {
        tracing::warn!(%err, %ns, %name, "pvc-pending: StatefulSet not scaled");
    }
}
