//! The credential part of `doctor`: each source's state and the credential chosen.

use std::time::SystemTime;

use crate::anaconda::{Credential, Probe, inspect_sources};
use crate::env::Environment;
use crate::error::Error;
use crate::jwt::{self, ExpiryStatus};
use crate::kind::CredentialKind;
use crate::source::{Searched, SearchedPlaces};

use super::report::{CredentialLine, Finding, SourceLine, SourceState};

/// The credential part of the report.
#[derive(Debug, Clone, Default)]
pub struct SourcesSection {
    /// Every source, highest precedence first.
    pub lines: Vec<SourceLine>,
    /// The chosen credential, when the deciding source has a valid one.
    pub credential: Option<CredentialLine>,
    /// Problems that stop the helper from handing out a credential.
    pub problems: Vec<Finding>,
    /// Warnings about things that work but deserve attention.
    pub warnings: Vec<Finding>,
}

/// Reads every source and works out which one the helper uses and what it shadows.
pub fn inspect(env: &dyn Environment) -> SourcesSection {
    let mut section = SourcesSection::default();
    let mut decided_by: Option<&'static str> = None;
    let mut searched = Vec::new();

    for (source, probe) in inspect_sources(env) {
        // A source reports the credential that represents it: its API key, else its
        // first repo token.
        let probe = match probe {
            Probe::Found(credentials) => match credentials.primary() {
                Some(credential) if credentials.api_key.is_some() => {
                    Found(credential.clone(), CredentialKind::ApiKey)
                }
                Some(credential) => Found(credential.clone(), CredentialKind::RepoToken),
                None => Absent(Vec::new()),
            },
            Probe::Absent(places) => Absent(places),
            Probe::Invalid(error) => Invalid(error),
        };
        let line = match (probe, decided_by) {
            (Absent(places), _) => {
                // The line already names the kind of place, so the detail gives the reasons.
                let reasons: Vec<String> = places.iter().map(Searched::reason).collect();
                let detail = reasons.join(", ");
                searched.extend(places);
                line(source.name, SourceState::NotSet, detail, None)
            }
            (Found(credential, kind), None) => {
                decided_by = Some(source.name);
                chosen(&mut section, &credential, kind);
                let fingerprint = credential.secret.fingerprint();
                let detail = credential.origin.to_string();
                line(source.name, SourceState::Found, detail, Some(fingerprint))
            }
            (Invalid(error), None) => {
                decided_by = Some(source.name);
                section
                    .problems
                    .push(Finding::new("invalid_credential", error.to_string()));
                line(source.name, SourceState::Invalid, error.to_string(), None)
            }
            (Found(credential, _), Some(winner)) => {
                let fingerprint = credential.secret.fingerprint();
                let detail = format!(
                    "{fingerprint} in {}, not used because {winner} comes first",
                    credential.origin
                );
                line(
                    source.name,
                    SourceState::Shadowed,
                    detail,
                    Some(fingerprint),
                )
            }
            (Invalid(error), Some(winner)) => {
                let detail = format!("not used because {winner} comes first; {error}");
                line(source.name, SourceState::Shadowed, detail, None)
            }
        };
        tracing::debug!("source {}: {line}", line.name);
        section.lines.push(line);
    }

    if decided_by.is_none() {
        let error = Error::KeyNotFound {
            searched: SearchedPlaces(searched),
        };
        section
            .problems
            .push(Finding::new("no_credential", error.to_string()));
    }
    section
}

/// The content of one source, reduced to the credential that represents it.
enum SourceProbe {
    Found(Credential, CredentialKind),
    Absent(Vec<Searched>),
    Invalid(Error),
}

use SourceProbe::{Absent, Found, Invalid};

fn line(name: &str, state: SourceState, detail: String, fingerprint: Option<String>) -> SourceLine {
    SourceLine {
        name: name.to_owned(),
        state,
        detail,
        fingerprint,
    }
}

/// Records the chosen credential, and the problems and warnings about it.
fn chosen(section: &mut SourcesSection, credential: &Credential, kind: CredentialKind) {
    if let Some(warning) = credential.deprecation_warning() {
        section
            .warnings
            .push(Finding::new("deprecated_source", warning));
    }
    let kind_line = if jwt::is_jwt(&credential.secret) {
        format!("{kind} (JWT)")
    } else {
        kind.to_string()
    };
    let fingerprint = credential.secret.fingerprint();
    let expiry = jwt::expiry(&credential.secret);
    let expires_at = expiry.map(jwt::Expiry::rfc3339);
    let expired = expiry.map(|expiry| expiry.status(SystemTime::now()));
    if expired == Some(ExpiryStatus::Expired) {
        let message = format!(
            "the {kind} {fingerprint} from {} expired at {}. Create a new API key in your Anaconda account and pass it as the ANACONDA_AUTH_API_KEY secret",
            credential.origin,
            expires_at.as_deref().unwrap_or_default()
        );
        section
            .problems
            .push(Finding::new("credential_expired", message));
    }
    section.credential = Some(CredentialLine {
        source: credential.origin.to_string(),
        fingerprint,
        kind: kind_line,
        expires_at,
    });
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::env::MapEnv;
    use crate::keyring::{SERVICE, encode_record};
    use crate::vars::{API_KEY_VAR, KEYRING_VAR, LEGACY_API_KEY_VAR, SECRETS_DIR_VAR};

    const KEY: &str = "doctor-key-0123456789";

    fn env_in(dir: &std::path::Path) -> MapEnv {
        MapEnv::new()
            .with_current_dir(dir)
            .with_var(SECRETS_DIR_VAR, dir.join("secrets"))
    }

    fn states(section: &SourcesSection) -> Vec<SourceState> {
        section.lines.iter().map(|line| line.state).collect()
    }

    #[test]
    fn env_key_shadows_secret_file() {
        let temp = tempfile::tempdir().unwrap();
        fs::create_dir(temp.path().join("secrets")).unwrap();
        fs::write(
            temp.path().join("secrets").join(API_KEY_VAR),
            "file-key-0000WXYZ",
        )
        .unwrap();
        let env = env_in(temp.path()).with_var(API_KEY_VAR, KEY);

        let section = inspect(&env);

        use SourceState::*;
        assert_eq!(
            states(&section),
            [Found, NotSet, Shadowed, NotSet, NotSet, NotSet, NotSet]
        );
        assert_eq!(section.lines[2].fingerprint.as_deref(), Some("****WXYZ"));
        assert!(section.lines[2].detail.contains("not used because"));
        let credential = section.credential.unwrap();
        assert_eq!(credential.fingerprint, "****6789");
        assert_eq!(
            credential.source,
            "environment variable ANACONDA_AUTH_API_KEY"
        );
        assert_eq!(section.problems, vec![]);
    }

    #[test]
    fn invalid_first_source_is_problem() {
        let temp = tempfile::tempdir().unwrap();
        fs::write(
            temp.path().join(".env"),
            format!("ANACONDA_AUTH_API_KEY={KEY}\n"),
        )
        .unwrap();
        let env = env_in(temp.path()).with_var(API_KEY_VAR, "two words");

        let section = inspect(&env);

        use SourceState::*;
        assert_eq!(
            states(&section),
            [Invalid, NotSet, NotSet, Shadowed, NotSet, NotSet, NotSet]
        );
        assert!(section.credential.is_none());
        assert_eq!(section.problems.len(), 1);
        assert_eq!(section.problems[0].code, "invalid_credential");
        assert!(section.problems[0].message.contains("without spaces"));
    }

    #[test]
    fn nothing_found_is_problem_with_fix() {
        let temp = tempfile::tempdir().unwrap();

        let section = inspect(&env_in(temp.path()));

        assert!(
            states(&section)
                .iter()
                .all(|state| *state == SourceState::NotSet)
        );
        assert_eq!(section.problems[0].code, "no_credential");
        assert!(
            section.problems[0]
                .message
                .ends_with("or set ANACONDA_AUTH_API_KEY")
        );
    }

    #[test]
    fn expired_jwt_is_problem() {
        use base64::Engine;
        let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        let jwt = format!(
            "{}.{}.c2ln",
            encode(r#"{"alg":"RS256"}"#),
            encode(r#"{"exp":1000000000}"#)
        );
        let temp = tempfile::tempdir().unwrap();
        let env = env_in(temp.path()).with_var(API_KEY_VAR, &jwt);

        let section = inspect(&env);

        let credential = section.credential.unwrap();
        assert_eq!(credential.kind, "API key (JWT)");
        assert_eq!(
            credential.expires_at.as_deref(),
            Some("2001-09-09T01:46:40Z")
        );
        assert_eq!(section.problems[0].code, "credential_expired");
        let message = &section.problems[0].message;
        assert!(
            message.contains("expired at 2001-09-09T01:46:40Z"),
            "{message}"
        );
        assert!(!message.contains(&jwt), "{message}");
    }

    #[test]
    fn repo_token_alone_is_named_so() {
        let temp = tempfile::tempdir().unwrap();
        let record = r#"{"repo_tokens": [{"token": "org-token-0000WXYZ", "org_name": "org"}]}"#;
        let keyring = serde_json::json!({ SERVICE: { "anaconda.com": encode_record(record) } });
        let env = env_in(temp.path()).with_var(KEYRING_VAR, keyring.to_string());

        let section = inspect(&env);

        let credential = section.credential.expect("a credential");
        assert_eq!(credential.kind, "repo token");
        assert_eq!(credential.fingerprint, "****WXYZ");
        assert_eq!(section.problems, vec![]);
    }

    #[test]
    fn legacy_variable_warns() {
        let temp = tempfile::tempdir().unwrap();
        let env = env_in(temp.path()).with_var(LEGACY_API_KEY_VAR, KEY);

        let section = inspect(&env);

        assert_eq!(section.problems, vec![]);
        assert_eq!(section.warnings[0].code, "deprecated_source");
    }
}
