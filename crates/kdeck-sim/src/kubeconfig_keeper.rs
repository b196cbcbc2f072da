//! Keeping a kubeconfig file current while its sims rotate their tokens (the `expire-token`
//! fault): a client that re-reads the file after a 401 recovers. One file for one sim
//! (`kdeck sim`) or for several (`kdeck sim --clusters N`, `kdeck demo --clusters N`).

use std::path::{Path, PathBuf};

use tokio::sync::{mpsc, watch};

use crate::api_faults::ActiveFaults;
use crate::kubeconfig::{self, ClusterEntry};

/// What one running sim contributes to a kept kubeconfig: its fixed parts, the fault
/// switches (which carry the tokens) and its shutdown signal.
pub struct KubeconfigSource {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) ca_pem: String,
    pub(crate) faults: watch::Receiver<ActiveFaults>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl KubeconfigSource {
    fn entry(&self) -> ClusterEntry {
        ClusterEntry {
            name: self.name.clone(),
            url: self.url.clone(),
            ca_pem: self.ca_pem.clone(),
            tokens: self.faults.borrow().tokens(),
        }
    }
}

/// Write the kubeconfig of `sources` to `path` now, and again whenever one of them issues new
/// tokens, until every one of them has stopped.
pub fn keep_current(path: &Path, sources: Vec<KubeconfigSource>) -> std::io::Result<()> {
    let mut written = yaml(&sources);
    std::fs::write(path, &written)?;
    // capacity 1: a pending notice already makes the writer read the newest tokens
    let (changed, mut notices) = mpsc::channel::<()>(1);
    for source in &sources {
        tokio::spawn(forward_token_changes(source.faults.clone(), source.shutdown.clone(), changed.clone()));
    }
    // the writer ends when the last forwarder (its sim stopped) drops its sender
    drop(changed);
    let path: PathBuf = path.to_path_buf();
    tokio::spawn(async move {
        while notices.recv().await.is_some() {
            let text = yaml(&sources);
            if text == written {
                continue;
            }
            match std::fs::write(&path, &text) {
                Ok(()) => tracing::info!(path = %path.display(), "kubeconfig rewritten with the new tokens"),
                Err(err) => tracing::warn!(path = %path.display(), %err, "cannot rewrite the kubeconfig"),
            }
            written = text;
        }
    });
    Ok(())
}

fn yaml(sources: &[KubeconfigSource]) -> String {
    let entries: Vec<ClusterEntry> = sources.iter().map(KubeconfigSource::entry).collect();
    kubeconfig::merged_yaml(&entries)
}

/// A notice on `changed` after each fault switch of one sim, until it stops.
async fn forward_token_changes(
    mut faults: watch::Receiver<ActiveFaults>,
    mut shutdown: watch::Receiver<bool>,
    changed: mpsc::Sender<()>,
) {
    faults.borrow_and_update();
    loop {
        tokio::select! {
            switched = faults.changed() => if switched.is_err() { break },
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
        faults.borrow_and_update();
        let _ = changed.try_send(());
    }
}
