//! The TLS accept loop: HTTP/1.1 over rustls on a loopback listener, one task per connection,
//! graceful shutdown (stop accepting, let in-flight requests finish, end open watches).
//!
//! Two API faults act here, on the API port (the control port passes no faults):
//! `down` closes the listener and drops every connection, as a crashed apiserver does, and
//! rebinds the same address when cleared (same TLS config: the kubeconfig keeps working);
//! `blackhole` leaves new connections without a TLS handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::api_faults::{ActiveFaults, ApiFault};

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long stopping waits for open connections before dropping them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between attempts to listen again after `down` (the port may be briefly taken).
const REBIND_PAUSE: Duration = Duration::from_millis(100);

/// Serve until `shutdown` turns true, then drain connections. `faults` (None on the control
/// port) may close and reopen the listener.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    faults: Option<watch::Receiver<ActiveFaults>>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let mut connections = JoinSet::new();
    // without switches (the control port), a receiver whose sender is gone: never a fault
    let mut switches_open = faults.is_some();
    let mut faults = faults.unwrap_or_else(|| watch::channel(ActiveFaults::default()).1);
    let Ok(addr) = listener.local_addr() else { return };
    let mut listener = Some(listener);
    loop {
        let down = faults.borrow_and_update().is_on(&ApiFault::Down);
        if down && listener.is_some() {
            tracing::info!(%addr, "API fault down: closing the listener and every connection");
            listener = None;
            connections.abort_all();
        }
        if !down && listener.is_none() {
            match TcpListener::bind(addr).await {
                Ok(bound) => {
                    tracing::info!(%addr, "API fault down cleared: listening again");
                    listener = Some(bound);
                }
                Err(err) => {
                    tracing::warn!(%addr, %err, "cannot listen again yet");
                    tokio::select! {
                        _ = stopped(&mut shutdown) => break,
                        _ = tokio::time::sleep(REBIND_PAUSE) => continue,
                    }
                }
            }
        }
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            // nobody can switch faults any more once the sender is gone: serve as things are
            switched = faults.changed(), if switches_open => switches_open = switched.is_ok(),
            // reap finished connection tasks so the set stays small
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = accept(listener.as_ref()) => match accepted {
                Ok((tcp, peer)) => {
                    let _ = tcp.set_nodelay(true);
                    tracing::trace!(%peer, "sim connection");
                    connections.spawn(connection(acceptor.clone(), tcp, router.clone(), shutdown.clone(), faults.clone()));
                }
                Err(err) => {
                    // e.g. too many open files: back off instead of spinning
                    tracing::warn!(%err, "sim accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    let drained =
        tokio::time::timeout(DRAIN_TIMEOUT, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(open = connections.len(), "sim connections did not close in time; dropping them");
        connections.abort_all();
    }
}

/// The next connection, or never while the listener is closed.
async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

async fn connection(
    acceptor: TlsAcceptor,
    tcp: tokio::net::TcpStream,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    mut faults: watch::Receiver<ActiveFaults>,
) {
    if faults.borrow_and_update().is_on(&ApiFault::Blackhole) {
        // accepted by the kernel, but no byte back: the client's TLS handshake hangs. The
        // connection is dropped when the blackhole ends (a reset, as from a NAT that forgot it).
        tokio::select! {
            _ = faults.wait_for(|active| !active.is_on(&ApiFault::Blackhole)) => {}
            _ = stopped(&mut shutdown) => {}
        }
        return;
    }
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(err)) => {
            tracing::debug!(%err, "sim TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let service = TowerToHyperService::new(router);
    // no header-read timeout: it would also close idle keep-alive connections after 30 s,
    // racing clients that reuse them (the real server keeps idle connections open)
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(%err, "sim connection ended with an error");
            }
        }
        _ = stopped(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Resolves once shutdown is requested (or the handle is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
