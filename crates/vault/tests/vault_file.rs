//! The encrypted vault file against real files in a temporary directory: round trips, wrong
//! password, tampering of every byte, truncation, the v1 -> v2 upgrade (a v1 file written here
//! from the documented layout), permissions and atomic replacement.

use std::fs;
use std::path::{Path, PathBuf};

use keel_vault::format::{CURRENT_VERSION, MAGIC, V1_PARAMS};
use keel_vault::{
    ApiCredentials, KdfParams, Secret, SecretStore, StoreKind, UnlockedVault, VaultError,
    VaultFile, temp_path,
};

/// Small Argon2 parameters so the tests are quick; production uses `KdfParams::default()`.
const FAST: KdfParams = KdfParams {
    m_cost_kib: 64,
    t_cost: 1,
    p_cost: 1,
};

fn pw(s: &str) -> Secret {
    Secret::new(s)
}

fn creds(key: &str, secret: &str, passphrase: Option<&str>) -> ApiCredentials {
    ApiCredentials {
        api_key: Secret::new(key),
        secret: Secret::new(secret),
        passphrase: passphrase.map(Secret::new),
    }
}

fn new_vault(dir: &Path) -> (PathBuf, UnlockedVault) {
    let path = dir.join("keel.vault");
    let vault = VaultFile::create_with_params(&path, &pw("hunter2-vault"), FAST).expect("create");
    (path, vault)
}

fn filled_vault(dir: &Path) -> (PathBuf, Vec<u8>) {
    let (path, vault) = new_vault(dir);
    vault
        .put(
            "binance-main",
            &creds("KEY-canary-1", "SECRET-canary-1", None),
        )
        .expect("put");
    vault
        .put(
            "okx",
            &creds("KEY-canary-2", "SECRET-canary-2", Some("PASS-canary-2")),
        )
        .expect("put");
    let bytes = fs::read(&path).expect("read");
    (path, bytes)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn several_accounts_round_trip_through_a_fresh_unlock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    assert_eq!(vault.kind(), StoreKind::VaultFile);
    let a = creds("KEY-canary-a", "SECRET-canary-a", None);
    let b = creds(
        "KEY-canary-b",
        "-----BEGIN PRIVATE KEY-----\nMC4C\"\\\n-----END PRIVATE KEY-----\n",
        Some("PASS-canary-b"),
    );
    let c = creds("KEY-canary-c", "SECRET-ünïcødé-c", None);
    vault.put("binance-spot", &a).expect("put a");
    vault.put("binance-usdm", &b).expect("put b");
    vault.put("third", &c).expect("put c");
    vault.put("temp", &a).expect("put temp");
    assert!(vault.delete("temp").expect("delete"));
    assert!(!vault.delete("temp").expect("delete again"));
    // Replace: the newest value wins.
    let a2 = creds("KEY-canary-a2", "SECRET-canary-a2", None);
    vault.put("binance-spot", &a2).expect("replace a");
    drop(vault);

    let raw = fs::read(&path).expect("read");
    assert!(raw.starts_with(MAGIC));
    for canary in ["canary", "KEY-", "SECRET-", "PASS-", "binance", "api_key"] {
        assert!(
            !contains(&raw, canary.as_bytes()),
            "{canary} in plaintext on disk"
        );
    }

    let vault = VaultFile::unlock(&path, &pw("hunter2-vault")).expect("unlock");
    assert_eq!(vault.params(), FAST);
    assert_eq!(
        vault.account_ids(),
        ["binance-spot", "binance-usdm", "third"]
    );
    assert_eq!(vault.get("binance-spot").expect("get"), Some(a2));
    assert_eq!(vault.get("binance-usdm").expect("get"), Some(b));
    assert_eq!(vault.get("third").expect("get"), Some(c));
    assert_eq!(vault.get("temp").expect("get"), None);
    let debug = format!("{vault:?}");
    assert!(!debug.contains("canary"), "{debug}");
}

#[test]
fn default_parameters_are_written_to_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("default.vault");
    let vault = VaultFile::create(&path, &pw("pw")).expect("create");
    assert_eq!(vault.params(), KdfParams::default());
    let raw = fs::read(&path).expect("read");
    assert_eq!(
        u32::from_le_bytes(raw[12..16].try_into().expect("4")),
        19 * 1024
    );
    assert_eq!(u32::from_le_bytes(raw[16..20].try_into().expect("4")), 2);
    assert_eq!(u32::from_le_bytes(raw[20..24].try_into().expect("4")), 1);
}

#[test]
fn every_write_uses_a_fresh_nonce() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    let c = creds("k", "s", None);
    vault.put("a", &c).expect("put");
    let first = fs::read(&path).expect("read");
    vault.put("a", &c).expect("put same");
    let second = fs::read(&path).expect("read");
    assert_eq!(first.len(), second.len());
    assert_ne!(first[72..84], second[72..84], "nonce reused");
    assert_ne!(first[120..], second[120..], "same ciphertext twice");
}

#[test]
fn wrong_password_is_reported_and_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, before) = filled_vault(dir.path());
    let modified = fs::metadata(&path)
        .expect("meta")
        .modified()
        .expect("mtime");
    for wrong in ["hunter2-Vault", "", "hunter2-vault "] {
        let err = VaultFile::unlock(&path, &pw(wrong)).expect_err("wrong password");
        assert!(matches!(err, VaultError::WrongPassword), "{wrong:?}: {err}");
        assert_eq!(err.to_string(), "wrong vault password");
    }
    assert_eq!(fs::read(&path).expect("read"), before);
    assert_eq!(
        fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime"),
        modified
    );
    assert!(VaultFile::unlock(&path, &pw("hunter2-vault")).is_ok());
}

/// What a flipped bit at `offset` of a v2 file must produce.
fn expected_for(offset: usize) -> &'static str {
    match offset {
        0..8 => "corrupt",    // magic
        8 => "unsupported",   // version 2 -> 3
        9 => "unsupported",   // version 2 -> 258
        10..120 => "corrupt", // header fields and the header checksum
        _ => "tampered",      // nonce-bound ciphertext and tag
    }
}

fn classify(result: Result<UnlockedVault, VaultError>) -> String {
    match result {
        Ok(_) => "OPENED".into(),
        Err(VaultError::Corrupt { .. }) => "corrupt".into(),
        Err(VaultError::Tampered) => "tampered".into(),
        Err(VaultError::UnsupportedVersion { .. }) => "unsupported".into(),
        Err(other) => format!("other: {other}"),
    }
}

#[test]
fn a_flipped_bit_anywhere_is_detected_as_corruption_or_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, original) = filled_vault(dir.path());
    let copy = dir.path().join("copy.vault");
    for offset in 0..original.len() {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x01;
        fs::write(&copy, &bytes).expect("write copy");
        let got = classify(VaultFile::unlock(&copy, &pw("hunter2-vault")));
        assert_eq!(got, expected_for(offset), "flipped byte at offset {offset}");
        assert_eq!(
            fs::read(&copy).expect("read"),
            bytes,
            "file changed at {offset}"
        );
    }
    assert_eq!(fs::read(&path).expect("read"), original);
}

fn recompute_checksum(bytes: &mut [u8]) {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(&bytes[..88]);
    bytes[88..120].copy_from_slice(&digest);
}

#[test]
fn header_is_authenticated_even_when_the_checksum_is_forged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, original) = filled_vault(dir.path());
    let copy = dir.path().join("forged.vault");
    // Nonce (72..84) and ciphertext length are AAD: a forger who fixes the checksum still fails.
    for offset in [72, 78, 83] {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x80;
        recompute_checksum(&mut bytes);
        fs::write(&copy, &bytes).expect("write");
        let got = classify(VaultFile::unlock(&copy, &pw("hunter2-vault")));
        assert_eq!(got, "tampered", "nonce byte {offset}");
    }
    // A forged password check cannot make a wrong password decrypt: the key is still wrong.
    let mut bytes = original.clone();
    bytes[40] ^= 0x01;
    recompute_checksum(&mut bytes);
    fs::write(&copy, &bytes).expect("write");
    assert!(matches!(
        VaultFile::unlock(&copy, &pw("hunter2-vault")),
        Err(VaultError::WrongPassword)
    ));
    // Parameters beyond Keel's bounds are refused before any key derivation.
    let mut bytes = original.clone();
    bytes[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    recompute_checksum(&mut bytes);
    fs::write(&copy, &bytes).expect("write");
    let err = VaultFile::unlock(&copy, &pw("hunter2-vault")).expect_err("huge m");
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
    assert_eq!(fs::read(&path).expect("read"), original);
}

#[test]
fn truncated_files_are_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_path, original) = filled_vault(dir.path());
    let copy = dir.path().join("short.vault");
    let n = original.len();
    for len in [
        0,
        3,
        8,
        9,
        10,
        50,
        87,
        88,
        119,
        120,
        121,
        n / 2,
        n - 16,
        n - 1,
    ] {
        fs::write(&copy, &original[..len]).expect("write");
        let err = VaultFile::unlock(&copy, &pw("hunter2-vault")).expect_err("truncated");
        match &err {
            VaultError::Corrupt { reason } => {
                assert!(
                    reason.contains("truncated") || len == 0,
                    "len {len}: {reason}"
                )
            }
            other => panic!("len {len}: {other}"),
        }
    }
    // Trailing garbage is refused too.
    let mut longer = original.clone();
    longer.push(0);
    fs::write(&copy, &longer).expect("write");
    assert!(matches!(
        VaultFile::unlock(&copy, &pw("hunter2-vault")),
        Err(VaultError::Corrupt { .. })
    ));
}

#[test]
fn not_a_vault_file_and_future_versions_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.vault");
    fs::write(&path, b"{\"accounts\":{}}").expect("write");
    let err = VaultFile::unlock(&path, &pw("pw")).expect_err("not a vault");
    assert!(err.to_string().contains("not a Keel vault file"), "{err}");

    let mut future = MAGIC.to_vec();
    future.extend_from_slice(&7u16.to_le_bytes());
    future.extend_from_slice(&[0u8; 200]);
    fs::write(&path, &future).expect("write");
    let err = VaultFile::unlock(&path, &pw("pw")).expect_err("future");
    assert!(
        matches!(
            err,
            VaultError::UnsupportedVersion {
                found: 7,
                newest: CURRENT_VERSION
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("update Keel"), "{err}");
    assert_eq!(fs::read(&path).expect("read"), future);

    let missing = dir.path().join("missing.vault");
    assert!(matches!(
        VaultFile::unlock(&missing, &pw("pw")),
        Err(VaultError::NotFound { .. })
    ));
}

/// Writes a v1 file exactly as `keel_vault::format` documents it, independently of the crate's
/// writer: magic, version 1, salt, nonce, AES-256-GCM under Argon2id(m=19456, t=2, p=1).
fn write_v1(path: &Path, password: &str, plaintext: &[u8]) {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    let salt = [7u8; 16];
    let nonce = [9u8; 12];
    let params = argon2::Params::new(
        V1_PARAMS.m_cost_kib,
        V1_PARAMS.t_cost,
        V1_PARAMS.p_cost,
        Some(32),
    )
    .expect("params");
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt, &mut key)
        .expect("argon2");
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&1u16.to_le_bytes());
    header.extend_from_slice(&salt);
    header.extend_from_slice(&nonce);
    let mut body = plaintext.to_vec();
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).expect("key"))
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&header),
            &mut body,
        )
        .expect("seal");
    header.extend_from_slice(&body);
    fs::write(path, header).expect("write v1");
}

#[test]
fn a_v1_file_unlocks_and_is_rewritten_as_v2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.vault");
    let json = br#"{"accounts":{"legacy":{"api_key":"K1","secret":"S1","passphrase":null},"okx":{"api_key":"K2","secret":"S2","passphrase":"P2"}}}"#;
    write_v1(&path, "old-password", json);
    let v1 = fs::read(&path).expect("read");

    // Wrong password: v1 has no password check, so a failed decryption is reported as such,
    // and the file stays v1.
    assert!(matches!(
        VaultFile::unlock(&path, &pw("wrong")),
        Err(VaultError::WrongPassword)
    ));
    assert_eq!(fs::read(&path).expect("read"), v1);

    let vault = VaultFile::unlock(&path, &pw("old-password")).expect("unlock v1");
    assert_eq!(
        vault.get("legacy").expect("get"),
        Some(creds("K1", "S1", None))
    );
    assert_eq!(
        vault.get("okx").expect("get"),
        Some(creds("K2", "S2", Some("P2")))
    );
    assert_eq!(vault.params(), KdfParams::default());
    drop(vault);

    let v2 = fs::read(&path).expect("read");
    assert_eq!(u16::from_le_bytes([v2[8], v2[9]]), CURRENT_VERSION);
    assert_eq!(
        u32::from_le_bytes(v2[12..16].try_into().expect("4")),
        19 * 1024
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let vault = VaultFile::unlock(&path, &pw("old-password")).expect("unlock v2");
    assert_eq!(vault.account_ids(), ["legacy", "okx"]);
    assert_eq!(
        fs::read(&path).expect("read"),
        v2,
        "a v2 file is not rewritten on unlock"
    );
}

#[test]
fn change_password_reencrypts_and_checks_the_current_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    let c = creds("KEY-x", "SECRET-x", None);
    vault.put("acct", &c).expect("put");
    let before = fs::read(&path).expect("read");

    let err = vault
        .change_password(&pw("not-it"), &pw("new-pw"))
        .expect_err("wrong current");
    assert!(matches!(err, VaultError::WrongPassword), "{err}");
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(matches!(
        vault.change_password(&pw("hunter2-vault"), &pw("")),
        Err(VaultError::InvalidPassword { .. })
    ));

    vault
        .change_password(&pw("hunter2-vault"), &pw("new-pw"))
        .expect("change");
    let after = fs::read(&path).expect("read");
    assert_ne!(
        before[24..40],
        after[24..40],
        "salt must change with the password"
    );
    // The in-memory vault keeps working with the new key.
    vault.put("acct2", &c).expect("put after change");
    drop(vault);
    assert!(matches!(
        VaultFile::unlock(&path, &pw("hunter2-vault")),
        Err(VaultError::WrongPassword)
    ));
    let vault = VaultFile::unlock(&path, &pw("new-pw")).expect("new password");
    assert_eq!(vault.get("acct").expect("get"), Some(c.clone()));
    assert_eq!(vault.get("acct2").expect("get"), Some(c));
}

#[test]
fn create_refuses_existing_files_empty_passwords_and_bad_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    let before = fs::read(&path).expect("read");
    assert!(matches!(
        VaultFile::create_with_params(&path, &pw("other"), FAST),
        Err(VaultError::AlreadyExists { .. })
    ));
    assert_eq!(fs::read(&path).expect("read"), before);
    assert!(matches!(
        VaultFile::create_with_params(dir.path().join("e.vault"), &pw(""), FAST),
        Err(VaultError::InvalidPassword { .. })
    ));
    let bad = KdfParams {
        m_cost_kib: 4,
        t_cost: 1,
        p_cost: 1,
    };
    assert!(matches!(
        VaultFile::create_with_params(dir.path().join("p.vault"), &pw("x"), bad),
        Err(VaultError::InvalidParams { .. })
    ));
    let c = creds("k", "s", None);
    for id in ["", " padded", "line\nbreak", &"x".repeat(129)] {
        assert!(
            matches!(vault.put(id, &c), Err(VaultError::InvalidAccountId { .. })),
            "{id:?}"
        );
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    assert_eq!(mode(&path), 0o600);
    // Even if someone widened it, the next write puts it back to 0600.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    vault.put("a", &creds("k", "s", None)).expect("put");
    assert_eq!(mode(&path), 0o600);
    // A stale world-readable temporary file does not leak its mode into the vault.
    let tmp = temp_path(&path);
    fs::write(&tmp, b"stale").expect("stale tmp");
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o666)).expect("chmod");
    vault.put("b", &creds("k", "s", None)).expect("put");
    assert_eq!(mode(&path), 0o600);
    assert!(!tmp.exists(), "the temporary file was renamed away");
}

#[test]
fn a_failed_write_leaves_the_old_file_and_memory_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, vault) = new_vault(dir.path());
    let old = creds("KEY-old", "SECRET-old", None);
    vault.put("acct", &old).expect("put");
    let before = fs::read(&path).expect("read");

    // A directory where the temporary file must go makes the write fail (as root too, where a
    // read-only directory would not).
    let tmp = temp_path(&path);
    fs::create_dir(&tmp).expect("block the temp path");
    let new = creds("KEY-new", "SECRET-new", None);
    let err = vault.put("acct", &new).expect_err("write must fail");
    assert!(matches!(err, VaultError::Io { .. }), "{err}");
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let err = vault.delete("acct").expect_err("delete must fail");
    assert!(matches!(err, VaultError::Io { .. }), "{err}");
    assert!(matches!(
        vault.change_password(&pw("hunter2-vault"), &pw("next")),
        Err(VaultError::Io { .. })
    ));

    assert_eq!(fs::read(&path).expect("read"), before, "old file replaced");
    assert_eq!(
        vault.get("acct").expect("get"),
        Some(old.clone()),
        "memory changed"
    );
    let reopened = VaultFile::unlock(&path, &pw("hunter2-vault")).expect("old password still");
    assert_eq!(reopened.get("acct").expect("get"), Some(old));

    fs::remove_dir(&tmp).expect("unblock");
    vault.put("acct", &new).expect("put after unblocking");
    let reopened = VaultFile::unlock(&path, &pw("hunter2-vault")).expect("unlock");
    assert_eq!(reopened.get("acct").expect("get"), Some(new));
    assert!(!tmp.exists());
}
