//! How errors reach the user. An error kdeck returns (bad flags, a broken kubeconfig, an
//! unknown context, a bad config or theme file, an unreachable server) is the user's to fix:
//! it is one line on stderr and a non-zero exit, whatever RUST_BACKTRACE and
//! RUST_LIB_BACKTRACE say. A backtrace helps only with a bug, and a bug in kdeck is a panic:
//! the panic report (color-eyre's, after the terminal is restored) keeps its backtrace.

use std::process::ExitCode;

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

/// Print an error that ends the program: one line, never the eyre handler's sections
/// (backtrace, span trace, notes), which describe kdeck's code and not the user's mistake.
pub fn report(err: &Report) {
    crate::terminal::restore();
    eprintln!("kdeck: {}", one_line(err));
}

/// What to do with a command line clap refused: help and version go to stdout as clap prints
/// them (exit 0); a usage error is one line on stderr and exit code 2, as clap's own.
pub fn command_line_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Printing help can only fail on a closed stdout; nothing is left to tell then.
            let _ = err.print();
            if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS }
        }
        _ => {
            eprintln!("kdeck: {} (see kdeck --help)", usage_line(&err.to_string()));
            ExitCode::from(2)
        }
    }
}

/// The first line of clap's message, without its `error: ` label, plus the possible values
/// when clap lists them.
fn usage_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    if let Some(values) = lines.find(|l| l.starts_with("[possible values:")) {
        line.push(' ');
        line.push_str(values);
    }
    line
}

/// The error and its causes on one line, without repeating a cause already quoted.
pub fn one_line(err: &Report) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        // kube's own Display of an API error ends in a Debug dump: say it as people read it,
        // and stop there (that text already covers the causes below it).
        let kube_text = if let Some(kube) = cause.downcast_ref::<kube::Error>() {
            Some(crate::k8s::error_text::describe(kube))
        } else {
            cause.downcast_ref::<kube::runtime::watcher::Error>().map(crate::k8s::error_text::describe_watch)
        };
        let text = kube_text.clone().unwrap_or_else(|| cause.to_string());
        let text = text.lines().next().unwrap_or("").trim();
        if !text.is_empty() && !line.contains(text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(text);
        }
        if kube_text.is_some() {
            break;
        }
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

    #[test]
    fn a_kube_error_in_the_chain_reads_as_the_server_said_it() {
        let status =
            kube::core::Status::failure("nodes is forbidden: User \"jane\" cannot list", "Forbidden");
        let err = Err::<(), _>(kube::Error::Api(status.with_code(403).boxed()))
            .wrap_err("listing nodes")
            .unwrap_err();
        assert_eq!(
            one_line(&err),
            "listing nodes: 403 Forbidden: nodes is forbidden: User \"jane\" cannot list"
        );
    }

    #[test]
    fn a_usage_error_is_clap_first_line_without_its_label() {
        use clap::Parser;
        let err = crate::cli::Cli::try_parse_from(["kdeck", "snapshot", "--timeout", "soon"]).unwrap_err();
        let line = usage_line(&err.to_string());
        assert!(line.starts_with("invalid value 'soon' for '--timeout <DURATION>'"), "{line}");
        assert!(!line.contains('\n'));
        let err = crate::cli::Cli::try_parse_from(["kdeck", "snapshot", "-o", "yaml"]).unwrap_err();
        assert_eq!(
            usage_line(&err.to_string()),
            "invalid value 'yaml' for '--output <OUTPUT>' [possible values: text, json]"
        );
        let err = crate::cli::Cli::try_parse_from(["kdeck", "--no-such-flag"]).unwrap_err();
        assert_eq!(usage_line(&err.to_string()), "unexpected argument '--no-such-flag' found");
    }
}
