//! Opening, driving and finishing the action dialog (scale, restart, undo). Pure: the
//! permission check and the write leave as Effects, their answers come back as Events.

use crate::app::dialog::{Access, Dialog, Outcome, Step};
use crate::app::model::Model;
use crate::app::preflight::preflight;
use crate::app::screen::Screen;
use crate::app::ui_state::FlashLevel;
use crate::effect::{Effect, WriteRequest};
use crate::k8s::actions;
use crate::policy::ReadOnly;
use crate::types::WorkloadKind;
use crate::types::WriteKind;

/// `s`, `r`, `u` on a row: open the dialog for the workload it names.
/// The policy in force decides first: a read-only context opens no dialog at all.
pub fn open(model: &mut Model, screen: &Screen, write: WriteKind) -> Vec<Effect> {
    if let ReadOnly::Yes(why) = model.policy.readonly {
        model.ui.flash(FlashLevel::Warn, why, model.now);
        return Vec::new();
    }
    if model.requested != model.generation {
        // The rows on screen are the old connection's; the user asked for another cluster.
        model.ui.flash(FlashLevel::Warn, "switching clusters: wait for the new one to connect", model.now);
        return Vec::new();
    }
    let target = match &model.ui.drill {
        Some(target) => Some(target.clone()),
        None => screen.workload_at(model.ui.cursor().selected),
    };
    let Some(target) = target else {
        model.ui.flash(
            FlashLevel::Info,
            format!("{}: select a row that names a workload", write.verb()),
            model.now,
        );
        return Vec::new();
    };
    let refused = match (write, target.kind) {
        (WriteKind::Scale, WorkloadKind::DaemonSet) => {
            Some("a DaemonSet runs one pod per eligible node: it cannot be scaled")
        }
        (WriteKind::Undo, WorkloadKind::StatefulSet | WorkloadKind::DaemonSet) => {
            Some("undo works on Deployments (kdeck reads their ReplicaSet history)")
        }
        _ => None,
    };
    if let Some(why) = refused {
        model.ui.flash(FlashLevel::Warn, why, model.now);
        return Vec::new();
    }
    model.next_dialog += 1;
    let id = model.next_dialog;
    let checks = preflight(&model.cluster, &target, model.now);
    let guarded = model.policy.confirm_name;
    model.ui.dialog =
        Some(Dialog::new(id, write, target.clone(), model.conn.context.clone(), checks, guarded));
    vec![Effect::CheckAccess { dialog: id, write, target }]
}

pub fn type_char(model: &mut Model, c: char) {
    if let Some(dialog) = model.ui.dialog.as_mut() {
        dialog.type_char(c);
    }
}

pub fn backspace(model: &mut Model) {
    if let Some(dialog) = model.ui.dialog.as_mut() {
        dialog.backspace();
    }
}

pub fn submit(model: &mut Model) -> Vec<Effect> {
    let Some(dialog) = model.ui.dialog.as_mut() else { return Vec::new() };
    if dialog.context != model.conn.context || model.policy.is_readonly() {
        // Cannot happen while a new connection closes dialogs; refuse rather than trust it.
        model.ui.dialog = None;
        model.ui.flash(FlashLevel::Error, "not sent: the context changed since the dialog opened", model.now);
        return Vec::new();
    }
    match dialog.submit() {
        Outcome::Stay => Vec::new(),
        Outcome::Close => {
            model.ui.dialog = None;
            Vec::new()
        }
        Outcome::Run { replicas, revision } => vec![Effect::Write(WriteRequest {
            dialog: dialog.id,
            write: dialog.write,
            target: dialog.target.clone(),
            replicas,
            revision,
            context: dialog.context.clone(),
            user: model.conn.user.clone(),
        })],
    }
}

/// Esc: close. A request already sent still completes; its result is flashed.
pub fn cancel(model: &mut Model) {
    if let Some(dialog) = model.ui.dialog.take()
        && dialog.step == Step::Running
    {
        model.ui.flash(
            FlashLevel::Warn,
            format!("{} of {} still running in the background", dialog.write.verb(), dialog.target.name),
            model.now,
        );
    }
}

pub fn access_checked(model: &mut Model, id: u64, result: Result<actions::Access, String>) {
    let Some(dialog) = model.ui.dialog.as_mut().filter(|d| d.id == id) else { return };
    dialog.access = match result {
        Ok(actions::Access::Allowed) => Access::Allowed,
        Ok(actions::Access::Denied(reason)) => Access::Denied(reason),
        Err(error) => Access::Denied(format!("cannot check permissions: {error}")),
    };
}

pub fn write_done(model: &mut Model, id: u64, result: Result<String, String>) {
    let current = model.ui.dialog.as_ref().filter(|d| d.id == id).cloned();
    match (current, result) {
        (Some(dialog), Ok(message)) => {
            // Show the rollout as it happens: the drill-down of the target.
            model.ui.dialog = None;
            model.ui.drill = Some(dialog.target.clone());
            model.ui.drill_cursor = Default::default();
            model.views_stale = true;
            model.ui.flash(
                FlashLevel::Info,
                format!("{}/{}: {message}", dialog.target.namespace, dialog.target.name),
                model.now,
            );
        }
        (Some(_), Err(why)) => {
            if let Some(dialog) = model.ui.dialog.as_mut() {
                dialog.step = Step::Failed(why);
            }
        }
        (None, Ok(message)) => model.ui.flash(FlashLevel::Info, message, model.now),
        (None, Err(why)) => model.ui.flash(FlashLevel::Error, why, model.now),
    }
}
