//! `expire-token`: the bearer tokens in use stop working, as when a cloud provider's
//! short-lived token expires or an admin rotates a service account's secret.
//!
//! Tokens come in generations: generation 1 is the plain "admin" / "viewer" of
//! [`SimUser::token`], generation N is "admin-N" / "viewer-N". Switching the fault on rotates:
//! a new generation is issued and every older one is rejected with 401. A client recovers by
//! re-reading its credential: `kdeck sim` rewrites its kubeconfig with the new tokens
//! ([`crate::handle::SimHandle::keep_kubeconfig_current`]) and `GET /sim/fault` shows
//! them (for a test that writes a token file). Switching the fault off forgives: every
//! generation issued so far is accepted again.

use crate::auth::SimUser;

/// Which token generations the sim accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// The newest generation issued (the one a fresh kubeconfig carries).
    generation: u32,
    /// Generations below this are expired.
    oldest_valid: u32,
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens { generation: 1, oldest_valid: 1 }
    }
}

impl Tokens {
    /// The token `user` should present now.
    pub fn current(&self, user: SimUser) -> String {
        spell(user, self.generation)
    }

    /// The user a token names, if it is valid now.
    pub fn user(&self, token: &str) -> Option<SimUser> {
        let (user, generation) = parse(token)?;
        (self.oldest_valid..=self.generation).contains(&generation).then_some(user)
    }

    /// The same tokens with nothing expired: the sim's own control endpoints accept any token
    /// ever issued, so a fault can always be switched off.
    pub fn ignoring_expiry(&self) -> Tokens {
        Tokens { oldest_valid: 1, ..*self }
    }

    /// Issue a new generation and expire every older one.
    pub fn rotate(&mut self) {
        self.generation = self.generation.saturating_add(1);
        self.oldest_valid = self.generation;
    }

    /// Accept every generation issued so far again (the current one stays current).
    pub fn forgive(&mut self) {
        self.oldest_valid = 1;
    }
}

fn spell(user: SimUser, generation: u32) -> String {
    if generation <= 1 { user.token().to_string() } else { format!("{}-{generation}", user.token()) }
}

fn parse(token: &str) -> Option<(SimUser, u32)> {
    [SimUser::Admin, SimUser::Viewer].into_iter().find_map(|user| {
        if token == user.token() {
            return Some((user, 1));
        }
        let generation = token.strip_prefix(user.token())?.strip_prefix('-')?.parse::<u32>().ok()?;
        // one spelling per token: generation 1 is the plain name
        (generation >= 2 && spell(user, generation) == token).then_some((user, generation))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_expires_the_old_tokens_and_forgiving_accepts_them_again() {
        let mut tokens = Tokens::default();
        assert_eq!(tokens.user("admin"), Some(SimUser::Admin));
        assert_eq!(tokens.user("admin-2"), None, "not issued yet");
        tokens.rotate();
        assert_eq!(tokens.current(SimUser::Admin), "admin-2");
        assert_eq!(tokens.current(SimUser::Viewer), "viewer-2");
        assert_eq!(tokens.user("admin"), None);
        assert_eq!(tokens.user("viewer-2"), Some(SimUser::Viewer));
        assert_eq!(tokens.ignoring_expiry().user("admin"), Some(SimUser::Admin));
        tokens.forgive();
        assert_eq!(tokens.user("admin"), Some(SimUser::Admin));
        assert_eq!(tokens.user("admin-2"), Some(SimUser::Admin));
        tokens.rotate();
        assert_eq!(tokens.user("admin-2"), None);
        assert_eq!(tokens.user("admin-3"), Some(SimUser::Admin));
    }

    #[test]
    fn only_one_spelling_per_token() {
        let mut tokens = Tokens::default();
        tokens.rotate();
        tokens.forgive();
        for bad in ["admin-1", "admin-02", "admin-", "admin2", "nobody-2", ""] {
            assert_eq!(tokens.user(bad), None, "{bad}");
        }
    }
}
