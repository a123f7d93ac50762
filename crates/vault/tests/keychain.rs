//! The OS keychain for real: a Secret Service (gnome-keyring) round trip, run by
//! `scripts/keychain-test.sh` inside its own D-Bus session; and `Keychain::open` refusing when
//! there is no Secret Service at all (in a child process whose session bus does not exist).

use std::process::Command;
use std::time::Instant;

use keel_vault::{ApiCredentials, Keychain, Secret, SecretStore, StoreKind, VaultError};

const TEST_SERVICE: &str = "app.keel.Keel.test";

#[test]
#[ignore = "needs a Secret Service: run scripts/keychain-test.sh"]
fn credentials_round_trip_through_the_secret_service() {
    let account = format!("acct-{}", std::process::id());
    let creds = ApiCredentials {
        api_key: Secret::new("KEY-keychain-canary"),
        secret: Secret::new("SECRET-keychain-canary \"quoted\" ünïcødé"),
        passphrase: Some(Secret::new("PASS-keychain-canary")),
    };

    let keychain = Keychain::open_service(TEST_SERVICE).expect("a working keychain");
    assert_eq!(keychain.kind(), StoreKind::Keychain);
    assert_eq!(keychain.get(&account).expect("get before put"), None);
    keychain.put(&account, &creds).expect("put");
    drop(keychain);

    // A new instance (new D-Bus connections): the value lives in the keyring daemon, not here.
    let again = Keychain::open_service(TEST_SERVICE).expect("reopen");
    assert_eq!(again.get(&account).expect("get"), Some(creds.clone()));
    // Replacing overwrites the one entry.
    let replaced = ApiCredentials {
        passphrase: None,
        ..creds.clone()
    };
    again.put(&account, &replaced).expect("replace");
    assert_eq!(again.get(&account).expect("get"), Some(replaced));
    // Another service name is another namespace.
    let other = Keychain::open_service("app.keel.Keel.test-other").expect("other service");
    assert_eq!(other.get(&account).expect("get other"), None);

    assert!(again.delete(&account).expect("delete"));
    let third = Keychain::open_service(TEST_SERVICE).expect("reopen");
    assert_eq!(third.get(&account).expect("get after delete"), None);
    assert!(!third.delete(&account).expect("delete again"));
    let debug = format!("{third:?}");
    assert!(debug.contains("Secret Service"), "{debug}");
}

const CHILD_ENV: &str = "KEEL_VAULT_NO_KEYCHAIN_CHILD";

/// Runs in a child process with a session bus address that points nowhere: `open` must fail with
/// "no keychain available" quickly, never fall back to an in-memory store.
#[test]
fn open_without_a_secret_service_is_a_clear_error() {
    if std::env::var_os(CHILD_ENV).is_some() {
        let started = Instant::now();
        let err = Keychain::open().expect_err("there is no keychain here");
        assert!(matches!(err, VaultError::NoKeychain { .. }), "{err}");
        let text = err.to_string();
        assert!(text.starts_with("no keychain available: "), "{text}");
        assert!(started.elapsed() < keel_vault::PROBE_TIMEOUT, "{text}");
        println!("child saw: {text}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-bus");
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "open_without_a_secret_service_is_a_clear_error",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", missing.display()),
        )
        .env("XDG_RUNTIME_DIR", dir.path())
        .env_remove("DISPLAY")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("child saw: no keychain available"),
        "the child did not run the check:\n{stdout}\n{stderr}"
    );
}
