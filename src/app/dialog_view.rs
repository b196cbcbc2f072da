//! What the action dialog says: context and namespace, what will happen, the pre-flight
//! warnings, the permission answer, the input, the result. The UI styles it by tone.

use jiff::Timestamp;

use crate::app::dialog::{Access, Dialog, Step};
use crate::types::WriteKind;
use crate::ui::view::{DialogLine, DialogView, Tone};
use crate::units;

impl Dialog {
    pub fn view(&self, now: Timestamp) -> DialogView {
        let target = &self.target;
        DialogView {
            title: format!(
                "{} {} {}/{}",
                self.write.verb(),
                target.kind.as_str(),
                target.namespace,
                target.name
            ),
            context: self.context.clone(),
            namespace: target.namespace.clone(),
            lines: self.lines(now),
        }
    }

    fn lines(&self, now: Timestamp) -> Vec<DialogLine> {
        let warn = |text: String| DialogLine::new(Tone::Warn, format!("▲ {text}"));
        let p = &self.preflight;
        let mut lines = vec![DialogLine::new(
            Tone::Text,
            format!("replicas: desired {}  ready {}  updated {}", p.desired, p.ready, p.updated),
        )];
        if let Some((name, min, max)) = &p.hpa
            && self.write == WriteKind::Scale
        {
            lines.push(warn(format!(
                "HPA {name} keeps replicas between {min} and {max} and will override this;"
            )));
            lines.push(DialogLine::new(Tone::Warn, "  change the HPA's min/max instead to make it stick."));
        }
        if self.write == WriteKind::Restart {
            for (name, allowed) in &p.pdbs {
                let tone = if *allowed == 0 { Tone::Error } else { Tone::Text };
                lines.push(DialogLine::new(tone, format!("PDB {name}: {allowed} disruption(s) allowed now")));
            }
        }
        if p.rollout_in_progress {
            lines.push(warn("a rollout is already in progress".to_string()));
        }
        if let Some(zone) = &p.single_zone {
            lines.push(warn(format!("every ready replica is in zone {zone}")));
        }
        if self.write == WriteKind::Undo {
            for r in p.revisions.iter().take(5) {
                let age = r
                    .created
                    .map_or_else(|| "-".to_string(), |t| units::format::age(now.duration_since(t).as_secs()));
                lines.push(DialogLine::new(
                    Tone::Muted,
                    format!("  revision {:>3}  {age:>4}  {}", r.number, r.images.join(", ")),
                ));
            }
        }
        lines.push(DialogLine::new(Tone::Text, ""));
        match &self.access {
            Access::Checking => lines.push(DialogLine::new(Tone::Info, "checking permissions...")),
            Access::Denied(reason) => {
                lines.push(DialogLine::new(Tone::Error, format!("not allowed: {reason}")));
                lines.push(DialogLine::new(Tone::Muted, "Enter or Esc closes"));
                return lines;
            }
            Access::Allowed => {}
        }
        match &self.step {
            Step::Edit => {
                let (prompt, input) = match self.write {
                    WriteKind::Scale => ("new replica count: ", Some(self.input.clone())),
                    WriteKind::Undo => ("revision (empty = previous): ", Some(self.input.clone())),
                    WriteKind::Restart => ("restart every pod, as kubectl rollout restart does", None),
                };
                lines.push(DialogLine { tone: Tone::Text, text: prompt.to_string(), input });
                lines.push(DialogLine::new(Tone::Muted, "Enter confirms, Esc cancels"));
            }
            Step::ConfirmRisk(reason) => lines.push(DialogLine::new(Tone::Error, reason.clone())),
            Step::TypeName => {
                lines.push(DialogLine::new(
                    Tone::Warn,
                    format!("{} looks like production: type the name to confirm", self.context),
                ));
                lines.push(DialogLine {
                    tone: Tone::Muted,
                    text: format!("{}: ", self.target.name),
                    input: Some(self.typed_name.clone()),
                });
            }
            Step::Running => lines.push(DialogLine::new(Tone::Info, "sent; waiting for the API server...")),
            Step::Failed(why) => {
                lines.push(DialogLine::new(Tone::Error, format!("failed: {why}")));
                lines.push(DialogLine::new(Tone::Muted, "Enter edits again, Esc closes"));
            }
        }
        lines
    }
}
