//! The simulated venue's fill model on candles: every order kind, the intrabar path, gaps,
//! touches, volume-bounded partial fills, latency.

use keel_sim::venue::{
    CandlePath, Fees, Liquidity, OrderKind, OrderStatus, Side, SimConfig, SimEvent, SimFill,
    SimOrder, SimReject, SimVenue,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const MIN: i64 = 60_000;

fn cfg() -> SimConfig {
    SimConfig {
        fees: Fees {
            maker: dec!(0.001),
            taker: dec!(0.002),
        },
        tick_size: dec!(0.1),
        step_size: dec!(0.001),
        ..SimConfig::default()
    }
}

/// Bar `i` (opening at `i` minutes) with volume 1,000.
fn bar(v: &mut SimVenue, i: i64, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Vec<SimEvent> {
    bar_v(v, i, [o, h, l, c], dec!(1000))
}

fn bar_v(v: &mut SimVenue, i: i64, ohlc: [Decimal; 4], vol: Decimal) -> Vec<SimEvent> {
    let mut out = Vec::new();
    let [o, h, l, c] = ohlc;
    v.on_candle(i * MIN, MIN, o, h, l, c, vol, &mut out);
    out
}

fn submit(v: &mut SimVenue, now: i64, order: SimOrder) -> Vec<SimEvent> {
    let mut out = Vec::new();
    v.submit(now, order, &mut out);
    out
}

fn fills(events: &[SimEvent]) -> Vec<SimFill> {
    events
        .iter()
        .filter_map(|e| match e {
            SimEvent::Fill(f) => Some(*f),
            _ => None,
        })
        .collect()
}

fn done(id: u64, status: OrderStatus) -> SimEvent {
    SimEvent::Done {
        order_id: id,
        status,
    }
}

fn fill(id: u64, side: Side, price: Decimal, qty: Decimal, maker: bool, t: i64) -> SimEvent {
    let rate = if maker { dec!(0.001) } else { dec!(0.002) };
    SimEvent::Fill(SimFill {
        order_id: id,
        side,
        price,
        qty,
        fee: price * qty * rate,
        liquidity: if maker {
            Liquidity::Maker
        } else {
            Liquidity::Taker
        },
        time_ms: t,
    })
}

/// A venue that has seen one bar closing at 100 (bar 0, closes at 1 minute).
fn venue_at_100(cfg: SimConfig) -> SimVenue {
    let mut v = SimVenue::new(cfg);
    assert!(bar(&mut v, 0, dec!(99), dec!(101), dec!(98), dec!(100)).is_empty());
    v
}

#[test]
fn market_order_without_latency_fills_at_the_last_close_with_the_taker_fee() {
    let mut v = venue_at_100(cfg());
    let ev = submit(&mut v, MIN, SimOrder::market(1, Side::Buy, dec!(2)));
    assert_eq!(
        ev,
        vec![
            SimEvent::Accepted { order_id: 1 },
            fill(1, Side::Buy, dec!(100), dec!(2), false, MIN),
            done(1, OrderStatus::Filled),
        ]
    );
    let SimEvent::Fill(f) = ev[1] else {
        panic!("not a fill")
    };
    assert_eq!(f.fee, dec!(0.4));
    assert_eq!(v.position(), dec!(2));
    assert!(!v.has_orders());
}

#[test]
fn market_order_before_any_price_waits_for_the_next_open() {
    let mut v = SimVenue::new(cfg());
    let ev = submit(&mut v, 0, SimOrder::market(1, Side::Sell, dec!(1)));
    assert_eq!(ev, vec![SimEvent::Accepted { order_id: 1 }]);
    assert!(v.has_orders());
    let ev = bar(&mut v, 0, dec!(50), dec!(51), dec!(49), dec!(50.5));
    assert_eq!(
        ev,
        vec![
            fill(1, Side::Sell, dec!(50), dec!(1), false, 0),
            done(1, OrderStatus::Filled)
        ]
    );
    assert_eq!(v.position(), dec!(-1));
}

#[test]
fn latency_fills_at_the_next_open_or_the_path_point_of_its_arrival() {
    let small = SimConfig {
        latency_ms: 50,
        ..cfg()
    };
    let mut v = venue_at_100(small);
    assert!(submit(&mut v, MIN, SimOrder::market(1, Side::Buy, dec!(1))).is_empty());
    assert!(v.has_orders() && !v.open_orders()[0].accepted);
    let ev = bar(&mut v, 1, dec!(100.5), dec!(103), dec!(100.2), dec!(102));
    assert_eq!(
        ev,
        vec![
            SimEvent::Accepted { order_id: 1 },
            fill(1, Side::Buy, dec!(100.5), dec!(1), false, MIN + 50),
            done(1, OrderStatus::Filled)
        ]
    );

    // 20 s on one-minute bars arrives in the second quarter: the first extreme of the path.
    let large = SimConfig {
        latency_ms: 20_000,
        ..cfg()
    };
    let mut v = venue_at_100(large);
    assert!(submit(&mut v, MIN, SimOrder::market(1, Side::Buy, dec!(1))).is_empty());
    let ev = bar(&mut v, 1, dec!(100.5), dec!(103), dec!(100.2), dec!(102));
    assert_eq!(
        fills(&ev),
        fills(&[fill(
            1,
            Side::Buy,
            dec!(100.2),
            dec!(1),
            false,
            MIN + 20_000
        )])
    );

    // An arrival after the bar's end waits for the next bar.
    let late = SimConfig {
        latency_ms: 90_000,
        ..cfg()
    };
    let mut v = venue_at_100(late);
    assert!(submit(&mut v, MIN, SimOrder::market(1, Side::Buy, dec!(1))).is_empty());
    assert!(bar(&mut v, 1, dec!(100.5), dec!(103), dec!(100.2), dec!(102)).is_empty());
    let ev = bar(&mut v, 2, dec!(102), dec!(104), dec!(101), dec!(103));
    // It arrives at 150 s, the start of bar 2's third quarter: the farther extreme (low first).
    assert_eq!(fills(&ev)[0].price, dec!(104));
    assert_eq!(fills(&ev)[0].time_ms, 2 * MIN + 30_000);
}

#[test]
fn limit_touched_but_not_traded_through_does_not_fill() {
    let mut v = venue_at_100(cfg());
    let ev = submit(
        &mut v,
        MIN,
        SimOrder::limit(1, Side::Buy, dec!(1), dec!(99)),
    );
    assert_eq!(ev, vec![SimEvent::Accepted { order_id: 1 }]);
    assert!(bar(&mut v, 1, dec!(100), dec!(101), dec!(99), dec!(99.5)).is_empty());
    let ev = bar(&mut v, 2, dec!(99.5), dec!(100), dec!(98.9), dec!(99.9));
    assert_eq!(
        ev,
        vec![
            fill(1, Side::Buy, dec!(99), dec!(1), true, 2 * MIN + 2 * MIN / 4),
            done(1, OrderStatus::Filled)
        ]
    );

    let mut v = venue_at_100(cfg());
    submit(
        &mut v,
        MIN,
        SimOrder::limit(2, Side::Sell, dec!(1), dec!(105)),
    );
    assert!(bar(&mut v, 1, dec!(100), dec!(105), dec!(99), dec!(104)).is_empty());
    let ev = bar(&mut v, 2, dec!(104), dec!(105.1), dec!(103), dec!(104));
    assert_eq!(fills(&ev)[0].price, dec!(105));
    assert_eq!(fills(&ev)[0].liquidity, Liquidity::Maker);
}

#[test]
fn limit_gapped_through_fills_at_the_better_open() {
    let mut v = venue_at_100(cfg());
    submit(
        &mut v,
        MIN,
        SimOrder::limit(1, Side::Buy, dec!(1), dec!(99)),
    );
    let ev = bar(&mut v, 1, dec!(97), dec!(98), dec!(96), dec!(97.5));
    assert_eq!(
        fills(&ev),
        fills(&[fill(1, Side::Buy, dec!(97), dec!(1), true, MIN)])
    );
}

#[test]
fn marketable_limit_takes_at_the_last_price_and_an_equal_limit_rests() {
    let mut v = venue_at_100(cfg());
    let ev = submit(
        &mut v,
        MIN,
        SimOrder::limit(1, Side::Buy, dec!(1), dec!(102)),
    );
    assert_eq!(
        ev,
        vec![
            SimEvent::Accepted { order_id: 1 },
            fill(1, Side::Buy, dec!(100), dec!(1), false, MIN),
            done(1, OrderStatus::Filled)
        ]
    );
    let ev = submit(
        &mut v,
        MIN,
        SimOrder::limit(2, Side::Sell, dec!(1), dec!(100)),
    );
    assert_eq!(ev, vec![SimEvent::Accepted { order_id: 2 }]);
    assert_eq!(v.open_orders().len(), 1);
}

#[test]
fn post_only_is_rejected_when_it_would_take_and_rests_otherwise() {
    let mut v = venue_at_100(cfg());
    let mut maker = SimOrder::limit(1, Side::Buy, dec!(1), dec!(100.5));
    maker.kind = OrderKind::LimitMaker;
    let ev = submit(&mut v, MIN, maker);
    assert_eq!(
        ev,
        vec![SimEvent::Rejected {
            order_id: 1,
            reason: SimReject::PostOnlyWouldTake
        }]
    );
    assert!(!v.has_orders());
    maker.price = Some(dec!(99.5));
    assert_eq!(
        submit(&mut v, MIN, maker),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
    let ev = bar(&mut v, 1, dec!(100), dec!(100.2), dec!(99), dec!(99.8));
    assert_eq!(fills(&ev)[0].liquidity, Liquidity::Maker);
    assert_eq!(fills(&ev)[0].price, dec!(99.5));
}

#[test]
fn stop_market_crossed_inside_the_bar_fills_at_the_stop() {
    let mut v = venue_at_100(cfg());
    let stop = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopMarket,
        dec!(1),
        dec!(103),
        None,
    );
    assert_eq!(
        submit(&mut v, MIN, stop),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
    // Nearest extreme first: low (0.5 away) then high.
    let ev = bar(&mut v, 1, dec!(100), dec!(104), dec!(99.5), dec!(103.5));
    assert_eq!(
        ev,
        vec![
            SimEvent::Triggered { order_id: 1 },
            fill(1, Side::Buy, dec!(103), dec!(1), false, MIN + 2 * MIN / 4),
            done(1, OrderStatus::Filled)
        ]
    );
}

#[test]
fn a_stop_triggers_on_a_touch_of_the_high() {
    let mut v = venue_at_100(cfg());
    let stop = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopMarket,
        dec!(1),
        dec!(103),
        None,
    );
    submit(&mut v, MIN, stop);
    assert!(bar(&mut v, 1, dec!(100), dec!(102.9), dec!(99), dec!(101)).is_empty());
    let ev = bar(&mut v, 2, dec!(101), dec!(103), dec!(100), dec!(102));
    assert_eq!(ev[0], SimEvent::Triggered { order_id: 1 });
    assert_eq!(fills(&ev)[0].price, dec!(103));
}

#[test]
fn a_gap_through_a_stop_fills_at_the_open_not_at_the_stop() {
    let mut v = venue_at_100(cfg());
    v.set_position(dec!(1));
    let stop = SimOrder::conditional(
        1,
        Side::Sell,
        OrderKind::StopMarket,
        dec!(1),
        dec!(95),
        None,
    )
    .reduce_only();
    submit(&mut v, MIN, stop);
    let ev = bar(&mut v, 1, dec!(93), dec!(94), dec!(90), dec!(91));
    assert_eq!(
        ev,
        vec![
            SimEvent::Triggered { order_id: 1 },
            fill(1, Side::Sell, dec!(93), dec!(1), false, MIN),
            done(1, OrderStatus::Filled)
        ]
    );
    assert_eq!(v.position(), dec!(0));
}

#[test]
fn take_profit_market_triggers_in_the_positions_favour() {
    let mut v = venue_at_100(cfg());
    let tp_sell = SimOrder::conditional(
        1,
        Side::Sell,
        OrderKind::TakeProfitMarket,
        dec!(1),
        dec!(110),
        None,
    );
    let tp_buy = SimOrder::conditional(
        2,
        Side::Buy,
        OrderKind::TakeProfitMarket,
        dec!(1),
        dec!(90),
        None,
    );
    submit(&mut v, MIN, tp_sell);
    submit(&mut v, MIN, tp_buy);
    assert!(bar(&mut v, 1, dec!(100), dec!(109.9), dec!(90.1), dec!(100)).is_empty());
    let ev = bar(&mut v, 2, dec!(100), dec!(111), dec!(89), dec!(100));
    let f = fills(&ev);
    assert_eq!(f.len(), 2);
    // Both extremes 11 away: the low comes first.
    assert_eq!((f[0].order_id, f[0].price), (2, dec!(90)));
    assert_eq!((f[1].order_id, f[1].price), (1, dec!(110)));
    // A take-profit whose target is already reached is refused, as on real venues.
    let late = SimOrder::conditional(
        3,
        Side::Sell,
        OrderKind::TakeProfitMarket,
        dec!(1),
        dec!(99),
        None,
    );
    assert_eq!(
        submit(&mut v, 3 * MIN, late),
        vec![SimEvent::Rejected {
            order_id: 3,
            reason: SimReject::WouldTriggerImmediately
        }]
    );
}

#[test]
fn triggered_stop_limit_fills_later_in_the_bar_only_if_the_rest_of_the_path_trades_through() {
    let stop_limit = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopLimit,
        dec!(1),
        dec!(103),
        Some(dec!(102)),
    );
    // High first (4 away against 5): triggers at 103, then the low trades through 102.
    let mut v = venue_at_100(cfg());
    submit(&mut v, MIN, stop_limit);
    let ev = bar(&mut v, 1, dec!(100), dec!(104), dec!(95), dec!(101));
    assert_eq!(
        ev,
        vec![
            SimEvent::Triggered { order_id: 1 },
            fill(1, Side::Buy, dec!(102), dec!(1), true, MIN + 2 * MIN / 4),
            done(1, OrderStatus::Filled)
        ]
    );
    // Low first: triggers at the high, the close never trades back through 102; it keeps
    // working as a limit and fills on a later bar.
    let mut v = venue_at_100(SimConfig {
        path: CandlePath::OpenLowHighClose,
        ..cfg()
    });
    submit(&mut v, MIN, stop_limit);
    let ev = bar(&mut v, 1, dec!(100), dec!(104), dec!(95), dec!(103.5));
    assert_eq!(ev, vec![SimEvent::Triggered { order_id: 1 }]);
    assert!(v.open_orders()[0].triggered);
    let ev = bar(&mut v, 2, dec!(103.5), dec!(104), dec!(101.9), dec!(102.5));
    assert_eq!(fills(&ev)[0].price, dec!(102));
}

#[test]
fn stop_limit_marketable_at_the_trigger_takes_at_the_stop_and_take_profit_limit_rests() {
    let mut v = venue_at_100(cfg());
    v.set_position(dec!(2));
    let stop = SimOrder::conditional(
        1,
        Side::Sell,
        OrderKind::StopLimit,
        dec!(1),
        dec!(95),
        Some(dec!(94)),
    );
    let tp = SimOrder::conditional(
        2,
        Side::Sell,
        OrderKind::TakeProfitLimit,
        dec!(1),
        dec!(110),
        Some(dec!(110)),
    );
    submit(&mut v, MIN, stop);
    submit(&mut v, MIN, tp);
    // High (1 away) first, then the low crosses the stop.
    let ev = bar(&mut v, 1, dec!(100), dec!(101), dec!(94.5), dec!(96));
    assert_eq!(
        fills(&ev),
        fills(&[fill(
            1,
            Side::Sell,
            dec!(95),
            dec!(1),
            false,
            MIN + 2 * MIN / 4
        )])
    );
    // Path 105, 104, 112, 111: triggers at 110 on the way up, rests at 110, the close (111)
    // trades through it.
    let ev = bar(&mut v, 2, dec!(105), dec!(112), dec!(104), dec!(111));
    assert_eq!(
        ev,
        vec![
            SimEvent::Triggered { order_id: 2 },
            fill(
                2,
                Side::Sell,
                dec!(110),
                dec!(1),
                true,
                2 * MIN + 3 * MIN / 4
            ),
            done(2, OrderStatus::Filled)
        ]
    );
    assert_eq!(v.position(), dec!(0));
}

#[test]
fn the_intrabar_path_decides_which_bracket_leg_fills_first() {
    let run = |path: CandlePath| {
        let mut v = venue_at_100(SimConfig { path, ..cfg() });
        v.set_position(dec!(1));
        let stop = SimOrder::conditional(
            1,
            Side::Sell,
            OrderKind::StopMarket,
            dec!(1),
            dec!(95),
            None,
        )
        .reduce_only();
        let target = SimOrder::limit(2, Side::Sell, dec!(1), dec!(105)).reduce_only();
        submit(&mut v, MIN, stop);
        submit(&mut v, MIN, target);
        let ev = bar(&mut v, 1, dec!(100), dec!(106), dec!(94), dec!(100));
        assert_eq!(v.position(), dec!(0));
        assert!(!v.has_orders());
        ev
    };
    let high_first = run(CandlePath::OpenHighLowClose);
    assert_eq!(
        high_first,
        vec![
            fill(2, Side::Sell, dec!(105), dec!(1), true, MIN + MIN / 4),
            done(2, OrderStatus::Filled),
            SimEvent::Triggered { order_id: 1 },
            done(1, OrderStatus::Expired),
        ]
    );
    let low_first = run(CandlePath::OpenLowHighClose);
    assert_eq!(fills(&low_first)[0].order_id, 1);
    assert_eq!(fills(&low_first)[0].price, dec!(95));
    assert_eq!(low_first.last(), Some(&done(2, OrderStatus::Expired)));
}

#[test]
fn partial_fills_are_bounded_by_the_bars_volume() {
    let mut v = venue_at_100(SimConfig {
        volume_share: dec!(0.1),
        ..cfg()
    });
    submit(
        &mut v,
        MIN,
        SimOrder::limit(1, Side::Buy, dec!(5), dec!(99)),
    );
    let ev = bar_v(
        &mut v,
        1,
        [dec!(100), dec!(100), dec!(98), dec!(99)],
        dec!(20),
    );
    assert_eq!(fills(&ev)[0].qty, dec!(2));
    let ev = bar_v(
        &mut v,
        2,
        [dec!(99), dec!(99.5), dec!(98), dec!(99)],
        dec!(10.009),
    );
    assert_eq!(fills(&ev)[0].qty, dec!(1));
    assert_eq!(v.open_orders()[0].filled, dec!(3));
    assert_eq!(v.open_orders()[0].remaining(), dec!(2));
    // Zero volume means "unknown": no bound.
    let ev = bar_v(
        &mut v,
        3,
        [dec!(99), dec!(99.5), dec!(98), dec!(99)],
        dec!(0),
    );
    assert_eq!(fills(&ev)[0].qty, dec!(2));
    assert_eq!(ev.last(), Some(&done(1, OrderStatus::Filled)));
    assert_eq!(v.position(), dec!(5));

    // Two orders on the same side share one bar's budget in time priority; a market order's
    // remainder keeps working.
    let mut v = SimVenue::new(SimConfig {
        volume_share: dec!(0.5),
        ..cfg()
    });
    submit(&mut v, 0, SimOrder::market(1, Side::Buy, dec!(3)));
    submit(&mut v, 0, SimOrder::market(2, Side::Buy, dec!(3)));
    let ev = bar_v(&mut v, 0, [dec!(10), dec!(11), dec!(9), dec!(10)], dec!(4));
    let f = fills(&ev);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].order_id, f[0].qty), (1, dec!(2)));
    let ev = bar_v(
        &mut v,
        1,
        [dec!(10.5), dec!(11), dec!(9), dec!(10)],
        dec!(10),
    );
    let f = fills(&ev);
    assert_eq!(
        (f[0].order_id, f[0].qty, f[0].price),
        (1, dec!(1), dec!(10.5))
    );
    assert_eq!((f[1].order_id, f[1].qty), (2, dec!(3)));
}

#[test]
fn a_candle_without_orders_only_records_the_last_price() {
    let mut v = SimVenue::new(cfg());
    let mut out = Vec::new();
    for i in 0..1000 {
        let p = Decimal::from(100 + i % 7);
        v.on_candle(
            i * MIN,
            MIN,
            p,
            p + dec!(1),
            p - dec!(1),
            p,
            dec!(5),
            &mut out,
        );
    }
    assert!(out.is_empty());
    assert_eq!(v.last_price(), Some(dec!(105)));
}
