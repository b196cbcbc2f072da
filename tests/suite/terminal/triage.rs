//! Triage during each incident the sim plays: the culprit is problem 1 of
//! `snapshot --check -o json` (exit 1), its cause names the change where the scenario has
//! one, and the default screen at 80x24 names it within 5 s of launch. In `steady`, the
//! only error is the dev image that never pulls.
//!
//! The incidents develop as the tests advance the sim clock: a manual clock, or for the one
//! read through Prometheus a wall clock (its rate() is over real scrapes, so sim time has to
//! keep passing while it scrapes) advanced past the rollout. What is awaited is Prometheus's
//! scrapes and kdeck's screen, never a controller.

use super::culprit::{Expect, culprit_first, object, snapshot, snapshot_options, start, summary, temp_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_outage_puts_a_node_of_the_lost_zone_first() {
    let expect = Expect {
        scenario: "zone-outage",
        kind: "Node",
        object: "ip-10-0-",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_spike_puts_the_pinned_autoscaler_first_with_its_rescale() {
    let expect = Expect {
        scenario: "traffic-spike",
        kind: "HorizontalPodAutoscaler",
        object: "azora/ai-personalization-hpa",
        cause: Some(&["autoscaler scaled"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rollout_puts_the_crashing_deployment_first_with_its_rollout() {
    let expect = Expect {
        scenario: "bad-rollout",
        kind: "Deployment",
        object: "aodb/aodb-api",
        cause: Some(&["rollout revision", "aodb/aodb-api"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_expiry_puts_the_expired_certificate_first() {
    // cert-manager issues the ingress's certificate: its Certificate is what to fix, and the
    // ingress (second) names it as its cause.
    let expect = Expect {
        scenario: "cert-expiry",
        kind: "Certificate",
        object: "b2connect/b2connect",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_burst_puts_the_failing_release_first_with_its_rollout() {
    // The release fails the mesh's calls as well as the ingress's: the Deployment (what to roll
    // back) ranks above the ingress, which names the same rollout as its cause.
    let expect = Expect {
        scenario: "error-burst",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: Some(&["rollout revision", "harmonyflow/session-state-service"]),
        prometheus: true,
        release: Some(("harmonyflow", "session-state-service")),
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_crash_puts_the_crashing_deployment_first_with_the_config_edit() {
    let expect = Expect {
        scenario: "config-crash",
        kind: "Deployment",
        object: "b2connect/api-gateway",
        cause: Some(&["ConfigMap", "edited"]),
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_pressure_puts_the_node_under_pressure_first() {
    let expect = Expect {
        scenario: "node-pressure",
        kind: "Node",
        object: "ip-10-0-51-24.eu-west-1.compute.internal",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_has_one_error_the_dev_image_and_small_spread_findings_are_information() {
    let dir = temp_dir("steady");
    let cluster = start("steady", false, &dir).await;
    let (code, doc) = snapshot(&snapshot_options(&cluster)).await;
    let problems = doc["problems"].as_array().unwrap();
    let errors: Vec<String> = problems.iter().filter(|p| p["severity"] == "error").map(object).collect();
    assert_eq!(errors, ["core-business-dev/catalog"], "{}", summary(&doc));
    assert_eq!(code, 1);
    let zones = doc["zones"].as_array().unwrap().len() as i64;
    let workloads = doc["workloads"].as_array().unwrap();
    let mut small = 0;
    for w in workloads {
        let desired = w["desired"].as_i64().unwrap();
        let unused = !w["zones_unused"].as_array().unwrap().is_empty();
        if desired >= zones || !(unused || desired == 1) {
            continue;
        }
        small += 1;
        let p = problems.iter().find(|p| p["kind"] == w["kind"] && object(p) == object(w));
        let spread = p
            .into_iter()
            .flat_map(|p| p["reasons"].as_array().unwrap())
            .filter(|r| r["category"] == "spread");
        for r in spread {
            assert_eq!(r["severity"], "info", "{} {}: {r}", w["kind"], object(w));
        }
    }
    assert!(small > 0, "the demo has small workloads to check");
    cluster.launched.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_blocks_traffic_puts_the_failing_ingress_first_with_the_policy_behind_it() {
    // The pods stay Ready and in the endpoints: only Prometheus sees the 502/504s, and only the
    // timeline knows a NetworkPolicy was just written into the namespace.
    let expect = Expect {
        scenario: "policy-blocks-traffic",
        kind: "Ingress",
        object: "querystream/",
        cause: Some(&["NetworkPolicy deny-all-ingress", "created"]),
        prometheus: true,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httproute_backend_missing_puts_the_edited_route_first_with_its_edit() {
    // With Envoy's 5xx in Prometheus: the Gateway answering errors ranks below the route
    // whose edit it names as its cause.
    let expect = Expect {
        scenario: "httproute-backend-missing",
        kind: "HTTPRoute",
        object: "platform-prod/",
        cause: Some(&["HTTPRoute", "edited"]),
        prometheus: true,
        release: None,
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_success_drop_puts_the_failing_callee_first_with_its_release() {
    // Its callers pass its errors on (their own success drops too) and name its rollout as
    // their cause: the callee is what to roll back.
    let expect = Expect {
        scenario: "mesh-success-drop",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: Some(&["rollout revision", "harmonyflow/session-state-service"]),
        prometheus: true,
        release: Some(("harmonyflow", "session-state-service")),
    };
    culprit_first(&expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesh_proxy_not_ready_puts_the_workload_with_proxies_down_first() {
    let expect = Expect {
        scenario: "mesh-proxy-not-ready",
        kind: "Deployment",
        object: "harmonyflow/session-state-service",
        cause: None,
        prometheus: false,
        release: None,
    };
    culprit_first(&expect).await;
}
