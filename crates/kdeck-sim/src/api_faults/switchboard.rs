//! Which API faults are on, and switching them with their side effects (token rotation, the
//! huge object in the store). Requests read a snapshot; the listener and open watches
//! subscribe, so a switch takes effect on what is already running too.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use super::fault::ApiFault;
use super::huge_object;
use super::tokens::Tokens;
use crate::auth::SimUser;
use crate::store::Store;

/// The faults on at one moment, and the tokens the sim accepts then.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActiveFaults {
    faults: BTreeSet<ApiFault>,
    tokens: Tokens,
}

impl ActiveFaults {
    pub fn is_on(&self, fault: &ApiFault) -> bool {
        self.faults.contains(fault)
    }

    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// The delay a `latency-MS` fault adds to every response.
    pub fn latency(&self) -> Option<Duration> {
        self.faults.iter().find_map(ApiFault::latency)
    }

    /// Whether `revoke-PLURAL` is on.
    pub fn revokes(&self, plural: &str) -> bool {
        self.faults.iter().any(|f| matches!(f, ApiFault::Revoke(p) if p == plural))
    }

    /// The names of the faults on, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.faults.iter().map(ToString::to_string).collect();
        names.sort();
        names
    }

    pub fn tokens(&self) -> Tokens {
        self.tokens
    }
}

/// The switches, shared by the HTTP layer, the listener, open watches and the handle.
pub struct ApiFaults {
    state: watch::Sender<ActiveFaults>,
    store: Store,
}

impl ApiFaults {
    pub fn new(store: Store) -> ApiFaults {
        ApiFaults { state: watch::Sender::new(ActiveFaults::default()), store }
    }

    /// What is on now.
    pub fn active(&self) -> ActiveFaults {
        self.state.borrow().clone()
    }

    /// Changes from now on (the receiver starts at the current state, seen).
    pub fn subscribe(&self) -> watch::Receiver<ActiveFaults> {
        self.state.subscribe()
    }

    /// Turn `fault` on; a latency replaces the previous one. Switching on a fault that is on
    /// changes nothing (PUT is idempotent: `expire-token` does not rotate twice).
    pub fn switch_on(&self, fault: ApiFault) {
        if fault == ApiFault::HugeObject {
            // before announcing it: a client told "on" finds the object
            if let Err(err) = huge_object::install(&self.store) {
                tracing::warn!(%err, "huge-object: cannot store the object");
            }
        }
        tracing::info!(%fault, "API fault on");
        self.state.send_if_modified(|active| {
            if active.faults.contains(&fault) {
                return false;
            }
            if fault == ApiFault::ExpireToken {
                active.tokens.rotate();
            }
            active.faults.retain(|f| !f.same_family(&fault));
            active.faults.insert(fault);
            true
        });
    }

    /// Turn `fault` off (nothing happens when it was off).
    pub fn switch_off(&self, fault: &ApiFault) {
        let was_on = self.state.send_if_modified(|active| {
            let was_on = active.faults.remove(fault);
            if was_on && *fault == ApiFault::ExpireToken {
                active.tokens.forgive();
            }
            was_on
        });
        if was_on {
            tracing::info!(%fault, "API fault off");
        }
        if *fault == ApiFault::HugeObject
            && let Err(err) = huge_object::remove(&self.store)
        {
            tracing::warn!(%err, "huge-object: cannot delete the object");
        }
    }

    /// Turn every fault off.
    pub fn clear(&self) {
        for fault in self.active().faults {
            self.switch_off(&fault);
        }
    }

    /// `GET /sim/fault`: the faults on, and the tokens a client should present now.
    pub fn report(&self) -> Value {
        let active = self.active();
        json!({
            "active": active.names(),
            "tokens": {
                "admin": active.tokens.current(SimUser::Admin),
                "viewer": active.tokens.current(SimUser::Viewer),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    fn faults() -> ApiFaults {
        ApiFaults::new(Store::new(SimClock::new(1.0)))
    }

    #[test]
    fn one_latency_at_a_time_and_many_revocations() {
        let faults = faults();
        faults.switch_on(ApiFault::Latency(100));
        faults.switch_on(ApiFault::Latency(2000));
        faults.switch_on(ApiFault::Revoke("pods".into()));
        faults.switch_on(ApiFault::Revoke("nodes".into()));
        let active = faults.active();
        assert_eq!(active.latency(), Some(Duration::from_millis(2000)));
        assert!(active.revokes("pods") && active.revokes("nodes") && !active.revokes("services"));
        assert_eq!(active.names(), ["latency-2000", "revoke-nodes", "revoke-pods"]);
        faults.clear();
        assert!(faults.active().is_empty());
    }

    #[test]
    fn expire_token_rotates_once_per_switch() {
        let faults = faults();
        faults.switch_on(ApiFault::ExpireToken);
        faults.switch_on(ApiFault::ExpireToken);
        assert_eq!(faults.report()["tokens"]["admin"], "admin-2");
        assert_eq!(faults.active().tokens().user("admin"), None);
        faults.switch_off(&ApiFault::ExpireToken);
        assert_eq!(faults.active().tokens().user("admin"), Some(SimUser::Admin));
        faults.switch_on(ApiFault::ExpireToken);
        assert_eq!(faults.report()["tokens"]["viewer"], "viewer-3");
    }

    #[test]
    fn subscribers_see_switches() {
        let faults = faults();
        let mut seen = faults.subscribe();
        assert!(!seen.has_changed().unwrap());
        faults.switch_on(ApiFault::Throttle);
        assert!(seen.borrow_and_update().is_on(&ApiFault::Throttle));
        faults.switch_off(&ApiFault::Down);
        assert!(!seen.has_changed().unwrap(), "switching off what is off is no change");
    }
}
