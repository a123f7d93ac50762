//! Secret values: printed redacted, zeroed when dropped, exposed only on purpose.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string (an API secret, a passphrase, a password). `Debug` and `Display` print
/// `[redacted]`; the memory is zeroed on drop; `expose` is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call it only where the value is used (signing, the keychain).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The keys of one exchange account. The API key is not as sensitive as the secret but is kept
/// with it (and redacted the same way) so neither reaches logs or the database.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ApiCredentials {
    pub api_key: Secret,
    /// HMAC secret, or a PKCS#8 PEM private key (Ed25519 or RSA) for venues that take one.
    pub secret: Secret,
    /// OKX and others have one; Binance does not.
    pub passphrase: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_redacted() {
        let creds = ApiCredentials {
            api_key: Secret::new("KEY-canary-123"),
            secret: Secret::new("SECRET-canary-456"),
            passphrase: Some(Secret::new("PASS-canary-789")),
        };
        let printed = format!("{creds:?} {} {}", creds.secret, creds.api_key);
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("[redacted]"));
        assert_eq!(creds.secret.expose(), "SECRET-canary-456");
    }
}
