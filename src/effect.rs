//! IO the loop asks for. Only `update` makes an Effect; the runner carries it out and
//! reports back with an Event.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tear down the watches and connect to another kubeconfig context.
    SwitchContext(String),
    /// The user may not watch cluster-wide: restart the watches in this one namespace.
    NarrowWatches(String),
    /// Put text on the user's clipboard through the terminal (OSC 52), over SSH too.
    CopyToClipboard(String),
}
