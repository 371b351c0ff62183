//! Command-line parsing and dispatch to the subcommands.

use std::error::Error;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::install;

/// Authenticates conda to Anaconda's private channels from a build secret.
#[derive(Debug, Parser)]
#[command(name = "conda-credential-helper", version)]
struct Cli {
    /// Log details to stderr: -v for debug, -vv for trace (RUST_LOG overrides both)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Register the conda plugin and its channel settings in conda's base environment, offline
    Install(PrefixArgs),
    /// Remove the files that `install` wrote
    Uninstall(PrefixArgs),
}

#[derive(Debug, Args)]
struct PrefixArgs {
    /// Conda base environment [default: $CONDA_ROOT, else the prefix of the `conda` on PATH]
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<PathBuf>,
}

/// Parses the command line, runs the subcommand and maps its result to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);

    let result = match &cli.command {
        Command::Install(args) => run_install(args.prefix.as_deref()),
        Command::Uninstall(args) => run_uninstall(args.prefix.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print_error(error.as_ref());
            ExitCode::FAILURE
        }
    }
}

fn run_install(prefix: Option<&Path>) -> Result<(), Box<dyn Error>> {
    let report = install::install(prefix, |name| std::env::var_os(name))?;
    print_status(&report);
    Ok(())
}

fn run_uninstall(prefix: Option<&Path>) -> Result<(), Box<dyn Error>> {
    let report = install::uninstall(prefix, |name| std::env::var_os(name))?;
    print_status(&report);
    Ok(())
}

/// Sends tracing to stderr: warnings by default, debug with `-v`, trace with `-vv`.
/// `RUST_LOG` overrides the level.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

/// Prints a summary for humans on stderr, because stdout is reserved for protocol output.
#[allow(clippy::print_stderr)]
fn print_status(status: &dyn Display) {
    eprintln!("{status}");
}

/// Prints `error: <message>` and one `caused by:` line per underlying error.
#[allow(clippy::print_stderr)]
fn print_error(error: &dyn Error) {
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("caused by: {cause}");
        source = cause.source();
    }
}
