//! The synthetic order book and how a taker walks it.
//!
//! The book has [`BOOK_LEVELS`] levels per side around the generator's touch. Levels are about
//! 0.4 bp apart (at least one tick; now and then a level is skipped), and their sizes grow with
//! the distance from the touch (about 3,000 quote units at the touch, 1,500 more per level) with
//! a slowly varying random factor, so the book looks alive without flickering. It is rebuilt
//! around the mid whenever the market moves; what a taker consumed stays consumed until then.

use crate::market::MarketGen;
use crate::rng::Rng;
use keel_domain::{BookLevel, OrderBook, Side, TimestampMs};
use rust_decimal::Decimal;

/// Levels per side.
pub const BOOK_LEVELS: usize = 20;
const TOUCH_VALUE: f64 = 3_000.0;
const VALUE_PER_LEVEL: f64 = 1_500.0;
const SKIP_CHANCE: f64 = 0.15;
const NOISE_KEEP: f64 = 0.85;
const NOISE_SD: f64 = 0.5;

/// Builds the synthetic book of one symbol.
#[derive(Debug, Clone)]
pub struct BookGen {
    rng: Rng,
    /// Log-size factor of each level (bids then asks), an AR(1) across rebuilds.
    noise: Vec<f64>,
}

impl BookGen {
    pub fn new(seed: u64, symbol: &str) -> Self {
        let mut rng = Rng::derive(seed, symbol, 2);
        let noise = (0..2 * BOOK_LEVELS)
            .map(|_| NOISE_SD * rng.normal())
            .collect();
        Self { rng, noise }
    }

    /// A fresh book around the generator's current touch.
    pub fn build(&mut self, market: &MarketGen, ts_ms: TimestampMs) -> OrderBook {
        let innovation = NOISE_SD * (1.0 - NOISE_KEEP * NOISE_KEEP).sqrt();
        for n in &mut self.noise {
            *n = NOISE_KEEP * *n + innovation * self.rng.normal();
        }
        let touch = market.touch();
        let gap = market.level_gap_ticks();
        let mid = market.mid();
        OrderBook {
            bids: self.side(market, touch.bid_ticks, -gap, mid, 0),
            asks: self.side(market, touch.ask_ticks, gap, mid, BOOK_LEVELS),
            ts_ms,
        }
    }

    fn side(
        &mut self,
        market: &MarketGen,
        touch_ticks: i64,
        gap: i64,
        mid: f64,
        noise_offset: usize,
    ) -> Vec<BookLevel> {
        let grid = market.grid();
        let mut levels = Vec::with_capacity(BOOK_LEVELS);
        let mut ticks = touch_ticks;
        for i in 0..BOOK_LEVELS {
            if ticks < 1 {
                break;
            }
            let value =
                (TOUCH_VALUE + VALUE_PER_LEVEL * i as f64) * self.noise[noise_offset + i].exp();
            levels.push(BookLevel {
                price: grid.price(ticks),
                qty: grid.qty(grid.steps_of(value / mid)),
            });
            let skip = i64::from(self.rng.chance(SKIP_CHANCE));
            ticks += gap * (1 + skip);
        }
        levels
    }
}

/// How much a taker wants from the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// A base quantity.
    Base(Decimal),
    /// A buy that spends at most this much quote, the taker fee included.
    Spend(Decimal),
    /// A sell that receives at most this much quote before the fee.
    Receive(Decimal),
}

/// One level a taker trades against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub price: Decimal,
    pub qty: Decimal,
}

/// What a taker would get from the book, computed without touching it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TakePlan {
    pub legs: Vec<Leg>,
    /// Total base quantity and quote value (before fees) of the legs.
    pub qty: Decimal,
    pub quote: Decimal,
    /// Whether the whole amount was found (false: the book, or the limit price, ran out first).
    pub complete: bool,
}

impl TakePlan {
    /// The farthest price the taker reaches.
    pub fn worst_price(&self) -> Option<Decimal> {
        self.legs.last().map(|l| l.price)
    }
}

fn floor_steps(value: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return value;
    }
    (value / step).floor() * step
}

/// The levels a taker on `side` trades against (asks for a buy, bids for a sell), best first,
/// and what it takes from each: up to `limit` when given, level by level, each leg on the step
/// grid. `fee_rate` is the taker fee, which a [`Sizing::Spend`] budget includes.
pub fn plan_take(
    book: &OrderBook,
    side: Side,
    limit: Option<Decimal>,
    sizing: Sizing,
    fee_rate: Decimal,
    step: Decimal,
) -> TakePlan {
    let levels = match side {
        Side::Buy => &book.asks,
        Side::Sell => &book.bids,
    };
    let mut plan = TakePlan::default();
    let one_plus_fee = Decimal::ONE + fee_rate;
    let mut spent = Decimal::ZERO; // quote including the fee, for Spend
    for level in levels {
        let crosses = match (side, limit) {
            (_, None) => true,
            (Side::Buy, Some(limit)) => level.price <= limit,
            (Side::Sell, Some(limit)) => level.price >= limit,
        };
        if !crosses || level.qty <= Decimal::ZERO {
            break;
        }
        let wanted = match sizing {
            Sizing::Base(qty) => qty - plan.qty,
            Sizing::Spend(budget) => {
                let unit = level.price * one_plus_fee;
                let left = budget - spent;
                let mut qty = floor_steps(left / unit, step);
                // Decimal division rounds its last digit: never let that overspend.
                while qty > Decimal::ZERO && qty * unit > left {
                    qty -= step;
                }
                qty
            }
            Sizing::Receive(target) => floor_steps((target - plan.quote) / level.price, step),
        };
        if wanted <= Decimal::ZERO {
            plan.complete = true;
            return plan;
        }
        let qty = wanted.min(level.qty);
        let quote = qty * level.price;
        plan.legs.push(Leg {
            price: level.price,
            qty,
        });
        plan.qty += qty;
        plan.quote += quote;
        spent += quote * one_plus_fee;
        if qty < level.qty {
            // The level was enough: the amount is complete (a budget's rounding dust stays).
            plan.complete = true;
            return plan;
        }
    }
    // The levels (or the limit) ran out: complete only if what is left cannot buy one more step.
    let last_price = plan.worst_price().unwrap_or(Decimal::ZERO);
    plan.complete = match sizing {
        Sizing::Base(qty) => plan.qty >= qty,
        Sizing::Spend(budget) => {
            !plan.legs.is_empty() && budget - spent < step * last_price * one_plus_fee
        }
        Sizing::Receive(target) => !plan.legs.is_empty() && target - plan.quote < step * last_price,
    };
    plan
}

/// Removes what `plan` takes from the book (the plan must come from this book, unchanged).
pub fn consume(book: &mut OrderBook, side: Side, plan: &TakePlan) {
    let levels = match side {
        Side::Buy => &mut book.asks,
        Side::Sell => &mut book.bids,
    };
    for (level, leg) in levels.iter_mut().zip(&plan.legs) {
        level.qty -= leg.qty;
    }
    levels.retain(|l| l.qty > Decimal::ZERO);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::PathParams;
    use keel_domain::Instrument;
    use rust_decimal_macros::dec;

    fn level(price: Decimal, qty: Decimal) -> BookLevel {
        BookLevel { price, qty }
    }

    fn book() -> OrderBook {
        OrderBook {
            bids: vec![level(dec!(99), dec!(1)), level(dec!(98), dec!(2))],
            asks: vec![level(dec!(101), dec!(1)), level(dec!(102), dec!(2))],
            ts_ms: 0,
        }
    }

    #[test]
    fn base_walk_takes_levels_in_order() {
        let plan = plan_take(
            &book(),
            Side::Buy,
            None,
            Sizing::Base(dec!(2)),
            dec!(0),
            dec!(0.1),
        );
        assert_eq!(
            plan.legs,
            vec![
                Leg {
                    price: dec!(101),
                    qty: dec!(1)
                },
                Leg {
                    price: dec!(102),
                    qty: dec!(1)
                }
            ]
        );
        assert!(plan.complete);
        assert_eq!(plan.quote, dec!(203));
        let mut b = book();
        consume(&mut b, Side::Buy, &plan);
        assert_eq!(b.asks, vec![level(dec!(102), dec!(1))]);
    }

    #[test]
    fn limit_stops_the_walk_and_exhaustion_is_incomplete() {
        let plan = plan_take(
            &book(),
            Side::Sell,
            Some(dec!(98.5)),
            Sizing::Base(dec!(2)),
            dec!(0),
            dec!(0.1),
        );
        assert_eq!(plan.qty, dec!(1));
        assert!(!plan.complete);
        let plan = plan_take(
            &book(),
            Side::Sell,
            None,
            Sizing::Base(dec!(5)),
            dec!(0),
            dec!(0.1),
        );
        assert_eq!(plan.qty, dec!(3));
        assert!(!plan.complete);
    }

    #[test]
    fn spend_never_exceeds_the_budget_fee_included() {
        let plan = plan_take(
            &book(),
            Side::Buy,
            None,
            Sizing::Spend(dec!(150)),
            dec!(0.001),
            dec!(0.001),
        );
        let cost = plan.quote * dec!(1.001);
        assert!(cost <= dec!(150), "{cost}");
        assert!(
            dec!(150) - cost < dec!(0.103),
            "within a step of the budget"
        );
        assert!(plan.complete);
    }

    #[test]
    fn built_book_is_sorted_uncrossed_and_on_the_grids() {
        let inst = Instrument {
            symbol: "ETH/USDT".into(),
            base: "ETH".into(),
            quote: "USDT".into(),
            tick_size: dec!(0.01),
            step_size: dec!(0.0001),
            min_qty: dec!(0.0001),
            max_qty: dec!(100000),
            min_notional: dec!(5),
        };
        let mut market = MarketGen::new(3, &inst, 3_200.0, 0, PathParams::default());
        let mut books = BookGen::new(3, &inst.symbol);
        for i in 0..50 {
            while market.next_print(i * 1_000).is_some() {}
            let b = books.build(&market, i * 1_000);
            assert_eq!(b.bids.len(), BOOK_LEVELS);
            assert_eq!(b.asks.len(), BOOK_LEVELS);
            assert!(b.best_bid() < b.best_ask());
            assert!(b.bids.windows(2).all(|w| w[0].price > w[1].price));
            assert!(b.asks.windows(2).all(|w| w[0].price < w[1].price));
            for l in b.bids.iter().chain(&b.asks) {
                assert!((l.price % inst.tick_size).is_zero() && (l.qty % inst.step_size).is_zero());
                assert!(l.qty >= inst.min_qty);
            }
        }
    }
}
