//! The panes a user moves between.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Overview,
    Zones,
    Autoscalers,
    Ingresses,
    Events,
    /// PersistentVolumeClaims: phase, reason, capacity, class, volume zone against pod zone.
    Storage,
    /// cert-manager Certificates: ready, expiry, renewal, issuer, the ingresses they serve.
    Certificates,
    /// NetworkPolicies and Argo CD Applications per namespace.
    Policies,
    /// Gateway API: Gateways and their HTTPRoutes, verdicts and traffic.
    Gateways,
    /// Service mesh per workload: proxies, success rate, requests, p99, edges.
    Mesh,
    /// One row per cluster (`--context a,b`, `:fleet`); only there when a fleet is.
    Fleet,
}

impl Pane {
    /// A cluster's panes, in tab order (the fleet's tab, when there is one, comes first).
    pub const ALL: [Pane; 10] = [
        Pane::Overview,
        Pane::Zones,
        Pane::Autoscalers,
        Pane::Ingresses,
        Pane::Events,
        Pane::Storage,
        Pane::Certificates,
        Pane::Policies,
        Pane::Gateways,
        Pane::Mesh,
    ];
    /// Every pane, the fleet included (per-pane state is kept in arrays this long).
    pub const COUNT: usize = 11;

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Zones => "Zones",
            Pane::Autoscalers => "Autoscalers",
            Pane::Ingresses => "Ingresses",
            Pane::Events => "Events",
            Pane::Storage => "Storage",
            Pane::Certificates => "Certificates",
            Pane::Policies => "Policies",
            Pane::Gateways => "Gateways",
            Pane::Mesh => "Mesh",
            Pane::Fleet => "Fleet",
        }
    }

    /// The key that opens it: digits 1-9 in tab order, `m` for the mesh, 0 for the fleet.
    pub fn key(self) -> char {
        match self {
            Pane::Fleet => '0',
            Pane::Mesh => 'm',
            pane => char::from(b'1' + pane as u8),
        }
    }

    /// The name `:` accepts (and a few aliases users type from kubectl habit).
    pub fn from_name(name: &str) -> Option<Pane> {
        match name {
            "overview" | "ov" | "home" | "namespaces" | "ns-health" => Some(Pane::Overview),
            "zones" | "zone" | "z" => Some(Pane::Zones),
            "autoscalers" | "hpa" | "hpas" | "horizontalpodautoscalers" => Some(Pane::Autoscalers),
            "ingresses" | "ingress" | "ing" => Some(Pane::Ingresses),
            "events" | "ev" | "timeline" => Some(Pane::Events),
            "policies" | "policy" | "netpol" | "networkpolicies" | "argo" | "apps" | "applications" => {
                Some(Pane::Policies)
            }
            "certificates" | "certificate" | "certs" | "cert" | "tls" => Some(Pane::Certificates),
            "storage" | "pvc" | "pvcs" | "persistentvolumeclaims" | "volumes" | "pv" => Some(Pane::Storage),
            "gateways" | "gateway" | "gw" | "gtw" | "httproutes" | "httproute" | "routes" => {
                Some(Pane::Gateways)
            }
            "mesh" | "linkerd" | "istio" | "servicemesh" => Some(Pane::Mesh),
            "fleet" | "clusters" => Some(Pane::Fleet),
            _ => None,
        }
    }

    /// The next of a cluster's panes (Tab); from the fleet, the first.
    pub fn next(self) -> Pane {
        match self {
            Pane::Fleet => Pane::Overview,
            pane => Pane::ALL[(pane.index() + 1) % Pane::ALL.len()],
        }
    }

    pub fn prev(self) -> Pane {
        match self {
            Pane::Fleet => Pane::Mesh,
            pane => Pane::ALL[(pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_prev_wrap_around() {
        assert_eq!(Pane::Mesh.next(), Pane::Overview);
        assert_eq!(Pane::Overview.prev(), Pane::Mesh);
        for pane in Pane::ALL {
            assert_eq!(pane.next().prev(), pane);
        }
    }

    #[test]
    fn digits_and_names_round_trip() {
        for pane in Pane::ALL {
            assert_eq!(Pane::from_name(&pane.title().to_lowercase()), Some(pane));
        }
        assert_eq!(Pane::Overview.key(), '1');
        assert_eq!(Pane::Events.key(), '5');
        assert_eq!(Pane::Storage.key(), '6');
        assert_eq!(Pane::Certificates.key(), '7');
        assert_eq!(Pane::Policies.key(), '8');
        assert_eq!(Pane::Gateways.key(), '9');
        assert_eq!(Pane::Mesh.key(), 'm');
        assert_eq!(Pane::Fleet.key(), '0');
        assert_eq!(Pane::from_name("fleet"), Some(Pane::Fleet));
        assert_eq!(Pane::Fleet.next(), Pane::Overview);
        assert_eq!(Pane::COUNT, Pane::Fleet.index() + 1);
    }
}
