//! A k8s-openapi `Pod` as k8s-pb's protobuf `Pod`, and the bytes the API server would send.
//!
//! k8s-pb has no serde, so the protobuf bytes of a pod are made from its decoded JSON, struct
//! by struct. Every field of each source struct is named in a pattern (the compiler checks that
//! none is forgotten); the ones carried are converted, the others must be absent from the pod or
//! the conversion panics. So no field is dropped silently: the protobuf pod is the JSON pod.
//!
//! prost writes only the fields that are set. Go's generated marshaller also writes zero
//! values of non-pointer fields (an empty `hostIP`, `initialDelaySeconds: 0`, a condition's
//! zero `lastProbeTime`), 2-6 B each: the API server's protobuf pod is a little larger.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as oa;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as OaQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as oa_meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString as OaIntOrString;
use k8s_pb::api::core::v1 as pb;
use k8s_pb::apimachinery::pkg::api::resource::Quantity as PbQuantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;
use k8s_pb::apimachinery::pkg::runtime as pb_runtime;
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString as PbIntOrString;
use prost::Message;

/// One value converted into its protobuf counterpart.
pub trait To<T> {
    fn to(self) -> T;
}

macro_rules! scalars {
    ($($t:ty),*) => {$(
        impl To<$t> for $t {
            fn to(self) -> $t {
                self
            }
        }
        impl To<Option<$t>> for $t {
            fn to(self) -> Option<$t> {
                Some(self)
            }
        }
    )*};
}
scalars!(String, bool, i32, i64);

impl<A: To<B>, B> To<Option<B>> for Option<A> {
    fn to(self) -> Option<B> {
        self.map(To::to)
    }
}

impl<A: To<B>, B> To<Vec<B>> for Vec<A> {
    fn to(self) -> Vec<B> {
        self.into_iter().map(To::to).collect()
    }
}

impl<A: To<B>, B> To<Vec<B>> for Option<Vec<A>> {
    fn to(self) -> Vec<B> {
        self.map(To::to).unwrap_or_default()
    }
}

impl<A: To<B>, B> To<BTreeMap<String, B>> for Option<BTreeMap<String, A>> {
    fn to(self) -> BTreeMap<String, B> {
        self.unwrap_or_default().into_iter().map(|(k, v)| (k, v.to())).collect()
    }
}

impl To<PbQuantity> for OaQuantity {
    fn to(self) -> PbQuantity {
        PbQuantity { string: Some(self.0) }
    }
}

impl To<Option<PbQuantity>> for OaQuantity {
    fn to(self) -> Option<PbQuantity> {
        Some(self.to())
    }
}

impl To<pb_meta::Time> for oa_meta::Time {
    fn to(self) -> pb_meta::Time {
        // Go writes both fields of its Timestamp, nanos 0 included.
        pb_meta::Time { seconds: Some(self.0.as_second()), nanos: Some(self.0.subsec_nanosecond()) }
    }
}

impl To<Option<pb_meta::Time>> for oa_meta::Time {
    fn to(self) -> Option<pb_meta::Time> {
        Some(self.to())
    }
}

impl To<Option<PbIntOrString>> for OaIntOrString {
    fn to(self) -> Option<PbIntOrString> {
        Some(match self {
            OaIntOrString::Int(i) => PbIntOrString { r#type: Some(0), int_val: Some(i), str_val: None },
            OaIntOrString::String(s) => PbIntOrString { r#type: Some(1), int_val: None, str_val: Some(s) },
        })
    }
}

impl To<pb_meta::FieldsV1> for oa_meta::FieldsV1 {
    fn to(self) -> pb_meta::FieldsV1 {
        // The API server keeps fieldsV1 as raw JSON bytes in either encoding.
        pb_meta::FieldsV1 { raw: Some(serde_json::to_vec(&self.0).unwrap()) }
    }
}

/// A field this converter does not carry: it must be absent from the pods it converts.
fn absent<T>(owner: &str, field: &str, value: &Option<T>) {
    assert!(value.is_none(), "pod_pb: {owner}.{field} is set but not converted; add it to the converter");
}

/// `impl To<Dst> for Src` (and `To<Option<Dst>>`): `same` fields convert by name, `absent`
/// ones must be unset, `with` ones are bound for `body`, which sets the remaining target fields.
macro_rules! convert {
    ($Src:path => $Dst:path {
        same { $($same:ident),* $(,)? }
        absent { $($none:ident),* $(,)? }
        with { $($with:ident),* $(,)? } => { $($body:tt)* }
    }) => {
        impl To<$Dst> for $Src {
            #[allow(clippy::needless_update)]
            fn to(self) -> $Dst {
                let $Src { $($same,)* $($none,)* $($with,)* } = self;
                $(absent(stringify!($Src), stringify!($none), &$none);)*
                $Dst { $($same: To::to($same),)* $($body)* ..Default::default() }
            }
        }
        impl To<Option<$Dst>> for $Src {
            fn to(self) -> Option<$Dst> {
                Some(To::<$Dst>::to(self))
            }
        }
    };
}

convert!(oa::Pod => pb::Pod {
    same { metadata, spec, status }
    absent {}
    with {} => {}
});

convert!(oa_meta::ObjectMeta => pb_meta::ObjectMeta {
    same {
        annotations, creation_timestamp, deletion_grace_period_seconds, deletion_timestamp, finalizers,
        generate_name, generation, labels, managed_fields, name, namespace, owner_references,
        resource_version, self_link, uid,
    }
    absent {}
    with {} => {}
});

convert!(oa_meta::OwnerReference => pb_meta::OwnerReference {
    same { api_version, block_owner_deletion, controller, kind, name, uid }
    absent {}
    with {} => {}
});

convert!(oa_meta::ManagedFieldsEntry => pb_meta::ManagedFieldsEntry {
    same { api_version, fields_type, fields_v1, manager, operation, subresource, time }
    absent {}
    with {} => {}
});

convert!(oa_meta::LabelSelector => pb_meta::LabelSelector {
    same { match_expressions, match_labels }
    absent {}
    with {} => {}
});

convert!(oa_meta::LabelSelectorRequirement => pb_meta::LabelSelectorRequirement {
    same { key, operator, values }
    absent {}
    with {} => {}
});

convert!(oa::PodSpec => pb::PodSpec {
    same {
        active_deadline_seconds, affinity, automount_service_account_token, containers, dns_policy,
        enable_service_links, host_ipc, host_network, host_pid, host_users, hostname, image_pull_secrets,
        init_containers, node_name, node_selector, overhead, preemption_policy, priority,
        priority_class_name, resources, restart_policy, runtime_class_name, scheduler_name,
        security_context, service_account, service_account_name, set_hostname_as_fqdn,
        share_process_namespace, subdomain, termination_grace_period_seconds, tolerations,
        topology_spread_constraints, volumes,
    }
    absent {
        dns_config, ephemeral_containers, host_aliases, os, readiness_gates, resource_claims,
        scheduling_gates,
    }
    with {} => {}
});

convert!(oa::Container => pb::Container {
    same {
        args, command, env, image, image_pull_policy, liveness_probe, name, ports, readiness_probe,
        resources, restart_policy, security_context, startup_probe, stdin, stdin_once,
        termination_message_path, termination_message_policy, tty, volume_mounts, working_dir,
    }
    absent { env_from, lifecycle, resize_policy, volume_devices }
    with {} => {}
});

convert!(oa::ContainerPort => pb::ContainerPort {
    same { container_port, host_ip, host_port, name, protocol }
    absent {}
    with {} => {}
});

convert!(oa::EnvVar => pb::EnvVar {
    same { name, value, value_from }
    absent {}
    with {} => {}
});

convert!(oa::EnvVarSource => pb::EnvVarSource {
    same { config_map_key_ref, field_ref, resource_field_ref, secret_key_ref }
    absent {}
    with {} => {}
});

convert!(oa::ObjectFieldSelector => pb::ObjectFieldSelector {
    same { api_version, field_path }
    absent {}
    with {} => {}
});

convert!(oa::SecretKeySelector => pb::SecretKeySelector {
    same { key, optional }
    absent {}
    with { name } => { local_object_reference: Some(pb::LocalObjectReference { name: Some(name) }), }
});

convert!(oa::ConfigMapKeySelector => pb::ConfigMapKeySelector {
    same { key, optional }
    absent {}
    with { name } => { local_object_reference: Some(pb::LocalObjectReference { name: Some(name) }), }
});

convert!(oa::ResourceFieldSelector => pb::ResourceFieldSelector {
    same { container_name, divisor, resource }
    absent {}
    with {} => {}
});

convert!(oa::LocalObjectReference => pb::LocalObjectReference {
    same { name }
    absent {}
    with {} => {}
});

convert!(oa::ResourceRequirements => pb::ResourceRequirements {
    same { limits, requests }
    absent { claims }
    with {} => {}
});

convert!(oa::Probe => pb::Probe {
    same {
        failure_threshold, initial_delay_seconds, period_seconds, success_threshold,
        termination_grace_period_seconds, timeout_seconds,
    }
    absent { grpc }
    with { exec, http_get, tcp_socket } => {
        handler: Some(pb::ProbeHandler {
            exec: exec.to(),
            http_get: http_get.to(),
            tcp_socket: tcp_socket.to(),
            grpc: None,
        }),
    }
});

convert!(oa::HTTPGetAction => pb::HttpGetAction {
    same { host, path, port, scheme }
    absent { http_headers }
    with {} => {}
});

convert!(oa::TCPSocketAction => pb::TcpSocketAction {
    same { host, port }
    absent {}
    with {} => {}
});

convert!(oa::ExecAction => pb::ExecAction {
    same { command }
    absent {}
    with {} => {}
});

convert!(oa::SecurityContext => pb::SecurityContext {
    same {
        allow_privilege_escalation, capabilities, privileged, proc_mount, read_only_root_filesystem,
        run_as_group, run_as_non_root, run_as_user, seccomp_profile,
    }
    absent { app_armor_profile, se_linux_options, windows_options }
    with {} => {}
});

convert!(oa::Capabilities => pb::Capabilities {
    same { add, drop }
    absent {}
    with {} => {}
});

convert!(oa::PodSecurityContext => pb::PodSecurityContext {
    same {
        fs_group, fs_group_change_policy, run_as_group, run_as_non_root, run_as_user, seccomp_profile,
        supplemental_groups, supplemental_groups_policy, se_linux_change_policy,
    }
    absent { app_armor_profile, se_linux_options, sysctls, windows_options }
    with {} => {}
});

convert!(oa::SeccompProfile => pb::SeccompProfile {
    same { localhost_profile }
    absent {}
    with { type_ } => { r#type: Some(type_), }
});

convert!(oa::VolumeMount => pb::VolumeMount {
    same { mount_path, mount_propagation, name, read_only, recursive_read_only, sub_path, sub_path_expr }
    absent {}
    with {} => {}
});

convert!(oa::Volume => pb::Volume {
    same { name }
    absent {
        aws_elastic_block_store, azure_disk, azure_file, cephfs, cinder, csi, ephemeral, fc,
        flex_volume, flocker, gce_persistent_disk, git_repo, glusterfs, image, iscsi, nfs,
        photon_persistent_disk, portworx_volume, quobyte, rbd, scale_io, storageos, vsphere_volume,
    }
    with { config_map, downward_api, empty_dir, host_path, persistent_volume_claim, projected, secret } => {
        volume_source: Some(pb::VolumeSource {
            config_map: config_map.to(),
            downward_api: downward_api.to(),
            empty_dir: empty_dir.to(),
            host_path: host_path.to(),
            persistent_volume_claim: persistent_volume_claim.to(),
            projected: projected.to(),
            secret: secret.to(),
            ..Default::default()
        }),
    }
});

convert!(oa::HostPathVolumeSource => pb::HostPathVolumeSource {
    same { path }
    absent {}
    with { type_ } => { r#type: type_, }
});

convert!(oa::PersistentVolumeClaimVolumeSource => pb::PersistentVolumeClaimVolumeSource {
    same { claim_name, read_only }
    absent {}
    with {} => {}
});

convert!(oa::ProjectedVolumeSource => pb::ProjectedVolumeSource {
    same { default_mode, sources }
    absent {}
    with {} => {}
});

convert!(oa::VolumeProjection => pb::VolumeProjection {
    same { config_map, downward_api, secret, service_account_token }
    absent { cluster_trust_bundle }
    with {} => {}
});

convert!(oa::ServiceAccountTokenProjection => pb::ServiceAccountTokenProjection {
    same { audience, expiration_seconds, path }
    absent {}
    with {} => {}
});

convert!(oa::ConfigMapProjection => pb::ConfigMapProjection {
    same { items, optional }
    absent {}
    with { name } => { local_object_reference: Some(pb::LocalObjectReference { name: Some(name) }), }
});

convert!(oa::SecretProjection => pb::SecretProjection {
    same { items, optional }
    absent {}
    with { name } => { local_object_reference: Some(pb::LocalObjectReference { name: Some(name) }), }
});

convert!(oa::DownwardAPIProjection => pb::DownwardAPIProjection {
    same { items }
    absent {}
    with {} => {}
});

convert!(oa::DownwardAPIVolumeSource => pb::DownwardAPIVolumeSource {
    same { default_mode, items }
    absent {}
    with {} => {}
});

convert!(oa::DownwardAPIVolumeFile => pb::DownwardAPIVolumeFile {
    same { field_ref, mode, path, resource_field_ref }
    absent {}
    with {} => {}
});

convert!(oa::KeyToPath => pb::KeyToPath {
    same { key, mode, path }
    absent {}
    with {} => {}
});

convert!(oa::ConfigMapVolumeSource => pb::ConfigMapVolumeSource {
    same { default_mode, items, optional }
    absent {}
    with { name } => { local_object_reference: Some(pb::LocalObjectReference { name: Some(name) }), }
});

convert!(oa::SecretVolumeSource => pb::SecretVolumeSource {
    same { default_mode, items, optional, secret_name }
    absent {}
    with {} => {}
});

convert!(oa::EmptyDirVolumeSource => pb::EmptyDirVolumeSource {
    same { medium, size_limit }
    absent {}
    with {} => {}
});

convert!(oa::Toleration => pb::Toleration {
    same { effect, key, operator, toleration_seconds, value }
    absent {}
    with {} => {}
});

convert!(oa::Affinity => pb::Affinity {
    same { pod_anti_affinity }
    absent { node_affinity, pod_affinity }
    with {} => {}
});

convert!(oa::PodAntiAffinity => pb::PodAntiAffinity {
    same {
        preferred_during_scheduling_ignored_during_execution,
        required_during_scheduling_ignored_during_execution,
    }
    absent {}
    with {} => {}
});

convert!(oa::WeightedPodAffinityTerm => pb::WeightedPodAffinityTerm {
    same { pod_affinity_term, weight }
    absent {}
    with {} => {}
});

convert!(oa::PodAffinityTerm => pb::PodAffinityTerm {
    same { label_selector, match_label_keys, mismatch_label_keys, namespace_selector, namespaces, topology_key }
    absent {}
    with {} => {}
});

convert!(oa::TopologySpreadConstraint => pb::TopologySpreadConstraint {
    same {
        label_selector, match_label_keys, max_skew, min_domains, node_affinity_policy,
        node_taints_policy, topology_key, when_unsatisfiable,
    }
    absent {}
    with {} => {}
});

convert!(oa::PodStatus => pb::PodStatus {
    same {
        conditions, container_statuses, ephemeral_container_statuses, host_ip, host_ips,
        init_container_statuses, message, nominated_node_name, observed_generation, phase, pod_ip,
        pod_ips, qos_class, reason, resize, start_time,
    }
    absent { resource_claim_statuses }
    with {} => {}
});

convert!(oa::PodCondition => pb::PodCondition {
    same { last_probe_time, last_transition_time, message, observed_generation, reason, status }
    absent {}
    with { type_ } => { r#type: Some(type_), }
});

convert!(oa::HostIP => pb::HostIp {
    same { ip }
    absent {}
    with {} => {}
});

convert!(oa::PodIP => pb::PodIp {
    same { ip }
    absent {}
    with {} => {}
});

convert!(oa::ContainerStatus => pb::ContainerStatus {
    same {
        allocated_resources, container_id, image, image_id, last_state, name, ready, resources,
        restart_count, started, state, stop_signal, volume_mounts,
    }
    absent { allocated_resources_status, user }
    with {} => {}
});

convert!(oa::VolumeMountStatus => pb::VolumeMountStatus {
    same { mount_path, name, read_only, recursive_read_only }
    absent {}
    with {} => {}
});

convert!(oa::ContainerState => pb::ContainerState {
    same { running, terminated, waiting }
    absent {}
    with {} => {}
});

convert!(oa::ContainerStateRunning => pb::ContainerStateRunning {
    same { started_at }
    absent {}
    with {} => {}
});

convert!(oa::ContainerStateTerminated => pb::ContainerStateTerminated {
    same { container_id, exit_code, finished_at, message, reason, signal, started_at }
    absent {}
    with {} => {}
});

convert!(oa::ContainerStateWaiting => pb::ContainerStateWaiting {
    same { message, reason }
    absent {}
    with {} => {}
});

/// The pod JSON as k8s-pb's `Pod`, through k8s-openapi's (panics on a field not carried).
pub fn from_json(json: &[u8]) -> pb::Pod {
    let pod: oa::Pod = serde_json::from_slice(json).expect("pod JSON");
    pod.to()
}

/// The protobuf encoding of a pod: the message itself, as each item of a protobuf PodList holds it.
pub fn encode(pod: &pb::Pod) -> Vec<u8> {
    pod.encode_to_vec()
}

const MAGIC: &[u8] = b"k8s\0";

/// A pod as the API server sends one object in protobuf: "k8s\0", then runtime.Unknown
/// {typeMeta {v1, Pod}, raw: the pod, contentEncoding "", contentType ""} (Go writes the empty
/// strings). This is also the object inside each watch event.
pub fn enveloped(pod_bytes: &[u8]) -> Vec<u8> {
    let unknown = pb_runtime::Unknown {
        type_meta: Some(pb_runtime::TypeMeta { api_version: Some("v1".into()), kind: Some("Pod".into()) }),
        raw: Some(pod_bytes.to_vec()),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut out = MAGIC.to_vec();
    unknown.encode(&mut out).unwrap();
    out
}

/// One frame of a protobuf watch stream (`application/vnd.kubernetes.protobuf;stream=watch`):
/// a 4-byte big-endian length, then a metav1.WatchEvent {type, object: RawExtension {raw:
/// the enveloped pod}}, itself written without magic or envelope.
pub fn watch_frame(event_type: &str, pod_bytes: &[u8]) -> Vec<u8> {
    let event = pb_meta::WatchEvent {
        r#type: Some(event_type.into()),
        object: Some(pb_runtime::RawExtension { raw: Some(enveloped(pod_bytes)) }),
    };
    let body = event.encode_to_vec();
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// Read one watch frame back (length, WatchEvent, magic, Unknown) to the pod's bytes, as a
/// protobuf watch client would before decoding the pod.
pub fn unwrap_watch_frame(frame: &[u8]) -> &[u8] {
    let (len, body) = frame.split_at(4);
    assert_eq!(u32::from_be_bytes(len.try_into().unwrap()) as usize, body.len());
    // WatchEvent field 2 (object) -> RawExtension field 1 (raw) -> magic -> Unknown field 2 (raw)
    let object = field(body, 2);
    let raw = field(object, 1);
    let unknown = raw.strip_prefix(MAGIC).expect("k8s magic");
    field(unknown, 2)
}

/// The first field `number` of a message whose fields are all length-delimited (WatchEvent,
/// RawExtension, Unknown), borrowed.
fn field(message: &[u8], number: u32) -> &[u8] {
    let mut buf = message;
    while !buf.is_empty() {
        let (tag, wire_type) = prost::encoding::decode_key(&mut buf).expect("key");
        assert_eq!(wire_type, prost::encoding::WireType::LengthDelimited);
        let len = prost::encoding::decode_varint(&mut buf).expect("length") as usize;
        let (value, rest) = buf.split_at(len);
        if tag == number {
            return value;
        }
        buf = rest;
    }
    panic!("field {number} not found");
}
