//! Bearer-token authentication and an RBAC-like authorizer: `admin` may do everything,
//! `viewer` may get/list/watch everything but secrets (like the built-in "view" role).

use http::HeaderMap;

use crate::api_faults::tokens::Tokens;

/// Token of the admin user (cluster-admin), until the `expire-token` fault rotates it.
pub const ADMIN_TOKEN: &str = "admin";
/// Token of the read-only viewer user.
pub const VIEWER_TOKEN: &str = "viewer";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SimUser {
    Admin,
    Viewer,
}

impl SimUser {
    pub fn name(self) -> &'static str {
        match self {
            SimUser::Admin => "admin",
            SimUser::Viewer => "viewer",
        }
    }

    pub fn token(self) -> &'static str {
        match self {
            SimUser::Admin => ADMIN_TOKEN,
            SimUser::Viewer => VIEWER_TOKEN,
        }
    }
}

/// The token of a request's `Authorization: Bearer` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The user a request's bearer token names; None when missing, unknown or expired (the
/// `expire-token` fault issues new tokens: see [`Tokens`]).
pub fn authenticate(headers: &HeaderMap, tokens: &Tokens) -> Option<SimUser> {
    tokens.user(bearer_token(headers)?)
}

/// An authorization decision with the reason RBAC would give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// May `user` do `verb` on `group`/`resource`?
pub fn authorize(user: SimUser, verb: &str, group: &str, resource: &str) -> Decision {
    match user {
        SimUser::Admin => Decision {
            allowed: true,
            reason: "RBAC: allowed by ClusterRoleBinding \"kdeck-sim-admin\" of ClusterRole \"cluster-admin\" to User \"admin\"".into(),
        },
        SimUser::Viewer => {
            let secret = group.is_empty() && resource == "secrets";
            let reads = READ_VERBS.contains(&verb);
            if reads && !secret {
                Decision {
                    allowed: true,
                    reason: "RBAC: allowed by ClusterRoleBinding \"kdeck-sim-viewer\" of ClusterRole \"view\" to User \"viewer\"".into(),
                }
            } else {
                Decision { allowed: false, reason: String::new() }
            }
        }
    }
}

/// The 403 message the real server gives.
pub fn forbidden_message(
    user: SimUser,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
) -> String {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    // a subresource ("pods/log") is forbidden on its resource ("pods")
    let base = resource.split('/').next().unwrap_or(resource);
    let qualified = if group.is_empty() { base.to_string() } else { format!("{base}.{group}") };
    format!(
        "{qualified} is forbidden: User \"{}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}",
        user.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_map_to_users() {
        let tokens = Tokens::default();
        let mut headers = HeaderMap::new();
        assert_eq!(authenticate(&headers, &tokens), None);
        headers.insert(http::header::AUTHORIZATION, "Bearer viewer".parse().unwrap());
        assert_eq!(authenticate(&headers, &tokens), Some(SimUser::Viewer));
        headers.insert(http::header::AUTHORIZATION, "Bearer nope".parse().unwrap());
        assert_eq!(authenticate(&headers, &tokens), None);
        headers.insert(http::header::AUTHORIZATION, "Basic admin".parse().unwrap());
        assert_eq!(authenticate(&headers, &tokens), None);
    }

    #[test]
    fn viewer_reads_everything_but_secrets() {
        assert!(authorize(SimUser::Viewer, "list", "", "pods").allowed);
        assert!(authorize(SimUser::Viewer, "watch", "apps", "deployments").allowed);
        assert!(!authorize(SimUser::Viewer, "get", "", "secrets").allowed);
        assert!(!authorize(SimUser::Viewer, "patch", "apps", "deployments").allowed);
        assert!(authorize(SimUser::Admin, "delete", "", "secrets").allowed);
        assert!(authorize(SimUser::Viewer, "get", "", "pods/log").allowed);
        assert_eq!(
            forbidden_message(SimUser::Viewer, "get", "", "pods/log", Some("shop")),
            "pods is forbidden: User \"viewer\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"shop\""
        );
    }
}
