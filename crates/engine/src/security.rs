//! The optional app lock: a password to open Keel and to switch an account to live trading.
//! Only an Argon2id hash of it is stored (in settings); the password itself is never kept.

use crate::api::*;
use crate::engine::Engine;
use keel_vault::Secret;
use std::sync::atomic::Ordering;

pub(crate) const APP_LOCK_KEY: &str = "app_lock_hash";

async fn stored_hash(engine: &Engine) -> AppResult<Option<String>> {
    Ok(engine
        .inner
        .store
        .setting(APP_LOCK_KEY)
        .await?
        .filter(|h| !h.is_empty()))
}

async fn verify(password: &Secret, hash: String) -> AppResult<bool> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || keel_vault::AppLock::verify(&password, &hash))
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("password check: {e}")))
}

fn wrong_password() -> AppError {
    AppError::new(ErrorCode::WrongPassword, "Wrong app password")
}

/// Refuses unless `password` is the app password; passes when no app lock is set.
pub(crate) async fn check_app_password(
    engine: &Engine,
    password: Option<&Secret>,
) -> AppResult<()> {
    let Some(hash) = stored_hash(engine).await? else {
        return Ok(());
    };
    let Some(password) = password else {
        return Err(AppError::new(
            ErrorCode::WrongPassword,
            "Enter the app password to switch an account to live trading",
        ));
    };
    if verify(password, hash).await? {
        Ok(())
    } else {
        Err(wrong_password())
    }
}

pub(crate) async fn status(engine: &Engine) -> AppResult<SecurityView> {
    let (secret_store, keychain_error, vault_file_exists, vault_unlocked) =
        engine.inner.secrets.status();
    Ok(SecurityView {
        secret_store,
        keychain_error,
        vault_file_exists,
        vault_unlocked,
        app_lock_enabled: stored_hash(engine).await?.is_some(),
        app_locked: engine.inner.locked.load(Ordering::SeqCst),
    })
}

/// Sets, changes or (with `new` = None) removes the app password. Changing or removing it
/// needs the current one.
pub(crate) async fn set_app_lock(
    engine: &Engine,
    current: Option<&Secret>,
    new: Option<&Secret>,
) -> AppResult<SecurityView> {
    engine.ensure_unlocked()?;
    if let Some(hash) = stored_hash(engine).await? {
        let ok = match current {
            Some(current) => verify(current, hash).await?,
            None => false,
        };
        if !ok {
            return Err(wrong_password());
        }
    }
    match new {
        Some(password) => {
            if password.expose().chars().count() < 8 {
                return Err(AppError::new(
                    ErrorCode::InvalidInput,
                    "Use an app password of at least 8 characters",
                ));
            }
            let password = password.clone();
            let hash =
                tokio::task::spawn_blocking(move || keel_vault::AppLock::hash_password(&password))
                    .await
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("password hash: {e}")))?
                    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            engine.inner.store.set_setting(APP_LOCK_KEY, &hash).await?;
            tracing::info!("app lock set");
        }
        None => {
            engine.inner.store.set_setting(APP_LOCK_KEY, "").await?;
            tracing::info!("app lock removed");
        }
    }
    status(engine).await
}

pub(crate) async fn unlock(engine: &Engine, password: &Secret) -> AppResult<SecurityView> {
    if let Some(hash) = stored_hash(engine).await?
        && !verify(password, hash).await?
    {
        return Err(wrong_password());
    }
    engine.inner.locked.store(false, Ordering::SeqCst);
    tracing::info!("app unlocked");
    status(engine).await
}

/// Whether Keel starts locked: it does whenever an app password is set.
pub(crate) async fn locked_at_start(store: &keel_store::Store) -> AppResult<bool> {
    Ok(store
        .setting(APP_LOCK_KEY)
        .await?
        .is_some_and(|h| !h.is_empty()))
}
