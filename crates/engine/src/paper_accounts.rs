//! Paper accounts: one per real account, trading on the real account's live market data with
//! their own balances ([`keel_sim::paper::PaperVenue`]). Orders never reach the real venue.
//!
//! A paper account is an ordinary engine account (id `paper-<real id>`, venue `paper`, market
//! `spot`, live from the start since no real money moves): orders, cancels, balances, fills and
//! market streams go through the venue traits like any other account's. Its row lives in the
//! accounts table; at start it waits for its real account and is reopened in the background
//! once that one connects, with its balances and resting orders restored from the store.

use crate::api::*;
use crate::engine::{Account, Engine, Unconnected};
use keel_exchange::{ConnectionState, Venue};
use keel_sim::RestoredOrder;
use keel_sim::paper::{PAPER_VENUE_ID, PaperConfig, PaperVenue};
use keel_store::AccountRow;
use std::sync::Arc;

/// The paper account id of a real account.
pub(crate) fn paper_id(real_id: &str) -> String {
    format!("paper-{real_id}")
}

/// Whether a stored row is a paper account.
pub(crate) fn is_paper(row: &AccountRow) -> bool {
    row.venue == PAPER_VENUE_ID
}

/// Opens (or returns, if already open) the paper account of a connected real account. A paper
/// account opened for the first time, or again after it was removed, starts from the default
/// balances; one that exists keeps its own.
pub(crate) async fn open(engine: &Engine, real_id: &str) -> AppResult<AccountView> {
    engine.ensure_unlocked()?;
    let real = engine.account(real_id)?;
    if is_paper(&real.row) {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("{} is already a paper account", real.row.label),
        ));
    }
    let id = paper_id(real_id);
    if engine.account(&id).is_err() {
        let stored = engine
            .inner
            .store
            .accounts()
            .await?
            .into_iter()
            .find(|r| r.id == id);
        let row = match stored.clone() {
            Some(row) => row,
            None => AccountRow {
                live: true,
                ..AccountRow::new(
                    &id,
                    PAPER_VENUE_ID,
                    "spot",
                    &format!("Paper · {}", real.row.label),
                    engine.inner.clock.now_ms(),
                )
            },
        };
        engine.inner.store.upsert_account(&row).await?;
        connect(engine, row, &real, stored.is_some()).await?;
        tracing::info!(account = %id, real = %real_id, "paper account opened");
    }
    crate::accounts::list(engine)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "paper account vanished"))
}

/// Builds the paper venue on the real account's venue, restores what the store remembers (when
/// `restore`), and installs it as an account.
async fn connect(engine: &Engine, row: AccountRow, real: &Account, restore: bool) -> AppResult<()> {
    let store = &engine.inner.store;
    let now = engine.inner.clock.now_ms();
    let venue = PaperVenue::connect(
        real.venue.clone(),
        PaperConfig {
            account_id: row.id.clone(),
            balances: None,
            // Ids continue from the start time (and past recorded ones below), never reused.
            first_id: u64::try_from(now).unwrap_or(0).saturating_mul(1_000),
        },
        engine.inner.clock.clone(),
    )
    .await?;
    if restore {
        let last_fill = store
            .fills(&keel_store::FillFilter {
                account_id: Some(row.id.clone()),
                limit: Some(1),
                ..Default::default()
            })
            .await?;
        for fill in &last_fill {
            venue.skip_ids_past(&fill.trade_id);
            venue.skip_ids_past(&fill.venue_order_id);
        }
        for order in store.recent_orders(&row.id, 1).await? {
            if let Some(id) = &order.venue_order_id {
                venue.skip_ids_past(id);
            }
        }
        let balances = store.balances(&row.id).await?;
        let resting: Vec<RestoredOrder> = store
            .live_orders(&row.id)
            .await?
            .into_iter()
            .filter(|o| o.status.is_working())
            .filter_map(|o| {
                Some(RestoredOrder {
                    venue_order_id: o.venue_order_id.clone()?,
                    filled_qty: o.filled_qty,
                    filled_quote: o.filled_quote,
                    order: keel_domain::SubmitOrder {
                        client_order_id: o.client_order_id,
                        symbol: o.symbol,
                        side: o.side,
                        kind: o.kind,
                        price: o.price,
                        amount: o.amount,
                        options: o.options,
                    },
                })
            })
            .collect();
        if !balances.is_empty() {
            venue.restore(balances, resting).await?;
        }
    }
    let venue: Arc<dyn Venue> = venue;
    if let Err(e) = crate::accounts::install(engine, row, venue.clone()).await {
        venue.close().await;
        return Err(e);
    }
    Ok(())
}

/// Paper rows found at start wait for their real account to connect.
pub(crate) fn wait_for_real(engine: &Engine, row: AccountRow) {
    engine
        .inner
        .unconnected
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            row.id.clone(),
            Unconnected {
                row,
                state: ConnectionState::Connecting,
            },
        );
}

/// Called when a real account (re)connects: reopens its paper account, if it has one, on the
/// new connection, in the background.
pub(crate) fn on_connected(engine: &Engine, real_id: &str) {
    if real_id.starts_with("paper-") {
        return;
    }
    let engine2 = engine.clone();
    let real_id = real_id.to_string();
    engine.inner.runtime.spawn(async move {
        if let Err(e) = reopen(&engine2, &real_id).await {
            tracing::warn!(real = %real_id, error = %e, "paper account could not reopen");
        }
    });
}

async fn reopen(engine: &Engine, real_id: &str) -> AppResult<()> {
    let id = paper_id(real_id);
    let Some(row) = engine
        .inner
        .store
        .accounts()
        .await?
        .into_iter()
        .find(|r| r.id == id)
    else {
        return Ok(());
    };
    let real = engine.account(real_id)?;
    let old = engine
        .inner
        .accounts
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    if let Some(old) = old {
        crate::accounts::disconnect(&old).await;
    }
    connect(engine, row, &real, true).await?;
    tracing::info!(account = %id, "paper account reopened");
    Ok(())
}
