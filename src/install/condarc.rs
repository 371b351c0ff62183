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

/// Tells whether `text` is a file that install wrote.
pub fn is_written_by_install(text: &str) -> bool {
    text.lines().next() == Some(HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

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
