//! Expansion of `${NAME}` and `${NAME:-default}` in dotenv values, as python-dotenv does.
//!
//! pydantic-settings reads `.env` with python-dotenv's `dotenv_values`, whose default
//! `interpolate=True` expands every value, quoted or not, in file order (python-dotenv
//! 1.2.2, `resolve_variables` in `main.py` and `variables.py`). A reference is
//! `${`, a name of any characters but `}` and `:`, an optional `:-default` of any
//! characters but `}`, then `}`. Anything else, such as `$NAME` without braces or
//! `${NAME:default}`, stays as written. A name resolves to the earlier entry of the same
//! file, else the environment variable, else the default, else the empty string. A name
//! that is set to the empty string resolves to the empty string, not to the default.

use std::collections::HashMap;

use crate::env::Environment;

/// Values of the entries read so far, by exact name, which win over the environment.
#[derive(Default)]
pub struct Entries {
    values: HashMap<String, String>,
}

impl Entries {
    /// Records the expanded `value` of `name`, replacing an earlier one.
    pub fn insert(&mut self, name: &str, value: String) {
        self.values.insert(name.to_owned(), value);
    }

    /// Returns `value` with every reference replaced by its value from these entries or
    /// from `env`.
    pub fn expand(&self, value: &str, env: &dyn Environment) -> String {
        let mut expanded = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            expanded.push_str(&rest[..start]);
            match parse_reference(&rest[start + 2..]) {
                Some((reference, length)) => {
                    expanded.push_str(&self.resolve(&reference, env));
                    rest = &rest[start + 2 + length..];
                }
                None => {
                    expanded.push('$');
                    rest = &rest[start + 1..];
                }
            }
        }
        expanded.push_str(rest);
        expanded
    }

    fn resolve(&self, reference: &Reference<'_>, env: &dyn Environment) -> String {
        if let Some(value) = self.values.get(reference.name) {
            return value.clone();
        }
        if let Some(value) = environment_value(reference.name, env) {
            return value;
        }
        reference.default.unwrap_or_default().to_owned()
    }
}

/// A `${name}` or `${name:-default}` reference.
#[derive(Debug, PartialEq, Eq)]
struct Reference<'a> {
    name: &'a str,
    default: Option<&'a str>,
}

/// Parses a reference from the text after `${`, returning it and the length it covers up
/// to and including its `}`, or `None` when the text does not form one.
fn parse_reference(text: &str) -> Option<(Reference<'_>, usize)> {
    let name_end = text.find(['}', ':'])?;
    let name = &text[..name_end];
    let after_name = &text[name_end..];
    if after_name.starts_with('}') {
        let reference = Reference {
            name,
            default: None,
        };
        return Some((reference, name_end + 1));
    }

    let default_text = after_name.strip_prefix(":-")?;
    let default_end = default_text.find('}')?;
    let reference = Reference {
        name,
        default: Some(&default_text[..default_end]),
    };
    Some((reference, name_end + 2 + default_end + 1))
}

/// Returns the environment variable `name`, with bytes that are not UTF-8 replaced by
/// U+FFFD rather than failing the lookup.
fn environment_value(name: &str, env: &dyn Environment) -> Option<String> {
    // No environment variable can have such a name, and the process lookup rejects it.
    if name.is_empty() || name.contains(['=', '\0']) {
        return None;
    }
    env.var(name)
        .map(|value| value.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    fn expand(value: &str, entries: &[(&str, &str)], env: &MapEnv) -> String {
        let mut known = Entries::default();
        for (name, entry) in entries {
            known.insert(name, (*entry).to_owned());
        }
        known.expand(value, env)
    }

    #[test]
    fn braced_name_from_environment() {
        let env = MapEnv::new().with_var("KEY", "secret-1234");

        assert_eq!(expand("${KEY}", &[], &env), "secret-1234");
        assert_eq!(expand("a${KEY}b", &[], &env), "asecret-1234b");
        assert_eq!(expand("${KEY}${KEY}", &[], &env), "secret-1234secret-1234");
    }

    #[test]
    fn earlier_entry_wins_over_environment() {
        let env = MapEnv::new().with_var("KEY", "from-env");

        assert_eq!(expand("${KEY}", &[("KEY", "from-file")], &env), "from-file");
    }

    #[test]
    fn names_are_case_sensitive() {
        let env = MapEnv::new().with_var("KEY", "from-env");

        assert_eq!(expand("${key}", &[], &env), "");
        assert_eq!(expand("${Key}", &[("KEY", "x")], &env), "");
    }

    #[test]
    fn unset_name_becomes_empty() {
        assert_eq!(expand("a${MISSING}b", &[], &MapEnv::new()), "ab");
    }

    #[test]
    fn default_applies_only_when_unset() {
        let env = MapEnv::new().with_var("SET", "value").with_var("EMPTY", "");

        assert_eq!(expand("${MISSING:-fallback}", &[], &env), "fallback");
        assert_eq!(expand("${SET:-fallback}", &[], &env), "value");
        assert_eq!(expand("${EMPTY:-fallback}", &[], &env), "");
        assert_eq!(expand("${MISSING:-}", &[], &env), "");
        assert_eq!(expand("${MISSING:-a:b-c$d{e}", &[], &env), "a:b-c$d{e");
    }

    #[test]
    fn references_that_stay_as_written() {
        let env = MapEnv::new().with_var("KEY", "value");

        for text in [
            "$KEY",
            "$",
            "${",
            "${KEY",
            "${KEY:fallback}",
            "${KEY:=fallback}",
            "$(KEY)",
            "{KEY}",
        ] {
            assert_eq!(expand(text, &[], &env), text, "text {text:?}");
        }
    }

    #[test]
    fn shell_default_forms_are_names() {
        let env = MapEnv::new().with_var("KEY", "value");

        // The name runs up to `}` or `:`, so `-fallback` is part of an unset name.
        assert_eq!(expand("${KEY-fallback}", &[], &env), "");
        assert_eq!(expand("${KEY+x}", &[], &env), "");
    }

    #[test]
    fn default_ends_at_first_brace() {
        let env = MapEnv::new().with_var("INNER", "inner");

        assert_eq!(expand("${MISSING:-${INNER}}", &[], &env), "${INNER}");
    }

    #[test]
    fn dollar_before_reference_stays() {
        let env = MapEnv::new().with_var("KEY", "value");

        assert_eq!(expand("$${KEY}", &[], &env), "$value");
        assert_eq!(expand("${${KEY}", &[], &env), "");
    }

    #[test]
    fn empty_and_invalid_names_resolve_to_default() {
        let env = MapEnv::new();

        assert_eq!(expand("${}", &[], &env), "");
        assert_eq!(expand("${:-d}", &[], &env), "d");
        assert_eq!(expand("${A=B:-d}", &[], &env), "d");
    }

    #[test]
    fn parse_reference_lengths() {
        let parsed = parse_reference("NAME}rest").unwrap();
        assert_eq!(
            parsed,
            (
                Reference {
                    name: "NAME",
                    default: None
                },
                5
            )
        );
        let parsed = parse_reference("NAME:-dflt}rest").unwrap();
        assert_eq!(parsed.0.default, Some("dflt"));
        assert_eq!(parsed.1, 11);
        assert_eq!(parse_reference("NAME"), None);
    }
}
