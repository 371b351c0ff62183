//! The `audit` command: searches files, directories and image tarballs for the API key.
//!
//! The credentials are the ones `get` would send to Anaconda's hosts, found through the
//! same sources. Each occurrence
//! is printed on stdout as one line with its file, archive layer and member, form and byte
//! offset, never the key itself. A summary goes to stderr.

mod image;
mod patterns;
mod report;
mod scan;
mod walk;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::anaconda;
use crate::env::Environment;
use crate::error::Error;
use crate::keyring::KeyringPlace;
use crate::source::Origin;

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

/// Searches `paths` for the Anaconda credentials that `env` provides: the API key and
/// every repo token that `get` could send.
///
/// Fails only when no valid credential is found. Unreadable places are recorded in the
/// result. The files the credentials were read from are left out.
pub fn audit(args: &AuditArgs, env: &dyn Environment) -> Result<(Findings, String), Error> {
    let found = anaconda::find(env)?;
    let mut searched = Vec::new();
    if let Some(api_key) = found.api_key {
        searched.push(("the API key", api_key));
    }
    for token in found.repo_tokens {
        searched.push(("the repo token", token.credential));
    }

    let mut needles = Vec::new();
    let mut key_files = Vec::new();
    for (_, credential) in &searched {
        needles.extend(patterns::needles(credential.secret.expose()));
        key_files.extend(source_file(&credential.origin).and_then(walk::file_id));
    }
    let matcher = scan::Matcher::new(&needles);
    let mut findings = Findings::new(needles);

    let mut tree = walk::TreeWalk {
        matcher: &matcher,
        findings: &mut findings,
        key_files,
    };
    for path in &args.paths {
        tree.scan_path(path);
    }

    let description = searched
        .iter()
        .map(|(noun, credential)| {
            let fingerprint = credential.secret.fingerprint();
            format!("{noun} {fingerprint} (from {})", credential.origin)
        })
        .collect::<Vec<_>>()
        .join(" and ");
    Ok((findings, description))
}

/// Returns the file that a credential was read from, which contains it on purpose.
fn source_file(origin: &Origin) -> Option<&Path> {
    match origin {
        Origin::SecretFile(path)
        | Origin::Dotenv { path, .. }
        | Origin::ConfigFile { path, .. } => Some(path),
        Origin::Keyring(entry) => match &entry.place {
            KeyringPlace::File(path) => Some(path),
            KeyringPlace::Setting(origin) => source_file(origin),
        },
        Origin::EnvVar(_) => None,
    }
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
