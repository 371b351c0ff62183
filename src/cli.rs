//! Command-line parsing and dispatch to the subcommands.

use std::error::Error;
use std::fmt::Display;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{ArgAction, Args, Parser, Subcommand};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::audit::{self, AuditArgs};
use crate::check::{self, CheckArgs};
use crate::config;
use crate::doctor::{self, DoctorArgs};
use crate::env::ProcessEnv;
use crate::exec::{self, ExecArgs};
use crate::get::{self, GetArgs};
use crate::install::{self, ExactChannelProblem, InstallError};
use crate::vars::{LOG_FILTER_VAR, PLUGIN_LOG_FILTER_VAR};

/// Exit code for a failed command.
const EXIT_FAILURE: u8 = 1;

/// Exit code for invalid command-line usage.
const EXIT_USAGE: u8 = 2;

/// Authenticate conda to Anaconda's private channels from a build secret.
#[derive(Debug, Parser)]
#[command(name = "conda-credential-helper", version)]
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
    /// Run a command with a temporary auth file for rattler, pixi and micromamba
    Exec(ExecArgs),
    /// Register the conda plugin and its channel settings in conda's base environment, offline
    Install(InstallArgs),
    /// Remove the files that `install` wrote
    Uninstall(PrefixArgs),
    /// Report every credential source and the conda wiring; exit 1 if a build would not authenticate
    Doctor(DoctorArgs),
    /// Request a channel's noarch/repodata.json once with the key and explain the answer
    Check(CheckArgs),
    /// Search files, directories and image tarballs for the API key that `get` would send.
    /// Exits 0 when none contains it, 1 when one does, 2 when the search could not finish
    Audit(AuditArgs),
}

#[derive(Debug, Args)]
struct InstallArgs {
    #[command(flatten)]
    prefix: PrefixArgs,

    /// Also map this exact channel URL (or `defaults`) to the plugin, for conda 23.9 to 24.4,
    /// which ignore URL patterns. Repeat it for each channel
    #[arg(long = "channel", value_name = "URL")]
    channels: Vec<String>,
}

#[derive(Debug, Args)]
struct PrefixArgs {
    /// Conda base environment [default: $CONDA_ROOT, else the prefix of the `conda` on PATH]
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<PathBuf>,
}

/// Parses the command line, runs the subcommand and maps its result to an exit code.
///
/// `get` reports an error as one line, because its callers relay that line. `install` and
/// `uninstall` add one `caused by:` line per underlying error.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit_for_clap_error(&error),
    };

    let result = match &cli.command {
        Command::Get(args) => {
            init_logging(cli.verbose, "off");
            get::run(args, &ProcessEnv).map_err(|error| print_error(&error.to_string()))
        }
        Command::Exec(args) => {
            init_logging(cli.verbose, "warn");
            return run_exec(args);
        }
        Command::Install(args) => {
            init_logging(cli.verbose, "warn");
            run_install(args).map_err(|error| print_error_chain(error.as_ref()))
        }
        Command::Uninstall(args) => {
            init_logging(cli.verbose, "warn");
            run_uninstall(args.prefix.as_deref()).map_err(|error| print_error_chain(error.as_ref()))
        }
        Command::Doctor(args) => {
            init_logging(cli.verbose, "off");
            match doctor::run(args, &ProcessEnv) {
                Ok(true) => Ok(()),
                Ok(false) => Err(()),
                Err(error) => {
                    print_error(&format!(
                        "failed to write the report to stdout: {error}. Check that the caller reads it"
                    ));
                    Err(())
                }
            }
        }
        Command::Check(args) => {
            init_logging(cli.verbose, "off");
            match check::run(args, &ProcessEnv) {
                Ok(true) => Ok(()),
                Ok(false) => Err(()),
                Err(error) => {
                    print_error(&error.to_string());
                    Err(())
                }
            }
        }
        Command::Audit(args) => {
            init_logging(cli.verbose, "warn");
            return run_audit(args);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(EXIT_FAILURE),
    }
}

/// Runs `audit`, whose exit code tells whether the key was found; a failure to start the
/// search exits with the usage code, so that it is never mistaken for a finding.
fn run_audit(args: &AuditArgs) -> ExitCode {
    match audit::run(args, &ProcessEnv) {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(error) => {
            print_error(&error.to_string());
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Runs `exec` and exits with the command's exit code, or reports why it could not run.
fn run_exec(args: &ExecArgs) -> ExitCode {
    match exec::run(args, &ProcessEnv) {
        Ok(exit_code) => ExitCode::from(exit_code),
        Err(error) => {
            print_error(&error.to_string());
            ExitCode::from(error.exit_code())
        }
    }
}

fn run_install(args: &InstallArgs) -> Result<(), Box<dyn Error>> {
    let mut options = install::InstallOptions {
        exact_channels: Vec::new(),
        config: config::load(&ProcessEnv).map_err(InstallError::from)?,
    };
    for value in &args.channels {
        options.exact_channels.push(checked_channel(value)?);
    }
    let prefix = args.prefix.prefix.as_deref();
    let report = install::install(prefix, |name| std::env::var_os(name), &options)?;
    print_status(&report);
    Ok(())
}

/// Checks a `--channel` value.
fn checked_channel(value: &str) -> Result<String, InstallError> {
    install::exact_channel(value).map_err(|problem| {
        let (problem, fix) = match problem {
            ExactChannelProblem::NotUrl(problem) => (
                problem,
                "Pass the channel's https URL, such as https://repo.anaconda.cloud/repo/main",
            ),
            ExactChannelProblem::Wildcard => (
                "it contains a wildcard".to_owned(),
                "Pass each channel's exact URL; patterns come from the config file",
            ),
        };
        InstallError::InvalidChannel {
            value: value.to_owned(),
            problem,
            fix,
        }
    })
}

fn run_uninstall(prefix: Option<&Path>) -> Result<(), Box<dyn Error>> {
    let report = install::uninstall(prefix, |name| std::env::var_os(name))?;
    print_status(&report);
    Ok(())
}

/// Prints help or version on stdout, or a usage error as one line on stderr.
fn exit_for_clap_error(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // No subcommand: the full help on stderr is the most useful response.
        let _ = error.print();
        return ExitCode::from(EXIT_USAGE);
    }
    // The first paragraph is the message; a missing argument is named on its second line.
    let rendered = error.to_string();
    let paragraph: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = paragraph.join(" ");
    let message = joined.strip_prefix("error: ").unwrap_or(&joined);
    let separator = if message.ends_with('.') { " " } else { ". " };
    print_error(&format!(
        "{message}{separator}Run `conda-credential-helper --help` for usage"
    ));
    ExitCode::from(EXIT_USAGE)
}

/// Sends tracing output to stderr at `default_level`, debug with `-v`, trace with `-vv`,
/// or with the first valid filter in `RUST_LOG` or `CONDA_CREDENTIAL_HELPER_LOG`.
///
/// A filter is a comma-separated list of `level` and `target=level` directives.
/// `Targets` reads these without a regex engine, which keeps the static binary within its
/// size budget. `RUST_LOG`'s span and field directives are therefore invalid here.
fn init_logging(verbose: u8, default_level: &str) {
    let level = match verbose {
        0 => default_level,
        1 => "debug",
        _ => "trace",
    };
    let filter = [LOG_FILTER_VAR, PLUGIN_LOG_FILTER_VAR]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .filter(|directives| !directives.is_empty())
        .find_map(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| level.parse().unwrap_or_default());
    let output = tracing_subscriber::fmt::layer()
        .with_writer(io::stderr)
        .with_target(false)
        .without_time();
    let _ = tracing_subscriber::registry()
        .with(output)
        .with(filter)
        .try_init();
}

/// Prints a summary for humans on stderr, because stdout is reserved for protocol output.
fn print_status(status: &dyn Display) {
    let _ = writeln!(io::stderr().lock(), "{status}");
}

/// Prints `error: <message>` as one line on stderr, ignoring a failed write as there is
/// nowhere left to report it.
///
/// Line breaks, as a path may contain, are escaped to keep the message on one line.
fn print_error(message: &str) {
    let message = message.replace('\n', "\\n").replace('\r', "\\r");
    let _ = writeln!(io::stderr().lock(), "error: {message}");
}

/// Prints `error: <message>` and one `caused by:` line per underlying error.
fn print_error_chain(error: &dyn Error) {
    print_error(&error.to_string());
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = writeln!(io::stderr().lock(), "caused by: {cause}");
        source = cause.source();
    }
}
