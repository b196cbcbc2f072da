//! One rustls crypto provider (ring) for the whole process.
//!
//! kube, reqwest (Prometheus) and the simulated API server all use rustls; if two providers
//! were compiled in, rustls could not pick a default and would panic at the first handshake.

/// Install ring as the process-wide rustls provider. Safe to call any number of times.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
