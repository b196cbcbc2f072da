//! Incident scenarios: chosen with `--scenario` and switched live through the scenario
//! channel (`PUT /sim/scenario/{name}`).

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::apps::v1::Deployment;
use serde::Deserialize;

use crate::world::World;
use crate::world::faults::Fault;
use crate::world::typed;

mod cert_renewal;
mod mesh;
mod pick;
mod policy_block;
mod rollouts;
mod route_backend;
mod storage;

pub use cert_renewal::ingress_certificate as cert_renewal_target;
pub use policy_block::{POLICY_NAME as BLOCKING_POLICY, busiest_ingress_namespace};
pub use storage::storage_statefulset as storage_target;

pub use rollouts::next_release;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scenario {
    #[default]
    Steady,
    /// Every node of one zone stops answering; its pods are evicted after 300 s.
    ZoneOutage,
    /// Load rises 4x on the workloads behind ingresses; HPAs hit their max.
    TrafficSpike,
    /// A deployment gets an image that crashloops; the rollout stalls until undone.
    BadRollout,
    /// One ingress certificate expires in 5 days, another expired 2 days ago.
    CertExpiry,
    /// A release of a Deployment behind an ingress: its pods are Ready, but the ingress
    /// answers 5xx to about one request in six and slower, from the rollout on.
    ErrorBurst,
    /// A ConfigMap a Deployment reads is edited, the Deployment is restarted 45 s later and
    /// its new pods crash-loop on the bad value while the old ones keep serving.
    ConfigCrash,
    /// One node runs low on ephemeral storage: DiskPressure, its taint, evictions.
    NodePressure,
    /// A StatefulSet scales up by one and its new volume cannot be provisioned: the claim
    /// and the pod stay Pending.
    PvcPending,
    /// A Certificate's renewal is rate-limited by the ACME server: three days left, renewal
    /// overdue, cert-manager retrying and failing every minute.
    CertRenewalFailing,
    /// A NetworkPolicy `deny-all-ingress` is applied to the namespace behind the busiest
    /// ingress: pods stay Ready, the ingress answers 502/504, Argo CD shows OutOfSync.
    PolicyBlocksTraffic,
    /// An HTTPRoute's backendRef is edited by hand to a Service that was never deployed: the
    /// route's ResolvedRefs turns False (BackendNotFound), its traffic gets Envoy's 500s.
    HttpRouteBackendMissing,
    /// The mesh proxy of a workload's pods in one zone cannot get its identity: running, not
    /// Ready, so the pod is not Ready while its application container is.
    MeshProxyNotReady,
    /// A release of the most-called meshed Deployment fails about a third of its callers' calls.
    MeshSuccessDrop,
}

pub const ALL: [Scenario; 14] = [
    Scenario::Steady,
    Scenario::ZoneOutage,
    Scenario::TrafficSpike,
    Scenario::BadRollout,
    Scenario::CertExpiry,
    Scenario::ErrorBurst,
    Scenario::ConfigCrash,
    Scenario::NodePressure,
    Scenario::PvcPending,
    Scenario::CertRenewalFailing,
    Scenario::PolicyBlocksTraffic,
    Scenario::HttpRouteBackendMissing,
    Scenario::MeshProxyNotReady,
    Scenario::MeshSuccessDrop,
];

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::ZoneOutage => "zone-outage",
            Scenario::TrafficSpike => "traffic-spike",
            Scenario::BadRollout => "bad-rollout",
            Scenario::CertExpiry => "cert-expiry",
            Scenario::ErrorBurst => "error-burst",
            Scenario::ConfigCrash => "config-crash",
            Scenario::NodePressure => "node-pressure",
            Scenario::PvcPending => "pvc-pending",
            Scenario::CertRenewalFailing => "cert-renewal-failing",
            Scenario::PolicyBlocksTraffic => "policy-blocks-traffic",
            Scenario::HttpRouteBackendMissing => "httproute-backend-missing",
            Scenario::MeshProxyNotReady => "mesh-proxy-not-ready",
            Scenario::MeshSuccessDrop => "mesh-success-drop",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Scenario, String> {
        ALL.into_iter().find(|sc| sc.name() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|s| s.name()).collect();
            format!("unknown scenario {s:?} (one of {})", names.join(", "))
        })
    }
}

/// Which objects each scenario hits, from the topology's `scenarios:` section.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ScenarioTargets {
    pub outage_zone: Option<String>,
    /// namespace/deployment
    pub bad_rollout: Option<String>,
    /// namespace/secret
    pub cert_expiring: Option<String>,
    pub cert_expired: Option<String>,
    /// namespace/deployment behind an ingress (else the first such Deployment)
    pub error_burst: Option<String>,
    /// namespace/deployment reading a ConfigMap (else the first such Deployment)
    pub config_crash: Option<String>,
    /// node name (else the first untainted node)
    pub pressure_node: Option<String>,
    /// namespace/statefulset whose new claim fails to provision (else the first with claims)
    pub pvc_pending: Option<String>,
    /// namespace/certificate whose renewal fails (else the first serving an ingress)
    pub cert_renewal_failing: Option<String>,
    /// namespace a NetworkPolicy cuts off (else the one behind the busiest ingress)
    pub policy_blocks_traffic: Option<String>,
    /// namespace/httproute whose backend goes missing (else the busiest prod route)
    pub httproute_backend_missing: Option<String>,
    /// namespace/workload whose mesh proxies lose their identity (else the most-called meshed one)
    pub mesh_proxy_not_ready: Option<String>,
    /// namespace/deployment whose release fails its mesh callers (else the most-called meshed one)
    pub mesh_success_drop: Option<String>,
}

const DAY: i64 = 86_400;

/// React to a switch from `previous` to `world.scenario`.
pub fn apply_switch(world: &mut World, previous: Scenario) {
    let now = world.now();
    if previous == Scenario::CertExpiry {
        // cert-manager renews both once the incident is over.
        renew_cert(world, world.cfg.targets.cert_expiring.clone(), now.as_second() + 60 * DAY);
        renew_cert(world, world.cfg.targets.cert_expired.clone(), now.as_second() + 60 * DAY);
    }
    if previous == Scenario::PvcPending {
        // Capacity is back: the scheduler retries the waiting pods at once.
        world.sched_attempts.clear();
    }
    if previous == Scenario::PolicyBlocksTraffic {
        policy_block::stop_policy_blocks_traffic(world);
    }
    if previous == Scenario::HttpRouteBackendMissing {
        route_backend::stop(world);
    }
    if previous == Scenario::MeshProxyNotReady {
        mesh::stop_mesh_proxy_not_ready(world);
    }
    match world.scenario {
        Scenario::BadRollout => start_bad_rollout(world),
        Scenario::CertExpiry => {
            renew_cert(world, world.cfg.targets.cert_expiring.clone(), now.as_second() + 5 * DAY);
            renew_cert(world, world.cfg.targets.cert_expired.clone(), now.as_second() - 2 * DAY);
        }
        Scenario::ErrorBurst => rollouts::start_error_burst(world),
        Scenario::ConfigCrash => rollouts::start_config_crash(world),
        Scenario::NodePressure => {
            if world.cfg.targets.pressure_node.is_none() {
                world.cfg.targets.pressure_node = pick::pressure_node(&world.store);
            }
        }
        Scenario::PvcPending => storage::start_pvc_pending(world),
        Scenario::CertRenewalFailing => cert_renewal::start_cert_renewal_failing(world),
        Scenario::PolicyBlocksTraffic => policy_block::start_policy_blocks_traffic(world),
        Scenario::HttpRouteBackendMissing => route_backend::start(world),
        Scenario::MeshProxyNotReady => mesh::start_mesh_proxy_not_ready(world),
        Scenario::MeshSuccessDrop => mesh::start_mesh_success_drop(world),
        Scenario::Steady | Scenario::ZoneOutage | Scenario::TrafficSpike => {}
    }
}

/// Scenario steps that fall due later (the restart after a config edit).
pub fn step(world: &mut World) {
    rollouts::step(world);
}

/// "namespace/name" split in two.
pub(crate) fn split_target(target: Option<&str>) -> Option<(String, String)> {
    target.and_then(|t| t.split_once('/')).map(|(a, b)| (a.to_string(), b.to_string()))
}

/// The image a bad release ships: same repository, next minor version.
pub fn bad_image(image: &str) -> String {
    match image.rsplit_once(':') {
        Some((repo, _)) => format!("{repo}:9.9.0-rc.1"),
        None => format!("{image}:9.9.0-rc.1"),
    }
}

fn start_bad_rollout(world: &mut World) {
    let Some((ns, name)) = split_target(world.cfg.targets.bad_rollout.as_deref()) else {
        tracing::warn!("bad-rollout: no target deployment in this topology");
        return;
    };
    let mut broken = None;
    let result = typed::modify::<Deployment>(&world.store, Some(&ns), &name, |d| {
        if let Some(c) =
            d.spec.as_mut().and_then(|s| s.template.spec.as_mut()).and_then(|s| s.containers.first_mut())
        {
            let image = bad_image(c.image.as_deref().unwrap_or_default());
            c.image = Some(image.clone());
            broken = Some(image);
        }
        d.metadata
            .annotations
            .get_or_insert_default()
            .insert("kubernetes.io/change-cause".into(), "release 9.9.0-rc.1".into());
    });
    match (result, broken) {
        (Ok(_), Some(image)) => {
            world.cfg.faults.insert(image, Fault::CrashLoop);
        }
        (Err(err), _) => tracing::warn!(%err, "bad-rollout: target deployment not updated"),
        _ => {}
    }
}

fn renew_cert(world: &mut World, target: Option<String>, not_after_unix: i64) {
    let Some((ns, secret)) = target.as_deref().and_then(|t| t.split_once('/')) else { return };
    let hosts = {
        let telemetry = world.telemetry.lock().unwrap_or_else(|e| e.into_inner());
        telemetry.certs.iter().find(|c| c.namespace == ns && c.secret == secret).map(|c| c.hosts.clone())
    };
    let Some(hosts) = hosts else { return };
    // the certificates controller makes the Certificate follow
    world.issue_certificate(ns, secret, &hosts, not_after_unix);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ALL {
            assert_eq!(s.name().parse::<Scenario>(), Ok(s));
        }
        assert!("meteor-strike".parse::<Scenario>().is_err());
    }

    #[test]
    fn bad_image_keeps_the_repository() {
        assert_eq!(bad_image("airhart.azurecr.io/aodb-api:1.5.2"), "airhart.azurecr.io/aodb-api:9.9.0-rc.1");
    }
}
