//! The snapshot text and the screen print the same quantity the same way: one cluster, the
//! zones and autoscalers panes drawn on a TestBackend, the snapshot text written, the same
//! strings looked for in both.

use super::write;
use crate::k8s::pod_facts::PodFacts;
use crate::k8s::slim_node::SlimNode;
use crate::model::Scope;
use crate::model::fixtures::{Fixtures, objects::*};
use crate::model::views::{autoscalers, zones};
use crate::snapshot::Snapshot;
use crate::ui::panes::{self, PaneCtx};
use crate::ui::theme::Theme;
use crate::units::{format, quantity};
use jiff::Timestamp;
use ratatui::layout::Rect;
use ratatui::{Frame, Terminal, backend::TestBackend};
use serde_json::json;

fn sized_node(name: &str, zone: &str, cpu: &str, memory: &str) -> SlimNode {
    SlimNode {
        allocatable_cpu_millis: quantity::cpu_millis(cpu),
        allocatable_memory_bytes: quantity::bytes(memory),
        ..node(name, Some(zone), true)
    }
}

fn requesting(name: &str, node: &str, cpu_millis: u64, memory_bytes: u64) -> PodFacts {
    PodFacts {
        cpu_request_millis: cpu_millis,
        memory_request_bytes: memory_bytes,
        ..pod("shop", name, None, Some(node))
    }
}

fn screen(draw: impl FnOnce(&mut Frame, Rect)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(200, 26)).unwrap();
    terminal.draw(|frame| draw(frame, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    let symbols: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
    symbols.chunks(width).map(|line| line.concat() + "\n").collect()
}

#[test]
fn screen_and_snapshot_text_print_quantities_alike() {
    let now: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
    let memory_hpa = from_json(json!({
        "metadata": {"name": "mem", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {"name": "memory",
                "target": {"type": "AverageValue", "averageValue": "1Gi"}}}]},
        "status": {"currentReplicas": 2, "desiredReplicas": 2,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "memory",
                "current": {"averageValue": "536870912"}}}]}
    }));
    let state = Fixtures::new()
        .at(now)
        .with(namespace("shop"))
        .with(sized_node("n1", "zone-a", "4.03", "1.5Gi"))
        .with(sized_node("n2", "zone-b", "16.1", "100Mi"))
        .with(sized_node("n3", "zone-c", "0.1", "1e3"))
        .with(deployment("shop", "web", 2, 2))
        .with::<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>(memory_hpa)
        .pod(requesting("a", "n1", 1550, 100 << 20))
        .pod(requesting("b", "n2", 250, 512))
        .pod(requesting("c", "n3", 9950, (1 << 20) - 1))
        .build();
    let scope = Scope::All;
    let theme = Theme::default_theme();
    let ctx = PaneCtx { theme: &theme, now, selected: 0, synced: true };

    let zones_view = zones::project(&state, &scope, now);
    let hpa_view = autoscalers::project(&state, &scope, now);
    let visible: Vec<usize> = (0..hpa_view.rows.len()).collect();
    let on_screen = screen(|frame, area| {
        let [top, bottom] =
            ratatui::layout::Layout::vertical([16, 10].map(ratatui::layout::Constraint::Length)).areas(area);
        panes::zones::render(&zones_view, &[], false, &ctx, frame, top);
        panes::autoscalers::render(&hpa_view, &visible, &[], &[], &ctx, frame, bottom);
    });

    let doc = Snapshot::project(&state, &scope, now, "kdeck-sim", "https://127.0.0.1:6443", None);
    let mut buf = Vec::new();
    write(&doc, now, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();

    // The exact values, parsed without drift ("4.03" is 4030m, not 4031m) and printed once.
    let expected = [
        "1.6/4.0",     // 1550m of 4.03 cores
        "100Mi/1.5Gi", // 104857600 of 1610612736 bytes
        "250m/16",     // 250m of 16.1 cores (16100m)
        "512B/100Mi",  // 512 of 104857600 bytes
        "10/100m",     // 9950m of 0.1 cores
        "1.0Mi/1000B", // 1048575 of 1e3 bytes
        "512Mi",       // the HPA's current 536870912 bytes
        "1.0Gi",       // the HPA's 1Gi target
    ];
    for value in expected {
        assert!(on_screen.contains(value), "screen lacks {value}:\n{on_screen}");
        assert!(text.contains(value), "snapshot text lacks {value}:\n{text}");
    }
    // Every zone row, whatever its values, goes through the same two formatters.
    for z in &zones_view.zones {
        let cpu = format!("{}/{}", format::cpu(z.cpu.requested), format::cpu(z.cpu.allocatable));
        let mem = format!("{}/{}", format::bytes(z.memory.requested), format::bytes(z.memory.allocatable));
        for value in [cpu, mem] {
            assert!(on_screen.contains(&value) && text.contains(&value), "{value}");
        }
    }
}
