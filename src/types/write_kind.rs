//! The writes kdeck makes to a workload.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Scale,
    Restart,
    Undo,
}

impl WriteKind {
    pub fn verb(self) -> &'static str {
        match self {
            WriteKind::Scale => "scale",
            WriteKind::Restart => "rollout restart",
            WriteKind::Undo => "rollout undo",
        }
    }
}
