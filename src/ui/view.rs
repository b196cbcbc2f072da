//! View structs for the screen's chrome (status line, connection panel). Pane views come
//! from `model::views`; the UI sees nothing else.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusView {
    pub context: String,
    pub server: String,
    /// "all" or the namespace name.
    pub namespace: String,
    pub readonly: bool,
    pub api: ApiHealth,
    /// Prometheus state in a word or two ("off", "live", "401").
    pub prometheus: String,
    pub errors: usize,
    pub warnings: usize,
}

/// The API sources summed up in one word for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiHealth {
    Syncing {
        settled: usize,
        total: usize,
        /// Pods received so far while their list comes in: a partial count, said as such.
        pods_so_far: Option<usize>,
    },
    Live {
        forbidden: usize,
    },
    /// At least one kind is failing; `seconds` since the oldest failure.
    Retrying {
        seconds: i64,
        error: String,
    },
}

impl Default for ApiHealth {
    fn default() -> Self {
        ApiHealth::Syncing { settled: 0, total: 0, pods_so_far: None }
    }
}

/// Shown instead of a pane while the API server has never answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub context: String,
    pub server: String,
    pub error: String,
    pub seconds: i64,
}
