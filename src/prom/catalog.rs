//! The query catalog as data: what each query asks, which labels come back, which panel it
//! feeds. Templates use `${window}` (rate window) and `${cadvisor}` (extra cAdvisor matchers,
//! each followed by ", "); the raw fallbacks of promql.md §1.3 so no recording rules are needed.
//! Every selector carries the cluster scope of a global store (scope.rs): `${cluster}` first
//! inside its braces (`cluster="b", `), `${cluster_sel}` after a bare metric name
//! (`{cluster="b"}`); both are empty without a scope, so the query is then unchanged.

use super::endpoint::{PromConfig, TrafficSet};
use super::front_door::{GATEWAY_LABELS, gateway_traffic, route_traffic, traffic};
use super::mesh::{self, Side};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryId {
    NamespaceCpu,
    NamespaceMemory,
    PodCpu,
    PodMemory,
    DeploymentCpu,
    DeploymentMemory,
    HpaCurrentHistory,
    HpaDesiredHistory,
    PodsPerZone,
    IngressRps,
    Ingress5xxRatio,
    IngressP50,
    IngressP95,
    IngressP99,
    /// Gateway API HTTPRoutes, from Envoy Gateway's per-rule upstream clusters.
    RouteRps,
    Route5xxRatio,
    RouteP50,
    RouteP95,
    RouteP99,
    /// A Gateway's listeners as its Envoy proxies count them (every route, and what Envoy
    /// answers itself: a route whose backend is missing gets a 500 without an upstream).
    GatewayRps,
    Gateway5xxRatio,
    /// Service mesh (Linkerd or Istio, whichever the Prometheus has), per workload: what it
    /// serves, what it calls, and who calls whom.
    MeshInRps,
    MeshInSuccess,
    MeshInP99,
    MeshOutRps,
    MeshOutSuccess,
    MeshOutP99,
    MeshEdgeRps,
    MeshEdgeSuccess,
    CertExpiry,
    AlertsFiring,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Namespaces,
    Workloads,
    Autoscalers,
    Zones,
    Ingresses,
    Gateways,
    Mesh,
    Certificates,
    Alerts,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    Instant,
    /// Last hour, step fitted to the sparkline width.
    Range,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogQuery {
    pub id: QueryId,
    pub template: String,
    /// Labels each returned sample carries (what the state keys on).
    pub labels: &'static [&'static str],
    pub panel: Panel,
    pub kind: QueryKind,
}

impl CatalogQuery {
    /// The PromQL with placeholders filled from the config.
    pub fn render(&self, cfg: &PromConfig) -> String {
        let cadvisor = cfg.cadvisor_selector.trim().trim_end_matches(',');
        let cadvisor = if cadvisor.is_empty() { String::new() } else { format!("{cadvisor}, ") };
        let (cluster, cluster_sel) = match &cfg.scope {
            Some(scope) => (format!("{}, ", scope.matcher()), format!("{{{}}}", scope.matcher())),
            None => (String::new(), String::new()),
        };
        let values = [
            ("window", cfg.rate_window.as_str()),
            ("cadvisor", cadvisor.as_str()),
            ("cluster", cluster.as_str()),
            ("cluster_sel", cluster_sel.as_str()),
        ];
        fill(&self.template, &values)
    }
}

/// Replace each `${name}` in one pass: a filled-in value (a cluster name is any text) is never
/// searched for placeholders itself. An unknown `${...}` stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let known = after.find('}').and_then(|end| {
            let value = values.iter().find(|(name, _)| *name == &after[..end])?.1;
            Some((value, end))
        });
        match known {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

const CPU: &str =
    r#"rate(container_cpu_usage_seconds_total{${cluster}${cadvisor}image!="", container!=""}[${window}])"#;
const MEM: &str = r#"container_memory_working_set_bytes{${cluster}${cadvisor}image!="", container!=""}"#;
const PODS_PER_ZONE: &str = r#"sum by (label_topology_kubernetes_io_zone) ((count by (node) (kube_pod_info{${cluster}node!=""})) + on (node) group_left (label_topology_kubernetes_io_zone) (0 * kube_node_labels${cluster_sel}))"#;
/// Deployment join of §1.3 (kube_pod_owner -> ReplicaSet -> Deployment), cluster-wide.
fn deployment_join(inner: &str) -> String {
    format!(
        r#"sum by (namespace, owner_name) ((sum by (namespace, pod) ({inner}) * on (namespace, pod) group_left (replicaset) max by (namespace, pod, replicaset) (label_replace(kube_pod_owner{{${{cluster}}owner_kind="ReplicaSet"}}, "replicaset", "$1", "owner_name", "(.*)"))) * on (namespace, replicaset) group_left (owner_name) max by (namespace, replicaset, owner_name) (kube_replicaset_owner{{${{cluster}}owner_kind="Deployment"}}))"#
    )
}

/// The whole catalog for a traffic set.
pub fn catalog(set: TrafficSet) -> Vec<CatalogQuery> {
    use Panel as P;
    use QueryId as Q;
    use QueryKind::{Instant as I, Range as R};
    let (rps, ratio, quantile) = traffic(set);
    let ing: &[&str] = &["namespace", "exported_namespace", "ingress"];
    let (route_rps, route_ratio, route_quantile) = route_traffic();
    let route: &[&str] = &["namespace", "httproute"];
    let (gateway_rps, gateway_ratio) = gateway_traffic();
    let q = |id, template: String, labels, panel, kind| CatalogQuery { id, template, labels, panel, kind };
    vec![
        q(Q::NamespaceCpu, format!("sum by (namespace) ({CPU})"), &["namespace"], P::Namespaces, I),
        q(Q::NamespaceMemory, format!("sum by (namespace) ({MEM})"), &["namespace"], P::Namespaces, I),
        q(Q::PodCpu, format!("sum by (namespace, pod) ({CPU})"), &["namespace", "pod"], P::Workloads, I),
        q(Q::PodMemory, format!("sum by (namespace, pod) ({MEM})"), &["namespace", "pod"], P::Workloads, I),
        q(Q::DeploymentCpu, deployment_join(CPU), &["namespace", "owner_name"], P::Workloads, I),
        q(Q::DeploymentMemory, deployment_join(MEM), &["namespace", "owner_name"], P::Workloads, I),
        q(
            Q::HpaCurrentHistory,
            "max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas${cluster_sel})".into(),
            &["namespace", "horizontalpodautoscaler"],
            P::Autoscalers,
            R,
        ),
        q(
            Q::HpaDesiredHistory,
            "max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas${cluster_sel})".into(),
            &["namespace", "horizontalpodautoscaler"],
            P::Autoscalers,
            R,
        ),
        q(Q::PodsPerZone, PODS_PER_ZONE.into(), &["label_topology_kubernetes_io_zone"], P::Zones, I),
        q(Q::IngressRps, rps, ing, P::Ingresses, I),
        q(Q::Ingress5xxRatio, ratio, ing, P::Ingresses, I),
        q(Q::IngressP50, quantile(0.5), ing, P::Ingresses, I),
        q(Q::IngressP95, quantile(0.95), ing, P::Ingresses, I),
        q(Q::IngressP99, quantile(0.99), ing, P::Ingresses, I),
        q(Q::RouteRps, route_rps, route, P::Gateways, I),
        q(Q::Route5xxRatio, route_ratio, route, P::Gateways, I),
        q(Q::RouteP50, route_quantile(0.5), route, P::Gateways, I),
        q(Q::RouteP95, route_quantile(0.95), route, P::Gateways, I),
        q(Q::RouteP99, route_quantile(0.99), route, P::Gateways, I),
        q(Q::GatewayRps, gateway_rps, GATEWAY_LABELS, P::Gateways, I),
        q(Q::Gateway5xxRatio, gateway_ratio, GATEWAY_LABELS, P::Gateways, I),
        q(Q::MeshInRps, mesh::requests(Side::Inbound), mesh::LABELS, P::Mesh, I),
        q(Q::MeshInSuccess, mesh::success_ratio(Side::Inbound), mesh::LABELS, P::Mesh, I),
        q(Q::MeshInP99, mesh::latency(Side::Inbound, 0.99), mesh::LABELS, P::Mesh, I),
        q(Q::MeshOutRps, mesh::requests(Side::Outbound), mesh::LABELS, P::Mesh, I),
        q(Q::MeshOutSuccess, mesh::success_ratio(Side::Outbound), mesh::LABELS, P::Mesh, I),
        q(Q::MeshOutP99, mesh::latency(Side::Outbound, 0.99), mesh::LABELS, P::Mesh, I),
        q(Q::MeshEdgeRps, mesh::requests(Side::Edges), mesh::EDGE_LABELS, P::Mesh, I),
        q(Q::MeshEdgeSuccess, mesh::success_ratio(Side::Edges), mesh::EDGE_LABELS, P::Mesh, I),
        q(
            Q::CertExpiry,
            "min by (namespace, exported_namespace, host, secret_name) (nginx_ingress_controller_ssl_expire_time_seconds${cluster_sel})".into(),
            &["namespace", "exported_namespace", "host", "secret_name"],
            P::Certificates,
            I,
        ),
        q(
            Q::AlertsFiring,
            r#"ALERTS{${cluster}alertstate="firing"}"#.into(),
            &["alertname", "severity", "namespace", "pod", "deployment", "horizontalpodautoscaler", "ingress", "node"],
            P::Alerts,
            I,
        ),
    ]
}

/// Range step for a sparkline `width` cells wide over `range_secs`, never under `min_step`
/// (the scrape interval) and never over Prometheus' 11,000-point limit.
pub fn fit_step(range_secs: f64, width: u16, min_step: f64) -> f64 {
    let step = (range_secs / f64::from(width.max(1))).ceil();
    step.max(min_step).max((range_secs / 11_000.0).ceil()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::ClusterScope;
    use promql_parser::label::MatchOp;
    use promql_parser::parser::{Expr, VectorSelector};

    #[test]
    fn every_template_parses() {
        for set in [TrafficSet::IngressNginx, TrafficSet::Traefik, TrafficSet::Envoy] {
            for cadvisor in ["", r#"job="kubelet", metrics_path="/metrics/cadvisor""#] {
                let cfg =
                    PromConfig { traffic: set, cadvisor_selector: cadvisor.into(), ..PromConfig::default() };
                for q in catalog(set) {
                    let promql = q.render(&cfg);
                    assert!(!promql.contains("${"), "{promql}");
                    if let Err(e) = promql_parser::parser::parse(&promql) {
                        panic!("{:?} ({set:?}) does not parse: {e}\n{promql}", q.id);
                    }
                }
            }
        }
    }

    /// Every vector selector of every template of every traffic set, cAdvisor selector or
    /// not, carries the cluster matcher once a scope is set: a new template without
    /// `${cluster}`/`${cluster_sel}` fails here.
    #[test]
    fn a_scope_reaches_every_selector() {
        let scope = ClusterScope { label: "k8s_cluster".into(), value: "eu \"b\"".into() };
        for set in [TrafficSet::IngressNginx, TrafficSet::Traefik, TrafficSet::Envoy] {
            for cadvisor in ["", r#"job="kubelet", metrics_path="/metrics/cadvisor""#] {
                let cfg = PromConfig {
                    traffic: set,
                    cadvisor_selector: cadvisor.into(),
                    scope: Some(scope.clone()),
                    ..PromConfig::default()
                };
                for q in catalog(set) {
                    let promql = q.render(&cfg);
                    let expr = promql_parser::parser::parse(&promql)
                        .unwrap_or_else(|e| panic!("{:?} ({set:?}) does not parse: {e}\n{promql}", q.id));
                    let mut selectors = Vec::new();
                    selectors_of(&expr, &mut selectors);
                    assert!(!selectors.is_empty(), "{promql}");
                    for vs in selectors {
                        let scoped = vs.matchers.matchers.iter().any(|m| {
                            matches!(m.op, MatchOp::Equal) && m.name == scope.label && m.value == scope.value
                        });
                        assert!(scoped, "{:?} ({set:?}): {vs} has no cluster matcher\n{promql}", q.id);
                    }
                    let unscoped = q.render(&PromConfig { scope: None, ..cfg.clone() });
                    assert!(!unscoped.contains("k8s_cluster") && !unscoped.contains("${"), "{unscoped}");
                }
            }
        }
    }

    fn selectors_of<'a>(expr: &'a Expr, out: &mut Vec<&'a VectorSelector>) {
        match expr {
            Expr::VectorSelector(vs) => out.push(vs),
            Expr::MatrixSelector(ms) => out.push(&ms.vs),
            Expr::Aggregate(a) => {
                selectors_of(&a.expr, out);
                if let Some(param) = &a.param {
                    selectors_of(param, out);
                }
            }
            Expr::Unary(u) => selectors_of(&u.expr, out),
            Expr::Binary(b) => {
                selectors_of(&b.lhs, out);
                selectors_of(&b.rhs, out);
            }
            Expr::Paren(p) => selectors_of(&p.expr, out),
            Expr::Subquery(s) => selectors_of(&s.expr, out),
            Expr::Call(c) => c.args.args.iter().for_each(|arg| selectors_of(arg, out)),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
        }
    }

    #[test]
    fn placeholders_fill_in_one_pass() {
        let values = [("a", "${b}"), ("b", "B")];
        assert_eq!(fill("x${a}y${b}z${c}${", &values), "x${b}yBz${c}${");
    }

    #[test]
    fn catalog_covers_every_id_once() {
        let ids: std::collections::BTreeSet<_> =
            catalog(TrafficSet::IngressNginx).iter().map(|q| q.id).collect();
        assert_eq!(ids.len(), catalog(TrafficSet::IngressNginx).len());
        assert_eq!(ids.len(), 31);
    }

    #[test]
    fn steps_fit_the_width() {
        assert_eq!(fit_step(3600.0, 60, 15.0), 60.0);
        assert_eq!(fit_step(3600.0, 600, 15.0), 15.0);
        assert_eq!(fit_step(3600.0, 0, 1.0), 3600.0);
    }
}
