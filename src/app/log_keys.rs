//! What keys and events do to the log view: open it on the selected row, move through it,
//! change its options (each change restarts the streams under a new session), and keep its
//! pods in step with the cache (pods of a rollout join, pods that leave are marked).

use crate::action::{Action, LogAction};
use crate::app::log_view::{LogView, SINCE_STEPS};
use crate::app::model::Model;
use crate::app::screen::Screen;
use crate::app::ui_state::FlashLevel;
use crate::effect::{Effect, LogRequest};
use crate::logs::stream::LogMsg;
use crate::logs::target::{LogTarget, TargetKind};
use crate::model::Scope;
use crate::model::views::workload;
use crate::types::WorkloadRef;

/// `l`: the logs of the selected row: a pod in a drill-down, else the row's workload (for an
/// ingress, the first workload behind its routes).
pub fn open(model: &mut Model, screen: &Screen) -> Vec<Effect> {
    let selected = model.ui.cursor().selected;
    let target = match &model.ui.drill {
        Some(drill) => screen.name_at(selected).and_then(|name| {
            let pod = name.split_once('/').map(|(_, pod)| pod.to_string())?;
            Some((
                LogTarget { kind: TargetKind::Pod, namespace: drill.namespace.clone(), name: pod },
                drill.clone(),
            ))
        }),
        None => screen.logs_at(selected).map(|w| {
            let target = LogTarget {
                kind: TargetKind::Workload(w.kind),
                namespace: w.namespace.clone(),
                name: w.name.clone(),
            };
            (target, w)
        }),
    };
    let Some((target, workload)) = target else {
        model.ui.flash(FlashLevel::Info, "this row names no workload or pod", model.now);
        return Vec::new();
    };
    let pods = pods_now(model, &target, &workload);
    let session = take_session(model);
    let cap = model.rules.config.logs.cap_bytes();
    let view = LogView::new(target, session, pods, cap);
    let start = request(&view, view.pods.iter().map(|(p, _)| p.clone()).collect());
    model.logs = Some(Box::new(view));
    model.ui.input = None;
    vec![Effect::StartLogs(start)]
}

fn take_session(model: &mut Model) -> u64 {
    let session = model.next_log_session;
    model.next_log_session += 1;
    session
}

fn request(view: &LogView, pods: Vec<String>) -> LogRequest {
    LogRequest {
        session: view.session,
        namespace: view.target.namespace.clone(),
        pods,
        container: view.container.clone(),
        since: view.since(),
        previous: view.previous,
    }
}

/// The target's pods in the cache, with their zones.
fn pods_now(model: &Model, target: &LogTarget, owner: &WorkloadRef) -> Vec<(String, Option<String>)> {
    let detail = workload::project(&model.cluster, &Scope::All, model.now, owner);
    detail
        .pods
        .into_iter()
        .filter(|p| target.kind != TargetKind::Pod || p.name == target.name)
        .map(|p| (p.name, p.zone))
        .collect()
}

/// An action while the log view is in front; None: not the log view's (the caller acts).
pub fn act(model: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let page = model.ui.page_rows.saturating_sub(2).max(1);
    let view = model.logs.as_mut()?;
    let mut restart = false;
    match action {
        Action::Up => view.scroll(-1, page),
        Action::Down => view.scroll(1, page),
        Action::PageUp => view.scroll(-(page as isize), page),
        Action::PageDown => view.scroll(page as isize, page),
        Action::Top => view.to_top(page),
        Action::Bottom => view.to_end(),
        Action::Back => {
            if view.pattern.is_empty() {
                return Some(close(model));
            }
            view.set_pattern("");
        }
        Action::Open => {}
        Action::CopyName => {
            // The line under the cursor (the newest when following); never the hidden pane's row.
            let seq = if view.follow { view.buffer.end_seq().saturating_sub(1) } else { view.cursor };
            let copy = view.buffer.get(seq).map(|l| crate::logs::text::visible(l.text).into_owned());
            return Some(copy.map(Effect::CopyToClipboard).into_iter().collect());
        }
        Action::Scale | Action::Restart | Action::Undo => {
            model.ui.flash(FlashLevel::Info, "close the logs (Esc) to act on a workload", model.now);
        }
        Action::Log(LogAction::Since(step)) => {
            let to = view.since.saturating_add_signed(isize::from(*step)).min(SINCE_STEPS.len() - 1);
            restart = to != view.since;
            view.since = to;
        }
        Action::Log(LogAction::Previous) => {
            view.previous = !view.previous;
            restart = true;
        }
        Action::Log(LogAction::Container) => {
            let names = view.containers();
            view.container = match &view.container {
                None => names.first().map(|c| c.to_string()),
                Some(now) => names.iter().skip_while(|c| ***c != **now).nth(1).map(|c| c.to_string()),
            };
            restart = true;
        }
        Action::Log(LogAction::Wrap) => view.wrap = !view.wrap,
        Action::Log(LogAction::NextMatch | LogAction::PrevMatch) => {
            let forward = *action == Action::Log(LogAction::NextMatch);
            if !view.jump(forward, page) {
                let text =
                    if view.pattern.is_empty() { "no pattern: / to type one" } else { "no more matches" };
                model.ui.flash(FlashLevel::Info, text, model.now);
            }
        }
        Action::Log(LogAction::FilterMode) => view.toggle_hide(),
        _ => return None,
    }
    if !restart {
        return Some(Vec::new());
    }
    let old = view.session;
    let session = model.next_log_session;
    model.next_log_session += 1;
    let view = model.logs.as_mut()?;
    view.restart(session);
    let pods = view.pods.iter().map(|(p, _)| p.clone()).collect();
    let start = request(view, pods);
    Some(vec![Effect::StopLogs { session: old }, Effect::StartLogs(start)])
}

pub fn close(model: &mut Model) -> Vec<Effect> {
    match model.logs.take() {
        Some(view) => vec![Effect::StopLogs { session: view.session }],
        None => Vec::new(),
    }
}

/// Lines or a stream's state: shown at the next paced frame.
pub fn on_message(model: &mut Model, msg: LogMsg) {
    if let Some(view) = model.logs.as_mut()
        && view.apply(msg)
    {
        model.redraw = true;
    }
}

/// Once a second: pods that joined the target start streaming, pods that left are marked.
pub fn sync_pods(model: &mut Model) -> Vec<Effect> {
    let Some(view) = model.logs.as_ref() else { return Vec::new() };
    if view.previous {
        return Vec::new();
    }
    let target = view.target.clone();
    let owner = match (&target.kind, &model.ui.drill) {
        (TargetKind::Workload(kind), _) => {
            WorkloadRef { kind: *kind, namespace: target.namespace.clone(), name: target.name.clone() }
        }
        (TargetKind::Pod, Some(drill)) => drill.clone(),
        (TargetKind::Pod, None) => return Vec::new(),
    };
    let now = pods_now(model, &target, &owner);
    let Some(view) = model.logs.as_mut() else { return Vec::new() };
    let before: Vec<bool> = view.sources.iter().map(|s| s.gone).collect();
    let new = view.sync_pods(now);
    if before != view.sources.iter().map(|s| s.gone).collect::<Vec<_>>() {
        model.redraw = true;
    }
    if new.is_empty() {
        return Vec::new();
    }
    model.redraw = true;
    vec![Effect::StartLogs(request(view, new))]
}

/// The pattern typed after `/` in the log view, applied as it is typed.
pub fn set_pattern(model: &mut Model, text: &str) {
    if let Some(view) = model.logs.as_mut() {
        view.set_pattern(text);
    }
}
