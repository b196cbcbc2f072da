//! The tests' world: a reference topology loaded at a fixed start (2026-05-28, seed 7) on a
//! manual clock and warmed up, and ticking it a sim second at a time.

use std::time::Duration;

use jiff::Timestamp;

use crate::clock::SimClock;
use crate::scenario::Scenario;
use crate::store::Store;
use crate::world::World;

pub(crate) fn warmed(topology: &str) -> (World, SimClock) {
    let clock = SimClock::manual(Timestamp::from_second(1_780_000_000).unwrap());
    let store = Store::new(clock.clone());
    let loaded = crate::topology::load(&store, topology, 7).unwrap();
    let mut world = World::new(store, loaded.config, Scenario::Steady);
    world.set_certs(loaded.certs);
    world.warm_up();
    (world, clock)
}

pub(crate) fn run_for(w: &mut World, clock: &SimClock, secs: u64) {
    for _ in 0..secs {
        clock.advance(Duration::from_secs(1));
        w.tick();
    }
}
