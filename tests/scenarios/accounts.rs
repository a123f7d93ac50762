//! Managing accounts: bad input refused with nothing kept, edits that keep a working key when the
//! new one is wrong, and the app lock guarding Keel and live trading.

use crate::binance::{KEY, SECRET, engine_config, new_account, order, rig};
use keel_domain::{OrderKind, Side};
use keel_engine::Engine;
use keel_engine::api::*;
use keel_vault::Secret;
use rust_decimal_macros::dec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_account_input_is_refused_and_nothing_is_kept() {
    let rig = rig(31).await;
    let cases = [
        (
            "bad proxy",
            NewAccountRequest {
                proxy: Some("ftp://proxy:21".into()),
                ..new_account("spot", KEY, SECRET)
            },
        ),
        (
            "empty label",
            NewAccountRequest {
                label: "  ".into(),
                ..new_account("spot", KEY, SECRET)
            },
        ),
        ("empty key", new_account("spot", "", SECRET)),
        (
            "padded secret",
            new_account("spot", KEY, &format!(" {SECRET}")),
        ),
        ("unknown market", new_account("margin", KEY, SECRET)),
    ];
    for (what, request) in cases {
        let err = rig.engine.add_account(request).await.expect_err(what);
        assert_eq!(err.code, ErrorCode::InvalidInput, "{what}: {err:?}");
        assert!(!err.message.is_empty());
    }
    assert_eq!(rig.engine.accounts().await.expect("accounts").len(), 1);
    assert!(
        rig.engine
            .secret_audit(None)
            .await
            .expect("audit")
            .is_empty()
    );
    assert!(
        rig.mock.stats().requests_by_endpoint.is_empty(),
        "nothing reached the venue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_with_a_wrong_key_keeps_the_working_one() {
    let rig = rig(32).await;
    let account = rig
        .engine
        .add_account(new_account("spot", KEY, SECRET))
        .await
        .expect("added");
    let renamed = rig
        .engine
        .update_account(UpdateAccountRequest {
            id: account.id.clone(),
            label: "Main spot".into(),
            testnet: false,
            proxy: None,
            api_key: None,
            secret: None,
            passphrase: None,
        })
        .await
        .expect("renamed");
    assert_eq!(renamed.label, "Main spot");
    rig.engine
        .equity(&account.id)
        .await
        .expect("connected after the rename");
    let err = rig
        .engine
        .update_account(UpdateAccountRequest {
            id: account.id.clone(),
            label: "Main spot".into(),
            testnet: false,
            proxy: None,
            api_key: Some(SecretInput(Secret::new(KEY))),
            secret: Some(SecretInput(Secret::new("a-wrong-secret"))),
            passphrase: None,
        })
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code, ErrorCode::KeyInvalid, "{err:?}");
    // Still connected with the stored key.
    rig.engine
        .equity(&account.id)
        .await
        .expect("still connected");
    let views = rig.engine.accounts().await.expect("accounts");
    let view = views.iter().find(|a| a.id == account.id).expect("listed");
    assert_eq!(
        (view.label.as_str(), view.connection.state.as_str()),
        ("Main spot", "connected")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_lock_guards_live_trading_and_locks_keel_at_start() {
    let rig = rig(33).await;
    let security = rig
        .engine
        .set_app_lock(None, Some(Secret::new("app-password-1")))
        .await
        .expect("lock set");
    assert!(security.app_lock_enabled && !security.app_locked);
    let short = rig
        .engine
        .set_app_lock(
            Some(Secret::new("app-password-1")),
            Some(Secret::new("short")),
        )
        .await;
    assert_eq!(short.expect_err("too short").code, ErrorCode::InvalidInput);

    let account = rig
        .engine
        .add_account(new_account("spot", KEY, SECRET))
        .await
        .expect("added");
    for password in [None, Some(Secret::new("wrong-password"))] {
        let err = rig
            .engine
            .set_account_live(&account.id, true, password)
            .await
            .expect_err("needs the password");
        assert_eq!(err.code, ErrorCode::WrongPassword);
    }
    rig.engine
        .set_account_live(&account.id, true, Some(Secret::new("app-password-1")))
        .await
        .expect("live with the password");

    // Restart: Keel is locked until the password is given.
    let crate::binance::Rig { mock, dir, engine } = rig;
    engine.shutdown().await;
    drop(engine);
    let engine = Engine::start(engine_config(dir.path(), &mock))
        .await
        .expect("restart");
    assert!(engine.security().await.expect("status").app_locked);
    let err = engine
        .place_order(order(
            "demo",
            Side::Buy,
            OrderKind::Market,
            None,
            dec!(0.001),
        ))
        .await
        .expect_err("locked");
    assert_eq!(err.code, ErrorCode::AppLocked);
    let err = engine
        .unlock_app(Secret::new("nope-nope-nope"))
        .await
        .expect_err("wrong");
    assert_eq!(err.code, ErrorCode::WrongPassword);
    let status = engine
        .unlock_app(Secret::new("app-password-1"))
        .await
        .expect("unlocked");
    assert!(!status.app_locked);
    engine.shutdown().await;
}
