//! The action dialog: what will happen, the permission check, the input, the confirmations,
//! and the result. A pure state machine; IO leaves as Effects.

use crate::app::preflight::Preflight;
use crate::types::WorkloadRef;
use crate::types::WriteKind;

/// Counts above this (and above twice the current one) need a second confirmation.
const BIG_SCALE_STEP: i32 = 10;
/// Replica counts beyond this are refused outright.
pub const MAX_REPLICAS: i32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Checking,
    Allowed,
    Denied(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Typing the count (scale) or the revision (undo; empty = previous).
    Edit,
    /// A second look: scaling to zero, a large jump.
    ConfirmRisk(String),
    /// A production context: the object's name must be typed.
    TypeName,
    Running,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Matches results to the dialog that asked for them.
    pub id: u64,
    pub write: WriteKind,
    pub target: WorkloadRef,
    pub context: String,
    pub preflight: Preflight,
    pub access: Access,
    pub step: Step,
    pub input: String,
    pub typed_name: String,
    /// The context's name matches the "type the name" pattern.
    pub guarded: bool,
}

/// What the dialog wants after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stay,
    Close,
    /// Run it: the count for scale, the revision for undo.
    Run {
        replicas: Option<i32>,
        revision: Option<u64>,
    },
}

impl Dialog {
    pub fn new(
        id: u64,
        write: WriteKind,
        target: WorkloadRef,
        context: String,
        preflight: Preflight,
        guarded: bool,
    ) -> Dialog {
        let input = match write {
            WriteKind::Scale => preflight.desired.to_string(),
            _ => String::new(),
        };
        Dialog {
            id,
            write,
            target,
            context,
            preflight,
            access: Access::Checking,
            step: Step::Edit,
            input,
            typed_name: String::new(),
            guarded,
        }
    }

    pub fn type_char(&mut self, c: char) {
        match self.step {
            Step::Edit if c.is_ascii_digit() && self.input.len() < 6 => self.input.push(c),
            Step::TypeName if !c.is_control() => self.typed_name.push(c),
            _ => {}
        }
    }

    pub fn backspace(&mut self) {
        match self.step {
            Step::Edit => {
                self.input.pop();
            }
            Step::TypeName => {
                self.typed_name.pop();
            }
            _ => {}
        }
    }

    /// Enter: move on a step, or run.
    pub fn submit(&mut self) -> Outcome {
        if self.access != Access::Allowed {
            return if matches!(self.access, Access::Denied(_)) { Outcome::Close } else { Outcome::Stay };
        }
        match self.step.clone() {
            Step::Edit => match self.validate() {
                Ok(Some(risk)) => {
                    self.step = Step::ConfirmRisk(risk);
                    Outcome::Stay
                }
                Ok(None) => self.after_risk(),
                Err(why) => {
                    self.step = Step::Failed(why);
                    Outcome::Stay
                }
            },
            Step::ConfirmRisk(_) => self.after_risk(),
            Step::TypeName => {
                if self.typed_name == self.target.name {
                    self.run()
                } else {
                    Outcome::Stay
                }
            }
            Step::Running => Outcome::Stay,
            Step::Failed(_) => {
                self.step = Step::Edit;
                Outcome::Stay
            }
        }
    }

    fn after_risk(&mut self) -> Outcome {
        if self.guarded {
            self.step = Step::TypeName;
            Outcome::Stay
        } else {
            self.run()
        }
    }

    fn run(&mut self) -> Outcome {
        self.step = Step::Running;
        match self.write {
            WriteKind::Scale => Outcome::Run { replicas: self.input.parse().ok(), revision: None },
            WriteKind::Undo => Outcome::Run { replicas: None, revision: self.input.parse().ok() },
            WriteKind::Restart => Outcome::Run { replicas: None, revision: None },
        }
    }

    /// Ok(Some(reason)) when the value is allowed but deserves a second look.
    fn validate(&self) -> Result<Option<String>, String> {
        match self.write {
            WriteKind::Scale => {
                let replicas: i32 =
                    self.input.parse().map_err(|_| "type a number of replicas (digits only)".to_string())?;
                let current = self.preflight.desired;
                if replicas > MAX_REPLICAS {
                    return Err(format!(
                        "{replicas} replicas is more than kdeck will ask for (max {MAX_REPLICAS})"
                    ));
                }
                if replicas == current {
                    return Err(format!("already at {current} replicas"));
                }
                if replicas == 0 {
                    return Ok(Some(format!(
                        "scale {} to ZERO: every pod stops. Enter again to confirm",
                        self.target.name
                    )));
                }
                if replicas > (current * 2).max(current + BIG_SCALE_STEP) {
                    return Ok(Some(format!(
                        "{current} -> {replicas} is a large jump. Enter again to confirm"
                    )));
                }
                Ok(None)
            }
            WriteKind::Undo => {
                if self.input.is_empty() {
                    return Ok(None);
                }
                let revision: u64 = self
                    .input
                    .parse()
                    .map_err(|_| "type a revision number, or nothing for the previous one".to_string())?;
                if self.preflight.revisions.iter().any(|r| r.number == revision) {
                    Ok(None)
                } else {
                    Err(format!("no revision {revision}"))
                }
            }
            WriteKind::Restart => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::WorkloadKind;

    fn dialog(write: WriteKind, desired: i32, guarded: bool) -> Dialog {
        let target =
            WorkloadRef { kind: WorkloadKind::Deployment, namespace: "shop".into(), name: "web".into() };
        let preflight = Preflight { found: true, desired, ..Preflight::default() };
        let mut d = Dialog::new(1, write, target, "ctx".into(), preflight, guarded);
        d.access = Access::Allowed;
        d
    }

    fn type_text(d: &mut Dialog, text: &str) {
        d.input.clear();
        text.chars().for_each(|c| d.type_char(c));
    }

    #[test]
    fn scale_runs_with_the_typed_count() {
        let mut d = dialog(WriteKind::Scale, 3, false);
        type_text(&mut d, "5");
        assert_eq!(d.submit(), Outcome::Run { replicas: Some(5), revision: None });
        assert_eq!(d.step, Step::Running);
    }

    #[test]
    fn letters_and_signs_are_not_typed_and_absurd_counts_are_refused() {
        let mut d = dialog(WriteKind::Scale, 3, false);
        type_text(&mut d, "-2x");
        assert_eq!(d.input, "2");
        type_text(&mut d, "999999");
        assert_eq!(d.submit(), Outcome::Stay);
        assert!(matches!(d.step, Step::Failed(ref why) if why.contains("max")), "{:?}", d.step);
    }

    #[test]
    fn zero_and_big_jumps_need_a_second_enter() {
        let mut d = dialog(WriteKind::Scale, 3, false);
        type_text(&mut d, "0");
        assert_eq!(d.submit(), Outcome::Stay);
        assert!(matches!(d.step, Step::ConfirmRisk(ref r) if r.contains("ZERO")));
        assert_eq!(d.submit(), Outcome::Run { replicas: Some(0), revision: None });
        let mut d = dialog(WriteKind::Scale, 3, false);
        type_text(&mut d, "40");
        assert_eq!(d.submit(), Outcome::Stay);
        assert_eq!(d.submit(), Outcome::Run { replicas: Some(40), revision: None });
    }

    #[test]
    fn guarded_contexts_want_the_name_typed() {
        let mut d = dialog(WriteKind::Restart, 3, true);
        assert_eq!(d.submit(), Outcome::Stay);
        assert_eq!(d.step, Step::TypeName);
        "we".chars().for_each(|c| d.type_char(c));
        assert_eq!(d.submit(), Outcome::Stay, "a wrong name does nothing");
        d.type_char('b');
        assert_eq!(d.submit(), Outcome::Run { replicas: None, revision: None });
    }

    #[test]
    fn nothing_runs_until_access_is_known_and_denied_closes() {
        let mut d = dialog(WriteKind::Restart, 3, false);
        d.access = Access::Checking;
        assert_eq!(d.submit(), Outcome::Stay);
        d.access = Access::Denied("RBAC".into());
        assert_eq!(d.submit(), Outcome::Close);
    }
}
