//! IO the loop asks for. Only `update` makes an Effect; the runner carries it out and
//! reports back with an Event.

use crate::event::Generation;
use crate::types::WorkloadRef;
use crate::types::WriteKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the API server (SelfSubjectAccessReview) whether the user may do this.
    CheckAccess { dialog: u64, write: WriteKind, target: WorkloadRef },
    /// Carry out a confirmed action, and write it to the audit log.
    Write(WriteRequest),
    /// Connect to another kubeconfig context; its watches replace the current ones once up.
    SwitchContext { context: String, generation: Generation },
    /// The user may not watch cluster-wide: restart the watches in this one namespace.
    NarrowWatches { namespace: String, generation: Generation },
    /// Put text on the user's clipboard through the terminal (OSC 52), over SSH too.
    CopyToClipboard(String),
    /// Follow the logs of these pods (every container, or one) for a log view's session.
    StartLogs(LogRequest),
    /// Stop every stream of a log view's session.
    StopLogs { session: u64 },
    /// Watch these contexts side by side, member `i` being `contexts[i]` (`:fleet`); the
    /// member of `shown`, the dashboard's context, only probes its API.
    StartFleet { contexts: Vec<String>, shown: String },
    /// The dashboard now shows `shown`: its member stops watching, the one it showed before
    /// watches again (`Fleet::share`).
    ShareFleetMember { shown: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub session: u64,
    pub namespace: String,
    pub pods: Vec<String>,
    pub container: Option<String>,
    pub since: crate::logs::stream::Since,
    pub previous: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRequest {
    pub dialog: u64,
    pub write: WriteKind,
    pub target: WorkloadRef,
    /// For scale.
    pub replicas: Option<i32>,
    /// For undo: None = the previous revision.
    pub revision: Option<u64>,
    /// The context the dialog was opened in: the runner refuses to send the write to any
    /// other. Also for the audit log.
    pub context: String,
    pub user: String,
}
