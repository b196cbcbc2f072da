//! The text sections of the platform pieces: Gateway API, the service mesh, storage,
//! cert-manager certificates, network policies and Argo CD applications.

use super::Snapshot;
use super::text::{flags, wrapped};
use crate::model::views::Severity;
use std::io::{self, Write};

pub(super) fn gateways(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let (Some(gateways), Some(routes)) = (&doc.gateways, &doc.httproutes) else { return Ok(()) };
    if gateways.is_empty() && routes.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nGATEWAYS (Gateway API)")?;
    let mark = |severity: Severity| if severity >= Severity::Warning { "! " } else { "  " };
    for g in gateways {
        let programmed = match g.programmed {
            Some(true) => "Programmed",
            Some(false) => "NotProgrammed",
            None => "?",
        };
        let mut text = format!(
            "gateway {}/{} class {} {programmed} address {} routes {}",
            g.namespace,
            g.name,
            g.class,
            if g.addresses.is_empty() { "-".to_owned() } else { g.addresses.join(",") },
            g.attached_routes
        );
        if !g.verdict.is_empty() {
            text.push_str(&format!(" [{}]", g.verdict));
        }
        wrapped(out, mark(g.severity), &text)?;
        if let Some(reason) = &g.reason {
            wrapped(out, "      ", reason)?;
        }
    }
    for r in routes {
        let mut text = format!(
            "httproute {}/{} hosts {} via {}",
            r.namespace,
            r.name,
            if r.hostnames.is_empty() { "*".to_owned() } else { r.hostnames.join(",") },
            r.parents.join(",")
        );
        if !r.flags.is_empty() {
            let words: Vec<&str> = r.flags.iter().map(|f| f.word()).collect();
            text.push_str(&format!(" [{}]", words.join(" ")));
        }
        wrapped(out, mark(r.severity), &text)?;
        for b in &r.backends {
            let weight = b.weight.map(|w| format!(" weight {w}")).unwrap_or_default();
            let line = format!(
                "{} -> {}:{}{weight} {}/{} ready {}",
                b.path,
                b.service,
                b.port,
                b.endpoints.ready,
                b.endpoints.total,
                flags(&[b.verdict])
            );
            wrapped(out, "      ", &line)?;
        }
        if let Some(reason) = &r.reason {
            wrapped(out, "      ", reason)?;
        }
    }
    Ok(())
}

pub(super) fn mesh(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = doc.mesh.as_ref().filter(|r| !r.is_empty()) else { return Ok(()) };
    writeln!(out, "\nMESH (service mesh: served, called)")?;
    let flow = |f: &Option<crate::types::Flow>| match f {
        Some(f) => format!(
            "{} req/s {} ok p99 {}",
            crate::units::format::per_second(f.rps),
            f.success.map_or_else(|| "-".to_owned(), crate::units::format::ratio_percent),
            f.p99.map_or_else(|| "-".to_owned(), crate::units::format::latency)
        ),
        None => "-".to_owned(),
    };
    for r in rows {
        let mut text = format!(
            "{}/{} {} proxies {}/{} in [{}] out [{}]",
            r.namespace,
            r.name,
            if r.mesh.is_empty() { "-" } else { &r.mesh },
            r.proxies.ready,
            r.proxies.total,
            flow(&r.inbound),
            flow(&r.outbound)
        );
        if !r.verdict.is_empty() {
            text.push_str(&format!(" [{}]", r.verdict));
        }
        wrapped(out, if r.severity >= Severity::Warning { "! " } else { "  " }, &text)?;
    }
    Ok(())
}

pub(super) fn storage(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.storage else { return Ok(()) };
    writeln!(out, "\nSTORAGE (persistent volume claims)")?;
    for c in rows {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let mut text = format!(
            "{}/{} {} {} class {} volume {} zone {}",
            c.namespace,
            c.name,
            c.phase.label(),
            dash(&c.capacity.clone().or_else(|| c.requested.clone())),
            dash(&c.class),
            dash(&c.volume),
            dash(&c.volume_zone),
        );
        if let Some(pod) = &c.pod {
            text.push_str(&format!(" | pod {pod} in {}", dash(&c.pod_zone)));
        }
        if !c.verdict.is_empty() {
            text.push_str(&format!(" [{}]", c.verdict));
        }
        wrapped(out, &format!("{} ", if c.severity >= Severity::Warning { "!" } else { " " }), &text)?;
        if let Some(reason) = &c.reason {
            wrapped(out, "      ", reason)?;
        }
    }
    Ok(())
}

pub(super) fn certificates(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.certificates else { return Ok(()) };
    writeln!(out, "\nCERTIFICATES (cert-manager)")?;
    for c in rows {
        let expiry = match (c.not_after, c.days_left) {
            (Some(at), Some(d)) => format!("notAfter {} ({d}d)", at.strftime("%Y-%m-%d")),
            _ => "notAfter ?".to_owned(),
        };
        let ready = match c.ready {
            Some(true) => "Ready",
            Some(false) => "NotReady",
            None => "?",
        };
        let mut text =
            format!("{}/{} {ready} secret {} {expiry} {}", c.namespace, c.name, c.secret, c.issuer);
        if !c.verdict.is_empty() {
            text.push_str(&format!(" [{}]", c.verdict));
        }
        wrapped(out, &format!("{} ", if c.severity >= Severity::Warning { "!" } else { " " }), &text)?;
        if let Some(failure) = &c.failure {
            wrapped(out, "      ", failure)?;
        }
    }
    Ok(())
}

pub(super) fn policies(doc: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    let Some(rows) = &doc.policies else { return Ok(()) };
    writeln!(out, "\nPOLICIES (network policies, Argo CD applications)")?;
    for r in rows.iter().filter(|r| !r.policies.is_empty() || !r.apps.is_empty()) {
        let deny = match (r.default_deny_ingress, r.default_deny_egress) {
            (true, true) => "default-deny in+out",
            (true, false) => "default-deny in",
            (false, true) => "default-deny out",
            (false, false) => "no default-deny",
        };
        let mut text = format!("{} {deny} policies [{}]", r.namespace, r.policies.join(", "));
        for a in &r.apps {
            text.push_str(&format!(" app {}/{} {}/{}", a.namespace, a.name, a.sync, a.health));
        }
        if !r.verdict.is_empty() {
            text.push_str(&format!(" [{}]", r.verdict));
        }
        wrapped(out, &format!("{} ", if r.severity >= Severity::Warning { "!" } else { " " }), &text)?;
    }
    Ok(())
}
