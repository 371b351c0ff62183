//! Read access to environment variables and the working directory, real or from a map.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

/// The environment that credential discovery reads.
///
/// The process implements it with [`ProcessEnv`]. Tests use [`MapEnv`], so they never
/// change the environment of the test process.
pub trait Environment {
    /// Returns the value of the variable `name`, or `None` when it is unset.
    fn var(&self, name: &str) -> Option<OsString>;

    /// Returns the working directory, which relative paths and `.env` are resolved against.
    fn current_dir(&self) -> io::Result<PathBuf>;

    /// Returns the value of `name`, or `None` when it is unset or set to the empty string.
    fn non_empty_var(&self, name: &str) -> Option<OsString> {
        self.var(name).filter(|value| !value.is_empty())
    }
}

/// The environment of the running process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        std::env::current_dir()
    }
}

/// An environment made of a map and a fixed working directory.
///
/// Its `Debug` lists variable names only, because values may be credentials.
#[derive(Clone, Default)]
pub struct MapEnv {
    vars: HashMap<String, OsString>,
    current_dir: Option<PathBuf>,
}

impl MapEnv {
    /// Creates an environment with no variables and no working directory.
    pub fn new() -> Self {
        MapEnv::default()
    }

    /// Sets the variable `name` to `value`.
    pub fn with_var(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Sets the working directory.
    pub fn with_current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }
}

impl Environment for MapEnv {
    fn var(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        self.current_dir
            .clone()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no working directory set"))
    }
}

impl std::fmt::Debug for MapEnv {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.vars.keys().collect();
        names.sort();
        formatter
            .debug_struct("MapEnv")
            .field("vars", &names)
            .field("current_dir", &self.current_dir)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_env_returns_set_variables() {
        let env = MapEnv::new().with_var("NAME", "value");
        assert_eq!(env.var("NAME"), Some(OsString::from("value")));
        assert_eq!(env.var("OTHER"), None);
    }

    #[test]
    fn empty_variable_counts_as_unset() {
        let env = MapEnv::new().with_var("EMPTY", "").with_var("SPACE", " ");
        assert_eq!(env.non_empty_var("EMPTY"), None);
        assert_eq!(env.non_empty_var("SPACE"), Some(OsString::from(" ")));
    }

    #[test]
    fn map_env_without_dir_fails() {
        assert!(MapEnv::new().current_dir().is_err());
        let env = MapEnv::new().with_current_dir("/build");
        assert_eq!(env.current_dir().unwrap(), PathBuf::from("/build"));
    }

    #[test]
    fn map_env_debug_hides_values() {
        let env = MapEnv::new().with_var("ANACONDA_AUTH_API_KEY", "sk-secret-value");
        let debug = format!("{env:?}");
        assert!(debug.contains("ANACONDA_AUTH_API_KEY"), "{debug}");
        assert!(!debug.contains("sk-secret-value"), "{debug}");
    }
}
