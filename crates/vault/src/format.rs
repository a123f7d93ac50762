//! The vault file's binary layout. All integers little-endian.
//!
//! Every version starts with the 8-byte magic `KEELVLT\0` and a `u16` version.
//!
//! **v2** (current):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic |
//! | 8 | 2 | version = 2 |
//! | 10 | 1 | KDF id = 1 (Argon2id, version 0x13) |
//! | 11 | 1 | reserved = 0 |
//! | 12 | 4 | Argon2 m (KiB) |
//! | 16 | 4 | Argon2 t |
//! | 20 | 4 | Argon2 p |
//! | 24 | 16 | salt |
//! | 40 | 32 | password check: HKDF-SHA256(Argon2 output, "password check") |
//! | 72 | 12 | AES-GCM nonce (random, new on every write) |
//! | 84 | 4 | ciphertext length including the 16-byte tag |
//! | 88 | 32 | SHA-256 of bytes 0..88 (detects a damaged header before the password is judged) |
//! | 120 | n | AES-256-GCM(key = HKDF-SHA256(Argon2 output, "encryption key"), AAD = bytes 0..88) |
//!
//! **v1** (the first layout; Argon2id parameters fixed at m = 19456 KiB, t = 2, p = 1 and not
//! stored; the Argon2 output is the AES key; no password check, so a wrong password and
//! tampering look the same):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic |
//! | 8 | 2 | version = 1 |
//! | 10 | 16 | salt |
//! | 26 | 12 | nonce |
//! | 38 | n | AES-256-GCM(plaintext, AAD = bytes 0..38) |
//!
//! The plaintext of both is the JSON `{"accounts": {"<id>": {"api_key", "secret", "passphrase"}}}`.

use ring::digest::{SHA256, digest};

use crate::crypto::{KEY_LEN, KdfParams, NONCE_BYTES, SALT_LEN, TAG_LEN};
use crate::error::VaultError;

/// The first eight bytes of every Keel vault file.
pub const MAGIC: &[u8; 8] = b"KEELVLT\0";
/// The format version this build writes; it reads this one and every older one.
pub const CURRENT_VERSION: u16 = 2;
/// The fixed Argon2id parameters of format v1.
pub const V1_PARAMS: KdfParams = KdfParams {
    m_cost_kib: 19456,
    t_cost: 2,
    p_cost: 1,
};

const KDF_ARGON2ID: u8 = 1;
pub(crate) const V2_HEADER_LEN: usize = 88;
const V2_DIGEST_LEN: usize = 32;
const V2_BODY_START: usize = V2_HEADER_LEN + V2_DIGEST_LEN;
const V1_HEADER_LEN: usize = 8 + 2 + SALT_LEN + NONCE_BYTES;

/// A vault file split into its fields; slices borrow the file bytes.
pub(crate) enum Parsed<'a> {
    V1 {
        salt: &'a [u8],
        nonce: [u8; NONCE_BYTES],
        aad: &'a [u8],
        ciphertext: &'a [u8],
    },
    V2 {
        params: KdfParams,
        salt: &'a [u8],
        check: &'a [u8],
        nonce: [u8; NONCE_BYTES],
        aad: &'a [u8],
        ciphertext: &'a [u8],
    },
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn nonce_at(bytes: &[u8], at: usize) -> [u8; NONCE_BYTES] {
    let mut n = [0u8; NONCE_BYTES];
    n.copy_from_slice(&bytes[at..at + NONCE_BYTES]);
    n
}

/// Splits a vault file into its fields, checking structure (not the password).
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, VaultError> {
    let prefix = bytes.len().min(MAGIC.len());
    if bytes[..prefix] != MAGIC[..prefix] {
        return Err(VaultError::corrupt(
            "not a Keel vault file (wrong magic bytes)",
        ));
    }
    if bytes.len() < 10 {
        return Err(VaultError::corrupt(
            "truncated: the file ends inside the header",
        ));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    match version {
        1 => parse_v1(bytes),
        2 => parse_v2(bytes),
        0 => Err(VaultError::corrupt("format version 0 does not exist")),
        found => Err(VaultError::UnsupportedVersion {
            found,
            newest: CURRENT_VERSION,
        }),
    }
}

fn parse_v1(bytes: &[u8]) -> Result<Parsed<'_>, VaultError> {
    if bytes.len() < V1_HEADER_LEN + TAG_LEN {
        return Err(VaultError::corrupt(
            "truncated: the file is shorter than a v1 header and tag",
        ));
    }
    Ok(Parsed::V1 {
        salt: &bytes[10..10 + SALT_LEN],
        nonce: nonce_at(bytes, 26),
        aad: &bytes[..V1_HEADER_LEN],
        ciphertext: &bytes[V1_HEADER_LEN..],
    })
}

fn parse_v2(bytes: &[u8]) -> Result<Parsed<'_>, VaultError> {
    if bytes.len() < V2_BODY_START {
        return Err(VaultError::corrupt(
            "truncated: the file ends inside the header",
        ));
    }
    let header = &bytes[..V2_HEADER_LEN];
    if digest(&SHA256, header).as_ref() != &bytes[V2_HEADER_LEN..V2_BODY_START] {
        return Err(VaultError::corrupt(
            "the header checksum does not match (the header was modified or damaged)",
        ));
    }
    if bytes[10] != KDF_ARGON2ID || bytes[11] != 0 {
        return Err(VaultError::corrupt("unknown key-derivation function"));
    }
    let params = KdfParams {
        m_cost_kib: u32_at(bytes, 12),
        t_cost: u32_at(bytes, 16),
        p_cost: u32_at(bytes, 20),
    };
    params
        .validate()
        .map_err(|e| VaultError::corrupt(format!("stored Argon2 parameters refused: {e}")))?;
    let ct_len = u32_at(bytes, 84) as usize;
    let body = &bytes[V2_BODY_START..];
    if ct_len < TAG_LEN {
        return Err(VaultError::corrupt(
            "the stored ciphertext length is too small",
        ));
    }
    if body.len() < ct_len {
        return Err(VaultError::corrupt(format!(
            "truncated: {} of {ct_len} ciphertext bytes present",
            body.len()
        )));
    }
    if body.len() > ct_len {
        return Err(VaultError::corrupt("trailing bytes after the ciphertext"));
    }
    Ok(Parsed::V2 {
        params,
        salt: &bytes[24..24 + SALT_LEN],
        check: &bytes[40..40 + KEY_LEN],
        nonce: nonce_at(bytes, 72),
        aad: header,
        ciphertext: body,
    })
}

/// The 88-byte v2 header for these fields (`ct_len` includes the tag).
pub(crate) fn v2_header(
    params: &KdfParams,
    salt: &[u8; SALT_LEN],
    check: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_BYTES],
    ct_len: usize,
) -> Result<Vec<u8>, VaultError> {
    let ct_len = u32::try_from(ct_len).map_err(|_| VaultError::InvalidParams {
        reason: "the vault contents exceed 4 GiB".into(),
    })?;
    let mut h = Vec::with_capacity(V2_BODY_START);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&CURRENT_VERSION.to_le_bytes());
    h.push(KDF_ARGON2ID);
    h.push(0);
    h.extend_from_slice(&params.m_cost_kib.to_le_bytes());
    h.extend_from_slice(&params.t_cost.to_le_bytes());
    h.extend_from_slice(&params.p_cost.to_le_bytes());
    h.extend_from_slice(salt);
    h.extend_from_slice(check);
    h.extend_from_slice(nonce);
    h.extend_from_slice(&ct_len.to_le_bytes());
    debug_assert_eq!(h.len(), V2_HEADER_LEN);
    Ok(h)
}

/// Appends the header checksum to a v2 header.
pub(crate) fn seal_header(header: &mut Vec<u8>) {
    let d = digest(&SHA256, &header[..V2_HEADER_LEN]);
    header.extend_from_slice(d.as_ref());
}
