//! One rustls crypto provider (ring) for the whole process, as kdeck installs it: the sim runs
//! inside kdeck (`kdeck demo`) and alone (`kdeck sim`, tests), and whichever starts first
//! installs it.

/// Install ring as the process-wide rustls provider. Safe to call any number of times.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
