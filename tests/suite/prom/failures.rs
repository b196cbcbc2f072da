//! Every way Prometheus can fail becomes a PromStatus/PromError kind; nothing panics, the
//! poller keeps going. Loopback mocks: refused, silent (timeout), 401, 403, malformed, huge,
//! an endless answer, and values that are not numbers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::wait;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use kdeck::prom::discovery::discover;
use kdeck::prom::query::Querier;
use kdeck::prom::{PromConfig, PromErrorKind as K, PromEvent, PromState, spawn_poller};
use kdeck::sim::auth::SimUser;

fn vector_json(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"metric":{{"pod":"pod-{i:08}","namespace":"ns"}},"value":[1.5,"{i}"]}}"#))
        .collect();
    format!(r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#, items.join(","))
}

/// 100 MB, as an endless exporter or a runaway query answers: made as it is read, in 64 KiB
/// chunks, counting what the client took.
const ENDLESS_BYTES: usize = 100 << 20;

fn endless_body(sent: Arc<AtomicUsize>) -> Body {
    let head = br#"{"status":"success","data":{"resultType":"vector","result":["#.to_vec();
    let chunk = vec![b' '; 64 << 10];
    let chunks = std::iter::once(head).chain(std::iter::repeat_n(chunk, ENDLESS_BYTES / (64 << 10)));
    let stream = futures::stream::iter(chunks.map(move |c| {
        sent.fetch_add(c.len(), Ordering::Relaxed);
        Ok::<_, std::io::Error>(c)
    }));
    Body::from_stream(stream)
}

/// One loopback server; the first path segment picks the misbehaviour. `sent` counts the
/// bytes of endless answers taken by clients.
async fn mock() -> String {
    mock_counting(Arc::new(AtomicUsize::new(0))).await
}

async fn mock_counting(sent: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().fallback(move |req: Request| async move {
        let mode = req.uri().path().trim_start_matches('/').split('/').next().unwrap_or("").to_string();
        if mode == "endless" {
            return Response::builder().status(200).body(endless_body(sent)).unwrap();
        }
        let (status, body) = match mode.as_str() {
            "unauthorized" => (401, "Unauthorized".to_string()),
            "forbidden" => (403, r#"{"kind":"Status","code":403}"#.to_string()),
            "malformed" => (200, r#"{"status":"success","data":"#.to_string()),
            "html" => (200, "<html><body>login</body></html>".to_string()),
            "huge" => (200, vector_json(20_000)),
            "many" => (200, vector_json(50)),
            "baddata" => {
                (400, r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#.into())
            }
            "gateway" => (502, "Bad Gateway".to_string()),
            "notnumbers" => (
                200,
                r#"{"status":"success","data":{"resultType":"vector","result":[
                    {"metric":{"ingress":"nan"},"value":[1.5,"NaN"]},
                    {"metric":{"ingress":"inf"},"value":[1.5,"+Inf"]},
                    {"metric":{"ingress":"-inf"},"value":[1.5,"-Inf"]},
                    {"metric":{"ingress":"huge"},"value":[1.5,"1e308"]}]}}"#
                    .to_string(),
            ),
            _ => (200, vector_json(1)),
        };
        Response::builder().status(status).body(Body::from(body)).unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Accepts connections and never answers.
async fn silent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

async fn refused() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn cfg(url: &str) -> PromConfig {
    PromConfig {
        url: Some(url.into()),
        timeout: Duration::from_millis(500),
        interval: Duration::from_millis(200),
        max_series: 10,
        ..PromConfig::default()
    }
}

async fn kind_of(url: &str) -> K {
    Querier::direct(&cfg(url)).unwrap().instant("up").await.unwrap_err().kind
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_has_its_kind() {
    let base = mock().await;
    assert_eq!(Querier::direct(&cfg(&base)).unwrap().instant("up").await.unwrap().len(), 1);
    assert_eq!(kind_of(&refused().await).await, K::Unreachable);
    assert_eq!(kind_of(&silent().await).await, K::Timeout);
    assert_eq!(kind_of(&format!("{base}/unauthorized")).await, K::Unauthorized);
    assert_eq!(kind_of(&format!("{base}/forbidden")).await, K::Forbidden);
    assert_eq!(kind_of(&format!("{base}/malformed")).await, K::Malformed);
    assert_eq!(kind_of(&format!("{base}/html")).await, K::Malformed);
    assert_eq!(kind_of(&format!("{base}/huge")).await, K::TooLarge);
    assert_eq!(kind_of(&format!("{base}/many")).await, K::TooLarge);
    assert_eq!(kind_of(&format!("{base}/baddata")).await, K::Query);
    assert_eq!(kind_of(&format!("{base}/gateway")).await, K::Http(502));
    let e = Querier::direct(&cfg(&format!("{base}/huge"))).unwrap().instant("up").await.unwrap_err();
    assert!(e.message.contains("1048576 bytes"), "{e}");
}

/// Run the real poller against `url` until the state's status label is `want`.
async fn status_via_poller(url: &str, want: &str) -> PromState {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let task = spawn_poller(cfg(url), None, tx);
    let mut state = PromState::new(Duration::from_millis(200));
    let state = wait::until(&format!("status {want} for {url}"), Duration::from_secs(20), || {
        let got = match rx.try_recv() {
            Ok(ev) => {
                state.apply(ev);
                (state.status().label() == want).then(|| state.clone())
            }
            Err(_) => None,
        };
        async move { got }
    })
    .await;
    assert!(!task.is_finished(), "the poller must keep going after failures");
    drop(rx);
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_reports_status_and_keeps_going() {
    let base = mock().await;
    let s = status_via_poller(&format!("{base}/unauthorized"), "401").await.status();
    assert!(s.hint.is_some_and(|h| h.contains("token")) && s.message.is_some(), "{s:?}");
    status_via_poller(&refused().await, "unreachable").await;
    status_via_poller(&silent().await, "timeout").await;
    status_via_poller(&format!("{base}/malformed"), "malformed").await;
    status_via_poller(&format!("{base}/huge"), "too large").await;
    status_via_poller(&base, "live").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_configured_is_off_and_ends_quietly() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let task = spawn_poller(PromConfig::default(), None, tx);
    let ev = rx.recv().await.unwrap();
    assert!(matches!(&ev, PromEvent::Unavailable { error, .. } if error.kind == K::NotConfigured), "{ev:?}");
    let mut state = PromState::new(Duration::from_secs(15));
    state.apply(ev);
    assert_eq!(state.status().label(), "off");
    assert!(state.status().hint.unwrap().contains("prometheus-url"));
    tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap();
}

/// The sim's API server has no services/proxy route, so discovery must report "not found".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_through_the_sim_reports_not_found() {
    use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};
    let launched =
        launch(LaunchOptions { clock: LaunchClock::manual(), ..LaunchOptions::default() }).await.unwrap();
    let client = launched.sim.client(SimUser::Admin).await.unwrap();
    let cfg = PromConfig { timeout: Duration::from_secs(2), ..PromConfig::default() };
    let err = discover(client, &cfg, None).await.err().expect("no Prometheus behind the sim");
    assert_eq!(err.kind, K::NotFound, "{err}");
    launched.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_is_cut_at_the_cap_without_reading_it_all() {
    let sent = Arc::new(AtomicUsize::new(0));
    let base = mock_counting(sent.clone()).await;
    let e = Querier::direct(&cfg(&format!("{base}/endless"))).unwrap().instant("up").await.unwrap_err();
    assert_eq!(e.kind, K::TooLarge, "{e}");
    // The server stops producing once the client hangs up; what it made is the cap plus what
    // was in flight (socket buffers, a few chunks), far from the 100 MB on offer.
    let taken = sent.load(Ordering::Relaxed);
    assert!(taken < 16 << 20, "{taken} bytes produced of {ENDLESS_BYTES}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_that_are_not_numbers_are_kept_and_print_as_a_dash() {
    let base = mock().await;
    let samples = Querier::direct(&cfg(&format!("{base}/notnumbers"))).unwrap().instant("x").await.unwrap();
    let value = |name: &str| {
        samples.iter().find(|s| s.labels.get("ingress").map(String::as_str) == Some(name)).unwrap().value
    };
    assert!(value("nan").is_nan());
    assert_eq!(value("inf"), f64::INFINITY);
    assert_eq!(value("-inf"), f64::NEG_INFINITY);
    assert_eq!(value("huge"), 1e308);
    use kdeck::units::format;
    for name in ["nan", "inf", "-inf"] {
        assert_eq!(format::per_second(value(name)), "-", "{name}");
        assert_eq!(format::latency(value(name)), "-", "{name}");
        assert_eq!(format::ratio_percent(value(name)), "-", "{name}");
    }
    assert_eq!(format::per_second(value("huge")), "1.0e308", "a huge rate stays short, not 309 digits");
}
