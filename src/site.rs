//! Selection of the anaconda-auth site whose `[sites.<name>]` table applies.
//!
//! anaconda-auth picks the site named by `ANACONDA_AUTH_SITE`. Without it, it picks the
//! site whose domain is `ANACONDA_AUTH_DOMAIN`, or none when no site has that domain.
//! Without either, it picks `default_site` (which `ANACONDA_DEFAULT_SITE` overrides), a
//! site's name or domain, else the first site in the file. Each variable is read from the
//! environment, the secrets directory and `.env`, like every setting.

use crate::anaconda_config::{self, AnacondaConfig, DEFAULT_DOMAIN, Site};
use crate::env::Environment;
use crate::error::Error;
use crate::source::{self, Found, Origin, Setting};
use crate::vars::{DEFAULT_SITE_VAR, DOMAIN_VAR, SITE_VAR};

/// Returns the site whose settings apply, or `None` when no site does.
pub fn select<'c>(
    env: &dyn Environment,
    config: &'c AnacondaConfig,
) -> Result<Option<&'c Site>, Error> {
    // The places searched for these names are not listed in messages about a missing
    // key, so they go to a list of their own.
    let mut searched = Vec::new();

    let site = Setting {
        name: SITE_VAR,
        noun: "site name",
    };
    if let Some(found) = source::lookup(env, site, &mut searched)? {
        let (name, origin) = text_of(found);
        return match config.site(&name) {
            Some(site) => Ok(Some(site)),
            None => Err(unknown_site(config, name, origin)),
        };
    }

    let domain = Setting {
        name: DOMAIN_VAR,
        noun: "domain",
    };
    if let Some(found) = source::lookup(env, domain, &mut searched)? {
        let (text, origin) = text_of(found);
        let Some(domain) = anaconda_config::normalize_domain(&text) else {
            return Err(Error::InvalidDomain { origin });
        };
        return match config.sites_with_domain(&domain).as_slice() {
            [] => Ok(None),
            [site] => Ok(Some(site)),
            several => Err(ambiguous(config, domain, origin, several)),
        };
    }

    let default = Setting {
        name: DEFAULT_SITE_VAR,
        noun: "default site",
    };
    let requested = match source::lookup(env, default, &mut searched)? {
        Some(found) => Some(text_of(found)),
        None => config.default_site.as_ref().map(|(name, line)| {
            let origin = Origin::ConfigFile {
                path: config.path.clone(),
                line: *line,
                key: "default_site".to_owned(),
            };
            (name.clone(), origin)
        }),
    };
    match requested {
        Some((name, origin)) => find_at(config, name, origin),
        None => Ok(config.sites.first()),
    }
}

/// Finds a site by name, else by domain, as anaconda-auth reads `default_site`.
fn find_at(config: &AnacondaConfig, name: String, origin: Origin) -> Result<Option<&Site>, Error> {
    if let Some(site) = config.site(&name) {
        return Ok(Some(site));
    }
    match config.sites_with_domain(&name).as_slice() {
        [site] => Ok(Some(site)),
        [] if name == DEFAULT_DOMAIN => Ok(None),
        [] => Err(unknown_site(config, name, origin)),
        several => Err(ambiguous(config, name, origin, several)),
    }
}

fn text_of(found: Found) -> (String, Origin) {
    (found.value.expose().trim().to_owned(), found.origin)
}

fn unknown_site(config: &AnacondaConfig, name: String, origin: Origin) -> Error {
    Error::UnknownSite {
        name,
        origin: Box::new(origin),
        config: config.path.clone(),
        known: config.site_names(),
    }
}

fn ambiguous(config: &AnacondaConfig, domain: String, origin: Origin, sites: &[&Site]) -> Error {
    let names: Vec<&str> = sites.iter().map(|site| site.name.as_str()).collect();
    Error::AmbiguousDomain {
        domain,
        origin: Box::new(origin),
        config: config.path.clone(),
        sites: names.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::env::MapEnv;
    use crate::vars::SECRETS_DIR_VAR;

    const CONFIG: &str = "[sites.first]\ndomain = \"first.example\"\n\
                          [sites.second]\ndomain = \"https://second.example/\"\n\
                          [sites.third]\ndomain = \"second.example\"\n";

    fn config(text: &str) -> AnacondaConfig {
        anaconda_config::parse(text, PathBuf::from("/home/u/.anaconda/config.toml")).unwrap()
    }

    fn env() -> MapEnv {
        MapEnv::new().with_var(SECRETS_DIR_VAR, "/nonexistent-secrets-dir")
    }

    fn selected(env: &MapEnv, text: &str) -> Option<String> {
        let config = config(text);
        let site = select(env, &config).expect("a selection");
        site.map(|site| site.name.clone())
    }

    #[test]
    fn first_site_by_default() {
        assert_eq!(selected(&env(), CONFIG).as_deref(), Some("first"));
    }

    #[test]
    fn no_sites_selects_none() {
        assert_eq!(selected(&env(), "[plugin.auth]\n"), None);
    }

    #[test]
    fn site_variable_wins() {
        let env = env()
            .with_var(SITE_VAR, "third")
            .with_var(DOMAIN_VAR, "first.example");
        assert_eq!(selected(&env, CONFIG).as_deref(), Some("third"));
    }

    #[test]
    fn unknown_site_is_error() {
        let config = config(CONFIG);
        let env = env().with_var(SITE_VAR, "fourth");
        let message = select(&env, &config).unwrap_err().to_string();
        assert_eq!(
            message,
            "site fourth from environment variable ANACONDA_AUTH_SITE is not in \
             /home/u/.anaconda/config.toml, whose sites are: first, second, third. \
             Add a [sites.fourth] table there, or name one of those sites"
        );
    }

    #[test]
    fn domain_selects_its_site() {
        let env = env().with_var(DOMAIN_VAR, "https://first.example/path");
        assert_eq!(selected(&env, CONFIG).as_deref(), Some("first"));
    }

    #[test]
    fn unknown_domain_selects_none() {
        let env = env().with_var(DOMAIN_VAR, "other.example");
        assert_eq!(selected(&env, CONFIG), None);
    }

    #[test]
    fn domain_of_several_sites_is_error() {
        let config = config(CONFIG);
        let env = env().with_var(DOMAIN_VAR, "second.example");
        let error = select(&env, &config).unwrap_err();
        let Error::AmbiguousDomain { sites, .. } = &error else {
            panic!("expected an ambiguous domain, got {error:?}");
        };
        assert_eq!(sites, "second, third");
    }

    #[test]
    fn invalid_domain_is_error() {
        let config = config(CONFIG);
        let env = env().with_var(DOMAIN_VAR, "https://");
        let error = select(&env, &config).unwrap_err();
        assert!(matches!(error, Error::InvalidDomain { .. }), "{error:?}");
    }

    #[test]
    fn default_site_by_name_or_domain() {
        let text = format!("default_site = \"second\"\n{CONFIG}");
        assert_eq!(selected(&env(), &text).as_deref(), Some("second"));
        let text = format!("default_site = \"first.example\"\n{CONFIG}");
        assert_eq!(selected(&env(), &text).as_deref(), Some("first"));
    }

    #[test]
    fn default_site_variable_overrides_key() {
        let text = format!("default_site = \"second\"\n{CONFIG}");
        let env = env().with_var(DEFAULT_SITE_VAR, "third");
        assert_eq!(selected(&env, &text).as_deref(), Some("third"));
    }

    #[test]
    fn default_site_anaconda_com_without_match_selects_none() {
        let text = format!("default_site = \"anaconda.com\"\n{CONFIG}");
        assert_eq!(selected(&env(), &text), None);
    }

    #[test]
    fn unknown_default_site_names_line() {
        let config = config(&format!("default_site = \"nowhere\"\n{CONFIG}"));
        let message = select(&env(), &config).unwrap_err().to_string();
        assert!(
            message.starts_with(
                "site nowhere from default_site in /home/u/.anaconda/config.toml (line 1) is not in"
            ),
            "{message}"
        );
    }
}
