//! Text about the command line for the shell: completion scripts and the man page, both
//! generated from the clap definitions so they never drift from the flags.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use color_eyre::eyre::{Result, WrapErr};

use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "kdeck", &mut out);
    write_out(&out)
}

pub fn man() -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out).wrap_err("cannot render the man page")?;
    write_out(&out)
}

fn write_out(bytes: &[u8]) -> Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes).and_then(|()| stdout.flush()).wrap_err("cannot write to standard output")?;
    Ok(ExitCode::SUCCESS)
}
