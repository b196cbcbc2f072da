//! A past for a freshly loaded topology, so the demo opens on a cluster that has been
//! running for weeks rather than one born a second ago: Deployments at later revisions with
//! their older ReplicaSets, objects days and weeks old, nodes Ready for days, and the
//! events of the last hour (a rollout or two, an HPA rescale, restarting containers).
//! Everything is derived from the seed and dated on the sim clock.

mod ages;
mod past_events;
mod plan;
pub mod revisions;
pub mod stamp;

use super::World;

impl World {
    /// Before the first reconcile: the older ReplicaSets. Returns the Deployments that got some.
    pub(super) fn seed_history(&mut self) -> Vec<String> {
        if self.cfg.synthetic {
            return Vec::new();
        }
        revisions::seed_revisions(&self.store, self.cfg.seed)
    }

    /// After the warm-up ticks (still warm): date everything, catch up, then the past events.
    pub(super) fn date_history(&mut self, seeded: &[String]) {
        if self.cfg.synthetic {
            return;
        }
        let now = self.now().as_second();
        let seed = self.cfg.seed;
        let mut plan = plan::choose(self, seeded, now);
        let (_, nodes) = ages::backdate_frame(&self.store, seed, now);
        ages::backdate_replicasets(&self.store, seed, now, &mut plan);
        ages::backdate_pods(&self.store, seed, now, &nodes, &plan);
        // Containers that were restarting all along catch up on their restarts, quietly.
        self.tick();
        self.record_past_events(&plan, now);
    }
}
