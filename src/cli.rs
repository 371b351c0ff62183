//! Command-line parsing and dispatch to the subcommands.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::env::ProcessEnv;
use crate::get::{self, GetArgs};
use crate::vars::LOG_FILTER_VAR;

/// Exit code for a failed command.
const EXIT_FAILURE: u8 = 1;

/// Exit code for invalid command-line usage.
const EXIT_USAGE: u8 = 2;

/// Authenticate conda to Anaconda's private channels from a build secret.
#[derive(Debug, Parser)]
#[command(
    name = "conda-credential-helper",
    version,
    arg_required_else_help = false
)]
struct Cli {
    /// Log to stderr: -v for debug messages, -vv for trace messages. RUST_LOG overrides it
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a Bazel credential-helper request on stdin and print the headers for its URL
    Get(GetArgs),
}

/// Parses the command line, runs the subcommand and maps its result to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit_for_clap_error(&error),
    };
    init_logging(cli.verbose);

    let result = match &cli.command {
        Command::Get(args) => get::run(args, &ProcessEnv),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            print_error(&error.to_string());
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Prints help or version on stdout, or a usage error as one line on stderr.
fn exit_for_clap_error(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let rendered = error.to_string();
    let first_line = rendered.lines().next().unwrap_or_default();
    let message = first_line.strip_prefix("error: ").unwrap_or(first_line);
    print_error(&format!(
        "{message}. Run `conda-credential-helper --help` for usage"
    ));
    ExitCode::from(EXIT_USAGE)
}

/// Sends tracing output to stderr: off by default, debug with `-v`, trace with `-vv`, and
/// the filter in `RUST_LOG` when that is set and valid.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "off",
        1 => "debug",
        _ => "trace",
    };
    let filter = std::env::var(LOG_FILTER_VAR)
        .ok()
        .filter(|directives| !directives.is_empty())
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Prints `error: <message>` as one line on stderr, ignoring a failed write as there is
/// nowhere left to report it.
///
/// Line breaks, as a path may contain, are escaped to keep the message on one line.
fn print_error(message: &str) {
    let message = message.replace('\n', "\\n").replace('\r', "\\r");
    let _ = writeln!(io::stderr().lock(), "error: {message}");
}
