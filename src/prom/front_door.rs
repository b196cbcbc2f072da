//! The front door's traffic templates: requests per second, 5xx ratio and latency
//! quantiles per ingress for each controller family (ingress-nginx, Traefik, Envoy/Contour),
//! per HTTPRoute and per Gateway from Envoy Gateway. Placeholders as in `catalog.rs`.

use super::endpoint::TrafficSet;

// Ingress metrics scraped through a ServiceMonitor have the ingress's namespace in
// `exported_namespace`; scraped directly, in `namespace`. Keep both, the state picks.
const NGINX_BY: &str = "namespace, exported_namespace, ingress";

/// rps, 5xx ratio and a latency quantile expression for one controller family.
pub(super) fn traffic(set: TrafficSet) -> (String, String, Box<dyn Fn(f64) -> String>) {
    match set {
        TrafficSet::IngressNginx => {
            let all = format!(
                "sum by ({NGINX_BY}) (rate(nginx_ingress_controller_requests{{${{cluster}}ingress!=\"\"}}[${{window}}]))"
            );
            let err = format!(
                "sum by ({NGINX_BY}) (rate(nginx_ingress_controller_requests{{${{cluster}}ingress!=\"\", status=~\"5..\"}}[${{window}}]))"
            );
            let ratio = format!("({err} or 0 * {all}) / {all}");
            let q = |p: f64| {
                format!(
                    "histogram_quantile({p}, sum by (le, {NGINX_BY}) (rate(nginx_ingress_controller_request_duration_seconds_bucket{{${{cluster}}ingress!=\"\"}}[${{window}}])))"
                )
            };
            (all, ratio, Box::new(q))
        }
        // [unverified] Traefik's service label is `<ns>-<svc>-<port>@kubernetes`: keyed by
        // namespace + backend Service, not the Ingress object.
        TrafficSet::Traefik => {
            let key = |e: String| {
                format!(
                    r#"label_replace(label_replace({e}, "namespace", "$1", "service", "([^-]+)-.*"), "ingress", "$1", "service", "[^-]+-(.+)-[^-]+@kubernetes")"#
                )
            };
            let all = "sum by (service) (rate(traefik_service_requests_total${cluster_sel}[${window}]))"
                .to_string();
            let err =
                "sum by (service) (rate(traefik_service_requests_total{${cluster}code=~\"5..\"}[${window}]))"
                    .to_string();
            let ratio = key(format!("({err} or 0 * {all}) / {all}"));
            let q = move |p: f64| {
                key(format!(
                    "histogram_quantile({p}, sum by (le, service) (rate(traefik_service_request_duration_seconds_bucket${{cluster_sel}}[${{window}}])))"
                ))
            };
            (key(all), ratio, Box::new(q))
        }
        // [unverified] Envoy/Contour clusters are `<ns>_<svc>_<port>`; times are in ms.
        TrafficSet::Envoy => {
            let key = |e: String| {
                format!(
                    r#"label_replace(label_replace({e}, "namespace", "$1", "envoy_cluster_name", "([^_]+)_.*"), "ingress", "$1", "envoy_cluster_name", "[^_]+_(.+)_[^_]+")"#
                )
            };
            let all =
                "sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total${cluster_sel}[${window}]))".to_string();
            let err = "sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx{${cluster}envoy_response_code_class=\"5\"}[${window}]))".to_string();
            let ratio = key(format!("({err} or 0 * {all}) / {all}"));
            let q = move |p: f64| {
                key(format!(
                    "histogram_quantile({p}, sum by (le, envoy_cluster_name) (rate(envoy_cluster_upstream_rq_time_bucket${{cluster_sel}}[${{window}}]))) / 1000"
                ))
            };
            (key(all), ratio, Box::new(q))
        }
    }
}

/// Envoy Gateway names a route rule's upstream cluster `httproute/<namespace>/<name>/rule/<i>`:
/// sum a cluster's series first (they also carry the envoy pod's own `namespace`), then key
/// them by the route.
fn by_route(per_cluster: &str, extra_by: &str) -> String {
    format!(
        r#"sum by ({extra_by}namespace, httproute) (label_replace(label_replace({per_cluster}, "namespace", "$1", "envoy_cluster_name", "httproute/([^/]+)/.*"), "httproute", "$1", "envoy_cluster_name", "httproute/[^/]+/([^/]+)/.*"))"#
    )
}

/// rps, 5xx ratio and a latency quantile expression per HTTPRoute (Envoy Gateway's stats; times
/// in ms).
pub(super) fn route_traffic() -> (String, String, Box<dyn Fn(f64) -> String>) {
    const ROUTES: &str = r#"envoy_cluster_name=~"httproute/.+""#;
    let all = by_route(
        &format!(
            "sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_total{{${{cluster}}{ROUTES}}}[${{window}}]))"
        ),
        "",
    );
    let err = by_route(
        &format!(
            "sum by (envoy_cluster_name) (rate(envoy_cluster_upstream_rq_xx{{${{cluster}}{ROUTES}, envoy_response_code_class=\"5\"}}[${{window}}]))"
        ),
        "",
    );
    let ratio = format!("({err} or 0 * {all}) / {all}");
    let q = |p: f64| {
        let buckets = by_route(
            &format!(
                "sum by (le, envoy_cluster_name) (rate(envoy_cluster_upstream_rq_time_bucket{{${{cluster}}{ROUTES}}}[${{window}}]))"
            ),
            "le, ",
        );
        format!("histogram_quantile({p}, {buckets}) / 1000")
    };
    (all, ratio, Box::new(q))
}

/// The labels Envoy Gateway's proxy pods carry (scraped with their pod labels) naming their
/// Gateway.
pub const GATEWAY_LABELS: &[&str] =
    &["gateway_envoyproxy_io_owning_gateway_namespace", "gateway_envoyproxy_io_owning_gateway_name"];

/// rps and 5xx ratio per Gateway from its listeners' downstream counters.
pub(super) fn gateway_traffic() -> (String, String) {
    let by = GATEWAY_LABELS.join(", ");
    let all = format!(
        "sum by ({by}) (rate(envoy_http_downstream_rq_total{{${{cluster}}gateway_envoyproxy_io_owning_gateway_name!=\"\"}}[${{window}}]))"
    );
    let err = format!(
        "sum by ({by}) (rate(envoy_http_downstream_rq_xx{{${{cluster}}gateway_envoyproxy_io_owning_gateway_name!=\"\", envoy_response_code_class=\"5\"}}[${{window}}]))"
    );
    let ratio = format!("({err} or 0 * {all}) / {all}");
    (all, ratio)
}
