//! The style of a run of log text, from its SGR escape sequences (`--ansi`).

/// The SGR attributes kdeck honours: the 16 colours and 256-colour indexes, bold, dim,
/// italic, underline. Anything else in an SGR sequence is ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sgr {
    pub fg: Option<u8>,
    pub bg: Option<u8>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
}
