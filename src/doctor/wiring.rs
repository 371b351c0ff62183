//! The conda part of `doctor`: base environment, plugin, condarc files and channel claims.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::condarc::{self, CONDA_SEARCH_PATH, CondaSettings, SearchVars};
use crate::env::Environment;
use crate::install::prefix::{self, CondaPrefix};
use crate::install::{self, python};
use crate::vars::{AUTH_HANDLER, HELPER_BIN_VAR};

use super::report::{ChannelLine, Claim, CondaSection, Finding};
use super::site::{self, SiteScan};

/// How long the base environment's python may take to report its site-packages.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(15);

/// First conda version that matches `channel_settings` entries as URL patterns.
const PATTERN_CONDA: (u32, u32) = (24, 5);

/// The conda part of the report with its findings.
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    /// The findings shown in the report.
    pub section: CondaSection,
    /// Problems that stop conda from using the helper.
    pub problems: Vec<Finding>,
    /// Warnings about things that work but deserve attention.
    pub warnings: Vec<Finding>,
}

impl Wiring {
    fn problem(&mut self, code: &'static str, message: String) {
        self.problems.push(Finding::new(code, message));
    }

    fn warning(&mut self, code: &'static str, message: String) {
        self.warnings.push(Finding::new(code, message));
    }
}

/// Inspects the base environment (`explicit`, else found as `install` finds it) and the
/// condarc files, for the channels in `channels`.
pub fn inspect(explicit: Option<&Path>, env: &dyn Environment, channels: &[&str]) -> Wiring {
    let mut wiring = Wiring::default();
    let prefix = find_prefix(explicit, env, &mut wiring);
    if let Some(prefix) = &prefix {
        inspect_prefix(prefix, env, &mut wiring);
    }

    let vars = SearchVars {
        conda_root: prefix.as_ref().map(|prefix| prefix.root.clone()),
        conda_prefix: env.non_empty_var("CONDA_PREFIX").map(PathBuf::from),
    };
    let settings = condarc::load(CONDA_SEARCH_PATH, &vars, env);
    inspect_condarc(&settings, prefix.as_ref(), &mut wiring);
    for channel in channels {
        inspect_channel(&settings, channel, &mut wiring);
    }
    wiring
}

fn find_prefix(
    explicit: Option<&Path>,
    env: &dyn Environment,
    wiring: &mut Wiring,
) -> Option<CondaPrefix> {
    let found = prefix::discover(explicit, |name| env.var(name))
        .and_then(|(path, source)| Ok((CondaPrefix::open(&path)?, source)));
    match found {
        Ok((prefix, source)) => {
            wiring.section.prefix = Some(prefix.root.clone());
            wiring.section.prefix_source = Some(source.to_string());
            Some(prefix)
        }
        Err(error) => {
            wiring.problem("prefix_not_found", error.to_string());
            None
        }
    }
}

/// Checks the conda version and the plugin files in the prefix's site-packages.
fn inspect_prefix(prefix: &CondaPrefix, env: &dyn Environment, wiring: &mut Wiring) {
    let install_hint = format!(
        "Run `conda-credential-helper install --prefix {}`",
        prefix.root.display()
    );
    let info = match python::query(&prefix.python, PYTHON_TIMEOUT) {
        Ok(info) => info,
        Err(error) => {
            wiring.problem("python_failed", error.to_string());
            return;
        }
    };
    match info.conda_version.as_deref() {
        Some(version) => check_conda_version(version, wiring),
        None => wiring.problem(
            "conda_missing",
            format!(
                "`{}` cannot import conda, so no conda runs from `{}`. Pass the base environment that conda runs from with `--prefix $(conda info --base)`",
                prefix.python.display(),
                prefix.root.display()
            ),
        ),
    }
    wiring.section.conda_version = info.conda_version.clone();

    let site_packages = match install::site_packages(prefix, &info.purelib) {
        Ok(path) => path,
        Err(error) => {
            wiring.problem("site_packages", error.to_string());
            return;
        }
    };
    let scan = site::scan(&site_packages);
    wiring.section.site_packages = Some(site_packages);
    check_plugin(&scan, &install_hint, wiring);
    check_helper(&scan, env, &install_hint, wiring);
    wiring.section.plugin = scan.plugin;
    wiring.section.other_auth_plugins = scan.others;
}

fn check_conda_version(version: &str, wiring: &mut Wiring) {
    let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
    let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) else {
        return;
    };
    if (major, minor) < PATTERN_CONDA {
        wiring.problem(
            "conda_too_old",
            format!(
                "conda {version} matches `channel_settings` only by exact channel name, so the pattern `https://repo.anaconda.cloud/*` does not apply. Update conda in the base environment to 24.5 or later"
            ),
        );
    }
}

fn check_plugin(scan: &SiteScan, install_hint: &str, wiring: &mut Wiring) {
    let ours = install::VERSION;
    match scan.plugin.as_slice() {
        [] => wiring.problem(
            "plugin_missing",
            format!("the conda plugin is not installed. {install_hint}"),
        ),
        [dist] if dist.version != ours => wiring.problem(
            "plugin_version",
            format!(
                "the installed conda plugin is version {}, but this binary is {ours}. {install_hint} with this binary",
                dist.version
            ),
        ),
        [_] => {}
        several => {
            let versions: Vec<&str> = several.iter().map(|dist| dist.version.as_str()).collect();
            wiring.problem(
                "plugin_duplicate",
                format!(
                    "several versions of the conda plugin are installed ({}). {install_hint}, which removes the others",
                    versions.join(", ")
                ),
            );
        }
    }
    if scan.plugin.iter().any(|dist| !dist.entry_point) {
        wiring.problem(
            "entry_point_missing",
            format!(
                "the plugin's entry_points.txt does not register `conda_credential_helper.plugin` in group `conda`, so conda never loads it. {install_hint}"
            ),
        );
    }
    if !scan.plugin.is_empty() && !scan.package_dir {
        wiring.problem(
            "package_missing",
            format!(
                "the plugin's package folder `conda_credential_helper/` is missing. {install_hint}"
            ),
        );
    }
}

/// Works out which binary the plugin runs, as the plugin's `find_helper` does.
fn check_helper(scan: &SiteScan, env: &dyn Environment, install_hint: &str, wiring: &mut Wiring) {
    if let Some(path) = env.non_empty_var(HELPER_BIN_VAR) {
        let path = PathBuf::from(path);
        wiring.section.plugin_runs = Some(format!("{} (from {HELPER_BIN_VAR})", path.display()));
        return;
    }
    let Some(recorded) = &scan.helper_path else {
        if !scan.plugin.is_empty() {
            wiring.section.plugin_runs = Some("conda-credential-helper on PATH".to_owned());
        }
        return;
    };
    wiring.section.plugin_runs = Some(format!("{recorded} (from helper_path.txt)"));

    let recorded = Path::new(recorded);
    if !recorded.is_file() {
        let message = format!(
            "the plugin runs `{}`, which does not exist. {install_hint} from the binary's new location, or set {HELPER_BIN_VAR}",
            recorded.display()
        );
        wiring.problem("helper_missing", message);
        return;
    }
    let this = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    let recorded_canonical = std::fs::canonicalize(recorded).ok();
    if this.is_some() && this != recorded_canonical {
        let this = this.unwrap_or_default();
        let message = format!(
            "the plugin runs `{}`, not this binary `{}`, so this report may not match what conda sees. Run `{} install` if this binary is the one to use",
            recorded.display(),
            this.display(),
            this.display()
        );
        wiring.warning("other_helper", message);
    }
}

/// Checks that the condarc file `install` writes exists and that conda reads every file.
fn inspect_condarc(settings: &CondaSettings, prefix: Option<&CondaPrefix>, wiring: &mut Wiring) {
    wiring.section.condarc_files = settings
        .files
        .iter()
        .map(|file| file.path.clone())
        .collect();
    for skipped in &settings.skipped {
        wiring.warning(
            "condarc_skipped",
            format!(
                "conda skips `{}` because it {}. Fix the file or remove it",
                skipped.path.display(),
                skipped.reason
            ),
        );
    }

    let Some(prefix) = prefix else {
        return;
    };
    let ours = prefix
        .root
        .join(install::condarc::DIR_NAME)
        .join(install::condarc::FILE_NAME);
    wiring.section.condarc_file_present = ours.is_file();
    if !ours.is_file() {
        wiring.problem(
            "condarc_missing",
            format!(
                "`{}` is missing, so conda does not send Anaconda's channels to the plugin. Run `conda-credential-helper install --prefix {}`",
                ours.display(),
                prefix.root.display()
            ),
        );
    }
    wiring.section.condarc_file = Some(ours);
}

/// Finds the `channel_settings` entry conda applies to `channel` and the ones it overrides.
fn inspect_channel(settings: &CondaSettings, channel: &str, wiring: &mut Wiring) {
    let url = format!("{}/noarch/repodata.json", channel.trim_end_matches('/'));
    let mut claims: Vec<Claim> = condarc::matching_entries(&settings.files, &url, channel)
        .into_iter()
        .map(|entry| Claim {
            pattern: entry.setting.channel,
            auth: entry.setting.auth,
            file: entry.file,
        })
        .collect();
    let applied = claims.pop();
    claims.reverse();

    match &applied {
        None => wiring.problem(
            "channel_unclaimed",
            format!(
                "no `channel_settings` entry applies to {channel}, so conda sends its requests without the key. Run `conda-credential-helper install`"
            ),
        ),
        Some(claim) if claim.auth.as_deref() != Some(AUTH_HANDLER) => wiring.problem(
            "channel_shadowed",
            format!(
                "conda uses {claim} for {channel}, not {AUTH_HANDLER}. Remove that entry from `{}`, or set its `auth` to {AUTH_HANDLER}",
                claim.file.display()
            ),
        ),
        Some(_) => {}
    }
    wiring.section.channels.push(ChannelLine {
        channel: channel.to_owned(),
        applied,
        overridden: claims,
    });
}
