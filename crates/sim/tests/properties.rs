//! Invariants over many seeds and random order flows.

use keel_domain::{
    Amount, Balance, BookLevel, Instrument, OrderBook, OrderKind, Side, SubmitOrder,
};
use keel_sim::Matcher;
use keel_sim::market::{MarketGen, PathParams};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn instrument(symbol: &str, step: Decimal) -> Instrument {
    let base = symbol.split('/').next().unwrap_or("X");
    Instrument {
        symbol: symbol.into(),
        base: base.into(),
        quote: "USDT".into(),
        tick_size: dec!(0.01),
        step_size: step,
        min_qty: step,
        max_qty: dec!(1000000),
        min_notional: dec!(5),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Two hours of prints and ten days of candles: always positive, on the grids, and within a
    /// sane band around the reference price.
    #[test]
    fn the_price_path_stays_positive_and_on_the_tick_grid(seed in any::<u64>(), pick in 0usize..3) {
        let (symbol, step, reference) = [
            ("BTC/USDT", dec!(0.00001), 65_000.0),
            ("ETH/USDT", dec!(0.0001), 3_200.0),
            ("SOL/USDT", dec!(0.001), 150.0),
        ][pick];
        let inst = instrument(symbol, step);
        let mut market = MarketGen::new(seed, &inst, reference, 0, PathParams::default());
        let low = Decimal::try_from(reference / 20.0).unwrap();
        let high = Decimal::try_from(reference * 20.0).unwrap();
        let mut prints = 0;
        while let Some(t) = market.next_print(2 * 3_600_000) {
            prop_assert!(t.price > low && t.price < high, "{}", t.price);
            prop_assert!((t.price % inst.tick_size).is_zero());
            prop_assert!((t.qty % step).is_zero() && t.qty >= inst.min_qty);
            prints += 1;
        }
        prop_assert!(prints > 2 * 3_600 * 2, "{prints} prints in two hours");
        for i in 0..(10 * 1_440) {
            let open = 2 * 3_600_000 + i * 60_000;
            let c = market.segment(open, open + 60_000);
            prop_assert!(c.low > low && c.high < high);
            prop_assert!(c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close));
            prop_assert!((c.low % inst.tick_size).is_zero() && (c.high % inst.tick_size).is_zero());
        }
        let end = market.mid();
        prop_assert!(end > reference / 3.0 && end < reference * 3.0, "ten days later at {end}");
    }
}

#[derive(Debug, Clone)]
enum Action {
    Market(Side, i64),
    MarketQuote(Side, i64),
    Limit(Side, i64, i64),
    Cancel(usize),
    Print(i64, i64),
}

fn action() -> impl Strategy<Value = Action> {
    let side = prop_oneof![Just(Side::Buy), Just(Side::Sell)];
    prop_oneof![
        (side.clone(), 1i64..3_000).prop_map(|(s, q)| Action::Market(s, q)),
        (side.clone(), 500i64..50_000).prop_map(|(s, q)| Action::MarketQuote(s, q)),
        (side, -300i64..300, 1i64..3_000).prop_map(|(s, p, q)| Action::Limit(s, p, q)),
        (0usize..40).prop_map(Action::Cancel),
        (-300i64..300, 1i64..3_000).prop_map(|(p, q)| Action::Print(p, q)),
    ]
}

/// Bids and asks of 5 levels around 100.00, 0.01 apart from a 0.02 spread.
fn book() -> OrderBook {
    let level = |cents: i64, qty: i64| BookLevel {
        price: Decimal::new(cents, 2),
        qty: Decimal::new(qty, 3),
    };
    OrderBook {
        bids: (0..5)
            .map(|i| level(9_999 - 10 * i, 500 + 300 * i))
            .collect(),
        asks: (0..5)
            .map(|i| level(10_001 + 10 * i, 500 + 300 * i))
            .collect(),
        ts_ms: 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the flow, balances move exactly by the fills (fees included), nothing goes
    /// negative, and once every order is canceled nothing stays locked.
    #[test]
    fn balances_move_exactly_by_the_fills_and_locks_are_released(actions in prop::collection::vec(action(), 1..60)) {
        let inst = instrument("TST/USDT", dec!(0.001));
        let start = [("TST", dec!(50)), ("USDT", dec!(5000))];
        let mut m = Matcher::new(
            vec![inst],
            dec!(0.0008),
            dec!(0.001),
            start.iter().map(|(a, f)| Balance { asset: (*a).into(), free: *f, locked: Decimal::ZERO }).collect(),
            1,
        );
        let (mut base, mut quote) = (dec!(50), dec!(5000));
        let mut ids = Vec::new();
        let mut fills = Vec::new();
        for (n, a) in actions.into_iter().enumerate() {
            let id = format!("o{n}");
            let mut submit = |kind, side, price, amount| {
                let req = SubmitOrder { client_order_id: id.clone(), symbol: "TST/USDT".into(), side, kind, price, amount, options: Default::default() };
                if let Ok(ack) = m.submit(&req, &mut book(), n as i64) {
                    ids.push(id.clone());
                    fills.extend(ack.fills);
                }
            };
            match a {
                Action::Market(side, q) => submit(OrderKind::Market, side, None, Amount::Base(Decimal::new(q, 3))),
                Action::MarketQuote(side, q) => submit(OrderKind::Market, side, None, Amount::Quote(Decimal::new(q, 2))),
                Action::Limit(side, p, q) => {
                    submit(OrderKind::Limit, side, Some(Decimal::new(10_000 + p, 2)), Amount::Base(Decimal::new(q, 3)))
                }
                Action::Cancel(i) => {
                    if let Some(id) = ids.get(i) {
                        let _ = m.cancel("TST/USDT", id, n as i64);
                    }
                }
                Action::Print(p, q) => fills.extend(m.on_print(0, Decimal::new(10_000 + p, 2), Decimal::new(q, 3), n as i64).fills),
            }
            for b in m.balances() {
                prop_assert!(b.free >= Decimal::ZERO && b.locked >= Decimal::ZERO, "{b:?}");
            }
        }
        for f in &fills {
            match f.side {
                Side::Buy => { base += f.qty; quote -= f.quote_qty + f.fee; }
                Side::Sell => { base -= f.qty; quote += f.quote_qty - f.fee; }
            }
            prop_assert_eq!(f.quote_qty, f.price * f.qty);
        }
        prop_assert_eq!(m.balance("TST").total(), base);
        prop_assert_eq!(m.balance("USDT").total(), quote);
        for o in m.open_orders() {
            m.cancel("TST/USDT", &o.client_order_id, 1_000).unwrap();
        }
        prop_assert_eq!(m.balance("TST").locked, Decimal::ZERO);
        prop_assert_eq!(m.balance("USDT").locked, Decimal::ZERO);
        let mut trade_ids: Vec<&str> = fills.iter().map(|f| f.trade_id.as_str()).collect();
        trade_ids.sort_unstable();
        trade_ids.dedup();
        prop_assert_eq!(trade_ids.len(), fills.len(), "trade ids are unique");
    }
}
