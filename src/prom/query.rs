//! Instant and range queries with a timeout, a byte cap and a series cap, over either a direct
//! URL (prometheus-http-query + our reqwest client) or the API-server service proxy (the user's
//! kube::Client). Both paths parse the same envelope: our serde `Envelope` around the crate's
//! public `PromqlResult`, then convert to kdeck's `PromSample`/`PromSeries`.

use std::collections::BTreeMap;
use std::time::Duration;

use http_body_util::BodyExt as _;
use jiff::Timestamp;
use prometheus_http_query::response::Data;

use super::endpoint::{self, PromConfig};
use super::envelope::{form_encode, parse};
use super::error::{PromError, PromErrorKind as K};
use super::{PromSample, PromSeries};

/// Label names and values, safe for a terminal: alert labels, pod, ingress and host names
/// from Prometheus are shown as they are (`sanitize::line`, this module is the edge).
fn clean_labels(labels: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    labels
        .into_iter()
        .map(|(k, v)| (crate::sanitize::line_owned(k), crate::sanitize::line_owned(v)))
        .collect()
}

/// An instant query's answer (`envelope::parse`) to kdeck's samples, labels sanitized.
pub fn instant_samples(data: Data) -> Result<Vec<PromSample>, PromError> {
    Ok(match data {
        Data::Vector(v) => v
            .into_iter()
            .map(|iv| {
                let (labels, sample) = iv.into_inner();
                PromSample { labels: clean_labels(labels), value: sample.value() }
            })
            .collect(),
        Data::Scalar(s) => vec![PromSample { labels: BTreeMap::new(), value: s.value() }],
        Data::Matrix(_) => return Err(PromError::new(K::Malformed, "matrix answer to an instant query")),
    })
}

/// A range query's answer to kdeck's series; a point whose time is out of range is dropped.
pub fn range_series(data: Data) -> Result<Vec<PromSeries>, PromError> {
    match data {
        Data::Matrix(m) => Ok(m
            .into_iter()
            .map(|rv| {
                let (labels, samples) = rv.into_inner();
                let points = samples
                    .iter()
                    .filter_map(|s| {
                        let ts = Timestamp::from_millisecond((s.timestamp() * 1000.0) as i64).ok()?;
                        Some((ts, s.value()))
                    })
                    .collect();
                PromSeries { labels: clean_labels(labels), points }
            })
            .collect()),
        _ => Err(PromError::new(K::Malformed, "non-matrix answer to a range query")),
    }
}

#[derive(Clone)]
enum Transport {
    Direct(prometheus_http_query::Client),
    /// `base` is `/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy`.
    Proxy {
        client: kube::Client,
        base: String,
    },
}

/// A ready-to-use Prometheus: cheap to clone, one per poller.
#[derive(Clone)]
pub struct Querier {
    transport: Transport,
    timeout: Duration,
    max_bytes: usize,
    max_series: usize,
    /// For the status line: the URL or the proxied service; never credentials.
    pub source: String,
    pub insecure: bool,
}

impl Querier {
    /// Direct mode from the config's URL.
    pub fn direct(cfg: &PromConfig) -> Result<Querier, PromError> {
        let raw = cfg.url.as_deref().ok_or_else(|| PromError::new(K::NotConfigured, "no Prometheus URL"))?;
        let url = endpoint::normalize_url(raw)?;
        let client = prometheus_http_query::Client::from(endpoint::http_client(cfg)?, &url)
            .map_err(|e| PromError::new(K::Config, format!("Prometheus URL {url}: {e}")))?;
        Ok(Querier::with(
            Transport::Direct(client),
            cfg,
            endpoint::describe(&url, cfg),
            cfg.insecure_skip_verify,
        ))
    }

    /// Proxy mode: requests go through the API server with kube's auth and TLS.
    pub fn proxy(client: kube::Client, base: String, source: String, cfg: &PromConfig) -> Querier {
        Querier::with(Transport::Proxy { client, base }, cfg, source, false)
    }

    fn with(transport: Transport, cfg: &PromConfig, source: String, insecure: bool) -> Querier {
        Querier {
            transport,
            timeout: cfg.timeout,
            max_bytes: cfg.max_body_bytes,
            max_series: cfg.max_series,
            source,
            insecure,
        }
    }

    pub async fn instant(&self, promql: &str) -> Result<Vec<PromSample>, PromError> {
        instant_samples(self.run(promql, None).await?)
    }

    /// `step` in seconds; Prometheus refuses more than 11,000 points per series.
    pub async fn range(
        &self,
        promql: &str,
        start: Timestamp,
        end: Timestamp,
        step: f64,
    ) -> Result<Vec<PromSeries>, PromError> {
        range_series(self.run(promql, Some((start.as_second(), end.as_second(), step))).await?)
    }

    async fn run(&self, promql: &str, range: Option<(i64, i64, f64)>) -> Result<Data, PromError> {
        let fetch = self.fetch(promql, range);
        let (status, body) = tokio::time::timeout(self.timeout, fetch)
            .await
            .map_err(|_| PromError::new(K::Timeout, format!("no answer within {:?}", self.timeout)))??;
        let data = parse(status, &body)?;
        let n = match &data {
            Data::Vector(v) => v.len(),
            Data::Matrix(m) => m.len(),
            Data::Scalar(_) => 1,
        };
        if n > self.max_series {
            return Err(PromError::new(K::TooLarge, format!("{n} series (cap {})", self.max_series)));
        }
        Ok(data)
    }

    async fn fetch(&self, promql: &str, range: Option<(i64, i64, f64)>) -> Result<(u16, Vec<u8>), PromError> {
        let server_timeout = self.timeout.as_millis() as i64;
        match &self.transport {
            Transport::Direct(client) => {
                let sent = match range {
                    None => client.query(promql).timeout(server_timeout).get_raw().await,
                    Some((s, e, step)) => {
                        client.query_range(promql, s, e, step).timeout(server_timeout).get_raw().await
                    }
                };
                let mut resp = sent.map_err(|e| transport_error(&e))?;
                let status = resp.status().as_u16();
                let mut body = Vec::new();
                while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e))? {
                    self.push_capped(&mut body, &chunk)?;
                }
                Ok((status, body))
            }
            Transport::Proxy { client, base } => {
                let mut params =
                    vec![("query", promql.to_string()), ("timeout", format!("{server_timeout}ms"))];
                let path = match range {
                    None => "api/v1/query",
                    Some((s, e, step)) => {
                        params.extend([
                            ("start", s.to_string()),
                            ("end", e.to_string()),
                            ("step", step.to_string()),
                        ]);
                        "api/v1/query_range"
                    }
                };
                let uri = format!("{base}/{path}?{}", form_encode(&params));
                self.proxy_get(client, &uri).await
            }
        }
    }

    /// GET through the API server; the body is read frame by frame up to the cap.
    pub(crate) async fn proxy_get(
        &self,
        client: &kube::Client,
        uri: &str,
    ) -> Result<(u16, Vec<u8>), PromError> {
        let req = http::Request::get(uri)
            .body(kube::client::Body::empty())
            .map_err(|e| PromError::new(K::Config, format!("proxy request: {e}")))?;
        let resp = client.send(req).await.map_err(|e| {
            PromError::new(K::Unreachable, format!("API server: {}", crate::k8s::error_text::describe(&e)))
        })?;
        let status = resp.status().as_u16();
        let mut stream = resp.into_body();
        let mut body = Vec::new();
        while let Some(frame) = stream.frame().await {
            let frame =
                frame.map_err(|e| PromError::new(K::Unreachable, format!("reading proxy answer: {e}")))?;
            if let Ok(chunk) = frame.into_data() {
                self.push_capped(&mut body, &chunk)?;
            }
        }
        Ok((status, body))
    }

    fn push_capped(&self, body: &mut Vec<u8>, chunk: &[u8]) -> Result<(), PromError> {
        if body.len() + chunk.len() > self.max_bytes {
            return Err(PromError::new(
                K::TooLarge,
                format!("answer over {} bytes, refused", self.max_bytes),
            ));
        }
        body.extend_from_slice(chunk);
        Ok(())
    }
}

fn transport_error(e: &(dyn std::error::Error + 'static)) -> PromError {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<reqwest::Error>() {
            if r.is_timeout() {
                return PromError::new(K::Timeout, r.to_string());
            }
            let mut detail = r.to_string();
            let mut src = std::error::Error::source(r);
            while let Some(s) = src {
                detail = format!("{detail}: {s}");
                src = s.source();
            }
            return PromError::new(K::Unreachable, detail);
        }
        cur = err.source();
    }
    PromError::new(K::Unreachable, e.to_string())
}
