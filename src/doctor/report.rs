//! The result of `doctor`: its JSON form and the text shown to people.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::site::{OtherPlugin, PluginDist};

/// Everything `doctor` found. `--json` prints it as one JSON object.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this binary.
    pub version: String,
    /// Whether a build would authenticate, which is when `problems` is empty.
    pub ok: bool,
    /// Every credential source, highest precedence first.
    pub sources: Vec<SourceLine>,
    /// The credential the helper hands out, if any.
    pub credential: Option<CredentialLine>,
    /// The URLs that receive the credential, in words.
    pub channel_rules: Vec<String>,
    /// The conda wiring of the helper.
    pub conda: CondaSection,
    /// Problems that stop a build from authenticating; each message ends with its fix.
    pub problems: Vec<Finding>,
    /// Warnings about things that work but deserve attention; each ends with what to do.
    pub warnings: Vec<Finding>,
}

/// State of one credential source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// The source has no value.
    NotSet,
    /// The source has the key the helper uses.
    Found,
    /// The source decides the search but its value is unusable.
    Invalid,
    /// The source has a value, but a source above it decides the search.
    Shadowed,
}

/// One credential source and what it contains.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLine {
    /// The source, such as `environment variable ANACONDA_AUTH_API_KEY`.
    pub name: String,
    /// Its state.
    pub state: SourceState,
    /// The places searched, the value's origin, or the error, without the value.
    pub detail: String,
    /// `****` plus the last 4 characters of a value found here.
    pub fingerprint: Option<String>,
}

/// The chosen credential, described without its value.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialLine {
    /// The source it was read from.
    pub source: String,
    /// `****` plus at most its last 4 characters.
    pub fingerprint: String,
    /// The kind of credential, such as `API key (JWT)`.
    pub kind: String,
    /// Expiry time in RFC 3339 form, when the credential carries one.
    pub expires_at: Option<String>,
}

/// The conda side: base environment, plugin, condarc files and channel claims.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CondaSection {
    /// conda's base environment, when found.
    pub prefix: Option<PathBuf>,
    /// The way it was found: `--prefix`, `CONDA_ROOT` or the `conda` on PATH.
    pub prefix_source: Option<String>,
    /// Version of the conda package in the base environment.
    pub conda_version: Option<String>,
    /// The base environment's site-packages folder.
    pub site_packages: Option<PathBuf>,
    /// Every installed dist-info of the plugin.
    pub plugin: Vec<PluginDist>,
    /// The binary the plugin runs, with how it is chosen.
    pub plugin_runs: Option<String>,
    /// The condarc file `install` writes, and whether it exists.
    pub condarc_file: Option<PathBuf>,
    /// Whether that file exists.
    pub condarc_file_present: bool,
    /// Every condarc file conda reads, in conda's order.
    pub condarc_files: Vec<PathBuf>,
    /// The `channel_settings` entries that claim each channel.
    pub channels: Vec<ChannelLine>,
    /// Other installed conda plugins with auth handlers.
    pub other_auth_plugins: Vec<OtherPlugin>,
}

/// The `channel_settings` entries that claim one channel.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelLine {
    /// The channel URL.
    pub channel: String,
    /// The entry conda applies, if any.
    pub applied: Option<Claim>,
    /// Matching entries that the applied one overrides.
    pub overridden: Vec<Claim>,
}

/// A `channel_settings` entry that matches a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// The entry's `channel` pattern or name.
    pub pattern: String,
    /// The auth handler it names, if any.
    pub auth: Option<String>,
    /// The condarc file that contains it.
    pub file: PathBuf,
}

/// A problem or warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier, such as `plugin_missing`.
    pub code: &'static str,
    /// The problem and, at the end, the fix.
    pub message: String,
}

impl Finding {
    /// Creates a finding from a message that ends with its fix.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "conda-credential-helper {} doctor", self.version)?;
        writeln!(f, "\nCredential sources, first found wins:")?;
        for (index, line) in self.sources.iter().enumerate() {
            writeln!(f, "  {}. {}: {line}", index + 1, line.name)?;
        }
        match &self.credential {
            Some(credential) => {
                let expiry = match &credential.expires_at {
                    Some(time) => format!(", expires {time}"),
                    None => String::new(),
                };
                writeln!(
                    f,
                    "Credential: {} {} from {}{expiry}",
                    credential.kind, credential.fingerprint, credential.source
                )?;
            }
            None => writeln!(f, "Credential: none")?,
        }
        for rule in &self.channel_rules {
            writeln!(f, "Channel rule: {rule}")?;
        }
        write!(f, "{}", self.conda)?;
        write_findings(f, "Problems", &self.problems)?;
        write_findings(f, "Warnings", &self.warnings)?;
        if self.ok {
            writeln!(f, "\nResult: a conda build would authenticate.")
        } else {
            writeln!(f, "\nResult: a conda build would not authenticate.")
        }
    }
}

impl fmt::Display for SourceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = &self.detail;
        match (self.state, &self.fingerprint) {
            (SourceState::Found, Some(fingerprint)) => write!(f, "found {fingerprint} in {detail}"),
            (SourceState::Found, None) => write!(f, "found in {detail}"),
            (SourceState::NotSet, _) => write!(f, "{detail}"),
            (SourceState::Invalid, _) => write!(f, "invalid: {detail}"),
            (SourceState::Shadowed, _) => write!(f, "shadowed: {detail}"),
        }
    }
}

impl fmt::Display for CondaSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nconda:")?;
        let Some(prefix) = &self.prefix else {
            return writeln!(f, "  base environment: not found");
        };
        let source = self.prefix_source.as_deref().unwrap_or("unknown");
        let version = self.conda_version.as_deref().unwrap_or("not importable");
        writeln!(
            f,
            "  base environment: {} (found through {source})",
            prefix.display()
        )?;
        writeln!(f, "  conda version: {version}")?;

        self.write_plugin(f)?;
        self.write_condarc(f)?;
        for channel in &self.channels {
            write!(f, "{channel}")?;
        }
        for other in &self.other_auth_plugins {
            let path = other.path.display();
            writeln!(
                f,
                "  other auth plugin: {} {} ({path})",
                other.name, other.version
            )?;
        }
        Ok(())
    }
}

impl CondaSection {
    fn write_plugin(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.plugin.is_empty() {
            writeln!(f, "  plugin: not installed")?;
        }
        for dist in &self.plugin {
            let entry_point = if dist.entry_point {
                "present"
            } else {
                "missing"
            };
            let path = dist.path.display();
            writeln!(
                f,
                "  plugin: {} ({path}), entry point {entry_point}",
                dist.version
            )?;
        }
        if let Some(runs) = &self.plugin_runs {
            writeln!(f, "  plugin runs: {runs}")?;
        }
        Ok(())
    }

    fn write_condarc(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.condarc_file {
            let state = if self.condarc_file_present {
                "present"
            } else {
                "missing"
            };
            writeln!(f, "  condarc file: {} ({state})", file.display())?;
        }
        writeln!(
            f,
            "  condarc files conda reads: {}",
            self.condarc_files.len()
        )?;
        for file in &self.condarc_files {
            writeln!(f, "    {}", file.display())?;
        }
        Ok(())
    }
}

impl fmt::Display for ChannelLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.applied {
            Some(claim) => writeln!(f, "  {}: conda uses {claim}", self.channel)?,
            None => writeln!(f, "  {}: no channel_settings entry applies", self.channel)?,
        }
        for claim in &self.overridden {
            writeln!(f, "    not used, because the entry above wins: {claim}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.auth.as_deref().unwrap_or("no auth handler");
        write!(f, "{auth} ({} in {})", self.pattern, self.file.display())
    }
}

fn write_findings(f: &mut fmt::Formatter<'_>, title: &str, findings: &[Finding]) -> fmt::Result {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(f, "\n{title}:")?;
    for finding in findings {
        writeln!(f, "  - {}", finding.message)?;
    }
    Ok(())
}
