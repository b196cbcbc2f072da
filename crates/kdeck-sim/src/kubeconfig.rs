//! The kubeconfig clients use to reach the sim: cluster "kdeck-sim" trusting the per-run CA,
//! contexts "kdeck-sim" (admin, current) and "kdeck-sim-viewer".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::api_faults::tokens::Tokens;
use crate::auth::SimUser;

pub const CLUSTER_NAME: &str = "kdeck-sim";
pub const ADMIN_CONTEXT: &str = "kdeck-sim";
pub const VIEWER_CONTEXT: &str = "kdeck-sim-viewer";

pub fn context_name(user: SimUser) -> &'static str {
    match user {
        SimUser::Admin => ADMIN_CONTEXT,
        SimUser::Viewer => VIEWER_CONTEXT,
    }
}

/// The kubeconfig YAML for a server at `url` (https://127.0.0.1:PORT) with this CA PEM and
/// the tokens the sim accepts now.
pub fn yaml(url: &str, ca_pem: &str, tokens: &Tokens) -> String {
    let ca_data = STANDARD.encode(ca_pem);
    let users = [SimUser::Admin, SimUser::Viewer];
    let mut text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {CLUSTER_NAME}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca_data}\nusers:\n"
    );
    for user in users {
        text.push_str(&format!(
            "- name: {CLUSTER_NAME}-{}\n  user:\n    token: {}\n",
            user.name(),
            tokens.current(user)
        ));
    }
    text.push_str("contexts:\n");
    for user in users {
        text.push_str(&format!(
            "- name: {}\n  context:\n    cluster: {CLUSTER_NAME}\n    user: {CLUSTER_NAME}-{}\n    namespace: default\n",
            context_name(user),
            user.name()
        ));
    }
    text.push_str(&format!("current-context: {ADMIN_CONTEXT}\npreferences: {{}}\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_a_kubeconfig_with_both_contexts() {
        let config =
            kube::config::Kubeconfig::from_yaml(&yaml("https://127.0.0.1:1234", "PEM", &Tokens::default()))
                .unwrap();
        assert_eq!(config.current_context.as_deref(), Some(ADMIN_CONTEXT));
        let contexts: Vec<&str> = config.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(contexts, [ADMIN_CONTEXT, VIEWER_CONTEXT]);
        let cluster = config.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:1234"));
        assert_eq!(cluster.certificate_authority_data.as_deref(), Some(STANDARD.encode("PEM").as_str()));
    }
}
