//! The engine: one per data directory. Owns the store, the venues of every account, and the
//! background tasks that drive the Demo market and record what venues report.

use crate::api::*;
use crate::clock::SystemClock;
use crate::config::EngineConfig;
use crate::{demo, market_stream, orders};
use keel_domain::{Clock, Decimal, Fill, Instrument, OrderBook, OrderRecord, Trade};
use keel_exchange::{ExecutionEvent, Venue};
use keel_store::{AccountRow, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub(crate) const DEMO_ACCOUNT: &str = "demo";
const PAUSED_KEY: &str = "trading_paused";

/// One connected account: its venue, the instruments it trades, and the tasks that record what
/// the venue pushes.
pub(crate) struct Account {
    pub row: AccountRow,
    pub venue: Arc<dyn Venue>,
    pub instruments: Vec<Instrument>,
    pub tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl Account {
    pub fn instrument(&self, symbol: &str) -> AppResult<&Instrument> {
        self.instruments
            .iter()
            .find(|i| i.symbol == symbol)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::UnknownSymbol,
                    format!("{symbol} is not traded on {}", self.row.label),
                )
            })
    }
}

/// An account that is not connected (yet): connecting, or down with a reason.
#[derive(Clone)]
pub(crate) struct Unconnected {
    pub row: AccountRow,
    pub state: keel_exchange::ConnectionState,
}

pub(crate) struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: EngineConfig,
    /// Connected accounts. Never held across an await: clone the `Arc` out.
    pub accounts: std::sync::RwLock<HashMap<String, Arc<Account>>>,
    /// Accounts that are connecting or could not connect.
    pub unconnected: std::sync::RwLock<HashMap<String, Unconnected>>,
    pub paused: AtomicBool,
    /// Set while the app lock is engaged: account and order actions are refused.
    pub locked: AtomicBool,
    pub secrets: Arc<crate::secrets::Secrets>,
    /// Wakes accounts waiting to reconnect (after the vault is unlocked).
    pub reconnect_now: tokio::sync::Notify,
    /// Client ids of orders being submitted right now: reconciliation leaves them alone.
    pub in_flight: std::sync::Mutex<std::collections::HashSet<String>>,
    pub events: broadcast::Sender<AccountEvent>,
    /// Market-data recordings running now.
    pub recordings: crate::market_data::Recordings,
    /// Parameter sweeps running now (for cancel).
    pub sweeps: crate::backtests::RunningSweeps,
    /// Paper runs (strategies on simulated accounts).
    pub paper: crate::paper::PaperRuns,
    pub data_dir: String,
    /// The runtime the engine started on: its tasks run there whoever calls (the shell calls
    /// synchronous commands from the UI thread).
    pub runtime: tokio::runtime::Handle,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Keel's GUI-free application API. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// Opens the database (refusing a second engine on it), reconciles orders left from the
    /// previous run, starts the Demo exchange and the background tasks.
    pub async fn start(config: EngineConfig) -> AppResult<Engine> {
        Self::start_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(
        config: EngineConfig,
        clock: Arc<dyn Clock>,
    ) -> AppResult<Engine> {
        let store = Store::open(&config.database_path()).await?;
        let now = clock.now_ms();
        let demo_row = AccountRow {
            live: true,
            ..AccountRow::new(
                DEMO_ACCOUNT,
                keel_sim::DemoExchange::VENUE_ID,
                "spot",
                "Demo exchange",
                now,
            )
        };
        store.ensure_account(&demo_row).await?;
        store.close_interrupted_sessions().await?;
        let paused = store.setting(PAUSED_KEY).await?.as_deref() == Some("true");
        let locked = crate::security::locked_at_start(&store).await?;
        let secrets = Arc::new(crate::secrets::Secrets::new(&config));
        secrets.probe_in_background();
        let demo = demo::open_demo(&store, &config, now).await?;
        let venue: Arc<dyn Venue> = demo.clone();
        let instruments = venue.instruments().await?;
        let mut accounts = HashMap::new();
        accounts.insert(
            DEMO_ACCOUNT.to_string(),
            Arc::new(Account {
                row: demo_row,
                venue: venue.clone(),
                instruments,
                tasks: std::sync::Mutex::default(),
            }),
        );
        let (events, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                config: config.clone(),
                accounts: std::sync::RwLock::new(accounts),
                unconnected: std::sync::RwLock::default(),
                paused: AtomicBool::new(paused),
                locked: AtomicBool::new(locked),
                secrets,
                in_flight: std::sync::Mutex::default(),
                reconnect_now: tokio::sync::Notify::new(),
                events,
                recordings: Default::default(),
                sweeps: Default::default(),
                paper: Default::default(),
                data_dir: config.data_dir.display().to_string(),
                runtime: tokio::runtime::Handle::current(),
                shutdown,
                tasks: Mutex::new(Vec::new()),
            }),
        };
        // Subscribe before anything can trade, so no execution is missed.
        let executions = venue.execution_events();
        let market = venue.market_events();
        orders::reconcile(&engine, DEMO_ACCOUNT).await?;
        let mut tasks = vec![
            tokio::spawn(record_executions(
                engine.clone(),
                DEMO_ACCOUNT.into(),
                executions,
            )),
            tokio::spawn(demo::record_closed_candles(
                engine.inner.store.clone(),
                market,
            )),
        ];
        tasks.push(tokio::spawn(demo::drive(
            demo,
            engine.inner.clock.clone(),
            config.demo_tick_ms,
            engine.inner.shutdown.subscribe(),
        )));
        tasks.push(tokio::spawn(reconcile_periodically(engine.clone())));
        *engine.inner.tasks.lock().await = tasks;
        crate::accounts::connect_stored(&engine).await?;
        tracing::info!(data_dir = %engine.inner.data_dir, paused, "engine started");
        Ok(engine)
    }

    /// Stops the background tasks and closes the database cleanly.
    pub async fn shutdown(&self) {
        crate::market_data::stop_all(self).await;
        let _ = self.inner.shutdown.send(true);
        let tasks = std::mem::take(&mut *self.inner.tasks.lock().await);
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
        let accounts: Vec<Arc<Account>> = self.accounts_snapshot();
        for account in accounts {
            crate::accounts::disconnect(&account).await;
        }
        self.inner.store.close().await;
        tracing::info!("engine stopped");
    }

    /// A connected account, or a specific error: unknown, still connecting, or down and why.
    pub(crate) fn account(&self, account_id: &str) -> AppResult<Arc<Account>> {
        let connected = self
            .inner
            .accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(account_id)
            .cloned();
        if let Some(account) = connected {
            return Ok(account);
        }
        let unconnected = self
            .inner
            .unconnected
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(account_id)
            .cloned();
        Err(match unconnected {
            Some(u) => {
                let why = match u.state {
                    keel_exchange::ConnectionState::Down { reason } => {
                        format!("{} is not connected: {reason}", u.row.label)
                    }
                    _ => format!("{} is still connecting", u.row.label),
                };
                AppError::new(ErrorCode::VenueUnavailable, why)
            }
            None => AppError::new(
                ErrorCode::UnknownAccount,
                format!("No account {account_id:?}"),
            ),
        })
    }

    pub(crate) fn accounts_snapshot(&self) -> Vec<Arc<Account>> {
        self.inner
            .accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Refuses while the app lock is engaged.
    pub(crate) fn ensure_unlocked(&self) -> AppResult<()> {
        if self.inner.locked.load(Ordering::SeqCst) {
            return Err(AppError::new(
                ErrorCode::AppLocked,
                "Keel is locked. Enter the app password to continue.",
            ));
        }
        Ok(())
    }

    pub(crate) fn set_in_flight(&self, client_order_id: &str, in_flight: bool) {
        let mut set = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if in_flight {
            set.insert(client_order_id.to_string());
        } else {
            set.remove(client_order_id);
        }
    }

    pub(crate) fn is_in_flight(&self, client_order_id: &str) -> bool {
        self.inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(client_order_id)
    }

    /// Keeps a background task so shutdown stops it.
    pub(crate) async fn track(&self, task: JoinHandle<()>) {
        self.inner.tasks.lock().await.push(task);
    }

    pub(crate) fn publish(&self, event: AccountEvent) {
        // No subscriber is fine: the UI may be closed while Keel trades from the tray.
        let _ = self.inner.events.send(event);
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.inner.data_dir.clone(),
            trading_paused: self.trading_paused(),
            default_account_id: DEMO_ACCOUNT.into(),
        }
    }

    /// Every account, connected or not, with its connection state.
    pub async fn accounts(&self) -> AppResult<Vec<AccountView>> {
        crate::accounts::list(self).await
    }

    pub async fn add_account(&self, request: NewAccountRequest) -> AppResult<AccountView> {
        crate::accounts::add(self, request).await
    }

    pub async fn update_account(&self, request: UpdateAccountRequest) -> AppResult<AccountView> {
        crate::accounts::update(self, request).await
    }

    pub async fn remove_account(&self, account_id: &str) -> AppResult<()> {
        crate::accounts::remove(self, account_id).await
    }

    /// Opens the paper account of a connected real account (`paper-<id>`): its own balances,
    /// fills following the real account's live prints, orders never sent to the venue. Returns
    /// the existing one when it is already open.
    pub async fn open_paper_account(&self, real_account_id: &str) -> AppResult<AccountView> {
        crate::paper_accounts::open(self, real_account_id).await
    }

    /// Switches an account between read-only and live trading (going live needs the app
    /// password when one is set).
    pub async fn set_account_live(
        &self,
        account_id: &str,
        live: bool,
        password: Option<keel_vault::Secret>,
    ) -> AppResult<AccountView> {
        crate::accounts::set_live(self, account_id, live, password.as_ref()).await
    }

    pub async fn test_endpoints(&self, account_id: &str) -> AppResult<Vec<EndpointView>> {
        crate::accounts::test_endpoints(self, account_id).await
    }

    pub async fn positions(&self, account_id: &str) -> AppResult<Vec<keel_domain::Position>> {
        crate::accounts::positions(self, account_id).await
    }

    /// The audit log of secret use, newest first.
    pub async fn secret_audit(&self, account_id: Option<&str>) -> AppResult<Vec<AuditView>> {
        Ok(self
            .inner
            .store
            .secret_audit(account_id, 200)
            .await?
            .into_iter()
            .map(|e| AuditView {
                account_id: e.account_id,
                ts_ms: e.ts_ms,
                action: e.action,
                purpose: e.purpose,
            })
            .collect())
    }

    pub async fn security(&self) -> AppResult<SecurityView> {
        crate::security::status(self).await
    }

    pub async fn set_app_lock(
        &self,
        current: Option<keel_vault::Secret>,
        new: Option<keel_vault::Secret>,
    ) -> AppResult<SecurityView> {
        crate::security::set_app_lock(self, current.as_ref(), new.as_ref()).await
    }

    pub async fn unlock_app(&self, password: keel_vault::Secret) -> AppResult<SecurityView> {
        crate::security::unlock(self, &password).await
    }

    /// Creates the encrypted vault file (machines without a keychain).
    pub async fn create_vault(&self, password: keel_vault::Secret) -> AppResult<SecurityView> {
        self.ensure_unlocked()?;
        if password.expose().chars().count() < 8 {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Use a vault password of at least 8 characters",
            ));
        }
        self.inner.secrets.create_vault(password).await?;
        crate::security::status(self).await
    }

    /// Unlocks the vault file, then connects the accounts whose keys it holds.
    pub async fn unlock_vault(&self, password: keel_vault::Secret) -> AppResult<SecurityView> {
        self.inner.secrets.unlock_vault(password).await?;
        self.inner.reconnect_now.notify_waiters();
        crate::security::status(self).await
    }

    pub fn instruments(&self, account_id: &str) -> AppResult<Vec<Instrument>> {
        Ok(self.account(account_id)?.instruments.clone())
    }

    pub fn trading_paused(&self) -> bool {
        self.inner.paused.load(Ordering::SeqCst)
    }

    /// Pauses or resumes all trading (new orders are refused while paused); remembered across
    /// restarts.
    pub async fn set_trading_paused(&self, paused: bool) -> AppResult<bool> {
        self.inner
            .store
            .set_setting(PAUSED_KEY, if paused { "true" } else { "false" })
            .await?;
        self.inner.paused.store(paused, Ordering::SeqCst);
        self.publish(AccountEvent::TradingPaused { paused });
        tracing::info!(paused, "trading paused state changed");
        Ok(paused)
    }

    pub async fn candles(
        &self,
        account_id: &str,
        symbol: &str,
        limit: usize,
    ) -> AppResult<Vec<keel_domain::Candle>> {
        let account = self.account(account_id)?;
        account.instrument(symbol)?;
        Ok(account
            .venue
            .candles(symbol, 60_000, limit.clamp(1, 5_000))
            .await?)
    }

    pub async fn order_book(
        &self,
        account_id: &str,
        symbol: &str,
        depth: usize,
    ) -> AppResult<OrderBook> {
        let account = self.account(account_id)?;
        account.instrument(symbol)?;
        Ok(account
            .venue
            .order_book(symbol, depth.clamp(1, 100))
            .await?)
    }

    pub async fn recent_trades(
        &self,
        account_id: &str,
        symbol: &str,
        limit: usize,
    ) -> AppResult<Vec<Trade>> {
        let account = self.account(account_id)?;
        account.instrument(symbol)?;
        Ok(account
            .venue
            .recent_trades(symbol, limit.clamp(1, 1_000))
            .await?)
    }

    /// Balances valued in USDT at the last traded prices.
    pub async fn equity(&self, account_id: &str) -> AppResult<EquityView> {
        let account = self.account(account_id)?;
        let balances = account.venue.balances().await?;
        let valuation_asset = "USDT".to_string();
        let mut prices: HashMap<String, Decimal> = HashMap::new();
        for inst in account
            .instruments
            .iter()
            .filter(|i| i.quote == valuation_asset)
        {
            if let Some(t) = account.venue.recent_trades(&inst.symbol, 1).await?.first() {
                prices.insert(inst.base.clone(), t.price);
            }
        }
        let mut equity = Decimal::ZERO;
        let views = balances
            .into_iter()
            .map(|balance| {
                let total = balance.total();
                let value = if balance.asset == valuation_asset {
                    Some(total)
                } else {
                    prices.get(&balance.asset).map(|p| (total * p).round_dp(2))
                };
                equity += value.unwrap_or_default();
                BalanceView {
                    balance,
                    total,
                    value,
                }
            })
            .collect();
        Ok(EquityView {
            account_id: account_id.into(),
            valuation_asset,
            equity: equity.round_dp(2),
            balances: views,
        })
    }

    pub async fn place_order(&self, request: PlaceOrderRequest) -> AppResult<OrderRecord> {
        orders::place(self, request).await
    }

    pub async fn cancel_order(&self, account_id: &str, order_id: i64) -> AppResult<OrderRecord> {
        orders::cancel(self, account_id, order_id).await
    }

    /// Orders still working or unresolved, oldest first.
    pub async fn open_orders(&self, account_id: &str) -> AppResult<Vec<OrderRecord>> {
        self.account(account_id)?;
        Ok(self.inner.store.live_orders(account_id).await?)
    }

    pub async fn recent_orders(&self, account_id: &str, limit: u32) -> AppResult<Vec<OrderRecord>> {
        self.account(account_id)?;
        Ok(self.inner.store.recent_orders(account_id, limit).await?)
    }

    /// Fills matching the filter, newest first.
    pub async fn fills(&self, filter: &FillFilter) -> AppResult<Vec<Fill>> {
        Ok(self.inner.store.fills(filter).await?)
    }

    /// Writes the fills matching the filter to `path` as CSV (oldest first).
    pub async fn export_fills_csv(
        &self,
        filter: &FillFilter,
        path: &std::path::Path,
    ) -> AppResult<ExportResult> {
        if path.as_os_str().is_empty() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Choose a file to export to",
            ));
        }
        let rows = self.inner.store.export_fills_csv(filter, path).await?;
        tracing::info!(rows, path = %path.display(), "exported fills");
        Ok(ExportResult {
            path: path.display().to_string(),
            rows,
        })
    }

    /// Pushes of the trader's own state (orders, fills, balances, pause).
    pub fn account_events(&self) -> broadcast::Receiver<AccountEvent> {
        self.inner.events.subscribe()
    }

    /// A coalesced market stream for one symbol: at most one batch per `interval` (the UI uses
    /// 50 ms, ~20 batches a second). The stream ends when the receiver is dropped.
    pub fn market_batches(
        &self,
        account_id: &str,
        symbol: &str,
        interval: std::time::Duration,
    ) -> AppResult<mpsc::Receiver<MarketBatch>> {
        let account = self.account(account_id)?;
        account.instrument(symbol)?;
        let events = account.venue.market_events();
        let (tx, rx) = mpsc::channel(8);
        let symbol = symbol.to_string();
        let shutdown = self.inner.shutdown.subscribe();
        self.inner.runtime.spawn(async move {
            if let Err(e) = account.venue.watch(&symbol).await {
                tracing::warn!(symbol = %symbol, error = %e, "could not stream the market");
            }
            market_stream::coalesce(events, symbol.clone(), interval, tx, shutdown).await;
            account.venue.unwatch(&symbol).await;
        });
        Ok(rx)
    }
}

/// Records everything a venue pushes about the account: fills (once each), order changes and
/// balances, each in one transaction, then tells subscribers.
pub(crate) async fn record_executions(
    engine: Engine,
    account_id: String,
    mut events: broadcast::Receiver<ExecutionEvent>,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(n, "execution stream lagged; reconciling with the venue");
                if let Err(e) = orders::reconcile(&engine, &account_id).await {
                    tracing::error!(error = %e, "reconcile after lag failed");
                }
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let now = engine.inner.clock.now_ms();
        let (fills, changes, balances) = match event {
            ExecutionEvent::Fill(fill) => (vec![fill], vec![], None),
            ExecutionEvent::Order(update) => {
                (vec![], vec![orders::change_from_update(&update)], None)
            }
            ExecutionEvent::Balances(b) => (vec![], vec![], Some(b)),
            ExecutionEvent::Positions(positions) => {
                engine.publish(AccountEvent::Positions {
                    account_id: account_id.clone(),
                    positions,
                });
                continue;
            }
            ExecutionEvent::Resynced => {
                if let Err(e) = orders::reconcile(&engine, &account_id).await {
                    tracing::error!(error = %e, "reconcile after a stream resync failed");
                }
                continue;
            }
        };
        let store = &engine.inner.store;
        match store
            .apply_execution(&account_id, &fills, &changes, balances.as_deref(), now)
            .await
        {
            Ok((new_fills, orders)) => {
                orders::announce(&engine, &account_id, new_fills, orders, balances.is_some());
            }
            Err(e) => tracing::error!(error = %e, "failed to record an execution"),
        }
    }
}

/// Reconciliation on a timer (besides start, reconnects and unknown outcomes): every connected
/// account with unfinished orders is checked against its venue (once a minute by default).
async fn reconcile_periodically(engine: Engine) {
    let mut tick = tokio::time::interval(engine.inner.config.reconcile_every);
    tick.tick().await;
    loop {
        tick.tick().await;
        for account in engine.accounts_snapshot() {
            let id = account.row.id.clone();
            match engine.inner.store.live_orders(&id).await {
                Ok(orders) if orders.is_empty() => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(account = %id, error = %e, "periodic reconcile skipped");
                    continue;
                }
            }
            if let Err(e) = orders::reconcile(&engine, &id).await {
                tracing::warn!(account = %id, error = %e, "periodic reconcile failed");
            }
        }
    }
}
