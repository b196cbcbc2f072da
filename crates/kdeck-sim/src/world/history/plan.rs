//! What the last hour held, chosen per seed before anything is dated: which Deployments
//! finished a rollout 10-50 minutes ago, which HPA rescaled 20 minutes ago.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;

use crate::load::hash2;
use crate::world::demand::workload_of;
use crate::world::snapshot::key_of;
use crate::world::{World, typed};

/// An HPA's last rescale: the Deployment went to `replicas` at `at` (up or down).
pub struct Rescale {
    pub hpa: HorizontalPodAutoscaler,
    pub deployment: String,
    pub replicas: i32,
    pub up: bool,
    pub at: i64,
}

#[derive(Default)]
pub struct Plan {
    /// Deployment key -> when its last rollout started.
    pub recent: Vec<(String, i64)>,
    /// uids of the ReplicaSets those rollouts created.
    pub recent_rs: HashSet<String>,
    /// ReplicaSet uid -> its (new) creation second.
    pub replicaset_created: HashMap<String, i64>,
    /// Pod key -> creation second, where an event pins it.
    pub pod_overrides: HashMap<String, i64>,
    /// Images whose containers restart (their pods are kept hours old).
    pub crashing_images: HashSet<String>,
    pub rescale: Option<Rescale>,
}

impl Plan {
    pub fn recent_at(&self, key: &str) -> Option<i64> {
        self.recent.iter().find(|(k, _)| k == key).map(|(_, t)| *t)
    }

    pub fn is_recent_rs(&self, uid: &str) -> bool {
        self.recent_rs.contains(uid)
    }

    pub fn pod_created(&self, key: &str) -> Option<i64> {
        self.pod_overrides.get(key).copied()
    }
}

fn targets(world: &World) -> Vec<String> {
    let t = &world.cfg.targets;
    [&t.bad_rollout, &t.error_burst, &t.config_crash].into_iter().flatten().cloned().collect()
}

pub fn choose(world: &World, seeded: &[String], now: i64) -> Plan {
    let seed = world.cfg.seed;
    let faulty: HashSet<String> = world.cfg.faults.keys().cloned().collect();
    let crashing_images =
        world.cfg.faults.iter().filter(|(_, f)| f.crashes()).map(|(i, _)| i.clone()).collect();
    let excluded = targets(world);
    let deployments: Vec<Deployment> = typed::list(&world.store, None);
    let mut candidates: Vec<&Deployment> = deployments
        .iter()
        .filter(|d| seeded.contains(&key_of(&d.metadata)) && !excluded.contains(&key_of(&d.metadata)))
        .filter(|d| d.spec.as_ref().is_some_and(|s| s.replicas.unwrap_or(1) >= 2))
        .filter(|d| {
            let images = d.spec.iter().flat_map(|s| s.template.spec.iter()).flat_map(|s| s.containers.iter());
            images.into_iter().all(|c| c.image.as_ref().is_none_or(|i| !faulty.contains(i)))
        })
        .collect();
    candidates.sort_by_key(|d| hash2(seed, &key_of(&d.metadata), 51));
    let windows: [(i64, u64); 2] = [(10, 15), (30, 20)];
    let recent: Vec<(String, i64)> = candidates
        .iter()
        .zip(windows)
        .map(|(d, (lo, width))| {
            let key = key_of(&d.metadata);
            let minutes = lo + (hash2(seed, &key, 52) % width) as i64;
            (key, now - minutes * 60)
        })
        .collect();
    let mut plan = Plan { recent, crashing_images, ..Plan::default() };
    plan.rescale = choose_rescale(world, &plan, now);
    if let Some(r) = plan.rescale.as_ref().filter(|r| r.up) {
        // The pod the scale-up added is the youngest of the Deployment's.
        let pods: Vec<Pod> = typed::list(&world.store, r.hpa.metadata.namespace.as_deref());
        let newest = pods
            .iter()
            .filter(|p| workload_of(p).as_deref() == Some(r.deployment.as_str()))
            .map(|p| key_of(&p.metadata))
            .max();
        if let Some(key) = newest {
            plan.pod_overrides.insert(key, r.at + 4);
        }
    }
    plan
}

fn choose_rescale(world: &World, plan: &Plan, now: i64) -> Option<Rescale> {
    let seed = world.cfg.seed;
    let mut hpas: Vec<HorizontalPodAutoscaler> = typed::list(&world.store, None);
    hpas.sort_by_key(|h| hash2(seed, &key_of(&h.metadata), 53));
    hpas.into_iter().find_map(|hpa| {
        let spec = hpa.spec.as_ref()?;
        if spec.scale_target_ref.kind != "Deployment" {
            return None;
        }
        let ns = hpa.metadata.namespace.clone()?;
        let deployment = format!("{ns}/{}", spec.scale_target_ref.name);
        if plan.recent_at(&deployment).is_some() {
            return None;
        }
        let d: Deployment = typed::get(&world.store, Some(&ns), &spec.scale_target_ref.name)?;
        let replicas = d.spec.as_ref()?.replicas.unwrap_or(1);
        let up = replicas > spec.min_replicas.unwrap_or(1);
        let at = now - 60 * (17 + (hash2(seed, &deployment, 54) % 7) as i64);
        Some(Rescale { hpa, deployment, replicas, up, at })
    })
}
