//! The opt-in encrypted vault file for machines without a keychain.

use std::collections::BTreeMap;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use zeroize::Zeroizing;

use crate::atomic::write_atomic;
use crate::crypto::{
    self, DerivedKeys, KEY_LEN, KdfParams, NONCE_BYTES, SALT_LEN, TAG_LEN, argon2_key, derive_v2,
};
use crate::error::VaultError;
use crate::format::{self, Parsed, V1_PARAMS};
use crate::json::{self, CredentialsRef, VaultContentsOwned, VaultContentsRef};
use crate::secret::{ApiCredentials, Secret};
use crate::store::{SecretStore, StoreKind, validate_account_id};

/// Opens and creates vault files. See [`crate::format`] for the layout.
pub struct VaultFile;

impl VaultFile {
    /// Creates a new, empty vault file at `path` with the default Argon2id parameters.
    /// Refuses to overwrite an existing file.
    pub fn create(path: impl AsRef<Path>, password: &Secret) -> Result<UnlockedVault, VaultError> {
        Self::create_with_params(path, password, KdfParams::default())
    }

    /// [`VaultFile::create`] with explicit Argon2id parameters (stored in the header).
    pub fn create_with_params(
        path: impl AsRef<Path>,
        password: &Secret,
        params: KdfParams,
    ) -> Result<UnlockedVault, VaultError> {
        let path = path.as_ref().to_path_buf();
        check_new_password(password)?;
        params.validate()?;
        match std::fs::symlink_metadata(&path) {
            Ok(_) => return Err(VaultError::AlreadyExists { path }),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::io("inspect", path, e)),
        }
        let state = State::new_key(password, params, BTreeMap::new())?;
        state.write(&path)?;
        Ok(UnlockedVault::new(path, state))
    }

    /// Opens the vault file at `path`. A wrong password gives [`VaultError::WrongPassword`] and
    /// leaves the file untouched. A file in an older format is rewritten in the current one.
    pub fn unlock(path: impl AsRef<Path>, password: &Secret) -> Result<UnlockedVault, VaultError> {
        let path = path.as_ref().to_path_buf();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(VaultError::NotFound { path }),
            Err(e) => return Err(VaultError::io("read", path, e)),
        };
        match format::parse(&bytes)? {
            Parsed::V2 {
                params,
                salt,
                check,
                nonce,
                aad,
                ciphertext,
            } => {
                let keys = derive_v2(password, salt, &params)?;
                if !crypto::ct_eq(&keys.check, check) {
                    return Err(VaultError::WrongPassword);
                }
                let accounts = decrypt_accounts(
                    &keys.encryption,
                    nonce,
                    aad,
                    ciphertext,
                    VaultError::Tampered,
                )?;
                let mut salt_arr = [0u8; SALT_LEN];
                salt_arr.copy_from_slice(salt);
                let state = State {
                    params,
                    salt: salt_arr,
                    keys,
                    accounts,
                };
                Ok(UnlockedVault::new(path, state))
            }
            Parsed::V1 {
                salt,
                nonce,
                aad,
                ciphertext,
            } => {
                let key = argon2_key(password, salt, &V1_PARAMS)?;
                // v1 has no password check: a wrong password and tampering look the same.
                let accounts =
                    decrypt_accounts(&key, nonce, aad, ciphertext, VaultError::WrongPassword)?;
                let state = State::new_key(password, KdfParams::default(), accounts)?;
                state.write(&path)?;
                Ok(UnlockedVault::new(path, state))
            }
        }
    }
}

fn check_new_password(password: &Secret) -> Result<(), VaultError> {
    if password.is_empty() {
        return Err(VaultError::InvalidPassword {
            reason: "the password is empty",
        });
    }
    Ok(())
}

fn decrypt_accounts(
    key: &[u8; KEY_LEN],
    nonce: [u8; NONCE_BYTES],
    aad: &[u8],
    ciphertext: &[u8],
    on_auth_failure: VaultError,
) -> Result<BTreeMap<String, ApiCredentials>, VaultError> {
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    if !crypto::open(key, nonce, aad, &mut buf)? {
        return Err(on_auth_failure);
    }
    let contents: VaultContentsOwned = json::from_json(&buf)?;
    let mut accounts = BTreeMap::new();
    for (id, creds) in contents.accounts {
        validate_account_id(&id)?;
        accounts.insert(id, ApiCredentials::from(creds));
    }
    Ok(accounts)
}

/// What an unlocked vault holds in memory: the key (not the password) and the accounts.
struct State {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    keys: DerivedKeys,
    accounts: BTreeMap<String, ApiCredentials>,
}

impl State {
    /// A fresh salt and key for `password`.
    fn new_key(
        password: &Secret,
        params: KdfParams,
        accounts: BTreeMap<String, ApiCredentials>,
    ) -> Result<State, VaultError> {
        let mut salt = [0u8; SALT_LEN];
        crypto::random_fill(&mut salt)?;
        let keys = derive_v2(password, &salt, &params)?;
        Ok(State {
            params,
            salt,
            keys,
            accounts,
        })
    }

    /// Encrypts the accounts under a fresh nonce and replaces the file atomically.
    fn write_accounts(
        &self,
        path: &Path,
        accounts: &BTreeMap<String, ApiCredentials>,
    ) -> Result<(), VaultError> {
        let contents = VaultContentsRef {
            accounts: accounts
                .iter()
                .map(|(id, c)| (id.as_str(), CredentialsRef::from(c)))
                .collect(),
        };
        let mut buf = json::to_zeroizing_json(&contents, TAG_LEN)?;
        let mut nonce = [0u8; NONCE_BYTES];
        crypto::random_fill(&mut nonce)?;
        let mut file = format::v2_header(
            &self.params,
            &self.salt,
            &self.keys.check,
            &nonce,
            buf.len() + TAG_LEN,
        )?;
        crypto::seal(&self.keys.encryption, nonce, &file, &mut buf)?;
        format::seal_header(&mut file);
        file.extend_from_slice(&buf);
        write_atomic(path, &file)
    }

    fn write(&self, path: &Path) -> Result<(), VaultError> {
        self.write_accounts(path, &self.accounts)
    }
}

/// An open vault file. Every change re-encrypts the whole file under a fresh nonce and replaces
/// it atomically; memory changes only after the file is written.
pub struct UnlockedVault {
    path: PathBuf,
    state: Mutex<State>,
}

impl UnlockedVault {
    fn new(path: PathBuf, state: State) -> Self {
        UnlockedVault {
            path,
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // State is only replaced after a successful write, so a poisoned lock holds valid data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The file this vault lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Argon2id parameters of the current key.
    pub fn params(&self) -> KdfParams {
        self.lock().params
    }

    /// The ids of the accounts stored, sorted.
    pub fn account_ids(&self) -> Vec<String> {
        self.lock().accounts.keys().cloned().collect()
    }

    /// Re-encrypts the vault under `new_password` (fresh salt, same Argon2id parameters) after
    /// checking `current_password`.
    pub fn change_password(
        &self,
        current_password: &Secret,
        new_password: &Secret,
    ) -> Result<(), VaultError> {
        let params = self.params();
        self.change_password_with_params(current_password, new_password, params)
    }

    /// [`UnlockedVault::change_password`] with new Argon2id parameters.
    pub fn change_password_with_params(
        &self,
        current_password: &Secret,
        new_password: &Secret,
        params: KdfParams,
    ) -> Result<(), VaultError> {
        check_new_password(new_password)?;
        params.validate()?;
        let mut state = self.lock();
        let current = derive_v2(current_password, &state.salt, &state.params)?;
        if !crypto::ct_eq(&current.check, &state.keys.check) {
            return Err(VaultError::WrongPassword);
        }
        let accounts = std::mem::take(&mut state.accounts);
        let fresh = State::new_key(new_password, params, accounts)?;
        let written = fresh.write(&self.path);
        match written {
            Ok(()) => {
                *state = fresh;
                Ok(())
            }
            Err(e) => {
                state.accounts = fresh.accounts;
                Err(e)
            }
        }
    }
}

impl SecretStore for UnlockedVault {
    fn kind(&self) -> StoreKind {
        StoreKind::VaultFile
    }

    fn put(&self, account_id: &str, credentials: &ApiCredentials) -> Result<(), VaultError> {
        validate_account_id(account_id)?;
        let mut state = self.lock();
        let mut next = state.accounts.clone();
        next.insert(account_id.to_owned(), credentials.clone());
        state.write_accounts(&self.path, &next)?;
        state.accounts = next;
        Ok(())
    }

    fn get(&self, account_id: &str) -> Result<Option<ApiCredentials>, VaultError> {
        validate_account_id(account_id)?;
        Ok(self.lock().accounts.get(account_id).cloned())
    }

    fn delete(&self, account_id: &str) -> Result<bool, VaultError> {
        validate_account_id(account_id)?;
        let mut state = self.lock();
        if !state.accounts.contains_key(account_id) {
            return Ok(false);
        }
        let mut next = state.accounts.clone();
        next.remove(account_id);
        state.write_accounts(&self.path, &next)?;
        state.accounts = next;
        Ok(true)
    }
}

impl fmt::Debug for UnlockedVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedVault")
            .field("path", &self.path)
            .field("accounts", &self.lock().accounts.len())
            .finish_non_exhaustive()
    }
}
