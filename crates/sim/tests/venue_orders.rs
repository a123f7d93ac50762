//! The simulated venue's order handling: time in force, reduce-only, amend, cancel, slippage,
//! self-trade prevention, validation and determinism.

use keel_sim::venue::{
    Fees, Liquidity, OrderKind, OrderStatus, Side, SimConfig, SimEvent, SimFill, SimOrder,
    SimReject, SimVenue, Slippage, TimeInForce,
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
        tick_size: dec!(0.01),
        step_size: dec!(0.001),
        ..SimConfig::default()
    }
}

fn venue(cfg: SimConfig, last: Decimal) -> SimVenue {
    let mut v = SimVenue::new(cfg);
    let mut out = Vec::new();
    v.on_candle(0, MIN, last, last, last, last, dec!(1000), &mut out);
    assert!(out.is_empty());
    v
}

fn bar(v: &mut SimVenue, i: i64, o: Decimal, h: Decimal, l: Decimal, c: Decimal) -> Vec<SimEvent> {
    let mut out = Vec::new();
    v.on_candle(i * MIN, MIN, o, h, l, c, dec!(1000), &mut out);
    out
}

fn submit(v: &mut SimVenue, order: SimOrder) -> Vec<SimEvent> {
    let mut out = Vec::new();
    v.submit(MIN, order, &mut out);
    out
}

fn amend(v: &mut SimVenue, id: u64, price: Option<Decimal>, qty: Option<Decimal>) -> Vec<SimEvent> {
    let mut out = Vec::new();
    v.amend(MIN, id, price, qty, &mut out);
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

fn rejected(id: u64, reason: SimReject) -> Vec<SimEvent> {
    vec![SimEvent::Rejected {
        order_id: id,
        reason,
    }]
}

fn done(id: u64, status: OrderStatus) -> SimEvent {
    SimEvent::Done {
        order_id: id,
        status,
    }
}

fn book(v: &mut SimVenue) {
    v.on_book(
        MIN,
        &[(dec!(99.9), dec!(2))],
        &[(dec!(100.1), dec!(1)), (dec!(100.2), dec!(1))],
    );
}

#[test]
fn ioc_fills_what_it_can_and_expires_the_rest() {
    let mut v = venue(cfg(), dec!(100));
    book(&mut v);
    let ioc = SimOrder::limit(1, Side::Buy, dec!(3), dec!(100.1)).with_tif(TimeInForce::Ioc);
    let ev = submit(&mut v, ioc);
    assert_eq!(ev[0], SimEvent::Accepted { order_id: 1 });
    assert_eq!(fills(&ev).len(), 1);
    assert_eq!(
        (fills(&ev)[0].price, fills(&ev)[0].qty),
        (dec!(100.1), dec!(1))
    );
    assert_eq!(ev.last(), Some(&done(1, OrderStatus::Expired)));
    assert!(!v.has_orders());
    // Not marketable at all: acknowledged, then expired with nothing filled.
    let ioc = SimOrder::limit(2, Side::Buy, dec!(1), dec!(99)).with_tif(TimeInForce::Ioc);
    assert_eq!(
        submit(&mut v, ioc),
        vec![
            SimEvent::Accepted { order_id: 2 },
            done(2, OrderStatus::Expired)
        ]
    );
}

#[test]
fn fok_fills_whole_or_is_rejected_with_nothing_filled() {
    let mut v = venue(cfg(), dec!(100));
    book(&mut v);
    let fok = SimOrder::market(1, Side::Buy, dec!(3)).with_tif(TimeInForce::Fok);
    assert_eq!(submit(&mut v, fok), rejected(1, SimReject::FokNotFillable));
    assert_eq!(v.position(), dec!(0));
    let fok = SimOrder::market(2, Side::Buy, dec!(2)).with_tif(TimeInForce::Fok);
    let ev = submit(&mut v, fok);
    assert_eq!(fills(&ev).len(), 2);
    assert_eq!(ev.last(), Some(&done(2, OrderStatus::Filled)));
    assert_eq!(v.position(), dec!(2));
    // A non-marketable FOK limit is rejected too.
    let fok = SimOrder::limit(3, Side::Sell, dec!(1), dec!(150)).with_tif(TimeInForce::Fok);
    assert_eq!(submit(&mut v, fok), rejected(3, SimReject::FokNotFillable));
}

#[test]
fn reduce_only_is_rejected_when_it_would_increase_and_clamped_to_the_position() {
    let mut v = venue(cfg(), dec!(100));
    let ro = SimOrder::market(1, Side::Sell, dec!(1)).reduce_only();
    assert_eq!(
        submit(&mut v, ro),
        rejected(1, SimReject::ReduceOnlyWouldIncrease)
    );
    submit(&mut v, SimOrder::market(2, Side::Buy, dec!(1.5)));
    let ro_buy = SimOrder::market(3, Side::Buy, dec!(1)).reduce_only();
    assert_eq!(
        submit(&mut v, ro_buy),
        rejected(3, SimReject::ReduceOnlyWouldIncrease)
    );
    let ev = submit(
        &mut v,
        SimOrder::market(4, Side::Sell, dec!(3)).reduce_only(),
    );
    assert_eq!(fills(&ev)[0].qty, dec!(1.5));
    assert_eq!(ev.last(), Some(&done(4, OrderStatus::Expired)));
    assert_eq!(v.position(), dec!(0));

    // A resting reduce-only order whose position went away expires instead of filling.
    submit(&mut v, SimOrder::market(5, Side::Buy, dec!(1)));
    submit(
        &mut v,
        SimOrder::limit(6, Side::Sell, dec!(1), dec!(110)).reduce_only(),
    );
    submit(&mut v, SimOrder::market(7, Side::Sell, dec!(1)));
    let ev = bar(&mut v, 1, dec!(100), dec!(111), dec!(99), dec!(105));
    assert_eq!(ev, vec![done(6, OrderStatus::Expired)]);
    assert_eq!(v.position(), dec!(0));
}

#[test]
fn amend_keeps_the_id_loses_the_queue_and_may_take() {
    let mut v = venue(cfg(), dec!(100));
    submit(&mut v, SimOrder::limit(1, Side::Buy, dec!(2), dec!(98)));
    submit(&mut v, SimOrder::limit(2, Side::Buy, dec!(2), dec!(97)));
    assert_eq!(
        amend(&mut v, 1, Some(dec!(98.5)), Some(dec!(3))),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
    let ids: Vec<u64> = v.open_orders().iter().map(|o| o.order.id).collect();
    assert_eq!(
        ids,
        vec![2, 1],
        "the amended order went to the back of the queue"
    );
    let o = v.order(1).copied();
    assert_eq!(
        o.map(|o| (o.order.price, o.order.qty)),
        Some((Some(dec!(98.5)), dec!(3)))
    );

    assert_eq!(
        amend(&mut v, 1, None, Some(dec!(0))),
        rejected(1, SimReject::InvalidQty)
    );
    assert_eq!(
        amend(&mut v, 9, Some(dec!(1)), None),
        rejected(9, SimReject::UnknownOrder)
    );

    // Amended through the market: takes at once at the last price.
    let ev = amend(&mut v, 2, Some(dec!(101)), None);
    assert_eq!(ev[0], SimEvent::Accepted { order_id: 2 });
    assert_eq!(fills(&ev)[0].price, dec!(100));
    assert_eq!(fills(&ev)[0].liquidity, Liquidity::Taker);
    assert_eq!(ev.last(), Some(&done(2, OrderStatus::Filled)));

    // A post-only amend that would take is refused and changes nothing.
    let mut maker = SimOrder::limit(3, Side::Sell, dec!(1), dec!(105));
    maker.kind = OrderKind::LimitMaker;
    submit(&mut v, maker);
    assert_eq!(
        amend(&mut v, 3, Some(dec!(99)), None),
        rejected(3, SimReject::PostOnlyWouldTake)
    );
    assert_eq!(v.order(3).and_then(|o| o.order.price), Some(dec!(105)));

    // Filled orders are gone.
    let ev = bar(&mut v, 1, dec!(100), dec!(100), dec!(98.4), dec!(99));
    assert_eq!(fills(&ev)[0].qty, dec!(3));
    assert_eq!(
        amend(&mut v, 1, None, Some(dec!(5))),
        rejected(1, SimReject::UnknownOrder)
    );

    // Partially filled: the new total must stay above the filled quantity.
    let mut v = venue(
        SimConfig {
            volume_share: dec!(0.001),
            ..cfg()
        },
        dec!(100),
    );
    submit(&mut v, SimOrder::limit(1, Side::Buy, dec!(3), dec!(98)));
    let ev = bar(&mut v, 1, dec!(99), dec!(99), dec!(97), dec!(98.5));
    assert_eq!(fills(&ev)[0].qty, dec!(1));
    assert_eq!(
        amend(&mut v, 1, None, Some(dec!(1))),
        rejected(1, SimReject::InvalidQty)
    );
    assert_eq!(
        amend(&mut v, 1, None, Some(dec!(2))),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
    assert_eq!(v.order(1).map(|o| o.remaining()), Some(dec!(1)));
}

#[test]
fn amend_stop_trails_and_market_prices_are_not_amendable() {
    let mut v = venue(cfg(), dec!(100));
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
    submit(&mut v, stop);
    let mut out = Vec::new();
    v.amend_stop(MIN, 1, dec!(97), &mut out);
    assert_eq!(out, vec![SimEvent::Accepted { order_id: 1 }]);
    out.clear();
    v.amend_stop(MIN, 1, dec!(100.5), &mut out);
    assert_eq!(out, rejected(1, SimReject::WouldTriggerImmediately));
    assert_eq!(v.order(1).and_then(|o| o.order.stop_price), Some(dec!(97)));
    let ev = bar(&mut v, 1, dec!(100), dec!(101), dec!(96), dec!(98));
    assert_eq!(fills(&ev)[0].price, dec!(97));

    let mut v = SimVenue::new(cfg());
    submit(&mut v, SimOrder::market(2, Side::Buy, dec!(1)));
    assert_eq!(
        amend(&mut v, 2, Some(dec!(5)), None),
        rejected(2, SimReject::NotAmendable)
    );
}

#[test]
fn cancel_ends_working_and_in_flight_orders() {
    let mut v = venue(cfg(), dec!(100));
    submit(&mut v, SimOrder::limit(1, Side::Buy, dec!(1), dec!(90)));
    let mut out = Vec::new();
    v.cancel(MIN, 1, &mut out);
    assert_eq!(out, vec![done(1, OrderStatus::Canceled)]);
    out.clear();
    v.cancel(MIN, 1, &mut out);
    assert_eq!(out, rejected(1, SimReject::UnknownOrder));
    assert!(bar(&mut v, 1, dec!(100), dec!(100), dec!(80), dec!(85)).is_empty());

    let mut v = venue(
        SimConfig {
            latency_ms: 10,
            ..cfg()
        },
        dec!(100),
    );
    assert!(submit(&mut v, SimOrder::market(2, Side::Buy, dec!(1))).is_empty());
    out.clear();
    v.cancel(MIN + 5, 2, &mut out);
    assert_eq!(out, vec![done(2, OrderStatus::Canceled)]);
    assert!(bar(&mut v, 1, dec!(100), dec!(101), dec!(99), dec!(100)).is_empty());
    assert_eq!(v.position(), dec!(0));
}

#[test]
fn slippage_moves_taker_prices_against_the_trader_onto_the_tick_grid() {
    let mut v = venue(
        SimConfig {
            slippage: Slippage::Bps(dec!(1)),
            ..cfg()
        },
        dec!(123.45),
    );
    let ev = submit(&mut v, SimOrder::market(1, Side::Buy, dec!(1)));
    // 123.45 * 1.0001 = 123.462345 -> up to 123.47.
    assert_eq!(fills(&ev)[0].price, dec!(123.47));
    let ev = submit(&mut v, SimOrder::market(2, Side::Sell, dec!(1)));
    assert_eq!(fills(&ev)[0].price, dec!(123.43));
    // Never beyond a limit; maker fills have none.
    let ev = submit(&mut v, SimOrder::limit(3, Side::Buy, dec!(1), dec!(123.46)));
    assert_eq!(fills(&ev)[0].price, dec!(123.46));
    submit(&mut v, SimOrder::limit(4, Side::Buy, dec!(1), dec!(120)));
    let ev = bar(&mut v, 1, dec!(123), dec!(123), dec!(119), dec!(121));
    assert_eq!(fills(&ev)[0].price, dec!(120));

    let mut v = venue(
        SimConfig {
            slippage: Slippage::Ticks(3),
            ..cfg()
        },
        dec!(50),
    );
    let ev = submit(&mut v, SimOrder::market(1, Side::Sell, dec!(0.0019)));
    assert_eq!(
        (fills(&ev)[0].price, fills(&ev)[0].qty),
        (dec!(49.97), dec!(0.001))
    );
}

#[test]
fn self_trade_prevention_expires_the_taker() {
    let mut v = venue(cfg(), dec!(100));
    book(&mut v);
    let mut resting = SimOrder::limit(1, Side::Sell, dec!(1), dec!(100.15));
    resting.kind = OrderKind::LimitMaker;
    assert_eq!(
        submit(&mut v, resting),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
    // A buy that would sweep up to 100.2 reaches the own sell at 100.15.
    let ev = submit(&mut v, SimOrder::market(2, Side::Buy, dec!(2)));
    assert_eq!(ev, rejected(2, SimReject::SelfTrade));
    // One that only needs the 100.1 level does not.
    let ev = submit(&mut v, SimOrder::market(3, Side::Buy, dec!(1)));
    assert_eq!(fills(&ev)[0].price, dec!(100.1));
    assert!(v.order(1).is_some(), "the resting order stays");

    // An acknowledged stop that triggers into an own resting order expires.
    let mut v = venue(cfg(), dec!(100));
    let stop = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopMarket,
        dec!(1),
        dec!(103),
        None,
    );
    submit(&mut v, stop);
    submit(&mut v, SimOrder::limit(2, Side::Sell, dec!(1), dec!(102.5)));
    let ev = bar(&mut v, 1, dec!(100), dec!(104), dec!(99.8), dec!(101));
    assert_eq!(
        ev,
        vec![
            SimEvent::Triggered { order_id: 1 },
            done(1, OrderStatus::Expired),
            SimEvent::Fill(SimFill {
                order_id: 2,
                side: Side::Sell,
                price: dec!(102.5),
                qty: dec!(1),
                fee: dec!(0.1025),
                liquidity: Liquidity::Maker,
                time_ms: MIN + 2 * MIN / 4,
            }),
            done(2, OrderStatus::Filled),
        ]
    );
}

#[test]
fn orders_are_validated_and_put_on_the_grids() {
    let mut v = venue(cfg(), dec!(100));
    let mut o = SimOrder::limit(1, Side::Buy, dec!(1), dec!(99));
    o.price = None;
    assert_eq!(submit(&mut v, o), rejected(1, SimReject::MissingPrice));
    let mut s = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopLimit,
        dec!(1),
        dec!(1),
        Some(dec!(101)),
    );
    s.stop_price = None;
    assert_eq!(submit(&mut v, s), rejected(1, SimReject::MissingStopPrice));
    assert_eq!(
        submit(&mut v, SimOrder::market(1, Side::Buy, dec!(0.0004))),
        rejected(1, SimReject::InvalidQty)
    );
    assert_eq!(
        submit(&mut v, SimOrder::limit(1, Side::Buy, dec!(1), dec!(-1))),
        rejected(1, SimReject::InvalidPrice)
    );
    let mut maker = SimOrder::limit(1, Side::Buy, dec!(1), dec!(99)).with_tif(TimeInForce::Ioc);
    maker.kind = OrderKind::LimitMaker;
    assert_eq!(
        submit(&mut v, maker),
        rejected(1, SimReject::InvalidTimeInForce)
    );
    // Off-grid limit prices round in the trader's favour, quantities down.
    submit(
        &mut v,
        SimOrder::limit(1, Side::Buy, dec!(1.23456), dec!(99.999)),
    );
    submit(
        &mut v,
        SimOrder::limit(2, Side::Sell, dec!(1), dec!(100.001)),
    );
    assert_eq!(
        submit(&mut v, SimOrder::limit(2, Side::Sell, dec!(1), dec!(101))),
        rejected(2, SimReject::DuplicateId)
    );
    let o = v.open_orders();
    assert_eq!(
        (o[0].order.price, o[0].order.qty),
        (Some(dec!(99.99)), dec!(1.234))
    );
    assert_eq!(o[1].order.price, Some(dec!(100.01)));
    assert!(!SimReject::SelfTrade.to_string().is_empty());
    assert!(
        SimReject::FokNotFillable
            .to_string()
            .contains("fill-or-kill")
    );
}

/// A small deterministic pseudo-random scenario: candles from an LCG walk and a mix of orders.
fn scenario() -> (Vec<String>, Decimal) {
    let mut v = SimVenue::new(SimConfig {
        slippage: Slippage::Bps(dec!(2)),
        volume_share: dec!(0.3),
        latency_ms: 7_000,
        ..cfg()
    });
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as i64
    };
    let mut price = dec!(100);
    let mut out = Vec::new();
    for i in 0..2_000i64 {
        let open = price;
        let close = open + Decimal::new(next() % 101 - 50, 2);
        let high = open.max(close) + Decimal::new(next() % 40, 2);
        let low = open.min(close) - Decimal::new(next() % 40, 2);
        let vol = Decimal::new(next() % 500, 2);
        v.on_candle(i * MIN, MIN, open, high, low, close, vol, &mut out);
        price = close;
        let id = i as u64;
        let side = if next() % 2 == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let qty = Decimal::new(next() % 300 + 1, 3);
        let off = Decimal::new(next() % 200, 2);
        let now = (i + 1) * MIN;
        let order = match next() % 6 {
            0 => SimOrder::market(id, side, qty),
            1 => SimOrder::limit(
                id,
                side,
                qty,
                if side == Side::Buy {
                    close - off
                } else {
                    close + off
                },
            ),
            2 => SimOrder::conditional(
                id,
                side,
                OrderKind::StopMarket,
                qty,
                if side == Side::Buy {
                    close + off + dec!(0.01)
                } else {
                    close - off - dec!(0.01)
                },
                None,
            ),
            3 => SimOrder::market(id, side, qty)
                .with_tif(TimeInForce::Ioc)
                .reduce_only(),
            4 => {
                if let Some(o) = v.open_orders().first().copied() {
                    v.cancel(now, o.order.id, &mut out);
                }
                continue;
            }
            _ => {
                if let Some(o) = v.open_orders().last().copied() {
                    v.amend(
                        now,
                        o.order.id,
                        None,
                        Some(o.order.qty + dec!(0.01)),
                        &mut out,
                    );
                }
                continue;
            }
        };
        v.submit(now, order, &mut out);
    }
    (out.iter().map(|e| format!("{e:?}")).collect(), v.position())
}

#[test]
fn the_same_inputs_give_the_same_events() {
    let (a, pos_a) = scenario();
    let (b, pos_b) = scenario();
    assert_eq!(a, b);
    assert_eq!(pos_a, pos_b);
    let fills = a.iter().filter(|e| e.starts_with("Fill")).count();
    assert!(fills > 100, "the scenario exercises fills: {fills}");
    assert!(a.iter().any(|e| e.contains("Triggered")));
    assert!(a.iter().any(|e| e.contains("Canceled")));
}
