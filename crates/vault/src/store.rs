//! The storage contract every secret store implements, and the account-id rules they share.

use crate::error::VaultError;
use crate::secret::ApiCredentials;

/// Which kind of store holds an account's credentials (persisted with the account so Keel knows
/// where to look).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// The operating system's keychain (Secret Service, macOS Keychain, Windows Credential
    /// Manager).
    Keychain,
    /// Keel's own password-encrypted vault file.
    VaultFile,
}

/// A place that keeps exchange credentials per account id. Synchronous: the keychain and the
/// vault file block (D-Bus round trips, Argon2, fsync), so async callers use `spawn_blocking`.
pub trait SecretStore: Send + Sync {
    /// Which kind of store this is.
    fn kind(&self) -> StoreKind;

    /// Stores (or replaces) the credentials of `account_id`. Durable when it returns `Ok`.
    fn put(&self, account_id: &str, credentials: &ApiCredentials) -> Result<(), VaultError>;

    /// The credentials of `account_id`, or `None` if none are stored.
    fn get(&self, account_id: &str) -> Result<Option<ApiCredentials>, VaultError>;

    /// Removes the credentials of `account_id`; `true` if there were any.
    fn delete(&self, account_id: &str) -> Result<bool, VaultError>;
}

/// Longest account id accepted (bytes); keychain attribute limits are far above it.
pub const MAX_ACCOUNT_ID_LEN: usize = 128;

/// Account ids are Keel's own identifiers: non-empty, at most [`MAX_ACCOUNT_ID_LEN`] bytes, no
/// control characters and no leading/trailing whitespace.
pub fn validate_account_id(account_id: &str) -> Result<(), VaultError> {
    let reason = if account_id.is_empty() {
        "it is empty"
    } else if account_id.len() > MAX_ACCOUNT_ID_LEN {
        "it is longer than 128 bytes"
    } else if account_id.chars().any(char::is_control) {
        "it contains a control character"
    } else if account_id.trim() != account_id {
        "it has leading or trailing whitespace"
    } else {
        return Ok(());
    };
    Err(VaultError::InvalidAccountId { reason })
}
