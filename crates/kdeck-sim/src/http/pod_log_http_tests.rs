//! The log endpoint through kube-rs, as a client sees it.

use super::*;

/// A sim on a manual clock at T0 with pods in namespace shop.
async fn sim_with(pods: &[Value]) -> (SimHandle, SimClock) {
    crate::tls::install_crypto_provider();
    let clock = SimClock::manual(Timestamp::from_second(T0).unwrap());
    let store = Store::new(clock.clone());
    let rt = resources::lookup("", "v1", "pods").unwrap();
    for p in pods {
        store.create_json(rt, Some("shop"), p.clone()).unwrap();
    }
    let options = SimOptions { clock: clock.clone(), ..SimOptions::default() };
    (SimHandle::start(options, store).await.unwrap(), clock)
}

async fn pods(sim: &SimHandle, user: SimUser) -> Api<Pod> {
    Api::namespaced(sim.client(user).await.unwrap(), "shop")
}

fn params(container: &str) -> LogParams {
    LogParams { container: Some(container.into()), ..LogParams::default() }
}

/// The RFC 3339 timestamp at the start of a `timestamps=true` line.
fn stamp_of(line: &str) -> Timestamp {
    let (stamp, _) = line.split_once(' ').unwrap();
    assert_eq!(stamp.len(), 30, "nine fraction digits: {line}");
    stamp.parse().unwrap()
}

#[tokio::test]
async fn logs_are_served_deterministically_with_since_tail_and_limit() {
    let (sim, _clock) = sim_with(&[pod_value(
        "web-1",
        &["web", "istio-proxy"],
        json!([running("web", T0 - 600, 0), running("istio-proxy", T0 - 600, 0)]),
    )])
    .await;
    let api = pods(&sim, SimUser::Viewer).await;
    let timed = LogParams { timestamps: true, since_seconds: Some(60), ..params("web") };
    let text = api.logs("web-1", &timed).await.unwrap();
    let stamps: Vec<Timestamp> = text.lines().map(stamp_of).collect();
    assert!(stamps.len() > 30, "{} lines in a minute", stamps.len());
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "ordered");
    let now = Timestamp::from_second(T0).unwrap();
    assert!(stamps.iter().all(|t| *t >= Timestamp::from_second(T0 - 60).unwrap() && *t <= now));
    assert_eq!(api.logs("web-1", &timed).await.unwrap(), text, "the same window, the same lines");

    let tail = api
        .logs("web-1", &LogParams { tail_lines: Some(5), timestamps: true, ..params("web") })
        .await
        .unwrap();
    assert_eq!(tail.lines().count(), 5);
    assert!(text.ends_with(&tail), "the tail is the end of the log");
    let limited = api.logs("web-1", &LogParams { limit_bytes: Some(100), ..params("web") }).await.unwrap();
    assert_eq!(limited.len(), 100);
    let since_time = LogParams {
        since_time: Some(Timestamp::from_second(T0 - 60).unwrap()),
        timestamps: true,
        ..params("web")
    };
    assert_eq!(api.logs("web-1", &since_time).await.unwrap(), text, "sinceTime and sinceSeconds agree");
    let sidecar = api.logs("web-1", &params("istio-proxy")).await.unwrap();
    assert!(sidecar.lines().filter(|l| !l.contains('\x1b')).all(|l| l.contains("via_upstream")), "{sidecar}");

    let record = sim.request_log().into_iter().find(|r| r.resource == "pods/log").unwrap();
    assert_eq!((record.verb.as_str(), record.status, record.user.as_deref()), ("get", 200, Some("viewer")));
    sim.stop().await;
}

#[tokio::test]
async fn errors_are_status_objects() {
    let (sim, _clock) = sim_with(&[
        pod_value(
            "web-1",
            &["web", "istio-proxy"],
            json!([running("web", T0 - 600, 0), running("istio-proxy", T0 - 600, 0)]),
        ),
        pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)])),
        json!({"metadata": {"name": "unscheduled", "namespace": "shop"}, "spec": {"containers": [{"name": "app"}]}}),
    ])
    .await;
    let api = pods(&sim, SimUser::Admin).await;
    let status = |result: Result<String, kube::Error>| match result {
        Err(kube::Error::Api(s)) => (s.code, s.message),
        other => panic!("expected a Status, got {other:?}"),
    };
    assert_eq!(
        status(api.logs("nope", &LogParams::default()).await),
        (404, "pods \"nope\" not found".into())
    );
    assert_eq!(
        status(api.logs("web-1", &LogParams::default()).await),
        (
            400,
            "a container name must be specified for pod web-1, choose one of: [init web istio-proxy]".into()
        )
    );
    assert_eq!(status(api.logs("web-1", &params("db")).await).1, "container db is not valid for pod web-1");
    assert_eq!(
        status(api.logs("api-1", &LogParams { previous: true, ..LogParams::default() }).await),
        (400, "previous terminated container \"api\" in pod \"api-1\" not found".into())
    );
    assert_eq!(
        status(api.logs("api-1", &LogParams { since_seconds: Some(0), ..LogParams::default() }).await).0,
        422
    );
    assert_eq!(api.logs("unscheduled", &LogParams::default()).await.unwrap(), "", "no node: an empty log");
    sim.faults().switch_on(ApiFault::Revoke("pods".into()));
    let (code, message) = status(api.logs("api-1", &LogParams::default()).await);
    assert_eq!(code, 403);
    assert!(message.contains("cannot get resource \"pods/log\" in API group \"\""), "{message}");
    sim.stop().await;
}

#[tokio::test]
async fn previous_logs_end_with_the_crash() {
    let (sim, _clock) =
        sim_with(&[pod_value("api-1", &["api"], json!([crashed("api", T0 - 30, T0 - 10, 4)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    let text = api.logs("api-1", &LogParams { previous: true, ..LogParams::default() }).await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("Exception in thread \"main\" java.lang.")).unwrap();
    assert!(start > 0, "ordinary lines come first");
    assert!(lines[start + 1..].iter().all(|l| l.starts_with('\t') || l.starts_with("Caused by:")), "{text}");
    assert_eq!(lines.last().copied(), Some("\t... 3 more"));
    sim.stop().await;
}

/// Read lines from a followed stream until `enough` says so, within a deadline.
async fn read_until(
    lines: &mut (impl futures::Stream<Item = std::io::Result<String>> + Unpin),
    mut enough: impl FnMut(&[String]) -> bool,
    what: &str,
) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !enough(&got) {
        match tokio::time::timeout_at(deadline, lines.next()).await {
            Ok(Some(Ok(line))) => got.push(line),
            Ok(other) => panic!("{what}: the stream ended ({other:?}) after {} lines", got.len()),
            Err(_) => panic!("{what}: timed out after {} lines", got.len()),
        }
    }
    got
}

#[tokio::test]
async fn followed_logs_grow_with_sim_time_and_end_with_the_pod() {
    let (sim, clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    let follow = LogParams { follow: true, timestamps: true, tail_lines: Some(3), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    let history = read_until(&mut lines, |got| got.len() >= 3, "the tail").await;
    assert!(history.iter().all(|l| stamp_of(l) <= Timestamp::from_second(T0).unwrap()));
    clock.advance(Duration::from_secs(30));
    let later = read_until(&mut lines, |got| got.len() >= 10, "new lines").await;
    assert!(later.iter().all(|l| stamp_of(l) > stamp_of(&history[2])), "only new lines");
    assert!(later.windows(2).all(|w| stamp_of(&w[0]) < stamp_of(&w[1])));
    // a sinceTime ahead of sim time (now T0+30): nothing until then
    let ahead = LogParams {
        follow: true,
        since_time: Some(Timestamp::from_second(T0 + 100).unwrap()),
        timestamps: true,
        ..LogParams::default()
    };
    let mut early = api.log_stream("api-1", &ahead).await.unwrap().lines();
    clock.advance(Duration::from_secs(40));
    let after_60 = Timestamp::from_second(T0 + 60).unwrap();
    read_until(&mut lines, |got| got.last().is_some_and(|l| stamp_of(l) > after_60), "lines after T0+60")
        .await;
    let quiet = tokio::time::timeout(Duration::from_millis(500), early.next()).await;
    assert!(quiet.is_err(), "no line before sinceTime: {quiet:?}");
    clock.advance(Duration::from_secs(40));
    let first = read_until(&mut early, |got| !got.is_empty(), "lines after sinceTime").await;
    assert!(stamp_of(&first[0]) >= Timestamp::from_second(T0 + 100).unwrap(), "{first:?}");
    api.delete("api-1", &DeleteParams::default()).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(_)) = lines.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends when the pod is deleted");
    sim.stop().await;
}

#[tokio::test]
async fn a_flood_rate_reaches_followed_streams() {
    let (sim, clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    assert_eq!(sim.set_log_rate(2500), 2500);
    let follow = LogParams { follow: true, tail_lines: Some(0), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    clock.advance(Duration::from_secs(3));
    // the seconds T0+1 and T0+2 are flooded: 5000 lines, and a few more at the normal rate
    read_until(&mut lines, |got| got.len() >= 5000, "a flood").await;
    sim.stop().await;
}

#[tokio::test]
async fn log_drop_cuts_followed_streams() {
    let (sim, _clock) = sim_with(&[pod_value("api-1", &["api"], json!([running("api", T0 - 600, 0)]))]).await;
    let api = pods(&sim, SimUser::Admin).await;
    sim.faults().switch_on(ApiFault::LogDrop);
    let follow = LogParams { follow: true, tail_lines: Some(2), ..LogParams::default() };
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    read_until(&mut lines, |got| got.len() >= 2, "the tail").await;
    let started = std::time::Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match lines.next().await {
                Some(Ok(_)) => continue,
                other => return other.map(|r| r.is_err()),
            }
        }
    })
    .await
    .expect("the stream is cut");
    assert_eq!(end, Some(true), "cut mid-stream (an error to the client), not a clean end");
    assert!(started.elapsed() >= Duration::from_millis(1500), "after about two seconds");
    // without the fault, a stream stays open
    sim.faults().switch_off(&ApiFault::LogDrop);
    let mut lines = api.log_stream("api-1", &follow).await.unwrap().lines();
    read_until(&mut lines, |got| got.len() >= 2, "the tail").await;
    let open = tokio::time::timeout(Duration::from_secs(3), lines.next()).await;
    assert!(open.is_err(), "no line and no end while sim time stands still");
    sim.stop().await;
}

/// 20 followed pods at 2,500 lines a second each: the server keeps up with 50,000 lines a
/// second (run with `--ignored --nocapture`; a debug build on 2 cores is the worst case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a throughput measurement, not a check"]
async fn flood_throughput() {
    crate::tls::install_crypto_provider();
    let clock = SimClock::new(1.0);
    let store = Store::new(clock.clone());
    let rt = resources::lookup("", "v1", "pods").unwrap();
    let now = clock.now().as_second();
    for i in 0..20 {
        let name = format!("api-{i}");
        store
            .create_json(rt, Some("shop"), pod_value(&name, &["api"], json!([running("api", now - 600, 0)])))
            .unwrap();
    }
    let sim =
        SimHandle::start(SimOptions { clock: clock.clone(), ..SimOptions::default() }, store).await.unwrap();
    sim.set_log_rate(2500);
    let api = pods(&sim, SimUser::Admin).await;
    let counted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = std::time::Instant::now();
    for i in 0..20 {
        let follow = LogParams { follow: true, tail_lines: Some(0), ..LogParams::default() };
        let mut lines = api.log_stream(&format!("api-{i}"), &follow).await.unwrap().lines();
        let counted = counted.clone();
        tokio::spawn(async move {
            while let Some(Ok(_)) = lines.next().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let n = counted.load(std::sync::atomic::Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    println!("{n} lines in {secs:.1} s: {:.0} lines/s (sim time {:.1} s)", n as f64 / secs, secs);
    sim.stop().await;
}
