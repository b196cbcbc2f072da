//! A Service backend as ingresses and HTTPRoutes name it: does the Service exist, does it
//! have the port, and how many endpoints serve that port, ready or not, per zone.

use super::common::{ReadyTotal, UNLABELLED};
use crate::model::ClusterState;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteVerdict {
    Ok,
    NoReadyEndpoints,
    ServiceMissing,
    PortNotFound,
    /// ExternalName service or a resource backend: nothing to count.
    NotCounted,
}

/// How a route names the Service port.
#[derive(Debug, Clone, Copy)]
pub enum PortRef<'a> {
    Name(&'a str),
    Number(i32),
    /// Only valid when the Service has a single port.
    Unset,
}

/// What a backend resolves to.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub verdict: RouteVerdict,
    pub endpoints: ReadyTotal,
    pub endpoints_by_zone: BTreeMap<String, ReadyTotal>,
}

/// The Services and their EndpointSlices, indexed once per projection.
pub struct Backends {
    services: HashMap<(String, String), Arc<Service>>,
    slices: HashMap<(String, String), Vec<Arc<EndpointSlice>>>,
}

impl Backends {
    pub fn new(cluster: &ClusterState) -> Backends {
        let stores = cluster.stores();
        let services = stores
            .services
            .state()
            .into_iter()
            .filter_map(|s| Some(((s.metadata.namespace.clone()?, s.metadata.name.clone()?), s)))
            .collect();
        let mut slices: HashMap<_, Vec<_>> = HashMap::new();
        for slice in stores.endpoint_slices.state() {
            let svc =
                slice.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")).cloned();
            if let (Some(ns), Some(svc)) = (slice.metadata.namespace.clone(), svc) {
                slices.entry((ns, svc)).or_default().push(slice);
            }
        }
        Backends { services, slices }
    }

    /// Resolve `ns/name` at `port`.
    pub fn resolve(&self, ns: &str, name: &str, port: PortRef<'_>) -> Resolved {
        let mut out = Resolved {
            verdict: RouteVerdict::Ok,
            endpoints: ReadyTotal::default(),
            endpoints_by_zone: BTreeMap::new(),
        };
        let Some(service) = self.services.get(&(ns.to_owned(), name.to_owned())) else {
            out.verdict = RouteVerdict::ServiceMissing;
            return out;
        };
        let spec = service.spec.as_ref();
        if spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName") {
            out.verdict = RouteVerdict::NotCounted;
            return out;
        }
        let service_port = spec.and_then(|s| s.ports.as_ref()).and_then(|ports| {
            ports.iter().find(|p| match port {
                PortRef::Name(n) => p.name.as_deref() == Some(n),
                PortRef::Number(n) => p.port == n,
                PortRef::Unset => ports.len() == 1,
            })
        });
        let Some(service_port) = service_port else {
            out.verdict = RouteVerdict::PortNotFound;
            return out;
        };
        let (counts, zones) = self.count(ns, name, service_port.name.as_deref().unwrap_or(""));
        out.endpoints = counts;
        out.endpoints_by_zone = zones;
        if counts.ready == 0 {
            out.verdict = RouteVerdict::NoReadyEndpoints;
        }
        out
    }

    /// Endpoints serving the service port named `port_name` ("" = unnamed), per zone.
    fn count(&self, ns: &str, svc: &str, port_name: &str) -> (ReadyTotal, BTreeMap<String, ReadyTotal>) {
        let mut total = ReadyTotal::default();
        let mut zones: BTreeMap<String, ReadyTotal> = BTreeMap::new();
        let slices = self.slices.get(&(ns.to_owned(), svc.to_owned()));
        for slice in slices.into_iter().flatten() {
            let serves = slice
                .ports
                .as_ref()
                .is_none_or(|ports| ports.iter().any(|p| p.name.as_deref().unwrap_or("") == port_name));
            if !serves {
                continue;
            }
            for ep in &slice.endpoints {
                // ready unset means ready (EndpointSlice API semantics).
                let ready = ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
                let one = ReadyTotal { ready: u32::from(ready), total: 1 };
                total.add(one);
                let zone = ep.zone.clone().unwrap_or_else(|| UNLABELLED.to_owned());
                zones.entry(zone).or_default().add(one);
            }
        }
        (total, zones)
    }
}
