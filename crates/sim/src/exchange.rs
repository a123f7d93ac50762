//! [`DemoExchange`]: the market generators, synthetic books, candle histories and the matching
//! engine behind the venue traits.
//!
//! Time only moves when the engine calls [`DemoExchange::advance_to`]; nothing here reads the
//! wall clock or spawns a task, so a seed and a sequence of calls give the same events every time.
//! Events are broadcast while the state lock is held, so their order is the order of the changes.

use crate::book::BookGen;
use crate::candles::{CandleSeries, MINUTE_MS};
use crate::config::{DemoConfig, DemoSymbol};
use crate::grid::to_f64;
use crate::market::{MarketGen, PathParams};
use crate::matching::{Executions, Matcher, RestoredOrder};
use async_trait::async_trait;
use keel_domain::{Balance, Candle, Fill, Instrument, OrderBook, SubmitOrder, TimestampMs, Trade};
use keel_exchange::{
    AccountState, ExchangeError, ExchangeResult, ExecutionEvent, MarketData, MarketEvent, OrderAck,
    OrderUpdate, RejectReason, Trading, Venue,
};
use rust_decimal::Decimal;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::broadcast;

/// A call that moves time further than this generates candles instead of individual prints.
pub const FAST_FORWARD_AFTER_MS: i64 = 5 * MINUTE_MS;
/// The longest stretch of market a gap (or a history's gap) is filled with.
pub const MAX_GAP_MS: i64 = 24 * 60 * MINUTE_MS;
/// One-minute candles generated before the start when a symbol has no history.
pub const BACKFILL_CANDLES: i64 = 720;
/// Public prints kept per symbol for `recent_trades`.
pub const RECENT_TRADES_KEPT: usize = 1_000;
const MARKET_CHANNEL: usize = 16_384;
const EXECUTION_CHANNEL: usize = 4_096;

/// One symbol's market: its price process, synthetic book, candles and recent prints.
struct SymbolMarket {
    instrument: Instrument,
    generator: MarketGen,
    books: BookGen,
    book: OrderBook,
    candles: CandleSeries,
    trades: VecDeque<Trade>,
}

struct State {
    now_ms: TimestampMs,
    markets: Vec<SymbolMarket>,
    matcher: Matcher,
}

/// The built-in Demo exchange: a simulated venue with one account (`demo`), no keys and no
/// network. See the crate documentation for the market and fill models.
pub struct DemoExchange {
    state: Mutex<State>,
    instruments: Vec<Instrument>,
    fees: (Decimal, Decimal),
    market_tx: broadcast::Sender<MarketEvent>,
    execution_tx: broadcast::Sender<ExecutionEvent>,
    /// Every fill of this run by venue order id, for reconciliation (`order_fills`).
    fill_log: Mutex<HashMap<String, Vec<Fill>>>,
}

fn bucket(ts_ms: TimestampMs) -> TimestampMs {
    ts_ms - ts_ms.rem_euclid(MINUTE_MS)
}

/// Builds a symbol's market at `start_ms`: continues its history (generating the gap up to the
/// start, at most [`MAX_GAP_MS`]) or backfills [`BACKFILL_CANDLES`] candles, then opens the
/// current candle.
fn build_market(seed: u64, symbol: DemoSymbol, start_ms: TimestampMs) -> SymbolMarket {
    let start_bucket = bucket(start_ms);
    let mut history = symbol.history;
    history.retain(|c| c.open_time_ms < start_bucket && c.open_time_ms % MINUTE_MS == 0);
    history.sort_by_key(|c| c.open_time_ms);
    history.dedup_by_key(|c| c.open_time_ms);
    let first_generated = match history.last() {
        Some(last) => (last.open_time_ms + MINUTE_MS).max(start_bucket - MAX_GAP_MS),
        None => start_bucket - BACKFILL_CANDLES * MINUTE_MS,
    };
    let mut generator = MarketGen::new(
        seed,
        &symbol.instrument,
        to_f64(symbol.start_price),
        first_generated,
        PathParams::default(),
    );
    if let Some(last) = history.last() {
        generator.continue_from(to_f64(last.close));
    }
    let mut generated = Vec::new();
    let mut t = first_generated;
    while t < start_bucket {
        generated.push(generator.segment(t, t + MINUTE_MS));
        t += MINUTE_MS;
    }
    let current = generator.segment(start_bucket, start_ms);
    let mut candles = CandleSeries::new(current);
    for candle in history.into_iter().chain(generated) {
        candles.push_closed(candle);
    }
    let mut books = BookGen::new(seed, &symbol.instrument.symbol);
    let book = books.build(&generator, start_ms);
    SymbolMarket {
        instrument: symbol.instrument,
        generator,
        books,
        book,
        candles,
        trades: VecDeque::with_capacity(RECENT_TRADES_KEPT),
    }
}

impl DemoExchange {
    pub const VENUE_ID: &'static str = crate::matching::VENUE_ID;

    /// Builds the market of every symbol (see [`DemoSymbol::history`]) and the account.
    pub fn new(config: DemoConfig) -> Self {
        let mut symbols: Vec<DemoSymbol> = Vec::with_capacity(config.symbols.len());
        for symbol in config.symbols {
            if !symbols
                .iter()
                .any(|s| s.instrument.symbol == symbol.instrument.symbol)
            {
                symbols.push(symbol);
            }
        }
        let instruments: Vec<Instrument> = symbols.iter().map(|s| s.instrument.clone()).collect();
        // Venue ids continue from the start time, so a later run never reuses an earlier id.
        let first_id = u64::try_from(config.start_ms)
            .unwrap_or(0)
            .saturating_mul(1_000);
        let matcher = Matcher::new(
            instruments.clone(),
            config.maker_fee,
            config.taker_fee,
            config.balances,
            first_id,
        );
        let markets = symbols
            .into_iter()
            .map(|s| build_market(config.seed, s, config.start_ms))
            .collect();
        let (market_tx, _) = broadcast::channel(MARKET_CHANNEL);
        let (execution_tx, _) = broadcast::channel(EXECUTION_CHANNEL);
        Self {
            state: Mutex::new(State {
                now_ms: config.start_ms,
                markets,
                matcher,
            }),
            instruments,
            fees: (config.maker_fee, config.taker_fee),
            market_tx,
            execution_tx,
            fill_log: Mutex::default(),
        }
    }

    /// Restores state persisted by the engine before trading resumes: balances exactly as given
    /// (they already include amounts locked by resting orders) and resting limit orders,
    /// re-inserted without locking funds again. Replaces the account's balances and orders.
    pub fn restore(&self, balances: Vec<Balance>, orders: Vec<RestoredOrder>) {
        let mut state = self.lock();
        let now = state.now_ms;
        state.matcher.restore(balances, orders, now);
    }

    /// New order and trade ids will come after `id` (a `D<n>` id recorded by an earlier run).
    pub fn skip_ids_past(&self, id: &str) {
        self.lock().matcher.skip_ids_past(id);
    }

    /// Steps every symbol's market forward to `now_ms` (earlier times are ignored): generates
    /// trade prints, updates the current candle and the synthetic book, fills resting orders
    /// against the prints and broadcasts what happened. A jump of more than 5 minutes (a laptop
    /// waking up) generates whole candles for the gap (at most 24 h) instead of prints; resting
    /// orders then fill against each candle's range, for at most its volume.
    pub fn advance_to(&self, now_ms: TimestampMs) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if now_ms <= state.now_ms {
            return;
        }
        let from = state.now_ms;
        let fast = now_ms - from > FAST_FORWARD_AFTER_MS;
        let mut traded = false;
        for (index, market) in state.markets.iter_mut().enumerate() {
            traded |= if fast {
                self.fast_forward(market, &mut state.matcher, index, from, now_ms)
            } else {
                self.step(market, &mut state.matcher, index, now_ms)
            };
        }
        state.now_ms = now_ms;
        if traded {
            self.send_execution(ExecutionEvent::Balances(state.matcher.balances()));
        }
    }

    /// The last traded price of `symbol`.
    pub fn last_price(&self, symbol: &str) -> Option<Decimal> {
        let state = self.lock();
        let market = state
            .markets
            .iter()
            .find(|m| m.instrument.symbol == symbol)?;
        market
            .trades
            .back()
            .map(|t| t.price)
            .or_else(|| market.candles.current().map(|c| c.close))
    }

    /// (maker, taker) fee rates, charged in the quote asset.
    pub fn fees(&self) -> (Decimal, Decimal) {
        self.fees
    }

    /// The simulated time the exchange has reached.
    pub fn now_ms(&self) -> TimestampMs {
        self.lock().now_ms
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-updated in a way worth refusing service.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send_market(&self, event: MarketEvent) {
        // No subscriber is not an error: the market runs whether anyone watches or not.
        let _ = self.market_tx.send(event);
    }

    fn send_execution(&self, event: ExecutionEvent) {
        if let ExecutionEvent::Fill(fill) = &event {
            self.fill_log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(fill.venue_order_id.clone())
                .or_default()
                .push(fill.clone());
        }
        let _ = self.execution_tx.send(event);
    }

    fn watched(&self) -> bool {
        self.market_tx.receiver_count() > 0
    }

    fn send_candle(&self, symbol: &str, candle: Candle, closed: bool) {
        self.send_market(MarketEvent::Candle {
            symbol: symbol.to_string(),
            interval_ms: MINUTE_MS,
            candle,
            closed,
        });
    }

    fn send_current_candle(&self, market: &SymbolMarket) {
        if let Some(candle) = market.candles.current().filter(|_| self.watched()) {
            self.send_candle(&market.instrument.symbol, candle.clone(), false);
        }
    }

    fn send_book(&self, market: &SymbolMarket) {
        if self.watched() {
            self.send_market(MarketEvent::Book {
                symbol: market.instrument.symbol.clone(),
                book: market.book.clone(),
            });
        }
    }

    /// Broadcasts fills, then the order changes. Returns whether anything traded.
    fn send_executions(&self, executions: Executions) -> bool {
        let traded = !executions.fills.is_empty();
        for fill in executions.fills {
            self.send_execution(ExecutionEvent::Fill(fill));
        }
        for order in executions.orders {
            self.send_execution(ExecutionEvent::Order(order));
        }
        traded
    }

    /// Records a public print: tape, candle (broadcasting a closed one) and trade event.
    fn print(&self, market: &mut SymbolMarket, trade: Trade) {
        if let Some(closed) = market
            .candles
            .push_trade(trade.ts_ms, trade.price, trade.qty)
        {
            self.send_candle(&market.instrument.symbol, closed, true);
        }
        if market.trades.len() == RECENT_TRADES_KEPT {
            market.trades.pop_front();
        }
        market.trades.push_back(trade.clone());
        if self.watched() {
            self.send_market(MarketEvent::Trade {
                symbol: market.instrument.symbol.clone(),
                trade,
            });
        }
    }

    /// Normal time step: individual prints up to `now_ms`. Returns whether the account traded.
    fn step(
        &self,
        market: &mut SymbolMarket,
        matcher: &mut Matcher,
        index: usize,
        now_ms: TimestampMs,
    ) -> bool {
        let mut moved = false;
        let mut traded = false;
        while let Some(trade) = market.generator.next_print(now_ms) {
            moved = true;
            let (price, qty, ts) = (trade.price, trade.qty, trade.ts_ms);
            self.print(market, trade);
            if matcher.has_resting(index) {
                traded |= self.send_executions(matcher.on_print(index, price, qty, ts));
            }
        }
        if moved {
            self.send_current_candle(market);
            market.book = market.books.build(&market.generator, now_ms);
            self.send_book(market);
        }
        traded
    }

    /// Long gap: whole candles, no prints. Returns whether the account traded.
    fn fast_forward(
        &self,
        market: &mut SymbolMarket,
        matcher: &mut Matcher,
        index: usize,
        from_ms: TimestampMs,
        now_ms: TimestampMs,
    ) -> bool {
        let symbol = market.instrument.symbol.clone();
        let mut traded = false;
        let mut range = |matcher: &mut Matcher, c: &Candle, ts: TimestampMs| {
            traded |= self.send_executions(matcher.on_range(index, c.low, c.high, c.volume, ts));
        };
        // The rest of the open minute closes the open candle.
        let open_bucket = bucket(from_ms);
        let tail = market
            .generator
            .segment(open_bucket, open_bucket + MINUTE_MS);
        range(matcher, &tail, open_bucket + MINUTE_MS - 1);
        for closed in market.candles.close_current_with(&tail) {
            self.send_candle(&symbol, closed, true);
        }
        // Whole minutes, the most recent MAX_GAP_MS of them.
        let now_bucket = bucket(now_ms);
        let mut t = open_bucket + MINUTE_MS;
        if now_bucket - t > MAX_GAP_MS {
            t = now_bucket - MAX_GAP_MS;
            market.generator.skip_to(t);
        }
        while t < now_bucket {
            let candle = market.generator.segment(t, t + MINUTE_MS);
            market.candles.push_closed(candle.clone());
            range(matcher, &candle, t + MINUTE_MS - 1);
            self.send_candle(&symbol, candle, true);
            t += MINUTE_MS;
        }
        // The minute in progress.
        let current = market.generator.segment(now_bucket, now_ms);
        range(matcher, &current, now_ms);
        market.candles.set_current(current);
        self.send_current_candle(market);
        market.book = market.books.build(&market.generator, now_ms);
        self.send_book(market);
        traded
    }

    fn market_index(state: &State, symbol: &str) -> ExchangeResult<usize> {
        state
            .markets
            .iter()
            .position(|m| m.instrument.symbol == symbol)
            .ok_or_else(|| {
                ExchangeError::rejected(
                    RejectReason::UnknownSymbol,
                    format!("unknown symbol {symbol}"),
                )
            })
    }
}

#[async_trait]
impl MarketData for DemoExchange {
    async fn instruments(&self) -> ExchangeResult<Vec<Instrument>> {
        Ok(self.instruments.clone())
    }

    /// Candles of `interval_ms` (one minute or a multiple of it), aggregated from the one-minute
    /// history; the last element is the candle still open.
    async fn candles(
        &self,
        symbol: &str,
        interval_ms: i64,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        if interval_ms <= 0 || interval_ms % MINUTE_MS != 0 {
            return Err(ExchangeError::rejected(
                RejectReason::Other,
                format!(
                    "the Demo exchange serves candles of whole minutes; {interval_ms} ms is not one"
                ),
            ));
        }
        let state = self.lock();
        let index = Self::market_index(&state, symbol)?;
        Ok(state.markets[index].candles.aggregate(interval_ms, limit))
    }

    /// The generated history from `start_ms` on (see [`MarketData::candles_since`]): candles
    /// aggregated from the one-minute history the exchange keeps (30 days), the open one last.
    async fn candles_since(
        &self,
        symbol: &str,
        interval_ms: i64,
        start_ms: TimestampMs,
        limit: usize,
    ) -> ExchangeResult<Vec<Candle>> {
        if interval_ms <= 0 || interval_ms % MINUTE_MS != 0 {
            return Err(ExchangeError::rejected(
                RejectReason::Other,
                format!(
                    "the Demo exchange serves candles of whole minutes; {interval_ms} ms is not one"
                ),
            ));
        }
        let state = self.lock();
        let index = Self::market_index(&state, symbol)?;
        // Enough intervals to reach back to `start_ms`, newest first.
        let span = (state.now_ms - start_ms).max(0) / interval_ms + 2;
        let span = usize::try_from(span).unwrap_or(usize::MAX);
        Ok(state.markets[index]
            .candles
            .aggregate(interval_ms, span)
            .into_iter()
            .filter(|c| c.open_time_ms >= start_ms)
            .take(limit)
            .collect())
    }

    async fn order_book(&self, symbol: &str, depth: usize) -> ExchangeResult<OrderBook> {
        let state = self.lock();
        let index = Self::market_index(&state, symbol)?;
        let book = &state.markets[index].book;
        Ok(OrderBook {
            bids: book.bids.iter().take(depth).cloned().collect(),
            asks: book.asks.iter().take(depth).cloned().collect(),
            ts_ms: book.ts_ms,
        })
    }

    async fn recent_trades(&self, symbol: &str, limit: usize) -> ExchangeResult<Vec<Trade>> {
        let state = self.lock();
        let index = Self::market_index(&state, symbol)?;
        Ok(state.markets[index]
            .trades
            .iter()
            .rev()
            .take(limit)
            .cloned()
            .collect())
    }

    fn market_events(&self) -> broadcast::Receiver<MarketEvent> {
        self.market_tx.subscribe()
    }
}

#[async_trait]
impl Trading for DemoExchange {
    /// Matches the order at the exchange's current time (the last `advance_to`). The ack's fills
    /// are also broadcast, followed by the order's update and a balance snapshot.
    async fn submit_order(&self, order: &SubmitOrder) -> ExchangeResult<OrderAck> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let index = Self::market_index(state, &order.symbol)?;
        let now = state.now_ms;
        let market = &mut state.markets[index];
        let ack = state.matcher.submit(order, &mut market.book, now)?;
        for fill in &ack.fills {
            let trade = Trade {
                id: market.generator.take_trade_id(),
                ts_ms: now,
                price: fill.price,
                qty: fill.qty,
                taker_side: fill.side,
            };
            self.print(market, trade);
        }
        if !ack.fills.is_empty() {
            self.send_current_candle(market);
            self.send_book(market);
        }
        for fill in &ack.fills {
            self.send_execution(ExecutionEvent::Fill(fill.clone()));
        }
        self.send_execution(ExecutionEvent::Order(ack.order.clone()));
        self.send_execution(ExecutionEvent::Balances(state.matcher.balances()));
        Ok(ack)
    }

    /// Cancels a resting order; its locked funds are released at once.
    async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<OrderUpdate> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let update = state
            .matcher
            .cancel(symbol, client_order_id, state.now_ms)?;
        self.send_execution(ExecutionEvent::Order(update.clone()));
        self.send_execution(ExecutionEvent::Balances(state.matcher.balances()));
        Ok(update)
    }

    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> ExchangeResult<Option<OrderUpdate>> {
        Ok(self.lock().matcher.query(symbol, client_order_id))
    }

    async fn open_orders(&self) -> ExchangeResult<Vec<OrderUpdate>> {
        Ok(self.lock().matcher.open_orders())
    }

    async fn order_fills(&self, _symbol: &str, venue_order_id: &str) -> ExchangeResult<Vec<Fill>> {
        Ok(self
            .fill_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(venue_order_id)
            .cloned()
            .unwrap_or_default())
    }

    fn execution_events(&self) -> broadcast::Receiver<ExecutionEvent> {
        self.execution_tx.subscribe()
    }
}

#[async_trait]
impl AccountState for DemoExchange {
    async fn balances(&self) -> ExchangeResult<Vec<Balance>> {
        Ok(self.lock().matcher.balances())
    }

    async fn fee_rates(&self, _symbol: &str) -> ExchangeResult<keel_exchange::FeeRates> {
        let (maker, taker) = self.fees;
        Ok(keel_exchange::FeeRates { maker, taker })
    }
}

#[async_trait]
impl Venue for DemoExchange {
    fn venue_id(&self) -> &str {
        Self::VENUE_ID
    }
}
