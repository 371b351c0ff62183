//! Shell-style wildcard matching with the rules of Python's `fnmatch`, which conda uses
//! for `channel_settings` patterns.
//!
//! `*` matches any run of characters, `/` included, and `?` matches one character.
//! `[seq]` matches one character in `seq` and `[!seq]` one character not in it, where
//! `a-z` is a range. A `]` right after `[` or `[!` is part of the set. A `[` without a closing
//! `]` matches itself. Matching is case-sensitive, as `fnmatch` is on POSIX.

/// The characters that make a pattern a wildcard pattern.
pub const WILDCARDS: [char; 3] = ['*', '?', '['];

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    Set { negated: bool, items: Vec<SetItem> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SetItem {
    Single(char),
    Range(char, char),
}

/// Returns whether `text` matches `pattern`.
pub fn matches(text: &str, pattern: &str) -> bool {
    let tokens = compile(pattern);
    let text: Vec<char> = text.chars().collect();
    matches_from(&text, &tokens)
}

/// Returns the part of `pattern` before its first wildcard character.
pub fn literal_prefix(pattern: &str) -> &str {
    let end = pattern.find(WILDCARDS).unwrap_or(pattern.len());
    &pattern[..end]
}

fn compile(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let token = match chars[index] {
            '*' => Token::AnyRun,
            '?' => Token::AnyOne,
            '[' => match compile_set(&chars[index + 1..]) {
                Some((token, used)) => {
                    index += used;
                    token
                }
                None => Token::Literal('['),
            },
            literal => Token::Literal(literal),
        };
        // Consecutive `*` match the same as one, and merging them keeps matching linear.
        if !(token == Token::AnyRun && tokens.last() == Some(&Token::AnyRun)) {
            tokens.push(token);
        }
        index += 1;
    }
    tokens
}

/// Compiles the set after a `[`. Returns the token and the number of characters used,
/// the closing `]` included, or `None` when the set is not closed.
fn compile_set(chars: &[char]) -> Option<(Token, usize)> {
    let negated = chars.first() == Some(&'!');
    let start = usize::from(negated);
    // A `]` first in the set is a member, so the search for the end starts after it.
    let search_from = if chars.get(start) == Some(&']') {
        start + 1
    } else {
        start
    };
    let end = search_from + chars.get(search_from..)?.iter().position(|c| *c == ']')?;

    let members = &chars[start..end];
    let mut items = Vec::new();
    let mut index = 0;
    while index < members.len() {
        if index + 2 < members.len() && members[index + 1] == '-' {
            items.push(SetItem::Range(members[index], members[index + 2]));
            index += 3;
        } else {
            items.push(SetItem::Single(members[index]));
            index += 1;
        }
    }
    Some((Token::Set { negated, items }, end + 1))
}

/// Matches with backtracking to the most recent `*` only, which is enough because `*`
/// matches every character.
fn matches_from(text: &[char], tokens: &[Token]) -> bool {
    let (mut text_index, mut token_index) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while text_index < text.len() {
        match tokens.get(token_index) {
            Some(Token::AnyRun) => {
                backtrack = Some((token_index, text_index));
                token_index += 1;
                continue;
            }
            Some(token) if matches_one(token, text[text_index]) => {
                text_index += 1;
                token_index += 1;
                continue;
            }
            _ => {}
        }
        let Some((star, consumed)) = backtrack else {
            return false;
        };
        backtrack = Some((star, consumed + 1));
        token_index = star + 1;
        text_index = consumed + 1;
    }
    tokens[token_index..]
        .iter()
        .all(|token| *token == Token::AnyRun)
}

fn matches_one(token: &Token, character: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == character,
        Token::AnyOne => true,
        Token::AnyRun => true,
        Token::Set { negated, items } => {
            let found = items.iter().any(|item| match item {
                SetItem::Single(single) => *single == character,
                SetItem::Range(low, high) => (*low..=*high).contains(&character),
            });
            found != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_across_slashes() {
        let pattern = "repo.anaconda.cloud/*";
        assert!(matches(
            "repo.anaconda.cloud/repo/main/noarch/repodata.json",
            pattern
        ));
        assert!(matches("repo.anaconda.cloud/", pattern));
        assert!(!matches("repo.anaconda.cloud", pattern));
        assert!(!matches("repo.anaconda.cloud.evil.example/x", pattern));
    }

    #[test]
    fn star_inside_host() {
        assert!(matches("a.example.com/x", "*.example.com/*"));
        assert!(matches("evil.example/.example.com/x", "*.example.com/*"));
        assert!(!matches("example.com/x", "*.example.com/*"));
    }

    #[test]
    fn question_mark_matches_one_character() {
        assert!(matches("host/c1/x", "host/c?/x"));
        assert!(!matches("host/c12/x", "host/c?/x"));
        assert!(matches("host/c//x", "host/c?/x"));
    }

    #[test]
    fn sets_and_ranges() {
        assert!(matches("host/b", "host/[abc]"));
        assert!(!matches("host/d", "host/[abc]"));
        assert!(matches("host/5", "host/[0-9]"));
        assert!(matches("host/d", "host/[!abc]"));
        assert!(!matches("host/a", "host/[!abc]"));
        assert!(matches("host/]", "host/[]]"));
        assert!(matches("host/x", "host/[!]]"));
        assert!(matches("host/^", "host/[^]"));
    }

    #[test]
    fn unclosed_bracket_is_literal() {
        assert!(matches("host/[abc", "host/[abc"));
        assert!(!matches("host/a", "host/[abc"));
    }

    #[test]
    fn case_sensitive() {
        assert!(!matches("Host/x", "host/*"));
    }

    #[test]
    fn exact_pattern_matches_only_itself() {
        assert!(matches("host/chan", "host/chan"));
        assert!(!matches("host/chan/noarch/repodata.json", "host/chan"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let text = "a".repeat(200);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!matches(&text, &pattern));
    }

    #[test]
    fn channel_pattern_cases() {
        let cases = [
            (
                "repo.anaconda.cloud/*",
                "repo.anaconda.cloud/repo/main/x",
                true,
            ),
            ("repo.anaconda.cloud/*", "repo.anaconda.cloud/", true),
            ("repo.anaconda.cloud/*", "repo.anaconda.cloud", false),
            ("*.anaconda.cloud/*", "repo.anaconda.cloud/repo", true),
            (
                "repo.anaconda.cloud/repo/?ain/*",
                "repo.anaconda.cloud/repo/main/x",
                true,
            ),
            (
                "repo.anaconda.cloud/repo/[mn]ain*",
                "repo.anaconda.cloud/repo/main",
                true,
            ),
            (
                "repo.anaconda.cloud/repo/[!m]ain*",
                "repo.anaconda.cloud/repo/main",
                false,
            ),
            (
                "repo.anaconda.cloud/repo/[a-z]ain",
                "repo.anaconda.cloud/repo/main",
                true,
            ),
            ("REPO.anaconda.cloud/*", "repo.anaconda.cloud/x", false),
            ("a[b", "a[b", true),
            ("", "", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(matches(text, pattern), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn literal_prefix_stops_at_wildcard() {
        assert_eq!(literal_prefix("host/api/conda/*"), "host/api/conda/");
        assert_eq!(literal_prefix("*.example/x"), "");
        assert_eq!(literal_prefix("host/c[12]/x"), "host/c");
        assert_eq!(literal_prefix("host/chan"), "host/chan");
    }
}
