//! Triage: the views' findings become one problem per object, each with the change that
//! likely caused it, ranked by a score whose parts are kept so a user can see why a row is
//! first (README: "How problems are ranked").

mod cause;
pub mod links;
mod rank;
mod score;
pub mod traffic;

pub use cause::Cause;
pub use rank::{TriageInput, rank};
pub use score::Score;

use serde::Serialize;

use crate::config::TriageConfig;
use crate::model::views::Severity;
use crate::model::views::problems::ProblemCategory;

/// What ranks problems: the config's triage section and the context in use.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRules {
    pub config: TriageConfig,
    /// The context's name contains the production pattern.
    pub production_context: bool,
}

impl Default for TriageRules {
    fn default() -> Self {
        TriageRules::new(&TriageConfig::default(), "")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    NonProduction,
    Unknown,
}

impl TriageRules {
    pub fn new(config: &TriageConfig, context: &str) -> TriageRules {
        let production_context = contains_pattern(context, &config.production_pattern);
        TriageRules { config: config.clone(), production_context }
    }

    /// A namespace named for production wins over one named for dev or staging; without
    /// either, the context decides.
    pub fn environment(&self, namespace: Option<&str>) -> Environment {
        let ns = namespace.unwrap_or_default();
        if contains_pattern(ns, &self.config.production_pattern) {
            return Environment::Production;
        }
        let words = &self.config.nonproduction_words;
        let nonproduction =
            ns.split(['-', '_', '.']).any(|w| words.iter().any(|n| n.eq_ignore_ascii_case(w)));
        if nonproduction {
            Environment::NonProduction
        } else if self.production_context {
            Environment::Production
        } else {
            Environment::Unknown
        }
    }
}

fn contains_pattern(name: &str, pattern: &str) -> bool {
    !pattern.is_empty() && name.to_lowercase().contains(&pattern.to_lowercase())
}

/// One thing a view found wrong with an object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reason {
    pub severity: Severity,
    pub category: ProblemCategory,
    pub message: String,
}

/// Everything wrong with one object: its reasons, what likely caused them, and its rank.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The worst reason's.
    pub severity: Severity,
    /// The worst reason's.
    pub category: ProblemCategory,
    /// Kubernetes kind of the object ("Deployment", "Node", ...; "Source" for watches).
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The reasons' messages joined, worst first.
    pub message: String,
    pub reasons: Vec<Reason>,
    pub score: Score,
    /// The change the timeline holds that most likely caused it, when it holds one.
    pub cause: Option<Cause>,
}

impl Problem {
    pub fn object(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[cfg(test)]
#[path = "triage_tests.rs"]
mod tests;
