//! `doctor`: reports whether a conda build would authenticate, and the fix if not.
//!
//! It reads every credential source, the plugin files in conda's base environment and the
//! condarc files conda reads, and never contacts a server. Every problem message ends with
//! its fix, and no output contains a credential.

mod report;
mod site;
mod sources;
mod wiring;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use report::{
    ChannelLine, Claim, CondaSection, CredentialLine, Finding, Report, SourceLine, SourceState,
};
pub use site::{OtherPlugin, PluginDist};

use crate::config;
use crate::env::Environment;
use crate::install;
use crate::vars::{ANACONDA_PUBLIC_HOSTS, ANACONDA_REPO_HOST, DEFAULT_CHANNEL};

/// Options of `doctor`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DoctorArgs {
    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,

    /// Conda base environment [default: $CONDA_ROOT, else the prefix of the `conda` on PATH]
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<PathBuf>,
}

/// Builds the report for the credential sources in `env` and the conda base environment
/// `prefix` (found as `install` finds it when `None`).
pub fn diagnose(prefix: Option<&Path>, env: &dyn Environment) -> Report {
    let sources = sources::inspect(env);
    let wiring = wiring::inspect(prefix, env, &[DEFAULT_CHANNEL]);

    let mut problems = sources.problems;
    problems.extend(wiring.problems);
    let mut warnings = sources.warnings;
    warnings.extend(wiring.warnings);

    let channel_rules = channel_rules(env, &mut problems);
    for problem in &problems {
        tracing::debug!("doctor problem {}", problem.code);
    }
    Report {
        version: install::VERSION.to_owned(),
        ok: problems.is_empty(),
        sources: sources.lines,
        credential: sources.credential,
        channel_rules,
        conda: wiring.section,
        problems,
        warnings,
    }
}

/// Describes which URLs get a credential: the Anaconda hosts, then each `[[channel]]` of
/// the helper's config file. A config file that cannot be used is a problem.
fn channel_rules(env: &dyn Environment, problems: &mut Vec<Finding>) -> Vec<String> {
    let hosts: Vec<String> = std::iter::once(ANACONDA_REPO_HOST)
        .chain(ANACONDA_PUBLIC_HOSTS)
        .map(|host| format!("https://{host}"))
        .collect();
    let mut rules = vec![format!(
        "the Anaconda credentials are sent only to {} (scheme https, port 443)",
        hosts.join(", ")
    )];
    match config::load(env) {
        Ok(Some(config)) => {
            for entry in &config.channels {
                rules.push(format!(
                    "{} gets {} with {} ({}, line {})",
                    entry.pattern.as_str(),
                    entry.scheme,
                    entry.secret,
                    config.path.display(),
                    entry.line
                ));
            }
        }
        Ok(None) => {}
        Err(error) => problems.push(Finding::new("invalid_config", error.to_string())),
    }
    rules
}

/// Prints the report on stdout, as text or JSON. Returns whether a build would
/// authenticate.
pub fn run(args: &DoctorArgs, env: &dyn Environment) -> io::Result<bool> {
    let report = diagnose(args.prefix.as_deref(), env);
    let text = if args.json {
        let json = serde_json::to_string(&report).map_err(io::Error::other)?;
        format!("{json}\n")
    } else {
        report.to_string()
    };
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(report.ok)
}
