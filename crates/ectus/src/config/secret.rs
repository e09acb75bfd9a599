//! Secrets in the configuration. [`Secret`] and [`DatabaseUrl`] never show their secret in
//! `Debug`, `Display` or serialisation (so `--print-config` masks them by type); the value is
//! read only through `expose`.

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a masked secret looks like wherever it is shown.
pub const MASK: &str = "***";

/// A token or password.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(SecretString::from(value.into()))
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(MASK)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// A database URL, whose password (user-info or `password`/`sslpassword` parameter) is
/// masked wherever the URL is shown.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    pub fn new(value: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(SecretString::from(value.into()))
    }

    /// The URL with its password, for connecting.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with its password masked.
    pub fn redacted(&self) -> String {
        ectus_store::redact_url(self.expose())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DatabaseUrl, D::Error> {
        String::deserialize(deserializer).map(DatabaseUrl::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_by_debug_display_and_serialisation() {
        let token = Secret::new("hunter2-token");
        let url = DatabaseUrl::new("postgres://app:hunter2@db/ectus?sslpassword=hunter3");
        for shown in [
            format!("{token:?} {token} {url:?} {url}"),
            serde_json::to_string(&(&token, &url)).expect("json"),
        ] {
            assert!(!shown.contains("hunter"), "{shown}");
        }
        assert_eq!(token.expose(), "hunter2-token");
        assert_eq!(
            url.to_string(),
            "postgres://app:***@db/ectus?sslpassword=***"
        );
    }
}
