//! Build a `kube::Client` the way kubectl does: `--kubeconfig`, else `KUBECONFIG` (several
//! files merged, first wins), else ~/.kube/config, else in-cluster config; `--context` or
//! the current context; exec credential plugins.
//!
//! Exec plugins: kube-client 5 inherits the plugin's stdin and stderr unless the kubeconfig
//! says `interactiveMode: Never` (kube-client auth/mod.rs, `auth_exec`). kdeck forces `Never`
//! on every exec entry, so the plugin gets a closed stdin (an interactive prompt fails instead
//! of hanging on the terminal) and its stderr is captured, never written over the UI. A plugin
//! that blocks without reading stdin (e.g. waiting for a browser login) is bounded by
//! `EXEC_TIMEOUT`; the blocked thread itself cannot be killed from here (documented gap).

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long building the client (including running an exec plugin) may take.
const EXEC_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest silence on a request before it fails: the bound on noticing a dead link.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

pub struct Connection {
    pub client: Client,
    pub context: String,
    pub cluster_server: String,
    /// `-n`, else the context's namespace, else "default".
    pub default_namespace: String,
    pub user: String,
    /// Every context in the merged kubeconfig (for the in-app switcher), sorted.
    pub contexts: Vec<String>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .field("cluster_server", &self.cluster_server)
            .field("default_namespace", &self.default_namespace)
            .field("user", &self.user)
            .finish()
    }
}

/// Why `connect` failed; `Display` is one line meant for the user.
#[derive(Debug)]
pub enum ConnectError {
    ReadKubeconfig { path: PathBuf, reason: String },
    NoConfig,
    NoCurrentContext,
    ContextNotFound(String),
    InvalidConfig(String),
    Client(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::ReadKubeconfig { path, reason } => {
                write!(f, "cannot read kubeconfig {}: {reason}", path.display())
            }
            ConnectError::NoConfig => write!(
                f,
                "no kubeconfig found (KUBECONFIG unset, ~/.kube/config missing) and not running in a cluster"
            ),
            ConnectError::NoCurrentContext => {
                write!(f, "kubeconfig has no current-context; pass --context")
            }
            ConnectError::ContextNotFound(name) => {
                write!(f, "context \"{name}\" not found in kubeconfig")
            }
            ConnectError::InvalidConfig(msg) => write!(f, "invalid kubeconfig: {msg}"),
            ConnectError::Client(msg) => write!(f, "cannot create client: {msg}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// First line of an error chain's message, trimmed (exec plugins can print pages).
fn one_line(text: impl fmt::Display) -> String {
    let text = text.to_string();
    text.lines().next().unwrap_or("").trim().to_owned()
}

/// One kubeconfig file, as kubectl reads it (relative paths resolved against its directory).
pub fn read_kubeconfig(path: &Path) -> Result<Kubeconfig, ConnectError> {
    let read_error = |reason: String| ConnectError::ReadKubeconfig { path: path.to_owned(), reason };
    // Read first ourselves for a plain OS error ("No such file or directory").
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = e.to_string();
        read_error(reason.split(" (os error").next().unwrap_or(&reason).to_owned())
    })?;
    // kube-client 5.0 decodes a UTF-16 file (BOM FF FE or FE FF) two bytes at a time and
    // indexes past the end of an odd-length one: a panic. Such a file is cut short anyway.
    if matches!(bytes.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) && bytes.len() % 2 == 1 {
        return Err(read_error("UTF-16 text with an odd number of bytes (cut short?)".to_owned()));
    }
    // kube's reader resolves relative certificate paths against the file's directory.
    Kubeconfig::read_from(path).map_err(|e| read_error(one_line(e)))
}

/// The merged kubeconfig kubectl would use, or None when there is none at all.
/// Every context name of the kubeconfig kdeck would read (`--kubeconfig`, `$KUBECONFIG`,
/// `~/.kube/config`), in the file's order; empty in a pod (in-cluster config).
pub fn context_names(explicit: Option<&Path>) -> Result<Vec<String>, ConnectError> {
    Ok(load_kubeconfig(explicit)?
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default())
}

fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Kubeconfig>, ConnectError> {
    if let Some(path) = explicit {
        return read_kubeconfig(path).map(Some);
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> =
            std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect();
        if !paths.is_empty() {
            let mut merged = Kubeconfig::default();
            let mut found = false;
            for path in &paths {
                // kubectl skips missing files in KUBECONFIG, but fails on unreadable ones.
                if !path.exists() {
                    continue;
                }
                found = true;
                merged = merged
                    .merge(read_kubeconfig(path)?)
                    .map_err(|e| ConnectError::InvalidConfig(one_line(e)))?;
            }
            return Ok(found.then_some(merged));
        }
    }
    let default = etcetera::home_dir().ok().map(|home| home.join(".kube").join("config"));
    match default {
        Some(path) if path.exists() => read_kubeconfig(&path).map(Some),
        _ => Ok(None),
    }
}

/// Force non-interactive exec plugins: closed stdin, captured stderr (see module docs).
fn silence_exec_plugins(config: &mut Kubeconfig) {
    for auth in &mut config.auth_infos {
        if let Some(exec) = auth.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
            exec.interactive_mode = Some(ExecInteractiveMode::Never);
        }
    }
}

/// Resolve the config and build a client. Does not contact the API server (exec plugins,
/// which kube runs while building the client, may contact their own identity provider).
pub async fn connect(opts: &ConnectOptions) -> Result<Connection, ConnectError> {
    connect_with(load_kubeconfig(opts.kubeconfig.as_deref())?, opts).await
}

/// `connect` with the kubeconfig already read (`None`: in-cluster config); `opts.kubeconfig`
/// is not read again.
pub async fn connect_with(
    kubeconfig: Option<Kubeconfig>,
    opts: &ConnectOptions,
) -> Result<Connection, ConnectError> {
    crate::tls::install_crypto_provider();
    let (config, context, user, contexts) = match kubeconfig {
        Some(mut kubeconfig) => {
            silence_exec_plugins(&mut kubeconfig);
            let mut contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
            contexts.sort();
            let context = opts
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()))
                .ok_or(ConnectError::NoCurrentContext)?;
            let named = kubeconfig
                .contexts
                .iter()
                .find(|c| c.name == context)
                .ok_or_else(|| ConnectError::ContextNotFound(context.clone()))?;
            let user = named.context.as_ref().and_then(|c| c.user.clone()).unwrap_or_default();
            let options =
                KubeConfigOptions { context: Some(context.clone()), ..KubeConfigOptions::default() };
            let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| ConnectError::InvalidConfig(one_line(e)))?;
            (config, context, user, contexts)
        }
        None => {
            let config = Config::incluster().map_err(|_| ConnectError::NoConfig)?;
            let ctx = vec!["in-cluster".to_owned()];
            (config, "in-cluster".to_owned(), "serviceaccount".to_owned(), ctx)
        }
    };
    let mut config = config;
    // A connection that stays open and sends nothing (a laptop asleep, a VPN gone) fails
    // a request after this long, counted from when it was sent; watches end sooner on the
    // server's side (`watch::WATCH_TIMEOUT_SECS`), so a healthy one is never cut by it.
    config.read_timeout = Some(READ_TIMEOUT);
    config.reset_reader_on_write = true;
    // No silent retries inside the client: a watch that gets 429 or 503 shows as retrying
    // (its own backoff retries it), and a write's 429 reaches the dialog at once.
    config.default_retry = false;
    if let Some(ns) = &opts.namespace {
        config.default_namespace = ns.clone();
    }
    let default_namespace = config.default_namespace.clone();
    let cluster_server = config.cluster_url.to_string().trim_end_matches('/').to_owned();

    // kube runs exec plugins synchronously while building the client: keep that off the
    // async workers and bounded in time.
    let build = tokio::task::spawn_blocking(move || Client::try_from(config));
    let client = match tokio::time::timeout(EXEC_TIMEOUT, build).await {
        Err(_) => {
            return Err(ConnectError::Client(format!(
                "credential plugin did not finish within {}s",
                EXEC_TIMEOUT.as_secs()
            )));
        }
        Ok(Err(join)) => return Err(ConnectError::Client(one_line(join))),
        Ok(Ok(Err(e))) => return Err(ConnectError::Client(super::error_text::describe(&e))),
        Ok(Ok(Ok(client))) => client,
    };
    Ok(Connection { client, context, cluster_server, default_namespace, user, contexts })
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
