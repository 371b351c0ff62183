//! Expansion of `~` and `$VAR` in paths, as Python's `os.path.expanduser` and
//! `os.path.expandvars` do for the paths anaconda-auth reads.

use std::path::PathBuf;

use crate::env::Environment;
use crate::vars::HOME_VAR;

/// Returns the home directory from `HOME`, or `None` when it is unset or empty.
///
/// NOTE: Python falls back to the password database when `HOME` is unset; the helper
/// does not.
pub fn home(env: &dyn Environment) -> Option<PathBuf> {
    env.non_empty_var(HOME_VAR).map(PathBuf::from)
}

/// Expands `$NAME` and `${NAME}` from the environment, then a leading `~` or `~/`.
///
/// An unset variable stays as written, as in Python. `~user` is not expanded. Returns
/// `None` when the path starts with `~` and `HOME` is unset.
pub fn path(text: &str, env: &dyn Environment) -> Option<PathBuf> {
    let expanded = variables(text, env);
    if expanded == "~" {
        return home(env);
    }
    match expanded.strip_prefix("~/") {
        Some(rest) => home(env).map(|home| home.join(rest)),
        None => Some(PathBuf::from(expanded)),
    }
}

/// Replaces `$NAME` and `${NAME}` with the variable's value, where NAME is made of ASCII
/// letters, digits and `_`. Unset variables and a lone `$` stay as written.
pub fn variables(text: &str, env: &dyn Environment) -> String {
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        expanded.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, consumed) = variable_name(after);
        let value = name.and_then(|name| env.var(name));
        match value {
            Some(value) => expanded.push_str(&value.to_string_lossy()),
            None => expanded.push_str(&rest[dollar..dollar + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    expanded.push_str(rest);
    expanded
}

/// Returns the variable name at the start of `text` (after `$`) and the bytes it spans,
/// braces included.
fn variable_name(text: &str) -> (Option<&str>, usize) {
    let is_name = |character: char| character.is_ascii_alphanumeric() || character == '_';
    if let Some(inner) = text.strip_prefix('{') {
        return match inner.find('}') {
            Some(end) if end > 0 && inner[..end].chars().all(is_name) => {
                (Some(&inner[..end]), end + 2)
            }
            _ => (None, 0),
        };
    }
    let end = text
        .find(|character| !is_name(character))
        .unwrap_or(text.len());
    if end == 0 {
        (None, 0)
    } else {
        (Some(&text[..end]), end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    fn env() -> MapEnv {
        MapEnv::new()
            .with_var("HOME", "/home/user")
            .with_var("DIR", "/data")
            .with_var("EMPTY", "")
    }

    #[test]
    fn variables_are_expanded() {
        let env = env();
        assert_eq!(variables("$DIR/keyring", &env), "/data/keyring");
        assert_eq!(variables("${DIR}x", &env), "/datax");
        assert_eq!(variables("a$EMPTY-b", &env), "a-b");
    }

    #[test]
    fn unknown_and_malformed_stay() {
        let env = env();
        assert_eq!(variables("$MISSING/x", &env), "$MISSING/x");
        assert_eq!(variables("${MISSING}", &env), "${MISSING}");
        assert_eq!(variables("cost $ 5", &env), "cost $ 5");
        assert_eq!(variables("${unclosed", &env), "${unclosed");
        assert_eq!(variables("end$", &env), "end$");
    }

    #[test]
    fn tilde_is_home() {
        let env = env();
        assert_eq!(path("~", &env), Some(PathBuf::from("/home/user")));
        let keyring = path("~/.anaconda/keyring", &env);
        assert_eq!(keyring, Some(PathBuf::from("/home/user/.anaconda/keyring")));
        assert_eq!(path("~other/x", &env), Some(PathBuf::from("~other/x")));
        assert_eq!(path("/abs/~", &env), Some(PathBuf::from("/abs/~")));
    }

    #[test]
    fn tilde_without_home_is_none() {
        assert_eq!(path("~/x", &MapEnv::new()), None);
        assert_eq!(path("/x", &MapEnv::new()), Some(PathBuf::from("/x")));
    }
}
