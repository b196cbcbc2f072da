//! How errors reach the user: one clear line, no backtrace unless RUST_BACKTRACE asks.

use color_eyre::Report;

/// Error hooks first, terminal second: the panic hook installed by `terminal::enter` then
/// runs before color-eyre's and restores the screen before anything is printed.
pub fn install_hooks() {
    let result = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .display_location_section(backtrace_requested())
        .install();
    if let Err(err) = result {
        eprintln!("kdeck: cannot install error hooks: {err}");
    }
}

fn backtrace_requested() -> bool {
    std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0")
}

/// Print an error that ends the program.
pub fn report(err: &Report) {
    crate::terminal::restore();
    if backtrace_requested() {
        eprintln!("kdeck: {err:?}");
    } else {
        eprintln!("kdeck: {}", one_line(err));
    }
}

/// The error and its causes on one line, without repeating a cause already quoted.
pub fn one_line(err: &Report) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.lines().next().unwrap_or("").trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use color_eyre::eyre::{WrapErr, eyre};

    #[test]
    fn causes_join_on_one_line_without_repeats() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let err = Err::<(), _>(io).wrap_err("cannot read kubeconfig /x").unwrap_err();
        assert_eq!(one_line(&err), "cannot read kubeconfig /x: No such file or directory");
        let err = eyre!("a\nsecond line").wrap_err("outer");
        assert_eq!(one_line(&err), "outer: a");
    }
}
