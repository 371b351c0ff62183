//! The `.dist-info` metadata that makes the plugin visible to `importlib.metadata`.
//!
//! The format follows the Python Packaging Authority's "Recording installed projects"
//! specification: METADATA, INSTALLER, entry_points.txt and a RECORD of every file.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::package::SiteFile;

/// Distribution name, as `importlib.metadata.files()` and pip look it up.
pub const DIST_NAME: &str = "conda-credential-helper";

/// Contents of INSTALLER. `uninstall` removes a dist-info only when INSTALLER contains this name.
pub const INSTALLER: &str = "conda-credential-helper";

/// Prefix of the dist-info folder name of any version of this distribution.
pub const DIR_PREFIX: &str = "conda_credential_helper-";

/// Suffix of every dist-info folder name.
pub const DIR_SUFFIX: &str = ".dist-info";

/// Entry point group that conda loads plugins from.
const ENTRY_POINT_GROUP: &str = "conda";

/// Module that contains the plugin's conda hooks.
const PLUGIN_MODULE: &str = "conda_credential_helper.plugin";

const SUMMARY: &str =
    "Conda auth handler that gets Anaconda channel credentials from conda-credential-helper";

/// Returns the dist-info folder name for `version`.
pub fn dir_name(version: &str) -> String {
    format!("{DIR_PREFIX}{version}{DIR_SUFFIX}")
}

/// Returns every dist-info file for `version`, RECORD last, listing `package` and itself.
pub fn files(version: &str, package: &[SiteFile]) -> Vec<SiteFile> {
    let dir = dir_name(version);
    let mut files = vec![
        SiteFile::new(format!("{dir}/METADATA"), metadata(version)),
        SiteFile::new(format!("{dir}/INSTALLER"), format!("{INSTALLER}\n")),
        SiteFile::new(format!("{dir}/entry_points.txt"), entry_points()),
    ];

    let recorded: Vec<&SiteFile> = package.iter().chain(&files).collect();
    let record = record(&recorded, &format!("{dir}/RECORD"));
    files.push(SiteFile::new(format!("{dir}/RECORD"), record));
    files
}

/// Returns the METADATA text (core metadata version 2.1).
fn metadata(version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {DIST_NAME}\nVersion: {version}\nSummary: {SUMMARY}\n")
}

/// Returns entry_points.txt, which registers the plugin module with conda.
fn entry_points() -> String {
    format!("[{ENTRY_POINT_GROUP}]\n{DIST_NAME} = {PLUGIN_MODULE}\n")
}

/// Returns RECORD: one `path,sha256=<digest>,<size>` row per file, then the row of RECORD
/// itself with empty hash and size, as RECORD cannot contain its own hash.
fn record(files: &[&SiteFile], record_path: &str) -> String {
    let mut text = String::new();
    for file in files {
        let digest = sha256_digest(&file.contents);
        let size = file.contents.len();
        text.push_str(&format!(
            "{},sha256={digest},{size}\n",
            csv_field(&file.path)
        ));
    }
    text.push_str(&format!("{},,\n", csv_field(record_path)));
    text
}

/// Returns the SHA-256 of `bytes` in RECORD's encoding: URL-safe base64 without padding.
fn sha256_digest(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
}

/// Quotes a CSV field when it contains a comma, quote or line break.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// One RECORD row: a path and, when the row has one, its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// Path relative to site-packages.
    pub path: String,
    /// The digest after `sha256=`, in RECORD's encoding, or `None` when the row has no
    /// SHA-256 hash, as the row of RECORD itself.
    pub sha256: Option<String>,
}

/// Returns every RECORD row with its path and SHA-256 digest.
pub fn record_rows(record: &str) -> Vec<RecordRow> {
    record
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (path, rest) = first_csv_field(line);
            let hash = rest.split(',').next().unwrap_or_default();
            let sha256 = hash.strip_prefix("sha256=").map(str::to_string);
            RecordRow { path, sha256 }
        })
        .collect()
}

/// Tells whether `bytes` have the SHA-256 `digest` as RECORD writes it.
pub fn matches_digest(bytes: &[u8], digest: &str) -> bool {
    sha256_digest(bytes) == digest
}

/// Returns the first field of a CSV row, unquoting it if it is quoted, and the text after
/// the comma that ends it.
fn first_csv_field(row: &str) -> (String, &str) {
    let Some(quoted) = row.strip_prefix('"') else {
        let (field, rest) = row.split_once(',').unwrap_or((row, ""));
        return (field.to_string(), rest);
    };

    let mut field = String::new();
    let mut chars = quoted.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' if chars.peek().map(|(_, next)| *next) == Some('"') => {
                field.push('"');
                chars.next();
            }
            '"' => {
                let after = &quoted[index + 1..];
                return (field, after.strip_prefix(',').unwrap_or(after));
            }
            c => field.push(c),
        }
    }
    (field, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_paths(record: &str) -> Vec<String> {
        record_rows(record)
            .into_iter()
            .map(|row| row.path)
            .collect()
    }

    #[test]
    fn sha256_digest_matches_known_values() {
        // Digests of "" and "abc" from FIPS 180-2, re-encoded as URL-safe base64.
        assert_eq!(
            sha256_digest(b""),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(
            sha256_digest(b"abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn metadata_text() {
        assert_eq!(
            metadata("1.2.3"),
            "Metadata-Version: 2.1\n\
             Name: conda-credential-helper\n\
             Version: 1.2.3\n\
             Summary: Conda auth handler that gets Anaconda channel credentials from conda-credential-helper\n"
        );
    }

    #[test]
    fn entry_points_text() {
        assert_eq!(
            entry_points(),
            "[conda]\nconda-credential-helper = conda_credential_helper.plugin\n"
        );
    }

    #[test]
    fn record_lists_files_then_itself() {
        let package = [SiteFile::new("conda_credential_helper/a.py", "abc")];

        let files = files("1.2.3", &package);

        let record = files.last().unwrap();
        assert_eq!(
            record.path,
            "conda_credential_helper-1.2.3.dist-info/RECORD"
        );
        let text = String::from_utf8(record.contents.clone()).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows[0],
            "conda_credential_helper/a.py,sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0,3"
        );
        assert_eq!(
            rows[1],
            format!(
                "conda_credential_helper-1.2.3.dist-info/METADATA,sha256={},{}",
                sha256_digest(metadata("1.2.3").as_bytes()),
                metadata("1.2.3").len()
            )
        );
        assert!(rows[2].starts_with("conda_credential_helper-1.2.3.dist-info/INSTALLER,"));
        assert!(rows[3].starts_with("conda_credential_helper-1.2.3.dist-info/entry_points.txt,"));
        assert_eq!(rows[4], "conda_credential_helper-1.2.3.dist-info/RECORD,,");
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn record_paths_reads_plain_and_quoted_fields() {
        let record = "a/b.py,sha256=x,1\n\"a/c,d.py\",sha256=y,2\n\"a/\"\"q\"\".py\",,\n\n";

        assert_eq!(record_paths(record), ["a/b.py", "a/c,d.py", "a/\"q\".py"]);
    }

    #[test]
    fn record_rows_read_digests() {
        let record = "a/b.py,sha256=abc,1\n\"a/c,d.py\",sha256=def,2\nR,,\nx,md5=0,1\n";

        let rows = record_rows(record);

        let digests: Vec<Option<&str>> = rows.iter().map(|row| row.sha256.as_deref()).collect();
        assert_eq!(digests, [Some("abc"), Some("def"), None, None]);
        assert_eq!(rows[1].path, "a/c,d.py");
    }

    #[test]
    fn matches_digest_compares_content() {
        let digest = sha256_digest(b"abc");

        assert!(matches_digest(b"abc", &digest));
        assert!(!matches_digest(b"abc\n", &digest));
    }

    #[test]
    fn record_round_trips_quoted_path() {
        let package = [SiteFile::new("conda_credential_helper/a,b.py", "x")];

        let files = files("1.0", &package);

        let text = String::from_utf8(files.last().unwrap().contents.clone()).unwrap();
        assert_eq!(record_paths(&text)[0], "conda_credential_helper/a,b.py");
    }
}
