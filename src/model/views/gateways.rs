//! Gateway API: Gateways (listeners, addresses, Accepted/Programmed) and HTTPRoutes (hostnames
//! -> rules -> backendRefs -> Services -> ready endpoints per zone), with the controller's own
//! status conditions beside kdeck's check of the backends: a route the controller rejects, or
//! whose backend Service is gone, serves errors however healthy the pods are.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use super::backends::{Backends, PortRef, RouteVerdict};
use super::common::{ReadyTotal, Severity};
use super::problems::{Finding, ProblemCategory, finding};
use crate::k8s::gateway_api::{Condition, Gateway, HttpRoute, ParentRef, condition};
use crate::k8s::{Kind, SourceState};
use crate::model::{ClusterState, Scope};
use crate::sanitize::line_owned;

#[derive(Debug, Clone, Default, Serialize)]
pub struct GatewaysView {
    /// Trouble first, then by namespace and name.
    pub gateways: Vec<GatewayRow>,
    /// Trouble first, then by namespace and name.
    pub routes: Vec<HttpRouteRow>,
    /// "Gateway API not installed" (its API is not served), "forbidden".
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayRow {
    pub namespace: String,
    pub name: String,
    pub class: String,
    pub addresses: Vec<String>,
    pub listeners: Vec<ListenerRow>,
    /// The Programmed condition (None: not reported yet).
    pub programmed: Option<bool>,
    pub attached_routes: i32,
    pub severity: Severity,
    /// Why the severity, in words ("" when fine).
    pub verdict: String,
    /// The condition message behind the verdict.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListenerRow {
    pub name: String,
    pub protocol: String,
    pub port: i32,
    pub hostname: Option<String>,
    pub attached_routes: i32,
    /// The first listener condition that is not True: "ResolvedRefs: InvalidCertificateRef".
    pub problem: Option<String>,
}

/// Ordered worst first: the first flag's reason is the one shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteFlag {
    /// No controller has accepted the route (a parent says Accepted=False).
    NotAccepted,
    /// The controller cannot resolve a backendRef (ResolvedRefs=False).
    RefsUnresolved,
    /// The parent Gateway does not exist.
    GatewayMissing,
    /// The parent Gateway exists but is not programmed: nothing serves its listeners.
    GatewayNotProgrammed,
    ServiceMissing,
    PortNotFound,
    NoReadyEndpoints,
    /// No controller has written status yet.
    NoStatus,
}

impl RouteFlag {
    pub fn word(self) -> &'static str {
        match self {
            RouteFlag::NotAccepted => "not-accepted",
            RouteFlag::RefsUnresolved => "refs-unresolved",
            RouteFlag::GatewayMissing => "gateway-missing",
            RouteFlag::GatewayNotProgrammed => "gateway-not-programmed",
            RouteFlag::ServiceMissing => "svc-missing",
            RouteFlag::PortNotFound => "port-missing",
            RouteFlag::NoReadyEndpoints => "no-endpoints",
            RouteFlag::NoStatus => "no-status",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendRow {
    /// The rule's first path match ("/" when it has none).
    pub path: String,
    /// "name", or "namespace/name" when in another namespace.
    pub service: String,
    pub port: String,
    pub weight: Option<i32>,
    pub endpoints: ReadyTotal,
    pub endpoints_by_zone: BTreeMap<String, ReadyTotal>,
    pub verdict: RouteVerdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpRouteRow {
    pub namespace: String,
    pub name: String,
    pub hostnames: Vec<String>,
    /// "namespace/gateway[/section]" per parentRef.
    pub parents: Vec<String>,
    pub backends: Vec<BackendRow>,
    /// Ready/total endpoints over every backend.
    pub endpoints: ReadyTotal,
    pub flags: Vec<RouteFlag>,
    pub severity: Severity,
    /// The condition message or kdeck's finding behind the worst flag.
    pub reason: Option<String>,
    /// The latest write to the route (manager's time), for "what changed".
    pub last_write: Option<Timestamp>,
}

pub fn project(cluster: &ClusterState, scope: &Scope) -> GatewaysView {
    let unavailable = match cluster.source_state(Kind::HttpRoute) {
        SourceState::Unavailable { .. } => Some("Gateway API not installed".to_owned()),
        SourceState::Forbidden { .. } => Some("forbidden".to_owned()),
        _ => None,
    };
    let stores = cluster.stores();
    let all_gateways = stores.gateways.state();
    let mut gateways: Vec<GatewayRow> = all_gateways
        .iter()
        .filter(|g| scope.includes(g.metadata.namespace.as_deref()))
        .map(|g| gateway_row(g))
        .collect();
    gateways.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    let programmed: BTreeMap<(String, String), Option<bool>> = all_gateways
        .iter()
        .map(|g| {
            let key = (
                g.metadata.namespace.clone().unwrap_or_default(),
                g.metadata.name.clone().unwrap_or_default(),
            );
            (key, gateway_condition(g, "Programmed").map(|c| c.status == "True"))
        })
        .collect();
    let all_routes = stores.http_routes.state();
    // A cluster without routes (most, or without Gateway API) indexes no Service for them.
    if all_routes.is_empty() {
        return GatewaysView { gateways, routes: Vec::new(), unavailable };
    }
    let backends = Backends::new(cluster);
    let mut routes: Vec<HttpRouteRow> = all_routes
        .iter()
        .filter(|r| scope.includes(r.metadata.namespace.as_deref()))
        .map(|r| route_row(r, &backends, &programmed))
        .collect();
    routes.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    GatewaysView { gateways, routes, unavailable }
}

fn gateway_condition<'a>(gateway: &'a Gateway, type_: &str) -> Option<&'a Condition> {
    condition(&gateway.status.as_ref()?.conditions, type_)
}

/// "Type: Reason" of the first condition of `types` that is not True.
fn first_false<'a>(conditions: &'a [Condition], types: &[&str]) -> Option<&'a Condition> {
    types.iter().find_map(|t| condition(conditions, t).filter(|c| c.status != "True"))
}

fn said(c: &Condition) -> String {
    let reason = c.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    line_owned(format!("{}{reason}", c.type_))
}

fn gateway_row(gateway: &Gateway) -> GatewayRow {
    let status = gateway.status.as_ref();
    let conditions = status.map(|s| s.conditions.as_slice()).unwrap_or_default();
    let listener_status = |name: &str| status.and_then(|s| s.listeners.iter().find(|l| l.name == name));
    let listeners: Vec<ListenerRow> = gateway
        .spec
        .listeners
        .iter()
        .map(|l| {
            let st = listener_status(&l.name);
            let problem = st
                .and_then(|s| first_false(&s.conditions, &["Accepted", "ResolvedRefs", "Programmed"]))
                .map(said);
            ListenerRow {
                name: line_owned(l.name.clone()),
                protocol: line_owned(l.protocol.clone()),
                port: l.port,
                hostname: l.hostname.clone().map(line_owned),
                attached_routes: st.map_or(0, |s| s.attached_routes),
                problem,
            }
        })
        .collect();
    let programmed = condition(conditions, "Programmed").map(|c| c.status == "True");
    let bad = first_false(conditions, &["Accepted", "Programmed"]);
    let bad_listener = listeners.iter().find(|l| l.problem.is_some());
    let (severity, verdict, reason) = match (bad, bad_listener) {
        (Some(c), _) => (
            Severity::Error,
            format!("not {}", c.type_.to_lowercase()),
            Some(line_owned(format!(
                "{}{}",
                said(c),
                c.message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
            ))),
        ),
        (None, Some(l)) => (Severity::Error, format!("listener {} failing", l.name), l.problem.clone()),
        (None, None) if status.is_none() || programmed.is_none() => {
            (Severity::Info, "not programmed yet".to_owned(), None)
        }
        _ => (Severity::Ok, String::new(), None),
    };
    GatewayRow {
        namespace: gateway.metadata.namespace.clone().unwrap_or_default(),
        name: gateway.metadata.name.clone().unwrap_or_default(),
        class: line_owned(gateway.spec.gateway_class_name.clone()),
        addresses: status
            .map(|s| s.addresses.iter().map(|a| line_owned(a.value.clone())).collect())
            .unwrap_or_default(),
        attached_routes: listeners.iter().map(|l| l.attached_routes).sum(),
        listeners,
        programmed,
        severity,
        verdict,
        reason,
    }
}

fn parent_key(route_ns: &str, parent: &ParentRef) -> (String, String) {
    (parent.namespace.clone().unwrap_or_else(|| route_ns.to_owned()), parent.name.clone())
}

fn route_row(
    route: &HttpRoute,
    backends: &Backends,
    programmed: &BTreeMap<(String, String), Option<bool>>,
) -> HttpRouteRow {
    let ns = route.metadata.namespace.clone().unwrap_or_default();
    let mut flags = BTreeSet::new();
    let mut reasons: Vec<(RouteFlag, String)> = Vec::new();
    let parents: Vec<String> = route
        .spec
        .parent_refs
        .iter()
        .filter(|p| p.kind.as_deref().is_none_or(|k| k == "Gateway"))
        .map(|p| {
            let (gw_ns, gw) = parent_key(&ns, p);
            match programmed.get(&(gw_ns.clone(), gw.clone())) {
                None => {
                    flags.insert(RouteFlag::GatewayMissing);
                    reasons.push((RouteFlag::GatewayMissing, format!("Gateway {gw_ns}/{gw} not found")));
                }
                Some(Some(false)) => {
                    flags.insert(RouteFlag::GatewayNotProgrammed);
                    reasons.push((
                        RouteFlag::GatewayNotProgrammed,
                        format!("Gateway {gw_ns}/{gw} not programmed"),
                    ));
                }
                Some(_) => {}
            }
            let section = p.section_name.as_deref().map(|s| format!("/{s}")).unwrap_or_default();
            line_owned(format!("{gw_ns}/{gw}{section}"))
        })
        .collect();
    let statuses = route.status.as_ref().map(|s| s.parents.as_slice()).unwrap_or_default();
    if statuses.is_empty() {
        flags.insert(RouteFlag::NoStatus);
    }
    for parent in statuses {
        for (type_, flag) in
            [("Accepted", RouteFlag::NotAccepted), ("ResolvedRefs", RouteFlag::RefsUnresolved)]
        {
            if let Some(c) = condition(&parent.conditions, type_).filter(|c| c.status == "False") {
                flags.insert(flag);
                let message = c.message.as_deref().filter(|m| !m.is_empty()).map(|m| format!(" ({m})"));
                reasons.push((flag, line_owned(format!("{}{}", said(c), message.unwrap_or_default()))));
            }
        }
    }
    let mut rows = Vec::new();
    let mut endpoints = ReadyTotal::default();
    for rule in &route.spec.rules {
        let path = rule
            .matches
            .iter()
            .find_map(|m| m.path.as_ref()?.value.clone())
            .unwrap_or_else(|| "/".to_owned());
        for backend in &rule.backend_refs {
            let service_kind = backend.kind.as_deref().is_none_or(|k| k == "Service");
            let backend_ns = backend.namespace.clone().unwrap_or_else(|| ns.clone());
            let service = if backend_ns == ns {
                backend.name.clone()
            } else {
                format!("{backend_ns}/{}", backend.name)
            };
            let mut row = BackendRow {
                path: line_owned(path.clone()),
                service: line_owned(service),
                port: backend.port.map(|p| p.to_string()).unwrap_or_default(),
                weight: backend.weight,
                endpoints: ReadyTotal::default(),
                endpoints_by_zone: BTreeMap::new(),
                verdict: RouteVerdict::NotCounted,
            };
            if service_kind {
                let port = backend.port.map_or(PortRef::Unset, PortRef::Number);
                let resolved = backends.resolve(&backend_ns, &backend.name, port);
                row.verdict = resolved.verdict;
                row.endpoints = resolved.endpoints;
                row.endpoints_by_zone = resolved.endpoints_by_zone;
            }
            // A backend weighted 0 takes no traffic: what it lacks harms nobody.
            if backend.weight != Some(0) {
                let flag = match row.verdict {
                    RouteVerdict::ServiceMissing => Some(RouteFlag::ServiceMissing),
                    RouteVerdict::PortNotFound => Some(RouteFlag::PortNotFound),
                    RouteVerdict::NoReadyEndpoints => Some(RouteFlag::NoReadyEndpoints),
                    RouteVerdict::Ok | RouteVerdict::NotCounted => None,
                };
                if let Some(flag) = flag {
                    flags.insert(flag);
                    reasons.push((flag, format!("backend {} {}", row.service, flag.word())));
                }
            }
            endpoints.add(row.endpoints);
            rows.push(row);
        }
    }
    let flags: Vec<RouteFlag> = flags.into_iter().collect();
    let severity = match flags.as_slice() {
        [] => Severity::Ok,
        [RouteFlag::NoStatus] => Severity::Info,
        _ => Severity::Error,
    };
    // The worst flag's reason first: the controller's words outrank kdeck's own join.
    reasons.sort_by_key(|(flag, _)| *flag);
    HttpRouteRow {
        namespace: ns,
        name: route.metadata.name.clone().unwrap_or_default(),
        hostnames: route.spec.hostnames.iter().cloned().map(line_owned).collect(),
        parents,
        backends: rows,
        endpoints,
        flags,
        severity,
        reason: reasons.into_iter().next().map(|(_, r)| r),
        last_write: latest_write(route),
    }
}

fn latest_write(route: &HttpRoute) -> Option<Timestamp> {
    route.metadata.managed_fields.iter().flatten().filter_map(|f| f.time.as_ref().map(|t| t.0)).max()
}

/// The findings: a Gateway not accepted or programmed, or with a failing listener; a route
/// rejected, unresolved, or whose backends cannot serve.
pub fn findings(view: &GatewaysView) -> Vec<Finding> {
    let gateways = view.gateways.iter().filter(|g| g.severity >= Severity::Warning).map(|g| {
        let mut message = g.verdict.clone();
        if let Some(reason) = &g.reason {
            message.push_str(&format!(" ({reason})"));
        }
        finding(g.severity, ProblemCategory::Ingress, "Gateway", Some(&g.namespace), &g.name, message)
    });
    let routes = view.routes.iter().filter(|r| r.severity >= Severity::Warning).map(|r| {
        let words: Vec<&str> = r.flags.iter().map(|f| f.word()).collect();
        let mut message = words.join(" ");
        if !r.hostnames.is_empty() {
            message.push_str(&format!(" for {}", r.hostnames.join(", ")));
        }
        if let Some(reason) = &r.reason {
            message.push_str(&format!(": {reason}"));
        }
        finding(r.severity, ProblemCategory::Ingress, "HTTPRoute", Some(&r.namespace), &r.name, message)
    });
    gateways.chain(routes).collect()
}

#[cfg(test)]
#[path = "gateways_tests.rs"]
mod tests;
