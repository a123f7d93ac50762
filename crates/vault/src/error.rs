//! The one error type of the vault crate. No message ever contains a secret: serde and keyring
//! errors are reduced to their category before they are kept.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while storing or reading exchange secrets.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The OS keychain cannot be used (no Secret Service, locked or refused, unsupported OS).
    #[error("no keychain available: {reason}")]
    NoKeychain {
        /// Why, in the platform's words (never a secret).
        reason: String,
    },
    /// The keychain worked when it was opened but refused this operation.
    #[error("keychain {op} failed: {reason}")]
    Keychain {
        /// What was attempted: "write", "read" or "delete".
        op: &'static str,
        /// Why, in the platform's words (never a secret).
        reason: String,
    },
    /// The password does not open this vault file. The file was not changed.
    #[error("wrong vault password")]
    WrongPassword,
    /// The vault file's header is intact and the password is right, but the encrypted contents
    /// fail authentication: the file was modified or damaged after it was written.
    #[error("vault file failed authentication: it was modified or damaged")]
    Tampered,
    /// The vault file is not a well-formed Keel vault file.
    #[error("vault file is corrupt: {reason}")]
    Corrupt {
        /// What is wrong with it.
        reason: String,
    },
    /// The vault file was written by a newer Keel with a format this build does not know.
    #[error(
        "vault file format version {found} is newer than this Keel understands (up to {newest}); update Keel to open it"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The newest version this build reads and writes.
        newest: u16,
    },
    /// There is no vault file at this path.
    #[error("no vault file at {}", path.display())]
    NotFound {
        /// Where one was expected.
        path: PathBuf,
    },
    /// `create` refuses to overwrite an existing vault file.
    #[error("a vault file already exists at {}", path.display())]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A file-system operation failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What was attempted, e.g. "read", "write the temporary file", "replace".
        op: &'static str,
        /// The path it was attempted on.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Account ids name keychain entries and vault records; some values are refused.
    #[error("invalid account id: {reason}")]
    InvalidAccountId {
        /// Why it is refused.
        reason: &'static str,
    },
    /// A password was refused before it was used (for example an empty one).
    #[error("password refused: {reason}")]
    InvalidPassword {
        /// Why it is refused.
        reason: &'static str,
    },
    /// Argon2 parameters out of the accepted range.
    #[error("invalid key-derivation parameters: {reason}")]
    InvalidParams {
        /// Which bound was crossed.
        reason: String,
    },
    /// Stored credentials exist but are not the JSON Keel writes.
    #[error("stored credentials are unreadable: {reason}")]
    BadStoredData {
        /// Category and position of the problem, never the data.
        reason: String,
    },
    /// The random generator, key derivation or cipher failed unexpectedly.
    #[error("cryptography failure: {0}")]
    Crypto(&'static str),
}

impl VaultError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        VaultError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        VaultError::Corrupt {
            reason: reason.into(),
        }
    }

    /// A serde_json error reduced to its category and position: its message may quote the input.
    pub(crate) fn bad_json(err: &serde_json::Error) -> String {
        format!(
            "{:?} error at line {} column {}",
            err.classify(),
            err.line(),
            err.column()
        )
    }
}
