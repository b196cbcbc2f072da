//! Several simulated clusters at once (`kdeck demo --clusters N`, `kdeck sim --clusters N`):
//! each a full sim with its own name, region, zones and topology, modelled on the users'
//! reference architectures, and one kubeconfig holding them all.

use std::net::SocketAddr;
use std::path::Path;

use color_eyre::eyre::eyre;

use crate::handle::{SimHandle, SimUser};
use crate::kubeconfig;
use crate::kubeconfig_keeper;
use crate::launch::{LaunchOptions, Launched, launch};

/// Most clusters a fleet has (one per shape in [`SHAPES`]).
pub const MAX_CLUSTERS: u8 = 5;

/// One cluster of a fleet: its name in the kubeconfig and its topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub name: &'static str,
    pub topology: &'static str,
}

/// The clusters of a fleet of two or more, in order: the first N are launched.
pub const SHAPES: [Shape; MAX_CLUSTERS as usize] = [
    // HarmonyFlow's harmonyflow-production on EKS, zones us-west-2a/b/c
    Shape { name: "eks-us-west-2", topology: "harmonyflow" },
    // AIRHART on AKS, zones westeurope-1/2/3
    Shape { name: "aks-westeurope", topology: "airhart" },
    // AIRHART on premises (Rancher/RKE2), three server rooms of data centre dc1
    Shape { name: "onprem-dc1", topology: "airhart-onprem" },
    // the platform's dev/staging/prod namespaces on EKS, us-east-1a/b/c
    Shape { name: "eks-us-east-1", topology: "platform" },
    // B2Connect on EKS, eu-central-1a/b/c
    Shape { name: "eks-eu-central-1", topology: "b2connect" },
];

/// The launch options of each of `clusters` sims, from `base`.
///
/// One cluster is `base` itself (today's demo cluster, "kdeck-sim", unless `base` says
/// otherwise). Two or more take their names and topologies from [`SHAPES`], seeds `base.seed`,
/// `base.seed + 1`, ...; the first listens on `base.listen`, the others on ephemeral ports of
/// the same address; `base`'s scenario and faults go to the first cluster only (an incident
/// in one cluster of a steady fleet), the others run "steady" with no faults.
pub fn plan(clusters: u8, base: &LaunchOptions) -> Result<Vec<LaunchOptions>, String> {
    if !(1..=MAX_CLUSTERS).contains(&clusters) {
        return Err(format!("a fleet has 1 to {MAX_CLUSTERS} clusters, not {clusters}"));
    }
    if clusters == 1 {
        return Ok(vec![base.clone()]);
    }
    let plans = SHAPES
        .iter()
        .take(usize::from(clusters))
        .enumerate()
        .map(|(i, shape)| {
            let first = i == 0;
            LaunchOptions {
                cluster_name: shape.name.to_string(),
                topology: shape.topology.to_string(),
                listen: if first { base.listen } else { SocketAddr::new(base.listen.ip(), 0) },
                seed: base.seed.wrapping_add(i as u64),
                scenario: if first { base.scenario.clone() } else { "steady".into() },
                faults: if first { base.faults.clone() } else { Vec::new() },
                ..base.clone()
            }
        })
        .collect();
    Ok(plans)
}

/// The running sims of a fleet, in [`plan`] order.
pub struct Fleet {
    pub clusters: Vec<Launched>,
}

/// Launch the `clusters` sims [`plan`] describes, side by side. If one fails, the others
/// are stopped and the error names the failing cluster.
pub async fn launch_fleet(clusters: u8, base: &LaunchOptions) -> Result<Fleet, color_eyre::Report> {
    let plans = plan(clusters, base).map_err(|e| eyre!(e))?;
    let names: Vec<String> = plans.iter().map(|p| p.cluster_name.clone()).collect();
    let results = futures::future::join_all(plans.into_iter().map(launch)).await;
    let mut launched = Vec::new();
    let mut failure = None;
    for (name, result) in names.iter().zip(results) {
        match result {
            Ok(sim) => launched.push(sim),
            Err(err) if failure.is_none() => failure = Some(err.wrap_err(format!("cluster {name}"))),
            Err(err) => tracing::warn!(cluster = %name, %err, "fleet cluster failed too"),
        }
    }
    if let Some(err) = failure {
        Fleet { clusters: launched }.stop().await;
        return Err(err);
    }
    Ok(Fleet { clusters: launched })
}

impl Fleet {
    /// The sims, in order.
    pub fn sims(&self) -> Vec<&SimHandle> {
        self.clusters.iter().map(|c| &c.sim).collect()
    }

    /// Each cluster's admin context, in order (the first is the kubeconfig's current one).
    pub fn admin_contexts(&self) -> Vec<String> {
        self.clusters.iter().map(|c| c.sim.context(SimUser::Admin)).collect()
    }

    /// One kubeconfig for every cluster, with the tokens each accepts now.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig_yaml(&self.sims())
    }

    /// Write that kubeconfig to `path` and rewrite it whenever a cluster issues new tokens.
    pub fn keep_kubeconfig_current(&self, path: &Path) -> std::io::Result<()> {
        keep_kubeconfig_current(&self.sims(), path)
    }

    /// Stop every cluster.
    pub async fn stop(self) {
        futures::future::join_all(self.clusters.into_iter().map(Launched::stop)).await;
    }
}

/// One kubeconfig for `sims` (clusters, users and contexts of each; the current context is
/// the first sim's admin context), with the tokens each accepts now. Their names must differ.
pub fn kubeconfig_yaml(sims: &[&SimHandle]) -> String {
    let entries: Vec<kubeconfig::ClusterEntry> = sims.iter().map(|s| s.kubeconfig_entry()).collect();
    kubeconfig::merged_yaml(&entries)
}

/// Write [`kubeconfig_yaml`] to `path` now and again whenever one of `sims` issues new tokens
/// (the `expire-token` fault), until they have all stopped.
pub fn keep_kubeconfig_current(sims: &[&SimHandle], path: &Path) -> std::io::Result<()> {
    kubeconfig_keeper::keep_current(path, sims.iter().map(|s| s.kubeconfig_source()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cluster_is_the_base_unchanged() {
        let base = LaunchOptions { seed: 9, scenario: "zone-outage".into(), ..LaunchOptions::default() };
        let plans = plan(1, &base).unwrap();
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].cluster_name, kubeconfig::CLUSTER_NAME);
        assert_eq!(plans[0].topology, "demo");
        assert_eq!(plans[0].seed, 9);
    }

    #[test]
    fn a_fleet_has_distinct_names_topologies_and_seeds_and_one_incident() {
        let base = LaunchOptions {
            seed: 9,
            scenario: "zone-outage".into(),
            faults: vec!["throttle".into()],
            ..LaunchOptions::default()
        };
        let plans = plan(MAX_CLUSTERS, &base).unwrap();
        let names: Vec<&str> = plans.iter().map(|p| p.cluster_name.as_str()).collect();
        assert_eq!(
            names,
            ["eks-us-west-2", "aks-westeurope", "onprem-dc1", "eks-us-east-1", "eks-eu-central-1"]
        );
        for (i, p) in plans.iter().enumerate() {
            assert_eq!(kubeconfig::check_cluster_name(&p.cluster_name), Ok(()));
            assert_eq!(p.seed, 9 + i as u64);
            let first = i == 0;
            assert_eq!(p.scenario == "zone-outage", first);
            assert_eq!(p.faults.is_empty(), !first);
        }
        let mut topologies: Vec<&str> = plans.iter().map(|p| p.topology.as_str()).collect();
        topologies.sort_unstable();
        topologies.dedup();
        assert_eq!(topologies.len(), plans.len());
    }

    #[test]
    fn zero_or_more_than_five_clusters_is_refused() {
        for clusters in [0, MAX_CLUSTERS + 1] {
            assert!(plan(clusters, &LaunchOptions::default()).unwrap_err().contains("1 to 5"));
        }
    }
}
