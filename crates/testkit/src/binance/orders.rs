//! The matching engine: placement, cancel, prints, stop triggers, fills and their accounting.

use crate::binance::fmt::{floor_step, on_step, r8};
use crate::binance::params::{ApiError, Params, valid_client_id};
use crate::binance::state::State;
use crate::config::{Market, Side, SymbolSpec};
use crate::ledger::{Fill, Order, OrderStatus, Position};
use rust_decimal::Decimal;

/// Which side of the book an order takes from.
fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

/// True if a `side` order limited at `limit` may trade at `price`.
fn crosses(side: Side, price: Decimal, limit: Decimal) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

/// Is this a stop/take-profit type that waits for a trigger?
pub(crate) fn is_conditional(order_type: &str) -> bool {
    matches!(
        order_type,
        "STOP_LOSS_LIMIT"
            | "TAKE_PROFIT_LIMIT"
            | "STOP"
            | "STOP_MARKET"
            | "TAKE_PROFIT"
            | "TAKE_PROFIT_MARKET"
    )
}

/// Whether a conditional order of `order_type` on `side` triggers at `price` (trigger `stop`).
pub(crate) fn triggered(order_type: &str, side: Side, price: Decimal, stop: Decimal) -> bool {
    let stop_like = matches!(order_type, "STOP_LOSS_LIMIT" | "STOP" | "STOP_MARKET");
    match (stop_like, side) {
        (true, Side::Buy) | (false, Side::Sell) => price >= stop,
        (true, Side::Sell) | (false, Side::Buy) => price <= stop,
    }
}

/// A validated order request.
pub(crate) struct NewOrder {
    pub spec: SymbolSpec,
    pub side: Side,
    pub order_type: String,
    pub tif: String,
    pub qty: Decimal,
    pub quote_qty: Decimal,
    pub price: Decimal,
    pub stop_price: Decimal,
    pub client_order_id: String,
    pub reduce_only: bool,
    pub close_position: bool,
    pub position_side: String,
    pub working_type: String,
}

impl State {
    pub(crate) fn client_id_param(
        &mut self,
        market: Market,
        p: &Params,
        name: &str,
    ) -> Result<String, ApiError> {
        match p.get(name) {
            Some(c) if valid_client_id(market, c) => Ok(c.to_owned()),
            Some(_) => Err(ApiError::new(
                -1100,
                match market {
                    Market::Spot => format!(
                        "Illegal characters found in parameter '{name}'; legal range is '^[a-zA-Z0-9-_]{{1,36}}$'."
                    ),
                    Market::Futures => format!(
                        "Illegal characters found in parameter '{name}'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{{1,36}}$'."
                    ),
                },
            )),
            None => Ok(self.rng.alnum(22)),
        }
    }

    /// Price and lot filters shared by both products.
    pub(crate) fn check_filters(
        spec: &SymbolSpec,
        n: &NewOrder,
        market_order: bool,
    ) -> Result<(), ApiError> {
        let priced = !n.price.is_zero() || (!market_order && n.order_type != "MARKET");
        if priced
            && (n.price < spec.min_price
                || n.price > spec.max_price
                || !on_step(n.price, spec.tick_size))
        {
            return Err(ApiError::new(-1013, "Filter failure: PRICE_FILTER"));
        }
        if !n.stop_price.is_zero() && !on_step(n.stop_price, spec.tick_size) {
            return Err(ApiError::new(-1013, "Filter failure: PRICE_FILTER"));
        }
        if !n.qty.is_zero()
            && (n.qty < spec.min_qty || n.qty > spec.max_qty || !on_step(n.qty, spec.step_size))
        {
            let f = if market_order {
                "MARKET_LOT_SIZE"
            } else {
                "LOT_SIZE"
            };
            return Err(ApiError::new(-1013, format!("Filter failure: {f}")));
        }
        Ok(())
    }

    pub(crate) fn best_opposite(
        &self,
        market: Market,
        symbol: &str,
        side: Side,
    ) -> Option<Decimal> {
        let book = self.books.get(&(market, symbol.to_owned()))?;
        match side {
            Side::Buy => book.best_ask().map(|l| l.0),
            Side::Sell => book.best_bid().map(|l| l.0),
        }
    }

    pub(crate) fn last_price(&self, market: Market, symbol: &str) -> Decimal {
        self.tapes
            .get(&(market, symbol.to_owned()))
            .map(|t| t.last_price)
            .unwrap_or_default()
    }

    /// Opposite levels in priority order.
    fn levels(&self, market: Market, symbol: &str, side: Side) -> Vec<(Decimal, Decimal)> {
        let Some(book) = self.books.get(&(market, symbol.to_owned())) else {
            return Vec::new();
        };
        match side {
            Side::Buy => book.asks.iter().map(|(p, q)| (*p, *q)).collect(),
            Side::Sell => book.bids.iter().rev().map(|(p, q)| (*p, *q)).collect(),
        }
    }

    /// Estimated (price, qty) pairs a taker order would get (book, then the last price).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn plan_take(
        &self,
        market: Market,
        spec: &SymbolSpec,
        side: Side,
        qty: Option<Decimal>,
        quote: Option<Decimal>,
        limit: Option<Decimal>,
        synthetic: bool,
    ) -> Vec<(Decimal, Decimal)> {
        let mut out = Vec::new();
        let mut left_qty = qty.unwrap_or(Decimal::MAX);
        let mut left_quote = quote.unwrap_or(Decimal::MAX);
        let mut levels = self.levels(market, &spec.symbol, side);
        levels.retain(|(p, _)| limit.is_none_or(|l| crosses(side, *p, l)));
        if synthetic {
            let last = self.last_price(market, &spec.symbol);
            if last > Decimal::ZERO {
                levels.push((last, Decimal::MAX));
            }
        }
        for (p, lq) in levels {
            if left_qty <= Decimal::ZERO || left_quote <= Decimal::ZERO {
                break;
            }
            let mut q = left_qty.min(lq);
            if quote.is_some() {
                q = q.min(floor_step(left_quote / p, spec.step_size));
            }
            if q <= Decimal::ZERO {
                break;
            }
            out.push((p, q));
            left_qty -= q;
            if quote.is_some() {
                left_quote -= p * q;
            }
        }
        out
    }

    /// Accepts an order into the ledger; returns its index.
    pub(crate) fn insert_order(&mut self, market: Market, n: &NewOrder) -> usize {
        self.insert_order_counted(market, n, true)
    }

    /// [`Self::insert_order`]; `count`: whether it is a new placement for
    /// `orders_created_per_client_id` (a triggered algo order's order is not).
    pub(crate) fn insert_order_counted(
        &mut self,
        market: Market,
        n: &NewOrder,
        count: bool,
    ) -> usize {
        let now = self.now();
        let id = self.next_order_id[market.idx()];
        self.next_order_id[market.idx()] += 1;
        let order = Order {
            market,
            symbol: n.spec.symbol.clone(),
            order_id: id,
            client_order_id: n.client_order_id.clone(),
            side: n.side,
            order_type: n.order_type.clone(),
            orig_type: n.order_type.clone(),
            time_in_force: n.tif.clone(),
            price: n.price,
            stop_price: n.stop_price,
            orig_qty: n.qty,
            executed_qty: Decimal::ZERO,
            cum_quote: Decimal::ZERO,
            orig_quote_qty: n.quote_qty,
            status: OrderStatus::New,
            working: !is_conditional(&n.order_type),
            time: now,
            update_time: now,
            reduce_only: n.reduce_only,
            close_position: n.close_position,
            position_side: n.position_side.clone(),
            working_type: n.working_type.clone(),
            locked: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
        };
        self.ledger.orders.push(order);
        if count {
            *self
                .stats
                .orders_created_per_client_id
                .entry(n.client_order_id.clone())
                .or_default() += 1;
        }
        self.ledger.orders.len() - 1
    }

    /// Index of the order named by `orderId` / `origClientOrderId` (latest with that client id).
    pub(crate) fn find_order(
        &self,
        market: Market,
        symbol: Option<&str>,
        p: &Params,
    ) -> Result<Option<usize>, ApiError> {
        let by_id = p.int("orderId")?;
        let by_cid = p.get("origClientOrderId");
        if by_id.is_none() && by_cid.is_none() {
            return Err(ApiError::new(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            ));
        }
        Ok(self.ledger.orders.iter().rposition(|o| {
            o.market == market
                && symbol.is_none_or(|s| o.symbol == s)
                && by_id.is_none_or(|id| o.order_id as i64 == id)
                && by_cid.is_none_or(|c| o.client_order_id == c)
        }))
    }

    /// How much of order `idx` may still fill (reduce-only orders are capped by the position).
    pub(crate) fn fillable(&self, idx: usize) -> Decimal {
        let o = &self.ledger.orders[idx];
        let rem = o.remaining();
        if o.market == Market::Futures && self.is_reducing(o) {
            rem.min(self.reducible(o))
        } else {
            rem
        }
    }

    /// Takes liquidity for order `idx` (book levels within `limit`, then optionally the last
    /// price), publishing the depth change and one public trade per level.
    pub(crate) fn take(&mut self, idx: usize, limit: Option<Decimal>, synthetic: bool) {
        let (market, symbol, side) = {
            let o = &self.ledger.orders[idx];
            (o.market, o.symbol.clone(), o.side)
        };
        let Some(spec) = self.spec(market, &symbol) else {
            return;
        };
        let want = self.fillable(idx);
        if want <= Decimal::ZERO {
            return;
        }
        let plan = self.plan_take(market, &spec, side, Some(want), None, limit, synthetic);
        let book_levels = self.levels(market, &symbol, side);
        let mut changes = Vec::new();
        for (p, q) in &plan {
            if let Some((_, lq)) = book_levels.iter().find(|(bp, _)| bp == p) {
                changes.push((opposite(side), *p, (*lq - *q).max(Decimal::ZERO)));
            }
        }
        self.publish_depth(market, &symbol, changes);
        for (p, q) in plan {
            let tid = self.record_trade(market, &symbol, p, q, side == Side::Sell);
            self.execute_fill(idx, p, q, false, tid);
        }
    }

    /// Applies one execution to order `idx` and the account, records the fill, emits events.
    pub(crate) fn execute_fill(
        &mut self,
        idx: usize,
        price: Decimal,
        q: Decimal,
        maker: bool,
        trade_id: u64,
    ) {
        let now = self.now();
        let (market, filled) = {
            let o = &mut self.ledger.orders[idx];
            o.executed_qty += q;
            o.cum_quote += price * q;
            o.update_time = now;
            o.status = if o.remaining() <= Decimal::ZERO {
                OrderStatus::Filled
            } else {
                OrderStatus::PartiallyFilled
            };
            (o.market, o.status == OrderStatus::Filled)
        };
        let (commission, asset, pnl) = match market {
            Market::Spot => self.spot_account_fill(idx, price, q, maker),
            Market::Futures => self.futures_account_fill(idx, price, q, maker),
        };
        let o = self.ledger.orders[idx].clone();
        let fill = Fill {
            market,
            symbol: o.symbol.clone(),
            trade_id,
            order_id: o.order_id,
            client_order_id: o.client_order_id.clone(),
            side: o.side,
            price,
            qty: q,
            quote_qty: price * q,
            commission,
            commission_asset: asset,
            is_maker: maker,
            time: now,
            realized_pnl: pnl,
            position_side: o.position_side.clone(),
        };
        self.ledger.fills.push(fill.clone());
        if filled && market == Market::Spot {
            self.spot_release(idx);
        }
        match market {
            Market::Spot => {
                let ev = self.execution_report(idx, "TRADE", Some(&fill), None);
                self.user_event(market, ev);
                let spec = self.spec(market, &o.symbol);
                if let Some(spec) = spec {
                    let ev = self.account_position(&[spec.base.as_str(), spec.quote.as_str()]);
                    self.user_event(market, ev);
                }
            }
            Market::Futures => {
                let ev = self.order_trade_update(idx, "TRADE", Some(&fill));
                self.user_event(market, ev);
                let ev = self.account_update(&o.symbol, &o.position_side);
                self.user_event(market, ev);
                if filled {
                    self.algo_child_done(idx);
                }
            }
        }
    }

    /// A new LIMIT order, spot or futures, by its time in force: FOK fills whole or expires
    /// untouched, IOC expires what it could not take at once, GTC rests what is left.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn execute_limit(
        &mut self,
        market: Market,
        idx: usize,
        spec: &SymbolSpec,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        tif: &str,
    ) {
        if tif == "FOK" {
            let avail: Decimal = self
                .plan_take(market, spec, side, Some(quantity), None, Some(price), false)
                .iter()
                .map(|x| x.1)
                .sum();
            if avail < quantity {
                self.finish(idx, OrderStatus::Expired, None);
            } else {
                self.take(idx, Some(price), false);
            }
        } else {
            self.take(idx, Some(price), false);
            if tif == "IOC" && self.ledger.orders[idx].status.is_open() {
                self.finish(idx, OrderStatus::Expired, None);
            }
        }
    }

    /// Closes an open order with CANCELED or EXPIRED, releasing held funds.
    pub(crate) fn finish(&mut self, idx: usize, status: OrderStatus, cancel_cid: Option<&str>) {
        let now = self.now();
        let market = {
            let o = &mut self.ledger.orders[idx];
            o.status = status;
            o.update_time = now;
            o.market
        };
        let exec = match status {
            OrderStatus::Canceled => "CANCELED",
            _ => "EXPIRED",
        };
        match market {
            Market::Spot => {
                let released = self.spot_release(idx);
                let ev = self.execution_report(idx, exec, None, cancel_cid);
                self.user_event(market, ev);
                if let Some(asset) = released {
                    let ev = self.account_position(&[asset.as_str()]);
                    self.user_event(market, ev);
                }
            }
            Market::Futures => {
                let ev = self.order_trade_update(idx, exec, None);
                self.user_event(market, ev);
                self.algo_child_done(idx);
            }
        }
    }

    /// A public print: book liquidity consumed, trade/aggTrade/kline frames, stop triggers,
    /// and resting orders crossed by the print filled (as makers, at their limit price).
    pub(crate) fn print(&mut self, market: Market, symbol: &str, price: Decimal, q: Decimal) {
        let Some(book) = self.books.get(&(market, symbol.to_owned())) else {
            return;
        };
        let last = self.last_price(market, symbol);
        let mut changes = Vec::new();
        let mut left = q;
        let buyer_maker;
        if book.best_ask().is_some_and(|(a, _)| price >= a) {
            buyer_maker = false;
            for (p, lq) in book.asks.iter().take_while(|(p, _)| **p <= price) {
                if left <= Decimal::ZERO {
                    break;
                }
                let take = left.min(*lq);
                left -= take;
                changes.push((Side::Sell, *p, *lq - take));
            }
        } else if book.best_bid().is_some_and(|(b, _)| price <= b) {
            buyer_maker = true;
            for (p, lq) in book.bids.iter().rev().take_while(|(p, _)| **p >= price) {
                if left <= Decimal::ZERO {
                    break;
                }
                let take = left.min(*lq);
                left -= take;
                changes.push((Side::Buy, *p, *lq - take));
            }
        } else {
            buyer_maker = price < last;
        }
        self.publish_depth(market, symbol, changes);
        self.record_trade(market, symbol, price, q, buyer_maker);
        if market == Market::Futures {
            if let Some(m) = self.marks.get_mut(symbol) {
                m.0 = price;
                m.1 = price;
            }
            self.publish_mark(symbol);
        }
        self.trigger_stops(market, symbol, price, false);
        self.match_resting(market, symbol, price, q);
    }

    /// Triggers conditional orders at `price` (`mark_only`: only MARK_PRICE working types).
    pub(crate) fn trigger_stops(
        &mut self,
        market: Market,
        symbol: &str,
        price: Decimal,
        mark_only: bool,
    ) {
        let idxs: Vec<usize> = self
            .ledger
            .orders
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.market == market
                    && o.symbol == symbol
                    && o.status.is_open()
                    && !o.working
                    && (!mark_only || o.working_type == "MARK_PRICE")
                    && triggered(&o.order_type, o.side, price, o.stop_price)
            })
            .map(|(i, _)| i)
            .collect();
        for idx in idxs {
            self.activate(idx);
        }
        if market == Market::Futures {
            self.trigger_algos(symbol, price, mark_only);
        }
    }

    fn activate(&mut self, idx: usize) {
        let now = self.now();
        let (market, typ) = {
            let o = &mut self.ledger.orders[idx];
            o.working = true;
            o.update_time = now;
            (o.market, o.order_type.clone())
        };
        match market {
            Market::Spot => {
                let limit = self.ledger.orders[idx].price;
                self.take(idx, Some(limit), false);
            }
            Market::Futures => {
                let is_market = typ.ends_with("_MARKET");
                if self.ledger.orders[idx].close_position {
                    let amt = self.reducible(&self.ledger.orders[idx].clone());
                    self.ledger.orders[idx].orig_qty = amt;
                }
                self.ledger.orders[idx].order_type =
                    if is_market { "MARKET" } else { "LIMIT" }.to_owned();
                let ev = self.order_trade_update(idx, "NEW", None);
                self.user_event(market, ev);
                if self.fillable(idx) <= Decimal::ZERO {
                    self.finish(idx, OrderStatus::Expired, None);
                    return;
                }
                if is_market {
                    self.take(idx, None, true);
                } else {
                    let limit = self.ledger.orders[idx].price;
                    self.take(idx, Some(limit), false);
                }
            }
        }
    }

    fn match_resting(&mut self, market: Market, symbol: &str, price: Decimal, q: Decimal) {
        for side in [Side::Buy, Side::Sell] {
            let mut idxs: Vec<usize> = self
                .ledger
                .orders
                .iter()
                .enumerate()
                .filter(|(_, o)| {
                    o.market == market
                        && o.symbol == symbol
                        && o.side == side
                        && o.status.is_open()
                        && o.working
                        && o.order_type != "MARKET"
                        && crosses(side, price, o.price)
                })
                .map(|(i, _)| i)
                .collect();
            idxs.sort_by(|a, b| {
                let (oa, ob) = (&self.ledger.orders[*a], &self.ledger.orders[*b]);
                let by_price = match side {
                    Side::Buy => ob.price.cmp(&oa.price),
                    Side::Sell => oa.price.cmp(&ob.price),
                };
                by_price.then(oa.order_id.cmp(&ob.order_id))
            });
            let mut budget = q;
            for idx in idxs {
                if budget <= Decimal::ZERO {
                    break;
                }
                let want = self.fillable(idx);
                if want <= Decimal::ZERO {
                    if self.ledger.orders[idx].market == Market::Futures {
                        self.finish(idx, OrderStatus::Expired, None);
                    }
                    continue;
                }
                let fq = want.min(budget);
                budget -= fq;
                let px = self.ledger.orders[idx].price;
                let tid = self.alloc_trade_id(market, symbol);
                self.execute_fill(idx, px, fq, true, tid);
            }
        }
    }

    fn alloc_trade_id(&mut self, market: Market, symbol: &str) -> u64 {
        match self.tapes.get_mut(&(market, symbol.to_owned())) {
            Some(t) => {
                t.next_trade_id += 1;
                t.next_trade_id - 1
            }
            None => 0,
        }
    }

    // ----- spot accounting ----------------------------------------------------------------

    fn spot_account_fill(
        &mut self,
        idx: usize,
        price: Decimal,
        q: Decimal,
        maker: bool,
    ) -> (Decimal, String, Decimal) {
        let o = self.ledger.orders[idx].clone();
        let Some(spec) = self.spec(Market::Spot, &o.symbol) else {
            return (Decimal::ZERO, String::new(), Decimal::ZERO);
        };
        let rate = if maker {
            self.cfg.spot_maker_rate
        } else {
            self.cfg.spot_taker_rate
        };
        let cost = price * q;
        let held = o.locked > Decimal::ZERO;
        let bals = &mut self.ledger.spot_balances;
        match o.side {
            Side::Buy => {
                let quote = bals.entry(spec.quote.clone()).or_default();
                if held {
                    quote.locked -= cost;
                    self.ledger.orders[idx].locked -= cost;
                } else {
                    quote.free -= cost;
                }
                let commission = r8(q * rate);
                bals.entry(spec.base.clone()).or_default().free += q - commission;
                (commission, spec.base, Decimal::ZERO)
            }
            Side::Sell => {
                let base = bals.entry(spec.base.clone()).or_default();
                if held {
                    base.locked -= q;
                    self.ledger.orders[idx].locked -= q;
                } else {
                    base.free -= q;
                }
                let commission = r8(cost * rate);
                bals.entry(spec.quote.clone()).or_default().free += cost - commission;
                (commission, spec.quote, Decimal::ZERO)
            }
        }
    }

    /// Returns the asset whose hold was released, if any.
    pub(crate) fn spot_release(&mut self, idx: usize) -> Option<String> {
        let o = &self.ledger.orders[idx];
        if o.market != Market::Spot || o.locked.is_zero() {
            return None;
        }
        let spec = self.spec(Market::Spot, &o.symbol)?;
        let asset = match o.side {
            Side::Buy => spec.quote,
            Side::Sell => spec.base,
        };
        let amount = o.locked;
        self.ledger.orders[idx].locked = Decimal::ZERO;
        let b = self.ledger.spot_balances.entry(asset.clone()).or_default();
        b.locked -= amount;
        b.free += amount;
        Some(asset)
    }

    /// Holds `amount` of `asset` for order `idx`.
    pub(crate) fn spot_hold(&mut self, idx: usize, asset: &str, amount: Decimal) {
        let b = self
            .ledger
            .spot_balances
            .entry(asset.to_owned())
            .or_default();
        b.free -= amount;
        b.locked += amount;
        self.ledger.orders[idx].locked = amount;
    }

    // ----- futures accounting -------------------------------------------------------------

    pub(crate) fn is_reducing(&self, o: &Order) -> bool {
        o.reduce_only
            || o.close_position
            || (o.position_side == "LONG" && o.side == Side::Sell)
            || (o.position_side == "SHORT" && o.side == Side::Buy)
    }

    /// Position quantity the order could reduce.
    pub(crate) fn reducible(&self, o: &Order) -> Decimal {
        let amt = self
            .ledger
            .position(&o.symbol, &o.position_side)
            .map(|p| p.amount)
            .unwrap_or_default();
        match o.side {
            Side::Buy if amt < Decimal::ZERO => -amt,
            Side::Sell if amt > Decimal::ZERO => amt,
            _ => Decimal::ZERO,
        }
    }

    pub(crate) fn position_mut(&mut self, symbol: &str, ps: &str) -> &mut Position {
        let i = match self
            .ledger
            .positions
            .iter()
            .position(|p| p.symbol == symbol && p.position_side == ps)
        {
            Some(i) => i,
            None => {
                self.ledger.positions.push(Position {
                    symbol: symbol.to_owned(),
                    position_side: ps.to_owned(),
                    amount: Decimal::ZERO,
                    entry_price: Decimal::ZERO,
                    realized_pnl: Decimal::ZERO,
                });
                self.ledger.positions.len() - 1
            }
        };
        &mut self.ledger.positions[i]
    }

    fn futures_account_fill(
        &mut self,
        idx: usize,
        price: Decimal,
        q: Decimal,
        maker: bool,
    ) -> (Decimal, String, Decimal) {
        let o = self.ledger.orders[idx].clone();
        let Some(spec) = self.spec(Market::Futures, &o.symbol) else {
            return (Decimal::ZERO, String::new(), Decimal::ZERO);
        };
        let rate = if maker {
            self.cfg.futures_maker_rate
        } else {
            self.cfg.futures_taker_rate
        };
        let commission = r8(price * q * rate);
        let signed = match o.side {
            Side::Buy => q,
            Side::Sell => -q,
        };
        let pos = self.position_mut(&o.symbol, &o.position_side);
        let amt = pos.amount;
        let mut pnl = Decimal::ZERO;
        if amt.is_zero() || amt.is_sign_positive() == signed.is_sign_positive() {
            let total = amt.abs() + q;
            pos.entry_price = r8((pos.entry_price * amt.abs() + price * q) / total);
            pos.amount = amt + signed;
        } else {
            let closed = amt.abs().min(q);
            let dir = if amt > Decimal::ZERO {
                Decimal::ONE
            } else {
                Decimal::NEGATIVE_ONE
            };
            pnl = r8((price - pos.entry_price) * closed * dir);
            pos.amount = amt + signed;
            if pos.amount.is_zero() {
                pos.entry_price = Decimal::ZERO;
            } else if pos.amount.is_sign_positive() != amt.is_sign_positive() {
                pos.entry_price = price;
            }
        }
        pos.realized_pnl += pnl;
        *self
            .ledger
            .futures_balances
            .entry(spec.quote.clone())
            .or_default() += pnl - commission;
        self.ledger.orders[idx].realized_pnl += pnl;
        (commission, spec.quote, pnl)
    }

    /// Initial margin held by positions and open opening orders.
    pub(crate) fn used_margin(&self) -> Decimal {
        let lev = |s: &str| {
            Decimal::from(
                *self
                    .ledger
                    .leverage
                    .get(s)
                    .unwrap_or(&self.cfg.default_leverage),
            )
        };
        let pos: Decimal = self
            .ledger
            .positions
            .iter()
            .map(|p| p.amount.abs() * p.entry_price / lev(&p.symbol))
            .sum();
        let orders: Decimal = self
            .ledger
            .orders
            .iter()
            .filter(|o| o.market == Market::Futures && o.status.is_open() && !self.is_reducing(o))
            .map(|o| {
                let px = if o.price.is_zero() {
                    self.last_price(Market::Futures, &o.symbol)
                } else {
                    o.price
                };
                o.remaining() * px / lev(&o.symbol)
            })
            .sum();
        pos + orders
    }

    pub(crate) fn unrealized(&self, p: &Position) -> Decimal {
        let mark = self
            .marks
            .get(&p.symbol)
            .map(|m| m.0)
            .unwrap_or(p.entry_price);
        r8((mark - p.entry_price) * p.amount)
    }
}
