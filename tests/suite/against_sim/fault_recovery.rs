//! The fault matrix: kdeck's own loop (real watches, real effect runner) against the sim
//! while the sim's API misbehaves (`kdeck::sim::api_faults`). For each fault: what the
//! status line says while it lasts, and, once it is over, how long until kdeck shows a
//! change made during the fault and agrees with kubectl. Each recovery time is printed.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::driver::Driver;
use k8s_openapi::api::apps::v1::Deployment;
use kdeck::app::model::Credentials;
use kdeck::app::session::Session;
use kdeck::sim::api_faults::ApiFault;
use kdeck::sim::launch::{LaunchOptions, Launched, launch};
use kdeck::sim::world::typed;
use kdeck::ui::view::ApiHealth;

const NAMESPACE: &str = "adapters";
const DEPLOYMENT: &str = "adapter-atlantis";

/// What the user sees, in words, and the test that it is shown.
type Sign = (&'static str, fn(&Session) -> bool);

struct Case {
    fault: &'static str,
    /// What the status line shows while the fault lasts, as its word and as a test of the
    /// API health it draws (None: nothing to see, e.g. latency).
    during: Option<Sign>,
    /// How long the status line may take to say it.
    noticed_within: Duration,
    /// Whether the fault is switched off (expire-token and huge-object stay: kdeck must cope).
    cleared: bool,
    /// From the end of the fault (or the change) to kdeck showing the change.
    recovered_within: Duration,
}

fn kubectl_replicas(kubeconfig: &Path) -> Option<i32> {
    let out = crate::common::tools::kubectl_command()
        .args([
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "-n",
            NAMESPACE,
            "get",
            "deployment",
            DEPLOYMENT,
        ])
        .args(["-o", "jsonpath={.spec.replicas}", "--request-timeout=5s"])
        .output()
        .unwrap_or_else(|e| panic!("kubectl is required (`bash .ci/test` installs it): {e}"));
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn shown_replicas(s: &Session) -> Option<i32> {
    s.model.cluster.stores().deployments.state().iter().find_map(|d| {
        (d.metadata.namespace.as_deref() == Some(NAMESPACE) && d.metadata.name.as_deref() == Some(DEPLOYMENT))
            .then_some(d.spec.replicas)
            .flatten()
    })
}

async fn start(fault_dir: &str) -> (Launched, tempfile::TempDir, std::path::PathBuf) {
    // One seed's cluster (airhart: 9 nodes, 7 Deployments) rather than the whole demo: ten sims
    // run at once beside the rest of the suite, and the faults are in the API, not the size.
    let options = LaunchOptions { topology: "airhart".into(), ..LaunchOptions::default() };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix(&format!("kdeck-fault-{fault_dir}-")).tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    // Rewritten when `expire-token` issues new tokens, as a login command would.
    launched.sim.keep_kubeconfig_current(&kubeconfig).unwrap();
    (launched, dir, kubeconfig)
}

async fn run(case: Case) {
    let fault: ApiFault = case.fault.parse().unwrap();
    let (launched, _dir, kubeconfig) = start(case.fault).await;
    let mut d = Driver::start(&kubeconfig, "kdeck-sim", "").await;
    d.run_until("the first sync", |s| s.screen.synced).await;
    let before = shown_replicas(&d.session).expect("the deployment is shown");

    launched.sim.faults().switch_on(fault.clone());
    if let Some((text, shows)) = case.during {
        let noticed = Instant::now();
        let what = format!("{}: the status line to say {text:?}", case.fault);
        d.run_until_within(&what, case.noticed_within, shows).await;
        eprintln!("{}: {text:?} shown after {:.1} s", case.fault, noticed.elapsed().as_secs_f64());
    }
    // A change made while the fault bites (straight into the sim's store).
    let wanted = before + 2;
    typed::modify::<Deployment>(launched.sim.store(), Some(NAMESPACE), DEPLOYMENT, |dep| {
        dep.spec.get_or_insert_default().replicas = Some(wanted);
    })
    .unwrap();
    if case.cleared {
        launched.sim.faults().switch_off(&fault);
    }
    let recovering = Instant::now();
    d.run_until_within(
        &format!("{}: the change shown after recovery", case.fault),
        case.recovered_within,
        |s| shown_replicas(s) == Some(wanted) && s.screen.synced,
    )
    .await;
    let took = recovering.elapsed();
    eprintln!("{}: recovered in {:.1} s", case.fault, took.as_secs_f64());
    if case.cleared {
        assert_eq!(kubectl_replicas(&kubeconfig), Some(wanted), "kubectl agrees");
    }
    launched.stop().await;
}

const S: fn(u64) -> Duration = Duration::from_secs;
const RETRYING: Sign = ("retrying", |s| matches!(s.screen.status.api, ApiHealth::Retrying { .. }));
const FORBIDDEN: Sign =
    ("forbidden", |s| matches!(s.screen.status.api, ApiHealth::Live { forbidden } if forbidden > 0));
const REREADING: Sign = ("401 Unauthorized", |s| s.model.credentials != Credentials::Accepted);
const HUGE_SEEN: Sign = ("the huge object", |s| {
    s.model
        .cluster
        .stores()
        .config_maps
        .state()
        .iter()
        .any(|c| c.metadata.name.as_deref() == Some("kdeck-sim-huge-object"))
});

async fn down() {
    run(Case {
        fault: "down",
        during: Some(RETRYING),
        noticed_within: S(120),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn blackhole() {
    // The dead link is noticed by the read timeout (60 s) or the watch's idle timeout (55 s).
    run(Case {
        fault: "blackhole",
        during: Some(RETRYING),
        noticed_within: S(120),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn gone_storm() {
    run(Case {
        fault: "gone-storm",
        during: Some(RETRYING),
        noticed_within: S(60),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn throttle() {
    run(Case {
        fault: "throttle",
        during: Some(RETRYING),
        noticed_within: S(120),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn error_500() {
    run(Case {
        fault: "error-500",
        during: Some(RETRYING),
        noticed_within: S(120),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn latency() {
    run(Case {
        fault: "latency-2000",
        during: None,
        noticed_within: S(0),
        cleared: false,
        recovered_within: S(150),
    })
    .await;
}

async fn revoke_deployments() {
    // A forbidden kind asks again once a minute.
    run(Case {
        fault: "revoke-deployments",
        during: Some(FORBIDDEN),
        noticed_within: S(120),
        cleared: true,
        recovered_within: S(100),
    })
    .await;
}

async fn expire_token() {
    // Not cleared: kdeck reads the kubeconfig again after the 401 and finds the new token.
    run(Case {
        fault: "expire-token",
        during: Some(REREADING),
        noticed_within: S(75),
        cleared: false,
        recovered_within: S(75),
    })
    .await;
}

async fn garble() {
    run(Case {
        fault: "garble",
        during: None,
        noticed_within: S(0),
        cleared: true,
        recovered_within: S(150),
    })
    .await;
}

async fn huge_object() {
    run(Case {
        fault: "huge-object",
        during: Some(HUGE_SEEN),
        noticed_within: S(60),
        cleared: false,
        recovered_within: S(150),
    })
    .await;
}

/// All faults at once, each against its own sim: the suite waits for the slowest (the
/// blackhole's detection), not for their sum.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_is_survived_and_nothing_is_lost() {
    futures::join!(
        down(),
        blackhole(),
        gone_storm(),
        throttle(),
        error_500(),
        latency(),
        revoke_deployments(),
        expire_token(),
        garble(),
        huge_object()
    );
}
