//! EndpointSlice controller: one slice per Service, following its pods (address, ready,
//! node, zone) with ports resolved from the Service's targetPort (numbers or port names).

use k8s_openapi::api::core::v1::{ObjectReference, Pod, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels::matches_map;
use super::naming::random_suffix;
use super::replicasets::controller_ref;
use super::snapshot::{Snapshot, is_ready};
use super::{World, typed};

pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

fn resolve_port(pods: &[&Pod], target: Option<&IntOrString>, port: i32) -> Option<i32> {
    match target {
        None => Some(port),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(name)) => pods.iter().find_map(|p| {
            p.spec
                .as_ref()?
                .containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|cp| cp.name.as_deref() == Some(name))
                .map(|cp| cp.container_port)
        }),
    }
}

/// The slice the controller wants for `svc` (without name/uid).
pub fn desired_slice(svc: &Service, snap: &Snapshot) -> Option<EndpointSlice> {
    let selector = svc.spec.as_ref()?.selector.as_ref().filter(|s| !s.is_empty())?;
    let ns = svc.metadata.namespace.clone().unwrap_or_default();
    let mut pods: Vec<&Pod> = snap
        .pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(&ns))
        .filter(|p| p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some())
        .filter(|p| matches_map(selector, p.metadata.labels.as_ref().unwrap_or(&Default::default())))
        .collect();
    pods.sort_by_key(|p| p.metadata.name.clone());
    let ports = svc.spec.as_ref()?.ports.iter().flatten().map(|sp| EndpointPort {
        name: sp.name.clone().or(Some(String::new())),
        port: resolve_port(&pods, sp.target_port.as_ref(), sp.port),
        protocol: sp.protocol.clone().or(Some("TCP".into())),
        app_protocol: sp.app_protocol.clone(),
    });
    let endpoints = pods.iter().map(|p| {
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
        let ready = is_ready(p);
        Endpoint {
            addresses: vec![p.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_default()],
            conditions: Some(EndpointConditions {
                ready: Some(ready),
                serving: Some(ready),
                terminating: Some(false),
            }),
            zone: node.as_deref().and_then(|n| snap.node_zone(n)),
            node_name: node,
            target_ref: Some(ObjectReference {
                kind: Some("Pod".into()),
                name: p.metadata.name.clone(),
                namespace: p.metadata.namespace.clone(),
                uid: p.metadata.uid.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }
    });
    Some(EndpointSlice {
        metadata: ObjectMeta {
            namespace: Some(ns),
            labels: Some(
                [
                    (SERVICE_NAME_LABEL.to_string(), svc.metadata.name.clone().unwrap_or_default()),
                    (
                        "endpointslice.kubernetes.io/managed-by".to_string(),
                        "endpointslice-controller.k8s.io".to_string(),
                    ),
                ]
                .into(),
            ),
            owner_references: Some(vec![controller_ref(svc)]),
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: endpoints.collect(),
        ports: Some(ports.collect()),
    })
}

impl World {
    pub(super) fn reconcile_endpoints(&mut self, snap: &Snapshot) {
        let existing: Vec<EndpointSlice> = typed::list(&self.store, None);
        for svc in &snap.services {
            let Some(mut want) = desired_slice(svc, snap) else { continue };
            let svc_name = svc.metadata.name.clone().unwrap_or_default();
            let current = existing.iter().find(|s| {
                s.metadata.namespace == svc.metadata.namespace
                    && s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) == Some(&svc_name)
            });
            match current {
                Some(cur) if cur.endpoints == want.endpoints && cur.ports == want.ports => {}
                Some(cur) => {
                    let mut updated = cur.clone();
                    updated.endpoints = want.endpoints;
                    updated.ports = want.ports;
                    if let Err(err) = typed::replace(&self.store, &updated) {
                        tracing::debug!(%err, "endpoint slice update failed");
                    }
                }
                None => {
                    want.metadata.name = Some(format!("{svc_name}-{}", random_suffix(&mut self.rng, 5)));
                    if let Err(err) = typed::create(&self.store, &want) {
                        tracing::debug!(%err, "endpoint slice create failed");
                    }
                }
            }
        }
    }
}
