//! The namespace filter the views apply (`-n`, `-A`, the in-app switch).

use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    Namespaces(BTreeSet<String>),
}

impl Scope {
    pub fn one(namespace: &str) -> Scope {
        Scope::Namespaces([namespace.to_owned()].into())
    }

    /// Cluster-scoped objects (nodes, classes) pass with `None`.
    pub fn includes(&self, namespace: Option<&str>) -> bool {
        match (self, namespace) {
            (Scope::All, _) | (_, None) => true,
            (Scope::Namespaces(set), Some(ns)) => set.contains(ns),
        }
    }

    pub fn includes_ns(&self, namespace: &str) -> bool {
        self.includes(Some(namespace))
    }
}
