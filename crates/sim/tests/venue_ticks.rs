//! The simulated venue's fill model on trade ticks and book snapshots: book walking, queue
//! position, volume-bounded fills, stops on prints, latency.

use keel_sim::venue::{
    Fees, Liquidity, OrderKind, OrderStatus, Side, SimConfig, SimEvent, SimFill, SimOrder,
    SimReject, SimVenue, TimeInForce,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn cfg() -> SimConfig {
    SimConfig {
        fees: Fees {
            maker: dec!(0.0002),
            taker: dec!(0.0005),
        },
        tick_size: dec!(0.5),
        step_size: dec!(0.01),
        ..SimConfig::default()
    }
}

fn trade(v: &mut SimVenue, t: i64, price: Decimal, qty: Decimal, taker: Side) -> Vec<SimEvent> {
    let mut out = Vec::new();
    v.on_trade(t, price, qty, taker, &mut out);
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

/// (order id, price, qty, liquidity) of each fill.
fn summary(events: &[SimEvent]) -> Vec<(u64, Decimal, Decimal, Liquidity)> {
    fills(events)
        .iter()
        .map(|f| (f.order_id, f.price, f.qty, f.liquidity))
        .collect()
}

/// Bids 100 x5, 99.5 x2; asks 101 x1, 101.5 x1, 102 x5.
fn book(v: &mut SimVenue, t: i64) {
    v.on_book(
        t,
        &[(dec!(100), dec!(5)), (dec!(99.5), dec!(2))],
        &[
            (dec!(101), dec!(1)),
            (dec!(101.5), dec!(1)),
            (dec!(102), dec!(5)),
        ],
    );
}

const T: Liquidity = Liquidity::Taker;
const M: Liquidity = Liquidity::Maker;

#[test]
fn market_order_fills_at_the_last_trade_when_no_fresher_book_is_known() {
    let mut v = SimVenue::new(cfg());
    book(&mut v, 5);
    trade(&mut v, 10, dec!(100.5), dec!(0.3), Side::Buy);
    let ev = submit(&mut v, 11, SimOrder::market(1, Side::Buy, dec!(3)));
    assert_eq!(summary(&ev), vec![(1, dec!(100.5), dec!(3), T)]);
    assert_eq!(fills(&ev)[0].fee, dec!(0.150750));
    assert_eq!(fills(&ev)[0].time_ms, 11);
}

#[test]
fn market_order_walks_a_fresher_book_and_consumes_it() {
    let mut v = SimVenue::new(cfg());
    trade(&mut v, 10, dec!(100.5), dec!(0.3), Side::Buy);
    book(&mut v, 12);
    let ev = submit(&mut v, 13, SimOrder::market(1, Side::Buy, dec!(3)));
    assert_eq!(
        summary(&ev),
        vec![
            (1, dec!(101), dec!(1), T),
            (1, dec!(101.5), dec!(1), T),
            (1, dec!(102), dec!(1), T)
        ]
    );
    assert_eq!(
        ev.last(),
        Some(&SimEvent::Done {
            order_id: 1,
            status: OrderStatus::Filled
        })
    );
    // The levels it took are gone from the stored snapshot.
    let ev = submit(&mut v, 14, SimOrder::market(2, Side::Buy, dec!(1)));
    assert_eq!(summary(&ev), vec![(2, dec!(102), dec!(1), T)]);
    // What the book cannot give keeps working (GTC) and fills at the next print.
    let ev = submit(&mut v, 15, SimOrder::market(3, Side::Buy, dec!(4)));
    assert_eq!(summary(&ev), vec![(3, dec!(102), dec!(3), T)]);
    assert_eq!(v.open_orders()[0].remaining(), dec!(1));
    let ev = trade(&mut v, 16, dec!(102.5), dec!(2), Side::Buy);
    assert_eq!(summary(&ev), vec![(3, dec!(102.5), dec!(1), T)]);
    assert_eq!(v.position(), dec!(8));
}

#[test]
fn marketable_limit_walks_the_book_up_to_its_price_and_rests_the_rest() {
    let mut v = SimVenue::new(cfg());
    book(&mut v, 1);
    let ev = submit(
        &mut v,
        2,
        SimOrder::limit(1, Side::Buy, dec!(3), dec!(101.5)),
    );
    assert_eq!(
        summary(&ev),
        vec![(1, dec!(101), dec!(1), T), (1, dec!(101.5), dec!(1), T)]
    );
    let rest = v.open_orders()[0];
    assert_eq!((rest.remaining(), rest.queue_ahead), (dec!(1), dec!(0)));
    // A sell print below the limit trades through it: maker fill at the limit.
    let ev = trade(&mut v, 3, dec!(101), dec!(5), Side::Sell);
    assert_eq!(summary(&ev), vec![(1, dec!(101.5), dec!(1), M)]);
}

#[test]
fn post_only_against_a_book_is_refused_when_it_reaches_the_best_ask() {
    let mut v = SimVenue::new(cfg());
    book(&mut v, 1);
    let mut maker = SimOrder::limit(1, Side::Buy, dec!(1), dec!(101));
    maker.kind = OrderKind::LimitMaker;
    assert_eq!(
        submit(&mut v, 2, maker),
        vec![SimEvent::Rejected {
            order_id: 1,
            reason: SimReject::PostOnlyWouldTake
        }]
    );
    maker.price = Some(dec!(100.5));
    assert_eq!(
        submit(&mut v, 2, maker),
        vec![SimEvent::Accepted { order_id: 1 }]
    );
}

#[test]
fn prints_at_the_limit_fill_only_after_the_queue_ahead() {
    let mut v = SimVenue::new(cfg());
    book(&mut v, 1);
    submit(&mut v, 2, SimOrder::limit(1, Side::Buy, dec!(2), dec!(100)));
    assert_eq!(v.open_orders()[0].queue_ahead, dec!(5));
    // Buyers lifting at 100 do not trade against bids.
    assert!(trade(&mut v, 3, dec!(100), dec!(9), Side::Buy).is_empty());
    assert_eq!(v.open_orders()[0].queue_ahead, dec!(5));
    assert!(trade(&mut v, 4, dec!(100), dec!(3), Side::Sell).is_empty());
    assert_eq!(v.open_orders()[0].queue_ahead, dec!(2));
    let ev = trade(&mut v, 5, dec!(100), dec!(3), Side::Sell);
    assert_eq!(summary(&ev), vec![(1, dec!(100), dec!(1), M)]);
    let ev = trade(&mut v, 6, dec!(100), dec!(4), Side::Sell);
    assert_eq!(summary(&ev), vec![(1, dec!(100), dec!(1), M)]);
    assert!(!v.has_orders());

    // Without a book the order is at the front of the queue.
    let mut v = SimVenue::new(cfg());
    trade(&mut v, 1, dec!(100.5), dec!(1), Side::Buy);
    submit(&mut v, 2, SimOrder::limit(1, Side::Buy, dec!(2), dec!(100)));
    assert_eq!(v.open_orders()[0].queue_ahead, dec!(0));
    let ev = trade(&mut v, 3, dec!(100), dec!(0.5), Side::Sell);
    assert_eq!(summary(&ev), vec![(1, dec!(100), dec!(0.5), M)]);
}

#[test]
fn fills_are_bounded_by_the_share_of_each_prints_volume() {
    let mut v = SimVenue::new(SimConfig {
        volume_share: dec!(0.5),
        ..cfg()
    });
    trade(&mut v, 1, dec!(100.5), dec!(1), Side::Buy);
    submit(
        &mut v,
        2,
        SimOrder::limit(1, Side::Sell, dec!(2), dec!(101)),
    );
    let ev = trade(&mut v, 3, dec!(101.5), dec!(1.5), Side::Buy);
    assert_eq!(summary(&ev), vec![(1, dec!(101), dec!(0.75), M)]);
    let ev = trade(&mut v, 4, dec!(102), dec!(0.015), Side::Buy);
    // Half of 0.015 is 0.0075: below one step, nothing fills.
    assert!(ev.is_empty());
    let ev = trade(&mut v, 5, dec!(102), dec!(10), Side::Buy);
    assert_eq!(summary(&ev), vec![(1, dec!(101), dec!(1.25), M)]);
    assert_eq!(v.position(), dec!(-2));
}

#[test]
fn stop_market_on_ticks_fills_at_the_triggering_print() {
    let mut v = SimVenue::new(cfg());
    trade(&mut v, 1, dec!(100), dec!(1), Side::Buy);
    let stop = SimOrder::conditional(
        1,
        Side::Buy,
        OrderKind::StopMarket,
        dec!(1),
        dec!(101),
        None,
    );
    submit(&mut v, 2, stop);
    assert!(trade(&mut v, 3, dec!(100.5), dec!(1), Side::Buy).is_empty());
    let ev = trade(&mut v, 4, dec!(101.5), dec!(1), Side::Buy);
    assert_eq!(ev[0], SimEvent::Triggered { order_id: 1 });
    assert_eq!(summary(&ev), vec![(1, dec!(101.5), dec!(1), T)]);
}

#[test]
fn stop_limit_and_take_profit_on_ticks() {
    let mut v = SimVenue::new(cfg());
    trade(&mut v, 1, dec!(100), dec!(1), Side::Buy);
    v.set_position(dec!(2));
    let stop_limit = SimOrder::conditional(
        1,
        Side::Sell,
        OrderKind::StopLimit,
        dec!(1),
        dec!(99),
        Some(dec!(99.5)),
    );
    let take_profit = SimOrder::conditional(
        2,
        Side::Sell,
        OrderKind::TakeProfitMarket,
        dec!(1),
        dec!(103),
        None,
    );
    submit(&mut v, 2, stop_limit);
    submit(&mut v, 2, take_profit);
    // The stop triggers at 98.5; a sell limit at 99.5 is not marketable there and rests.
    let ev = trade(&mut v, 3, dec!(98.5), dec!(2), Side::Sell);
    assert_eq!(ev, vec![SimEvent::Triggered { order_id: 1 }]);
    let ev = trade(&mut v, 4, dec!(100), dec!(2), Side::Buy);
    assert_eq!(summary(&ev), vec![(1, dec!(99.5), dec!(1), M)]);
    let ev = trade(&mut v, 5, dec!(103), dec!(2), Side::Buy);
    assert_eq!(summary(&ev), vec![(2, dec!(103), dec!(1), T)]);
    assert_eq!(v.position(), dec!(0));
}

#[test]
fn latency_fills_at_the_first_print_after_arrival() {
    let mut v = SimVenue::new(SimConfig {
        latency_ms: 100,
        ..cfg()
    });
    trade(&mut v, 1_000, dec!(100), dec!(1), Side::Buy);
    assert!(submit(&mut v, 1_000, SimOrder::market(1, Side::Sell, dec!(1))).is_empty());
    assert!(trade(&mut v, 1_050, dec!(99.5), dec!(1), Side::Sell).is_empty());
    let ev = trade(&mut v, 1_100, dec!(99), dec!(1), Side::Sell);
    assert_eq!(ev[0], SimEvent::Accepted { order_id: 1 });
    assert_eq!(summary(&ev), vec![(1, dec!(99), dec!(1), T)]);
    assert_eq!(fills(&ev)[0].time_ms, 1_100);

    // A FOK arriving at a print too small for it is refused with nothing filled.
    let fok = SimOrder::market(2, Side::Buy, dec!(5)).with_tif(TimeInForce::Fok);
    assert!(submit(&mut v, 2_000, fok).is_empty());
    let ev = trade(&mut v, 2_200, dec!(99), dec!(1), Side::Sell);
    assert_eq!(
        ev,
        vec![SimEvent::Rejected {
            order_id: 2,
            reason: SimReject::FokNotFillable
        }]
    );
}
