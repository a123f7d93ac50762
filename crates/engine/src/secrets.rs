//! The engine's secret store: the OS keychain when it works, otherwise the opt-in encrypted
//! vault file. Every use is written to the audit log (account, time, purpose; never the secret).
//! The blocking stores run on the blocking pool.

use crate::api::*;
use crate::config::{EngineConfig, SecretsMode};
use keel_domain::TimestampMs;
use keel_store::Store;
use keel_vault::{
    ApiCredentials, Keychain, Secret, SecretStore, UnlockedVault, VaultError, VaultFile,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Why a secret is used, as written to the audit log.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    AccountAdded,
    AccountEdited,
    AccountRemoved,
    Connect,
}

impl Purpose {
    fn text(self) -> &'static str {
        match self {
            Purpose::AccountAdded => "account added",
            Purpose::AccountEdited => "account edited",
            Purpose::AccountRemoved => "account removed",
            Purpose::Connect => "connect to the exchange",
        }
    }
}

fn vault_error(e: VaultError) -> AppError {
    let code = match &e {
        VaultError::WrongPassword => ErrorCode::WrongPassword,
        VaultError::InvalidPassword { .. } | VaultError::InvalidAccountId { .. } => {
            ErrorCode::InvalidInput
        }
        VaultError::NoKeychain { .. } | VaultError::NotFound { .. } => {
            ErrorCode::SecretsUnavailable
        }
        VaultError::Io { .. } => ErrorCode::Io,
        _ => ErrorCode::Storage,
    };
    let text = e.to_string();
    let mut chars = text.chars();
    let message = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    };
    AppError::new(code, message)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("secret store task: {e}")))?
        .map_err(vault_error)
}

pub(crate) struct Secrets {
    mode: SecretsMode,
    /// The OS keychain, probed once in the background (a locked keyring can take seconds to
    /// answer; start-up never waits for it). `Err` holds why it cannot be used.
    keychain: tokio::sync::OnceCell<Result<Arc<Keychain>, String>>,
    /// The vault file once created or unlocked.
    vault: Mutex<Option<Arc<UnlockedVault>>>,
    vault_path: PathBuf,
}

impl Secrets {
    pub(crate) fn new(config: &EngineConfig) -> Secrets {
        Secrets {
            mode: config.secrets,
            keychain: tokio::sync::OnceCell::new(),
            vault: Mutex::new(None),
            vault_path: config.vault_path(),
        }
    }

    async fn keychain(&self) -> Result<Arc<Keychain>, String> {
        if self.mode == SecretsMode::VaultFile {
            return Err("Keel is set to use its encrypted vault file".to_string());
        }
        self.keychain
            .get_or_init(|| async {
                match tokio::task::spawn_blocking(Keychain::open).await {
                    Ok(Ok(keychain)) => Ok(Arc::new(keychain)),
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "no OS keychain; secrets need the vault file");
                        Err(e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            })
            .await
            .clone()
    }

    fn vault(&self) -> Option<Arc<UnlockedVault>> {
        self.vault.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn store(&self) -> AppResult<Arc<dyn SecretStore>> {
        if let Ok(keychain) = self.keychain().await {
            return Ok(keychain);
        }
        match self.vault() {
            Some(vault) => Ok(vault),
            None => Err(AppError::new(
                ErrorCode::SecretsUnavailable,
                if self.vault_path.exists() {
                    "Unlock the vault file with its password to use exchange keys"
                } else {
                    "This computer has no keychain Keel can use. Create an encrypted vault file \
                     in Settings to store exchange keys."
                },
            )),
        }
    }

    /// `keychain` or `vault_file`, as recorded with the account; an error when neither can be
    /// used right now.
    pub(crate) async fn kind_name(&self) -> AppResult<&'static str> {
        let store = self.store().await?;
        Ok(match store.kind() {
            keel_vault::StoreKind::Keychain => "keychain",
            keel_vault::StoreKind::VaultFile => "vault_file",
        })
    }

    /// Starts the keychain probe in the background (start-up never waits for it).
    pub(crate) fn probe_in_background(self: &Arc<Self>) {
        let secrets = self.clone();
        tokio::spawn(async move {
            let _ = secrets.keychain().await;
        });
    }

    /// (where secrets go, why not the keychain, vault file exists, vault unlocked). Never
    /// waits for the keychain probe: while it runs, the store reads `checking`.
    pub(crate) fn status(&self) -> (String, Option<String>, bool, bool) {
        let unlocked = self.vault().is_some();
        let keychain = if self.mode == SecretsMode::VaultFile {
            Some(Err(
                "Keel is set to use its encrypted vault file".to_string()
            ))
        } else {
            self.keychain.get().cloned()
        };
        let kind = match (&keychain, unlocked) {
            (None, _) => "checking",
            (Some(Ok(_)), _) => "keychain",
            (Some(Err(_)), true) => "vault_file",
            (Some(Err(_)), false) => "unavailable",
        };
        (
            kind.to_string(),
            keychain.and_then(Result::err),
            self.vault_path.exists(),
            unlocked,
        )
    }

    /// Creates the vault file (refusing to overwrite one) and keeps it unlocked.
    pub(crate) async fn create_vault(&self, password: Secret) -> AppResult<()> {
        self.ensure_vault_mode().await?;
        let path = self.vault_path.clone();
        let vault = blocking(move || VaultFile::create(&path, &password)).await?;
        *self.vault.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(vault));
        tracing::info!("vault file created");
        Ok(())
    }

    pub(crate) async fn unlock_vault(&self, password: Secret) -> AppResult<()> {
        self.ensure_vault_mode().await?;
        let path = self.vault_path.clone();
        let vault = blocking(move || VaultFile::unlock(&path, &password)).await?;
        *self.vault.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(vault));
        tracing::info!("vault file unlocked");
        Ok(())
    }

    async fn ensure_vault_mode(&self) -> AppResult<()> {
        if self.keychain().await.is_ok() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Keel keeps secrets in the OS keychain on this computer; no vault file is needed",
            ));
        }
        Ok(())
    }

    pub(crate) async fn put(
        &self,
        store: &Store,
        account_id: &str,
        credentials: &ApiCredentials,
        purpose: Purpose,
        now: TimestampMs,
    ) -> AppResult<()> {
        let secrets = self.store().await?;
        let (id, creds) = (account_id.to_string(), credentials.clone());
        blocking(move || secrets.put(&id, &creds)).await?;
        store
            .audit_secret(account_id, "store", purpose.text(), now)
            .await?;
        Ok(())
    }

    pub(crate) async fn get(
        &self,
        store: &Store,
        account_id: &str,
        purpose: Purpose,
        now: TimestampMs,
    ) -> AppResult<ApiCredentials> {
        let secrets = self.store().await?;
        let id = account_id.to_string();
        let found = blocking(move || secrets.get(&id)).await?;
        store
            .audit_secret(account_id, "read", purpose.text(), now)
            .await?;
        found.ok_or_else(|| {
            AppError::new(
                ErrorCode::SecretsUnavailable,
                format!(
                    "No API key is stored for account {account_id}: edit the account and enter it again"
                ),
            )
        })
    }

    pub(crate) async fn delete(
        &self,
        store: &Store,
        account_id: &str,
        purpose: Purpose,
        now: TimestampMs,
    ) -> AppResult<()> {
        let secrets = self.store().await?;
        let id = account_id.to_string();
        blocking(move || secrets.delete(&id)).await?;
        store
            .audit_secret(account_id, "delete", purpose.text(), now)
            .await?;
        Ok(())
    }
}
