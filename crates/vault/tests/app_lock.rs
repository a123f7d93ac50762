//! The app-lock password: Argon2id PHC hashes, verified against the right and wrong password.

use keel_vault::{AppLock, KdfParams, Secret, VaultError};

const FAST: KdfParams = KdfParams {
    m_cost_kib: 256,
    t_cost: 1,
    p_cost: 1,
};

#[test]
fn right_password_verifies_wrong_does_not() {
    let phc = AppLock::hash_password_with(&Secret::new("correct horse"), FAST).expect("hash");
    assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    assert!(!phc.contains("correct horse"));
    assert!(AppLock::verify(&Secret::new("correct horse"), &phc));
    assert!(!AppLock::verify(&Secret::new("correct horsE"), &phc));
    assert!(!AppLock::verify(&Secret::new(""), &phc));
}

#[test]
fn default_parameters_are_stored_in_the_hash() {
    let phc = AppLock::hash_password(&Secret::new("pw-default")).expect("hash");
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(AppLock::verify(&Secret::new("pw-default"), &phc));
    assert!(!AppLock::verify(&Secret::new("pw-defaulT"), &phc));
}

#[test]
fn each_hash_has_its_own_salt() {
    let a = AppLock::hash_password_with(&Secret::new("same"), FAST).expect("hash");
    let b = AppLock::hash_password_with(&Secret::new("same"), FAST).expect("hash");
    assert_ne!(a, b);
    assert!(AppLock::verify(&Secret::new("same"), &a));
    assert!(AppLock::verify(&Secret::new("same"), &b));
}

#[test]
fn malformed_or_foreign_hashes_never_match() {
    let pw = Secret::new("pw");
    let phc = AppLock::hash_password_with(&pw, FAST).expect("hash");
    assert!(!AppLock::verify(&pw, ""));
    assert!(!AppLock::verify(&pw, "not a hash"));
    // Same hash relabelled as Argon2i: refused rather than verified with another algorithm.
    assert!(!AppLock::verify(
        &pw,
        &phc.replacen("$argon2id$", "$argon2i$", 1)
    ));
    // A flipped character in the stored hash.
    let mut tampered = phc.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(!AppLock::verify(
        &pw,
        &String::from_utf8(tampered).expect("utf8")
    ));
    // Parameters beyond Keel's bounds (a 4 GiB memory cost) are refused without hashing.
    let huge = phc.replacen("m=256", "m=4194304", 1);
    assert!(!AppLock::verify(&pw, &huge));
}

#[test]
fn empty_password_is_refused() {
    let err = AppLock::hash_password_with(&Secret::new(""), FAST).expect_err("empty");
    assert!(matches!(err, VaultError::InvalidPassword { .. }), "{err}");
}
