//! Which rows of the pane in front pass the filter, and what each one names (for Enter,
//! `y` and the actions). Row targets are typed: a kind is never guessed from a string.

use super::{PaneView, RowTarget};
use crate::app::ui_state::RowFilter;
use crate::types::WorkloadRef;

impl PaneView {
    /// Keep the rows that pass `filter` (in `visible`) and return what each one names.
    pub(super) fn select(&mut self, drill: Option<&WorkloadRef>, filter: &str) -> Vec<RowTarget> {
        let filter = RowFilter::parse(filter);
        let keep = |text: String| filter.as_ref().is_none_or(|f| f.keeps(&text.to_lowercase()));
        match self {
            PaneView::Empty => Vec::new(),
            PaneView::Workload(view) => {
                let namespace = drill.map(|id| id.namespace.as_str()).unwrap_or_default();
                view.pods
                    .iter()
                    .map(|p| RowTarget {
                        name: format!("{namespace}/{}", p.name),
                        workload: None,
                        logs: None,
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Overview { namespaces, visible: kept, .. } => {
                *kept = visible(&namespaces.rows, |r| keep(r.name.clone()));
                kept.iter()
                    .map(|&i| RowTarget {
                        name: namespaces.rows[i].name.clone(),
                        workload: None,
                        logs: None,
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Zones { view, visible: kept, .. } => {
                *kept = visible(&view.workloads, |w| {
                    keep(format!("{}/{} {}", w.namespace, w.name, w.kind.as_str()))
                });
                kept.iter()
                    .map(|&i| {
                        let w = &view.workloads[i];
                        RowTarget {
                            name: format!("{}/{}", w.namespace, w.name),
                            workload: Some(WorkloadRef {
                                kind: w.kind,
                                namespace: w.namespace.clone(),
                                name: w.name.clone(),
                            }),
                            logs: None,
                            cluster: None,
                        }
                    })
                    .collect()
            }
            PaneView::Autoscalers { view, visible: kept, .. } => {
                *kept =
                    visible(&view.rows, |r| keep(format!("{}/{} {}", r.namespace, r.name, r.target.name)));
                kept.iter()
                    .map(|&i| {
                        let r = &view.rows[i];
                        // A DaemonSet target is named too: the actions refuse what it cannot do.
                        let workload = r.target.workload_kind().map(|kind| WorkloadRef {
                            kind,
                            namespace: r.namespace.clone(),
                            name: r.target.name.clone(),
                        });
                        RowTarget {
                            name: format!("{}/{}", r.namespace, r.name),
                            workload,
                            logs: None,
                            cluster: None,
                        }
                    })
                    .collect()
            }
            PaneView::Ingresses { view, visible: kept, backends, .. } => {
                *kept = visible(&view.rows, |r| {
                    keep(format!("{}/{} {}", r.namespace, r.name, r.hosts.join(" ")))
                });
                kept.iter()
                    .map(|&i| RowTarget {
                        name: format!("{}/{}", view.rows[i].namespace, view.rows[i].name),
                        workload: None,
                        logs: backends.get(i).cloned().flatten(),
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Storage { view, visible: kept } => {
                *kept = visible(&view.rows, |r| {
                    let class = r.class.as_deref().unwrap_or_default();
                    let zone = r.volume_zone.as_deref().unwrap_or_default();
                    keep(format!("{}/{} {} {class} {zone}", r.namespace, r.name, r.phase.label()))
                });
                kept.iter()
                    .map(|&i| {
                        let r = &view.rows[i];
                        // Enter drills into the StatefulSet that made the claim; `l` shows its logs.
                        let workload = r.stateful_set.as_ref().map(|name| WorkloadRef {
                            kind: crate::types::WorkloadKind::StatefulSet,
                            namespace: r.namespace.clone(),
                            name: name.clone(),
                        });
                        RowTarget {
                            name: format!("{}/{}", r.namespace, r.name),
                            workload,
                            logs: None,
                            cluster: None,
                        }
                    })
                    .collect()
            }
            PaneView::Policies { view, visible: kept } => {
                *kept = visible(&view.rows, |r| {
                    let apps: Vec<&str> = r.apps.iter().map(|a| a.name.as_str()).collect();
                    keep(format!("{} {} {}", r.namespace, r.policies.join(" "), apps.join(" ")))
                });
                kept.iter()
                    .map(|&i| RowTarget {
                        name: view.rows[i].namespace.clone(),
                        workload: None,
                        logs: None,
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Mesh { view, visible: kept } => {
                *kept = visible(&view.rows, |r| {
                    keep(format!("{}/{} {} {}", r.namespace, r.name, r.mesh, r.verdict))
                });
                kept.iter()
                    .map(|&i| {
                        let r = &view.rows[i];
                        // Enter drills into the workload (when the caches know its kind).
                        let workload = crate::types::WorkloadKind::from_kind(&r.kind).map(|kind| {
                            WorkloadRef { kind, namespace: r.namespace.clone(), name: r.name.clone() }
                        });
                        RowTarget {
                            name: format!("{}/{}", r.namespace, r.name),
                            logs: None,
                            workload,
                            cluster: None,
                        }
                    })
                    .collect()
            }
            PaneView::Gateways { view, visible: kept, .. } => {
                *kept = visible(&view.routes, |r| {
                    let backends: Vec<&str> = r.backends.iter().map(|b| b.service.as_str()).collect();
                    let flags: Vec<&str> = r.flags.iter().map(|f| f.word()).collect();
                    keep(format!(
                        "{}/{} {} {} {} {}",
                        r.namespace,
                        r.name,
                        r.hostnames.join(" "),
                        r.parents.join(" "),
                        backends.join(" "),
                        flags.join(" ")
                    ))
                });
                kept.iter()
                    .map(|&i| RowTarget {
                        name: format!("{}/{}", view.routes[i].namespace, view.routes[i].name),
                        workload: None,
                        logs: None,
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Certificates { view, visible: kept } => {
                *kept = visible(&view.rows, |r| {
                    keep(format!(
                        "{}/{} {} {} {}",
                        r.namespace,
                        r.name,
                        r.secret,
                        r.issuer,
                        r.dns_names.join(" ")
                    ))
                });
                kept.iter()
                    .map(|&i| RowTarget {
                        name: format!("{}/{}", view.rows[i].namespace, view.rows[i].name),
                        workload: None,
                        logs: None,
                        cluster: None,
                    })
                    .collect()
            }
            PaneView::Fleet { view, visible: kept } => {
                *kept = visible(&view.rows, |r| keep(format!("{} {}", r.context, r.zones.join(" "))));
                kept.iter()
                    .map(|&i| RowTarget {
                        name: view.rows[i].context.clone(),
                        workload: None,
                        logs: None,
                        cluster: Some(view.rows[i].context.clone()),
                    })
                    .collect()
            }
            PaneView::Compare { view, visible: kept } => {
                *kept = visible(&view.rows, |r| keep(r.context.clone()));
                kept.iter()
                    .map(|&i| RowTarget {
                        name: format!("{}/{}", view.namespace, view.name),
                        workload: None,
                        logs: None,
                        cluster: Some(view.rows[i].context.clone()),
                    })
                    .collect()
            }
            PaneView::Events { view, visible: kept } => {
                *kept = visible(&view.entries, |e| {
                    keep(format!(
                        "{} {} {} {}",
                        e.kind,
                        e.namespace.as_deref().unwrap_or(""),
                        e.name,
                        e.message
                    ))
                });
                kept.iter()
                    .map(|&i| {
                        let e = &view.entries[i];
                        let name = match &e.namespace {
                            Some(ns) => format!("{ns}/{}", e.name),
                            None => e.name.clone(),
                        };
                        RowTarget { name, workload: None, logs: None, cluster: None }
                    })
                    .collect()
            }
        }
    }
}

fn visible<T>(rows: &[T], keep: impl Fn(&T) -> bool) -> Vec<usize> {
    rows.iter().enumerate().filter(|(_, r)| keep(r)).map(|(i, _)| i).collect()
}
