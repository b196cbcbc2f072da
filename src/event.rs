//! Everything that reaches the loop. Sources only hold a `Sender<Event>`.

use crate::k8s::ClusterEvent;
use crate::k8s::watch::Stores;

#[derive(Debug)]
pub enum Event {
    /// A key, mouse or resize event from the terminal.
    Input(crossterm::event::Event),
    /// The terminal input stream ended or failed (the terminal is gone).
    InputClosed(String),
    /// Once a second: ages and "retrying N s" move on.
    Tick,
    /// Data from the cluster's watches, tagged with the connection they came from.
    Cluster(Generation, ClusterEvent),
    /// Answers (or failures) from the Prometheus poller, tagged likewise.
    Prom(Generation, crate::prom::PromEvent),
    /// SIGINT, SIGTERM or SIGHUP: leave cleanly.
    Signal(&'static str),
    /// A context switch connected; its watches' events follow this event, never precede it.
    Connected(Box<Connected>),
    /// A context switch failed; the old context stays.
    ConnectFailed { generation: Generation, message: String },
    /// A setting of the connection in use is wrong (e.g. the Prometheus settings).
    SettingsError(String),
    /// The answer to an access check, for the dialog that asked.
    AccessChecked { dialog: u64, result: Result<crate::k8s::actions::Access, String> },
    /// An action finished: what happened, in a line, or why it failed.
    WriteDone { dialog: u64, result: Result<String, String> },
    /// The selected name went to the clipboard (OSC 52), or why not.
    Copied(Result<String, String>),
    /// Lines or a state change of a log view's stream.
    Logs(crate::logs::stream::LogMsg),
    /// Data or state of one cluster of the fleet (`app::fleet`), by its index.
    Member(crate::app::fleet::MemberId, Box<crate::app::fleet::MemberEvent>),
}

/// Which connection data belongs to. Every context switch (or narrowing of the watches)
/// takes the next one when it is asked for; the loop keeps only the data of the connection
/// it adopted, and adopts only the newest one asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generation(pub u64);

impl Generation {
    pub fn next(self) -> Generation {
        Generation(self.0 + 1)
    }
}

/// A new connection's description and the readers of its reflector stores.
pub struct Connected {
    pub generation: Generation,
    pub info: ConnectionInfo,
    pub stores: Stores,
    /// The running watches, client and poller, taken by the effect runner when it adopts
    /// this connection (None once taken, and in tests).
    pub handoff: Option<crate::app::sources::Handoff>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("generation", &self.generation)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// What the status bar says about the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub context: String,
    pub server: String,
    pub user: String,
    pub contexts: Vec<String>,
    /// The namespace from the context or `-n` (used when listing namespaces is forbidden).
    pub default_namespace: String,
}
