//! `kdeck snapshot --context a,b,c`: every cluster's snapshot, taken at once, plus the fleet
//! summary the fleet pane shows. A cluster that cannot be reached or synced gets its error
//! in its place and a row that says so; the others are printed whole.

use std::io::Write;

use serde::Serialize;

use super::{Collected, OutputFormat, SnapshotOptions, collect, json};
use crate::model::views::fleet::{FleetApi, FleetRow, FleetView};

/// One cluster's place in the document: its snapshot, or why there is none.
enum Outcome {
    Taken(Box<Collected>),
    Failed { context: String, error: String },
}

#[derive(Serialize)]
struct FleetDocument {
    schema_version: u32,
    generated_at: jiff::Timestamp,
    /// Clusters with an error (down, or an error-severity problem): `--check` exits 1 when
    /// not 0.
    clusters_in_error: usize,
    /// One row per cluster, worst first (the fleet pane's rows).
    fleet: Vec<FleetRow>,
    /// One snapshot document per cluster, in the order given; `{context, error}` for a
    /// cluster that could not be taken.
    clusters: Vec<serde_json::Value>,
}

/// Take every context's snapshot concurrently and print them; returns the exit code.
pub async fn run(
    opts: SnapshotOptions,
    contexts: &[String],
    out: &mut impl Write,
) -> color_eyre::Result<i32> {
    let takes = contexts.iter().map(|context| {
        let mut opts = opts.clone();
        opts.connect.context = Some(context.clone());
        let context = context.clone();
        async move {
            match collect(opts).await {
                Ok(collected) => Outcome::Taken(Box::new(collected)),
                // The error's first line: a report of one cluster is one line.
                Err(err) => Outcome::Failed {
                    context,
                    error: crate::sanitize::line_owned(
                        err.to_string().lines().next().unwrap_or("").to_string(),
                    ),
                },
            }
        }
    });
    let outcomes = futures::future::join_all(takes).await;
    let rows = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Taken(collected) => collected.row.clone(),
            Outcome::Failed { context, error } => {
                FleetRow::empty(context, "", FleetApi::Failed { error: error.clone() })
            }
        })
        .collect();
    let view = FleetView::ranked(rows);
    let in_error = view.clusters_in_error();
    match opts.output {
        OutputFormat::Json => {
            let mut clusters = Vec::new();
            for outcome in &outcomes {
                clusters.push(match outcome {
                    Outcome::Taken(collected) => json::to_value(&collected.doc)?,
                    Outcome::Failed { context, error } => {
                        serde_json::json!({ "context": context, "error": error })
                    }
                });
            }
            let doc = FleetDocument {
                schema_version: super::document::SCHEMA_VERSION,
                generated_at: jiff::Timestamp::now(),
                clusters_in_error: in_error,
                fleet: view.rows,
                clusters,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            let mut safe = crate::sanitize::SafeWriter::new(&mut *out);
            write_table(&view, &mut safe)?;
            for outcome in &outcomes {
                match outcome {
                    Outcome::Taken(collected) => {
                        writeln!(safe, "\n=== {} ===", collected.doc.context)?;
                        super::print(&collected.doc, OutputFormat::Text, &mut safe)?;
                    }
                    Outcome::Failed { context, error } => {
                        writeln!(safe, "\n=== {context} ===\nerror: {error}")?
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(if opts.check && in_error > 0 { 1 } else { 0 })
}

/// The fleet summary as text: the fleet pane's columns.
fn write_table(view: &FleetView, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<24} {:<12} {:>11} {:>5} {:>11} {:>3} {:>4} {:>7} {:>4}  TOP PROBLEM",
        "CLUSTER", "API", "NODES", "ZONES", "PODS", "ERR", "WARN", "HPA@MAX", "ING✗"
    )?;
    for row in &view.rows {
        let problem = match (row.api.error(), &row.top_problem) {
            (Some(error), _) => error.to_string(),
            (None, Some(top)) => format!("{}: {}", top.object, top.message),
            (None, None) => "-".to_string(),
        };
        writeln!(
            out,
            "{:<24} {:<12} {:>11} {:>5} {:>11} {:>3} {:>4} {:>7} {:>4}  {problem}",
            row.context,
            row.api.label(),
            format!("{}/{}", row.nodes.ready, row.nodes.total),
            row.zones.len(),
            format!("{}/{}", row.pods.ready, row.pods.total),
            row.errors,
            row.warnings,
            row.hpas_at_max,
            row.ingresses_failing,
        )?;
    }
    Ok(())
}
