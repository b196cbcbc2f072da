//! Which kind of lines a container writes, from what the sim knows of its pod: the ingress
//! controller and the services behind an ingress write access logs, databases their own
//! server log, Istio's sidecars Envoy access lines, Linkerd's proxies their own (saying so when
//! they have no identity), other sidecars logfmt, every other app JSON;
//! a container running an image the world marks as serving errors (`error-burst`) fails.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::networking::v1::Ingress;

use crate::load::hash2;
use crate::store::Store;
use crate::world::labels::matches_map;
use crate::world::typed;

/// A log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// nginx "combined" access lines with the request time (a web service behind an ingress).
    Access,
    /// ingress-nginx's upstream access lines (the controller itself).
    IngressController,
    /// Structured JSON, one object a line.
    Json,
    /// Envoy's access log (istio-proxy and other mesh proxies).
    Envoy,
    /// linkerd2-proxy's own log (`errors`: it cannot get its identity).
    Linkerd,
    /// PostgreSQL's server log.
    Postgres,
    /// Redis's server log.
    Redis,
    /// logfmt (`time=... level=info msg="..."`): other sidecars and agents.
    Logfmt,
}

/// How one container writes its log: everything a line needs besides its time.
#[derive(Clone, Debug, PartialEq)]
pub struct Voice {
    pub style: Style,
    /// The image serves errors (the `error-burst` release): a burst of 5xx and ERROR lines.
    pub errors: bool,
    /// Seeds every line: from the pod uid and the container name.
    pub seed: u64,
    /// The application's short name (paths, logger names, packages).
    pub app: String,
    /// Mean lines a second at the normal rate.
    pub rate: f64,
    /// For the ingress controller: the upstreams it proxies to ("ns-service-port").
    pub upstreams: Vec<String>,
    /// The pod's IP, or a made-up one, for access-line addresses.
    pub pod_ip: String,
}

/// The seed of a container's lines.
pub fn seed(pod_uid: &str, container: &str) -> u64 {
    hash2(0x10_65, &format!("{pod_uid}/{container}"), 0)
}

/// The application name of a pod: its `app.kubernetes.io/name` or `app` label, else its
/// controller's name (a ReplicaSet's without the template hash), else the pod's name.
pub fn app_name(pod: &Pod) -> String {
    let labels = pod.metadata.labels.as_ref();
    let label = labels.and_then(|l| l.get("app.kubernetes.io/name").or_else(|| l.get("app")));
    if let Some(name) = label {
        return name.clone();
    }
    let owner = pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true));
    match owner {
        Some(o) if o.kind == "ReplicaSet" => {
            o.name.rsplit_once('-').map_or_else(|| o.name.clone(), |(d, _)| d.to_string())
        }
        Some(o) => o.name.clone(),
        None => pod.metadata.name.clone().unwrap_or_default(),
    }
}

fn is_ingress_controller(pod: &Pod, image: &str) -> bool {
    let labels = pod.metadata.labels.as_ref();
    image.contains("ingress-nginx")
        || labels.and_then(|l| l.get("app.kubernetes.io/name")).is_some_and(|n| n == "ingress-nginx")
}

fn is_mesh_proxy(name: &str, image: &str) -> bool {
    name == "istio-proxy" || image.contains("proxyv2") || image.contains("envoy") || name == "linkerd-proxy"
}

/// A running proxy that is not ready: it has no identity (yet).
fn waits_for_identity(pod: &Pod, container: &str) -> bool {
    let statuses = pod.status.iter().flat_map(|s| s.container_statuses.iter().flatten());
    statuses
        .filter(|s| s.name == container)
        .any(|s| !s.ready && s.state.as_ref().is_some_and(|st| st.running.is_some()))
}

/// Is the pod selected by a Service some Ingress of its namespace routes to?
fn behind_ingress(store: &Store, pod: &Pod) -> bool {
    let Some(ns) = pod.metadata.namespace.as_deref() else { return false };
    let ingresses: Vec<Ingress> = typed::list(store, Some(ns));
    if ingresses.is_empty() {
        return false;
    }
    let backends: BTreeSet<String> = ingresses
        .iter()
        .flat_map(|i| i.spec.iter())
        .flat_map(|s| {
            let rules = s.rules.iter().flatten().flat_map(|r| r.http.iter().flat_map(|h| h.paths.iter()));
            let default = s.default_backend.iter();
            rules
                .map(|p| &p.backend)
                .chain(default)
                .filter_map(|b| b.service.as_ref())
                .map(|b| b.name.clone())
        })
        .collect();
    let empty = Default::default();
    let labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    let services: Vec<Service> = typed::list(store, Some(ns));
    services.iter().any(|s| {
        s.metadata.name.as_ref().is_some_and(|n| backends.contains(n))
            && s.spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| !sel.is_empty() && matches_map(sel, labels))
    })
}

/// The upstreams ingress-nginx names in its access lines, from every Ingress in the cluster.
fn upstreams(store: &Store) -> Vec<String> {
    let ingresses: Vec<Ingress> = typed::list(store, None);
    let mut names = BTreeSet::new();
    for ingress in &ingresses {
        let ns = ingress.metadata.namespace.clone().unwrap_or_default();
        let paths = ingress.spec.iter().flat_map(|s| s.rules.iter().flatten()).flat_map(|r| {
            r.http.iter().flat_map(|h| h.paths.iter()).filter_map(|p| p.backend.service.as_ref())
        });
        for backend in paths {
            let port = backend.port.as_ref();
            let port = port.and_then(|p| p.number.map(|n| n.to_string()).or_else(|| p.name.clone()));
            names.insert(format!("{ns}-{}-{}", backend.name, port.unwrap_or_else(|| "80".into())));
            if names.len() >= 64 {
                return names.into_iter().collect();
            }
        }
    }
    names.into_iter().collect()
}

/// How `container` of `pod` writes. `error_images` are the images serving errors now.
pub fn voice(store: &Store, pod: &Pod, container: &str, error_images: &BTreeSet<String>) -> Voice {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    let position = containers.clone().position(|c| c.name == container).unwrap_or(0);
    let image =
        containers.clone().find(|c| c.name == container).and_then(|c| c.image.clone()).unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_else(|| pod.metadata.name.clone().unwrap_or_default());
    let seed = seed(&uid, container);
    let lower = image.to_ascii_lowercase();
    let mut upstream_names = Vec::new();
    let style = if container == "linkerd-proxy" {
        Style::Linkerd
    } else if is_mesh_proxy(container, &lower) {
        Style::Envoy
    } else if is_ingress_controller(pod, &lower) {
        upstream_names = upstreams(store);
        Style::IngressController
    } else if lower.contains("postgres") {
        Style::Postgres
    } else if lower.contains("redis") {
        Style::Redis
    } else if position > 0 {
        Style::Logfmt
    } else if behind_ingress(store, pod) {
        Style::Access
    } else {
        Style::Json
    };
    // a few lines a second, more for the proxies in front of traffic
    let base = match style {
        Style::IngressController | Style::Envoy => 4.0,
        Style::Linkerd => 0.5,
        Style::Access => 3.0,
        Style::Postgres | Style::Redis => 0.7,
        Style::Json | Style::Logfmt => 1.5,
    };
    let rate = base * (0.6 + 0.8 * crate::load::unit(hash2(seed, "rate", 0)));
    let pod_ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_else(|| "10.0.3.17".into());
    Voice {
        style,
        errors: error_images.contains(&image)
            || (style == Style::Linkerd && waits_for_identity(pod, container)),
        seed,
        app: app_name(pod),
        rate,
        upstreams: upstream_names,
        pod_ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use serde_json::json;

    fn pod(name: &str, labels: serde_json::Value, containers: serde_json::Value) -> Pod {
        crate::json::decode(&json!({
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"), "labels": labels},
            "spec": {"containers": containers},
        }))
        .unwrap()
    }

    fn store_with_ingress() -> Store {
        let store = Store::new(SimClock::new(1.0));
        let rt = |g: &str, p: &str| crate::resources::lookup_group_plural(g, p).unwrap();
        store
            .create_json(
                rt("", "services"),
                Some("shop"),
                json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}}}),
            )
            .unwrap();
        store
            .create_json(
                rt("networking.k8s.io", "ingresses"),
                Some("shop"),
                json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"rules": [{"http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
            )
            .unwrap();
        store
    }

    #[test]
    fn styles_follow_exposure_images_and_position() {
        let store = store_with_ingress();
        let none = BTreeSet::new();
        let web = pod(
            "web-1",
            json!({"app": "web"}),
            json!([{"name": "web", "image": "nginx:1.27"}, {"name": "istio-proxy", "image": "istio/proxyv2:1.22"},
                   {"name": "shipper", "image": "fluent-bit:3"}]),
        );
        assert_eq!(voice(&store, &web, "web", &none).style, Style::Access);
        assert_eq!(voice(&store, &web, "istio-proxy", &none).style, Style::Envoy);
        assert_eq!(voice(&store, &web, "shipper", &none).style, Style::Logfmt);
        let meshed = pod(
            "web-2",
            json!({"app": "web"}),
            json!([{"name": "web", "image": "nginx:1.27"},
                   {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:stable-2.14.10"}]),
        );
        let linkerd = voice(&store, &meshed, "linkerd-proxy", &none);
        assert_eq!((linkerd.style, linkerd.errors), (Style::Linkerd, false));
        let mut no_identity = meshed.clone();
        no_identity.status = Some(
            crate::json::decode(&json!({"containerStatuses": [
            {"name": "linkerd-proxy", "image": "cr.l5d.io/linkerd/proxy:stable-2.14.10", "imageID": "",
             "ready": false, "restartCount": 0, "state": {"running": {}}}]}))
            .unwrap(),
        );
        assert!(
            voice(&store, &no_identity, "linkerd-proxy", &none).errors,
            "running, not ready: no identity"
        );
        let api = pod("api-1", json!({"app": "api"}), json!([{"name": "api", "image": "example/api:2"}]));
        assert_eq!(voice(&store, &api, "api", &none).style, Style::Json);
        let db = pod("db-0", json!({"app": "db"}), json!([{"name": "db", "image": "postgres:15.6"}]));
        assert_eq!(voice(&store, &db, "db", &none).style, Style::Postgres);
        let ctrl = pod(
            "ingress-nginx-controller-1",
            json!({"app.kubernetes.io/name": "ingress-nginx"}),
            json!([{"name": "controller", "image": "registry.k8s.io/ingress-nginx/controller:v1.12.1"}]),
        );
        let controller = voice(&store, &ctrl, "controller", &none);
        assert_eq!(controller.style, Style::IngressController);
        assert_eq!(controller.upstreams, ["shop-web-80"]);
        let failing: BTreeSet<String> = ["example/api:2".to_string()].into();
        assert!(voice(&store, &api, "api", &failing).errors);
        assert!(!voice(&store, &api, "api", &none).errors);
    }
}
