//! Node objects from the cluster spec, with the labels, addresses and nodeInfo a cloud
//! provider's nodes carry.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeAddress, NodeSpec as K8sNodeSpec, NodeStatus, NodeSystemInfo};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::TopologyError;
use super::spec::ClusterSpec;
use crate::load::hash2;
use crate::store::Store;
use crate::world::nodes::healthy_conditions;
use crate::world::typed;

fn ip_from_name(name: &str, seed: u64) -> String {
    // EKS names carry the IP: ip-10-0-11-48.eu-west-1.compute.internal
    if let Some(rest) = name.strip_prefix("ip-") {
        let ip: Vec<&str> = rest.split('.').next().unwrap_or_default().split('-').collect();
        if ip.len() == 4 {
            return ip.join(".");
        }
    }
    let h = hash2(seed, name, 0);
    format!("10.224.{}.{}", (h % 200) + 1, ((h >> 8) % 200) + 4)
}

pub fn build_node(
    spec: &ClusterSpec,
    n: &super::spec::NodeSpec,
    index: usize,
    seed: u64,
    now: jiff::Timestamp,
) -> Node {
    let class = spec.node_classes.get(&n.instance_type).cloned().unwrap_or_default();
    let mut labels: BTreeMap<String, String> = [
        ("kubernetes.io/hostname", n.name.as_str()),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("beta.kubernetes.io/arch", "amd64"),
        ("topology.kubernetes.io/zone", n.zone.as_str()),
        ("topology.kubernetes.io/region", spec.region.as_str()),
        ("node.kubernetes.io/instance-type", n.instance_type.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    labels.extend(n.labels.clone());
    let ip = ip_from_name(&n.name, seed);
    let resources = |cpu: &str, mem: &str, pods: u32| -> BTreeMap<String, Quantity> {
        [
            ("cpu", cpu.to_string()),
            ("memory", mem.to_string()),
            ("pods", pods.to_string()),
            ("ephemeral-storage", "95551679124".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Quantity(v)))
        .collect()
    };
    let (provider_id, os_image, kernel, kubelet) = if spec.provider == "onprem" {
        // RKE2 on VMware VMs, managed by Rancher
        (format!("rke2://{}", n.name), "Ubuntu 22.04.4 LTS", "5.15.0-105-generic", "v1.33.1+rke2r1")
    } else if spec.provider == "azure" {
        (
            format!(
                "azure:///subscriptions/0f3c/resourceGroups/mc_airhart/providers/Microsoft.Compute/virtualMachineScaleSets/{}",
                n.name
            ),
            "Ubuntu 22.04.4 LTS",
            "5.15.0-1064-azure",
            "v1.33.1",
        )
    } else {
        (
            format!("aws:///{}/i-0{:016x}", n.zone, hash2(seed, &n.name, 5)),
            "Amazon Linux 2023.6.20250107",
            "6.1.119-129.201.amzn2023.x86_64",
            "v1.33.1-eks-4f4795d",
        )
    };
    Node {
        metadata: ObjectMeta { name: Some(n.name.clone()), labels: Some(labels), ..Default::default() },
        spec: Some(K8sNodeSpec {
            provider_id: Some(provider_id),
            pod_cidr: Some(format!("10.244.{index}.0/24")),
            pod_cidrs: Some(vec![format!("10.244.{index}.0/24")]),
            taints: (!n.taints.is_empty()).then(|| n.taints.clone()),
            ..Default::default()
        }),
        status: Some(NodeStatus {
            capacity: Some(resources(&class.cpu, &class.memory, class.pods)),
            allocatable: Some(resources(&class.allocatable_cpu, &class.allocatable_memory, class.pods)),
            conditions: Some(healthy_conditions(now, now)),
            addresses: Some(vec![
                NodeAddress { type_: "InternalIP".into(), address: ip },
                NodeAddress { type_: "Hostname".into(), address: n.name.clone() },
            ]),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".into(),
                boot_id: format!("{:016x}", hash2(seed, &n.name, 6)),
                container_runtime_version: "containerd://1.7.25".into(),
                kernel_version: kernel.into(),
                kube_proxy_version: String::new(),
                kubelet_version: kubelet.into(),
                machine_id: format!("ec2{:029x}", hash2(seed, &n.name, 7)),
                operating_system: "linux".into(),
                os_image: os_image.into(),
                system_uuid: format!(
                    "ec2{:05x}-{:04x}-{:04x}",
                    hash2(seed, &n.name, 8) & 0xfffff,
                    index,
                    index * 7
                ),
                swap: None,
            }),
            ..Default::default()
        }),
    }
}

pub fn create_nodes(store: &Store, spec: &ClusterSpec, seed: u64) -> Result<(), TopologyError> {
    let now = store.clock().now();
    for (i, n) in spec.nodes.iter().enumerate() {
        let node = build_node(spec, n, i, seed, now);
        typed::create(store, &node)?;
    }
    Ok(())
}
