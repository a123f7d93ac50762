//! The Demo exchange's matching engine and account ledger. Pure: no IO, no clock (time is passed
//! in), no async, so every rule below is unit-tested directly.
//!
//! # Fill model
//! - **Validation.** Every order is checked against the instrument's filters (tick, step, min/max
//!   quantity, min notional; a market order is valued at the touch), then for self-trades, then
//!   for funds. A refusal changes nothing.
//! - **Funds.** Balances have a free and a locked part. Fees are charged in the quote asset: a buy
//!   pays `qty * price + fee`, a sell receives `qty * price - fee`. A buy needs its whole cost
//!   including the taker fee to be free (a limit buy: `qty * limit * (1 + fee)`); a sell needs its
//!   base quantity.
//! - **Market orders** walk the synthetic book level by level, one fill per level at that level's
//!   price, paying the taker fee. [`Amount::Base`] buys or sells that quantity;
//!   [`Amount::Quote`] buys for at most that much quote *including the fee*, or sells for at most
//!   that much quote before the fee, each level's quantity rounded down to the step. What the book
//!   cannot give expires: the order ends `Expired` with its partial fill, else `Filled`.
//! - **Limit orders** first take liquidity up to their limit price like a market order (taker),
//!   and the rest rests (maker): a buy locks `rest * price * (1 + maker fee)` of quote, a sell
//!   locks its base. A resting buy fills when a public print trades at or below its price, a
//!   resting sell when a print trades at or above it, at the order's own limit price, with the
//!   maker fee, for at most the print's quantity (shared by price, then time priority), so large
//!   orders fill partially over several prints.
//! - **Self-trade prevention** ("expire taker"): an order that would cross one of the account's
//!   own resting orders on the other side is rejected whole.
//! - **Ids.** Venue order ids and trade ids are `D` + one increasing sequence, which starts from
//!   the exchange's start time times 1,000 so ids stay unique across runs.

use crate::book::{Sizing, TakePlan, consume, plan_take};
use crate::hash::FxHashMap;
use keel_domain::{
    Amount, Balance, Fill, Instrument, OrderBook, OrderKind, OrderOptions, OrderStatus, Side,
    SubmitOrder, TimestampMs,
};
use keel_exchange::{ExchangeError, ExchangeResult, OrderAck, OrderUpdate, RejectReason};
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The venue id on every fill.
pub const VENUE_ID: &str = "demo";
/// The one account the Demo exchange has.
pub const ACCOUNT_ID: &str = "demo";
/// Finished orders kept for look-ups (and duplicate-id checks) before the oldest are forgotten.
pub const FINISHED_ORDERS_KEPT: usize = 10_000;

/// A resting order persisted by the engine, to be put back on the book after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredOrder {
    pub order: SubmitOrder,
    pub venue_order_id: String,
    pub filled_qty: Decimal,
    pub filled_quote: Decimal,
}

/// Fills and order changes produced by one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Executions {
    pub fills: Vec<Fill>,
    pub orders: Vec<OrderUpdate>,
}

impl Executions {
    pub fn is_empty(&self) -> bool {
        self.fills.is_empty() && self.orders.is_empty()
    }
}

#[derive(Debug, Clone)]
struct Order {
    venue_order_id: String,
    client_order_id: String,
    symbol: usize,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    /// Base quantity ordered; `None` for a market order sized in quote.
    qty: Option<Decimal>,
    filled_qty: Decimal,
    filled_quote: Decimal,
    status: OrderStatus,
    /// Funds this order still holds locked (quote for a buy, base for a sell).
    locked: Decimal,
    updated_ms: TimestampMs,
}

impl Order {
    fn remaining(&self) -> Decimal {
        self.qty.map_or(Decimal::ZERO, |q| q - self.filled_qty)
    }
}

/// The account's resting orders on one symbol, in price then time priority.
#[derive(Debug, Clone)]
struct SymbolOrders {
    instrument: Instrument,
    bids: BTreeSet<(Reverse<Decimal>, u64)>,
    asks: BTreeSet<(Decimal, u64)>,
}

/// Balances by asset, free and locked.
#[derive(Debug, Clone, Default)]
struct Ledger {
    balances: BTreeMap<String, Balance>,
}

impl Ledger {
    fn replace(&mut self, balances: Vec<Balance>) {
        self.balances = balances.into_iter().map(|b| (b.asset.clone(), b)).collect();
    }

    fn free(&self, asset: &str) -> Decimal {
        self.balances.get(asset).map_or(Decimal::ZERO, |b| b.free)
    }

    fn adjust(&mut self, asset: &str, free: Decimal, locked: Decimal) {
        if let Some(b) = self.balances.get_mut(asset) {
            b.free += free;
            b.locked += locked;
            return;
        }
        self.balances.insert(
            asset.to_string(),
            Balance {
                asset: asset.to_string(),
                free,
                locked,
            },
        );
    }

    /// Pays `amount` out of the locked part (any shortfall comes out of the free part).
    fn spend_locked(&mut self, asset: &str, amount: Decimal) {
        if let Some(b) = self.balances.get_mut(asset) {
            let from_locked = amount.min(b.locked).max(Decimal::ZERO);
            b.locked -= from_locked;
            b.free -= amount - from_locked;
        } else {
            self.adjust(asset, -amount, Decimal::ZERO);
        }
    }

    /// Moves up to `amount` from locked back to free.
    fn unlock(&mut self, asset: &str, amount: Decimal) {
        if let Some(b) = self.balances.get_mut(asset) {
            let released = amount.min(b.locked).max(Decimal::ZERO);
            b.locked -= released;
            b.free += released;
        }
    }

    fn snapshot(&self) -> Vec<Balance> {
        self.balances
            .values()
            .map(|b| Balance {
                asset: b.asset.clone(),
                free: b.free.normalize(),
                locked: b.locked.normalize(),
            })
            .collect()
    }
}

/// An order that passed every check, and what it will take from the book.
struct Accepted {
    symbol: usize,
    price: Option<Decimal>,
    qty: Option<Decimal>,
    take: TakePlan,
    /// Base quantity left to rest after the taker part (limit orders).
    rest: Decimal,
}

fn rejected(reason: RejectReason, message: String) -> ExchangeError {
    ExchangeError::Rejected { reason, message }
}

fn filter_violation(err: impl std::fmt::Display) -> ExchangeError {
    rejected(RejectReason::FilterViolation, err.to_string())
}

/// The matching engine and ledger of the Demo exchange's single account.
#[derive(Debug, Clone)]
pub struct Matcher {
    maker_fee: Decimal,
    taker_fee: Decimal,
    symbols: Vec<SymbolOrders>,
    symbol_index: FxHashMap<String, usize>,
    ledger: Ledger,
    /// Orders by internal key (the key also gives time priority).
    orders: FxHashMap<u64, Order>,
    by_client: FxHashMap<String, u64>,
    finished: VecDeque<u64>,
    next_key: u64,
    /// Next venue order id / trade id number.
    next_id: u64,
}

impl Matcher {
    /// A matcher for `instruments` (their order is the symbol index), with the account's
    /// starting balances. Ids start at `first_id`.
    pub fn new(
        instruments: Vec<Instrument>,
        maker_fee: Decimal,
        taker_fee: Decimal,
        balances: Vec<Balance>,
        first_id: u64,
    ) -> Self {
        let mut symbol_index = FxHashMap::default();
        let mut symbols = Vec::new();
        for instrument in instruments {
            if symbol_index.contains_key(&instrument.symbol) {
                continue;
            }
            symbol_index.insert(instrument.symbol.clone(), symbols.len());
            symbols.push(SymbolOrders {
                instrument,
                bids: BTreeSet::new(),
                asks: BTreeSet::new(),
            });
        }
        let mut ledger = Ledger::default();
        ledger.replace(balances);
        Self {
            maker_fee,
            taker_fee,
            symbols,
            symbol_index,
            ledger,
            orders: FxHashMap::default(),
            by_client: FxHashMap::default(),
            finished: VecDeque::new(),
            next_key: 0,
            next_id: first_id,
        }
    }

    /// (maker, taker) fee rates.
    pub fn fees(&self) -> (Decimal, Decimal) {
        (self.maker_fee, self.taker_fee)
    }

    pub fn symbol_index(&self, symbol: &str) -> Option<usize> {
        self.symbol_index.get(symbol).copied()
    }

    /// All balances, by asset name.
    pub fn balances(&self) -> Vec<Balance> {
        self.ledger.snapshot()
    }

    /// One asset's balance (zero when the account never held it).
    pub fn balance(&self, asset: &str) -> Balance {
        self.ledger.balances.get(asset).cloned().unwrap_or(Balance {
            asset: asset.to_string(),
            free: Decimal::ZERO,
            locked: Decimal::ZERO,
        })
    }

    /// Whether the account has resting orders on symbol `index`.
    pub fn has_resting(&self, index: usize) -> bool {
        self.symbols
            .get(index)
            .is_some_and(|s| !s.bids.is_empty() || !s.asks.is_empty())
    }

    /// Validates, matches and books an order. `book` is the symbol's synthetic book; what the
    /// order takes from it is removed. Returns the order's state and its immediate fills.
    pub fn submit(
        &mut self,
        req: &SubmitOrder,
        book: &mut OrderBook,
        now: TimestampMs,
    ) -> ExchangeResult<OrderAck> {
        let accepted = self.check(req, book)?;
        let key = self.next_key;
        self.next_key += 1;
        let mut order = Order {
            venue_order_id: self.take_id(),
            client_order_id: req.client_order_id.clone(),
            symbol: accepted.symbol,
            side: req.side,
            kind: req.kind,
            price: accepted.price,
            qty: accepted.qty,
            filled_qty: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            status: OrderStatus::Open,
            locked: Decimal::ZERO,
            updated_ms: now,
        };
        consume(book, req.side, &accepted.take);
        let mut fills = Vec::with_capacity(accepted.take.legs.len());
        for leg in &accepted.take.legs {
            fills.push(self.taker_fill(&mut order, leg.price, leg.qty, now));
        }
        let limit_price = accepted.price.filter(|_| req.kind == OrderKind::Limit);
        order.status = match limit_price {
            Some(price) if accepted.rest > Decimal::ZERO => {
                self.rest(&mut order, key, price, accepted.rest);
                if order.filled_qty.is_zero() {
                    OrderStatus::Open
                } else {
                    OrderStatus::PartiallyFilled
                }
            }
            Some(_) => OrderStatus::Filled,
            None if order.filled_qty.is_zero() || !accepted.take.complete => OrderStatus::Expired,
            None => OrderStatus::Filled,
        };
        let update = self.update_of(&order);
        let terminal = order.status.is_terminal();
        self.by_client.insert(order.client_order_id.clone(), key);
        self.orders.insert(key, order);
        if terminal {
            self.finish(key);
        }
        Ok(OrderAck {
            order: update,
            fills,
        })
    }

    /// Cancels a resting order and releases the funds it holds.
    pub fn cancel(
        &mut self,
        symbol: &str,
        client_order_id: &str,
        now: TimestampMs,
    ) -> ExchangeResult<OrderUpdate> {
        let not_found = || {
            rejected(
                RejectReason::OrderNotFound,
                format!("no order {client_order_id} on {symbol}"),
            )
        };
        let key = *self.by_client.get(client_order_id).ok_or_else(not_found)?;
        let order = self.orders.get_mut(&key).ok_or_else(not_found)?;
        let instrument = &self.symbols[order.symbol].instrument;
        if instrument.symbol != symbol {
            return Err(not_found());
        }
        if order.status.is_terminal() {
            return Err(rejected(
                RejectReason::NotCancelable,
                format!(
                    "order {client_order_id} is already {} and cannot be canceled",
                    order.status.as_str()
                ),
            ));
        }
        let asset = match order.side {
            Side::Buy => &instrument.quote,
            Side::Sell => &instrument.base,
        };
        self.ledger.unlock(asset, order.locked);
        order.locked = Decimal::ZERO;
        order.status = OrderStatus::Canceled;
        order.updated_ms = now;
        if let Some(price) = order.price {
            let side_orders = &mut self.symbols[order.symbol];
            match order.side {
                Side::Buy => side_orders.bids.remove(&(Reverse(price), key)),
                Side::Sell => side_orders.asks.remove(&(price, key)),
            };
        }
        let update = self.update_of_key(key);
        self.finish(key);
        update.ok_or_else(not_found)
    }

    /// The venue's view of an order by its client id, while the venue remembers it.
    pub fn query(&self, symbol: &str, client_order_id: &str) -> Option<OrderUpdate> {
        let key = self.by_client.get(client_order_id)?;
        let order = self.orders.get(key)?;
        (self.symbols[order.symbol].instrument.symbol == symbol).then(|| self.update_of(order))
    }

    /// Every working order, oldest first.
    pub fn open_orders(&self) -> Vec<OrderUpdate> {
        let mut keys: Vec<u64> = self
            .orders
            .iter()
            .filter(|(_, o)| o.status.is_working())
            .map(|(k, _)| *k)
            .collect();
        keys.sort_unstable();
        keys.iter()
            .filter_map(|k| self.orders.get(k))
            .map(|o| self.update_of(o))
            .collect()
    }

    /// A public print on symbol `index`: fills resting buys priced at or above it and resting
    /// sells priced at or below it, at their limit prices, for at most `qty` on each side.
    pub fn on_print(
        &mut self,
        index: usize,
        price: Decimal,
        qty: Decimal,
        now: TimestampMs,
    ) -> Executions {
        self.on_range(index, price, price, qty, now)
    }

    /// A stretch of trading summarised as a range (a generated candle during a gap): resting buys
    /// at or above `low` and resting sells at or below `high` fill for at most `volume` each.
    pub fn on_range(
        &mut self,
        index: usize,
        low: Decimal,
        high: Decimal,
        volume: Decimal,
        now: TimestampMs,
    ) -> Executions {
        let mut out = Executions::default();
        if self.has_resting(index) && volume > Decimal::ZERO {
            self.fill_resting(index, Side::Buy, low, volume, now, &mut out);
            self.fill_resting(index, Side::Sell, high, volume, now, &mut out);
        }
        out
    }

    /// Makes sure new order and trade ids come after `D<n>` ids issued by an earlier run, so a
    /// clock that went backwards can never make a new fill look like a recorded one.
    pub fn skip_ids_past(&mut self, id: &str) {
        if let Some(n) = id.strip_prefix('D').and_then(|n| n.parse::<u64>().ok()) {
            self.next_id = self.next_id.max(n.saturating_add(1));
        }
    }

    /// Puts back the state the engine persisted: balances exactly as given (they include what
    /// resting orders lock) and resting limit orders, without locking funds again. Orders that
    /// are not resting limit orders on a known symbol, or have nothing left, are skipped.
    pub fn restore(
        &mut self,
        balances: Vec<Balance>,
        orders: Vec<RestoredOrder>,
        now: TimestampMs,
    ) {
        self.ledger.replace(balances);
        self.orders.clear();
        self.by_client.clear();
        self.finished.clear();
        for s in &mut self.symbols {
            s.bids.clear();
            s.asks.clear();
        }
        for restored in orders {
            let req = &restored.order;
            let Some(index) = self.symbol_index(&req.symbol) else {
                continue;
            };
            let Some(price) = req.price.filter(|p| *p > Decimal::ZERO) else {
                continue;
            };
            if req.kind != OrderKind::Limit || self.by_client.contains_key(&req.client_order_id) {
                continue;
            }
            let qty = match req.amount {
                Amount::Base(q) => q,
                Amount::Quote(q) => self.symbols[index].instrument.qty_for_quote(q, price),
            };
            let rest = qty - restored.filled_qty;
            if rest <= Decimal::ZERO {
                continue;
            }
            if let Some(n) = restored
                .venue_order_id
                .strip_prefix('D')
                .and_then(|n| n.parse::<u64>().ok())
            {
                self.next_id = self.next_id.max(n.saturating_add(1));
            }
            let key = self.next_key;
            self.next_key += 1;
            let locked = match req.side {
                Side::Buy => rest * price * (Decimal::ONE + self.maker_fee),
                Side::Sell => rest,
            };
            let order = Order {
                venue_order_id: restored.venue_order_id,
                client_order_id: req.client_order_id.clone(),
                symbol: index,
                side: req.side,
                kind: OrderKind::Limit,
                price: Some(price),
                qty: Some(qty),
                filled_qty: restored.filled_qty,
                filled_quote: restored.filled_quote,
                status: if restored.filled_qty > Decimal::ZERO {
                    OrderStatus::PartiallyFilled
                } else {
                    OrderStatus::Open
                },
                locked,
                updated_ms: now,
            };
            self.index_resting(index, req.side, price, key);
            self.by_client.insert(order.client_order_id.clone(), key);
            self.orders.insert(key, order);
        }
    }

    /// Every check an order must pass, and what it would take from the book.
    fn check(&self, req: &SubmitOrder, book: &OrderBook) -> ExchangeResult<Accepted> {
        let symbol = self.symbol_index(&req.symbol).ok_or_else(|| {
            rejected(
                RejectReason::UnknownSymbol,
                format!("unknown symbol {}", req.symbol),
            )
        })?;
        if self.by_client.contains_key(&req.client_order_id) {
            return Err(rejected(
                RejectReason::DuplicateClientOrderId,
                format!("client order id {} is already in use", req.client_order_id),
            ));
        }
        let instrument = &self.symbols[symbol].instrument;
        let step = instrument.step_size;
        if req.options != OrderOptions::default() {
            return Err(rejected(
                RejectReason::Other,
                "the Demo exchange takes plain GTC orders only".into(),
            ));
        }
        let (accepted, crossing_price) = match req.kind {
            OrderKind::Market => {
                let touch = match req.side {
                    Side::Buy => book.best_ask().or(book.best_bid()),
                    Side::Sell => book.best_bid().or(book.best_ask()),
                };
                instrument
                    .validate(
                        OrderKind::Market,
                        None,
                        req.amount,
                        touch.unwrap_or(Decimal::ZERO),
                    )
                    .map_err(filter_violation)?;
                let (sizing, qty) = match (req.side, req.amount) {
                    (_, Amount::Base(q)) => (Sizing::Base(q), Some(q)),
                    (Side::Buy, Amount::Quote(q)) => (Sizing::Spend(q), None),
                    (Side::Sell, Amount::Quote(q)) => (Sizing::Receive(q), None),
                };
                let take = plan_take(book, req.side, None, sizing, self.taker_fee, step);
                let worst = take.worst_price();
                let accepted = Accepted {
                    symbol,
                    price: None,
                    qty,
                    take,
                    rest: Decimal::ZERO,
                };
                (accepted, worst)
            }
            OrderKind::LimitMaker
            | OrderKind::StopMarket
            | OrderKind::StopLimit
            | OrderKind::TakeProfitMarket
            | OrderKind::TakeProfitLimit => {
                return Err(rejected(
                    RejectReason::Other,
                    format!(
                        "the Demo exchange does not take {} orders",
                        req.kind.as_str().replace('_', " ")
                    ),
                ));
            }
            OrderKind::Limit => {
                if let (Some(price), Amount::Base(qty)) = (req.price, req.amount)
                    && price.checked_mul(qty).is_none()
                {
                    return Err(filter_violation("the order's value is too large"));
                }
                instrument
                    .validate(OrderKind::Limit, req.price, req.amount, Decimal::ZERO)
                    .map_err(filter_violation)?;
                let price = req
                    .price
                    .ok_or_else(|| filter_violation("a limit order needs a price"))?;
                let qty = match req.amount {
                    Amount::Base(q) => q,
                    Amount::Quote(q) => instrument.qty_for_quote(q, price),
                };
                let take = plan_take(
                    book,
                    req.side,
                    Some(price),
                    Sizing::Base(qty),
                    self.taker_fee,
                    step,
                );
                let rest = qty - take.qty;
                let accepted = Accepted {
                    symbol,
                    price: Some(price),
                    qty: Some(qty),
                    take,
                    rest,
                };
                (accepted, Some(price))
            }
        };
        if let Some(price) = crossing_price {
            self.check_self_trade(symbol, req.side, price)?;
        }
        self.check_funds(req, &accepted)?;
        Ok(accepted)
    }

    /// Rejects an order reaching `price` when the account rests on the other side there.
    fn check_self_trade(&self, symbol: usize, side: Side, price: Decimal) -> ExchangeResult<()> {
        let orders = &self.symbols[symbol];
        let own = match side {
            Side::Buy => orders
                .asks
                .first()
                .filter(|(p, _)| *p <= price)
                .map(|(p, k)| (*p, *k)),
            Side::Sell => orders
                .bids
                .first()
                .filter(|(Reverse(p), _)| *p >= price)
                .map(|(Reverse(p), k)| (*p, *k)),
        };
        match own {
            None => Ok(()),
            Some((own_price, key)) => {
                let id = self
                    .orders
                    .get(&key)
                    .map_or("", |o| o.client_order_id.as_str());
                Err(rejected(
                    RejectReason::SelfTrade,
                    format!(
                        "the order would trade against your own resting {} order {id} at {own_price}; \
                         self-trades are prevented",
                        side.opposite().as_str()
                    ),
                ))
            }
        }
    }

    fn check_funds(&self, req: &SubmitOrder, accepted: &Accepted) -> ExchangeResult<()> {
        let instrument = &self.symbols[accepted.symbol].instrument;
        let too_large = || filter_violation("the order's value is too large");
        let (asset, need) = match (req.side, req.kind, req.amount) {
            (Side::Buy, OrderKind::Market, Amount::Quote(budget)) => (&instrument.quote, budget),
            (Side::Buy, OrderKind::Market, Amount::Base(_)) => (
                &instrument.quote,
                accepted
                    .take
                    .quote
                    .checked_mul(Decimal::ONE + self.taker_fee)
                    .ok_or_else(too_large)?,
            ),
            (Side::Buy, _, _) => {
                // A limit order: the whole order may trade as taker; resting locks at the maker fee.
                let fee = self.taker_fee.max(self.maker_fee);
                let qty = accepted.qty.unwrap_or(Decimal::ZERO);
                let value = accepted
                    .price
                    .and_then(|p| p.checked_mul(qty))
                    .and_then(|v| v.checked_mul(Decimal::ONE + fee))
                    .ok_or_else(too_large)?;
                (&instrument.quote, value)
            }
            (Side::Sell, _, _) => (&instrument.base, accepted.qty.unwrap_or(accepted.take.qty)),
        };
        let free = self.ledger.free(asset);
        if need > free {
            let fee_note = if req.side == Side::Buy {
                " (taker fee included)"
            } else {
                ""
            };
            return Err(rejected(
                RejectReason::InsufficientBalance,
                format!(
                    "insufficient {asset} balance: the order needs {} {asset}{fee_note}, {} {asset} is free",
                    need.normalize(),
                    free.normalize()
                ),
            ));
        }
        Ok(())
    }

    fn take_id(&mut self) -> String {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        format!("D{id}")
    }

    /// Books a taker execution against the synthetic book.
    fn taker_fill(
        &mut self,
        order: &mut Order,
        price: Decimal,
        qty: Decimal,
        now: TimestampMs,
    ) -> Fill {
        let quote_qty = price * qty;
        let fee = quote_qty * self.taker_fee;
        let instrument = &self.symbols[order.symbol].instrument;
        match order.side {
            Side::Buy => {
                self.ledger
                    .adjust(&instrument.quote, -(quote_qty + fee), Decimal::ZERO);
                self.ledger.adjust(&instrument.base, qty, Decimal::ZERO);
            }
            Side::Sell => {
                self.ledger.adjust(&instrument.base, -qty, Decimal::ZERO);
                self.ledger
                    .adjust(&instrument.quote, quote_qty - fee, Decimal::ZERO);
            }
        }
        order.filled_qty += qty;
        order.filled_quote += quote_qty;
        order.updated_ms = now;
        let trade_id = self.take_id();
        make_fill(
            order,
            &self.symbols[order.symbol].instrument,
            price,
            qty,
            fee,
            false,
            trade_id,
            now,
        )
    }

    /// Locks the funds of an order's resting part and puts it on the account's book.
    fn rest(&mut self, order: &mut Order, key: u64, price: Decimal, rest: Decimal) {
        let instrument = &self.symbols[order.symbol].instrument;
        let (asset, lock) = match order.side {
            Side::Buy => (
                &instrument.quote,
                rest * price * (Decimal::ONE + self.maker_fee),
            ),
            Side::Sell => (&instrument.base, rest),
        };
        self.ledger.adjust(asset, -lock, lock);
        order.locked = lock;
        self.index_resting(order.symbol, order.side, price, key);
    }

    fn index_resting(&mut self, symbol: usize, side: Side, price: Decimal, key: u64) {
        let orders = &mut self.symbols[symbol];
        match side {
            Side::Buy => orders.bids.insert((Reverse(price), key)),
            Side::Sell => orders.asks.insert((price, key)),
        };
    }

    /// Fills the resting orders on `side` that a print at `price` reaches, up to `qty` in total.
    fn fill_resting(
        &mut self,
        symbol: usize,
        side: Side,
        price: Decimal,
        qty: Decimal,
        now: TimestampMs,
        out: &mut Executions,
    ) {
        let mut left = qty;
        let mut hits: Vec<(u64, Decimal)> = Vec::new();
        let mut take = |key: u64| -> bool {
            let remaining = self
                .orders
                .get(&key)
                .map_or(Decimal::ZERO, Order::remaining);
            let fill = remaining.min(left);
            if fill > Decimal::ZERO {
                hits.push((key, fill));
                left -= fill;
            }
            left > Decimal::ZERO
        };
        let orders = &self.symbols[symbol];
        match side {
            Side::Buy => {
                for &(Reverse(p), key) in &orders.bids {
                    if p < price || !take(key) {
                        break;
                    }
                }
            }
            Side::Sell => {
                for &(p, key) in &orders.asks {
                    if p > price || !take(key) {
                        break;
                    }
                }
            }
        }
        for (key, fill) in hits {
            self.maker_fill(key, fill, now, out);
        }
    }

    /// Books a maker execution of a resting order at its limit price.
    fn maker_fill(&mut self, key: u64, qty: Decimal, now: TimestampMs, out: &mut Executions) {
        let Some(order) = self.orders.get_mut(&key) else {
            return;
        };
        let Some(price) = order.price else {
            return;
        };
        let instrument = &self.symbols[order.symbol].instrument;
        let quote_qty = price * qty;
        let fee = quote_qty * self.maker_fee;
        match order.side {
            Side::Buy => {
                let cost = quote_qty + fee;
                self.ledger.spend_locked(&instrument.quote, cost);
                self.ledger.adjust(&instrument.base, qty, Decimal::ZERO);
                order.locked -= cost;
            }
            Side::Sell => {
                self.ledger.spend_locked(&instrument.base, qty);
                self.ledger
                    .adjust(&instrument.quote, quote_qty - fee, Decimal::ZERO);
                order.locked -= qty;
            }
        }
        order.filled_qty += qty;
        order.filled_quote += quote_qty;
        order.updated_ms = now;
        let done = order.remaining() <= Decimal::ZERO;
        if done {
            order.status = OrderStatus::Filled;
            // Whatever the lock held beyond the fills (nothing, barring rounding) goes back.
            let asset = match order.side {
                Side::Buy => &instrument.quote,
                Side::Sell => &instrument.base,
            };
            if order.locked > Decimal::ZERO {
                self.ledger.unlock(asset, order.locked);
            }
            order.locked = Decimal::ZERO;
        } else {
            order.status = OrderStatus::PartiallyFilled;
        }
        let trade_id = format!("D{}", self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        let fill = make_fill(order, instrument, price, qty, fee, true, trade_id, now);
        let update = update_of(order, instrument);
        let (side, symbol) = (order.side, order.symbol);
        if done {
            let orders = &mut self.symbols[symbol];
            match side {
                Side::Buy => orders.bids.remove(&(Reverse(price), key)),
                Side::Sell => orders.asks.remove(&(price, key)),
            };
            self.finish(key);
        }
        out.fills.push(fill);
        out.orders.push(update);
    }

    /// Keeps a finished order for look-ups, forgetting the oldest beyond the retention limit.
    fn finish(&mut self, key: u64) {
        self.finished.push_back(key);
        while self.finished.len() > FINISHED_ORDERS_KEPT {
            let Some(old) = self.finished.pop_front() else {
                break;
            };
            if let Some(order) = self.orders.remove(&old) {
                self.by_client.remove(&order.client_order_id);
            }
        }
    }

    fn update_of(&self, order: &Order) -> OrderUpdate {
        update_of(order, &self.symbols[order.symbol].instrument)
    }

    fn update_of_key(&self, key: u64) -> Option<OrderUpdate> {
        self.orders.get(&key).map(|o| self.update_of(o))
    }
}

fn update_of(order: &Order, instrument: &Instrument) -> OrderUpdate {
    OrderUpdate {
        client_order_id: order.client_order_id.clone(),
        venue_order_id: order.venue_order_id.clone(),
        symbol: instrument.symbol.clone(),
        side: order.side,
        kind: order.kind,
        status: order.status,
        filled_qty: order.filled_qty,
        filled_quote: order.filled_quote.normalize(),
        ts_ms: order.updated_ms,
    }
}

#[allow(clippy::too_many_arguments)]
fn make_fill(
    order: &Order,
    instrument: &Instrument,
    price: Decimal,
    qty: Decimal,
    fee: Decimal,
    is_maker: bool,
    trade_id: String,
    now: TimestampMs,
) -> Fill {
    Fill {
        venue: VENUE_ID.to_string(),
        account_id: ACCOUNT_ID.to_string(),
        symbol: instrument.symbol.clone(),
        side: order.side,
        price,
        qty,
        quote_qty: (price * qty).normalize(),
        fee: fee.normalize(),
        fee_asset: instrument.quote.clone(),
        venue_order_id: order.venue_order_id.clone(),
        client_order_id: order.client_order_id.clone(),
        trade_id,
        is_maker,
        ts_ms: now,
    }
}
