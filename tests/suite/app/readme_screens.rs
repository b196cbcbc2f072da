//! The README's screenshots stay true: the column headers it shows for the zones and
//! autoscalers panes are the ones kdeck draws at the same size.

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{model, press, render};
use kdeck::action::Action;
use kdeck::app::pane::Pane;

/// Header lines, with zone columns ("1a") dropped: their order depends on zone health.
fn header_lines(screen: &str) -> Vec<String> {
    let is_zone = |w: &str| w.len() == 2 && w.starts_with(|c: char| c.is_ascii_digit());
    screen
        .lines()
        .filter(|l| ["│ZONE ", "│WORKLOAD ", "│HPA "].iter().any(|h| l.starts_with(h)))
        .map(|l| l.split_whitespace().filter(|w| !is_zone(w)).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn readme_shows_the_current_layout() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for pane in [Pane::Zones, Pane::Autoscalers] {
        let mut m = model(incident_cluster());
        press(&mut m, &[Action::ShowPane(pane)]);
        let screen = render(&mut m, 100, 22);
        let headers = header_lines(&screen);
        assert!(!headers.is_empty(), "{screen}");
        let shown = header_lines(&readme);
        for line in headers {
            assert!(
                shown.contains(&line),
                "README screenshot is out of date; kdeck draws:\n{line}\nREADME: {shown:?}"
            );
        }
    }
}
