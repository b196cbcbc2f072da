//! No URL given: find Prometheus through the API server's service proxy with the user's own
//! kube::Client. Read the Services the dashboard already watches (no request; a cluster with
//! no Prometheus is asked again every minute, which must cost the API server nothing), or
//! LIST them once when there is no such watch or it cannot sync; rank well-known names,
//! probe `vector(1)` through `/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/api/v1/query`,
//! take the first that answers. Answers are parsed by query.rs (our Envelope + the crate's
//! PromqlResult).

use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};
use kube::runtime::reflector::Store;

use super::endpoint::PromConfig;
use super::error::{PromError, PromErrorKind};
use super::query::Querier;

/// A Service that may be Prometheus, and the port to reach it on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub namespace: String,
    pub name: String,
    /// Port name if it has one, else the number.
    pub port: String,
    pub https: bool,
    /// Lower is better.
    pub rank: u8,
}

impl Candidate {
    /// `/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy` (no trailing slash).
    pub fn proxy_base(&self) -> String {
        let scheme = if self.https { "https:" } else { "" };
        format!("/api/v1/namespaces/{}/services/{scheme}{}:{}/proxy", self.namespace, self.name, self.port)
    }

    pub fn describe(&self) -> String {
        format!("{}/{}:{} via API proxy", self.namespace, self.name, self.port)
    }
}

/// The rank of a Service name/namespace, None if it does not look like Prometheus.
fn rank_of(namespace: &str, name: &str) -> Option<u8> {
    match name {
        "prometheus-k8s" if namespace == "monitoring" => Some(0),
        "prometheus-k8s" => Some(1),
        "prometheus-operated" => Some(2),
        n if n.ends_with("-kube-prometheus-prometheus") => Some(3),
        "prometheus-server" => Some(4),
        "thanos-query" | "thanos-querier" => Some(5),
        _ => None,
    }
}

/// Pick the port: a preferred name, else 9090, else the first port.
fn port_of(svc: &Service) -> Option<(String, bool)> {
    let ports = svc.spec.as_ref()?.ports.as_ref()?;
    let pick = ports
        .iter()
        .find(|p| matches!(p.name.as_deref(), Some("web" | "http-web" | "http")))
        .or_else(|| ports.iter().find(|p| p.port == 9090))
        .or_else(|| ports.first())?;
    let https = pick.name.as_deref().is_some_and(|n| n.starts_with("https")) || pick.port == 443;
    let port = pick.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| pick.port.to_string());
    Some((port, https))
}

/// How long discovery waits for the Services watch to sync before listing them itself (a
/// watch that cannot list, forbidden say, never syncs; the LIST then says why).
const WATCH_SYNC_WAIT: Duration = Duration::from_secs(10);

/// Candidates from Services, best first.
pub fn candidates<'a>(services: impl IntoIterator<Item = &'a Service>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = services
        .into_iter()
        .filter_map(|svc| {
            let namespace = svc.metadata.namespace.clone()?;
            let name = svc.metadata.name.clone()?;
            let rank = rank_of(&namespace, &name)?;
            let (port, https) = port_of(svc)?;
            Some(Candidate { namespace, name, port, https, rank })
        })
        .collect();
    out.sort_by(|a, b| (a.rank, &a.namespace, &a.name).cmp(&(b.rank, &b.namespace, &b.name)));
    out
}

/// The candidates among the watched Services once their watch has synced; None when it
/// does not sync in time.
async fn watched_candidates(services: &Store<Service>) -> Option<Vec<Candidate>> {
    match tokio::time::timeout(WATCH_SYNC_WAIT, services.wait_until_ready()).await {
        Ok(Ok(())) => Some(candidates(services.state().iter().map(|s| s.as_ref()))),
        _ => None,
    }
}

/// Find the candidates (from `services`, the watched Services, when given and synced; else
/// by one LIST), probe them in order, return a Querier for the first that answers.
pub async fn discover(
    client: kube::Client,
    cfg: &PromConfig,
    services: Option<&Store<Service>>,
) -> Result<Querier, PromError> {
    let watched = match services {
        Some(store) => watched_candidates(store).await,
        None => None,
    };
    let found = match watched {
        Some(found) => found,
        None => list_candidates(&client).await?,
    };
    probe(client, cfg, found).await
}

/// One cluster-wide LIST of Services.
async fn list_candidates(client: &kube::Client) -> Result<Vec<Candidate>, PromError> {
    let api: Api<Service> = Api::all(client.clone());
    let list = api.list(&ListParams::default()).await.map_err(|e| match &e {
        kube::Error::Api(s) if s.code == 403 => {
            PromError::new(PromErrorKind::Forbidden, "cannot list services for discovery")
        }
        _ => PromError::new(
            PromErrorKind::NotFound,
            format!("listing services for discovery: {}", crate::k8s::error_text::describe(&e)),
        ),
    })?;
    Ok(candidates(&list.items))
}

async fn probe(client: kube::Client, cfg: &PromConfig, found: Vec<Candidate>) -> Result<Querier, PromError> {
    let mut last = None;
    for c in found.iter().take(6) {
        let q = Querier::proxy(client.clone(), c.proxy_base(), c.describe(), cfg);
        match q.instant("vector(1)").await {
            Ok(_) => {
                tracing::info!(source = %c.describe(), "prometheus discovered");
                return Ok(q);
            }
            Err(e) => {
                tracing::debug!(candidate = %c.describe(), error = %e, "discovery probe failed");
                last = Some(e);
            }
        }
    }
    let msg = match (found.len(), last) {
        (0, _) => "no Prometheus-like Service in the cluster".to_string(),
        (n, Some(e)) => format!("{n} candidate(s), none answered; last: {}", e.message),
        (n, None) => format!("{n} candidate(s), none answered"),
    };
    Err(PromError::new(PromErrorKind::NotFound, msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};

    fn svc(ns: &str, name: &str, ports: &[(Option<&str>, i32)]) -> Service {
        let mut s = Service::default();
        s.metadata.namespace = Some(ns.into());
        s.metadata.name = Some(name.into());
        let ports = ports.iter().map(|(n, p)| ServicePort {
            name: n.map(Into::into),
            port: *p,
            ..ServicePort::default()
        });
        s.spec = Some(ServiceSpec { ports: Some(ports.collect()), ..ServiceSpec::default() });
        s
    }

    #[test]
    fn ranks_and_builds_proxy_paths() {
        let list = vec![
            svc("obs", "thanos-query", &[(Some("grpc"), 10901), (Some("http"), 9090)]),
            svc("default", "kubernetes", &[(Some("https"), 443)]),
            svc(
                "mon",
                "kps-kube-prometheus-prometheus",
                &[(Some("http-web"), 9090), (Some("reloader-web"), 8080)],
            ),
            svc("monitoring", "prometheus-operated", &[(Some("web"), 9090)]),
            svc("monitoring", "prometheus-k8s", &[(Some("web"), 9090), (Some("reloader-web"), 8080)]),
            svc("openshift-monitoring", "prometheus-k8s", &[(Some("https"), 9091)]),
            svc("prom", "prometheus-server", &[(None, 80)]),
        ];
        let c = candidates(&list);
        let bases: Vec<String> = c.iter().map(Candidate::proxy_base).collect();
        assert_eq!(
            bases,
            vec![
                "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy",
                "/api/v1/namespaces/openshift-monitoring/services/https:prometheus-k8s:https/proxy",
                "/api/v1/namespaces/monitoring/services/prometheus-operated:web/proxy",
                "/api/v1/namespaces/mon/services/kps-kube-prometheus-prometheus:http-web/proxy",
                "/api/v1/namespaces/prom/services/prometheus-server:80/proxy",
                "/api/v1/namespaces/obs/services/thanos-query:http/proxy",
            ]
        );
        assert_eq!(c[0].describe(), "monitoring/prometheus-k8s:web via API proxy");
    }
}

/// Discovery and proxied queries against a fake API server (a tower service behind kube::Client):
/// the first candidate fails, the second answers and is chosen; the query path is the proxy's.
#[cfg(test)]
mod fake_api_tests {
    use std::sync::{Arc, Mutex};

    use http::{Request, Response};
    use kube::client::Body;

    use super::*;

    fn fake(log: Arc<Mutex<Vec<String>>>) -> kube::Client {
        let svc = tower::service_fn(move |req: Request<Body>| {
            let uri = req.uri().to_string();
            log.lock().unwrap().push(uri.clone());
            async move {
                let path = uri.split('?').next().unwrap_or("").to_string();
                let (status, body) = if path == "/api/v1/services" {
                    let svc = |ns: &str, name: &str| {
                        format!(
                            r#"{{"metadata":{{"namespace":"{ns}","name":"{name}"}},"spec":{{"ports":[{{"name":"web","port":9090}}]}}}}"#
                        )
                    };
                    let items = [
                        svc("monitoring", "prometheus-k8s"),
                        svc("obs", "prometheus-operated"),
                        svc("a", "web"),
                    ];
                    (
                        200,
                        format!(
                            r#"{{"kind":"ServiceList","apiVersion":"v1","metadata":{{}},"items":[{}]}}"#,
                            items.join(",")
                        ),
                    )
                } else if path == "/api/v1/namespaces/obs/services/prometheus-operated:web/proxy/api/v1/query"
                {
                    (200, r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}"#.into())
                } else {
                    (503, "no endpoints available for service".into())
                };
                Ok::<_, std::convert::Infallible>(
                    Response::builder().status(status).body(Body::from(body.into_bytes())).unwrap(),
                )
            }
        });
        kube::Client::new(svc, "default")
    }

    #[tokio::test]
    async fn first_answering_candidate_wins() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let q = discover(fake(log.clone()), &PromConfig::default(), None).await.unwrap();
        assert_eq!(q.source, "obs/prometheus-operated:web via API proxy");
        assert_eq!(q.instant("up").await.unwrap().len(), 1);
        let log = log.lock().unwrap();
        assert!(log[0].starts_with("/api/v1/services"), "{log:?}");
        assert!(log[1].starts_with(
            "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query?query=vector%281%29"
        ));
        assert!(log.last().unwrap().contains("/proxy/api/v1/query?query=up&timeout=10000ms"), "{log:?}");
        assert_eq!(log.iter().filter(|u| u.starts_with("/api/v1/services")).count(), 1, "one LIST");
    }

    #[tokio::test]
    async fn a_503_from_the_proxy_is_reported() {
        let q = Querier::proxy(
            fake(Arc::default()),
            "/api/v1/namespaces/x/services/y:web/proxy".into(),
            "y".into(),
            &PromConfig::default(),
        );
        let e = q.instant("up").await.unwrap_err();
        assert_eq!(e.kind, PromErrorKind::Http(503));
        assert!(e.message.contains("no endpoints"), "{e}");
    }
}
