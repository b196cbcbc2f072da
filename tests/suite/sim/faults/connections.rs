//! Faults on connections and streams: a closed port, a blackhole, 410 storms, garbled frames.

use crate::common::sim;

use std::time::Duration;

use super::harness::*;
use serde_json::Value;

#[tokio::test]
async fn down_refuses_connections_then_listens_again_on_the_same_address() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    let mut open = http.get("/api/v1/namespaces/shop/pods?watch=1").send().await.unwrap();
    assert_eq!(open.status(), 200);
    watch_open(&sim, "pods").await;

    http.on("down").await;
    // open connections drop, as when the apiserver process dies
    let ended = tokio::time::timeout(LIMIT, async {
        loop {
            match open.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the open watch ends");
    let run = kubectl.fails(&["get", "pods", "-n", "shop"]).await;
    let refused = format!("The connection to the server {} was refused", sim.addr());
    assert!(run.stderr.contains(&refused), "{}", run.stderr);

    http.off("down").await;
    // the same kubeconfig (address, CA, token) works again
    crate::common::wait::until("kubectl through the reopened port", LIMIT, async || {
        (kubectl.run(&["get", "pods", "-n", "shop"]).await.code == 0).then_some(())
    })
    .await;
    sim.stop().await;
}

#[tokio::test]
async fn blackhole_leaves_requests_and_open_watches_unanswered() {
    let sim = sim::start().await;
    let kubectl = Kubectl::new(&sim).await;
    let http = Http::new(&sim);
    // an open watch that gets bookmarks every 500 ms (the test options)
    let mut open =
        http.get("/api/v1/namespaces/shop/pods?watch=1&allowWatchBookmarks=true").send().await.unwrap();
    let mut seen = String::new();
    while !seen.contains("BOOKMARK") {
        let chunk = tokio::time::timeout(LIMIT, open.chunk()).await.unwrap().unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    http.on("blackhole").await;
    touch_pod(&sim, "during-blackhole");
    // nothing at all comes for several bookmark intervals: not the change, not a bookmark
    let silent = tokio::time::timeout(Duration::from_millis(2000), open.chunk()).await;
    assert!(silent.is_err(), "the open watch stays silent, got {silent:?}");
    // a request on a pooled, already-open connection is never answered
    let pooled = http.get("/api/v1/namespaces/shop/pods").timeout(Duration::from_millis(500)).send().await;
    assert!(pooled.is_err_and(|e| e.is_timeout()));
    // a new connection gets no TLS handshake: kubectl times out
    let run = kubectl.fails(&["--request-timeout=2s", "get", "pods", "-n", "shop"]).await;
    assert!(run.elapsed >= Duration::from_secs(2), "{:?}", run.elapsed);
    assert!(
        run.stderr.contains("Timeout") || run.stderr.contains("timeout") || run.stderr.contains("deadline"),
        "{}",
        run.stderr
    );
    println!("blackhole: kubectl --request-timeout=2s failed after {:?}: {}", run.elapsed, run.stderr.trim());

    http.off("blackhole").await;
    kubectl.ok(&["--request-timeout=5s", "get", "pods", "-n", "shop"]).await;
    sim.stop().await;
}

#[tokio::test]
async fn gone_storm_answers_410_to_every_watch_while_lists_work() {
    let Watching { sim, kubectl, http, mut open, output } = watching_pods().await;

    http.on("gone-storm").await;
    exits(&mut open, "the open watch ends with a 410").await;
    // kubectl has exited; the reader of its output may not have taken the last line yet.
    until("the 410 read from kubectl's output", || output.lock().unwrap().contains("\"ERROR\"")).await;
    let last = output.lock().unwrap().lines().last().unwrap_or_default().to_string();
    let event: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        (event["type"].as_str(), event["object"]["code"].as_i64()),
        (Some("ERROR"), Some(410)),
        "{last}"
    );

    // every new watch, resumed or not, is too old; lists still answer
    let rv = sim.store().resource_version().to_string();
    for path in [
        format!("/api/v1/namespaces/shop/pods?watch=1&resourceVersion={rv}"),
        "/apis/apps/v1/deployments?watch=1".to_string(),
    ] {
        let answer = kubectl.ok(&["get", "--raw", &path]).await;
        let event: Value = serde_json::from_str(answer.trim()).unwrap();
        assert_eq!(event["object"]["reason"], "Expired", "{answer}");
        assert!(event["object"]["message"].as_str().unwrap().starts_with("too old resource version"));
    }
    assert!(kubectl.ok(&["get", "pods", "-n", "shop"]).await.contains("web-7c9b6d5f4-abcde"));

    http.off("gone-storm").await;
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&timeoutSeconds=1"]).await;
    assert!(answer.lines().all(|l| l.contains("\"ADDED\"")), "{answer}");
    sim.stop().await;
}

#[tokio::test]
async fn garble_breaks_watch_streams_mid_frame() {
    let Watching { sim, kubectl, http, mut open, output } = watching_pods().await;

    http.on("garble").await;
    exits(&mut open, "the open watch closes after a broken frame").await;
    until("the broken frame read from kubectl's output", || {
        output.lock().unwrap().lines().any(|l| !is_json(l))
    })
    .await;
    let text = output.lock().unwrap().clone();
    let broken: Vec<&str> = text.lines().filter(|l| !is_json(l)).collect();
    assert_eq!(broken.len(), 1, "one broken frame, then the end:\n{text}");
    assert!(text.lines().last() == broken.first().copied());

    // a new watch gets half its first event
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1"]).await;
    assert_eq!(answer.lines().count(), 1, "{answer}");
    assert!(answer.starts_with("{\"type\":\"ADDED\"") && !is_json(answer.trim()), "{answer}");
    // lists are untouched
    kubectl.ok(&["get", "pods", "-n", "shop"]).await;

    http.off("garble").await;
    let answer = kubectl.ok(&["get", "--raw", "/api/v1/namespaces/shop/pods?watch=1&timeoutSeconds=1"]).await;
    assert!(answer.lines().count() == 2 && answer.lines().all(is_json), "{answer}");
    sim.stop().await;
}
