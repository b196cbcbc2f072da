//! Replica counts over the last hour, for the autoscalers' sparklines: from Prometheus when
//! it answers, else from the rescales kdeck itself saw since it started.

use jiff::{SignedDuration, Timestamp};

use crate::model::history::{History, Observed};

pub const WINDOW: SignedDuration = SignedDuration::from_secs(3600);

/// The replica changes of one HPA kdeck observed, as (time, replicas) steps.
pub fn observed(history: &History, namespace: &str, name: &str) -> Vec<(Timestamp, f64)> {
    let mut points = Vec::new();
    for (at, what) in history.entries() {
        if let Observed::HpaRescale { namespace: ns, name: n, from, to } = what
            && ns == namespace
            && n == name
        {
            if points.is_empty() {
                points.push((at.checked_sub(SignedDuration::from_secs(1)).unwrap_or(*at), f64::from(*from)));
            }
            points.push((*at, f64::from(*to)));
        }
    }
    points
}

/// Sample a step series into `width` buckets ending at `now`; None before the first point.
pub fn buckets(
    points: &[(Timestamp, f64)],
    current: Option<f64>,
    now: Timestamp,
    width: usize,
) -> Vec<Option<f64>> {
    let start = now.checked_sub(WINDOW).unwrap_or(now);
    let step = WINDOW.as_secs_f64() / width.max(1) as f64;
    (0..width)
        .map(|i| {
            let end = start.checked_add(SignedDuration::from_secs_f64(step * (i + 1) as f64)).unwrap_or(now);
            let last = points.iter().take_while(|(at, _)| *at <= end).last().map(|(_, v)| *v);
            match (last, points.first()) {
                (Some(v), _) => Some(v),
                // Before anything was seen, the oldest value held (or today's, if none changed).
                (None, Some((_, first))) => Some(*first),
                (None, None) => current,
            }
        })
        .collect()
}

/// `▁▂▃▄▅▆▇█` between `low` and `high`; a space where nothing is known.
pub fn sparkline(values: &[Option<f64>], low: f64, high: f64) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if high <= low => {
                if *v >= high {
                    '█'
                } else {
                    '▁'
                }
            }
            Some(v) => {
                let level = ((v - low) / (high - low) * 7.0).round().clamp(0.0, 7.0);
                BARS[level as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds_ago: i64, now: Timestamp) -> Timestamp {
        now.checked_sub(SignedDuration::from_secs(seconds_ago)).unwrap()
    }

    #[test]
    fn a_rescale_under_half_an_hour_ago_shows_as_a_step() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let points = vec![(at(1701, now), 2.0), (at(1700, now), 6.0)];
        let line = sparkline(&buckets(&points, Some(6.0), now, 10), 2.0, 6.0);
        assert_eq!(line, "▁▁▁▁▁█████");
    }

    #[test]
    fn without_history_the_current_value_fills_the_line() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        assert_eq!(sparkline(&buckets(&[], Some(3.0), now, 4), 3.0, 10.0), "▁▁▁▁");
        assert_eq!(sparkline(&buckets(&[], None, now, 3), 3.0, 10.0), "   ");
    }

    #[test]
    fn observed_rescales_of_one_hpa_only() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let mut history = History::default();
        history.push(
            at(600, now),
            Observed::HpaRescale { namespace: "a".into(), name: "h".into(), from: 2, to: 4 },
        );
        history.push(
            at(300, now),
            Observed::HpaRescale { namespace: "b".into(), name: "h".into(), from: 1, to: 9 },
        );
        history.push(
            at(100, now),
            Observed::HpaRescale { namespace: "a".into(), name: "h".into(), from: 4, to: 3 },
        );
        let points = observed(&history, "a", "h");
        assert_eq!(points.iter().map(|(_, v)| *v).collect::<Vec<_>>(), vec![2.0, 4.0, 3.0]);
    }
}
