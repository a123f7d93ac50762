//! The execution rules behind [`SimVenue`]'s public calls: activation, triggers, taker and maker
//! fills, time in force, reduce-only, self-trade prevention. Everything here works on a copy of
//! one order that the caller writes back (or drops when it ended).

use super::SimVenue;
use super::rounding::{floor_to, taker_price};
use super::types::{Liquidity, OpenOrder, SimEvent, SimFill, SimReject};
use keel_domain::{OrderKind, OrderStatus, Side, TimeInForce};
use rust_decimal::Decimal;

/// How much of a market-data event our orders may still take, per side of our orders.
/// `None` is unbounded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    buy: Option<Decimal>,
    sell: Option<Decimal>,
}

impl Budget {
    pub(super) const UNBOUNDED: Budget = Budget {
        buy: None,
        sell: None,
    };

    /// `share` of `volume` for each side; a volume of zero or less means "unknown": unbounded.
    pub(super) fn of(volume: Decimal, share: Decimal) -> Self {
        if volume <= Decimal::ZERO {
            return Self::UNBOUNDED;
        }
        let cap = Some((volume * share).max(Decimal::ZERO));
        Budget {
            buy: cap,
            sell: cap,
        }
    }

    fn get(&self, side: Side) -> Option<Decimal> {
        match side {
            Side::Buy => self.buy,
            Side::Sell => self.sell,
        }
    }

    fn spend(&mut self, side: Side, qty: Decimal) {
        let slot = match side {
            Side::Buy => &mut self.buy,
            Side::Sell => &mut self.sell,
        };
        if let Some(left) = slot {
            *left = (*left - qty).max(Decimal::ZERO);
        }
    }
}

/// What kind of market data a price point comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tape {
    /// A point of a candle's intrabar path; `first` is the open (gap rules apply there).
    Candle { first: bool },
    /// A public trade print.
    Trade { qty: Decimal, taker: Side },
}

/// One price the market traded at.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    pub(super) price: Decimal,
    pub(super) time: i64,
    pub(super) tape: Tape,
}

/// Where an order meets the market when it starts to work.
#[derive(Debug, Clone, Copy)]
pub(super) enum Src {
    /// At `submit`/`amend`: the latest book if fresher than the last price, else the last price.
    Submit { time: i64 },
    /// At a market-data price point.
    Point(Point),
}

/// What a taker could get right now.
#[derive(Debug, Clone, Copy)]
pub(super) struct Quote {
    pub(super) marketable: bool,
    /// Base quantity available (`None`: unbounded).
    available: Option<Decimal>,
    /// The worst price the order would trade at (for self-trade prevention).
    reach: Decimal,
}

/// Whether `price` trades through `limit` for a `side` order (strictly; no limit: always).
fn through(side: Side, price: Decimal, limit: Option<Decimal>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => price < l,
        (Side::Sell, Some(l)) => price > l,
    }
}

/// Whether a book level at `price` is within `limit` (inclusive, as on a real book).
fn within(side: Side, price: Decimal, limit: Option<Decimal>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Buy, Some(l)) => price <= l,
        (Side::Sell, Some(l)) => price >= l,
    }
}

/// Whether a conditional order's trigger fires at `price`: buy stops and sell take-profits at or
/// above the stop, sell stops and buy take-profits at or below it.
pub(super) fn triggers(o: &OpenOrder, price: Decimal) -> bool {
    let Some(stop) = o.order.stop_price else {
        return false;
    };
    let rising = matches!(
        (o.order.kind, o.order.side),
        (OrderKind::StopMarket | OrderKind::StopLimit, Side::Buy)
            | (
                OrderKind::TakeProfitMarket | OrderKind::TakeProfitLimit,
                Side::Sell
            )
    );
    if rising { price >= stop } else { price <= stop }
}

impl SimVenue {
    /// The opposite side of the latest book, when a book is known and at least as fresh as the
    /// last price.
    fn fresh_book(&self, side: Side) -> Option<&[(Decimal, Decimal)]> {
        let levels = match side {
            Side::Buy => &self.book.asks,
            Side::Sell => &self.book.bids,
        };
        (self.book.t_ms >= self.last_price_ms && !levels.is_empty()).then_some(levels.as_slice())
    }

    /// Quantity resting at `price` on `side`'s own side of the latest book (0 if none known).
    fn book_qty_at(&self, side: Side, price: Decimal) -> Decimal {
        let levels = match side {
            Side::Buy => &self.book.bids,
            Side::Sell => &self.book.asks,
        };
        levels
            .iter()
            .find(|(p, _)| *p == price)
            .map_or(Decimal::ZERO, |(_, q)| *q)
    }

    /// How much a reduce-only order may still trade (`None`: not reduce-only).
    fn reduce_room(&self, o: &OpenOrder) -> Option<Decimal> {
        if !o.order.reduce_only {
            return None;
        }
        Some(match o.order.side {
            Side::Buy if self.position < Decimal::ZERO => -self.position,
            Side::Sell if self.position > Decimal::ZERO => self.position,
            _ => Decimal::ZERO,
        })
    }

    /// The quantity the order wants now: its remainder, clamped to the reduce-only room.
    fn want(&self, o: &OpenOrder) -> Decimal {
        let rest = o.remaining();
        let want = match self.reduce_room(o) {
            Some(room) => rest.min(room),
            None => rest,
        };
        floor_to(want, self.cfg.step_size)
    }

    /// Whether a taker reaching `reach` would hit one of the account's own resting orders.
    fn self_trade(&self, o: &OpenOrder, reach: Decimal) -> bool {
        self.orders.iter().any(|r| {
            r.order.id != o.order.id
                && r.order.side != o.order.side
                && r.rests_on_book()
                && r.working_limit().is_some_and(|l| match o.order.side {
                    Side::Buy => l <= reach,
                    Side::Sell => l >= reach,
                })
        })
    }

    fn quote(&self, o: &OpenOrder, limit: Option<Decimal>, src: Src, budget: &Budget) -> Quote {
        let side = o.order.side;
        let (slip, tick) = (self.cfg.slippage, self.cfg.tick_size);
        match src {
            Src::Submit { .. } => {
                if let Some(levels) = self.fresh_book(side) {
                    let want = self.want(o);
                    let mut q = Quote {
                        marketable: false,
                        available: Some(Decimal::ZERO),
                        reach: Decimal::ZERO,
                    };
                    let mut avail = Decimal::ZERO;
                    for &(price, qty) in levels {
                        if qty <= Decimal::ZERO {
                            continue;
                        }
                        if !within(side, price, limit) {
                            break;
                        }
                        q.marketable = true;
                        if avail < want {
                            avail += qty;
                            q.reach = taker_price(side, price, limit, slip, tick);
                        }
                    }
                    q.available = Some(avail);
                    q
                } else if let Some(last) = self.last_price {
                    Quote {
                        marketable: through(side, last, limit),
                        available: None,
                        reach: taker_price(side, last, limit, slip, tick),
                    }
                } else {
                    Quote {
                        marketable: false,
                        available: Some(Decimal::ZERO),
                        reach: Decimal::ZERO,
                    }
                }
            }
            Src::Point(pt) => Quote {
                marketable: through(side, pt.price, limit),
                available: budget.get(side),
                reach: taker_price(side, pt.price, limit, slip, tick),
            },
        }
    }

    /// The checks an order passes when it starts to work (on arrival, on trigger, on amend).
    pub(super) fn check_fresh(
        &self,
        o: &OpenOrder,
        src: Src,
        budget: &Budget,
    ) -> Result<Quote, SimReject> {
        if self.reduce_room(o) == Some(Decimal::ZERO) {
            return Err(SimReject::ReduceOnlyWouldIncrease);
        }
        let q = self.quote(o, o.working_limit(), src, budget);
        if o.order.kind == OrderKind::LimitMaker && q.marketable {
            return Err(SimReject::PostOnlyWouldTake);
        }
        if q.marketable && self.self_trade(o, q.reach) {
            return Err(SimReject::SelfTrade);
        }
        if o.order.tif == TimeInForce::Fok {
            let want = self.want(o);
            let enough = q
                .available
                .is_none_or(|a| floor_to(a, self.cfg.step_size) >= want);
            if !q.marketable || !enough {
                return Err(SimReject::FokNotFillable);
            }
        }
        Ok(q)
    }

    /// Refuses an order that starts to work: `Rejected` if it was never acknowledged, else
    /// `Done { Expired }`. Always ends the order.
    fn fail(o: &OpenOrder, reason: SimReject, out: &mut Vec<SimEvent>) -> bool {
        let order_id = o.order.id;
        out.push(if o.accepted {
            SimEvent::Done {
                order_id,
                status: OrderStatus::Expired,
            }
        } else {
            SimEvent::Rejected { order_id, reason }
        });
        true
    }

    /// An order starting to work: checks, acknowledgement, taker part, then time in force.
    /// Returns whether the order ended.
    pub(super) fn execute_fresh(
        &mut self,
        o: &mut OpenOrder,
        src: Src,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        match self.check_fresh(o, src, budget) {
            Err(reason) => Self::fail(o, reason, out),
            Ok(q) => {
                if !o.accepted {
                    o.accepted = true;
                    out.push(SimEvent::Accepted {
                        order_id: o.order.id,
                    });
                }
                self.run_fresh(o, q, src, budget, out)
            }
        }
    }

    /// The part of [`execute_fresh`](Self::execute_fresh) after the checks passed.
    pub(super) fn run_fresh(
        &mut self,
        o: &mut OpenOrder,
        q: Quote,
        src: Src,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        let limit = o.working_limit();
        if q.marketable {
            self.take(o, limit, src, budget, out);
        }
        if self.settle(o, out) {
            return true;
        }
        if o.order.tif != TimeInForce::Gtc {
            out.push(SimEvent::Done {
                order_id: o.order.id,
                status: OrderStatus::Expired,
            });
            return true;
        }
        if let Some(l) = limit {
            o.queue_ahead = self.book_qty_at(o.order.side, l);
        }
        false
    }

    /// Ends a completely filled order, or a reduce-only one whose position is gone.
    fn settle(&self, o: &OpenOrder, out: &mut Vec<SimEvent>) -> bool {
        let status = if o.remaining() <= Decimal::ZERO {
            OrderStatus::Filled
        } else if self.reduce_room(o) == Some(Decimal::ZERO) {
            OrderStatus::Expired
        } else {
            return false;
        };
        out.push(SimEvent::Done {
            order_id: o.order.id,
            status,
        });
        true
    }

    /// Takes liquidity for `o` from `src`, as much as it wants and the source gives.
    fn take(
        &mut self,
        o: &mut OpenOrder,
        limit: Option<Decimal>,
        src: Src,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) {
        let side = o.order.side;
        let (slip, tick, step) = (self.cfg.slippage, self.cfg.tick_size, self.cfg.step_size);
        match src {
            Src::Submit { time } => {
                let time = time.max(o.active_ms);
                if self.fresh_book(side).is_some() {
                    let mut i = 0;
                    loop {
                        let need = self.want(o);
                        let levels = match side {
                            Side::Buy => &mut self.book.asks,
                            Side::Sell => &mut self.book.bids,
                        };
                        let Some(level) = levels.get_mut(i) else {
                            break;
                        };
                        if need <= Decimal::ZERO || !within(side, level.0, limit) {
                            break;
                        }
                        let qty = floor_to(need.min(level.1), step);
                        let price = taker_price(side, level.0, limit, slip, tick);
                        if qty > Decimal::ZERO {
                            level.1 -= qty;
                            self.fill(o, price, qty, Liquidity::Taker, time, budget, out);
                        }
                        i += 1;
                    }
                } else if let Some(last) = self.last_price {
                    let qty = self.want(o);
                    if qty > Decimal::ZERO {
                        let price = taker_price(side, last, limit, slip, tick);
                        self.fill(o, price, qty, Liquidity::Taker, time, budget, out);
                    }
                }
            }
            Src::Point(pt) => {
                let mut qty = self.want(o);
                if let Some(cap) = budget.get(side) {
                    qty = floor_to(qty.min(cap), step);
                }
                if qty > Decimal::ZERO {
                    let price = taker_price(side, pt.price, limit, slip, tick);
                    let time = pt.time.max(o.active_ms);
                    self.fill(o, price, qty, Liquidity::Taker, time, budget, out);
                }
            }
        }
    }

    /// Books one fill: fee, position, the order's filled quantity, the event's volume budget.
    #[allow(clippy::too_many_arguments)]
    fn fill(
        &mut self,
        o: &mut OpenOrder,
        price: Decimal,
        qty: Decimal,
        liquidity: Liquidity,
        time_ms: i64,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) {
        let rate = match liquidity {
            Liquidity::Maker => self.cfg.fees.maker,
            Liquidity::Taker => self.cfg.fees.taker,
        };
        let side = o.order.side;
        match side {
            Side::Buy => self.position += qty,
            Side::Sell => self.position -= qty,
        }
        o.filled += qty;
        budget.spend(side, qty);
        out.push(SimEvent::Fill(SimFill {
            order_id: o.order.id,
            side,
            price: price.normalize(),
            qty: qty.normalize(),
            fee: (price * qty * rate).normalize(),
            liquidity,
            time_ms,
        }));
    }

    /// A new order reaching the venue (at `submit` without latency, or at the first price point
    /// after its latency). Returns whether it ended.
    pub(super) fn activate(
        &mut self,
        o: &mut OpenOrder,
        src: Src,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        if !o.order.kind.is_conditional() {
            return self.execute_fresh(o, src, budget, out);
        }
        if self.reduce_room(o) == Some(Decimal::ZERO) {
            return Self::fail(o, SimReject::ReduceOnlyWouldIncrease, out);
        }
        let price = match src {
            Src::Submit { .. } => self.last_price,
            Src::Point(pt) => Some(pt.price),
        };
        if price.is_some_and(|p| triggers(o, p)) {
            return Self::fail(o, SimReject::WouldTriggerImmediately, out);
        }
        o.accepted = true;
        out.push(SimEvent::Accepted {
            order_id: o.order.id,
        });
        false
    }

    /// Runs every order that is active by `cut` against one price point, in time priority.
    pub(super) fn process_point(
        &mut self,
        pt: Point,
        cut: i64,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) {
        let mut i = 0;
        while i < self.orders.len() {
            let mut o = self.orders[i];
            if o.active_ms > cut {
                i += 1;
                continue;
            }
            if self.work(&mut o, pt, budget, out) {
                self.orders.remove(i);
            } else {
                self.orders[i] = o;
                i += 1;
            }
        }
    }

    /// One order at one price point. Returns whether it ended.
    fn work(
        &mut self,
        o: &mut OpenOrder,
        pt: Point,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        if !o.accepted {
            return self.activate(o, Src::Point(pt), budget, out);
        }
        if o.awaits_trigger() {
            if !triggers(o, pt.price) {
                return false;
            }
            o.triggered = true;
            out.push(SimEvent::Triggered {
                order_id: o.order.id,
            });
            // Crossed between two path points: the trigger traded exactly at the stop. At a
            // candle's open (a gap) or on a print, the order meets that price.
            let price = match (pt.tape, o.order.stop_price) {
                (Tape::Candle { first: false }, Some(stop)) => stop,
                _ => pt.price,
            };
            let at = Point { price, ..pt };
            return self.execute_fresh(o, Src::Point(at), budget, out);
        }
        match o.working_limit() {
            None => self.market_at(o, pt, budget, out),
            Some(limit) => self.maker_at(o, limit, pt, budget, out),
        }
    }

    /// A working market order (or triggered stop-market) with quantity left: takes at the point.
    fn market_at(
        &mut self,
        o: &mut OpenOrder,
        pt: Point,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        if self.settle(o, out) {
            return true;
        }
        let reach = taker_price(
            o.order.side,
            pt.price,
            None,
            self.cfg.slippage,
            self.cfg.tick_size,
        );
        if self.self_trade(o, reach) {
            return Self::fail(o, SimReject::SelfTrade, out);
        }
        self.take(o, None, Src::Point(pt), budget, out);
        self.settle(o, out)
    }

    /// A resting limit order at one price point: fills as maker when the price trades through
    /// it, or (on prints at exactly its price) once the queue ahead of it has traded.
    fn maker_at(
        &mut self,
        o: &mut OpenOrder,
        limit: Decimal,
        pt: Point,
        budget: &mut Budget,
        out: &mut Vec<SimEvent>,
    ) -> bool {
        let side = o.order.side;
        let crossed = through(side, pt.price, Some(limit));
        let (price, cap) = match pt.tape {
            Tape::Candle { first } => {
                if !crossed {
                    return false;
                }
                let price = if first {
                    // Opened through the limit: the open is the better price.
                    taker_price(
                        side,
                        pt.price,
                        Some(limit),
                        super::Slippage::None,
                        self.cfg.tick_size,
                    )
                } else {
                    limit
                };
                (price, None)
            }
            Tape::Trade { qty, taker } => {
                if crossed {
                    (limit, None)
                } else if pt.price == limit && taker != side {
                    let used = o.queue_ahead.min(qty);
                    o.queue_ahead -= used;
                    let left = qty - used;
                    if left <= Decimal::ZERO {
                        return false;
                    }
                    (limit, Some(left))
                } else {
                    return false;
                }
            }
        };
        if self.settle(o, out) {
            return true;
        }
        let mut qty = self.want(o);
        if let Some(cap) = cap {
            qty = qty.min(cap);
        }
        if let Some(b) = budget.get(side) {
            qty = qty.min(b);
        }
        let qty = floor_to(qty, self.cfg.step_size);
        if qty > Decimal::ZERO {
            let time = pt.time.max(o.active_ms);
            self.fill(o, price, qty, Liquidity::Maker, time, budget, out);
        }
        self.settle(o, out)
    }
}
