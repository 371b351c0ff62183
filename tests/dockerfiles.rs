//! Checks the Dockerfiles and the Dockerfile snippets in the docs for what keeps the key out
//! of the image and the binary where builder stages copy it from.
//!
//! No Docker engine runs in the test suite, so these tests read the files instead of
//! building them.

#[path = "dockerfiles/parse.rs"]
mod parse;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use parse::{Dockerfile, Instruction, Stage, code_blocks};

/// Where the image puts the binary, and where users copy it from.
const BINARY_PATH: &str = "/conda-credential-helper";

const API_KEY_VAR: &str = "ANACONDA_AUTH_API_KEY";

const LEGACY_API_KEY_VAR: &str = "ANACONDA_CLOUD_API_KEY";

const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Upper-case words that mark a build argument or variable as a credential.
const CREDENTIAL_WORDS: [&str; 5] = [
    API_KEY_VAR,
    LEGACY_API_KEY_VAR,
    "API_KEY",
    "TOKEN",
    "SECRET",
];

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn image() -> Dockerfile {
    Dockerfile::parse(&read("Dockerfile"))
}

fn example() -> Dockerfile {
    Dockerfile::parse(&read("examples/Dockerfile"))
}

/// Returns every Dockerfile and Dockerfile snippet that users read, with its origin.
fn all_dockerfiles() -> Vec<(String, Dockerfile)> {
    let mut all = vec![
        ("Dockerfile".to_owned(), image()),
        ("examples/Dockerfile".to_owned(), example()),
    ];
    for document in ["README.md", "docs/ci.md"] {
        for (index, block) in code_blocks(&read(document), "dockerfile")
            .iter()
            .enumerate()
        {
            all.push((
                format!("{document} block {}", index + 1),
                Dockerfile::parse(block),
            ));
        }
    }
    all
}

/// Returns the file part of an origin from [`all_dockerfiles`], such as `README.md` for
/// `README.md block 2`.
fn file_of(origin: &str) -> &str {
    origin.split(" block ").next().unwrap_or(origin)
}

/// Returns the one instruction of `stage` with `keyword` whose arguments contain `needle`.
#[track_caller]
fn find<'a>(stage: &'a Stage, keyword: &str, needle: &str) -> &'a Instruction {
    let found: Vec<_> = stage
        .all(keyword)
        .into_iter()
        .filter(|instruction| instruction.arguments.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "one {keyword} with `{needle}`: {found:?}");
    found[0]
}

/// Returns the value of `ARG name=value`, or `None` for an `ARG` without a default.
fn arg_default<'a>(
    instructions: impl IntoIterator<Item = &'a Instruction>,
    name: &str,
) -> Option<String> {
    instructions
        .into_iter()
        .filter(|instruction| instruction.keyword == "ARG")
        .find_map(|instruction| {
            let (arg, value) = instruction.arguments.split_once('=')?;
            (arg == name).then(|| value.to_owned())
        })
}

#[test]
fn image_final_stage_is_scratch() {
    let image = image();

    assert_eq!(image.final_stage().base, "scratch");
}

#[test]
fn image_puts_binary_at_its_path() {
    let image = image();
    let build = image.stage("build").expect("a stage called build");
    let final_stage = image.final_stage();

    let copy = find(final_stage, "COPY", BINARY_PATH);
    assert_eq!(copy.flag_values("from"), ["build"], "COPY --from");
    assert_eq!(
        copy.words(),
        [BINARY_PATH, BINARY_PATH],
        "COPY source and destination"
    );
    let build_run = find(build, "RUN", "scripts/build-static");
    assert!(
        build_run.arguments.ends_with(&format!(" {BINARY_PATH}")),
        "the build stage must leave the binary at {BINARY_PATH}: {}",
        build_run.arguments
    );
    let entrypoint = find(final_stage, "ENTRYPOINT", BINARY_PATH);
    assert_eq!(entrypoint.arguments, format!("[\"{BINARY_PATH}\"]"));
}

#[test]
fn image_builds_musl_target_statically() {
    let image = image();
    let build = image.stage("build").expect("a stage called build");

    find(
        build,
        "RUN",
        "apt-get install --yes --no-install-recommends musl-tools",
    );
    find(build, "RUN", &format!("rustup target add {MUSL_TARGET}"));
    find(build, "RUN", &format!("scripts/build-static {MUSL_TARGET}"));
}

#[test]
fn image_labels_source_and_version() {
    let image = image();
    let final_stage = image.final_stage();

    let label = find(final_stage, "LABEL", "org.opencontainers.image.version");
    assert!(
        label
            .arguments
            .contains("org.opencontainers.image.version=\"${VERSION}\""),
        "{}",
        label.arguments
    );
    assert!(
        label
            .arguments
            .contains("org.opencontainers.image.source=\"${SOURCE_URL}\""),
        "{}",
        label.arguments
    );
    let version = arg_default(&final_stage.instructions, "VERSION");
    assert_eq!(
        version.as_deref(),
        Some(VERSION),
        "ARG VERSION must match Cargo.toml"
    );
}

#[test]
fn dockerignore_excludes_env_files() {
    for file in [".dockerignore", "examples/.dockerignore"] {
        let patterns: Vec<String> = read(file).lines().map(str::to_owned).collect();

        assert!(
            patterns.contains(&".env".to_owned()),
            "{file}: {patterns:?}"
        );
        assert!(
            patterns.contains(&"**/.env".to_owned()),
            "{file}: {patterns:?}"
        );
    }
    let top: Vec<String> = read(".dockerignore").lines().map(str::to_owned).collect();
    assert!(top.contains(&"target/".to_owned()), "{top:?}");
}

#[test]
fn example_copies_binary_from_image_path() {
    let example = example();
    let image = image();
    let image_path = find(image.final_stage(), "COPY", BINARY_PATH).words()[1];
    let helper = example.stage("helper").expect("a stage called helper");
    let builder = example.stage("builder").expect("a stage called builder");

    assert_eq!(helper.base, "${HELPER_IMAGE}");
    let default = arg_default(&example.global, "HELPER_IMAGE");
    assert_eq!(default.as_deref(), Some("conda-credential-helper"));
    let copy = find(builder, "COPY", "conda-credential-helper");
    assert_eq!(copy.flag_values("from"), ["helper"], "COPY --from");
    assert_eq!(copy.words(), [image_path, "/usr/local/bin/"]);
}

#[test]
fn example_installs_plugin_before_env_create() {
    let example = example();
    let builder = example.stage("builder").expect("a stage called builder");
    let position = |wanted: &Instruction| {
        builder
            .instructions
            .iter()
            .position(|instruction| instruction.line == wanted.line)
            .unwrap()
    };

    let copy = find(builder, "COPY", "conda-credential-helper");
    let install = find(builder, "RUN", "conda-credential-helper install");
    let create = find(builder, "RUN", "conda env create");
    assert!(position(copy) < position(install), "COPY before install");
    assert!(
        position(install) < position(create),
        "install before conda env create"
    );
    assert_eq!(install.arguments, "conda-credential-helper install");
    assert_eq!(install.secret_mounts().len(), 0, "install needs no secret");
}

#[test]
fn example_mounts_secret_on_env_create() {
    let example = example();
    let builder = example.stage("builder").expect("a stage called builder");

    let create = find(builder, "RUN", "conda env create");
    let mounts = create.secret_mounts();
    assert_eq!(mounts.len(), 1, "{create:?}");
    let mount = &mounts[0];
    assert_eq!(mount.get("id").map(String::as_str), Some(API_KEY_VAR));
    assert_eq!(mount.get("required").map(String::as_str), Some("true"));
    // The helper looks in /run/secrets, the default target. An `env=` mount would hand the
    // key to every process of the step.
    assert_eq!(mount.get("target"), None);
    assert_eq!(mount.get("dst"), None);
    assert_eq!(mount.get("env"), None);
    assert!(
        create.arguments.contains("--prefix /env"),
        "{}",
        create.arguments
    );
    assert!(
        create.arguments.contains("--file environment.yml"),
        "{}",
        create.arguments
    );
}

#[test]
fn example_runtime_stage_is_debian_slim() {
    let example = example();
    let runtime = example.final_stage();

    assert!(runtime.base.starts_with("debian:"), "{}", runtime.base);
    assert!(runtime.base.ends_with("-slim"), "{}", runtime.base);
    let copies = runtime.all("COPY");
    assert_eq!(
        copies.len(),
        1,
        "the runtime stage copies only /env: {copies:?}"
    );
    assert_eq!(copies[0].flag_values("from"), ["builder"]);
    assert_eq!(copies[0].words(), ["/env", "/env"]);
}

#[test]
fn example_environment_uses_private_channels() {
    let example = example();
    let builder = example.stage("builder").expect("a stage called builder");
    let environment = read("examples/environment.yml");

    find(builder, "COPY", "environment.yml");
    assert!(
        environment.contains("  - https://repo.anaconda.cloud/repo/main\n"),
        "{environment}"
    );
    // conda 26.7 requests `nodefaults` from conda.anaconda.org in `conda env create`.
    assert!(!environment.contains("- nodefaults"), "{environment}");
    let defaults = find(builder, "ENV", "CONDA_DEFAULT_CHANNELS");
    assert_eq!(
        defaults.arguments,
        "CONDA_DEFAULT_CHANNELS=https://repo.anaconda.cloud/repo/main"
    );
}

#[test]
fn no_arg_or_env_holds_key() {
    for (origin, dockerfile) in all_dockerfiles() {
        for instruction in dockerfile.instructions() {
            if instruction.keyword != "ARG" && instruction.keyword != "ENV" {
                continue;
            }
            let upper = instruction.arguments.to_ascii_uppercase();
            for word in CREDENTIAL_WORDS {
                assert!(
                    !upper.contains(word),
                    "{origin} line {}: {} {} must not carry a credential; mount it as a secret",
                    instruction.line,
                    instruction.keyword,
                    instruction.arguments
                );
            }
        }
    }
}

#[test]
fn secret_mounts_name_the_key() {
    let mut files_with_mounts = BTreeSet::new();
    for (origin, dockerfile) in all_dockerfiles() {
        for instruction in dockerfile.instructions() {
            for mount in instruction.secret_mounts() {
                files_with_mounts.insert(file_of(&origin).to_owned());
                assert_eq!(
                    mount.get("id").map(String::as_str),
                    Some(API_KEY_VAR),
                    "{origin} line {}",
                    instruction.line
                );
            }
        }
    }
    // Every file with a Dockerfile for users mounts the key at least once, so the check
    // above cannot pass on zero mounts.
    assert_eq!(
        files_with_mounts,
        BTreeSet::from(["README.md", "docs/ci.md", "examples/Dockerfile"].map(String::from)),
        "files with secret mounts"
    );
}

#[test]
fn snippets_copy_binary_from_image_path() {
    let mut files_with_copies = BTreeSet::new();
    for (origin, dockerfile) in all_dockerfiles() {
        for instruction in dockerfile.instructions() {
            let words = instruction.words();
            if instruction.keyword != "COPY" || words.last() != Some(&"/usr/local/bin/") {
                continue;
            }
            files_with_copies.insert(file_of(&origin).to_owned());
            assert_eq!(words[0], BINARY_PATH, "{origin} line {}", instruction.line);
        }
    }
    assert_eq!(
        files_with_copies,
        BTreeSet::from(["README.md", "examples/Dockerfile"].map(String::from)),
        "files that copy the binary into /usr/local/bin/"
    );
}

#[test]
fn docs_pass_key_only_as_secret() {
    let ci = read("docs/ci.md");

    assert!(
        ci.contains(&format!("--secret id={API_KEY_VAR} ")),
        "environment form"
    );
    assert!(
        ci.contains(&format!("--secret id={API_KEY_VAR},src=")),
        "file form"
    );
    for document in ["README.md", "docs/ci.md"] {
        for line in read(document).lines() {
            let passes_build_arg = line.contains("--build-arg") || line.contains("build-args:");
            let names_key = CREDENTIAL_WORDS.iter().any(|word| line.contains(word));
            assert!(
                !(passes_build_arg && names_key),
                "{document}: a build argument carries the key: {line}"
            );
        }
    }
}
