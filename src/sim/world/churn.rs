//! Synthetic churn: N pod status changes per second, done cheaply on the stored JSON of a
//! random pod (never decoding every pod).

use serde_json::{Value, json};

use super::World;
use rand::Rng;

impl World {
    pub(super) fn churn(&mut self, dt: f64) {
        self.churn_debt += self.cfg.churn_per_sec * dt;
        let n = self.churn_debt.floor() as usize;
        if n == 0 {
            return;
        }
        self.churn_debt -= n as f64;
        let Ok(rt) = super::typed::resource::<k8s_openapi::api::core::v1::Pod>() else { return };
        if self.churn_names.is_empty() {
            self.churn_names = self.store.names(rt, None);
        }
        if self.churn_names.is_empty() {
            return;
        }
        let now = self.now().to_string();
        for _ in 0..n {
            let (ns, name) = self.churn_names[self.rng.random_range(0..self.churn_names.len())].clone();
            let restart = self.rng.random_bool(0.5);
            let _ = self.store.modify_json(rt, ns.as_deref(), &name, |pod| flip(pod, restart, &now));
        }
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
