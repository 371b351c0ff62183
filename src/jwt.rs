//! Expiry of API keys: Anaconda API keys are JWTs whose payload carries `exp`.
//!
//! The payload is decoded without checking the signature, because only the server can
//! check it. The helper reads `exp` only to fail early and to warn. A value that is not a
//! JWT with a numeric `exp` has no known expiry and is used as it is.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::secret::Secret;

/// How long before its expiry a key causes a warning.
pub const WARNING_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// The latest expiry that is formatted: 9999-12-31T23:59:59Z.
const LATEST_SECONDS: i64 = 253_402_300_799;

/// The expiry of a key, in whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiry(i64);

impl Expiry {
    /// Creates an expiry from seconds since the Unix epoch, or `None` outside the years
    /// 1970 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Expiry> {
        (0..=LATEST_SECONDS)
            .contains(&seconds)
            .then_some(Expiry(seconds))
    }

    /// Returns the expiry as an RFC 3339 UTC timestamp, such as `2025-01-31T12:00:00Z`.
    pub fn rfc3339(self) -> String {
        let days = self.0.div_euclid(86_400);
        let second_of_day = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_date(days);
        let (hour, minute, second) = (
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60,
        );
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    }

    /// Returns how the expiry compares with `now`.
    pub fn status(self, now: SystemTime) -> ExpiryStatus {
        let expiry = UNIX_EPOCH + Duration::from_secs(self.0.unsigned_abs());
        match expiry.duration_since(now) {
            Err(_) | Ok(Duration::ZERO) => ExpiryStatus::Expired,
            Ok(left) if left <= WARNING_PERIOD => ExpiryStatus::ExpiresSoon(left),
            Ok(_) => ExpiryStatus::Valid,
        }
    }
}

/// The state of an expiry at the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryStatus {
    /// The expiry has passed.
    Expired,
    /// The expiry is within [`WARNING_PERIOD`]; the time left.
    ExpiresSoon(Duration),
    /// The expiry is further away.
    Valid,
}

/// Returns whether `key` is a JWT: three parts whose first is a JSON header with `alg`,
/// which every signed JWT's header has (RFC 7515, section 4.1.1).
pub fn is_jwt(key: &Secret) -> bool {
    let Some((header, _payload)) = split(key) else {
        return false;
    };
    decode_part(header).is_some_and(|header| header.get("alg").is_some())
}

/// Returns the expiry of `key` when it is a JWT whose payload has a numeric `exp`.
///
/// The header is not read, so a key whose header lacks `alg` still has an expiry.
pub fn expiry(key: &Secret) -> Option<Expiry> {
    let (_header, payload) = split(key)?;
    let claims = decode_part(payload)?;
    let seconds = match claims.get("exp")? {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|float| float.floor() as i64))?,
        _ => return None,
    };
    Expiry::from_unix_seconds(seconds)
}

/// Returns the header and the payload of a key made of three dot-separated parts.
fn split(key: &Secret) -> Option<(&str, &str)> {
    let mut parts = key.expose().split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(_signature), None) => Some((header, payload)),
        _ => None,
    }
}

/// Decodes one base64url part of a JWT as JSON, with or without `=` padding.
fn decode_part(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Returns the proleptic Gregorian date of a day counted from 1970-01-01.
fn civil_date(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01, so that each 400-year era starts with March and the
    // leap day falls at the end of a year.
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
    (year, month as u32, day as u32)
}

/// Builds an unsigned JWT with the given claims, for tests.
#[cfg(test)]
pub fn unsigned_jwt(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn jwt_expiring(seconds: i64) -> Secret {
        Secret::new(unsigned_jwt(
            &serde_json::json!({"sub": "someone", "exp": seconds}),
        ))
    }

    const NOW: u64 = 1_750_000_000;

    #[test]
    fn expired_key() {
        let expiry = expiry(&jwt_expiring(NOW as i64 - 60)).expect("an expiry");
        assert_eq!(expiry.status(at(NOW)), ExpiryStatus::Expired);
        let exact = expiry_of(NOW as i64);
        assert_eq!(exact.status(at(NOW)), ExpiryStatus::Expired);
    }

    fn expiry_of(seconds: i64) -> Expiry {
        expiry(&jwt_expiring(seconds)).expect("an expiry")
    }

    #[test]
    fn key_expiring_within_a_day() {
        let status = expiry_of(NOW as i64 + 3600).status(at(NOW));
        assert_eq!(status, ExpiryStatus::ExpiresSoon(Duration::from_secs(3600)));
        let edge = expiry_of(NOW as i64 + 86_400).status(at(NOW));
        assert_eq!(edge, ExpiryStatus::ExpiresSoon(WARNING_PERIOD));
    }

    #[test]
    fn key_far_in_future() {
        let status = expiry_of(NOW as i64 + 86_401).status(at(NOW));
        assert_eq!(status, ExpiryStatus::Valid);
        assert_eq!(
            expiry_of(LATEST_SECONDS).status(at(NOW)),
            ExpiryStatus::Valid
        );
    }

    #[test]
    fn not_a_jwt_has_no_expiry() {
        for key in [
            "plain-api-key-0123456789",
            "a.b",
            "a.b.c.d",
            "eyJhbGciOiJIUzI1NiJ9.!!!.sig",
            "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig",
        ] {
            assert_eq!(expiry(&Secret::new(key)), None, "{key}");
        }
    }

    #[test]
    fn jwt_without_numeric_exp_has_no_expiry() {
        for claims in [
            serde_json::json!({"sub": "x"}),
            serde_json::json!({"exp": "1750000000"}),
            serde_json::json!({"exp": -5}),
            serde_json::json!({"exp": 1e20}),
            serde_json::json!([1, 2]),
        ] {
            let key = Secret::new(unsigned_jwt(&claims));
            assert_eq!(expiry(&key), None, "{claims}");
        }
    }

    #[test]
    fn fractional_exp_is_floored() {
        let key = Secret::new(unsigned_jwt(&serde_json::json!({"exp": 1_750_000_000.9})));
        assert_eq!(expiry(&key), Expiry::from_unix_seconds(1_750_000_000));
    }

    #[test]
    fn padded_payload_is_accepted() {
        let claims = serde_json::json!({"exp": 10});
        let payload = base64::engine::general_purpose::URL_SAFE.encode(claims.to_string());
        assert!(payload.ends_with('='), "the test payload needs padding");
        let key = Secret::new(format!("e30.{payload}.sig"));
        assert_eq!(expiry(&key), Expiry::from_unix_seconds(10));
    }

    #[test]
    fn rfc3339_dates() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_825_599, "2000-02-29T11:59:59Z"),
            (1_735_689_600, "2025-01-01T00:00:00Z"),
            (1_750_000_000, "2025-06-15T15:06:40Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (LATEST_SECONDS, "9999-12-31T23:59:59Z"),
        ];
        for (seconds, expected) in cases {
            let expiry = Expiry::from_unix_seconds(seconds).unwrap();
            assert_eq!(expiry.rfc3339(), expected, "{seconds}");
        }
    }

    /// Builds a key from the base64url `header` and `payload` and a fixed signature.
    fn key_from_parts(header: &str, payload: &str) -> Secret {
        let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
        Secret::new(format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(header),
            encode(payload)
        ))
    }

    #[test]
    fn jwt_with_expiry() {
        let key = key_from_parts(
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"sub":"x","exp":1735689600}"#,
        );

        assert!(is_jwt(&key));
        let expiry = expiry(&key).expect("an expiry");
        assert_eq!(Expiry::from_unix_seconds(1_735_689_600), Some(expiry));
        assert_eq!(expiry.status(at(1_735_689_600)), ExpiryStatus::Expired);
        assert_ne!(expiry.status(at(1_735_689_599)), ExpiryStatus::Expired);
    }

    #[test]
    fn jwt_without_expiry() {
        let key = key_from_parts(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#);
        assert!(is_jwt(&key));
        assert_eq!(expiry(&key), None);
    }

    #[test]
    fn other_keys_are_not_jwts() {
        for text in ["plain-key-0123456789", "a.b.c", "e30.e30.x"] {
            let key = Secret::new(text);
            assert!(!is_jwt(&key), "{text}");
            assert_eq!(expiry(&key), None, "{text}");
        }
    }

    #[test]
    fn out_of_range_expiry_is_none() {
        assert_eq!(Expiry::from_unix_seconds(-1), None);
        assert_eq!(Expiry::from_unix_seconds(LATEST_SECONDS + 1), None);
    }
}
