use super::*;
use serde_json::json;

fn decode(value: serde_json::Value) -> SlimNode {
    serde_json::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap()
}

/// A node as an EKS cluster lists it (labels, annotations, node info, images, addresses,
/// every kubelet condition and one of node-problem-detector's).
fn eks_node_json() -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "ip-10-0-1-17.ec2.internal", "uid": "n-uid", "resourceVersion": "991",
            "creationTimestamp": "2026-11-01T10:00:00Z",
            "labels": {"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "ip-10-0-1-17",
                "node.kubernetes.io/instance-type": "m5.4xlarge", "topology.kubernetes.io/region": "us-west-2",
                "topology.kubernetes.io/zone": "us-west-2b", "failure-domain.beta.kubernetes.io/zone": "us-west-2b",
                "eks.amazonaws.com/nodegroup": "general"},
            "annotations": {"alpha.kubernetes.io/provided-node-ip": "10.0.1.17",
                "csi.volume.kubernetes.io/nodeid": "{\"ebs.csi.aws.com\":\"i-0abc\"}"}},
        "spec": {"providerID": "aws:///us-west-2b/i-0abc", "podCIDR": "10.244.1.0/24",
            "taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.1.17"}],
            "allocatable": {"cpu": "15890m", "memory": "60Gi", "pods": "234", "ephemeral-storage": "95551679124"},
            "capacity": {"cpu": "16", "memory": "64Gi", "pods": "234"},
            "conditions": [
                {"type": "KernelDeadlock", "status": "False", "reason": "KernelHasNoDeadlock",
                    "lastHeartbeatTime": "2026-12-01T10:00:00Z", "lastTransitionTime": "2026-11-01T10:00:00Z"},
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                    "message": "kubelet has sufficient memory available",
                    "lastHeartbeatTime": "2026-12-01T10:00:00Z", "lastTransitionTime": "2026-11-01T10:00:00Z"},
                {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure",
                    "message": "kubelet has disk pressure",
                    "lastHeartbeatTime": "2026-12-01T10:00:00Z", "lastTransitionTime": "2026-12-01T09:58:00Z"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2026-12-01T10:00:00Z", "lastTransitionTime": "2026-11-01T10:01:00Z"}
            ],
            "nodeInfo": {"kubeletVersion": "v1.33.1-eks-4f4795d", "osImage": "Amazon Linux 2023",
                "containerRuntimeVersion": "containerd://1.7.25", "kernelVersion": "6.1.119",
                "architecture": "amd64", "operatingSystem": "linux", "machineID": "m", "systemUUID": "s",
                "bootID": "b", "kubeProxyVersion": ""},
            "images": [{"names": ["registry/app@sha256:abc", "registry/app:1.2"], "sizeBytes": 123456789}]
        }
    })
}

#[test]
fn a_node_keeps_what_the_views_read() {
    let node = decode(eks_node_json());
    assert_eq!(node.name(), "ip-10-0-1-17.ec2.internal");
    assert_eq!(node.zone.as_deref(), Some("us-west-2b"));
    assert_eq!(node.instance_type.as_deref(), Some("m5.4xlarge"));
    assert_eq!(node.allocatable_cpu_millis, Some(15_890));
    assert_eq!(node.allocatable_memory_bytes, Some(60 << 30));
    assert!(node.is_ready());
    let ready = node.ready_condition().unwrap();
    assert_eq!(ready.reason.as_deref(), Some("KubeletReady"));
    assert_eq!(
        ready.last_transition_time.as_ref().map(|t| t.0.to_string()).as_deref(),
        Some("2026-11-01T10:01:00Z")
    );
    let pressures: Vec<&str> = node.pressures().map(|c| c.type_.as_str()).collect();
    assert_eq!(pressures, ["DiskPressure"], "only the pressure that holds");
}

#[test]
fn a_node_drops_what_nothing_reads() {
    let node = decode(eks_node_json());
    let types: Vec<&str> = node.conditions.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, ["MemoryPressure", "DiskPressure", "Ready"], "node-problem-detector's are not read");
    let meta = &node.metadata;
    assert!(meta.labels.is_none() && meta.annotations.is_none() && meta.uid.is_none());
    assert!(meta.creation_timestamp.is_none());
}

#[test]
fn the_legacy_zone_label_counts_and_an_empty_zone_is_none() {
    let legacy = decode(json!({"metadata": {"name": "old", "labels": {
        "topology.kubernetes.io/zone": "", "failure-domain.beta.kubernetes.io/zone": "eu-west-1a"}}}));
    assert_eq!(legacy.zone.as_deref(), Some("eu-west-1a"));
    let bare = decode(json!({"metadata": {"name": "bare", "labels": {"topology.kubernetes.io/zone": ""}}}));
    assert_eq!(bare.zone, None);
    assert!(!bare.is_ready(), "no Ready condition: not ready");
}

#[test]
fn a_node_without_status_or_with_odd_quantities_decodes() {
    let node = decode(
        json!({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "lots", "memory": null}}}),
    );
    assert_eq!((node.allocatable_cpu_millis, node.allocatable_memory_bytes), (None, None));
    assert!(node.conditions.is_empty());
}

/// What a store holds per node, against the k8s-openapi type: the point of this type.
#[test]
fn the_slim_node_is_a_fraction_of_the_openapi_one() {
    let full = std::mem::size_of::<Node>();
    assert!(std::mem::size_of::<SlimNode>() * 3 < full, "{} vs {full}", std::mem::size_of::<SlimNode>());
}

#[test]
fn the_node_keeps_the_resource_version_the_watcher_resumes_from() {
    use kube::ResourceExt;
    assert_eq!(decode(eks_node_json()).resource_version().as_deref(), Some("991"));
}
