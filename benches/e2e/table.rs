//! The printed table: one row per target, one column per size, and how each was measured.

use std::collections::BTreeMap;

use serde_json::Value;

fn f(r: &BTreeMap<&'static str, Value>, key: &str, digits: usize) -> String {
    match r.get(key).and_then(Value::as_f64) {
        Some(v) => format!("{v:.digits$}"),
        None => "-".into(),
    }
}

/// How one table cell is formatted from a size's results.
type Cell = Box<dyn Fn(&BTreeMap<&'static str, Value>) -> String>;

pub fn print_table(results: &[(usize, BTreeMap<&'static str, Value>)]) {
    let rows: Vec<(&str, Cell, &str)> = vec![
        (
            "T1 first frame / first rows",
            Box::new(|r| format!("{} / {} ms", f(r, "t1_first_frame_ms", 0), f(r, "t1_first_rows_ms", 0))),
            "--milestones-file first_frame, first_rows (ms since exec)",
        ),
        ("T2 full sync", Box::new(|r| format!("{} ms", f(r, "t2_synced_ms", 0))), "--milestones-file synced"),
        (
            "T3 steady RSS",
            Box::new(|r| format!("{} MB", f(r, "t3_rss_mb", 1))),
            "VmRSS /proc/PID/status, 2 s after synced",
        ),
        (
            "T4 peak RSS in relist",
            Box::new(|r| format!("{} MB = {}x", f(r, "t4_hwm_mb", 1), f(r, "t4_hwm_over_steady", 2))),
            "clear_refs=5, POST /sim/compact, ss -K kdeck's sockets, VmHWM after relist / T3",
        ),
        (
            "T4 relist time",
            Box::new(|r| format!("{} s", f(r, "t4_relist_seconds", 2))),
            "until a pod list started and pod_events grew by N (bench-stats)",
        ),
        (
            "T5 events absorbed",
            Box::new(|r| {
                format!(
                    "{}/s of {}/s, {} relists",
                    f(r, "t5_events_per_s", 0),
                    f(r, "t5_sim_events_per_s", 0),
                    f(r, "t5_relists", 0)
                )
            }),
            "bench-stats pod_events over 10 s vs the sim's resourceVersion growth (PUT /sim/churn/20000: all it can make), keys sent meanwhile",
        ),
        (
            "T5 CPU kdeck / sim",
            Box::new(|r| format!("{} % / {} %", f(r, "t5_cpu_pct", 1), f(r, "t5_sim_cpu_pct", 1))),
            "/proc/PID/stat utime+stime over the same 10 s",
        ),
        (
            "T5 events per kdeck CPU-s",
            Box::new(|r| format!("{}/s", f(r, "t5_events_per_cpu_s", 0))),
            "events/s divided by kdeck's CPU share (what 1 core absorbs)",
        ),
        (
            "T6 idle CPU",
            Box::new(|r| format!("{} %", f(r, "t6_idle_cpu_pct", 2))),
            "/proc/PID/stat utime+stime over 10 s, churn=0",
        ),
        (
            "T7 keys idle p50/p99",
            Box::new(|r| format!("{} / {} ms", f(r, "t7_idle_nav_p50_ms", 1), f(r, "t7_idle_nav_p99_ms", 1))),
            "40 j/k via tmux send-keys 100 ms apart; key read to frame flushed (bench-stats)",
        ),
        (
            "T7 pane switch zones/over.",
            Box::new(|r| {
                format!(
                    "{} / {} ms",
                    f(r, "t7_pane_switch_zones_ms", 1),
                    f(r, "t7_pane_switch_overview_ms", 1)
                )
            }),
            "keys 2 and 1 while idle: the new pane is projected before its frame",
        ),
        (
            "T7 keys in churn p50/p99",
            Box::new(|r| {
                format!("{} / {} ms", f(r, "t7_churn_nav_p50_ms", 1), f(r, "t7_churn_nav_p99_ms", 1))
            }),
            "80 j/k during the T5 window, same measure",
        ),
        (
            "T7 filter in churn p50/p99",
            Box::new(|r| {
                format!("{} / {} ms", f(r, "t7_churn_filter_p50_ms", 1), f(r, "t7_churn_filter_p99_ms", 1))
            }),
            "10 characters typed after / under churn (each re-filters the pane)",
        ),
        (
            "T8 idle bytes",
            Box::new(|r| {
                format!("{} B/s ({} fr/s)", f(r, "t8_idle_bytes_per_s", 1), f(r, "t8_idle_frames_per_s", 1))
            }),
            "--bench-stats CountingWriter bytes over 10 s, churn=0, overview (timeline ages)",
        ),
        (
            "T8 idle bytes, no ages",
            Box::new(|r| {
                format!("{} B/s ({} fr/s)", f(r, "t8_zones_bytes_per_s", 1), f(r, "t8_zones_frames_per_s", 1))
            }),
            "same, zones pane (key 2)",
        ),
        (
            "T9 bytes under churn",
            Box::new(|r| format!("{} B/s ({} fr/s)", f(r, "t9_bytes_per_s", 0), f(r, "t9_frames_per_s", 1))),
            "--bench-stats bytes over 10 s, PUT /sim/churn/100, 200x50 tmux",
        ),
        (
            "T10 API requests",
            Box::new(|r| {
                format!(
                    "{} LIST ({} kinds, max {}/kind), {} WATCH",
                    f(r, "t10_lists", 0),
                    f(r, "t10_list_kinds", 0),
                    f(r, "t10_max_lists_per_kind", 0),
                    f(r, "t10_watches", 0)
                )
            }),
            "GET /sim/requests after sync + 12 s idle",
        ),
        (
            "T10 LISTs while idle",
            Box::new(|r| {
                let lists: Vec<&str> = r
                    .get("t10_idle_lists")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str())
                    .collect();
                let window = f(r, "t10_idle_window_s", 0);
                if lists.is_empty() {
                    format!("0 in {window} s")
                } else {
                    format!("{} in {window} s", lists.join(", "))
                }
            }),
            "GET /sim/requests before and after idling (every watch resumes once), by resource",
        ),
    ];
    let mut header = format!("{:<28}", "target");
    for (pods, _) in results {
        header.push_str(&format!("| {:<26}", format!("{pods} pods")));
    }
    header.push_str("| how measured");
    println!("{header}");
    println!("{}", "-".repeat(header.len() + 40));
    for (name, value, how) in &rows {
        let mut line = format!("{name:<28}");
        for (_, r) in results {
            line.push_str(&format!("| {:<26}", value(r)));
        }
        line.push_str(&format!("| {how}"));
        println!("{line}");
    }
}
