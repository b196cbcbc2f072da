//! A bounded log of requests and per-(verb, resource) counters, for tests and benchmarks.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;

/// One served request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    /// "admin", "viewer", or None when unauthenticated.
    pub user: Option<String>,
    pub status: u16,
    /// Kubernetes verb (list, watch, get, patch, ...) or the lowercase method for other paths.
    pub verb: String,
    /// "pods", "deployments.apps", "deployments.apps/scale", or the path for non-resource requests.
    pub resource: String,
}

impl RequestRecord {
    /// Whether the request could have changed anything (create, update, patch, delete).
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// Count of requests for one (verb, resource).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestCount {
    pub verb: String,
    pub resource: String,
    pub count: u64,
}

pub struct RequestLog {
    limit: usize,
    records: Mutex<VecDeque<RequestRecord>>,
    counts: Mutex<BTreeMap<(String, String), u64>>,
}

impl RequestLog {
    pub fn new(limit: usize) -> RequestLog {
        RequestLog { limit, records: Mutex::new(VecDeque::new()), counts: Mutex::new(BTreeMap::new()) }
    }

    pub fn record(&self, record: RequestRecord) {
        {
            let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *counts.entry((record.verb.clone(), record.resource.clone())).or_insert(0) += 1;
        }
        let mut records = self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        records.push_back(record);
        while records.len() > self.limit {
            records.pop_front();
        }
    }

    /// The most recent requests, oldest first.
    pub fn records(&self) -> Vec<RequestRecord> {
        self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }

    pub fn counts(&self) -> Vec<RequestCount> {
        let counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        counts
            .iter()
            .map(|((verb, resource), count)| RequestCount {
                verb: verb.clone(),
                resource: resource.clone(),
                count: *count,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(verb: &str) -> RequestRecord {
        RequestRecord {
            method: "GET".into(),
            path: "/api/v1/pods".into(),
            query: String::new(),
            user: Some("admin".into()),
            status: 200,
            verb: verb.into(),
            resource: "pods".into(),
        }
    }

    #[test]
    fn log_is_bounded_and_counts_everything() {
        let log = RequestLog::new(2);
        for verb in ["list", "watch", "list"] {
            log.record(record(verb));
        }
        assert_eq!(log.records().len(), 2);
        let counts = log.counts();
        assert_eq!(counts.iter().find(|c| c.verb == "list").map(|c| c.count), Some(2));
        assert_eq!(counts.iter().find(|c| c.verb == "watch").map(|c| c.count), Some(1));
    }
}
