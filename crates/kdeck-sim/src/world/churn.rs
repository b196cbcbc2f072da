//! Synthetic churn: N pod status changes per second, done cheaply on the stored JSON of a
//! random pod (never decoding every pod).

use serde_json::{Value, json};

use super::World;
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Pods that churn (at most; chosen at random once).
const CHURN_POOL: usize = 1000;

/// The longest stretch of churn one tick makes up for.
const MAX_BATCH_SECS: f64 = 0.1;

impl World {
    /// From now on the churn rate follows `control` (`PUT /sim/churn/{n}`), starting from
    /// the topology's rate.
    pub fn follow_churn_control(&mut self, control: Arc<AtomicU32>) {
        control.store(self.cfg.churn_per_sec.round() as u32, Ordering::Relaxed);
        self.churn_control = Some(control);
    }

    /// Owe `dt` seconds of churn (done by `churn_step`). At most a tenth of a second is
    /// owed: a rate above what the core can do drops the excess.
    pub(super) fn churn(&mut self, dt: f64) {
        if let Some(control) = &self.churn_control {
            self.cfg.churn_per_sec = f64::from(control.load(Ordering::Relaxed));
        }
        let owed = self.churn_debt + self.cfg.churn_per_sec * dt;
        self.churn_debt = owed.min(self.cfg.churn_per_sec * MAX_BATCH_SECS);
    }

    /// Make up to `max` of the owed changes; true while some are still owed. The caller
    /// yields between steps so watches are served while churn runs.
    pub fn churn_step(&mut self, max: usize) -> bool {
        let n = (self.churn_debt.floor() as usize).min(max);
        if n == 0 {
            return false;
        }
        self.churn_debt -= n as f64;
        let Ok(rt) = super::typed::resource::<k8s_openapi::api::core::v1::Pod>() else { return false };
        if self.churn_names.is_empty() {
            // A pool of pods churns (as a few hundred crash-looping pods do), so the store can
            // keep them decoded.
            let mut names = self.store.names(rt, None);
            let pool = names.len().min(CHURN_POOL);
            for i in 0..pool {
                let j = self.rng.random_range(i..names.len());
                names.swap(i, j);
            }
            names.truncate(pool);
            self.churn_names = names;
        }
        if self.churn_names.is_empty() {
            self.churn_debt = 0.0;
            return false;
        }
        let now = self.now().to_string();
        for _ in 0..n {
            let (ns, name) = self.churn_names[self.rng.random_range(0..self.churn_names.len())].clone();
            let restart = self.rng.random_bool(0.5);
            let _ = self.store.churn_json(rt, ns.as_deref(), &name, |pod| flip(pod, restart, &now));
        }
        self.churn_debt >= 1.0
    }
}

/// A container restarts (restartCount+1, Ready flaps false) or comes back Ready.
fn flip(pod: &mut Value, restart: bool, now: &str) {
    let Some(status) = pod.get_mut("status") else { return };
    if let Some(containers) = status.get_mut("containerStatuses").and_then(Value::as_array_mut)
        && let Some(c) = containers.first_mut()
    {
        {
            if restart {
                let count = c.get("restartCount").and_then(Value::as_i64).unwrap_or(0) + 1;
                c["restartCount"] = json!(count);
                c["ready"] = json!(false);
                c["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": now, "startedAt": now}});
            } else {
                c["ready"] = json!(true);
            }
        }
    }
    if let Some(conditions) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conditions.iter_mut().filter(|c| c["type"] == "Ready" || c["type"] == "ContainersReady") {
            c["status"] = json!(if restart { "False" } else { "True" });
            c["lastTransitionTime"] = json!(now);
        }
    }
}
