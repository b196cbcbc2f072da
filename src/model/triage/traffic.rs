//! Traffic as a finding: an ingress whose 5xx share or p99 latency is above the thresholds
//! (`[triage]` in the config; 1% and 1 s by default) is an error.

use crate::config::TriageConfig;
use crate::model::views::Severity;
use crate::model::views::gateways::GatewaysView;
use crate::model::views::ingresses::IngressesView;
use crate::model::views::problems::{Finding, ProblemCategory, finding};
use crate::prom::PromState;
use crate::types::Traffic;
use crate::units::format;

/// Which thresholds fresh traffic breaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Breach {
    pub errors: bool,
    pub latency: bool,
}

pub fn breach(traffic: &Traffic, config: &TriageConfig) -> Breach {
    if traffic.stale || traffic.rps <= 0.0 {
        return Breach::default();
    }
    Breach {
        errors: traffic.error_ratio.is_some_and(|r| r * 100.0 > config.max_5xx_percent),
        latency: traffic.p99.is_some_and(|p| p > config.max_p99_seconds),
    }
}

/// What is wrong with this traffic, in words, when something is: "5xx 16.2% of 35.0 req/s
/// (above 1%)".
pub fn verdict(traffic: &Traffic, config: &TriageConfig) -> Vec<String> {
    let breach = breach(traffic, config);
    let mut out = Vec::new();
    if let Some(ratio) = traffic.error_ratio.filter(|_| breach.errors) {
        out.push(format!(
            "5xx {} of {} req/s (above {}%)",
            format::ratio_percent(ratio),
            format::per_second(traffic.rps),
            config.max_5xx_percent
        ));
    }
    if let Some(p99) = traffic.p99.filter(|_| breach.latency) {
        out.push(format!("p99 {} (above {})", format::latency(p99), format::latency(config.max_p99_seconds)));
    }
    out
}

/// One error finding per ingress, HTTPRoute and Gateway whose traffic breaks a threshold.
pub fn findings(
    ingresses: &IngressesView,
    gateways: &GatewaysView,
    prom: &PromState,
    config: &TriageConfig,
) -> Vec<Finding> {
    let ingress = ingresses.rows.iter().map(|r| ("Ingress", r, prom.ingress_traffic(&r.namespace, &r.name)));
    let ingress = ingress.map(|(kind, r, t)| (kind, r.namespace.as_str(), r.name.as_str(), t));
    let routes = gateways.routes.iter().map(|r| {
        ("HTTPRoute", r.namespace.as_str(), r.name.as_str(), prom.route_traffic(&r.namespace, &r.name))
    });
    let fronts = gateways.gateways.iter().map(|g| {
        ("Gateway", g.namespace.as_str(), g.name.as_str(), prom.gateway_traffic(&g.namespace, &g.name))
    });
    let routes = routes.chain(fronts);
    let mut out = Vec::new();
    for (kind, ns, name, traffic) in ingress.chain(routes) {
        let Some(traffic) = traffic else { continue };
        for message in verdict(&traffic, config) {
            out.push(finding(Severity::Error, ProblemCategory::Traffic, kind, Some(ns), name, message));
        }
    }
    out
}
