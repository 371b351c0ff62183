//! anaconda-auth's config file, `~/.anaconda/config.toml` or `ANACONDA_CONFIG_TOML`: the
//! `[plugin.auth]` table, the `[sites.<name>]` tables and `default_site`.
//!
//! Only the keys the helper uses are read and checked; anaconda-auth's other keys are
//! ignored, as its settings model ignores unknown keys.

use std::path::{Path, PathBuf};

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::config_file::{self, ConfigError, FileRole};
use crate::env::Environment;
use crate::expand;
use crate::source::{Origin, Searched};
use crate::vars::API_KEY_VAR;
use crate::vars::{
    ANACONDA_CONFIG_VAR, DEFAULT_ANACONDA_CONFIG, DOMAIN_VAR, KEYRING_PATH_VAR, KEYRING_VAR,
    UNIFIED_API_KEY_VAR,
};

/// The domain of a site whose table sets none, anaconda-auth's default.
pub const DEFAULT_DOMAIN: &str = "anaconda.com";

/// A setting of anaconda-auth that the helper reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `api_key`: the API key.
    ApiKey,
    /// `domain`: the domain of a site.
    Domain,
    /// `keyring`: a whole keyring.
    Keyring,
    /// `keyring_path`: the path of the keyring file.
    KeyringPath,
    /// `use_unified_repo_api_key`: send the API key to repo.anaconda.cloud.
    UseUnifiedRepoApiKey,
}

impl Field {
    /// Returns the key in a config table.
    pub fn key(self) -> &'static str {
        match self {
            Field::ApiKey => "api_key",
            Field::Domain => "domain",
            Field::Keyring => "keyring",
            Field::KeyringPath => "keyring_path",
            Field::UseUnifiedRepoApiKey => "use_unified_repo_api_key",
        }
    }

    /// Returns the environment variable, secret file and `.env` name of the field.
    pub fn variable(self) -> &'static str {
        match self {
            Field::ApiKey => API_KEY_VAR,
            Field::Domain => DOMAIN_VAR,
            Field::Keyring => KEYRING_VAR,
            Field::KeyringPath => KEYRING_PATH_VAR,
            Field::UseUnifiedRepoApiKey => UNIFIED_API_KEY_VAR,
        }
    }

    const ALL: [Field; 5] = [
        Field::ApiKey,
        Field::Domain,
        Field::Keyring,
        Field::KeyringPath,
        Field::UseUnifiedRepoApiKey,
    ];
}

/// A value of a config table, checked for its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A string: `api_key`, `domain` or `keyring_path`.
    Text(String),
    /// A boolean: `use_unified_repo_api_key`.
    Bool(bool),
    /// A table converted to JSON: `keyring`.
    Table(Value),
}

/// One table with anaconda-auth settings: `[plugin.auth]` or `[sites.<name>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsTable {
    /// The table header, such as `[plugin.auth]`.
    pub header: String,
    values: Vec<(Field, ConfigValue, usize)>,
}

/// A site of `[sites]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The site's name, the key under `[sites]`.
    pub name: String,
    /// The site's settings.
    pub table: SettingsTable,
}

/// anaconda-auth's config file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct AnacondaConfig {
    /// The file.
    pub path: PathBuf,
    /// `[plugin.auth]`, when present.
    pub plugin_auth: Option<SettingsTable>,
    /// The `[sites.<name>]` tables in file order.
    pub sites: Vec<Site>,
    /// `default_site` with its line.
    pub default_site: Option<(String, usize)>,
}

/// A value read from the config file, with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigEntry<'c> {
    /// The value.
    pub value: &'c ConfigValue,
    /// The place it was read.
    pub origin: Origin,
}

impl SettingsTable {
    /// Returns the value of `field` in this table of the config file at `path`.
    pub fn get(&self, field: Field, path: &Path) -> Option<ConfigEntry<'_>> {
        let (_, value, line) = self.values.iter().find(|(found, ..)| *found == field)?;
        let origin = Origin::ConfigFile {
            path: path.to_path_buf(),
            line: *line,
            key: format!("{} {}", self.header, field.key()),
        };
        Some(ConfigEntry { value, origin })
    }

    /// Returns the site's domain, normalized, or anaconda-auth's default when unset.
    pub fn domain(&self) -> String {
        let value = self
            .values
            .iter()
            .find(|(field, ..)| *field == Field::Domain);
        match value {
            Some((_, ConfigValue::Text(domain), _)) => {
                normalize_domain(domain).unwrap_or_else(|| domain.clone())
            }
            _ => DEFAULT_DOMAIN.to_owned(),
        }
    }
}

impl AnacondaConfig {
    /// Returns the site named `name`.
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|site| site.name == name)
    }

    /// Returns the sites whose domain is `domain`.
    pub fn sites_with_domain(&self, domain: &str) -> Vec<&Site> {
        let matches = |site: &&Site| site.table.domain() == domain;
        self.sites.iter().filter(matches).collect()
    }

    /// Returns the names of all sites, comma-separated, for messages.
    pub fn site_names(&self) -> String {
        let names: Vec<&str> = self.sites.iter().map(|site| site.name.as_str()).collect();
        names.join(", ")
    }
}

/// Returns the path of anaconda-auth's config file: `ANACONDA_CONFIG_TOML` with `~` and
/// `$VAR` expanded, else `~/.anaconda/config.toml`. Returns `None` when that needs `HOME`
/// and `HOME` is unset.
pub fn config_path(env: &dyn Environment) -> Option<PathBuf> {
    match env.non_empty_var(ANACONDA_CONFIG_VAR) {
        Some(value) => expand::path(&value.to_string_lossy(), env),
        None => expand::home(env).map(|home| home.join(DEFAULT_ANACONDA_CONFIG)),
    }
}

/// Reads and checks anaconda-auth's config file, if it exists.
pub fn load(
    env: &dyn Environment,
    searched: &mut Vec<Searched>,
) -> Result<Option<AnacondaConfig>, ConfigError> {
    let role = FileRole::AnacondaConfig;
    let Some(path) = config_path(env) else {
        searched.push(Searched::NoHome {
            role: "anaconda config file",
        });
        return Ok(None);
    };
    let Some(text) = config_file::read(&path, role)? else {
        searched.push(Searched::MissingFile {
            role: "anaconda config file",
            path,
        });
        return Ok(None);
    };
    parse(&text, path).map(Some)
}

/// Parses the text of anaconda-auth's config file.
pub fn parse(text: &str, path: PathBuf) -> Result<AnacondaConfig, ConfigError> {
    let document = config_file::parse_toml(text, &path, FileRole::AnacondaConfig)?;
    let parser = Parser { text, path: &path };
    let root = document.get_ref();

    let plugin_auth = match config_file::find(root, "plugin") {
        Some(plugin) => {
            let plugin = parser.table(plugin, "plugin")?;
            match config_file::find(plugin, "auth") {
                Some(auth) => Some(parser.settings(auth, "[plugin.auth]".to_owned())?),
                None => None,
            }
        }
        None => None,
    };

    let mut sites = Vec::new();
    if let Some(tables) = config_file::find(root, "sites") {
        for (name, table) in parser.table(tables, "sites")? {
            let name = name.get_ref().to_string();
            let header = format!("[sites.{}]", quote_key(&name));
            let table = parser.settings(table, header)?;
            sites.push(Site { name, table });
        }
    }

    let default_site = match config_file::find(root, "default_site") {
        Some(value) => Some(parser.string(value, "default_site")?),
        None => None,
    };

    Ok(AnacondaConfig {
        path,
        plugin_auth,
        sites,
        default_site,
    })
}

/// Returns the host of a domain setting as anaconda-auth's validator does: the network
/// location of `https://<value>`, or of the value when it starts with `http://` or
/// `https://`. Returns `None` when that is empty.
pub fn normalize_domain(value: &str) -> Option<String> {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or(value);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    (!host.is_empty()).then(|| host.to_owned())
}

/// Writes a TOML key bare when it can be, else in double quotes.
fn quote_key(name: &str) -> String {
    let bare = |character: char| character.is_ascii_alphanumeric() || "-_".contains(character);
    if !name.is_empty() && name.chars().all(bare) {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// Type checks with the file and line of each value.
struct Parser<'p> {
    text: &'p str,
    path: &'p Path,
}

impl Parser<'_> {
    fn line(&self, value: &Spanned<DeValue<'_>>) -> usize {
        config_file::line_at(self.text, value.span().start)
    }

    fn wrong_type(&self, value: &Spanned<DeValue<'_>>, key: &str, expected: &str) -> ConfigError {
        ConfigError::Invalid {
            role: FileRole::AnacondaConfig,
            path: self.path.to_path_buf(),
            line: self.line(value),
            problem: format!(
                "`{key}` is {}, expected {expected}",
                config_file::type_name(value.get_ref())
            ),
            fix: format!("Write `{key}` as {expected}, or remove it"),
        }
    }

    fn table<'a, 't>(
        &self,
        value: &'a Spanned<DeValue<'t>>,
        key: &str,
    ) -> Result<&'a DeTable<'t>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.wrong_type(value, key, "a table")),
        }
    }

    fn string(
        &self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
    ) -> Result<(String, usize), ConfigError> {
        match value.get_ref() {
            DeValue::String(text) => Ok((text.to_string(), self.line(value))),
            _ => Err(self.wrong_type(value, key, "a string")),
        }
    }

    /// Reads the keys the helper uses from one settings table.
    fn settings(
        &self,
        value: &Spanned<DeValue<'_>>,
        header: String,
    ) -> Result<SettingsTable, ConfigError> {
        let table = self.table(value, &header)?;
        let mut values = Vec::new();
        for field in Field::ALL {
            let Some(value) = config_file::find(table, field.key()) else {
                continue;
            };
            let checked = match (field, value.get_ref()) {
                (Field::UseUnifiedRepoApiKey, DeValue::Boolean(flag)) => ConfigValue::Bool(*flag),
                (Field::UseUnifiedRepoApiKey, _) => {
                    return Err(self.wrong_type(value, field.key(), "true or false"));
                }
                (Field::Keyring, DeValue::Table(_)) => ConfigValue::Table(to_json(value.get_ref())),
                (Field::Keyring, _) => return Err(self.wrong_type(value, field.key(), "a table")),
                (_, DeValue::String(text)) => ConfigValue::Text(text.to_string()),
                (_, _) => return Err(self.wrong_type(value, field.key(), "a string")),
            };
            values.push((field, checked, self.line(value)));
        }
        Ok(SettingsTable { header, values })
    }
}

/// Converts a TOML value to JSON, so a `keyring` table is checked like keyring JSON.
fn to_json(value: &DeValue<'_>) -> Value {
    match value {
        DeValue::String(text) => Value::from(text.to_string()),
        DeValue::Boolean(flag) => Value::from(*flag),
        DeValue::Table(table) => {
            let entries = table
                .iter()
                .map(|(key, value)| (key.get_ref().to_string(), to_json(value.get_ref())));
            Value::Object(entries.collect())
        }
        DeValue::Array(items) => {
            Value::Array(items.iter().map(|item| to_json(item.get_ref())).collect())
        }
        // Numbers and dates are never valid keyring entries; only their type matters.
        DeValue::Integer(_) | DeValue::Float(_) | DeValue::Datetime(_) => Value::from(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/home/user/.anaconda/config.toml";

    fn parsed(text: &str) -> AnacondaConfig {
        parse(text, PathBuf::from(PATH)).expect("a valid config")
    }

    fn error(text: &str) -> String {
        parse(text, PathBuf::from(PATH))
            .expect_err("an error")
            .to_string()
    }

    #[test]
    fn plugin_auth_values_with_lines() {
        let config = parsed(
            "[plugin.auth]\napi_key = \"k-1\"\nuse_unified_repo_api_key = true\n\
             keyring_path = \"~/k\"\nother = 5\n",
        );
        let table = config.plugin_auth.expect("[plugin.auth]");
        let entry = table.get(Field::ApiKey, Path::new(PATH)).unwrap();
        assert_eq!(entry.value, &ConfigValue::Text("k-1".to_owned()));
        assert_eq!(
            entry.origin.to_string(),
            "[plugin.auth] api_key in /home/user/.anaconda/config.toml (line 2)"
        );
        let flag = table
            .get(Field::UseUnifiedRepoApiKey, Path::new(PATH))
            .unwrap();
        assert_eq!(flag.value, &ConfigValue::Bool(true));
        assert_eq!(table.get(Field::Domain, Path::new(PATH)), None);
    }

    #[test]
    fn sites_keep_file_order() {
        let config = parsed(
            "default_site = \"b\"\n[sites.zeta]\ndomain = \"z.example\"\n\
             [sites.alpha]\n[sites.\"with space\"]\napi_key = \"k\"\n",
        );
        let names: Vec<&str> = config.sites.iter().map(|site| site.name.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha", "with space"]);
        assert_eq!(config.default_site, Some(("b".to_owned(), 1)));
        assert_eq!(config.sites[2].table.header, "[sites.\"with space\"]");
        assert_eq!(config.sites[0].table.domain(), "z.example");
        assert_eq!(config.sites[1].table.domain(), DEFAULT_DOMAIN);
    }

    #[test]
    fn site_lookup_by_name_and_domain() {
        let config = parsed(
            "[sites.one]\ndomain = \"https://one.example/path\"\n\
             [sites.two]\n[sites.three]\ndomain = \"anaconda.com\"\n",
        );
        assert_eq!(config.site("two").unwrap().name, "two");
        assert!(config.site("four").is_none());
        let one: Vec<&str> = config
            .sites_with_domain("one.example")
            .iter()
            .map(|site| site.name.as_str())
            .collect();
        assert_eq!(one, ["one"]);
        assert_eq!(config.sites_with_domain(DEFAULT_DOMAIN).len(), 2);
        assert_eq!(config.site_names(), "one, two, three");
    }

    #[test]
    fn keyring_table_becomes_json() {
        let config =
            parsed("[plugin.auth.keyring.\"Anaconda Cloud\"]\n\"anaconda.com\" = \"abc\"\n");
        let table = config.plugin_auth.unwrap();
        let entry = table.get(Field::Keyring, Path::new(PATH)).unwrap();
        let expected = serde_json::json!({"Anaconda Cloud": {"anaconda.com": "abc"}});
        assert_eq!(entry.value, &ConfigValue::Table(expected));
    }

    #[test]
    fn empty_file_has_nothing() {
        let config = parsed("");
        assert_eq!(config.plugin_auth, None);
        assert!(config.sites.is_empty());
        assert_eq!(config.default_site, None);
    }

    #[test]
    fn wrong_types_name_key_and_line() {
        let message = error("[plugin.auth]\n\nuse_unified_repo_api_key = \"yes\"\n");
        assert_eq!(
            message,
            "invalid anaconda config file /home/user/.anaconda/config.toml, line 3: \
             `use_unified_repo_api_key` is a string, expected true or false. \
             Write `use_unified_repo_api_key` as true or false, or remove it"
        );
        let message = error("[plugin.auth]\napi_key = 12345\n");
        assert!(
            message.contains("line 2: `api_key` is an integer, expected a string"),
            "{message}"
        );
        let message = error("[sites.a]\nkeyring = \"secret-keyring-text\"\n");
        assert!(
            message.contains("`keyring` is a string, expected a table"),
            "{message}"
        );
        assert!(!message.contains("secret-keyring-text"), "{message}");
        let message = error("plugin = 1\n");
        assert!(
            message.contains("`plugin` is an integer, expected a table"),
            "{message}"
        );
        let message = error("default_site = 1\n");
        assert!(
            message.contains("`default_site` is an integer"),
            "{message}"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let message = error("[plugin.auth]\napi_key = \"open\n");
        assert!(message.contains("line 2: invalid TOML"), "{message}");
    }

    #[test]
    fn domain_normalization() {
        assert_eq!(
            normalize_domain("anaconda.com").as_deref(),
            Some("anaconda.com")
        );
        let with_path = normalize_domain("https://my.example:8443/x?y");
        assert_eq!(with_path.as_deref(), Some("my.example:8443"));
        assert_eq!(
            normalize_domain("http://a.example").as_deref(),
            Some("a.example")
        );
        assert_eq!(normalize_domain(""), None);
        assert_eq!(normalize_domain("https:///path"), None);
    }

    #[test]
    fn config_path_from_variable_or_home() {
        use crate::env::MapEnv;
        let env = MapEnv::new().with_var("HOME", "/home/u");
        assert_eq!(
            config_path(&env),
            Some(PathBuf::from("/home/u/.anaconda/config.toml"))
        );
        let env = env
            .with_var(ANACONDA_CONFIG_VAR, "~/conf/$NAME.toml")
            .with_var("NAME", "x");
        assert_eq!(
            config_path(&env),
            Some(PathBuf::from("/home/u/conf/x.toml"))
        );
        assert_eq!(config_path(&MapEnv::new()), None);
    }
}
