//! The score that ranks problems, kept in parts so a user can see why a row is first.
//!
//! | part | points |
//! |---|---|
//! | severity | error 100, warning 40, information 0 |
//! | user-facing (at most 60) | serves an ingress (or a certificate secures one) 30; users get 5xx or slow answers 30; no ready endpoints (or replicas) behind an ingress 30; autoscaler at max with a metric 1.5x its target or more 30 |
//! | environment | production namespace or context +20, dev/staging namespace -30 |
//! | recency | +20 when the object or its cause changed in the last 30 min |
//! | blast radius (at most 80) | 20 per other problem it is the likely cause of |

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::Environment;
use crate::model::views::Severity;

pub const RECENT: SignedDuration = SignedDuration::from_mins(30);
const USER_FACING_CAP: i32 = 60;
const BLAST_CAP: i32 = 80;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Score {
    pub total: i32,
    pub severity: i32,
    pub user_facing: i32,
    pub environment: i32,
    pub recency: i32,
    pub blast_radius: i32,
    /// Why each part that is not zero counts, in words.
    pub why: Vec<String>,
}

/// What the score is computed from.
pub struct Facts {
    pub severity: Severity,
    /// Each user-facing fact, worded ("serves ingress shop/web").
    pub user_facing: Vec<String>,
    pub environment: Environment,
    /// When the object itself or its cause last changed.
    pub changed_at: Option<Timestamp>,
    /// How many other problems name this object as their likely cause.
    pub causes: usize,
}

pub fn score(facts: &Facts, now: Timestamp) -> Score {
    let mut why = Vec::new();
    let severity = match facts.severity {
        Severity::Error => 100,
        Severity::Warning => 40,
        Severity::Info | Severity::Ok => 0,
    };
    let user_facing = (30 * facts.user_facing.len() as i32).min(USER_FACING_CAP);
    why.extend(facts.user_facing.iter().cloned());
    let environment = match facts.environment {
        Environment::Production => {
            why.push("production".to_owned());
            20
        }
        Environment::NonProduction => {
            why.push("not production".to_owned());
            -30
        }
        Environment::Unknown => 0,
    };
    let recent = facts.changed_at.filter(|at| now.duration_since(*at) <= RECENT);
    let recency = match recent {
        Some(at) => {
            let mins = now.duration_since(at).as_mins().max(0);
            why.push(format!("changed {mins} min ago"));
            20
        }
        None => 0,
    };
    let blast_radius = (20 * facts.causes as i32).min(BLAST_CAP);
    if facts.causes > 0 {
        why.push(format!("likely cause of {} other problem(s)", facts.causes));
    }
    Score {
        total: severity + user_facing + environment + recency + blast_radius,
        severity,
        user_facing,
        environment,
        recency,
        blast_radius,
        why,
    }
}
