//! A pod's phase as the API reports it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub enum PodPhase {
    Running,
    #[default]
    Pending,
    Succeeded,
    Failed,
    Unknown,
}

impl PodPhase {
    pub fn parse(text: Option<&str>) -> PodPhase {
        match text {
            Some("Running") => PodPhase::Running,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            Some("Pending") | None => PodPhase::Pending,
            Some(_) => PodPhase::Unknown,
        }
    }
}
