//! The optional app-lock password: asked to open Keel and to switch an account to live trading.
//! Only its Argon2id hash (a PHC string) is stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::crypto::{self, KdfParams, SALT_LEN};
use crate::error::VaultError;
use crate::secret::Secret;

/// Hashing and checking of the app-lock password.
pub struct AppLock;

impl AppLock {
    /// The Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `password`, with the
    /// default parameters and a fresh random salt.
    pub fn hash_password(password: &Secret) -> Result<String, VaultError> {
        Self::hash_password_with(password, KdfParams::default())
    }

    /// [`AppLock::hash_password`] with explicit parameters.
    pub fn hash_password_with(password: &Secret, params: KdfParams) -> Result<String, VaultError> {
        if password.is_empty() {
            return Err(VaultError::InvalidPassword {
                reason: "the password is empty",
            });
        }
        let mut salt_bytes = [0u8; SALT_LEN];
        crypto::random_fill(&mut salt_bytes)?;
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|_| VaultError::Crypto("salt encoding failed"))?;
        let hash = params
            .argon2()?
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(|_| VaultError::Crypto("Argon2 hashing failed"))?;
        Ok(hash.to_string())
    }

    /// Whether `password` matches the PHC string `phc` (the comparison is constant-time). A
    /// malformed string, or one whose parameters exceed Keel's bounds, never matches.
    pub fn verify(password: &Secret, phc: &str) -> bool {
        let Ok(hash) = PasswordHash::new(phc) else {
            return false;
        };
        if hash.algorithm.as_str() != "argon2id" {
            return false;
        }
        let Ok(params) = argon2::Params::try_from(&hash) else {
            return false;
        };
        let bounds = KdfParams {
            m_cost_kib: params.m_cost(),
            t_cost: params.t_cost(),
            p_cost: params.p_cost(),
        };
        let Ok(argon2) = bounds.argon2() else {
            return false;
        };
        argon2
            .verify_password(password.expose().as_bytes(), &hash)
            .is_ok()
    }
}
