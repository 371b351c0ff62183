//! Summaries of what `install` wrote and `uninstall` removed, for stderr.

use std::fmt;
use std::path::PathBuf;

use super::PrefixSource;

/// Summary of the files that `install` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallReport {
    /// The version of the installed plugin.
    pub version: String,
    /// The conda base prefix.
    pub prefix: PathBuf,
    /// Source of the prefix: an argument, a variable or the `conda` on `PATH`.
    pub prefix_source: PrefixSource,
    /// The plugin package folder in site-packages.
    pub package_dir: PathBuf,
    /// The dist-info folder in site-packages.
    pub dist_info_dir: PathBuf,
    /// The condarc file with the channel settings.
    pub condarc_file: PathBuf,
    /// The channels mapped to the plugin in the condarc file, in order.
    pub channels: Vec<String>,
    /// The helper's config file whose channels were mapped, when there is one.
    pub config_file: Option<PathBuf>,
    /// The binary path written to `helper_path.txt`.
    pub helper: String,
    /// The version of conda in the prefix, `None` when python cannot import it.
    pub conda_version: Option<String>,
    /// Files and folders of earlier installs that were removed.
    pub removed: Vec<PathBuf>,
}

impl fmt::Display for InstallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conda = self.conda_version.as_deref().unwrap_or("not installed");
        writeln!(
            f,
            "Installed the conda-credential-helper {} plugin into `{}` (found through {}):",
            self.version,
            self.prefix.display(),
            self.prefix_source
        )?;
        writeln!(f, "  package:          {}", self.package_dir.display())?;
        writeln!(f, "  metadata:         {}", self.dist_info_dir.display())?;
        writeln!(f, "  channel settings: {}", self.condarc_file.display())?;
        for channel in &self.channels {
            writeln!(f, "    {channel}")?;
        }
        if let Some(config) = &self.config_file {
            writeln!(f, "  channels from:    {}", config.display())?;
        }
        writeln!(f, "  helper binary:    {}", self.helper)?;
        write!(f, "  conda:            {conda}")?;
        if !self.removed.is_empty() {
            write!(f, "\nRemoved files of an earlier install:")?;
            for path in &self.removed {
                write!(f, "\n  {}", path.display())?;
            }
        }
        Ok(())
    }
}

/// Summary of the files that `uninstall` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UninstallReport {
    /// The conda base prefix.
    pub prefix: PathBuf,
    /// Files and folders removed, in the order of removal. Empty when nothing was installed.
    pub removed: Vec<PathBuf>,
}

impl fmt::Display for UninstallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.removed.is_empty() {
            return write!(
                f,
                "conda-credential-helper is not installed in `{}`; nothing to remove.",
                self.prefix.display()
            );
        }
        write!(
            f,
            "Removed conda-credential-helper from `{}`:",
            self.prefix.display()
        )?;
        for path in &self.removed {
            write!(f, "\n  {}", path.display())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uninstall_report_without_files_says_nothing_installed() {
        let report = UninstallReport {
            prefix: PathBuf::from("/opt/conda"),
            removed: Vec::new(),
        };

        assert_eq!(
            report.to_string(),
            "conda-credential-helper is not installed in `/opt/conda`; nothing to remove."
        );
    }

    #[test]
    fn install_report_lists_paths() {
        let report = InstallReport {
            version: "1.0.0".to_string(),
            prefix: PathBuf::from("/opt/conda"),
            prefix_source: PrefixSource::CondaRoot,
            package_dir: PathBuf::from("/opt/conda/site/conda_credential_helper"),
            dist_info_dir: PathBuf::from("/opt/conda/site/conda_credential_helper-1.0.0.dist-info"),
            condarc_file: PathBuf::from("/opt/conda/condarc.d/conda-credential-helper.yml"),
            channels: vec![
                "https://repo.anaconda.cloud/*".to_string(),
                "https://conda.example/*".to_string(),
            ],
            config_file: Some(PathBuf::from("/etc/conda-credential-helper/config.toml")),
            helper: "/usr/local/bin/conda-credential-helper".to_string(),
            conda_version: Some("24.9.2".to_string()),
            removed: vec![PathBuf::from("/opt/conda/site/old.dist-info")],
        };

        assert_eq!(
            report.to_string(),
            "Installed the conda-credential-helper 1.0.0 plugin into `/opt/conda` (found through CONDA_ROOT):
  package:          /opt/conda/site/conda_credential_helper
  metadata:         /opt/conda/site/conda_credential_helper-1.0.0.dist-info
  channel settings: /opt/conda/condarc.d/conda-credential-helper.yml
    https://repo.anaconda.cloud/*
    https://conda.example/*
  channels from:    /etc/conda-credential-helper/config.toml
  helper binary:    /usr/local/bin/conda-credential-helper
  conda:            24.9.2
Removed files of an earlier install:
  /opt/conda/site/old.dist-info"
        );
    }
}
