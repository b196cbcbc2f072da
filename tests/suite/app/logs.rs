//! The log view in-process: `l` on a row opens the logs of its pods, lines of several streams
//! merge by time, keys move through them and change options (each change a new session whose
//! streams replace the old), and the view's snapshots at 80x24 and 200x50.

use std::sync::Arc;

use crate::common::cluster_fixture::incident_cluster;
use crate::common::screen::{fixture_now, keys, model, press, render};
use jiff::{SignedDuration, Timestamp};
use kdeck::action::Action;
use kdeck::app::pane::Pane;
use kdeck::app::session::Session;
use kdeck::effect::{Effect, LogRequest};
use kdeck::event::Event;
use kdeck::logs::SourceKey;
use kdeck::logs::stream::{LogBody, LogMsg, StreamState};

/// The zones pane's first workload, its logs open: the effect that started them.
fn open_logs() -> (Session, LogRequest) {
    let mut session = model(incident_cluster());
    press(&mut session, &[Action::ShowPane(Pane::Zones)]);
    let effects = keys(&mut session, "l");
    let [Effect::StartLogs(request)] = effects.as_slice() else { panic!("l started no logs: {effects:?}") };
    (session, request.clone())
}

fn at(second: i64) -> Timestamp {
    fixture_now().checked_sub(SignedDuration::from_secs(120 - second)).unwrap()
}

fn lines(session: &mut Session, request: &LogRequest, pod: usize, container: &str, texts: &[(i64, &str)]) {
    let key = SourceKey {
        namespace: Arc::from(request.namespace.as_str()),
        pod: Arc::from(request.pods[pod].as_str()),
        container: Arc::from(container),
    };
    let body = LogBody::Lines(texts.iter().map(|(s, t)| (at(*s), Box::from(*t))).collect());
    let effects = session.handle(Event::Logs(LogMsg { session: request.session, key, body }));
    assert!(effects.is_empty());
}

/// Two pods, lines interleaved in time, one hostile line, one crash.
fn fill(session: &mut Session, request: &LogRequest) {
    assert!(request.pods.len() >= 2, "the fixture workload has two pods: {request:?}");
    lines(session, request, 0, "app", &[(1, "GET /api/orders 200 12ms"), (4, "GET /api/orders 200 9ms")]);
    lines(
        session,
        request,
        1,
        "app",
        &[
            (2, "{\"level\":\"error\",\"msg\":\"upstream timeout\"}"),
            (3, "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2Jowned"),
            (5, "Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted"),
            (6, "\tat com.example.Pool.take(Pool.java:42)"),
        ],
    );
}

fn shown(session: &mut Session) -> String {
    render(session, 120, 20)
}

#[test]
fn l_on_a_workload_row_follows_every_pod_of_it_and_lines_merge_by_time() {
    let (mut session, request) = open_logs();
    assert_eq!(request.container, None);
    assert!(!request.previous);
    fill(&mut session, &request);
    let screen = shown(&mut session);
    let order: Vec<usize> =
        ["orders 200 12ms", "upstream timeout", "owned", "orders 200 9ms", "pool exhausted"]
            .iter()
            .map(|t| screen.find(t).unwrap_or_else(|| panic!("{t} missing:\n{screen}")))
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "not in time order:\n{screen}");
    assert!(screen.contains("^[]52;c;cm0gLXJmIH4=^G^[[2Jowned"), "escapes shown as text:\n{screen}");
    assert!(screen.contains("following"), "{screen}");
}

#[test]
fn lines_of_an_earlier_session_are_dropped_after_an_option_changes() {
    let (mut session, request) = open_logs();
    let effects = keys(&mut session, "]");
    let [Effect::StopLogs { session: stopped }, Effect::StartLogs(restart)] = effects.as_slice() else {
        panic!("] did not restart the streams: {effects:?}")
    };
    assert_eq!(*stopped, request.session);
    assert_ne!(restart.session, request.session);
    assert_eq!(restart.since, kdeck::logs::stream::Since::Seconds(900));
    fill(&mut session, &request);
    assert!(!shown(&mut session).contains("/api/orders"), "a stopped session's lines were shown");
    fill(&mut session, restart);
    assert!(shown(&mut session).contains("/api/orders"));
}

#[test]
fn scrolling_stops_following_and_g_resumes() {
    let (mut session, request) = open_logs();
    fill(&mut session, &request);
    keys(&mut session, "k");
    let screen = shown(&mut session);
    assert!(screen.contains("paused"), "{screen}");
    lines(&mut session, &request, 0, "app", &[(7, "a newer line")]);
    keys(&mut session, "G");
    let screen = shown(&mut session);
    assert!(screen.contains("following") && screen.contains("a newer line"), "{screen}");
}

#[test]
fn a_regex_filters_lines_and_f_turns_it_into_a_search_with_n() {
    let (mut session, request) = open_logs();
    fill(&mut session, &request);
    keys(&mut session, "/error|exception\n");
    let screen = shown(&mut session);
    assert!(screen.contains("upstream timeout") && screen.contains("pool exhausted"), "{screen}");
    assert!(!screen.contains("/api/orders"), "a filtered-out line is shown:\n{screen}");
    keys(&mut session, "f");
    let screen = shown(&mut session);
    assert!(screen.contains("/api/orders") && screen.contains("search /error|exception/ (n N)"), "{screen}");
    // n from the top: the first match, under the cursor.
    keys(&mut session, "gn");
    let view = session.model.logs.as_ref().unwrap();
    let cursor = view.buffer.get(view.cursor).unwrap();
    assert!(cursor.text.contains("upstream timeout"), "{cursor:?}");
    // A bad pattern keeps the last good one and says why.
    keys(&mut session, "/(\n");
    let screen = shown(&mut session);
    assert!(screen.contains("bad pattern"), "{screen}");
    // Esc clears the pattern, Esc again closes the view and stops its streams.
    keys(&mut session, "\x1b");
    let effects = keys(&mut session, "\x1b");
    assert_eq!(effects, [Effect::StopLogs { session: request.session }]);
    assert!(session.model.logs.is_none());
}

#[test]
fn a_stream_the_api_refused_is_said_in_the_header() {
    let (mut session, request) = open_logs();
    let key = SourceKey {
        namespace: Arc::from(request.namespace.as_str()),
        pod: Arc::from(request.pods[0].as_str()),
        container: Arc::from("app"),
    };
    let why = "previous terminated container \"app\" in pod not found".to_string();
    let body = LogBody::State(StreamState::Failed(why));
    session.handle(Event::Logs(LogMsg { session: request.session, key, body }));
    let screen = shown(&mut session);
    assert!(screen.contains("previous terminated container"), "{screen}");
}

#[test]
fn log_view() {
    for (w, h) in [(80, 24), (200, 50)] {
        let (mut session, request) = open_logs();
        fill(&mut session, &request);
        insta::assert_snapshot!(format!("logs_{w}x{h}"), render(&mut session, w, h));
    }
}

#[test]
fn log_view_with_a_search() {
    for (w, h) in [(80, 24), (200, 50)] {
        let (mut session, request) = open_logs();
        fill(&mut session, &request);
        keys(&mut session, "/timeout\nfw");
        insta::assert_snapshot!(format!("logs_search_{w}x{h}"), render(&mut session, w, h));
    }
}

#[test]
fn leaving_by_a_pane_key_or_command_stops_the_streams_and_y_never_copies_the_hidden_row() {
    let (mut session, request) = open_logs();
    assert_eq!(keys(&mut session, "y"), [], "nothing to copy yet, and not the pane's row");
    fill(&mut session, &request);
    let copied = keys(&mut session, "y");
    assert!(
        matches!(copied.as_slice(), [Effect::CopyToClipboard(t)] if t.contains("pool.take") || t.contains("Pool.take")),
        "{copied:?}"
    );
    assert_eq!(keys(&mut session, ":events\n"), [Effect::StopLogs { session: request.session }]);
    assert!(session.model.logs.is_none());
    assert_eq!(session.model.ui.pane, Pane::Events);
    let (mut session, request) = open_logs();
    assert_eq!(keys(&mut session, "3"), [Effect::StopLogs { session: request.session }]);
    assert_eq!(session.model.ui.pane, Pane::Autoscalers);
}

#[test]
fn l_on_an_ingress_row_follows_the_workload_behind_it_and_s_still_acts_on_nothing() {
    let mut session = model(incident_cluster());
    press(&mut session, &[Action::ShowPane(Pane::Ingresses)]);
    let effects = keys(&mut session, "l");
    let [Effect::StartLogs(request)] = effects.as_slice() else { panic!("l on an ingress: {effects:?}") };
    let view = session.model.logs.as_ref().unwrap();
    assert_eq!(
        view.target.kind,
        kdeck::logs::target::TargetKind::Workload(kdeck::types::WorkloadKind::Deployment)
    );
    assert!(!request.pods.is_empty(), "the backend's pods: {request:?}");
    keys(&mut session, "\x1b");
    // The row names an ingress: scale has no workload to act on there.
    assert_eq!(keys(&mut session, "s"), []);
    assert!(session.model.ui.dialog.is_none());
}
