//! Parsing and checking the config file's `[[channel]]` tables, with the line of each
//! problem.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::channel::ChannelPattern;
use crate::config_file::{self, ConfigError, FileRole, find, type_name};
use crate::header::Scheme;

use super::{ChannelConfig, ChannelEntry};

/// The keys of a `[[channel]]` table.
const CHANNEL_KEYS: &str = "url, scheme, username, secret and allow_insecure_http";

/// Parses and checks the text of the config file.
pub fn parse(text: &str, path: PathBuf) -> Result<ChannelConfig, ConfigError> {
    let document = config_file::parse_toml(text, &path, FileRole::HelperConfig)?;
    let checker = Checker { text, path: &path };
    let mut channels = Vec::new();

    for (key, value) in document.get_ref() {
        if key.get_ref() != "channel" {
            return Err(checker.invalid(
                key.span().start,
                format!(
                    "unknown key `{}`; the file contains only [[channel]] tables",
                    key.get_ref()
                ),
                "Remove it, or move it into a [[channel]] table",
            ));
        }
        let DeValue::Array(tables) = value.get_ref() else {
            return Err(checker.invalid(
                value.span().start,
                format!(
                    "`channel` is {}, expected an array of tables",
                    type_name(value.get_ref())
                ),
                "Write each channel as a [[channel]] table",
            ));
        };
        for table in tables.iter() {
            channels.push(checker.channel(table)?);
        }
    }
    Ok(ChannelConfig { path, channels })
}

/// Checks with the file and line of each value.
struct Checker<'c> {
    text: &'c str,
    path: &'c Path,
}

impl Checker<'_> {
    fn invalid(&self, offset: usize, problem: String, fix: &str) -> ConfigError {
        ConfigError::Invalid {
            role: FileRole::HelperConfig,
            path: self.path.to_path_buf(),
            line: config_file::line_at(self.text, offset),
            problem,
            fix: fix.to_owned(),
        }
    }

    /// Checks one `[[channel]]` table.
    fn channel(&self, value: &Spanned<DeValue<'_>>) -> Result<ChannelEntry, ConfigError> {
        let DeValue::Table(table) = value.get_ref() else {
            let problem = format!(
                "a `channel` item is {}, expected a table",
                type_name(value.get_ref())
            );
            return Err(self.invalid(
                value.span().start,
                problem,
                "Write each channel as a [[channel]] table",
            ));
        };
        for (key, _) in table.iter() {
            let name = key.get_ref();
            if !["url", "scheme", "username", "secret", "allow_insecure_http"]
                .contains(&name.as_ref())
            {
                let problem = format!("unknown key `{name}` in [[channel]]");
                let fix = format!("Use only {CHANNEL_KEYS}");
                return Err(self.invalid(key.span().start, problem, &fix));
            }
        }

        let (url, url_offset) =
            self.required_string(value, table, "url", "Add url = \"https://host/path/*\"")?;
        let (scheme_text, scheme_offset) = self.required_string(
            value,
            table,
            "scheme",
            "Add scheme = \"Bearer\", \"token\" or \"Basic\"",
        )?;
        let (secret, secret_offset) = self.required_string(
            value,
            table,
            "secret",
            "Add secret = \"<name of the variable or secret file>\"",
        )?;
        let username = self.optional_string(table, "username")?;
        let allow_insecure_http = self.optional_bool(table, "allow_insecure_http")?;

        let pattern = ChannelPattern::parse(&url).map_err(|problem| {
            let fix = "Write it as https://<host>/<path>/*, a conda channel_settings pattern";
            self.invalid(url_offset, format!("invalid `url`: {problem}"), fix)
        })?;
        if pattern.is_insecure() && !allow_insecure_http {
            return Err(self.invalid(
                url_offset,
                "`url` uses http://, which would send the secret unencrypted".to_owned(),
                "Use https://, or set allow_insecure_http = true for a loopback test server",
            ));
        }
        let Some(scheme) = Scheme::parse(&scheme_text) else {
            return Err(self.invalid(
                scheme_offset,
                "`scheme` is not one of Bearer, token and Basic".to_owned(),
                "Set scheme = \"Bearer\", \"token\" or \"Basic\", spelled exactly so",
            ));
        };
        if !is_variable_name(&secret) {
            return Err(self.invalid(
                secret_offset,
                "`secret` is not a variable name".to_owned(),
                "Set it to the name of the environment variable or secret file that contains the secret, such as ARTIFACTORY_PASSWORD (letters, digits and _), never to the secret itself",
            ));
        }
        let username = self.check_username(value, scheme, username)?;

        Ok(ChannelEntry {
            line: config_file::line_at(self.text, url_offset),
            pattern,
            scheme,
            username,
            secret,
            allow_insecure_http,
        })
    }

    /// Checks that `username` is present exactly for Basic, and usable in its header.
    fn check_username(
        &self,
        table: &Spanned<DeValue<'_>>,
        scheme: Scheme,
        username: Option<(String, usize)>,
    ) -> Result<Option<String>, ConfigError> {
        match (scheme, username) {
            (Scheme::Basic, None) => Err(self.invalid(
                table.span().start,
                "[[channel]] with scheme Basic has no `username`".to_owned(),
                "Add username = \"<user>\"",
            )),
            (Scheme::Basic, Some((name, offset))) => {
                if name.is_empty() || name.contains(':') || name.chars().any(char::is_control) {
                    return Err(self.invalid(
                        offset,
                        "`username` is empty or contains `:` or a control character, which Basic authentication cannot carry".to_owned(),
                        "Set it to the user name alone",
                    ));
                }
                Ok(Some(name))
            }
            (_, Some((_, offset))) => Err(self.invalid(
                offset,
                format!("`username` is set, but scheme {scheme} sends no username"),
                "Remove username, or set scheme = \"Basic\"",
            )),
            (_, None) => Ok(None),
        }
    }

    fn required_string(
        &self,
        table_value: &Spanned<DeValue<'_>>,
        table: &DeTable<'_>,
        key: &str,
        fix: &str,
    ) -> Result<(String, usize), ConfigError> {
        match self.optional_string(table, key)? {
            Some(found) => Ok(found),
            None => {
                let problem = format!("[[channel]] has no `{key}`");
                Err(self.invalid(table_value.span().start, problem, fix))
            }
        }
    }

    fn optional_string(
        &self,
        table: &DeTable<'_>,
        key: &str,
    ) -> Result<Option<(String, usize)>, ConfigError> {
        let Some(value) = find(table, key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::String(text) => Ok(Some((text.to_string(), value.span().start))),
            other => Err(self.wrong_type(value.span().start, key, other, "a string")),
        }
    }

    fn optional_bool(&self, table: &DeTable<'_>, key: &str) -> Result<bool, ConfigError> {
        let Some(value) = find(table, key) else {
            return Ok(false);
        };
        match value.get_ref() {
            DeValue::Boolean(flag) => Ok(*flag),
            other => Err(self.wrong_type(value.span().start, key, other, "true or false")),
        }
    }

    fn wrong_type(
        &self,
        offset: usize,
        key: &str,
        value: &DeValue<'_>,
        expected: &str,
    ) -> ConfigError {
        let problem = format!("`{key}` is {}, expected {expected}", type_name(value));
        self.invalid(offset, problem, &format!("Write `{key}` as {expected}"))
    }
}

/// Returns whether `name` can name an environment variable and a file: ASCII letters,
/// digits and `_`, not starting with a digit.
fn is_variable_name(name: &str) -> bool {
    let mut characters = name.chars();
    let first_ok = characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    first_ok && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/conda-credential-helper/config.toml";

    const VALID: &str = r#"# Channels of the build
[[channel]]
url = "https://conda.example.internal/artifactory/api/conda/*"
scheme = "Basic"
username = "builder"
secret = "ARTIFACTORY_PASSWORD"

[[channel]]
url = "https://tokens.example/*"
scheme = "token"
secret = "TOKEN_1"

[[channel]]
url = "http://127.0.0.1:8080/*"
scheme = "Bearer"
secret = "_LOCAL"
allow_insecure_http = true
"#;

    fn parsed(text: &str) -> ChannelConfig {
        parse(text, PathBuf::from(PATH)).expect("a valid config")
    }

    /// Returns the error message for a config with one channel made of `lines`.
    fn channel_error(lines: &str) -> String {
        let text = format!("[[channel]]\n{lines}");
        parse(&text, PathBuf::from(PATH))
            .expect_err("an error")
            .to_string()
    }

    fn assert_error(lines: &str, line: usize, needles: &[&str]) {
        let message = channel_error(lines);
        let prefix = format!("invalid config file {PATH}, line {line}: ");
        assert!(message.starts_with(&prefix), "{message}");
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} missing: {message}");
        }
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn valid_config() {
        let config = parsed(VALID);
        assert_eq!(config.channels.len(), 3);
        let basic = &config.channels[0];
        assert_eq!(basic.line, 3);
        assert_eq!(
            basic.pattern.as_str(),
            "https://conda.example.internal/artifactory/api/conda/*"
        );
        assert_eq!(basic.scheme, Scheme::Basic);
        assert_eq!(basic.username.as_deref(), Some("builder"));
        assert_eq!(basic.secret, "ARTIFACTORY_PASSWORD");
        assert!(!basic.allow_insecure_http);
        assert_eq!(config.channels[1].scheme, Scheme::Token);
        assert_eq!(config.channels[1].username, None);
        assert!(config.channels[2].allow_insecure_http);
        assert_eq!(config.channels[2].scheme, Scheme::Bearer);
    }

    #[test]
    fn empty_config_has_no_channels() {
        assert!(parsed("").channels.is_empty());
        assert!(parsed("# nothing yet\n").channels.is_empty());
    }

    #[test]
    fn unknown_top_level_key() {
        let message = parse(
            "[[channel]]\nurl = \"https://a/*\"\nscheme = \"Bearer\"\nsecret = \"S\"\n[other]\n",
            PathBuf::from(PATH),
        );
        let message = message.unwrap_err().to_string();
        assert!(message.contains("line 5: unknown key `other`"), "{message}");
    }

    #[test]
    fn channel_as_single_table() {
        let message = parse("[channel]\nurl = \"https://a/*\"\n", PathBuf::from(PATH));
        let message = message.unwrap_err().to_string();
        assert!(
            message.contains("`channel` is a table, expected an array of tables"),
            "{message}"
        );
    }

    #[test]
    fn unknown_channel_key() {
        let lines =
            "url = \"https://a.example/*\"\nscheme = \"Basic\"\nusrname = \"x\"\nsecret = \"S\"\n";
        assert_error(
            lines,
            4,
            &[
                "unknown key `usrname` in [[channel]]",
                "Use only url, scheme",
            ],
        );
    }

    #[test]
    fn missing_keys() {
        assert_error(
            "scheme = \"Bearer\"\nsecret = \"S\"\n",
            1,
            &["has no `url`", "Add url"],
        );
        assert_error(
            "url = \"https://a.example/*\"\nsecret = \"S\"\n",
            1,
            &["has no `scheme`"],
        );
        assert_error(
            "url = \"https://a.example/*\"\nscheme = \"token\"\n",
            1,
            &["has no `secret`"],
        );
    }

    #[test]
    fn wrong_types() {
        let lines = "url = 5\nscheme = \"token\"\nsecret = \"S\"\n";
        assert_error(lines, 2, &["`url` is an integer, expected a string"]);
        let lines = "url = \"https://a.example/*\"\nscheme = \"token\"\nsecret = \"S\"\nallow_insecure_http = \"yes\"\n";
        assert_error(
            lines,
            5,
            &["`allow_insecure_http` is a string, expected true or false"],
        );
    }

    #[test]
    fn bad_patterns() {
        let cases = [
            ("conda.example/*", "does not start with https://"),
            ("https://user:pw@a.example/*", "contains `@`"),
            ("https://a.example/c?", "query or fragment"),
            ("https://", "no host"),
        ];
        for (url, needle) in cases {
            let lines = format!("url = \"{url}\"\nscheme = \"token\"\nsecret = \"S\"\n");
            assert_error(
                &lines,
                2,
                &["invalid `url`", needle, "channel_settings pattern"],
            );
        }
    }

    #[test]
    fn plain_http_needs_opt_in() {
        let lines = "url = \"http://127.0.0.1:8080/*\"\nscheme = \"token\"\nsecret = \"S\"\n";
        assert_error(lines, 2, &["uses http://", "allow_insecure_http = true"]);
    }

    #[test]
    fn unknown_scheme() {
        let lines = "url = \"https://a.example/*\"\nscheme = \"bearer\"\nsecret = \"S\"\n";
        assert_error(
            lines,
            3,
            &["`scheme` is not one of Bearer, token and Basic"],
        );
    }

    #[test]
    fn secret_must_be_a_name() {
        for secret in ["hunter2 with space", "1ABC", "", "a/b", "../x"] {
            let lines = format!(
                "url = \"https://a.example/*\"\nscheme = \"token\"\nsecret = \"{secret}\"\n"
            );
            let message = channel_error(&lines);
            assert!(
                message.contains("line 4: `secret` is not a variable name"),
                "{message}"
            );
            if !secret.is_empty() {
                assert!(
                    !message.contains(secret),
                    "the message quotes the secret: {message}"
                );
            }
        }
    }

    #[test]
    fn username_rules() {
        let basic = "url = \"https://a.example/*\"\nscheme = \"Basic\"\nsecret = \"S\"\n";
        assert_error(basic, 1, &["scheme Basic has no `username`"]);
        let colon = format!("{basic}username = \"a:b\"\n");
        assert_error(&colon, 5, &["contains `:`"]);
        let bearer = "url = \"https://a.example/*\"\nscheme = \"Bearer\"\nsecret = \"S\"\nusername = \"u\"\n";
        assert_error(bearer, 5, &["scheme Bearer sends no username"]);
    }

    #[test]
    fn syntax_error_names_line() {
        let message = parse("[[channel]]\nurl = https://a\n", PathBuf::from(PATH)).unwrap_err();
        let message = message.to_string();
        assert!(message.contains("line 2: invalid TOML"), "{message}");
    }

    #[test]
    fn variable_names() {
        assert!(is_variable_name("ARTIFACTORY_PASSWORD"));
        assert!(is_variable_name("_x1"));
        assert!(!is_variable_name("1x"));
        assert!(!is_variable_name("a-b"));
        assert!(!is_variable_name(""));
    }
}
