//! Accounts: connecting them (the Demo exchange at start, real venues from the keychain),
//! adding, editing and removing them, switching them to live trading, and what the Accounts
//! page shows. Secrets go from the form to the secret store once; only a key hint is kept.

use crate::api::*;
use crate::engine::{Account, Engine, Unconnected};
use crate::secrets::Purpose;
use keel_exchange::{ConnectionState, KeyPermissions, Venue, VenueHealth};
use keel_store::AccountRow;
use keel_vault::ApiCredentials;
use std::sync::Arc;
use std::time::Duration;

/// How long adding an account waits for the venue before giving up with a clear error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The venues and markets Keel can connect, as `(venue, market)`.
pub const SUPPORTED: [(&str, &str); 2] = [("binance", "spot"), ("binance", "futures")];

fn permissions_view(p: &KeyPermissions) -> KeyPermissionsView {
    KeyPermissionsView {
        can_read: p.can_read,
        can_trade_spot: p.can_trade_spot,
        can_trade_futures: p.can_trade_futures,
        can_withdraw: p.can_withdraw,
        ip_restricted: p.ip_restricted,
    }
}

fn warnings(row: &AccountRow, permissions: Option<&KeyPermissionsView>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = permissions {
        if !p.ip_restricted {
            out.push(
                "This API key works from any IP address. Restrict it to your IP in the \
                 exchange's API management to limit the damage if it leaks."
                    .to_string(),
            );
        }
        let can_trade = if row.market == "futures" {
            p.can_trade_futures
        } else {
            p.can_trade_spot
        };
        if !can_trade {
            out.push(format!(
                "This key is read-only for {}: Keel can show balances and markets but cannot \
                 place orders.",
                row.market
            ));
        }
    }
    if row.testnet {
        out.push("Testnet: orders go to Binance's test exchange, not real funds.".to_string());
    }
    out
}

pub(crate) fn connection_view(health: &VenueHealth) -> ConnectionView {
    let (state, detail) = match &health.state {
        ConnectionState::Connecting => ("connecting", None),
        ConnectionState::Connected => ("connected", None),
        ConnectionState::Reconnecting { attempt, reason } => {
            ("reconnecting", Some(format!("attempt {attempt}: {reason}")))
        }
        ConnectionState::RateLimited { until_ms } => {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
            let secs = ((until_ms - now_ms).max(0) + 999) / 1000;
            (
                "rate_limited",
                Some(format!(
                    "the exchange asked Keel to slow down: requests wait {secs} s"
                )),
            )
        }
        ConnectionState::Down { reason } => ("down", Some(reason.clone())),
    };
    ConnectionView {
        state: state.into(),
        detail,
        weight_used: health.weight_used,
        weight_limit: health.weight_limit,
        clock_offset_ms: health.clock_offset_ms,
    }
}

fn view(row: &AccountRow, connection: ConnectionView) -> AccountView {
    let permissions: Option<KeyPermissionsView> = row
        .permissions
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok());
    AccountView {
        id: row.id.clone(),
        venue: row.venue.clone(),
        market: row.market.clone(),
        label: row.label.clone(),
        testnet: row.testnet,
        proxy: row.proxy.clone(),
        api_key_hint: row.api_key_hint.clone(),
        secret_store: row.secret_store.clone(),
        live: row.live,
        warnings: warnings(row, permissions.as_ref()),
        permissions,
        connection,
    }
}

/// Every account, connected or not, oldest first.
pub(crate) async fn list(engine: &Engine) -> AppResult<Vec<AccountView>> {
    let rows = engine.inner.store.accounts().await?;
    Ok(rows
        .iter()
        .map(|row| {
            let connection = match engine.account(&row.id) {
                Ok(account) => connection_view(&account.venue.health().borrow()),
                Err(_) => {
                    let state = engine
                        .inner
                        .unconnected
                        .read()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&row.id)
                        .map(|u| u.state.clone())
                        .unwrap_or(ConnectionState::Connecting);
                    connection_view(&VenueHealth {
                        state,
                        ..VenueHealth::connected()
                    })
                }
            };
            view(row, connection)
        })
        .collect())
}

fn validate_proxy(proxy: Option<&str>) -> AppResult<Option<String>> {
    let Some(proxy) = proxy.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let valid = ["http://", "https://", "socks5://", "socks5h://"]
        .iter()
        .any(|scheme| proxy.starts_with(scheme) && proxy.len() > scheme.len())
        && !proxy.contains(char::is_whitespace);
    if !valid {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("Proxy {proxy:?} is not valid: use http://host:port or socks5://host:port"),
        ));
    }
    Ok(Some(proxy.to_string()))
}

fn validate_label(label: &str) -> AppResult<String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Give the account a name of 1 to 60 characters",
        ));
    }
    Ok(label.to_string())
}

fn validate_key(what: &str, value: &keel_vault::Secret) -> AppResult<()> {
    let v = value.expose();
    if v.trim().is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("The {what} is empty"),
        ));
    }
    if v.trim() != v {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("The {what} starts or ends with spaces; paste it again"),
        ));
    }
    Ok(())
}

fn key_hint(api_key: &keel_vault::Secret) -> String {
    let chars: Vec<char> = api_key.expose().chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// A fresh account id: the venue and a counter, never reused (removed accounts keep theirs).
async fn next_account_id(engine: &Engine, venue: &str) -> AppResult<String> {
    let n = engine
        .inner
        .store
        .next_sequence(&format!("account:{venue}"))
        .await?;
    Ok(format!("{venue}{n}"))
}

/// Adds a real-venue account: stores the key in the secret store, connects, checks the key's
/// permissions (refusing one that can withdraw), then records the account. Nothing is kept if
/// any step fails.
pub(crate) async fn add(engine: &Engine, req: NewAccountRequest) -> AppResult<AccountView> {
    engine.ensure_unlocked()?;
    if !SUPPORTED.contains(&(req.venue.as_str(), req.market.as_str())) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "Keel cannot connect {} {} accounts yet",
                req.venue, req.market
            ),
        ));
    }
    let label = validate_label(&req.label)?;
    let proxy = validate_proxy(req.proxy.as_deref())?;
    validate_key("API key", &req.api_key.0)?;
    validate_key("secret", &req.secret.0)?;
    let credentials = ApiCredentials {
        api_key: req.api_key.0.clone(),
        secret: req.secret.0.clone(),
        passphrase: req.passphrase.as_ref().map(|p| p.0.clone()),
    };
    let id = next_account_id(engine, &req.venue).await?;
    let now = engine.inner.clock.now_ms();
    let mut row = AccountRow {
        testnet: req.testnet,
        proxy,
        api_key_hint: Some(key_hint(&credentials.api_key)),
        secret_store: engine.inner.secrets.kind_name().await?.into(),
        ..AccountRow::new(&id, &req.venue, &req.market, &label, now)
    };
    let venue = connect_checked(engine, &row, &credentials).await?;
    row.permissions = check_key(&venue).await?;
    engine
        .inner
        .secrets
        .put(
            &engine.inner.store,
            &id,
            &credentials,
            Purpose::AccountAdded,
            now,
        )
        .await?;
    if let Err(e) = engine.inner.store.upsert_account(&row).await {
        venue.close().await;
        let _ = engine
            .inner
            .secrets
            .delete(&engine.inner.store, &id, Purpose::AccountRemoved, now)
            .await;
        return Err(e.into());
    }
    install(engine, row.clone(), venue).await?;
    tracing::info!(account = %id, venue = %row.venue, market = %row.market, "account added");
    let connection = connection_view(&engine.account(&id)?.venue.health().borrow());
    Ok(view(&row, connection))
}

/// Changes an account's name, testnet, proxy or key, then reconnects it.
pub(crate) async fn update(engine: &Engine, req: UpdateAccountRequest) -> AppResult<AccountView> {
    engine.ensure_unlocked()?;
    let mut row = stored_row(engine, &req.id).await?;
    if row.venue == keel_sim::DemoExchange::VENUE_ID {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "The Demo exchange account cannot be edited",
        ));
    }
    if crate::paper_accounts::is_paper(&row) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "A paper account cannot be edited",
        ));
    }
    let now = engine.inner.clock.now_ms();
    row.label = validate_label(&req.label)?;
    row.proxy = validate_proxy(req.proxy.as_deref())?;
    row.testnet = req.testnet;
    // A whole new key needs nothing from the store (which may have lost the old one).
    let mut credentials = match (&req.api_key, &req.secret) {
        (Some(key), Some(secret)) => ApiCredentials {
            api_key: key.0.clone(),
            secret: secret.0.clone(),
            passphrase: None,
        },
        _ => {
            engine
                .inner
                .secrets
                .get(&engine.inner.store, &row.id, Purpose::AccountEdited, now)
                .await?
        }
    };
    if let Some(key) = &req.api_key {
        validate_key("API key", &key.0)?;
        credentials.api_key = key.0.clone();
        row.api_key_hint = Some(key_hint(&key.0));
    }
    if let Some(secret) = &req.secret {
        validate_key("secret", &secret.0)?;
        credentials.secret = secret.0.clone();
    }
    if let Some(p) = &req.passphrase {
        credentials.passphrase = Some(p.0.clone()).filter(|p| !p.is_empty());
    }
    let venue = connect_checked(engine, &row, &credentials).await?;
    row.permissions = check_key(&venue).await?;
    engine
        .inner
        .secrets
        .put(
            &engine.inner.store,
            &row.id,
            &credentials,
            Purpose::AccountEdited,
            now,
        )
        .await?;
    engine.inner.store.upsert_account(&row).await?;
    if let Some(old) = take(engine, &row.id) {
        disconnect(&old).await;
    }
    install(engine, row.clone(), venue).await?;
    let connection = connection_view(&engine.account(&row.id)?.venue.health().borrow());
    Ok(view(&row, connection))
}

/// Removes an account: refused while it has working orders; its key is deleted from the secret
/// store; its orders and fills stay in history.
pub(crate) async fn remove(engine: &Engine, account_id: &str) -> AppResult<()> {
    engine.ensure_unlocked()?;
    let row = stored_row(engine, account_id).await?;
    if row.venue == keel_sim::DemoExchange::VENUE_ID {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "The Demo exchange account cannot be removed",
        ));
    }
    let working = engine
        .inner
        .store
        .live_orders(account_id)
        .await?
        .into_iter()
        .filter(|o| o.status.is_working() || o.status == keel_domain::OrderStatus::Unknown)
        .count();
    if working > 0 {
        return Err(AppError::new(
            ErrorCode::HasOpenOrders,
            format!(
                "{} has {working} open order(s). Cancel them before removing the account.",
                row.label
            ),
        ));
    }
    let now = engine.inner.clock.now_ms();
    if let Some(account) = take(engine, account_id) {
        disconnect(&account).await;
    }
    engine
        .inner
        .unconnected
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(account_id);
    // A paper account has no key.
    if !crate::paper_accounts::is_paper(&row) {
        engine
            .inner
            .secrets
            .delete(
                &engine.inner.store,
                account_id,
                Purpose::AccountRemoved,
                now,
            )
            .await?;
    }
    engine.inner.store.remove_account(account_id, now).await?;
    tracing::info!(account = %account_id, "account removed");
    Ok(())
}

/// Switches an account between read-only and live trading. Going live needs the app password
/// when an app lock is set.
pub(crate) async fn set_live(
    engine: &Engine,
    account_id: &str,
    live: bool,
    password: Option<&keel_vault::Secret>,
) -> AppResult<AccountView> {
    engine.ensure_unlocked()?;
    let mut row = stored_row(engine, account_id).await?;
    if live {
        crate::security::check_app_password(engine, password).await?;
        if let Some(p) = row
            .permissions
            .as_deref()
            .and_then(|j| serde_json::from_str::<KeyPermissionsView>(j).ok())
        {
            let can_trade = if row.market == "futures" {
                p.can_trade_futures
            } else {
                p.can_trade_spot
            };
            if !can_trade {
                return Err(AppError::new(
                    ErrorCode::KeyPermissionMissing,
                    format!(
                        "The API key of {} cannot trade {}. Enable trading for the key on the \
                         exchange, then edit the account.",
                        row.label, row.market
                    ),
                ));
            }
        }
    }
    engine
        .inner
        .store
        .set_account_live(account_id, live)
        .await?;
    row.live = live;
    {
        // Same venue connection and tasks, new row; swapped in place so the account never
        // disappears for a concurrent order.
        let mut accounts = engine
            .inner
            .accounts
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(account) = accounts.get(account_id).cloned() {
            let updated = Arc::new(Account {
                row: row.clone(),
                venue: account.venue.clone(),
                instruments: account.instruments.clone(),
                tasks: std::sync::Mutex::new(std::mem::take(
                    &mut *account.tasks.lock().unwrap_or_else(|e| e.into_inner()),
                )),
            });
            accounts.insert(account_id.to_string(), updated);
        }
    }
    tracing::info!(account = %account_id, live, "account trading mode changed");
    let accounts = list(engine).await?;
    accounts
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownAccount, "account vanished"))
}

async fn stored_row(engine: &Engine, account_id: &str) -> AppResult<AccountRow> {
    engine
        .inner
        .store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::UnknownAccount,
                format!("No account {account_id:?}"),
            )
        })
}

fn take(engine: &Engine, account_id: &str) -> Option<Arc<Account>> {
    engine
        .inner
        .accounts
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(account_id)
}

/// Proves a freshly connected key before anything is stored: its permissions (a key that can
/// withdraw is refused) and a signed account read. Closes the venue on any failure. Returns the
/// permissions as stored JSON.
async fn check_key(venue: &Arc<dyn Venue>) -> AppResult<Option<String>> {
    let checked = async {
        let permissions = venue.key_permissions().await?;
        if permissions.as_ref().is_some_and(|p| p.can_withdraw) {
            return Err(AppError::new(
                ErrorCode::KeyCanWithdraw,
                "This API key can withdraw funds. Keel refuses such keys: create a key without \
                 withdrawal permission and add it again.",
            ));
        }
        venue.balances().await?;
        permissions
            .as_ref()
            .map(|p| serde_json::to_string(&permissions_view(p)))
            .transpose()
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
    };
    let result = checked.await;
    if result.is_err() {
        venue.close().await;
    }
    result
}

/// Opens the venue for an account with the given keys, with a deadline and specific errors.
async fn connect_checked(
    engine: &Engine,
    row: &AccountRow,
    credentials: &ApiCredentials,
) -> AppResult<Arc<dyn Venue>> {
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        crate::venues::open(engine, row, Some(credentials.clone())),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(AppError::new(
            ErrorCode::VenueUnavailable,
            format!(
                "{} did not answer within {} s. Check the network or the proxy.",
                row.venue,
                CONNECT_TIMEOUT.as_secs()
            ),
        )),
    }
}

/// Makes a connected venue an engine account: loads its instruments, subscribes to its
/// execution stream, reconciles its orders, and starts recording.
pub(crate) async fn install(
    engine: &Engine,
    row: AccountRow,
    venue: Arc<dyn Venue>,
) -> AppResult<()> {
    let instruments = venue.instruments().await?;
    let executions = venue.execution_events();
    let id = row.id.clone();
    let account = Arc::new(Account {
        row,
        venue,
        instruments,
        tasks: std::sync::Mutex::default(),
    });
    engine
        .inner
        .accounts
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), account.clone());
    engine
        .inner
        .unconnected
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    let recorder = engine.inner.runtime.spawn(crate::engine::record_executions(
        engine.clone(),
        id.clone(),
        executions,
    ));
    account
        .tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(recorder);
    crate::orders::reconcile(engine, &id).await?;
    engine.publish(AccountEvent::Balances {
        account_id: id.clone(),
    });
    crate::paper_accounts::on_connected(engine, &id);
    Ok(())
}

pub(crate) async fn disconnect(account: &Account) {
    let tasks = std::mem::take(&mut *account.tasks.lock().unwrap_or_else(|e| e.into_inner()));
    for task in tasks {
        task.abort();
    }
    account.venue.close().await;
}

/// Connects every stored real-venue account in the background: start-up never waits for the
/// network. An account that cannot connect shows as down with the reason, and is retried.
pub(crate) async fn connect_stored(engine: &Engine) -> AppResult<()> {
    let rows = engine.inner.store.accounts().await?;
    for row in rows
        .into_iter()
        .filter(|r| r.venue != keel_sim::DemoExchange::VENUE_ID)
    {
        if crate::paper_accounts::is_paper(&row) {
            crate::paper_accounts::wait_for_real(engine, row);
            continue;
        }
        engine
            .inner
            .unconnected
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                row.id.clone(),
                Unconnected {
                    row: row.clone(),
                    state: ConnectionState::Connecting,
                },
            );
        let engine2 = engine.clone();
        let task = engine.inner.runtime.spawn(async move {
            connect_with_retry(engine2, row).await;
        });
        engine.track(task).await;
    }
    crate::paper_accounts::on_connected(engine, crate::engine::DEMO_ACCOUNT);
    Ok(())
}

async fn connect_with_retry(engine: Engine, row: AccountRow) {
    let mut delay = Duration::from_secs(3);
    loop {
        // Stop when the trader removed the account, or connected it another way (edit).
        let still_wanted = engine
            .inner
            .unconnected
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&row.id);
        if !still_wanted || engine.account(&row.id).is_ok() {
            return;
        }
        let now = engine.inner.clock.now_ms();
        let attempt = async {
            let credentials = engine
                .inner
                .secrets
                .get(&engine.inner.store, &row.id, Purpose::Connect, now)
                .await?;
            let venue = crate::venues::open(&engine, &row, Some(credentials)).await?;
            install(&engine, row.clone(), venue).await
        };
        match attempt.await {
            Ok(()) => {
                tracing::info!(account = %row.id, "account connected");
                return;
            }
            Err(e) => {
                tracing::warn!(account = %row.id, error = %e, "account could not connect; retrying");
                engine
                    .inner
                    .unconnected
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(
                        row.id.clone(),
                        Unconnected {
                            row: row.clone(),
                            state: ConnectionState::Down {
                                reason: e.message.clone(),
                            },
                        },
                    );
                // Backoff, cut short when the trader unlocks the vault.
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = engine.inner.reconnect_now.notified() => {}
                }
                delay = (delay * 2).min(Duration::from_secs(300));
            }
        }
    }
}

/// Tests every REST endpoint of the account's venue.
pub(crate) async fn test_endpoints(
    engine: &Engine,
    account_id: &str,
) -> AppResult<Vec<EndpointView>> {
    let account = engine.account(account_id)?;
    Ok(account
        .venue
        .test_endpoints()
        .await
        .into_iter()
        .map(|r| EndpointView {
            url: r.url,
            healthy: r.healthy,
            latency_ms: r.latency_ms,
            error: r.error,
            cooling_down: r.cooling_down,
        })
        .collect())
}

/// The account's futures positions (empty for spot accounts).
pub(crate) async fn positions(
    engine: &Engine,
    account_id: &str,
) -> AppResult<Vec<keel_domain::Position>> {
    let account = engine.account(account_id)?;
    match account.venue.derivatives() {
        Some(d) => Ok(d.positions().await?),
        None => Ok(Vec::new()),
    }
}
