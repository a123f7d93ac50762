//! The OS keychain through the `keyring` crate, with the backend named explicitly per OS (see
//! this crate's Cargo.toml): Secret Service on Linux/BSD, the Keychain on macOS, the Credential
//! Manager on Windows. Never keyring's in-memory mock: [`Keychain::open`] proves the backend
//! stores and returns a value before it hands out a `Keychain`.

use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroize;

use crate::error::VaultError;
use crate::json::{self, CredentialsOwned, CredentialsRef};
use crate::secret::ApiCredentials;
use crate::store::{SecretStore, StoreKind, validate_account_id};

/// The keychain service name Keel's entries are filed under.
pub const SERVICE: &str = "app.keel.Keel";

/// How long [`Keychain::open`] waits for the probe (a locked keychain may wait on a prompt).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// The OS keychain. Entries: service = [`SERVICE`], user = account id, value = the JSON of the
/// credentials.
#[derive(Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// Opens the OS keychain under [`SERVICE`] and proves it works (write, read back, delete a
    /// probe entry). Errors with [`VaultError::NoKeychain`] if it does not.
    pub fn open() -> Result<Keychain, VaultError> {
        Self::open_service(SERVICE)
    }

    /// [`Keychain::open`] under another service name (tests, side-by-side installs).
    pub fn open_service(service: &str) -> Result<Keychain, VaultError> {
        if service.is_empty() {
            return Err(VaultError::NoKeychain {
                reason: "the service name is empty".into(),
            });
        }
        let keychain = Keychain {
            service: service.to_owned(),
        };
        let (tx, rx) = mpsc::channel();
        let prober = keychain.clone();
        std::thread::Builder::new()
            .name("keychain-probe".into())
            .spawn(move || {
                let _ = tx.send(prober.probe());
            })
            .map_err(|e| VaultError::NoKeychain {
                reason: format!("could not start the probe thread: {e}"),
            })?;
        match rx.recv_timeout(PROBE_TIMEOUT) {
            Ok(Ok(())) => Ok(keychain),
            Ok(Err(reason)) => Err(VaultError::NoKeychain { reason }),
            Err(_) => Err(VaultError::NoKeychain {
                reason: format!(
                    "the keychain did not answer within {}s (locked and waiting for a prompt?)",
                    PROBE_TIMEOUT.as_secs()
                ),
            }),
        }
    }

    /// The service name entries are filed under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Write, read back and delete an entry with a random value under a unique name.
    fn probe(&self) -> Result<(), String> {
        let mut nonce = [0u8; 8];
        crate::crypto::random_fill(&mut nonce).map_err(|e| e.to_string())?;
        let tag: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let user = format!("keel-probe-{}-{tag}", std::process::id());
        let value = format!("probe-{tag}");
        let entry = backend::entry(&self.service, &user).map_err(describe)?;
        entry
            .set_password(&value)
            .map_err(|e| format!("storing a probe entry failed: {}", describe(e)))?;
        let read = entry.get_password();
        let deleted = entry.delete_credential();
        let read = read.map_err(|e| format!("reading the probe back failed: {}", describe(e)))?;
        if read != value {
            return Err("the probe entry read back differs from what was written".into());
        }
        deleted.map_err(|e| format!("deleting the probe entry failed: {}", describe(e)))?;
        match entry.get_password() {
            Err(keyring::Error::NoEntry) => Ok(()),
            Ok(_) => Err("the probe entry is still there after deletion".into()),
            Err(e) => Err(format!(
                "checking the probe deletion failed: {}",
                describe(e)
            )),
        }
    }

    fn entry(&self, account_id: &str, op: &'static str) -> Result<keyring::Entry, VaultError> {
        validate_account_id(account_id)?;
        backend::entry(&self.service, account_id).map_err(|e| keychain_error(op, e))
    }
}

impl SecretStore for Keychain {
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }

    fn put(&self, account_id: &str, credentials: &ApiCredentials) -> Result<(), VaultError> {
        let entry = self.entry(account_id, "write")?;
        let buf = json::to_zeroizing_json(&CredentialsRef::from(credentials), 0)?;
        let text =
            std::str::from_utf8(&buf).map_err(|_| VaultError::Crypto("JSON is not UTF-8"))?;
        entry
            .set_password(text)
            .map_err(|e| keychain_error("write", e))
    }

    fn get(&self, account_id: &str) -> Result<Option<ApiCredentials>, VaultError> {
        let entry = self.entry(account_id, "read")?;
        match entry.get_password() {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                let creds: CredentialsOwned = json::from_json(text.as_bytes())?;
                Ok(Some(creds.into()))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error("read", e)),
        }
    }

    fn delete(&self, account_id: &str) -> Result<bool, VaultError> {
        let entry = self.entry(account_id, "delete")?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keychain_error("delete", e)),
        }
    }
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keychain")
            .field("service", &self.service)
            .field("backend", &backend::NAME)
            .finish()
    }
}

fn keychain_error(op: &'static str, err: keyring::Error) -> VaultError {
    VaultError::Keychain {
        op,
        reason: describe(err),
    }
}

/// A keyring error as text without any stored data (`BadEncoding` carries the raw secret: it is
/// zeroed, not printed).
fn describe(err: keyring::Error) -> String {
    match err {
        keyring::Error::PlatformFailure(e) => format!("{} failure: {e}", backend::NAME),
        keyring::Error::NoStorageAccess(e) => {
            format!(
                "{} refused access (locked or unavailable): {e}",
                backend::NAME
            )
        }
        keyring::Error::NoEntry => "no such entry".into(),
        keyring::Error::BadEncoding(mut bytes) => {
            bytes.zeroize();
            "the stored value is not UTF-8".into()
        }
        keyring::Error::TooLong(attr, max) => format!("{attr} is longer than {max}"),
        keyring::Error::Invalid(attr, why) => format!("{attr} is invalid: {why}"),
        keyring::Error::Ambiguous(found) => {
            format!("{} entries match; expected one", found.len())
        }
        _ => "unrecognized keychain error".into(),
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod backend {
    pub(super) const NAME: &str = "Secret Service";
    pub(super) fn entry(service: &str, user: &str) -> keyring::Result<keyring::Entry> {
        // The default collection (target None): where desktop keyrings keep login secrets.
        let cred = keyring::secret_service::SsCredential::new_with_target(None, service, user)?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }
}

#[cfg(target_os = "macos")]
mod backend {
    pub(super) const NAME: &str = "macOS Keychain";
    pub(super) fn entry(service: &str, user: &str) -> keyring::Result<keyring::Entry> {
        let cred = keyring::macos::MacCredential::new_with_target(None, service, user)?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }
}

#[cfg(target_os = "windows")]
mod backend {
    pub(super) const NAME: &str = "Windows Credential Manager";
    pub(super) fn entry(service: &str, user: &str) -> keyring::Result<keyring::Entry> {
        let cred = keyring::windows::WinCredential::new_with_target(None, service, user)?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
mod backend {
    pub(super) const NAME: &str = "no keychain";
    pub(super) fn entry(_service: &str, _user: &str) -> keyring::Result<keyring::Entry> {
        Err(keyring::Error::NoStorageAccess(
            "this operating system has no supported keychain".into(),
        ))
    }
}
