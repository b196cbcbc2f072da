//! 429 and 500 on a write: the scale dialog says what the server answered, and the write that
//! was confirmed once reaches the server once (kdeck's client retries nothing by itself). The
//! user's path: keys on the zones pane, the real effect runner, the sim's request log.

use crate::common::driver::Driver;
use kdeck::app::dialog::{Access, Step};
use kdeck::sim::launch::{LaunchClock, LaunchOptions, launch};

const DEPLOYMENT: &str = "adapter-atlantis";

/// Scale `adapters/adapter-atlantis` by keys while `fault` is on; returns what the dialog says.
async fn scale_under(fault: &str) -> String {
    let options = LaunchOptions {
        topology: "airhart".into(),
        clock: LaunchClock::manual(),
        ..LaunchOptions::default()
    };
    let launched = launch(options).await.unwrap();
    let dir = tempfile::Builder::new().prefix(&format!("kdeck-write-{fault}-")).tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    launched.sim.write_kubeconfig(&kubeconfig).unwrap();
    let mut d = Driver::start(&kubeconfig, "kdeck-sim", "").await;
    d.run_until("the first sync", |s| s.screen.synced).await;

    d.type_keys(&format!("2/{DEPLOYMENT}\ns"));
    d.run_until("the scale dialog, its permission checked", |s| {
        s.model
            .ui
            .dialog
            .as_ref()
            .is_some_and(|dialog| dialog.target.name == DEPLOYMENT && dialog.access == Access::Allowed)
    })
    .await;
    let writes_before = deployment_writes(&launched.sim.request_log());

    launched.sim.faults().switch_on(fault.parse().unwrap());
    // Clear the prefilled count, type one more than now, confirm once.
    let desired = d.session.model.ui.dialog.as_ref().map(|dialog| dialog.preflight.desired).unwrap();
    d.type_keys(&format!("\x08\x08\x08{}\n", desired + 1));
    d.run_until(&format!("{fault}: the dialog to show the failure"), |s| {
        s.model.ui.dialog.as_ref().is_some_and(|dialog| matches!(dialog.step, Step::Failed(_)))
    })
    .await;
    let Some(Step::Failed(shown)) = d.session.model.ui.dialog.as_ref().map(|dialog| dialog.step.clone())
    else {
        unreachable!("checked by run_until")
    };
    // The write's answer is in: a retry by the client would already be in the log.
    let sent = deployment_writes(&launched.sim.request_log()) - writes_before;
    assert_eq!(sent, 1, "{fault}: one confirmed scale, one request: {:?}", launched.sim.request_log());

    launched.sim.faults().switch_off(&fault.parse().unwrap());
    launched.stop().await;
    shown
}

/// Writes (PATCH, PUT, POST, DELETE) to the deployment or its scale subresource.
fn deployment_writes(log: &[kdeck::sim::handle::RequestRecord]) -> usize {
    log.iter().filter(|r| r.is_write() && r.resource.starts_with("deployments.apps")).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_or_failed_write_is_shown_in_the_dialog_and_sent_once() {
    let (throttled, failed) = futures::join!(scale_under("throttle"), scale_under("error-500"));
    assert!(throttled.contains("429"), "the dialog names the 429: {throttled}");
    assert!(failed.contains("500"), "the dialog names the 500: {failed}");
}
