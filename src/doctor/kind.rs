//! The kind of a key and the expiry of a JWT, read without verifying the signature.
//!
//! Anaconda's API keys are JWTs whose payload carries `exp` in seconds since the Unix
//! epoch. The signature is not checked: the server does that, and doctor only reports.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::secret::Secret;

/// The kind of a key and its expiry, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyKind {
    /// `API key (JWT)` or `API key`.
    pub kind: &'static str,
    /// Expiry in seconds since the Unix epoch.
    pub expires_at: Option<i64>,
}

impl KeyKind {
    /// Returns whether the key has expired at `now` (seconds since the Unix epoch).
    pub fn expired_at(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|expiry| expiry <= now)
    }
}

/// Reads the kind of `secret`: a JWT when it has three base64url parts whose first is a
/// JSON header with `alg`, with the payload's `exp` as its expiry.
pub fn key_kind(secret: &Secret) -> KeyKind {
    let plain = KeyKind {
        kind: "API key",
        expires_at: None,
    };
    let parts: Vec<&str> = secret.expose().split('.').collect();
    let [header, payload, _signature] = parts.as_slice() else {
        return plain;
    };
    let Some(header) = decode_json(header) else {
        return plain;
    };
    if header.get("alg").is_none() {
        return plain;
    }
    let expires_at = decode_json(payload)
        .and_then(|payload| payload.get("exp").and_then(Value::as_f64))
        .map(|exp| exp as i64);
    KeyKind {
        kind: "API key (JWT)",
        expires_at,
    }
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Returns the current time in seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Formats seconds since the Unix epoch as RFC 3339 in UTC, such as `2025-01-31T12:00:00Z`.
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let time = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, with Howard Hinnant's
/// `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(header: &str, payload: &str) -> Secret {
        let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
        Secret::new(format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(header),
            encode(payload)
        ))
    }

    #[test]
    fn jwt_with_expiry() {
        let key = jwt(
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"sub":"x","exp":1735689600}"#,
        );

        let kind = key_kind(&key);

        assert_eq!(kind.kind, "API key (JWT)");
        assert_eq!(kind.expires_at, Some(1_735_689_600));
        assert!(kind.expired_at(1_735_689_600));
        assert!(!kind.expired_at(1_735_689_599));
    }

    #[test]
    fn jwt_without_expiry() {
        let kind = key_kind(&jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#));
        assert_eq!(kind.kind, "API key (JWT)");
        assert_eq!(kind.expires_at, None);
    }

    #[test]
    fn other_keys_are_plain() {
        for key in ["plain-key-0123456789", "a.b.c", "e30.e30.x"] {
            let kind = key_kind(&Secret::new(key));
            assert_eq!(kind.kind, "API key", "{key}");
            assert_eq!(kind.expires_at, None, "{key}");
        }
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_825_599), "2000-02-29T11:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
