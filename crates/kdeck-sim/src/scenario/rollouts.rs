//! The two release incidents: `error-burst` (a new image whose pods are Ready but fail a
//! share of requests) and `config-crash` (a ConfigMap edit, then a rollout restart whose
//! pods crash-loop on it).

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, Time};

use super::{Scenario, pick, split_target};
use crate::world::World;
use crate::world::faults::{BAD_CONFIG_KEY, BAD_CONFIG_VALUE, Fault, RESTARTED_AT, restart_fault_key};
use crate::world::typed;

/// Sim seconds between the ConfigMap edit and the `kubectl rollout restart`.
pub const RESTART_DELAY_SECS: i64 = 45;

/// The next patch release of an image: `repo:1.4.2` -> `repo:1.4.3`; other tags get `-r2`.
pub fn next_release(image: &str) -> String {
    let (repo, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
    let (core, _) = tag.split_once('-').unwrap_or((tag, ""));
    let parts: Vec<&str> = core.split('.').collect();
    match parts.last().and_then(|p| p.parse::<u64>().ok()) {
        Some(patch) if parts.len() >= 2 => {
            format!("{repo}:{}.{}", parts[..parts.len() - 1].join("."), patch + 1)
        }
        _ => format!("{repo}:{tag}-r2"),
    }
}

/// A new image tag on the target's first container; the image serves errors.
pub fn start_error_burst(world: &mut World) {
    if world.cfg.targets.error_burst.is_none() {
        world.cfg.targets.error_burst = pick::ingress_deployment(&world.store);
    }
    let Some((ns, name)) = split_target(world.cfg.targets.error_burst.as_deref()) else {
        tracing::warn!("error-burst: no Deployment behind an ingress in this topology");
        return;
    };
    release_serving_errors(world, &ns, &name);
}

/// Roll out the next patch release of the Deployment's first container, an image that serves
/// errors (`Fault::ServerErrors`); returns the image.
pub(super) fn release_serving_errors(world: &mut World, ns: &str, name: &str) -> Option<String> {
    let mut released = None;
    let result = typed::modify::<Deployment>(&world.store, Some(ns), name, |d| {
        let container =
            d.spec.as_mut().and_then(|s| s.template.spec.as_mut()).and_then(|s| s.containers.first_mut());
        if let Some(c) = container {
            let image = next_release(c.image.as_deref().unwrap_or_default());
            c.image = Some(image.clone());
            released = Some(image);
        }
        if let Some(image) = &released {
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or(image);
            d.metadata
                .annotations
                .get_or_insert_default()
                .insert("kubernetes.io/change-cause".into(), format!("release {tag}"));
        }
    });
    match (result, released) {
        (Ok(_), Some(image)) => {
            world.cfg.faults.insert(image.clone(), Fault::ServerErrors);
            Some(image)
        }
        (Err(err), _) => {
            tracing::warn!(%err, %ns, %name, "release: target deployment not updated");
            None
        }
        _ => None,
    }
}

/// Edit the ConfigMap now; the restart follows after [`RESTART_DELAY_SECS`].
pub fn start_config_crash(world: &mut World) {
    if world.cfg.targets.config_crash.is_none() {
        world.cfg.targets.config_crash = pick::config_deployment(&world.store);
    }
    let Some((ns, name)) = split_target(world.cfg.targets.config_crash.as_deref()) else {
        tracing::warn!("config-crash: no Deployment reading a ConfigMap in this topology");
        return;
    };
    let Some(deployment) = typed::get::<Deployment>(&world.store, Some(&ns), &name) else {
        tracing::warn!(%ns, %name, "config-crash: no such Deployment");
        return;
    };
    let Some(config) = deployment.spec.as_ref().and_then(|s| pick::config_map_of(&s.template)) else {
        tracing::warn!(%ns, %name, "config-crash: the Deployment reads no ConfigMap");
        return;
    };
    let now = world.now();
    let edited = typed::modify::<ConfigMap>(&world.store, Some(&ns), &config, |cm| {
        cm.data.get_or_insert_default().insert(BAD_CONFIG_KEY.into(), BAD_CONFIG_VALUE.into());
        // What the apiserver records of a `kubectl edit`: the manager and when it wrote.
        let fields = cm.metadata.managed_fields.get_or_insert_default();
        fields.retain(|f| f.manager.as_deref() != Some("kubectl-edit"));
        fields.push(ManagedFieldsEntry {
            manager: Some("kubectl-edit".into()),
            operation: Some("Update".into()),
            api_version: Some("v1".into()),
            fields_type: Some("FieldsV1".into()),
            time: Some(Time(now)),
            ..Default::default()
        });
    });
    if let Err(err) = edited {
        tracing::warn!(%err, %config, "config-crash: ConfigMap not edited");
        return;
    }
    let due = now.as_second() + RESTART_DELAY_SECS;
    world.pending_restart = Some((due, ns, name));
}

/// Run the pending restart once it is due (and only while the scenario lasts).
pub fn step(world: &mut World) {
    let Some(due) = world.pending_restart.as_ref().map(|p| p.0) else { return };
    if world.scenario != Scenario::ConfigCrash {
        world.pending_restart = None;
        return;
    }
    let now = world.now();
    if now.as_second() < due {
        return;
    }
    let Some((_, ns, name)) = world.pending_restart.take() else { return };
    let stamp = Timestamp::from_second(now.as_second()).unwrap_or(now).to_string();
    world.cfg.faults.insert(restart_fault_key(&ns, &stamp), Fault::BadConfig);
    let restarted = typed::modify::<Deployment>(&world.store, Some(&ns), &name, |d| {
        if let Some(spec) = d.spec.as_mut() {
            spec.template
                .metadata
                .get_or_insert_default()
                .annotations
                .get_or_insert_default()
                .insert(RESTARTED_AT.into(), stamp.clone());
        }
    });
    if let Err(err) = restarted {
        tracing::warn!(%err, "config-crash: rollout restart failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_release_bumps_the_patch() {
        assert_eq!(
            next_release("ghcr.io/b2connect/api-gateway:2.4.0"),
            "ghcr.io/b2connect/api-gateway:2.4.1"
        );
        assert_eq!(next_release("reg:5000/app:1.8.3-alpine"), "reg:5000/app:1.8.4");
        assert_eq!(next_release("nginx"), "nginx:latest-r2");
        assert_eq!(next_release("app:v7"), "app:v7-r2");
    }
}
