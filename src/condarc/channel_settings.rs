//! `channel_settings` entries and the one conda applies to a URL.
//!
//! conda merges the lists of all files with the last file's entries first (see
//! `SequenceLoadedParameter.merge` in `conda/common/configuration.py`), and `get_session`
//! in `conda/gateways/connection/session.py` keeps the last entry that matches. So among
//! files the earliest one in the search path wins, and within a file the last entry wins.
//! This was checked against conda 26.7.1. An entry matches when its `channel` equals the
//! channel name, or when it has the URL's scheme and its host and path match the URL's as
//! an `fnmatch` pattern, which conda 24.5 and later support.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use crate::fnmatch;

use super::CondarcFile;

/// One `channel_settings` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSetting {
    /// The channel name or URL pattern.
    pub channel: String,
    /// The auth handler name, if the entry sets one.
    pub auth: Option<String>,
}

/// The entry conda applies to a URL, with the file it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Winner {
    /// The entry.
    pub setting: ChannelSetting,
    /// The condarc file that contains it.
    pub file: PathBuf,
}

/// Parses the value of `channel_settings`: a list of mappings with a `channel` string.
pub(super) fn parse(value: &Value) -> Result<Vec<ChannelSetting>, String> {
    let entries = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Sequence(entries) => entries,
        _ => return Err("has a `channel_settings` that is not a list".to_owned()),
    };
    entries.iter().map(parse_entry).collect()
}

fn parse_entry(entry: &Value) -> Result<ChannelSetting, String> {
    let invalid = || "has a `channel_settings` entry without a `channel` string".to_owned();
    let Value::Mapping(mapping) = entry else {
        return Err(invalid());
    };
    let Some(Value::String(channel)) = mapping.get("channel") else {
        return Err(invalid());
    };
    let auth = match mapping.get("auth") {
        Some(Value::String(auth)) if !auth.trim().is_empty() => Some(auth.trim().to_owned()),
        _ => None,
    };
    Ok(ChannelSetting {
        channel: channel.clone(),
        auth,
    })
}

/// Returns the entry conda applies to `url`, or `None` when no entry matches.
///
/// `channel_name` is conda's canonical name of the channel, for exact matches.
pub fn winner_for(files: &[CondarcFile], url: &str, channel_name: &str) -> Option<Winner> {
    matching_entries(files, url, channel_name).pop()
}

/// Returns every entry that matches `url`, in conda's merged order, so the last one is
/// the entry conda applies.
// NOTE: conda's canonical name can differ from the channel URL, for example `defaults`
// when the URL is listed in `default_channels`; callers pass the URL itself.
pub fn matching_entries(files: &[CondarcFile], url: &str, channel_name: &str) -> Vec<Winner> {
    let mut merged: Vec<(&ChannelSetting, &Path)> = Vec::new();
    for file in files.iter().rev() {
        for setting in &file.channel_settings {
            // conda drops an entry equal to one already merged.
            if !merged.iter().any(|(seen, _)| *seen == setting) {
                merged.push((setting, &file.path));
            }
        }
    }

    merged
        .into_iter()
        .filter(|(setting, _)| matches(setting, url, channel_name))
        .map(|(setting, file)| Winner {
            setting: setting.clone(),
            file: file.to_path_buf(),
        })
        .collect()
}

fn matches(setting: &ChannelSetting, url: &str, channel_name: &str) -> bool {
    if setting.channel == channel_name {
        return true;
    }
    let (Some((url_scheme, url_rest)), Some((scheme, pattern))) =
        (split_scheme(url), split_scheme(&setting.channel))
    else {
        return false;
    };
    url_scheme == scheme && fnmatch::matches(url_rest, pattern)
}

/// Splits `scheme://rest` and drops the query and fragment from `rest`, as `urlparse`
/// keeps only the host and path that conda compares.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    Some((scheme, &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json";
    const CHANNEL: &str = "https://repo.anaconda.cloud/repo/main";

    fn setting(channel: &str, auth: &str) -> ChannelSetting {
        ChannelSetting {
            channel: channel.into(),
            auth: Some(auth.into()),
        }
    }

    fn file(path: &str, settings: Vec<ChannelSetting>) -> CondarcFile {
        CondarcFile {
            path: PathBuf::from(path),
            channel_settings: settings,
            ssl_verify: None,
        }
    }

    fn winning_auth(files: &[CondarcFile]) -> Option<String> {
        winner_for(files, URL, CHANNEL).and_then(|winner| winner.setting.auth)
    }

    #[test]
    fn pattern_needs_same_scheme() {
        let files = [file(
            "/a",
            vec![setting("http://repo.anaconda.cloud/*", "x")],
        )];
        assert_eq!(winning_auth(&files), None);
    }

    #[test]
    fn exact_channel_name_matches() {
        let files = [file("/a", vec![setting(CHANNEL, "exact")])];
        assert_eq!(winning_auth(&files).as_deref(), Some("exact"));
    }

    #[test]
    fn last_entry_in_file_wins() {
        let entries = vec![
            setting("https://repo.anaconda.cloud/*", "first"),
            setting("https://repo.anaconda.cloud/repo/*", "second"),
        ];
        assert_eq!(
            winning_auth(&[file("/a", entries)]).as_deref(),
            Some("second")
        );
    }

    #[test]
    fn earliest_file_wins() {
        let files = [
            file(
                "/etc/conda/.condarc",
                vec![setting("https://repo.anaconda.cloud/*", "system")],
            ),
            file(
                "/base/condarc.d/x.yml",
                vec![setting("https://repo.anaconda.cloud/*", "base")],
            ),
            file(
                "/home/u/.condarc",
                vec![setting("https://repo.anaconda.cloud/*", "user")],
            ),
        ];

        let winner = winner_for(&files, URL, CHANNEL).unwrap();

        assert_eq!(winner.setting.auth.as_deref(), Some("system"));
        assert_eq!(winner.file, PathBuf::from("/etc/conda/.condarc"));
    }

    #[test]
    fn equal_entries_keep_later_file() {
        let ours = setting("https://repo.anaconda.cloud/*", "ours");
        let files = [
            file("/early", vec![ours.clone()]),
            file(
                "/middle",
                vec![setting("https://repo.anaconda.cloud/*", "other")],
            ),
            file("/late", vec![ours]),
        ];

        let winner = winner_for(&files, URL, CHANNEL).unwrap();

        // The merged list is late, middle, and the early copy is dropped as a duplicate.
        assert_eq!(winner.setting.auth.as_deref(), Some("other"));
        assert_eq!(winner.file, PathBuf::from("/middle"));
    }

    #[test]
    fn parse_rejects_entry_without_channel() {
        let value: Value = serde_yaml_ng::from_str("[{auth: x}]").unwrap();
        assert!(parse(&value).unwrap_err().contains("without a `channel`"));
        let value: Value = serde_yaml_ng::from_str("{a: b}").unwrap();
        assert!(parse(&value).unwrap_err().contains("not a list"));
    }
}
