//! The order lifecycle: validate, commit the intent, send with Keel's client order id, record
//! the outcome. An unknown outcome is resolved from the venue, never assumed, and never resent.

use crate::api::*;
use crate::engine::Engine;
use keel_domain::{
    Amount, Balance, Decimal, Fill, Instrument, OrderKind, OrderRecord, OrderStatus, Side,
    SubmitOrder,
};
use keel_exchange::{ExchangeError, FeeRates, OrderUpdate};
use keel_store::{NewOrder, OrderChange};
use std::time::Duration;

/// Source tag of orders the trader placed by hand (bots get their own).
const MANUAL: &str = "m";

pub(crate) fn change_from_update(u: &OrderUpdate) -> OrderChange {
    OrderChange {
        client_order_id: u.client_order_id.clone(),
        venue_order_id: Some(u.venue_order_id.clone()),
        status: u.status,
        filled_qty: Some(u.filled_qty),
        filled_quote: Some(u.filled_quote),
        reason: None,
    }
}

fn status_change(
    client_order_id: &str,
    status: OrderStatus,
    reason: Option<String>,
) -> OrderChange {
    OrderChange {
        client_order_id: client_order_id.into(),
        venue_order_id: None,
        status,
        filled_qty: None,
        filled_quote: None,
        reason,
    }
}

pub(crate) fn announce(
    engine: &Engine,
    account_id: &str,
    new_fills: Vec<Fill>,
    orders: Vec<OrderRecord>,
    balances_changed: bool,
) {
    for fill in new_fills {
        tracing::info!(
            symbol = %fill.symbol, side = fill.side.as_str(), price = %fill.price, qty = %fill.qty,
            trade_id = %fill.trade_id, "fill"
        );
        engine.publish(AccountEvent::Fill { fill });
    }
    for order in orders {
        engine.publish(AccountEvent::Order { order });
    }
    if balances_changed {
        engine.publish(AccountEvent::Balances {
            account_id: account_id.into(),
        });
    }
}

/// Refuses an order the account cannot pay for, before anything is written or sent. The venue
/// checks again, exactly.
///
/// A buy's fee is paid in the quote asset on top of the notional: the taker rate for a market
/// order, the higher rate for a limit order (it may fill either way).
fn check_funds(
    balances: &[Balance],
    instrument: &Instrument,
    req: &PlaceOrderRequest,
    price: Decimal,
    fees: FeeRates,
) -> AppResult<()> {
    let (base, quote) = (instrument.base.as_str(), instrument.quote.as_str());
    let (side, kind, amount) = (req.side, req.kind, req.amount);
    let fee = if kind.has_limit_price() {
        fees.taker.max(fees.maker)
    } else {
        fees.taker
    };
    let free = |asset: &str| {
        balances
            .iter()
            .find(|b| b.asset == asset)
            .map_or(Decimal::ZERO, |b| b.free)
    };
    let (asset, need) = match (side, amount) {
        (Side::Buy, Amount::Base(qty)) => (quote, qty * price * (Decimal::ONE + fee)),
        // A market buy by quote amount spends at most that amount, fee included.
        (Side::Buy, Amount::Quote(q)) if kind == OrderKind::Market => (quote, q),
        (Side::Buy, Amount::Quote(q)) => (quote, q * (Decimal::ONE + fee)),
        (Side::Sell, Amount::Base(qty)) => (base, qty),
        (Side::Sell, Amount::Quote(q)) => (base, q / price),
    };
    let have = free(asset);
    if need > have {
        let dp = if asset == quote { 2 } else { 8 };
        return Err(AppError::new(
            ErrorCode::InsufficientBalance,
            format!(
                "Insufficient {asset}: this order needs about {} {asset} with fees, {} {asset} is free",
                need.round_dp(dp).normalize(),
                have.normalize()
            ),
        ));
    }
    Ok(())
}

pub(crate) async fn place(engine: &Engine, req: PlaceOrderRequest) -> AppResult<OrderRecord> {
    if engine.trading_paused() {
        return Err(AppError::new(
            ErrorCode::TradingPaused,
            "Trading is paused. Resume it from the top bar or the tray menu to place orders.",
        ));
    }
    let account = engine.account(&req.account_id)?;
    let instrument = account.instrument(&req.symbol)?;
    let book = account.venue.order_book(&req.symbol, 1).await?;
    let touch = match req.side {
        Side::Buy => book.best_ask(),
        Side::Sell => book.best_bid(),
    }
    .ok_or_else(|| {
        AppError::new(
            ErrorCode::VenueUnavailable,
            format!("No market for {} right now", req.symbol),
        )
    })?;
    let price = if req.kind.has_limit_price() {
        req.price
    } else {
        None
    };
    instrument.validate(req.kind, price, req.amount, touch)?;
    let balances = account.venue.balances().await?;
    let fees = account.venue.fee_rates(&req.symbol).await?;
    check_funds(&balances, instrument, &req, price.unwrap_or(touch), fees)?;

    let store = &engine.inner.store;
    let clock = &engine.inner.clock;
    let new = NewOrder {
        account_id: req.account_id.clone(),
        venue: account.venue.venue_id().to_string(),
        source: MANUAL.into(),
        symbol: req.symbol.clone(),
        side: req.side,
        kind: req.kind,
        price,
        amount: req.amount,
    };
    // 1. The intent is durable before anything leaves the process.
    let intent = store.insert_intent(&new, clock.now_ms()).await?;
    let cid = intent.client_order_id.clone();
    store
        .apply_order_change(
            &status_change(&cid, OrderStatus::Submitting, None),
            clock.now_ms(),
        )
        .await?;
    let submit = SubmitOrder {
        client_order_id: cid.clone(),
        symbol: req.symbol.clone(),
        side: req.side,
        kind: req.kind,
        price,
        amount: req.amount,
        options: Default::default(),
    };
    // 2. Send.
    let outcome = account.venue.submit_order(&submit).await;
    // 3. Record what happened.
    match outcome {
        Ok(ack) => {
            let balances = account.venue.balances().await.ok();
            let (new_fills, orders) = store
                .apply_execution(
                    &req.account_id,
                    &ack.fills,
                    &[change_from_update(&ack.order)],
                    balances.as_deref(),
                    clock.now_ms(),
                )
                .await?;
            let record = orders.last().cloned();
            announce(
                engine,
                &req.account_id,
                new_fills,
                orders,
                balances.is_some(),
            );
            record.ok_or_else(|| AppError::new(ErrorCode::Internal, "order vanished after submit"))
        }
        Err(e @ (ExchangeError::Rejected { .. } | ExchangeError::Transient { .. })) => {
            let reason = e.to_string();
            if let Some(order) = store
                .apply_order_change(
                    &status_change(&cid, OrderStatus::Rejected, Some(reason)),
                    clock.now_ms(),
                )
                .await?
            {
                announce(engine, &req.account_id, vec![], vec![order], false);
            }
            Err(e.into())
        }
        Err(e @ ExchangeError::Unknown { .. }) => {
            if let Some(order) = store
                .apply_order_change(
                    &status_change(&cid, OrderStatus::Unknown, None),
                    clock.now_ms(),
                )
                .await?
            {
                announce(engine, &req.account_id, vec![], vec![order], false);
            }
            let engine = engine.clone();
            let account_id = req.account_id.clone();
            engine.inner.runtime.clone().spawn(async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if let Err(e) = reconcile(&engine, &account_id).await {
                    tracing::error!(error = %e, "resolving an unknown order failed");
                }
            });
            Err(e.into())
        }
    }
}

pub(crate) async fn cancel(
    engine: &Engine,
    account_id: &str,
    order_id: i64,
) -> AppResult<OrderRecord> {
    let account = engine.account(account_id)?;
    let store = &engine.inner.store;
    let clock = &engine.inner.clock;
    let order = store
        .order(order_id)
        .await?
        .filter(|o| o.account_id == account_id)
        .ok_or_else(|| AppError::new(ErrorCode::OrderNotFound, format!("No order #{order_id}")))?;
    if !order.status.is_working() {
        return Err(AppError::new(
            ErrorCode::OrderNotCancelable,
            format!(
                "Order #{order_id} is {} and can no longer be canceled",
                order.status.as_str().replace('_', " ")
            ),
        ));
    }
    store
        .apply_order_change(
            &status_change(&order.client_order_id, OrderStatus::PendingCancel, None),
            clock.now_ms(),
        )
        .await?;
    match account
        .venue
        .cancel_order(&order.symbol, &order.client_order_id)
        .await
    {
        Ok(update) => {
            let balances = account.venue.balances().await.ok();
            let (_, orders) = store
                .apply_execution(
                    account_id,
                    &[],
                    &[change_from_update(&update)],
                    balances.as_deref(),
                    clock.now_ms(),
                )
                .await?;
            let record = orders.last().cloned();
            announce(engine, account_id, vec![], orders, balances.is_some());
            record.ok_or_else(|| AppError::new(ErrorCode::Internal, "order vanished after cancel"))
        }
        Err(e) => {
            // Whatever the venue said, learn the order's real state before reporting.
            reconcile(engine, account_id).await?;
            Err(e.into())
        }
    }
}

/// The one recovery path, used at start, after a stream lag and after an unknown outcome:
/// every order not known to be final is looked up on the venue by its client order id.
pub(crate) async fn reconcile(engine: &Engine, account_id: &str) -> AppResult<()> {
    let account = engine.account(account_id)?;
    let store = &engine.inner.store;
    let clock = &engine.inner.clock;
    let mut changed = Vec::new();
    for order in store.live_orders(account_id).await? {
        let change = if order.status == OrderStatus::Intent {
            // Intents are marked Submitting before sending: this one never left Keel.
            status_change(
                &order.client_order_id,
                OrderStatus::Rejected,
                Some("Never sent: Keel stopped before sending it".into()),
            )
        } else {
            match account
                .venue
                .query_order(&order.symbol, &order.client_order_id)
                .await
            {
                Ok(Some(update)) => change_from_update(&update),
                Ok(None)
                    if matches!(order.status, OrderStatus::Submitting | OrderStatus::Unknown) =>
                {
                    status_change(
                        &order.client_order_id,
                        OrderStatus::Rejected,
                        Some("The exchange has no record of this order: it was not placed".into()),
                    )
                }
                Ok(None) => status_change(
                    &order.client_order_id,
                    OrderStatus::Expired,
                    Some("No longer on the exchange".into()),
                ),
                Err(e) => {
                    tracing::warn!(order = %order.client_order_id, error = %e, "could not resolve order; will retry");
                    continue;
                }
            }
        };
        if let Some(record) = store.apply_order_change(&change, clock.now_ms()).await?
            && record != order
        {
            tracing::info!(order = %record.client_order_id, status = record.status.as_str(), "reconciled");
            changed.push(record);
        }
    }
    let balances = account.venue.balances().await?;
    store
        .replace_balances(account_id, &balances, clock.now_ms())
        .await?;
    announce(engine, account_id, vec![], changed, true);
    Ok(())
}
