//! Request routing: which endpoint a path names and, for resources, the Kubernetes verb.

use http::Method;

use crate::resources::{self, ResourceType};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Version,
    Health,
    CoreVersions,
    GroupList,
    Group(String),
    /// The resource list of /api/v1 or /apis/GROUP/VERSION.
    GroupVersion {
        group: String,
        version: String,
    },
    OpenApi,
    Metrics,
    SimRequests,
    SimCompact,
    SimScenario(String),
    /// `PUT /sim/churn/{per_sec}`: pod status changes per second from now on.
    SimChurn(String),
    /// `PUT /sim/logs/rate/{lines_per_sec}`: pod log lines per second per container (0: normal).
    SimLogRate(String),
    /// `/sim/fault` (list, clear all) or `/sim/fault/{name}` (switch one on or off).
    SimFault(Option<String>),
    /// `GET /sim/clock`: the sim time, and whether the clock is manual.
    SimClock,
    /// `POST /sim/clock/advance?seconds=N`: move sim time, the controllers ticking as it passes.
    SimClockAdvance,
    Resource(ResourceRequest),
    /// `/api/v1/namespaces/NS/services/NAME/proxy/...`
    ServiceProxy(super::proxy::ProxyTarget),
    NotServed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRequest {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

impl Route {
    /// The sim's own control endpoints: admin token only, never faulted, also on the control port.
    pub fn is_sim_control(&self) -> bool {
        matches!(
            self,
            Route::SimRequests
                | Route::SimCompact
                | Route::SimScenario(_)
                | Route::SimChurn(_)
                | Route::SimLogRate(_)
                | Route::SimFault(_)
                | Route::SimClock
                | Route::SimClockAdvance
        )
    }
}

impl ResourceRequest {
    /// The Kubernetes verb of this request (get, list, watch, create, update, patch, delete, deletecollection).
    pub fn verb(&self, method: &Method, watch: bool) -> &'static str {
        match (method.as_str(), self.name.is_some()) {
            ("GET" | "HEAD", true) => "get",
            ("GET" | "HEAD", false) if watch => "watch",
            ("GET" | "HEAD", false) => "list",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", true) => "delete",
            ("DELETE", false) => "deletecollection",
            _ => "unknown",
        }
    }
}

pub fn parse(path: &str) -> Route {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::GroupList,
        ["apis", group] => Route::Group(group.to_string()),
        ["api", "v1"] => Route::GroupVersion { group: String::new(), version: "v1".into() },
        ["apis", group, version] => {
            Route::GroupVersion { group: group.to_string(), version: version.to_string() }
        }
        ["api", "v1", "namespaces", ns, "services", service, "proxy", rest @ ..] => {
            let tail = rest.join("/");
            // Keep a trailing slash ("/proxy/" is the service's root).
            let slash = if path.ends_with('/') && !tail.is_empty() { "/" } else { "" };
            Route::ServiceProxy(super::proxy::ProxyTarget {
                namespace: ns.to_string(),
                service: service.to_string(),
                path: format!("/{tail}{slash}"),
            })
        }
        ["api", "v1", rest @ ..] => resource_route("", "v1", rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        ["openapi", ..] => Route::OpenApi,
        ["metrics"] => Route::Metrics,
        ["sim", "requests"] => Route::SimRequests,
        ["sim", "compact"] => Route::SimCompact,
        ["sim", "scenario", name] => Route::SimScenario(name.to_string()),
        ["sim", "churn", rate] => Route::SimChurn(rate.to_string()),
        ["sim", "logs", "rate", rate] => Route::SimLogRate(rate.to_string()),
        ["sim", "fault"] => Route::SimFault(None),
        ["sim", "fault", name] => Route::SimFault(Some(name.to_string())),
        ["sim", "clock"] => Route::SimClock,
        ["sim", "clock", "advance"] => Route::SimClockAdvance,
        _ => Route::NotServed,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let request = |plural: &str, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        let Some(rt) = resources::lookup(group, version, plural) else { return Route::NotServed };
        if namespace.is_some() && !rt.namespaced {
            return Route::NotServed;
        }
        if let Some(sub) = sub
            && !rt.has_subresource(sub)
        {
            return Route::NotServed;
        }
        Route::Resource(ResourceRequest {
            rt,
            namespace: namespace.map(String::from),
            name: name.map(String::from),
            subresource: sub.map(String::from),
        })
    };
    // "namespaces/NAME/status" is the namespace's own subresource, not a resource in it
    let namespaced =
        matches!(rest, ["namespaces", _, plural, ..] if !matches!(*plural, "status" | "finalize"));
    match rest {
        ["namespaces", ns, plural] if namespaced => request(plural, Some(ns), None, None),
        ["namespaces", ns, plural, name] if namespaced => request(plural, Some(ns), Some(name), None),
        ["namespaces", ns, plural, name, sub] if namespaced => {
            request(plural, Some(ns), Some(name), Some(sub))
        }
        [plural] => request(plural, None, None, None),
        [plural, name] => request(plural, None, Some(name), None),
        [plural, name, sub] => request(plural, None, Some(name), Some(sub)),
        _ => Route::NotServed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourceRequest {
        match parse(path) {
            Route::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn namespaced_cluster_and_subresource_paths() {
        let r = resource("/apis/apps/v1/namespaces/a/deployments/web/scale");
        assert_eq!(
            (r.rt.plural, r.namespace.as_deref(), r.name.as_deref(), r.subresource.as_deref()),
            ("deployments", Some("a"), Some("web"), Some("scale"))
        );
        let r = resource("/api/v1/pods");
        assert_eq!((r.rt.plural, r.namespace, r.name), ("pods", None, None));
        let r = resource("/api/v1/namespaces/kube-system");
        assert_eq!((r.rt.plural, r.name.as_deref()), ("namespaces", Some("kube-system")));
        let r = resource("/api/v1/namespaces/kube-system/status");
        assert_eq!(r.subresource.as_deref(), Some("status"));
        assert_eq!(resource("/api/v1/nodes/n1").name.as_deref(), Some("n1"));
        let r = resource("/api/v1/namespaces/a/pods/web-1/log");
        assert_eq!((r.name.as_deref(), r.subresource.as_deref()), (Some("web-1"), Some("log")));
        assert_eq!(parse("/apis/apps/v1/namespaces/a/deployments/web/log"), Route::NotServed);
    }

    #[test]
    fn unknown_resources_and_subresources_are_not_served() {
        assert_eq!(parse("/api/v1/widgets"), Route::NotServed);
        assert_eq!(parse("/apis/apps/v1/namespaces/a/daemonsets/x/scale"), Route::NotServed);
        assert_eq!(parse("/api/v1/namespaces/a/nodes"), Route::NotServed);
        assert_eq!(parse("/apis/nope.io/v1/things"), Route::NotServed);
        assert_eq!(
            parse("/apis/apps/v1"),
            Route::GroupVersion { group: "apps".into(), version: "v1".into() }
        );
    }

    #[test]
    fn fault_switches_are_sim_control_routes() {
        assert_eq!(parse("/sim/fault"), Route::SimFault(None));
        assert_eq!(parse("/sim/fault/latency-2000"), Route::SimFault(Some("latency-2000".into())));
        assert!(parse("/sim/fault/down").is_sim_control());
        assert!(!parse("/api/v1/pods").is_sim_control());
        assert_eq!(parse("/sim/logs/rate/2500"), Route::SimLogRate("2500".into()));
        assert!(parse("/sim/logs/rate/0").is_sim_control());
        assert_eq!(parse("/sim/clock/advance"), Route::SimClockAdvance);
        assert!(parse("/sim/clock").is_sim_control() && parse("/sim/clock/advance/").is_sim_control());
    }

    #[test]
    fn verbs_follow_method_and_watch() {
        let r = resource("/api/v1/pods");
        assert_eq!(r.verb(&Method::GET, true), "watch");
        assert_eq!(r.verb(&Method::GET, false), "list");
        assert_eq!(resource("/api/v1/namespaces/a/pods/p").verb(&Method::PATCH, false), "patch");
    }
}
