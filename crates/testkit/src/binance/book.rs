//! Public market data: order books with update ids, the trade tape and 1m bars (generated
//! history plus bars built from prints), and the stream frames they publish.

use crate::binance::fmt::{px, qty};
use crate::binance::state::State;
use crate::config::{Market, Side, SymbolSpec};
use crate::rng::SplitMix64;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One side-price-quantity change (quantity 0 removes the level).
pub(crate) type LevelChange = (Side, Decimal, Decimal);

/// An order book with Binance update ids.
#[derive(Debug, Clone)]
pub(crate) struct Book {
    pub bids: BTreeMap<Decimal, Decimal>,
    pub asks: BTreeMap<Decimal, Decimal>,
    pub last_update_id: u64,
    pub gap_pending: bool,
}

impl Book {
    pub fn new(first_id: u64) -> Self {
        Self {
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            last_update_id: first_id,
            gap_pending: false,
        }
    }

    pub fn best_bid(&self) -> Option<(Decimal, Decimal)> {
        self.bids.iter().next_back().map(|(p, q)| (*p, *q))
    }

    pub fn best_ask(&self) -> Option<(Decimal, Decimal)> {
        self.asks.iter().next().map(|(p, q)| (*p, *q))
    }

    /// Applies changes; returns (U, u) of the update, or None if nothing changed.
    fn apply(&mut self, changes: &[LevelChange]) -> Option<(u64, u64)> {
        if changes.is_empty() {
            return None;
        }
        for (side, price, q) in changes {
            let levels = match side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            if q.is_zero() {
                levels.remove(price);
            } else {
                levels.insert(*price, *q);
            }
        }
        let first = self.last_update_id + 1;
        self.last_update_id += changes.len() as u64;
        Some((first, self.last_update_id))
    }
}

/// A public trade.
#[derive(Debug, Clone)]
pub(crate) struct PubTrade {
    pub id: u64,
    pub price: Decimal,
    pub qty: Decimal,
    pub time: i64,
    pub buyer_maker: bool,
}

/// A 1-minute bar.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub open_time: i64,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Decimal,
    pub quote_volume: Decimal,
    pub trades: u64,
    pub taker_buy_base: Decimal,
    pub taker_buy_quote: Decimal,
    pub first_id: i64,
    pub last_id: i64,
}

impl Bar {
    fn merge(&mut self, other: &Bar) {
        self.high = self.high.max(other.high);
        self.low = self.low.min(other.low);
        self.close = other.close;
        self.volume += other.volume;
        self.quote_volume += other.quote_volume;
        self.trades += other.trades;
        self.taker_buy_base += other.taker_buy_base;
        self.taker_buy_quote += other.taker_buy_quote;
        if self.first_id < 0 {
            self.first_id = other.first_id;
        }
        if other.last_id >= 0 {
            self.last_id = other.last_id;
        }
    }
}

/// Trades and bars of one symbol.
#[derive(Debug, Clone)]
pub(crate) struct Tape {
    pub trades: Vec<PubTrade>,
    pub next_trade_id: u64,
    pub bars: Vec<Bar>,
    pub last_price: Decimal,
}

const MAX_TRADES: usize = 20_000;

impl Tape {
    /// `bars` 1m bars ending just before `end_ms`, a random walk whose last close is the
    /// symbol's initial price.
    pub fn generate(spec: &SymbolSpec, rng: &mut SplitMix64, bars: u32, end_ms: i64) -> Self {
        let mut out = Vec::with_capacity(bars as usize);
        let tick = spec.tick_size;
        let round = |d: Decimal| -> Decimal {
            let r = (d / tick).round() * tick;
            if r < tick { tick } else { r }
        };
        let mut close = spec.initial_price;
        for i in 0..bars {
            let r = Decimal::new(rng.below(41) as i64 - 20, 4);
            let open = round(close * (Decimal::ONE - r));
            let wiggle = Decimal::new(rng.below(10) as i64, 4);
            let high = round(open.max(close) * (Decimal::ONE + wiggle));
            let low = round(open.min(close) * (Decimal::ONE - wiggle));
            let volume = Decimal::new(rng.range(1, 50_000) as i64, 3);
            let n = rng.range(1, 300);
            let taker = volume * Decimal::new(rng.below(101) as i64, 2);
            let taker = crate::binance::fmt::floor_step(taker, Decimal::new(1, 3));
            let mid = (open + close) / Decimal::TWO;
            out.push(Bar {
                open_time: end_ms - (i as i64 + 1) * 60_000,
                open,
                high,
                low,
                close,
                volume,
                quote_volume: (volume * mid).round_dp(8),
                trades: n,
                taker_buy_base: taker,
                taker_buy_quote: (taker * mid).round_dp(8),
                first_id: -1,
                last_id: -1,
            });
            close = open;
        }
        out.reverse();
        Self {
            trades: Vec::new(),
            next_trade_id: 10_000 + rng.below(10_000),
            bars: out,
            last_price: spec.initial_price,
        }
    }

    /// Bars of `interval_ms` (aggregated from 1m) within the query.
    pub fn klines(
        &self,
        interval_ms: i64,
        start: Option<i64>,
        end: Option<i64>,
        limit: usize,
    ) -> Vec<Bar> {
        let mut agg: Vec<Bar> = Vec::new();
        for b in &self.bars {
            let open = b.open_time - b.open_time.rem_euclid(interval_ms);
            match agg.last_mut() {
                Some(last) if last.open_time == open => last.merge(b),
                _ => {
                    let mut nb = b.clone();
                    nb.open_time = open;
                    agg.push(nb);
                }
            }
        }
        let filtered: Vec<Bar> = agg
            .into_iter()
            .filter(|b| {
                start.is_none_or(|s| b.open_time >= s) && end.is_none_or(|e| b.open_time <= e)
            })
            .collect();
        if start.is_some() {
            filtered.into_iter().take(limit).collect()
        } else {
            let skip = filtered.len().saturating_sub(limit);
            filtered.into_iter().skip(skip).collect()
        }
    }
}

/// Milliseconds of a Binance kline interval.
pub(crate) fn interval_ms(interval: &str) -> Option<i64> {
    let m = 60_000;
    Some(match interval {
        "1m" => m,
        "3m" => 3 * m,
        "5m" => 5 * m,
        "15m" => 15 * m,
        "30m" => 30 * m,
        "1h" => 60 * m,
        "2h" => 120 * m,
        "4h" => 240 * m,
        "6h" => 360 * m,
        "8h" => 480 * m,
        "12h" => 720 * m,
        "1d" => 1440 * m,
        "3d" => 3 * 1440 * m,
        "1w" => 7 * 1440 * m,
        _ => return None,
    })
}

/// A REST kline row.
pub(crate) fn kline_row(spec: &SymbolSpec, b: &Bar, interval_ms: i64) -> Value {
    json!([
        b.open_time,
        px(spec, b.open),
        px(spec, b.high),
        px(spec, b.low),
        px(spec, b.close),
        qty(spec, b.volume),
        b.open_time + interval_ms - 1,
        crate::binance::fmt::amt(b.quote_volume),
        b.trades,
        qty(spec, b.taker_buy_base),
        crate::binance::fmt::amt(b.taker_buy_quote),
        "0"
    ])
}

fn kline_event(spec: &SymbolSpec, b: &Bar, closed: bool, now: i64) -> Value {
    json!({
        "e": "kline", "E": now, "s": spec.symbol,
        "k": {
            "t": b.open_time, "T": b.open_time + 59_999, "s": spec.symbol, "i": "1m",
            "f": b.first_id, "L": b.last_id,
            "o": px(spec, b.open), "c": px(spec, b.close), "h": px(spec, b.high), "l": px(spec, b.low),
            "v": qty(spec, b.volume), "n": b.trades, "x": closed,
            "q": crate::binance::fmt::amt(b.quote_volume), "V": qty(spec, b.taker_buy_base),
            "Q": crate::binance::fmt::amt(b.taker_buy_quote), "B": "0"
        }
    })
}

fn levels_json(spec: &SymbolSpec, levels: &[(Decimal, Decimal)]) -> Value {
    Value::Array(
        levels
            .iter()
            .map(|(p, q)| json!([px(spec, *p), qty(spec, *q)]))
            .collect(),
    )
}

impl State {
    pub fn spec(&self, market: Market, symbol: &str) -> Option<SymbolSpec> {
        self.cfg.symbol(market, symbol).cloned()
    }

    /// Applies book changes and publishes the diff (unless a DepthGap swallows it).
    pub fn publish_depth(&mut self, market: Market, symbol: &str, changes: Vec<LevelChange>) {
        let Some(spec) = self.spec(market, symbol) else {
            return;
        };
        let now = self.now();
        let key = (market, symbol.to_owned());
        let Some(book) = self.books.get_mut(&key) else {
            return;
        };
        let old_top = (book.best_bid(), book.best_ask());
        let Some((first, last)) = book.apply(&changes) else {
            return;
        };
        let new_top = (book.best_bid(), book.best_ask());
        if book.gap_pending {
            book.gap_pending = false;
            self.stats.depth_gaps_injected += 1;
            return;
        }
        let bids: Vec<(Decimal, Decimal)> = changes
            .iter()
            .filter(|c| c.0 == Side::Buy)
            .map(|c| (c.1, c.2))
            .collect();
        let asks: Vec<(Decimal, Decimal)> = changes
            .iter()
            .filter(|c| c.0 == Side::Sell)
            .map(|c| (c.1, c.2))
            .collect();
        let lower = symbol.to_lowercase();
        let mut ev = json!({
            "e": "depthUpdate", "E": now, "s": symbol, "U": first, "u": last,
            "b": levels_json(&spec, &bids), "a": levels_json(&spec, &asks),
        });
        if market == Market::Futures {
            ev["T"] = json!(now);
            ev["pu"] = json!(first - 1);
        }
        self.market_event(market, format!("{lower}@depth"), ev);
        if old_top != new_top {
            let (bid, ask) = new_top;
            let (bp, bq) = bid.unwrap_or((Decimal::ZERO, Decimal::ZERO));
            let (ap, aq) = ask.unwrap_or((Decimal::ZERO, Decimal::ZERO));
            let mut t = json!({
                "u": last, "s": symbol,
                "b": px(&spec, bp), "B": qty(&spec, bq), "a": px(&spec, ap), "A": qty(&spec, aq),
            });
            if market == Market::Futures {
                t["e"] = json!("bookTicker");
                t["E"] = json!(now);
                t["T"] = json!(now);
            }
            self.market_event(market, format!("{lower}@bookTicker"), t);
        }
    }

    /// Replaces one book (publishing the difference as one diff).
    pub fn set_book(
        &mut self,
        market: Market,
        symbol: &str,
        bids: &[(Decimal, Decimal)],
        asks: &[(Decimal, Decimal)],
    ) {
        let Some(book) = self.books.get(&(market, symbol.to_owned())) else {
            return;
        };
        let mut changes = Vec::new();
        let new_bids: BTreeMap<Decimal, Decimal> = bids.iter().copied().collect();
        let new_asks: BTreeMap<Decimal, Decimal> = asks.iter().copied().collect();
        for (side, old, new) in [
            (Side::Buy, &book.bids, &new_bids),
            (Side::Sell, &book.asks, &new_asks),
        ] {
            for p in old.keys() {
                if !new.contains_key(p) {
                    changes.push((side, *p, Decimal::ZERO));
                }
            }
            for (p, q) in new {
                if old.get(p) != Some(q) {
                    changes.push((side, *p, *q));
                }
            }
        }
        self.publish_depth(market, symbol, changes);
    }

    /// Records a public trade (tape, bar, trade/aggTrade/kline frames); returns its id.
    pub fn record_trade(
        &mut self,
        market: Market,
        symbol: &str,
        price: Decimal,
        q: Decimal,
        buyer_maker: bool,
    ) -> u64 {
        let Some(spec) = self.spec(market, symbol) else {
            return 0;
        };
        let now = self.now();
        let key = (market, symbol.to_owned());
        let Some(tape) = self.tapes.get_mut(&key) else {
            return 0;
        };
        let id = tape.next_trade_id;
        tape.next_trade_id += 1;
        tape.last_price = price;
        tape.trades.push(PubTrade {
            id,
            price,
            qty: q,
            time: now,
            buyer_maker,
        });
        if tape.trades.len() > MAX_TRADES {
            tape.trades.drain(..MAX_TRADES / 2);
        }
        let minute = now - now.rem_euclid(60_000);
        let mut closed = None;
        let taker_buy = if buyer_maker { Decimal::ZERO } else { q };
        let tick = Bar {
            open_time: minute,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: q,
            quote_volume: (price * q).round_dp(8),
            trades: 1,
            taker_buy_base: taker_buy,
            taker_buy_quote: (price * taker_buy).round_dp(8),
            first_id: id as i64,
            last_id: id as i64,
        };
        match tape.bars.last_mut() {
            Some(last) if last.open_time == minute => last.merge(&tick),
            Some(last) if last.open_time > minute => last.merge(&tick),
            last => {
                closed = last.map(|b| b.clone());
                tape.bars.push(tick);
            }
        }
        let current = tape.bars.last().cloned();
        let lower = symbol.to_lowercase();
        let mut trade = json!({
            "e": "trade", "E": now, "s": symbol, "t": id, "p": px(&spec, price), "q": qty(&spec, q),
            "T": now, "m": buyer_maker, "M": true,
        });
        let mut agg = json!({
            "e": "aggTrade", "E": now, "s": symbol, "a": id, "p": px(&spec, price), "q": qty(&spec, q),
            "f": id, "l": id, "T": now, "m": buyer_maker,
        });
        if market == Market::Spot {
            agg["M"] = json!(true);
        } else {
            trade.as_object_mut().map(|o| o.remove("M"));
            trade["X"] = json!("MARKET");
        }
        self.market_event(market, format!("{lower}@trade"), trade);
        self.market_event(market, format!("{lower}@aggTrade"), agg);
        if let Some(c) = closed {
            self.market_event(
                market,
                format!("{lower}@kline_1m"),
                kline_event(&spec, &c, true, now),
            );
        }
        if let Some(c) = current {
            self.market_event(
                market,
                format!("{lower}@kline_1m"),
                kline_event(&spec, &c, false, now),
            );
        }
        id
    }

    /// Publishes a futures markPriceUpdate for `symbol`.
    pub fn publish_mark(&mut self, symbol: &str) {
        let Some(spec) = self.spec(Market::Futures, symbol) else {
            return;
        };
        let Some((mark, index, rate, next)) = self.marks.get(symbol).copied() else {
            return;
        };
        let now = self.now();
        let ev = json!({
            "e": "markPriceUpdate", "E": now, "s": symbol, "p": px(&spec, mark),
            "i": px(&spec, index), "P": px(&spec, mark), "r": format!("{:.8}", rate), "T": next,
        });
        self.market_event(
            Market::Futures,
            format!("{}@markPrice", symbol.to_lowercase()),
            ev,
        );
    }

    /// The REST depth snapshot.
    pub fn depth_json(&self, market: Market, spec: &SymbolSpec, limit: usize) -> Value {
        let now = self.now();
        let Some(book) = self.books.get(&(market, spec.symbol.clone())) else {
            return Value::Null;
        };
        let bids: Vec<(Decimal, Decimal)> = book
            .bids
            .iter()
            .rev()
            .take(limit)
            .map(|(p, q)| (*p, *q))
            .collect();
        let asks: Vec<(Decimal, Decimal)> = book
            .asks
            .iter()
            .take(limit)
            .map(|(p, q)| (*p, *q))
            .collect();
        let mut v = json!({
            "lastUpdateId": book.last_update_id,
            "bids": levels_json(spec, &bids),
            "asks": levels_json(spec, &asks),
        });
        if market == Market::Futures {
            v["E"] = json!(now);
            v["T"] = json!(now);
        }
        v
    }
}
