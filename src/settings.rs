//! anaconda-auth's settings as its pydantic model merges them: each setting takes the first
//! value found in the environment, the secrets directory, `.env` (see [`crate::source`]),
//! the selected site's `[sites.<name>]` table (see [`crate::site`]), then `[plugin.auth]`.

use std::path::PathBuf;

use crate::anaconda_config::{self, AnacondaConfig, ConfigValue, Field, Site};
use crate::env::Environment;
use crate::error::Error;
use crate::expand;
use crate::keyring::{Keyring, KeyringPlace};
use crate::secret::Secret;
use crate::site;
use crate::source::{self, Found, Searched, Setting};
use crate::vars::DEFAULT_KEYRING_FILE;

/// anaconda-auth's config file, when it exists, and the site selected in it.
pub struct Settings<'a> {
    env: &'a dyn Environment,
    config: Option<AnacondaConfig>,
    site: Option<String>,
}

impl<'a> Settings<'a> {
    /// Reads the config file and selects the site. Records in `searched` why there is no
    /// config file, when there is none.
    pub fn load(env: &'a dyn Environment, searched: &mut Vec<Searched>) -> Result<Self, Error> {
        let config = anaconda_config::load(env, searched)?;
        let site = match &config {
            Some(config) => site::select(env, config)?.map(|site| site.name.clone()),
            None => None,
        };
        Ok(Settings { env, config, site })
    }

    /// Returns the config file, when it exists.
    pub fn config(&self) -> Option<&AnacondaConfig> {
        self.config.as_ref()
    }

    fn selected_site(&self) -> Option<&Site> {
        let name = self.site.as_deref()?;
        self.config.as_ref()?.site(name)
    }

    /// Returns `field` from the selected site, else from `[plugin.auth]`.
    pub fn config_value(&self, field: Field) -> Option<Found> {
        let config = self.config.as_ref()?;
        let tables = [
            self.selected_site().map(|site| &site.table),
            config.plugin_auth.as_ref(),
        ];
        let entry = tables
            .into_iter()
            .flatten()
            .find_map(|table| table.get(field, &config.path))?;
        let value = match entry.value {
            ConfigValue::Text(text) => text.clone(),
            ConfigValue::Bool(flag) => flag.to_string(),
            ConfigValue::Table(table) => table.to_string(),
        };
        Some(Found {
            value: Secret::new(value),
            origin: entry.origin,
        })
    }

    /// Returns `field` from the environment, the secrets directory, `.env`, then the
    /// config file.
    pub fn lookup(&self, field: Field, noun: &str) -> Result<Option<Found>, Error> {
        let setting = Setting {
            name: field.variable(),
            noun,
        };
        match source::lookup(self.env, setting, &mut Vec::new())? {
            Some(found) => Ok(Some(found)),
            None => Ok(self.config_value(field)),
        }
    }

    /// Returns the keyring given whole as `ANACONDA_AUTH_KEYRING` or `keyring`, parsed.
    pub fn given_keyring(&self) -> Result<Option<Keyring>, Error> {
        let Some(found) = self.lookup(Field::Keyring, "keyring")? else {
            return Ok(None);
        };
        let place = KeyringPlace::Setting(found.origin);
        Ok(Some(Keyring::parse(found.value.expose().trim(), place)?))
    }

    /// Returns `keyring_path` with `~` and `$VAR` expanded, else `~/.anaconda/keyring`, or
    /// `None` when that needs `HOME` and `HOME` is unset.
    pub fn keyring_path(&self) -> Result<Option<PathBuf>, Error> {
        let Some(found) = self.lookup(Field::KeyringPath, "keyring path")? else {
            return Ok(expand::home(self.env).map(|home| home.join(DEFAULT_KEYRING_FILE)));
        };
        let Some(path) = expand::path(found.value.expose().trim(), self.env) else {
            return Ok(None);
        };
        if path.is_relative() {
            if let Ok(dir) = self.env.current_dir() {
                return Ok(Some(dir.join(path)));
            }
        }
        Ok(Some(path))
    }

    /// Returns `use_unified_repo_api_key`, false when unset.
    pub fn unified_flag(&self) -> Result<bool, Error> {
        let field = Field::UseUnifiedRepoApiKey;
        let Some(found) = self.lookup(field, field.key())? else {
            return Ok(false);
        };
        parse_flag(found.value.expose()).ok_or(Error::InvalidFlag {
            name: field.key(),
            origin: found.origin,
        })
    }
}

/// Parses a boolean as pydantic does: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`,
/// `t`/`f`, `y`/`n`, in any case.
fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_parsing() {
        for text in ["true", "True", "1", "yes", "on", "t", "Y"] {
            assert_eq!(parse_flag(text), Some(true), "{text}");
        }
        for text in ["false", "FALSE", "0", "no", "off", "f", "n"] {
            assert_eq!(parse_flag(text), Some(false), "{text}");
        }
        assert_eq!(parse_flag("2"), None);
        assert_eq!(parse_flag(""), None);
    }
}
