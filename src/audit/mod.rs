//! The `audit` command: searches files, directories and image tarballs for the API key.
//!
//! The key is the one `get` would send, found through the same sources. Each occurrence
//! is printed on stdout as one line with its file, archive layer and member, form and byte
//! offset, never the key itself. A summary goes to stderr.

mod image;
mod patterns;
mod report;
mod scan;
mod walk;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::env::Environment;
use crate::error::Error;
use crate::source::{Origin, find_credential};

pub use patterns::Form;
pub use report::{Finding, Findings};

/// Exit code when the key was found.
const EXIT_FOUND: u8 = 1;

/// Exit code when nothing was found but some places could not be read.
const EXIT_INCOMPLETE: u8 = 2;

/// Options of `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Files, directories, or image tarballs (`docker save` or OCI layout) to search
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// The outcome of an audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every place was read and none contains the key.
    Clean,
    /// At least one place contains the key.
    Found,
    /// No place read contains the key, but some could not be read.
    Incomplete,
}

impl Verdict {
    /// Returns the exit code: 0 when clean, 1 when the key was found, 2 when incomplete.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Found => EXIT_FOUND,
            Verdict::Incomplete => EXIT_INCOMPLETE,
        }
    }
}

/// Searches `paths` for the key that `env` provides and returns everything found.
///
/// Fails only when no valid key is found. Unreadable places are recorded in the result.
pub fn audit(args: &AuditArgs, env: &dyn Environment) -> Result<(Findings, String), Error> {
    let credential = find_credential(env)?;
    let needles = patterns::needles(credential.secret.expose());
    let matcher = scan::Matcher::new(&needles);
    let mut findings = Findings::new(needles);
    let key_file = match &credential.origin {
        Origin::SecretFile(path) | Origin::Dotenv { path, .. } => walk::file_id(path),
        Origin::EnvVar(_) => None,
    };

    let mut tree = walk::TreeWalk {
        matcher: &matcher,
        findings: &mut findings,
        key_file,
    };
    for path in &args.paths {
        tree.scan_path(path);
    }

    let key = format!(
        "the API key {} (from {})",
        credential.secret.fingerprint(),
        credential.origin
    );
    Ok((findings, key))
}

/// Searches `reader` for `key`, opening the archives and compressed streams inside it.
/// `name` labels the stream in the findings.
pub fn scan_stream(key: &str, reader: &mut dyn Read, name: &Path) -> Findings {
    let needles = patterns::needles(key);
    let matcher = scan::Matcher::new(&needles);
    let mut findings = Findings::new(needles);
    let mut walker = image::Walker {
        matcher: &matcher,
        findings: &mut findings,
    };
    walker.scan(reader, &report::Location::file(name));
    findings
}

/// Runs `audit`, prints the findings, and returns the verdict.
pub fn run(args: &AuditArgs, env: &dyn Environment) -> Result<Verdict, Error> {
    let (findings, key) = audit(args, env)?;
    print_findings(&findings);

    let mut stderr = io::stderr().lock();
    for message in findings.skipped.iter().chain(&findings.failures) {
        let _ = writeln!(stderr, "warning: {message}");
    }
    let (verdict, summary) = summarize(&findings, &key);
    let _ = writeln!(stderr, "{summary}");
    Ok(verdict)
}

/// Writes one line per occurrence on stdout, the only place `audit` writes to stdout.
fn print_findings(findings: &Findings) {
    let mut stdout = io::stdout().lock();
    for line in findings.hit_lines() {
        let _ = writeln!(stdout, "{line}");
    }
    let _ = stdout.flush();
}

fn summarize(findings: &Findings, key: &str) -> (Verdict, String) {
    let searched = format!("{} files and archive members", findings.streams);
    if !findings.hits.is_empty() {
        let summary = format!(
            "audit: found {key} {} times in {searched}. Remove it from each place listed, \
             then rebuild passing the key only as a build secret",
            findings.hits.len()
        );
        return (Verdict::Found, summary);
    }
    if !findings.failures.is_empty() {
        let summary = format!(
            "audit: no trace of {key} in {searched}, but {} places could not be read. \
             Run audit again with read access to them",
            findings.failures.len()
        );
        return (Verdict::Incomplete, summary);
    }
    let summary = format!("audit: no trace of {key} in {searched}");
    (Verdict::Clean, summary)
}
