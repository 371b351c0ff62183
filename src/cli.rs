//! Command-line parsing and dispatch to the subcommands.

use std::process::ExitCode;

/// Parses the command line, runs the subcommand and maps its result to an exit code.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
