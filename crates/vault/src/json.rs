//! JSON of secrets without stray copies: serialized into one exact-size zeroizing buffer (no
//! reallocation leaves an old copy behind), parsed straight into [`Secret`]s.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::secret::{ApiCredentials, Secret};

/// Credentials as written: borrowed, so serializing makes no extra copy of a secret.
#[derive(Serialize)]
pub(crate) struct CredentialsRef<'a> {
    api_key: &'a str,
    secret: &'a str,
    passphrase: Option<&'a str>,
}

impl<'a> From<&'a ApiCredentials> for CredentialsRef<'a> {
    fn from(c: &'a ApiCredentials) -> Self {
        CredentialsRef {
            api_key: c.api_key.expose(),
            secret: c.secret.expose(),
            passphrase: c.passphrase.as_ref().map(Secret::expose),
        }
    }
}

/// Credentials as read; each string moves into a [`Secret`] without a copy.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CredentialsOwned {
    api_key: String,
    secret: String,
    #[serde(default)]
    passphrase: Option<String>,
}

impl From<CredentialsOwned> for ApiCredentials {
    fn from(c: CredentialsOwned) -> Self {
        ApiCredentials {
            api_key: Secret::from(c.api_key),
            secret: Secret::from(c.secret),
            passphrase: c.passphrase.map(Secret::from),
        }
    }
}

/// The plaintext of a vault file.
#[derive(Serialize)]
pub(crate) struct VaultContentsRef<'a> {
    pub(crate) accounts: BTreeMap<&'a str, CredentialsRef<'a>>,
}

/// The plaintext of a vault file, parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VaultContentsOwned {
    pub(crate) accounts: BTreeMap<String, CredentialsOwned>,
}

struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serializes `value` into a zeroizing buffer of exactly the right capacity plus `spare` bytes
/// (room for an AEAD tag), so neither serialization nor sealing reallocates.
pub(crate) fn to_zeroizing_json<T: Serialize>(
    value: &T,
    spare: usize,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value).map_err(|e| VaultError::BadStoredData {
        reason: VaultError::bad_json(&e),
    })?;
    let mut buf = Zeroizing::new(Vec::with_capacity(counter.0 + spare));
    serde_json::to_writer(&mut *buf, value).map_err(|e| VaultError::BadStoredData {
        reason: VaultError::bad_json(&e),
    })?;
    Ok(buf)
}

/// Parses JSON Keel wrote; the error keeps only category and position, never the input.
pub(crate) fn from_json<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, VaultError> {
    serde_json::from_slice(bytes).map_err(|e| VaultError::BadStoredData {
        reason: VaultError::bad_json(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_buffer_never_reallocates() {
        let creds = ApiCredentials {
            api_key: Secret::new("k".repeat(100)),
            secret: Secret::new("s\"\\\n".repeat(50)),
            passphrase: None,
        };
        let buf = to_zeroizing_json(&CredentialsRef::from(&creds), 16).expect("json");
        assert_eq!(buf.capacity(), buf.len() + 16);
        let back: CredentialsOwned = from_json(&buf).expect("parse");
        assert_eq!(ApiCredentials::from(back), creds);
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        let err = from_json::<CredentialsOwned>(br#"{"api_key": 1, "secret": "TOPSECRET"}"#)
            .err()
            .expect("must fail");
        let text = err.to_string();
        assert!(!text.contains("TOPSECRET"), "{text}");
        let err = from_json::<CredentialsOwned>(br#"{"api_key": "TOPSECRET", "secret": 7}"#)
            .err()
            .expect("must fail");
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
    }
}
