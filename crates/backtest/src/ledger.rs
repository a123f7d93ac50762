//! The account of one run in exact Decimal: cash, position, average entry, fees, and the list of
//! round-trip trades.
//!
//! A trade opens when the position leaves zero and closes when it returns to zero; adding to a
//! position moves the average entry, reducing it realises PnL against that average, and a fill
//! that flips the position closes one trade and opens the next with the remainder. A trade's
//! `pnl` is after the fees of every fill in it (entry fees are charged to the trade they open).

use crate::num::to_f64;
use keel_domain::Side;
use rust_decimal::Decimal;
use serde::Serialize;

/// One round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TradeRecord {
    /// Index of the bar (or event) of the first fill.
    pub entry_bar: usize,
    pub entry_time_ms: i64,
    /// Long (`buy`) or short (`sell`).
    pub side: Side,
    /// Largest absolute position held during the trade.
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    /// Average entry price.
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub entry_price: Decimal,
    pub exit_bar: Option<usize>,
    pub exit_time_ms: Option<i64>,
    /// Average exit price (None while open).
    #[ts(type = "string | null")]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub exit_price: Option<Decimal>,
    /// Fees of every fill of the trade.
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub fees: Decimal,
    /// Realised PnL after fees (for a trade still open at the end: marked at the last close).
    #[ts(type = "string")]
    #[serde(with = "rust_decimal::serde::str")]
    pub pnl: Decimal,
}

#[derive(Debug, Clone)]
struct OpenTrade {
    record: TradeRecord,
    exit_notional: Decimal,
    exit_qty: Decimal,
    /// The price of the exit fills while they all had one price.
    single_exit_price: Option<Decimal>,
    realized: Decimal,
}

/// See the module docs.
#[derive(Debug, Clone)]
pub struct Ledger {
    cash: Decimal,
    position: Decimal,
    avg_entry: Decimal,
    fees: Decimal,
    trades: Vec<TradeRecord>,
    open: Option<OpenTrade>,
    // f64 shadows for marking equity every bar without Decimal arithmetic.
    cash_f: f64,
    position_f: f64,
    avg_entry_f: f64,
}

impl Ledger {
    /// An account holding `cash` of quote and no position.
    pub fn new(cash: Decimal) -> Ledger {
        Ledger {
            cash,
            position: Decimal::ZERO,
            avg_entry: Decimal::ZERO,
            fees: Decimal::ZERO,
            trades: Vec::new(),
            open: None,
            cash_f: to_f64(cash),
            position_f: 0.0,
            avg_entry_f: 0.0,
        }
    }

    pub fn cash(&self) -> Decimal {
        self.cash
    }
    pub fn position(&self) -> Decimal {
        self.position
    }
    pub fn avg_entry(&self) -> Decimal {
        self.avg_entry
    }
    pub fn fees(&self) -> Decimal {
        self.fees
    }
    /// The closed round trips, taking them.
    pub fn into_trades(self) -> Vec<TradeRecord> {
        self.trades
    }

    /// Closed round trips so far.
    pub fn trades(&self) -> &[TradeRecord] {
        &self.trades
    }
    #[inline]
    pub fn cash_f64(&self) -> f64 {
        self.cash_f
    }
    #[inline]
    pub fn position_f64(&self) -> f64 {
        self.position_f
    }
    #[inline]
    pub fn avg_entry_f64(&self) -> f64 {
        self.avg_entry_f
    }
    /// Cash plus the position marked at `price` (f64, for curves).
    #[inline]
    pub fn equity_f64(&self, price: f64) -> f64 {
        self.cash_f + self.position_f * price
    }
    /// Cash plus the position marked at `price`, exactly.
    pub fn equity(&self, price: Decimal) -> Decimal {
        self.cash + self.position * price
    }

    /// Funding for a perpetual: `payment` (positive = paid by the trader) leaves cash and is
    /// charged to the open trade.
    pub fn apply_funding(&mut self, payment: Decimal) {
        self.cash -= payment;
        if let Some(open) = &mut self.open {
            open.realized -= payment;
        }
        self.refresh_shadows();
    }

    /// Books a fill of `qty` at `price` paying `fee` (quote) at bar `bar`.
    pub fn apply_fill(
        &mut self,
        bar: usize,
        t_ms: i64,
        side: Side,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
    ) {
        if qty.is_zero() || qty.is_sign_negative() {
            return;
        }
        let notional = price * qty;
        let (signed, buy) = match side {
            Side::Buy => (qty, true),
            Side::Sell => (-qty, false),
        };
        if buy {
            self.cash -= notional + fee;
        } else {
            self.cash += notional - fee;
        }
        self.fees += fee;
        let before = self.position;
        let long = before.is_sign_positive() && !before.is_zero();
        if before.is_zero() {
            self.start_trade(bar, t_ms, side, price, qty, fee);
        } else if long == buy {
            // Adding: the average entry moves, the fee belongs to this trade.
            let after = before + signed;
            self.avg_entry = (self.avg_entry * before.abs() + notional) / after.abs();
            if let Some(open) = &mut self.open {
                open.record.entry_price = self.avg_entry;
                open.record.qty = open.record.qty.max(after.abs());
                open.record.fees += fee;
                open.realized -= fee;
            }
            self.position = after;
        } else {
            // Reducing, closing, or flipping.
            let held = before.abs();
            let whole = qty <= held;
            let closing = if whole { qty } else { held };
            let closing_fee = if whole {
                fee
            } else {
                (fee * closing / qty).round_dp(12)
            };
            if let Some(open) = &mut self.open {
                let gain = (price - self.avg_entry) * closing;
                open.realized += if long { gain } else { -gain } - closing_fee;
                open.record.fees += closing_fee;
                open.single_exit_price = match open.single_exit_price {
                    None if open.exit_qty.is_zero() => Some(price),
                    Some(p) if p == price => Some(p),
                    _ => None,
                };
                open.exit_notional += if whole { notional } else { price * closing };
                open.exit_qty += closing;
            }
            self.position = if long {
                before - closing
            } else {
                before + closing
            };
            if self.position.is_zero() {
                self.close_trade(bar, t_ms);
                self.avg_entry = Decimal::ZERO;
            }
            if !whole {
                // Flip: the remainder opens the next trade, with the rest of the fee.
                self.start_trade(bar, t_ms, side, price, qty - closing, fee - closing_fee);
            }
        }
        self.refresh_shadows();
    }

    /// Opens a trade of `qty` at `price` from flat (cash and fees are already booked).
    fn start_trade(
        &mut self,
        bar: usize,
        t_ms: i64,
        side: Side,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
    ) {
        self.avg_entry = price;
        self.position = match side {
            Side::Buy => qty,
            Side::Sell => -qty,
        };
        self.open = Some(OpenTrade {
            record: TradeRecord {
                entry_bar: bar,
                entry_time_ms: t_ms,
                side,
                qty,
                entry_price: price,
                exit_bar: None,
                exit_time_ms: None,
                exit_price: None,
                fees: fee,
                pnl: Decimal::ZERO,
            },
            exit_notional: Decimal::ZERO,
            exit_qty: Decimal::ZERO,
            single_exit_price: None,
            realized: -fee,
        });
    }

    fn close_trade(&mut self, bar: usize, t_ms: i64) {
        if let Some(open) = self.open.take() {
            let mut r = open.record;
            r.exit_bar = Some(bar);
            r.exit_time_ms = Some(t_ms);
            r.exit_price = if open.exit_qty == r.qty && open.single_exit_price.is_some() {
                // One exit fill (the common case): its price, without a division.
                open.single_exit_price
            } else {
                (!open.exit_qty.is_zero()).then(|| open.exit_notional / open.exit_qty)
            };
            r.pnl = open.realized;
            self.trades.push(r);
        }
    }

    /// The trade still open, marked at `price` (its `pnl` includes the unrealised part and
    /// `exit_*` stay empty).
    pub fn open_trade(&self, price: Decimal) -> Option<TradeRecord> {
        self.open.as_ref().map(|open| {
            let mut r = open.record.clone();
            r.pnl = open.realized + self.position * (price - self.avg_entry);
            r
        })
    }

    fn refresh_shadows(&mut self) {
        self.cash_f = to_f64(self.cash);
        self.position_f = to_f64(self.position);
        self.avg_entry_f = to_f64(self.avg_entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_long_round_trip_books_cash_fees_and_pnl_exactly() {
        let mut l = Ledger::new(dec!(1000));
        l.apply_fill(3, 30, Side::Buy, dec!(100), dec!(2), dec!(0.2));
        assert_eq!(l.cash(), dec!(799.8));
        assert_eq!(l.position(), dec!(2));
        l.apply_fill(5, 50, Side::Buy, dec!(110), dec!(2), dec!(0.22));
        assert_eq!(l.avg_entry(), dec!(105));
        l.apply_fill(9, 90, Side::Sell, dec!(120), dec!(4), dec!(0.48));
        assert_eq!(l.position(), Decimal::ZERO);
        assert_eq!(l.cash(), dec!(1059.1));
        let t = &l.trades()[0];
        assert_eq!((t.entry_bar, t.exit_bar), (3, Some(9)));
        assert_eq!(t.qty, dec!(4));
        assert_eq!(t.entry_price, dec!(105));
        assert_eq!(t.exit_price, Some(dec!(120)));
        assert_eq!(t.fees, dec!(0.9));
        // (120 - 105) * 4 - 0.9 = 59.1 = the change in cash.
        assert_eq!(t.pnl, dec!(59.1));
        assert_eq!(l.fees(), dec!(0.9));
    }

    #[test]
    fn a_flip_closes_one_trade_and_opens_the_next_with_the_remainder() {
        let mut l = Ledger::new(dec!(1000));
        l.apply_fill(0, 0, Side::Buy, dec!(100), dec!(1), dec!(0.1));
        l.apply_fill(1, 10, Side::Sell, dec!(90), dec!(3), dec!(0.27));
        assert_eq!(l.position(), dec!(-2));
        assert_eq!(l.trades().len(), 1);
        let first = &l.trades()[0];
        // -10 loss, the entry fee 0.1 and a third of the flip's fee 0.09.
        assert_eq!(first.pnl, dec!(-10.19));
        let open = l.open_trade(dec!(80)).unwrap();
        assert_eq!(open.side, Side::Sell);
        assert_eq!(open.entry_price, dec!(90));
        // Short 2 from 90 marked at 80: +20, less its fee 0.18.
        assert_eq!(open.pnl, dec!(19.82));
        // Cash: 1000 - 100.1 + 270 - 0.27 = 1169.63; equity at 80 = 1169.63 - 160.
        assert_eq!(l.cash(), dec!(1169.63));
        assert_eq!(l.equity(dec!(80)), dec!(1009.63));
        assert_eq!(l.fees(), dec!(0.37));
    }

    #[test]
    fn funding_is_charged_to_cash_and_the_open_trade() {
        let mut l = Ledger::new(dec!(1000));
        l.apply_fill(0, 0, Side::Buy, dec!(100), dec!(1), dec!(0));
        l.apply_funding(dec!(0.01));
        l.apply_fill(1, 1, Side::Sell, dec!(100), dec!(1), dec!(0));
        assert_eq!(l.trades()[0].pnl, dec!(-0.01));
        assert_eq!(l.cash(), dec!(999.99));
    }
}
