//! Accounts (the Demo exchange and real venue accounts) and the audit log of secret use.
//! No secret is ever stored here: only where it is kept and a four-character key hint.

use crate::{Store, StoreResult};
use keel_domain::TimestampMs;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: String,
    pub venue: String,
    /// `spot` or `futures`.
    pub market: String,
    pub label: String,
    pub created_ms: TimestampMs,
    pub testnet: bool,
    /// `http://host:port` or `socks5://host:port`.
    pub proxy: Option<String>,
    /// The last four characters of the API key.
    pub api_key_hint: Option<String>,
    /// `none`, `keychain` or `vault_file`.
    pub secret_store: String,
    /// Whether orders may be sent (accounts start read-only).
    pub live: bool,
    /// The permission probe's last answer, as JSON.
    pub permissions: Option<String>,
}

impl AccountRow {
    /// A new account row with no secret, read-only, no proxy.
    pub fn new(id: &str, venue: &str, market: &str, label: &str, created_ms: TimestampMs) -> Self {
        AccountRow {
            id: id.into(),
            venue: venue.into(),
            market: market.into(),
            label: label.into(),
            created_ms,
            testnet: false,
            proxy: None,
            api_key_hint: None,
            secret_store: "none".into(),
            live: false,
            permissions: None,
        }
    }
}

/// One use of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub account_id: String,
    pub ts_ms: TimestampMs,
    /// `store`, `read` or `delete`.
    pub action: String,
    pub purpose: String,
}

const ACCOUNT_COLUMNS: &str = "id, venue, market, label, created_ms, testnet, proxy, api_key_hint, \
     secret_store, live, permissions";

fn account_from_row(r: &SqliteRow) -> AccountRow {
    AccountRow {
        id: r.get("id"),
        venue: r.get("venue"),
        market: r.get("market"),
        label: r.get("label"),
        created_ms: r.get("created_ms"),
        testnet: r.get("testnet"),
        proxy: r.get("proxy"),
        api_key_hint: r.get("api_key_hint"),
        secret_store: r.get("secret_store"),
        live: r.get("live"),
        permissions: r.get("permissions"),
    }
}

impl Store {
    /// Inserts the account if its id is new; an existing account is left as it is.
    pub async fn ensure_account(&self, account: &AccountRow) -> StoreResult<()> {
        self.insert_account(account, "ON CONFLICT(id) DO NOTHING")
            .await
    }

    /// Inserts a new account, or replaces the settings of an existing one (and un-removes it).
    pub async fn upsert_account(&self, account: &AccountRow) -> StoreResult<()> {
        self.insert_account(
            account,
            "ON CONFLICT(id) DO UPDATE SET venue = excluded.venue, market = excluded.market,
                 label = excluded.label, testnet = excluded.testnet, proxy = excluded.proxy,
                 api_key_hint = excluded.api_key_hint, secret_store = excluded.secret_store,
                 live = excluded.live, permissions = excluded.permissions, removed_ms = NULL",
        )
        .await
    }

    async fn insert_account(&self, a: &AccountRow, on_conflict: &str) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             {on_conflict}"
        ))
        .bind(&a.id)
        .bind(&a.venue)
        .bind(&a.market)
        .bind(&a.label)
        .bind(a.created_ms)
        .bind(a.testnet)
        .bind(&a.proxy)
        .bind(&a.api_key_hint)
        .bind(&a.secret_store)
        .bind(a.live)
        .bind(&a.permissions)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Accounts in use (not removed), oldest first.
    pub async fn accounts(&self) -> StoreResult<Vec<AccountRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE removed_ms IS NULL
             ORDER BY created_ms, id"
        ))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(account_from_row).collect())
    }

    /// Hides an account; its orders and fills stay for history and exports.
    pub async fn remove_account(&self, id: &str, now: TimestampMs) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET removed_ms = ?, live = 0 WHERE id = ? AND removed_ms IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_account_live(&self, id: &str, live: bool) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET live = ? WHERE id = ?")
            .bind(live)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    pub async fn set_account_permissions(&self, id: &str, json: &str) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET permissions = ? WHERE id = ?")
            .bind(json)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Records one use of an account's secret (never the secret itself).
    pub async fn audit_secret(
        &self,
        account_id: &str,
        action: &str,
        purpose: &str,
        now: TimestampMs,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO secret_audit (account_id, ts_ms, action, purpose) VALUES (?, ?, ?, ?)",
        )
        .bind(account_id)
        .bind(now)
        .bind(action)
        .bind(purpose)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The audit log, newest first; one account's or everyone's.
    pub async fn secret_audit(
        &self,
        account_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT account_id, ts_ms, action, purpose FROM secret_audit
             WHERE (?1 IS NULL OR account_id = ?1) ORDER BY id DESC LIMIT ?2",
        )
        .bind(account_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                account_id: r.get("account_id"),
                ts_ms: r.get("ts_ms"),
                action: r.get("action"),
                purpose: r.get("purpose"),
            })
            .collect())
    }
}
