//! Service-mesh traffic as data: each mesh (Linkerd, Istio) is a table of its metric and label
//! names, and the same queries are built from every table and joined with `or`, so the
//! Prometheus answers with the mesh it has (both, in a cluster migrating). Answers carry
//! normalized labels: `mesh`, `namespace`, `workload` (the reporting workload) and, for edges,
//! `dst_namespace`, `dst_workload`.

/// One mesh's metrics.
pub struct MeshTemplate {
    pub mesh: &'static str,
    /// The request counter.
    pub requests: &'static str,
    /// The latency histogram's buckets, in milliseconds.
    pub latency_ms_bucket: &'static str,
    /// Matchers selecting what a workload received, as its own proxy counts it.
    pub inbound: &'static str,
    /// Matchers selecting what a workload sent, as its own proxy counts it.
    pub outbound: &'static str,
    /// Matchers selecting the successful requests.
    pub success: &'static str,
    /// Labels naming the receiving workload on inbound series: namespace, then the workload
    /// labels (the first non-empty one names it).
    pub inbound_workload: (&'static str, &'static [&'static str]),
    /// The sending workload on outbound series.
    pub source_workload: (&'static str, &'static [&'static str]),
    /// The destination on outbound series.
    pub dest_workload: (&'static str, &'static [&'static str]),
}

const LINKERD_OWNERS: &[&str] = &["deployment", "statefulset", "daemonset"];
const LINKERD_DST_OWNERS: &[&str] = &["dst_deployment", "dst_statefulset", "dst_daemonset"];

/// linkerd2-proxy's metrics as linkerd-viz's Prometheus scrapes them (owner labels added by
/// its relabeling), and Istio's standard metrics.
pub const MESHES: [MeshTemplate; 2] = [
    MeshTemplate {
        mesh: "linkerd",
        requests: "response_total",
        latency_ms_bucket: "response_latency_ms_bucket",
        inbound: r#"direction="inbound""#,
        outbound: r#"direction="outbound""#,
        success: r#"classification="success""#,
        inbound_workload: ("namespace", LINKERD_OWNERS),
        source_workload: ("namespace", LINKERD_OWNERS),
        dest_workload: ("dst_namespace", LINKERD_DST_OWNERS),
    },
    MeshTemplate {
        mesh: "istio",
        requests: "istio_requests_total",
        latency_ms_bucket: "istio_request_duration_milliseconds_bucket",
        inbound: r#"reporter="destination""#,
        outbound: r#"reporter="source""#,
        success: r#"response_code!~"5..""#,
        inbound_workload: ("destination_workload_namespace", &["destination_workload"]),
        source_workload: ("source_workload_namespace", &["source_workload"]),
        dest_workload: ("destination_workload_namespace", &["destination_workload"]),
    },
];

/// Which side of a workload's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// What it serves.
    Inbound,
    /// What it calls.
    Outbound,
    /// Who calls whom: per (source, destination).
    Edges,
}

impl MeshTemplate {
    fn selector(&self, side: Side, extra: &str) -> String {
        let side = match side {
            Side::Inbound => self.inbound,
            Side::Outbound | Side::Edges => self.outbound,
        };
        let extra = if extra.is_empty() { String::new() } else { format!(", {extra}") };
        format!("{{${{cluster}}{side}{extra}}}")
    }

    /// The raw labels to sum by, for a side.
    fn raw_by(&self, side: Side) -> Vec<&'static str> {
        let (ns, owners) = match side {
            Side::Inbound => self.inbound_workload,
            Side::Outbound | Side::Edges => self.source_workload,
        };
        let mut by = vec![ns];
        by.extend(owners);
        if side == Side::Edges {
            by.push(self.dest_workload.0);
            by.extend(self.dest_workload.1);
        }
        by
    }

    /// `expr` (summed by the raw labels) with the normalized labels, summed by them.
    fn normalized(&self, side: Side, expr: String, extra_by: &str) -> String {
        let (ns, owners) = match side {
            Side::Inbound => self.inbound_workload,
            Side::Outbound | Side::Edges => self.source_workload,
        };
        let mut out = rename(expr, ns, "namespace", owners, "workload");
        let mut by = format!("{extra_by}mesh, namespace, workload");
        if side == Side::Edges {
            out = rename(out, self.dest_workload.0, "dst_namespace", self.dest_workload.1, "dst_workload");
            by.push_str(", dst_namespace, dst_workload");
        }
        format!(r#"sum by ({by}) (label_replace({out}, "mesh", "{}", "", ""))"#, self.mesh)
    }

    /// Requests per second (all, or `success` only).
    pub fn rate(&self, side: Side, success_only: bool) -> String {
        let extra = if success_only { self.success } else { "" };
        let by = self.raw_by(side).join(", ");
        let raw =
            format!("sum by ({by}) (rate({}{}[${{window}}]))", self.requests, self.selector(side, extra));
        self.normalized(side, raw, "")
    }

    /// The latency buckets' rates, normalized and still by `le`.
    pub fn buckets(&self, side: Side) -> String {
        let by = self.raw_by(side).join(", ");
        let raw = format!(
            "sum by (le, {by}) (rate({}{}[${{window}}]))",
            self.latency_ms_bucket,
            self.selector(side, "")
        );
        self.normalized(side, raw, "le, ")
    }
}

/// Copy `from` into `to` when `from` is not `to` (a no-op otherwise), and the first non-empty
/// owner label into `to_owner`.
fn rename(expr: String, from: &str, to: &str, owners: &[&str], to_owner: &str) -> String {
    let mut out =
        if from == to { expr } else { format!(r#"label_replace({expr}, "{to}", "$1", "{from}", "(.+)")"#) };
    // Last first: the earliest owner label listed wins where several are set.
    for owner in owners.iter().rev() {
        out = format!(r#"label_replace({out}, "{to_owner}", "$1", "{owner}", "(.+)")"#);
    }
    out
}

/// Every mesh's expression for one query, joined: the Prometheus answers with what it has.
pub fn across_meshes(build: impl Fn(&MeshTemplate) -> String) -> String {
    MESHES.iter().map(|m| format!("({})", build(m))).collect::<Vec<_>>().join(" or ")
}

/// The success ratio of a side: successful over all, 0 when nothing succeeded.
pub fn success_ratio(side: Side) -> String {
    across_meshes(|m| {
        let all = m.rate(side, false);
        let ok = m.rate(side, true);
        format!("({ok} or 0 * {all}) / {all}")
    })
}

/// Requests per second of a side.
pub fn requests(side: Side) -> String {
    across_meshes(|m| m.rate(side, false))
}

/// A latency quantile of a side, in seconds.
pub fn latency(side: Side, quantile: f64) -> String {
    across_meshes(|m| format!("histogram_quantile({quantile}, {}) / 1000", m.buckets(side)))
}

/// The labels every mesh answer carries.
pub const LABELS: &[&str] = &["mesh", "namespace", "workload"];
pub const EDGE_LABELS: &[&str] = &["mesh", "namespace", "workload", "dst_namespace", "dst_workload"];
