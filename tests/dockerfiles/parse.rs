//! Splits Dockerfiles into instructions and stages, as far as the Dockerfile checks need.

use std::collections::BTreeMap;

/// One instruction, with its continuation lines joined.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// The line the instruction starts on, counted from 1.
    pub line: usize,
    /// The instruction keyword in upper case, such as `RUN`.
    pub keyword: String,
    /// The `--name=value` flags before the arguments, in order.
    pub flags: Vec<(String, String)>,
    /// Everything after the flags, such as the shell command of a `RUN`.
    pub arguments: String,
}

impl Instruction {
    /// Returns the values of every flag called `name`.
    pub fn flag_values(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(flag, _)| flag == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Returns the options of each `--mount=type=secret,...` flag.
    pub fn secret_mounts(&self) -> Vec<BTreeMap<String, String>> {
        self.flag_values("mount")
            .into_iter()
            .map(mount_options)
            .filter(|options| options.get("type").map(String::as_str) == Some("secret"))
            .collect()
    }

    /// Returns the arguments split on whitespace.
    pub fn words(&self) -> Vec<&str> {
        self.arguments.split_whitespace().collect()
    }
}

/// A build stage: its `FROM` line and the instructions up to the next one.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The base image, such as `scratch` or `${HELPER_IMAGE}`.
    pub base: String,
    /// The name after `AS`, if any.
    pub name: Option<String>,
    /// The instructions after `FROM`.
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// Returns the instructions with `keyword`.
    pub fn all(&self, keyword: &str) -> Vec<&Instruction> {
        self.instructions
            .iter()
            .filter(|instruction| instruction.keyword == keyword)
            .collect()
    }
}

/// A parsed Dockerfile: the global `ARG`s before the first `FROM`, and the stages.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// The instructions before the first `FROM`.
    pub global: Vec<Instruction>,
    /// The stages in file order.
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// Parses `text`, dropping comment lines and joining lines that end with `\`.
    pub fn parse(text: &str) -> Dockerfile {
        let mut dockerfile = Dockerfile {
            global: Vec::new(),
            stages: Vec::new(),
        };
        for instruction in instructions(text) {
            if instruction.keyword == "FROM" {
                dockerfile.stages.push(stage_from(&instruction));
            } else if let Some(stage) = dockerfile.stages.last_mut() {
                stage.instructions.push(instruction);
            } else {
                dockerfile.global.push(instruction);
            }
        }
        dockerfile
    }

    /// Returns every instruction, the global ones first.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        let staged = self.stages.iter().flat_map(|stage| &stage.instructions);
        self.global.iter().chain(staged)
    }

    /// Returns the stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|stage| stage.name.as_deref() == Some(name))
    }

    /// Returns the last stage, the one that `docker build` outputs.
    pub fn final_stage(&self) -> &Stage {
        self.stages.last().expect("a Dockerfile with a FROM line")
    }
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut instructions = Vec::new();
    let mut pending: Option<(usize, String)> = None;

    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_none()) {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        match trimmed.strip_suffix('\\') {
            Some(continued) => {
                joined.push_str(continued);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(trimmed);
                instructions.push(instruction(start, &joined));
            }
        }
    }
    if let Some((start, joined)) = pending {
        instructions.push(instruction(start, &joined));
    }
    instructions
}

fn instruction(line: usize, text: &str) -> Instruction {
    let (keyword, mut rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let mut flags = Vec::new();
    loop {
        rest = rest.trim_start();
        let Some(flag) = rest.strip_prefix("--") else {
            break;
        };
        let end = flag_end(flag);
        let (name, value) = flag[..end].split_once('=').unwrap_or((&flag[..end], ""));
        flags.push((name.to_owned(), value.to_owned()));
        rest = &flag[end..];
    }
    Instruction {
        line,
        keyword: keyword.to_ascii_uppercase(),
        flags,
        arguments: rest.trim().to_owned(),
    }
}

/// Returns where the flag at the start of `text` ends: at whitespace, except inside a
/// `<placeholder>` such as `--from=<our image>` in the docs.
fn flag_end(text: &str) -> usize {
    let mut in_placeholder = false;
    for (index, character) in text.char_indices() {
        match character {
            '<' => in_placeholder = true,
            '>' => in_placeholder = false,
            _ if character.is_whitespace() && !in_placeholder => return index,
            _ => {}
        }
    }
    text.len()
}

fn stage_from(from: &Instruction) -> Stage {
    let words = from.words();
    let name = match words.as_slice() {
        [_, alias, name] if alias.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
        _ => None,
    };
    Stage {
        base: words.first().copied().unwrap_or_default().to_owned(),
        name,
        instructions: Vec::new(),
    }
}

/// Splits `type=secret,id=NAME,required=true` into its options. A bare word counts as
/// `word=true`.
fn mount_options(value: &str) -> BTreeMap<String, String> {
    value
        .split(',')
        .map(|option| match option.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (option.to_owned(), "true".to_owned()),
        })
        .collect()
}

/// Returns the content of every fenced code block in `markdown` whose info string is
/// `language`.
pub fn code_blocks(markdown: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let trimmed = line.trim();
        match current.as_mut() {
            Some(block) if trimmed.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None if trimmed == format!("```{language}") => current = Some(String::new()),
            None => {}
        }
    }
    blocks
}
