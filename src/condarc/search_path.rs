//! The condarc files conda reads, in the order conda reads them.
//!
//! The list is conda's `SEARCH_PATH` from `conda/base/constants.py` (conda 26.7, on Linux
//! and macOS). It is expanded as `Configuration._expand_search_path` in
//! `conda/common/configuration.py` does. Variables and `~` are expanded. A file counts when
//! it is named `.condarc` or `condarc` or ends in `.yml` or `.yaml`, and a folder
//! contributes its `.yml` and `.yaml` files sorted by name. A path listed twice is read
//! once, at its first place.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::env::Environment;

/// conda's search path on Linux and macOS, lowest precedence first for single values.
pub const CONDA_SEARCH_PATH: &[&str] = &[
    "/etc/conda/.condarc",
    "/etc/conda/condarc",
    "/etc/conda/condarc.d/",
    "/var/lib/conda/.condarc",
    "/var/lib/conda/condarc",
    "/var/lib/conda/condarc.d/",
    "$CONDA_ROOT/.condarc",
    "$CONDA_ROOT/condarc",
    "$CONDA_ROOT/condarc.d/",
    "$XDG_CONFIG_HOME/conda/.condarc",
    "$XDG_CONFIG_HOME/conda/condarc",
    "$XDG_CONFIG_HOME/conda/condarc.d/",
    "~/.config/conda/.condarc",
    "~/.config/conda/condarc",
    "~/.config/conda/condarc.d/",
    "~/.conda/.condarc",
    "~/.conda/condarc",
    "~/.conda/condarc.d/",
    "~/.condarc",
    "$CONDA_PREFIX/.condarc",
    "$CONDA_PREFIX/condarc",
    "$CONDA_PREFIX/condarc.d/",
    "$CONDARC",
];

/// Names a file has to have to be read, unless it ends in `.yml` or `.yaml`.
const CONDARC_NAMES: [&str; 2] = [".condarc", "condarc"];

/// Values for the variables of the search path that conda sets itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchVars {
    /// conda's base environment. conda sets `CONDA_ROOT` to it unless the variable is set.
    pub conda_root: Option<PathBuf>,
    /// The target environment, which conda takes from `CONDA_PREFIX` or its arguments.
    pub conda_prefix: Option<PathBuf>,
}

/// Returns the condarc files that exist for `templates`, in conda's reading order.
///
/// `$CONDA_ROOT` and `$CONDA_PREFIX` take their values from `vars` before the environment.
/// A template whose variable is unset or empty is skipped.
pub fn condarc_files(templates: &[&str], vars: &SearchVars, env: &dyn Environment) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for template in templates {
        let Some(path) = expand(template, vars, env) else {
            continue;
        };
        for file in files_at(&path) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

/// Expands `~` at the start and one `$NAME` or `${NAME}` variable at the start.
fn expand(template: &str, vars: &SearchVars, env: &dyn Environment) -> Option<PathBuf> {
    if let Some(rest) = template.strip_prefix("~/") {
        let home = env.non_empty_var("HOME")?;
        return Some(PathBuf::from(home).join(rest));
    }
    let Some(rest) = template.strip_prefix('$') else {
        return Some(PathBuf::from(template));
    };

    let (name, tail) = match rest.split_once('/') {
        Some((name, tail)) => (name, Some(tail)),
        None => (rest, None),
    };
    let name = name.trim_start_matches('{').trim_end_matches('}');
    let value = variable(name, vars, env)?;
    let base = PathBuf::from(value);
    Some(match tail {
        Some(tail) => base.join(tail),
        None => base,
    })
}

fn variable(name: &str, vars: &SearchVars, env: &dyn Environment) -> Option<OsString> {
    let from_env = env.non_empty_var(name);
    let own = match name {
        // conda sets CONDA_ROOT only when it is unset, so a set variable wins.
        "CONDA_ROOT" => from_env.or_else(|| vars.conda_root.clone().map(Into::into)),
        "CONDA_PREFIX" => vars.conda_prefix.clone().map(Into::into).or(from_env),
        _ => from_env,
    };
    own.filter(|value| !value.is_empty())
}

/// Returns `path` when it is a condarc file, the YAML files of a folder sorted by name, or
/// nothing.
fn files_at(path: &Path) -> Vec<PathBuf> {
    let Ok(metadata) = fs::metadata(path) else {
        return Vec::new();
    };
    if metadata.is_file() {
        return if is_condarc_name(path) || has_yaml_suffix(path) {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    if !metadata.is_dir() {
        return Vec::new();
    }

    let Ok(entries) = fs::read_dir(path) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|file| has_yaml_suffix(file) && file.is_file())
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files
}

fn is_condarc_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    name.is_some_and(|name| CONDARC_NAMES.contains(&name))
}

fn has_yaml_suffix(path: &Path) -> bool {
    let extension = path.extension().and_then(|extension| extension.to_str());
    matches!(extension, Some("yml" | "yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "{}\n").unwrap();
    }

    #[test]
    fn files_follow_template_order() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("base");
        let home = temp.path().join("home");
        touch(&home.join(".condarc"));
        touch(&root.join("condarc.d/b.yml"));
        touch(&root.join("condarc.d/a.yaml"));
        touch(&root.join("condarc.d/notes.txt"));
        touch(&root.join(".condarc"));
        let env = MapEnv::new().with_var("HOME", &home);
        let vars = SearchVars {
            conda_root: Some(root.clone()),
            conda_prefix: None,
        };

        let files = condarc_files(CONDA_SEARCH_PATH, &vars, &env);

        let expected = vec![
            root.join(".condarc"),
            root.join("condarc.d/a.yaml"),
            root.join("condarc.d/b.yml"),
            home.join(".condarc"),
        ];
        assert_eq!(files, expected);
    }

    #[test]
    fn conda_root_variable_beats_base_prefix() {
        let temp = tempfile::tempdir().unwrap();
        touch(&temp.path().join("env-root/.condarc"));
        touch(&temp.path().join("base/.condarc"));
        let env = MapEnv::new().with_var("CONDA_ROOT", temp.path().join("env-root"));
        let vars = SearchVars {
            conda_root: Some(temp.path().join("base")),
            conda_prefix: None,
        };

        let files = condarc_files(&["$CONDA_ROOT/.condarc"], &vars, &env);

        assert_eq!(files, vec![temp.path().join("env-root/.condarc")]);
    }

    #[test]
    fn condarc_variable_names_a_file() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("custom.yml");
        touch(&file);
        let env = MapEnv::new().with_var("CONDARC", &file);

        let files = condarc_files(&["$CONDARC", "${CONDARC}"], &SearchVars::default(), &env);

        assert_eq!(files, vec![file], "listed once");
    }

    #[test]
    fn unset_variables_and_other_names_skipped() {
        let temp = tempfile::tempdir().unwrap();
        touch(&temp.path().join("settings.json"));
        let other = temp.path().join("settings.json");
        let templates = ["$XDG_CONFIG_HOME/conda/.condarc", "~/.condarc"];
        let env = MapEnv::new().with_var("XDG_CONFIG_HOME", "");

        assert!(condarc_files(&templates, &SearchVars::default(), &env).is_empty());
        assert!(files_at(&other).is_empty());
    }
}
