//! The status line's view, projected from the sources' states.

use jiff::Timestamp;

use crate::k8s::{Kind, SourceState};
use crate::ui::view::{ApiHealth, Unreachable};

/// Sum up the API sources: retrying wins over syncing, syncing over live. `pods_arriving`
/// is how many pods a list in progress has brought so far.
pub fn api_health<'a>(
    states: impl IntoIterator<Item = (Kind, &'a SourceState)>,
    now: Timestamp,
    pods_arriving: Option<usize>,
) -> ApiHealth {
    let mut total = 0;
    let mut settled = 0;
    let mut forbidden = 0;
    let mut oldest_failure: Option<(Timestamp, &str)> = None;
    for (kind, state) in states {
        if kind == Kind::Metrics {
            continue;
        }
        total += 1;
        settled += usize::from(state.is_settled());
        match state {
            SourceState::Forbidden { .. } => forbidden += 1,
            SourceState::Retrying { since, error } if oldest_failure.is_none_or(|(at, _)| *since < at) => {
                oldest_failure = Some((*since, error));
            }
            _ => {}
        }
    }
    if let Some((since, error)) = oldest_failure {
        let seconds = now.duration_since(since).as_secs().max(0);
        return ApiHealth::Retrying { seconds, error: error.to_string() };
    }
    if settled < total {
        return ApiHealth::Syncing { settled, total, pods_so_far: pods_arriving };
    }
    ApiHealth::Live { forbidden }
}

/// The API's state as a fleet row shows it (the fleet pane and `snapshot --context a,b`).
pub fn fleet_api<'a>(
    states: impl IntoIterator<Item = (Kind, &'a SourceState)>,
    now: Timestamp,
) -> crate::model::views::fleet::FleetApi {
    use crate::model::views::fleet::FleetApi;
    match api_health(states, now, None) {
        ApiHealth::Retrying { seconds, error } => FleetApi::Unreachable { error, seconds },
        ApiHealth::Syncing { settled, total, .. } => FleetApi::Syncing { settled, total },
        ApiHealth::Live { forbidden } => FleetApi::Live { forbidden },
    }
}

/// The "cannot reach" panel, when nothing has ever synced and the API is failing.
pub fn unreachable(
    health: &ApiHealth,
    anything_synced: bool,
    context: &str,
    server: &str,
) -> Option<Unreachable> {
    match health {
        ApiHealth::Retrying { seconds, error } if !anything_synced => Some(Unreachable {
            context: context.to_string(),
            server: server.to_string(),
            error: error.clone(),
            seconds: *seconds,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + second).unwrap()
    }

    #[test]
    fn live_only_when_every_kind_settled() {
        let live = SourceState::Live;
        let syncing = SourceState::Syncing;
        let states = [(Kind::Pod, &live), (Kind::Node, &syncing)];
        assert_eq!(
            api_health(states, at(0), Some(1200)),
            ApiHealth::Syncing { settled: 1, total: 2, pods_so_far: Some(1200) }
        );
        let states = [(Kind::Pod, &live), (Kind::Node, &live)];
        assert_eq!(api_health(states, at(0), None), ApiHealth::Live { forbidden: 0 });
    }

    #[test]
    fn forbidden_counts_as_settled_and_metrics_are_ignored() {
        let live = SourceState::Live;
        let forbidden = SourceState::Forbidden { message: "no".into() };
        let metrics = SourceState::Syncing;
        let states = [(Kind::Pod, &live), (Kind::TlsSecret, &forbidden), (Kind::Metrics, &metrics)];
        assert_eq!(api_health(states, at(0), None), ApiHealth::Live { forbidden: 1 });
    }

    #[test]
    fn retrying_reports_the_oldest_failure() {
        let old = SourceState::Retrying { since: at(0), error: "connection refused".into() };
        let new = SourceState::Retrying { since: at(8), error: "timeout".into() };
        let states = [(Kind::Pod, &new), (Kind::Node, &old)];
        assert_eq!(
            api_health(states, at(12), None),
            ApiHealth::Retrying { seconds: 12, error: "connection refused".into() }
        );
        let health = api_health([(Kind::Pod, &old)], at(3), None);
        assert!(unreachable(&health, false, "c", "s").is_some());
        assert!(unreachable(&health, true, "c", "s").is_none());
    }
}
