//! Exchange secrets. See the crate description.
//!
//! - [`Secret`] / [`ApiCredentials`]: redacted in `Debug`, zeroed on drop.
//! - [`SecretStore`]: put/get/delete credentials per account id, implemented by
//!   - [`Keychain`]: the OS keychain, proven to work when opened (never an in-memory mock);
//!   - [`UnlockedVault`]: the opt-in encrypted vault file ([`VaultFile`], layout in [`format`]).
//! - [`AppLock`]: the optional app-lock password (Argon2id PHC hash).
//!
//! Everything is synchronous (D-Bus round trips, Argon2, fsync): call it from `spawn_blocking`.

mod app_lock;
mod atomic;
mod crypto;
mod error;
pub mod format;
mod json;
mod keychain;
mod secret;
mod store;
mod vault_file;

pub use app_lock::AppLock;
pub use atomic::temp_path;
pub use crypto::KdfParams;
pub use error::VaultError;
pub use keychain::{Keychain, PROBE_TIMEOUT, SERVICE};
pub use secret::{ApiCredentials, Secret};
pub use store::{MAX_ACCOUNT_ID_LEN, SecretStore, StoreKind, validate_account_id};
pub use vault_file::{UnlockedVault, VaultFile};
