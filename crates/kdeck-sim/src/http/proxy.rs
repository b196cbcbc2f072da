//! The API server's service proxy, `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH`,
//! as Lens, Headlamp and kdeck use it to reach Prometheus from a bastion. The sim has no pod
//! network: it forwards to the Service's clusterIP, which must be a loopback address (tests
//! point a Service at a Prometheus they started), and only over plain HTTP. The `prom-*` API
//! faults make it misbehave for the Prometheus behind it.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use k8s_openapi::api::core::v1::Service;

use super::RequestContext;
use super::status::ApiError;
use crate::api_faults::{ApiFault, prometheus};
use crate::auth::SimUser;
use crate::store::Store;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyTarget {
    pub namespace: String,
    /// As written in the path: "name", "name:port" or "scheme:name:port".
    pub service: String,
    /// The rest of the path, with its leading slash.
    pub path: String,
}

/// "https:web:9090" -> (Some("https"), "web", Some("9090")).
fn split_service(text: &str) -> (Option<&str>, &str, Option<&str>) {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [name] => (None, name, None),
        [name, port] => (None, name, Some(port)),
        [scheme, name, port] => (Some(scheme), name, Some(*port).filter(|p| !p.is_empty())),
        _ => (None, text, None),
    }
}

pub async fn serve(
    store: &Store,
    target: ProxyTarget,
    ctx: &RequestContext,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<Response, ApiError> {
    if ctx.user != SimUser::Admin {
        // Like the built-in "view" role: reading objects does not include services/proxy.
        return Err(ApiError::forbidden(format!(
            "services \"{}\" is forbidden: User \"{}\" cannot get resource \"services/proxy\"",
            target.service,
            ctx.user.name()
        )));
    }
    let (scheme, name, port) = split_service(&target.service);
    if scheme.is_some_and(|s| s != "http") {
        return Err(ApiError::new(503, "ServiceUnavailable", "the sim proxies plain http only"));
    }
    let service: Service = store
        .get(Some(&target.namespace), name)
        .ok_or_else(|| ApiError::new(404, "NotFound", format!("services \"{name}\" not found")))?;
    let spec = service.spec.unwrap_or_default();
    let ip = spec.cluster_ip.unwrap_or_default();
    if !ip.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return Err(ApiError::new(
            503,
            "ServiceUnavailable",
            format!("no endpoints available for service \"{name}\""),
        ));
    }
    let ports = spec.ports.unwrap_or_default();
    let chosen = ports.iter().find(|p| match port {
        None => true,
        Some(want) => p.name.as_deref() == Some(want) || p.port.to_string() == want,
    });
    let Some(chosen) = chosen else {
        return Err(ApiError::new(
            503,
            "ServiceUnavailable",
            format!("no port {port:?} on service \"{name}\""),
        ));
    };
    if let Some(answer) = prometheus::instead(&ctx.faults, shutdown).await {
        return Ok(answer);
    }
    let query = ctx.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("http://{ip}:{}{}{query}", chosen.port, target.path);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| ApiError::new(500, "InternalError", e.to_string()))?;
    let answer = client.get(&url).send().await.map_err(|e| {
        ApiError::new(503, "ServiceUnavailable", format!("error trying to reach service: {e}"))
    })?;
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer.headers().get(http::header::CONTENT_TYPE).cloned();
    let mut body =
        answer.bytes().await.map_err(|e| ApiError::new(503, "ServiceUnavailable", e.to_string()))?;
    if ctx.faults.is_on(&ApiFault::PromNotNumbers)
        && let Some(rewritten) = prometheus::not_numbers(&body)
    {
        body = rewritten.into();
    }
    let mut response = (status, body).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert(http::header::CONTENT_TYPE, content_type);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::split_service;

    #[test]
    fn service_names_with_scheme_and_port() {
        assert_eq!(split_service("web"), (None, "web", None));
        assert_eq!(split_service("prometheus-k8s:web"), (None, "prometheus-k8s", Some("web")));
        assert_eq!(split_service("https:prom:9090"), (Some("https"), "prom", Some("9090")));
        assert_eq!(split_service("http:prom:"), (Some("http"), "prom", None));
    }
}
