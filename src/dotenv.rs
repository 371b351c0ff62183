//! A small dotenv parser, enough to find one variable in a `.env` file.
//!
//! It follows the grammar of python-dotenv's `parser.py`, the parser behind
//! pydantic-settings and so anaconda-auth. It supports `#` comment lines, an optional
//! `export ` prefix and names in single quotes. Single-quoted values are
//! literal except for `\'` and `\\`, double-quoted values decode backslash escapes, and
//! quoted values may span lines. An unquoted value ends at the line end or at a `#` that
//! follows whitespace. [`find`] keeps values as written, and [`find_expanded`] also
//! expands `${NAME}` references as python-dotenv does (see the `interpolate` module).
//! A line it cannot parse becomes a [`SyntaxError`] with its line number, never its text,
//! because the text may be a credential.

mod interpolate;

use std::fmt;

use crate::env::Environment;
use crate::secret::Secret;
use interpolate::Entries;

/// One `NAME=value` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Line number, counted from 1, where the statement starts.
    pub line: usize,
    /// Variable name as written.
    pub name: String,
    /// Value after unquoting, which may be a credential.
    pub value: Secret,
}

/// A statement that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line number, counted from 1, where the statement starts.
    pub line: usize,
    /// Variable name, when the statement got that far.
    pub name: Option<String>,
    /// The syntax problem.
    pub problem: SyntaxProblem,
}

/// The reason a statement could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxProblem {
    /// The line starts with `=` or another character that cannot begin a name.
    MissingName,
    /// The name is not followed by `=`.
    MissingEquals,
    /// A quoted value has no closing quote.
    UnterminatedQuote,
    /// Something other than a comment follows the closing quote.
    TextAfterQuote,
}

impl fmt::Display for SyntaxProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            SyntaxProblem::MissingName => "the line has no variable name",
            SyntaxProblem::MissingEquals => "the variable name is not followed by `=`",
            SyntaxProblem::UnterminatedQuote => "the quoted value has no closing quote",
            SyntaxProblem::TextAfterQuote => "text follows the closing quote",
        })
    }
}

/// One parsed statement, valid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A `NAME=value` statement.
    Assignment(Assignment),
    /// A statement that could not be parsed.
    Invalid(SyntaxError),
}

/// Parses every statement of dotenv `text`, skipping blank and comment lines.
///
/// A parse error affects only its own statement: parsing resumes on the next line, as in
/// python-dotenv.
pub fn parse(text: &str) -> Vec<Statement> {
    let mut cursor = Cursor::new(text);
    let mut statements = Vec::new();
    while cursor.skip_to_statement() {
        statements.push(parse_statement(&mut cursor));
    }
    statements
}

/// Returns the last assignment to `name`, compared without regard to ASCII case.
///
/// A later assignment overrides an earlier one, as in python-dotenv. An unparsable
/// statement that names `name` is an error, because it may be the one meant to win.
pub fn find(text: &str, name: &str) -> Result<Option<Assignment>, SyntaxError> {
    let mut found = None;
    for statement in parse(text) {
        match statement {
            Statement::Assignment(assignment) if assignment.name.eq_ignore_ascii_case(name) => {
                found = Some(assignment);
            }
            Statement::Invalid(error) if is_named(&error, name) => return Err(error),
            _ => {}
        }
    }
    Ok(found)
}

/// Returns the last assignment to `name`, like [`find`], with `${NAME}` and
/// `${NAME:-default}` in every value expanded from the entries before it and from `env`.
///
/// NOTE: python-dotenv also records a line containing only a name, without `=`, as an entry
/// without value, which a later `${NAME}` expands to the empty string. Here such a line
/// is a syntax error, so `${NAME}` falls through to the environment.
pub fn find_expanded(
    text: &str,
    name: &str,
    env: &dyn Environment,
) -> Result<Option<Assignment>, SyntaxError> {
    let mut entries = Entries::default();
    let mut found = None;
    for statement in parse(text) {
        match statement {
            Statement::Assignment(assignment) => {
                let value = entries.expand(assignment.value.expose(), env);
                entries.insert(&assignment.name, value.clone());
                if assignment.name.eq_ignore_ascii_case(name) {
                    found = Some(Assignment {
                        value: Secret::new(value),
                        ..assignment
                    });
                }
            }
            Statement::Invalid(error) if is_named(&error, name) => return Err(error),
            Statement::Invalid(_) => {}
        }
    }
    Ok(found)
}

fn is_named(error: &SyntaxError, name: &str) -> bool {
    error
        .name
        .as_deref()
        .is_some_and(|found| found.eq_ignore_ascii_case(name))
}

/// Returns the name and the rest of the line when the first statement of `text` has the
/// shape `NAME=...`, where NAME is an identifier (letters, digits, underscores, not
/// starting with a digit), optionally after `export `.
pub fn leading_assignment(text: &str) -> Option<(&str, &str)> {
    let mut cursor = Cursor::new(text);
    if !cursor.skip_to_statement() {
        return None;
    }
    cursor.skip_export();
    let name = cursor.take_while(|character| character.is_ascii_alphanumeric() || character == '_');
    if name.is_empty() || name.starts_with(|character: char| character.is_ascii_digit()) {
        return None;
    }
    cursor.skip_blanks();
    if !cursor.eat('=') {
        return None;
    }
    let rest = cursor.take_while(|character| character != '\n');
    Some((name, rest.trim_end_matches('\r')))
}

fn parse_statement(cursor: &mut Cursor<'_>) -> Statement {
    let line = cursor.line;
    let invalid = |name: Option<&str>, problem| {
        let name = name.map(str::to_owned);
        Statement::Invalid(SyntaxError {
            line,
            name,
            problem,
        })
    };

    cursor.skip_export();
    let Some(name) = parse_name(cursor) else {
        cursor.skip_line();
        return invalid(None, SyntaxProblem::MissingName);
    };

    cursor.skip_blanks();
    if !cursor.eat('=') {
        cursor.skip_line();
        return invalid(Some(name), SyntaxProblem::MissingEquals);
    }
    let blanks = cursor.take_while(is_blank);

    let value = match cursor.peek() {
        Some(quote @ ('\'' | '"')) => match parse_quoted(cursor, quote) {
            Ok(value) => value,
            Err(problem) => return invalid(Some(name), problem),
        },
        // python-dotenv reads `KEY=  # note` as empty, but `KEY=#note` as `#note`.
        Some('#') if !blanks.is_empty() => {
            cursor.skip_line();
            String::new()
        }
        _ => parse_unquoted(cursor),
    };
    Statement::Assignment(Assignment {
        line,
        name: name.to_owned(),
        value: Secret::new(value),
    })
}

/// Reads a variable name: a run of characters other than whitespace, `=` and `#`, or any
/// text between single quotes. Returns `None` when there is no name.
fn parse_name<'a>(cursor: &mut Cursor<'a>) -> Option<&'a str> {
    if !cursor.eat('\'') {
        let name = cursor.take_while(|character| {
            !character.is_whitespace() && character != '=' && character != '#'
        });
        return (!name.is_empty()).then_some(name);
    }
    let name = cursor.take_while(|character| character != '\'' && character != '\n');
    (cursor.eat('\'') && !name.is_empty()).then_some(name)
}

/// Reads an unquoted value up to the end of the line, without a trailing comment.
fn parse_unquoted(cursor: &mut Cursor<'_>) -> String {
    let raw = cursor.take_while(|character| character != '\n');
    cursor.skip_line();

    let raw = raw.trim_end_matches('\r');
    let mut end = raw.len();
    let mut previous = None;
    for (index, character) in raw.char_indices() {
        if character == '#' && previous.is_some_and(char::is_whitespace) {
            end = index;
            break;
        }
        previous = Some(character);
    }
    raw[..end].trim_end().to_owned()
}

/// Reads a quoted value starting at its opening quote, then the rest of its last line.
///
/// On error the cursor moves to the line after the opening quote, so that parsing resumes
/// there.
fn parse_quoted(cursor: &mut Cursor<'_>, quote: char) -> Result<String, SyntaxProblem> {
    let start = cursor.clone();
    cursor.bump();

    let Some(value) = read_until_quote(cursor, quote) else {
        *cursor = start;
        cursor.skip_line();
        return Err(SyntaxProblem::UnterminatedQuote);
    };

    cursor.skip_blanks();
    let trailing_ok = cursor.at_line_end() || cursor.peek() == Some('#');
    cursor.skip_line();
    if trailing_ok {
        Ok(value)
    } else {
        Err(SyntaxProblem::TextAfterQuote)
    }
}

/// Reads characters up to the closing `quote` and decodes escapes; `None` at end of text.
fn read_until_quote(cursor: &mut Cursor<'_>, quote: char) -> Option<String> {
    let mut value = String::new();
    loop {
        let character = cursor.bump()?;
        if character == quote {
            return Some(value);
        }
        if character != '\\' {
            value.push(character);
            continue;
        }
        match cursor.peek().and_then(|next| unescape(quote, next)) {
            Some(decoded) => {
                cursor.bump();
                value.push(decoded);
            }
            None => value.push('\\'),
        }
    }
}

/// Returns the character that `\<next>` stands for inside `quote`, if it is an escape.
fn unescape(quote: char, next: char) -> Option<char> {
    if quote == '\'' {
        return matches!(next, '\\' | '\'').then_some(next);
    }
    match next {
        '\\' | '\'' | '"' => Some(next),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        _ => None,
    }
}

/// Returns whether `character` is a space or a tab, the whitespace allowed inside a line.
fn is_blank(character: char) -> bool {
    character == ' ' || character == '\t'
}

/// A position in the text with its line number.
#[derive(Clone)]
struct Cursor<'a> {
    text: &'a str,
    position: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        let text = crate::value::strip_byte_order_mark(text);
        Cursor {
            text,
            position: 0,
            line: 1,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.position..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let character = self.peek()?;
        self.position += character.len_utf8();
        if character == '\n' {
            self.line += 1;
        }
        Some(character)
    }

    fn eat(&mut self, expected: char) -> bool {
        let matches = self.peek() == Some(expected);
        if matches {
            self.bump();
        }
        matches
    }

    fn take_while(&mut self, predicate: impl Fn(char) -> bool) -> &'a str {
        let start = self.position;
        while self.peek().is_some_and(&predicate) {
            self.bump();
        }
        &self.text[start..self.position]
    }

    fn skip_blanks(&mut self) {
        self.take_while(is_blank);
    }

    fn skip_line(&mut self) {
        while let Some(character) = self.bump() {
            if character == '\n' {
                break;
            }
        }
    }

    fn at_line_end(&self) -> bool {
        let rest = &self.text[self.position..];
        rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")
    }

    /// Skips blank and comment lines; returns whether a statement follows.
    fn skip_to_statement(&mut self) -> bool {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return false,
                Some('#') => self.skip_line(),
                Some(_) if self.at_line_end() => self.skip_line(),
                Some(_) => return true,
            }
        }
    }

    /// Skips an `export` keyword followed by blanks.
    fn skip_export(&mut self) {
        let rest = &self.text[self.position..];
        let is_export = rest
            .strip_prefix("export")
            .is_some_and(|after| after.starts_with([' ', '\t']));
        if is_export {
            self.position += "export".len();
            self.skip_blanks();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    const NAME: &str = "ANACONDA_AUTH_API_KEY";

    fn value_of(text: &str) -> String {
        let assignment = find(text, NAME).expect("valid syntax").expect("assignment");
        assignment.value.expose().to_owned()
    }

    fn error_of(text: &str) -> SyntaxError {
        find(text, NAME).expect_err("syntax error")
    }

    #[test]
    fn unquoted_value() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=key-1234\n"), "key-1234");
        assert_eq!(
            value_of("ANACONDA_AUTH_API_KEY = key-1234  \r\n"),
            "key-1234"
        );
    }

    #[test]
    fn export_prefix() {
        assert_eq!(
            value_of("export ANACONDA_AUTH_API_KEY=key-1234"),
            "key-1234"
        );
        assert_eq!(
            value_of("export\tANACONDA_AUTH_API_KEY=key-1234"),
            "key-1234"
        );
    }

    #[test]
    fn comments_are_skipped() {
        let text = "# ANACONDA_AUTH_API_KEY=commented\n  # indented\nANACONDA_AUTH_API_KEY=key-1234 # note\n";
        assert_eq!(value_of(text), "key-1234");
    }

    #[test]
    fn hash_without_space_stays_in_value() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=key#1234"), "key#1234");
    }

    #[test]
    fn single_quoted_value_is_literal() {
        assert_eq!(
            value_of("ANACONDA_AUTH_API_KEY='key\\n#1234'"),
            "key\\n#1234"
        );
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY='it\\'s'"), "it's");
    }

    #[test]
    fn double_quoted_value_decodes_escapes() {
        assert_eq!(
            value_of("ANACONDA_AUTH_API_KEY=\"key\\\"1234\""),
            "key\"1234"
        );
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=\"a\\nb\""), "a\nb");
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=\"a\\$b\""), "a\\$b");
    }

    #[test]
    fn quoted_value_with_comment_after() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=\"key\"  # note"), "key");
    }

    #[test]
    fn quoted_value_spans_lines() {
        let text = "OTHER=\"line one\nANACONDA_AUTH_API_KEY=inside\"\nANACONDA_AUTH_API_KEY=real\n";
        let assignment = find(text, NAME).unwrap().unwrap();
        assert_eq!(assignment.value.expose(), "real");
        assert_eq!(assignment.line, 3);
    }

    #[test]
    fn last_assignment_wins() {
        let text = "ANACONDA_AUTH_API_KEY=first\nANACONDA_AUTH_API_KEY=second\n";
        assert_eq!(value_of(text), "second");
    }

    #[test]
    fn name_is_matched_ignoring_case() {
        assert_eq!(value_of("anaconda_auth_api_key=key-1234"), "key-1234");
    }

    #[test]
    fn missing_name_gives_none() {
        assert_eq!(find("OTHER=value\n\n", NAME).unwrap(), None);
        assert_eq!(find("", NAME).unwrap(), None);
    }

    #[test]
    fn empty_value_is_empty_string() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY="), "");
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY= \n"), "");
    }

    #[test]
    fn comment_after_blanks_is_empty_value() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY= # note"), "");
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=\t# note"), "");
    }

    #[test]
    fn hash_right_after_equals_starts_value() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=#note"), "#note");
    }

    #[test]
    fn single_quoted_name() {
        assert_eq!(value_of("'ANACONDA_AUTH_API_KEY'=key-1234"), "key-1234");
        let unterminated = find("'ANACONDA_AUTH_API_KEY=key", NAME).unwrap();
        assert_eq!(unterminated, None);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(
            value_of("\u{feff}ANACONDA_AUTH_API_KEY=key-1234"),
            "key-1234"
        );
    }

    #[test]
    fn line_numbers_count_from_one() {
        let text = "\n# comment\nA=1\n\nANACONDA_AUTH_API_KEY=key\n";
        assert_eq!(find(text, NAME).unwrap().unwrap().line, 5);
    }

    #[test]
    fn unterminated_quote_is_error() {
        let error = error_of("A=1\nANACONDA_AUTH_API_KEY=\"key-1234\nB=2\n");
        assert_eq!(error.line, 2);
        assert_eq!(error.problem, SyntaxProblem::UnterminatedQuote);
    }

    #[test]
    fn text_after_quote_is_error() {
        let error = error_of("ANACONDA_AUTH_API_KEY='key' extra\n");
        assert_eq!(error.problem, SyntaxProblem::TextAfterQuote);
    }

    #[test]
    fn missing_equals_is_error() {
        let error = error_of("ANACONDA_AUTH_API_KEY key-1234\n");
        assert_eq!(error.line, 1);
        assert_eq!(error.problem, SyntaxProblem::MissingEquals);
    }

    #[test]
    fn other_invalid_lines_are_skipped() {
        let text = "=oops\nOTHER \"broken\nQUOTE='open\nANACONDA_AUTH_API_KEY=key-1234\n";
        assert_eq!(value_of(text), "key-1234");
        let statements = parse(text);
        assert_eq!(statements.len(), 4);
    }

    #[test]
    fn unterminated_quote_resumes_next_line() {
        let statements = parse("A='open\nB=2\n");
        let Statement::Assignment(second) = &statements[1] else {
            panic!("expected an assignment, got {statements:?}");
        };
        assert_eq!(second.name, "B");
        assert_eq!(second.line, 2);
    }

    #[test]
    fn syntax_error_debug_hides_line_text() {
        let error = error_of("ANACONDA_AUTH_API_KEY 'secret-value'");
        let debug = format!("{error:?} {}", error.problem);
        assert!(!debug.contains("secret-value"), "{debug}");
    }

    fn expanded_value_of(text: &str, env: &MapEnv) -> String {
        let assignment = find_expanded(text, NAME, env)
            .expect("valid syntax")
            .expect("assignment");
        assignment.value.expose().to_owned()
    }

    #[test]
    fn expanded_from_earlier_entry() {
        let text = "PART=key-1234\nANACONDA_AUTH_API_KEY=${PART}\n";

        assert_eq!(expanded_value_of(text, &MapEnv::new()), "key-1234");
    }

    #[test]
    fn expanded_from_environment_and_default() {
        let env = MapEnv::new().with_var("FROM_ENV", "env-1234");

        let text = "ANACONDA_AUTH_API_KEY=${FROM_ENV}-${MISSING:-dflt}";
        assert_eq!(expanded_value_of(text, &env), "env-1234-dflt");
    }

    #[test]
    fn expanded_in_every_quoting() {
        let env = MapEnv::new().with_var("X", "key-1234");

        for text in [
            "ANACONDA_AUTH_API_KEY=${X}",
            "ANACONDA_AUTH_API_KEY=\"${X}\"",
            "ANACONDA_AUTH_API_KEY='${X}'",
        ] {
            assert_eq!(expanded_value_of(text, &env), "key-1234", "text {text:?}");
        }
    }

    #[test]
    fn expansion_uses_entries_before_only() {
        let text = "ANACONDA_AUTH_API_KEY=${LATER:-none}\nLATER=late\n";

        assert_eq!(expanded_value_of(text, &MapEnv::new()), "none");
    }

    #[test]
    fn expansion_uses_expanded_earlier_entry() {
        let env = MapEnv::new().with_var("BASE", "b");
        let text = "MID=${BASE}-m\nANACONDA_AUTH_API_KEY=${MID}-k\n";

        assert_eq!(expanded_value_of(text, &env), "b-m-k");
    }

    #[test]
    fn dollar_name_without_braces_stays() {
        let env = MapEnv::new().with_var("X", "key-1234");

        assert_eq!(expanded_value_of("ANACONDA_AUTH_API_KEY=$X", &env), "$X");
    }

    #[test]
    fn find_keeps_references_as_written() {
        assert_eq!(value_of("ANACONDA_AUTH_API_KEY=${X}"), "${X}");
    }

    #[test]
    fn find_expanded_reports_syntax_error() {
        let error = find_expanded("ANACONDA_AUTH_API_KEY='open", NAME, &MapEnv::new())
            .expect_err("syntax error");

        assert_eq!(error.problem, SyntaxProblem::UnterminatedQuote);
    }

    #[test]
    fn leading_assignment_shapes() {
        assert_eq!(
            leading_assignment("ANACONDA_AUTH_API_KEY=key\n"),
            Some(("ANACONDA_AUTH_API_KEY", "key"))
        );
        assert_eq!(
            leading_assignment("# c\nexport OTHER_NAME = 'v'\r\n"),
            Some(("OTHER_NAME", " 'v'"))
        );
        assert_eq!(leading_assignment("dGVzdA==\n"), Some(("dGVzdA", "=")));
        assert_eq!(leading_assignment("eyJhbGc.eyJzdWI.sig"), None);
        assert_eq!(leading_assignment("9NAME=value"), None);
        assert_eq!(leading_assignment("plain-key"), None);
        assert_eq!(leading_assignment(""), None);
    }
}
