//! A sim world on a manual clock, for tests that move sim time themselves (nothing waits on
//! the wall clock to see a controller act).

use std::time::Duration;

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
    world_in(topology_name, Scenario::Steady)
}

/// The same, in `scenario` from the start (its warm-up included).
pub fn world_in(topology_name: &str, scenario: Scenario) -> (World, SimClock) {
    let clock = SimClock::manual(Timestamp::from_second(START).unwrap());
    let store = Store::new(clock.clone());
    let loaded = topology::load(&store, topology_name, 7).unwrap();
    let mut world = World::new(store, loaded.config, scenario);
    world.set_certs(loaded.certs);
    world.warm_up();
    (world, clock)
}

/// Tick `step` of sim time apart until `cond` holds; fail once `limit` of sim time passed.
/// Returns the sim time it took.
pub fn run_until(
    world: &mut World,
    clock: &SimClock,
    step: Duration,
    limit: Duration,
    what: &str,
    mut cond: impl FnMut(&World) -> bool,
) -> Duration {
    let mut passed = Duration::ZERO;
    while !cond(world) {
        assert!(passed < limit, "no {what} within {limit:?} of sim time");
        clock.advance(step);
        passed += step;
        world.tick();
    }
    passed
}
