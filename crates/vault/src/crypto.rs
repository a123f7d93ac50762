//! Key derivation (Argon2id) and authenticated encryption (AES-256-GCM via ring).

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::secret::Secret;

/// Length of the AES-GCM authentication tag appended to every ciphertext.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the Argon2 salt.
pub(crate) const SALT_LEN: usize = 16;
/// Length of keys and of the password check value.
pub(crate) const KEY_LEN: usize = 32;
pub(crate) use ring::aead::NONCE_LEN as NONCE_BYTES;

/// Argon2id cost parameters. Stored in every v2 vault file header, so files written with other
/// parameters stay readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// Upper bound on memory accepted from a file or a caller (1 GiB), so a damaged header
    /// cannot make Keel allocate without limit.
    pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
    /// Upper bound on passes.
    pub const MAX_T_COST: u32 = 64;
    /// Upper bound on lanes.
    pub const MAX_P_COST: u32 = 16;

    /// Checks the bounds Keel accepts (Argon2's own minimums included).
    pub fn validate(&self) -> Result<(), VaultError> {
        let bad = |reason: String| Err(VaultError::InvalidParams { reason });
        if self.p_cost == 0 || self.p_cost > Self::MAX_P_COST {
            return bad(format!(
                "p={} is outside 1..={}",
                self.p_cost,
                Self::MAX_P_COST
            ));
        }
        if self.t_cost == 0 || self.t_cost > Self::MAX_T_COST {
            return bad(format!(
                "t={} is outside 1..={}",
                self.t_cost,
                Self::MAX_T_COST
            ));
        }
        let min_m = 8 * self.p_cost;
        if self.m_cost_kib < min_m || self.m_cost_kib > Self::MAX_M_COST_KIB {
            return bad(format!(
                "m={} KiB is outside {min_m}..={} KiB",
                self.m_cost_kib,
                Self::MAX_M_COST_KIB
            ));
        }
        Ok(())
    }

    pub(crate) fn argon2(&self) -> Result<Argon2<'static>, VaultError> {
        self.validate()?;
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(KEY_LEN))
            .map_err(|e| VaultError::InvalidParams {
                reason: e.to_string(),
            })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for KdfParams {
    /// 19 MiB, 2 passes, 1 lane: the OWASP-recommended Argon2id minimum.
    fn default() -> Self {
        KdfParams {
            m_cost_kib: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

/// Fills `buf` from the OS random generator.
pub(crate) fn random_fill(buf: &mut [u8]) -> Result<(), VaultError> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| VaultError::Crypto("the OS random generator failed"))
}

/// Argon2id(password, salt) -> 32 bytes.
pub(crate) fn argon2_key(
    password: &Secret,
    salt: &[u8],
    params: &KdfParams,
) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    params
        .argon2()?
        .hash_password_into(password.expose().as_bytes(), salt, out.as_mut())
        .map_err(|_| VaultError::Crypto("Argon2 key derivation failed"))?;
    Ok(out)
}

/// The two keys of a v2 file, expanded from the Argon2 output with HKDF-SHA256: one encrypts,
/// the other is a check value stored in the header that tells a wrong password from tampering.
pub(crate) struct DerivedKeys {
    pub(crate) encryption: Zeroizing<[u8; KEY_LEN]>,
    pub(crate) check: [u8; KEY_LEN],
}

pub(crate) fn derive_v2(
    password: &Secret,
    salt: &[u8],
    params: &KdfParams,
) -> Result<DerivedKeys, VaultError> {
    let master = argon2_key(password, salt, params)?;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"keel-vault-v2").extract(master.as_ref());
    let mut encryption = Zeroizing::new([0u8; KEY_LEN]);
    let mut check = [0u8; KEY_LEN];
    for (info, out) in [
        (&b"encryption key"[..], encryption.as_mut_slice()),
        (&b"password check"[..], &mut check[..]),
    ] {
        prk.expand(&[info], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(out))
            .map_err(|_| VaultError::Crypto("HKDF expansion failed"))?;
    }
    Ok(DerivedKeys { encryption, check })
}

/// Constant-time equality of two byte strings of equal length.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    diff == 0
}

fn cipher(key: &[u8; KEY_LEN]) -> Result<LessSafeKey, VaultError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| VaultError::Crypto("AES-256-GCM key setup failed"))
}

/// Encrypts `buf` in place and appends the tag. `buf` must have `TAG_LEN` spare capacity so
/// the plaintext is never copied into a fresh allocation.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), VaultError> {
    cipher(key)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
        .map_err(|_| VaultError::Crypto("AES-256-GCM encryption failed"))
}

/// Decrypts `buf` (ciphertext and tag) in place; on success `buf` holds the plaintext. `None`
/// when authentication fails.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<bool, VaultError> {
    let len = match cipher(key)?.open_in_place(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        buf.as_mut_slice(),
    ) {
        Ok(plain) => plain.len(),
        Err(_) => return Ok(false),
    };
    buf.truncate(len);
    Ok(true)
}
