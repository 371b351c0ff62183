//! The condarc file that sends Anaconda's private channels through the plugin's auth handler.

/// Folder inside the prefix whose `.yml` files conda reads as configuration.
pub const DIR_NAME: &str = "condarc.d";

/// Name of the file install writes into `condarc.d/`.
pub const FILE_NAME: &str = "conda-credential-helper.yml";

/// First line of the file. `uninstall` removes the file only when it starts with this line.
pub const HEADER: &str = "# Written by `conda-credential-helper install`.";

/// The comment lines after [`HEADER`] and the `channel_settings` mapping.
const BODY: &str = r#"# Remove it, together with the conda plugin, with `conda-credential-helper uninstall`.
# conda asks the plugin's auth handler for the credential of these channels.
channel_settings:
  - channel: "https://repo.anaconda.cloud/*"
    auth: conda-credential-helper
"#;

/// Returns the file's contents: a comment header and the `channel_settings` mapping.
pub fn contents() -> String {
    format!("{HEADER}\n{BODY}")
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
        assert_eq!(
            contents(),
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
    fn written_by_install_checks_header() {
        assert!(is_written_by_install(&contents()));
        assert!(!is_written_by_install("channel_settings: []\n"));
    }
}
