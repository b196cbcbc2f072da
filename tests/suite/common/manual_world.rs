//! A sim world on a manual clock, for tests that move sim time themselves (nothing waits on
//! the wall clock to see a controller act).

use jiff::Timestamp;
use kdeck::sim::clock::SimClock;
use kdeck::sim::scenario::Scenario;
use kdeck::sim::store::Store;
use kdeck::sim::topology;
use kdeck::sim::world::World;

/// When the manual clock starts.
pub const START: i64 = 1_780_000_000;

/// `topology_name` loaded with seed 7 and warmed up, with the clock that drives it.
pub fn world(topology_name: &str) -> (World, SimClock) {
    let clock = SimClock::manual(Timestamp::from_second(START).unwrap());
    let store = Store::new(clock.clone());
    let loaded = topology::load(&store, topology_name, 7).unwrap();
    let mut world = World::new(store, loaded.config, Scenario::Steady);
    world.set_certs(loaded.certs);
    world.warm_up();
    (world, clock)
}
