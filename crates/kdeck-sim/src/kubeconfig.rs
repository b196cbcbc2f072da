//! The kubeconfig clients use to reach a sim: cluster NAME trusting the per-run CA, contexts
//! NAME (admin, current) and NAME-viewer, users NAME-admin and NAME-viewer. NAME is
//! "kdeck-sim" unless the sim was launched with another ([`crate::launch::LaunchOptions`]);
//! several sims share one file through [`merged_yaml`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::api_faults::tokens::Tokens;
use crate::auth::SimUser;

/// The cluster name of a sim launched without one.
pub const CLUSTER_NAME: &str = "kdeck-sim";
/// The default cluster's admin context (the current one in its kubeconfig).
pub const ADMIN_CONTEXT: &str = "kdeck-sim";
/// The default cluster's read-only context.
pub const VIEWER_CONTEXT: &str = "kdeck-sim-viewer";

/// Longest cluster name: a DNS-1123 label (63) less "-viewer", so every name derived from
/// it is a label too.
const MAX_NAME_LEN: usize = 63 - "-viewer".len();

/// The context of `user` on cluster `cluster`: NAME for the admin, NAME-viewer for the viewer.
pub fn context_name(cluster: &str, user: SimUser) -> String {
    match user {
        SimUser::Admin => cluster.to_string(),
        SimUser::Viewer => format!("{cluster}-viewer"),
    }
}

/// A cluster name is a DNS-1123 label (lowercase letters, digits, '-', starting and ending
/// with a letter or digit) of at most 56 characters: it goes into YAML unquoted and into
/// context and user names.
pub fn check_cluster_name(name: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.chars().all(|c| alnum(c) || c == '-')
        && name.starts_with(alnum)
        && name.ends_with(alnum);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "cluster name {name:?}: use 1-{MAX_NAME_LEN} lowercase letters, digits and '-', starting and ending with a letter or digit"
        ))
    }
}

/// One sim as a kubeconfig sees it: its name, server, CA and the tokens it accepts now.
#[derive(Clone, Debug)]
pub struct ClusterEntry {
    pub name: String,
    /// https://127.0.0.1:PORT
    pub url: String,
    pub ca_pem: String,
    pub tokens: Tokens,
}

/// The kubeconfig YAML for one sim.
pub fn yaml(entry: &ClusterEntry) -> String {
    merged_yaml(std::slice::from_ref(entry))
}

/// One kubeconfig YAML for several sims: every cluster, user and context; the current
/// context is the first sim's admin context.
pub fn merged_yaml(entries: &[ClusterEntry]) -> String {
    let users = [SimUser::Admin, SimUser::Viewer];
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for entry in entries {
        text.push_str(&format!(
            "- name: {}\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n",
            entry.name,
            entry.url,
            STANDARD.encode(&entry.ca_pem)
        ));
    }
    text.push_str("users:\n");
    for entry in entries {
        for user in users {
            text.push_str(&format!(
                "- name: {}-{}\n  user:\n    token: {}\n",
                entry.name,
                user.name(),
                entry.tokens.current(user)
            ));
        }
    }
    text.push_str("contexts:\n");
    for entry in entries {
        for user in users {
            text.push_str(&format!(
                "- name: {}\n  context:\n    cluster: {}\n    user: {}-{}\n    namespace: default\n",
                context_name(&entry.name, user),
                entry.name,
                entry.name,
                user.name()
            ));
        }
    }
    let current = entries.first().map(|e| context_name(&e.name, SimUser::Admin)).unwrap_or_default();
    text.push_str(&format!("current-context: {current}\npreferences: {{}}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, port: u16) -> ClusterEntry {
        ClusterEntry {
            name: name.into(),
            url: format!("https://127.0.0.1:{port}"),
            ca_pem: format!("PEM of {name}"),
            tokens: Tokens::default(),
        }
    }

    #[test]
    fn parses_as_a_kubeconfig_with_both_contexts() {
        let config = kube::config::Kubeconfig::from_yaml(&yaml(&entry(CLUSTER_NAME, 1234))).unwrap();
        assert_eq!(config.current_context.as_deref(), Some(ADMIN_CONTEXT));
        let contexts: Vec<&str> = config.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(contexts, [ADMIN_CONTEXT, VIEWER_CONTEXT]);
        let cluster = config.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:1234"));
        assert_eq!(
            cluster.certificate_authority_data.as_deref(),
            Some(STANDARD.encode("PEM of kdeck-sim").as_str())
        );
    }

    #[test]
    fn merged_kubeconfig_names_every_sims_cluster_users_and_contexts() {
        let entries =
            [entry("eks-us-west-2", 1001), entry("aks-westeurope", 1002), entry("onprem-dc1", 1003)];
        let config = kube::config::Kubeconfig::from_yaml(&merged_yaml(&entries)).unwrap();
        assert_eq!(config.current_context.as_deref(), Some("eks-us-west-2"));
        let clusters: Vec<&str> = config.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(clusters, ["eks-us-west-2", "aks-westeurope", "onprem-dc1"]);
        let users: Vec<&str> = config.auth_infos.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            users,
            [
                "eks-us-west-2-admin",
                "eks-us-west-2-viewer",
                "aks-westeurope-admin",
                "aks-westeurope-viewer",
                "onprem-dc1-admin",
                "onprem-dc1-viewer"
            ]
        );
        for (i, entry) in entries.iter().enumerate() {
            let viewer = config.contexts.iter().find(|c| c.name == format!("{}-viewer", entry.name)).unwrap();
            let context = viewer.context.as_ref().unwrap();
            assert_eq!(context.cluster, entry.name);
            assert_eq!(context.user.as_deref(), Some(format!("{}-viewer", entry.name).as_str()));
            let server = config.clusters[i].cluster.as_ref().unwrap().server.as_deref();
            assert_eq!(server, Some(entry.url.as_str()));
        }
        assert_eq!(config.contexts.len(), 6);
    }

    #[test]
    fn cluster_names_are_dns_labels() {
        for good in ["kdeck-sim", "eks-us-west-2", "a", "dc1"] {
            assert_eq!(check_cluster_name(good), Ok(()), "{good}");
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        for bad in ["", "-x", "x-", "Prod", "a b", "a.b", "a:b", "ä", long.as_str()] {
            let err = check_cluster_name(bad).unwrap_err();
            assert!(!err.contains('\n') && err.contains("cluster name"), "{bad}: {err}");
        }
    }
}
