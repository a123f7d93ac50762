//! The order lifecycle: validate, commit the intent, send with Keel's client order id, record
//! the outcome. An unknown outcome is resolved from the venue, never assumed, and never resent.

use crate::api::*;
use crate::engine::Engine;
use keel_domain::{
    Amount, Balance, Decimal, Fill, Instrument, OrderKind, OrderOptions, OrderRecord, OrderStatus,
    Side, SubmitOrder,
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

/// How long after its last change an unconfirmed submit may still reach the venue. Binance
/// refuses a request older than its recvWindow (5 s) on arrival, so once this has passed, "the
/// venue has no such order" is final.
const SUBMIT_SETTLE_MS: i64 = 10_000;

/// Checks the order's own fields: a conditional order needs a trigger, futures-only flags need
/// a futures account.
fn check_options(req: &PlaceOrderRequest, options: &OrderOptions, futures: bool) -> AppResult<()> {
    let invalid = |m: &str| Err(AppError::new(ErrorCode::InvalidInput, m));
    match options.stop_price {
        Some(p) if p <= Decimal::ZERO => return invalid("The trigger price must be above zero"),
        None if req.kind.is_conditional() => {
            return invalid("A stop or take-profit order needs a trigger price");
        }
        Some(_) if !req.kind.is_conditional() => {
            return invalid("Only stop and take-profit orders take a trigger price");
        }
        _ => {}
    }
    if !futures
        && (options.reduce_only
            || options.close_position
            || options.position_side != keel_domain::PositionSide::Both)
    {
        return invalid(
            "Reduce-only, close-position and position sides exist on futures accounts only",
        );
    }
    if options.close_position
        && !matches!(
            req.kind,
            OrderKind::StopMarket | OrderKind::TakeProfitMarket
        )
    {
        return invalid("Close-position works with stop-market and take-profit-market orders only");
    }
    Ok(())
}

pub(crate) async fn place(engine: &Engine, req: PlaceOrderRequest) -> AppResult<OrderRecord> {
    engine.ensure_unlocked()?;
    if engine.trading_paused() {
        return Err(AppError::new(
            ErrorCode::TradingPaused,
            "Trading is paused. Resume it from the top bar or the tray menu to place orders.",
        ));
    }
    let account = engine.account(&req.account_id)?;
    if !account.row.live {
        return Err(AppError::new(
            ErrorCode::AccountNotLive,
            format!(
                "{} is read-only. Switch it to live trading on the Accounts page to place orders.",
                account.row.label
            ),
        ));
    }
    let options = req.options.unwrap_or_default();
    check_options(&req, &options, account.row.market == "futures")?;
    let instrument = account.instrument(&req.symbol)?;
    let price = if req.kind.has_limit_price() {
        req.price
    } else {
        None
    };
    // What values the order: its limit price, its trigger, or (a market order) the touch.
    let reference = match price.or(options.stop_price) {
        Some(p) => p,
        None => {
            let book = account.venue.order_book(&req.symbol, 1).await?;
            match req.side {
                Side::Buy => book.best_ask(),
                Side::Sell => book.best_bid(),
            }
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::VenueUnavailable,
                    format!("No market for {} right now", req.symbol),
                )
            })?
        }
    };
    if let Some(stop) = options.stop_price {
        instrument.check_price(stop)?;
    }
    // A close-position order carries no amount: the venue closes whatever is open.
    if !options.close_position {
        instrument.validate(req.kind, price, req.amount, reference)?;
    }
    // Futures margin is the venue's to check (leverage, positions); spot funds are checked here.
    if account.row.market != "futures" {
        let balances = account.venue.balances().await?;
        let fees = account.venue.fee_rates(&req.symbol).await?;
        check_funds(
            &balances,
            instrument,
            &req,
            price.unwrap_or(reference),
            fees,
        )?;
    }

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
        options,
    };
    // 1. The intent is durable before anything leaves the process.
    let intent = store.insert_intent(&new, clock.now_ms()).await?;
    let cid = intent.client_order_id.clone();
    let submitting = store
        .apply_order_change(
            &status_change(&cid, OrderStatus::Submitting, None),
            clock.now_ms(),
        )
        .await?;
    // Only an order recorded as being sent is sent: if anything else decided its fate in the
    // meantime, it stays unsent.
    if submitting.as_ref().map(|o| o.status) != Some(OrderStatus::Submitting) {
        return Err(AppError::new(
            ErrorCode::Internal,
            format!("Order {cid} was not sent: its record changed before sending"),
        ));
    }
    let submit = SubmitOrder {
        client_order_id: cid.clone(),
        symbol: req.symbol.clone(),
        side: req.side,
        kind: req.kind,
        price,
        amount: req.amount,
        options,
    };
    // 2. Send. While in flight, reconciliation leaves the order to this task.
    engine.set_in_flight(&cid, true);
    let outcome = account.venue.submit_order(&submit).await;
    engine.set_in_flight(&cid, false);
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
            tracing::warn!(order = %cid, %reason, "order refused by the venue");
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
                // Soon (the venue usually knows by then), and once more after the submit can
                // no longer reach the venue, when "not found" is final.
                for wait in [2_000, SUBMIT_SETTLE_MS as u64 + 1_000] {
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    if let Err(e) = reconcile(&engine, &account_id).await {
                        tracing::error!(error = %e, "resolving an unknown order failed");
                    }
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
    // Shown, not stored: a cancel that fails leaves the order working, and a stored
    // PendingCancel could never go back to Open (the venue answer would be refused).
    announce(
        engine,
        account_id,
        vec![],
        vec![OrderRecord {
            status: OrderStatus::PendingCancel,
            ..order.clone()
        }],
        false,
    );
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
            // Whatever the venue said, learn the order's real state before reporting, and show
            // it (still working if the cancel did not happen).
            reconcile(engine, account_id).await?;
            if let Some(current) = store.order(order_id).await? {
                announce(engine, account_id, vec![], vec![current], false);
            }
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
    let now = clock.now_ms();
    for order in store.live_orders(account_id).await? {
        if engine.is_in_flight(&order.client_order_id) {
            continue;
        }
        let change = if order.status == OrderStatus::Intent {
            // A fresh intent is an order being placed right now: its task sends it or not.
            if now - order.updated_ms < SUBMIT_SETTLE_MS {
                continue;
            }
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
                    if matches!(order.status, OrderStatus::Submitting | OrderStatus::Unknown)
                        && now - order.updated_ms < SUBMIT_SETTLE_MS =>
                {
                    // It may still arrive: decide once it no longer can.
                    continue;
                }
                Ok(None)
                    if matches!(order.status, OrderStatus::Submitting | OrderStatus::Unknown) =>
                {
                    tracing::warn!(order = %order.client_order_id, "the venue has no record of an unconfirmed order: not placed");
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
    // Fills the stream missed: any order whose filled quantity is ahead of its recorded fills
    // (including orders already final) gets its fills from the venue, applied once each.
    let mut new_fills = Vec::new();
    for order in store
        .orders_missing_fills(account_id, now - RECONCILE_FILLS_WINDOW_MS)
        .await?
    {
        let Some(venue_order_id) = order.venue_order_id.as_deref() else {
            continue;
        };
        match account
            .venue
            .order_fills(&order.symbol, venue_order_id)
            .await
        {
            Ok(fills) => {
                let (applied, _) = store
                    .apply_execution(account_id, &fills, &[], None, clock.now_ms())
                    .await?;
                if !applied.is_empty() {
                    tracing::info!(order = %order.client_order_id, fills = applied.len(), "recovered missed fills");
                }
                new_fills.extend(applied);
            }
            Err(e) => {
                tracing::warn!(order = %order.client_order_id, error = %e, "could not fetch fills; will retry");
            }
        }
    }
    let balances = account.venue.balances().await?;
    store
        .replace_balances(account_id, &balances, clock.now_ms())
        .await?;
    announce(engine, account_id, new_fills, changed, true);
    Ok(())
}

/// How far back reconciliation looks for orders with missing fills.
const RECONCILE_FILLS_WINDOW_MS: i64 = 7 * 24 * 3_600_000;
