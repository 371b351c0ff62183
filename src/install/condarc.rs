//! The condarc file that sends Anaconda's private channels, and the channels of the
//! helper's config file, through the plugin's auth handler.
//!
//! conda 24.5 and later read a `channel_settings` entry's `channel` as a URL pattern
//! (scheme equal, `fnmatch` on host and path). conda 23.9 to 24.4 compare it with the
//! channel's name only, so a pattern matches nothing there and each channel needs an
//! exact entry, which `install --channel URL` writes.

use crate::channel::ChannelPattern;
use crate::fnmatch;

/// Folder inside the prefix whose `.yml` files conda reads as configuration.
pub const DIR_NAME: &str = "condarc.d";

/// Name of the file install writes into `condarc.d/`.
pub const FILE_NAME: &str = "conda-credential-helper.yml";

/// First line of the file. `uninstall` removes the file only when it starts with this line
/// and is otherwise unchanged too.
pub const HEADER: &str = "# Written by `conda-credential-helper install`.";

/// The pattern of Anaconda's private channels, always written.
pub const ANACONDA_PATTERN: &str = "https://repo.anaconda.cloud/*";

/// The comment lines after [`HEADER`].
const COMMENT: &str =
    "# Remove it, together with the conda plugin, with `conda-credential-helper uninstall`.
# conda asks the plugin's auth handler for the credential of these channels.
";

/// The auth handler name every entry selects.
const AUTH: &str = "conda-credential-helper";

/// Returns the file's contents: a comment header and one `channel_settings` entry for
/// each of `channels`, in order.
pub fn contents(channels: &[String]) -> String {
    let mut text = format!("{HEADER}\n{COMMENT}channel_settings:\n");
    for channel in channels {
        text.push_str(&format!(
            "  - channel: {}\n    auth: {AUTH}\n",
            yaml_quoted(channel)
        ));
    }
    text
}

/// The first conda release, 24.5.0, that matches a `channel_settings` entry such as
/// `https://repo.anaconda.cloud/*` as a URL pattern. conda 23.9 to 24.4 compare the entry
/// with the channel name only, so they never use the plugin for this file.
pub const PATTERN_MATCHING_CONDA: (u32, u32) = (24, 5);

/// Tells whether conda `version` matches the channel pattern of this file, or `None` when
/// the version does not start with `<major>.<minor>`.
pub fn conda_matches_pattern(version: &str) -> Option<bool> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let minor_digits: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let minor = minor_digits.parse::<u32>().ok()?;
    Some((major, minor) >= PATTERN_MATCHING_CONDA)
}

/// Tells whether `text` is a file that install wrote.
pub fn is_written_by_install(text: &str) -> bool {
    text.lines().next() == Some(HEADER)
}

/// Tells whether `text` is exactly what install writes for the channels it lists, which
/// is false for a file edited after install.
pub fn is_unchanged(text: &str) -> bool {
    let channels: Option<Vec<String>> = text
        .lines()
        .filter_map(|line| line.strip_prefix("  - channel: "))
        .map(yaml_unquoted)
        .collect();
    channels.is_some_and(|channels| contents(&channels) == text)
}

/// Returns the channels to write: the Anaconda pattern, the config file's patterns, then
/// the exact channels, each once.
pub fn channels(patterns: &[&ChannelPattern], exact: &[String]) -> Vec<String> {
    let mut channels = vec![ANACONDA_PATTERN.to_owned()];
    let all = patterns
        .iter()
        .map(|pattern| pattern.as_str())
        .chain(exact.iter().map(String::as_str));
    for channel in all {
        if !channels.iter().any(|known| known == channel) {
            channels.push(channel.to_owned());
        }
    }
    channels
}

/// The reason a `--channel` value is not usable as an exact channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExactChannelProblem {
    /// The value is not an https URL with a host.
    NotUrl(String),
    /// The value contains a wildcard, which is a pattern for conda 24.5 and later.
    Wildcard,
}

/// The name conda 23.9 to 24.4 give every channel listed in `default_channels`.
pub const DEFAULTS: &str = "defaults";

/// Checks a `--channel` value and returns it as conda names the channel: an https URL
/// without a trailing `/`, or [`DEFAULTS`].
pub fn exact_channel(value: &str) -> Result<String, ExactChannelProblem> {
    if value == DEFAULTS {
        return Ok(DEFAULTS.to_owned());
    }
    let pattern = ChannelPattern::parse(value)
        .map_err(|problem| ExactChannelProblem::NotUrl(problem.to_string()))?;
    if pattern.is_insecure() {
        let problem = "it starts with http://, which would send the secret unencrypted";
        return Err(ExactChannelProblem::NotUrl(problem.to_owned()));
    }
    if value.contains(fnmatch::WILDCARDS) {
        return Err(ExactChannelProblem::Wildcard);
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// Writes `text` as a YAML double-quoted scalar.
fn yaml_quoted(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// Reads a YAML double-quoted scalar written by [`yaml_quoted`].
fn yaml_unquoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut unquoted = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(character) = chars.next() {
        if character == '\\' {
            unquoted.push(chars.next()?);
        } else {
            unquoted.push(character);
        }
    }
    Some(unquoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_pattern_support_by_version() {
        let cases = [
            ("24.5.0", Some(true)),
            ("26.7.1", Some(true)),
            ("24.11.3", Some(true)),
            ("24.4.0", Some(false)),
            ("23.11.0", Some(false)),
            ("4.14.0", Some(false)),
            ("25.1rc1", Some(true)),
            ("24.5.0.post3+g1234abc", Some(true)),
            ("unknown", None),
            ("24", None),
        ];
        for (version, expected) in cases {
            assert_eq!(
                conda_matches_pattern(version),
                expected,
                "version {version}"
            );
        }
    }

    #[test]
    fn contents_text() {
        let channels = channels(&[], &[]);
        assert_eq!(
            contents(&channels),
            r#"# Written by `conda-credential-helper install`.
# Remove it, together with the conda plugin, with `conda-credential-helper uninstall`.
# conda asks the plugin's auth handler for the credential of these channels.
channel_settings:
  - channel: "https://repo.anaconda.cloud/*"
    auth: conda-credential-helper
"#
        );
    }

    #[test]
    fn contents_with_config_patterns_and_exact_channels() {
        let pattern = ChannelPattern::parse("https://conda.example/api/*").unwrap();
        let exact = vec![
            "https://repo.anaconda.cloud/repo/main".to_owned(),
            "https://conda.example/api/*".to_owned(),
        ];
        let channels = channels(&[&pattern], &exact);
        assert_eq!(
            channels,
            [
                "https://repo.anaconda.cloud/*",
                "https://conda.example/api/*",
                "https://repo.anaconda.cloud/repo/main"
            ]
        );
        let text = contents(&channels);
        assert!(text.ends_with(
            "  - channel: \"https://conda.example/api/*\"\n    auth: conda-credential-helper\n\
             \x20 - channel: \"https://repo.anaconda.cloud/repo/main\"\n    auth: conda-credential-helper\n"
        ), "{text}");
    }

    #[test]
    fn yaml_quoting_escapes() {
        assert_eq!(yaml_quoted(r#"https://a/"b"\c"#), r#""https://a/\"b\"\\c""#);
    }

    #[test]
    fn written_by_install_checks_header() {
        assert!(is_written_by_install(&contents(&channels(&[], &[]))));
        assert!(!is_written_by_install("channel_settings: []\n"));
    }

    #[test]
    fn unchanged_file_is_recognised() {
        let exact = vec![r#"https://a.example/"q"\c"#.to_owned()];
        let text = contents(&channels(&[], &exact));

        assert!(is_unchanged(&text));
        assert!(is_unchanged(&contents(&channels(&[], &[]))));
    }

    #[test]
    fn edited_file_is_recognised() {
        let text = contents(&channels(&[], &[]));

        assert!(!is_unchanged(&format!("{text}# mine\n")));
        assert!(!is_unchanged(&text.replace("auth: conda", "auth:  conda")));
        assert!(!is_unchanged(&text.replace("\"https", "https")));
        assert!(!is_unchanged(""));
    }

    #[test]
    fn exact_channel_checks() {
        let ok = exact_channel("https://repo.anaconda.cloud/repo/main/");
        assert_eq!(ok.unwrap(), "https://repo.anaconda.cloud/repo/main");
        assert_eq!(exact_channel("defaults").unwrap(), "defaults");
        assert!(matches!(
            exact_channel("conda-forge"),
            Err(ExactChannelProblem::NotUrl(_))
        ));
        assert_eq!(
            exact_channel("https://a.example/*"),
            Err(ExactChannelProblem::Wildcard)
        );
        assert!(matches!(
            exact_channel("repo/main"),
            Err(ExactChannelProblem::NotUrl(_))
        ));
        assert!(matches!(
            exact_channel("http://a.example/c"),
            Err(ExactChannelProblem::NotUrl(_))
        ));
    }
}
