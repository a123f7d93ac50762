//! The matching engine's rules, on a hand-made book with exactly computed balances.

use keel_domain::{
    Amount, Balance, BookLevel, Instrument, OrderBook, OrderKind, OrderStatus, Side, SubmitOrder,
};
use keel_exchange::{ExchangeError, RejectReason};
use keel_sim::{Matcher, RestoredOrder};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const MAKER: Decimal = dec!(0.0008);
const TAKER: Decimal = dec!(0.001);

fn instrument() -> Instrument {
    Instrument {
        symbol: "BTC/USDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick_size: dec!(0.1),
        step_size: dec!(0.001),
        min_qty: dec!(0.001),
        max_qty: dec!(1000),
        min_notional: dec!(5),
    }
}

fn level(price: Decimal, qty: Decimal) -> BookLevel {
    BookLevel { price, qty }
}

/// Bids 99 x1, 98 x2, 97 x3; asks 101 x1, 102 x2, 103 x3.
fn book() -> OrderBook {
    OrderBook {
        bids: vec![
            level(dec!(99), dec!(1)),
            level(dec!(98), dec!(2)),
            level(dec!(97), dec!(3)),
        ],
        asks: vec![
            level(dec!(101), dec!(1)),
            level(dec!(102), dec!(2)),
            level(dec!(103), dec!(3)),
        ],
        ts_ms: 0,
    }
}

fn balance(asset: &str, free: Decimal) -> Balance {
    Balance {
        asset: asset.into(),
        free,
        locked: Decimal::ZERO,
    }
}

fn matcher() -> Matcher {
    Matcher::new(
        vec![instrument()],
        MAKER,
        TAKER,
        vec![balance("USDT", dec!(10000)), balance("BTC", dec!(10))],
        1_000,
    )
}

fn order(
    id: &str,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    amount: Amount,
) -> SubmitOrder {
    SubmitOrder {
        client_order_id: id.into(),
        symbol: "BTC/USDT".into(),
        side,
        kind,
        price,
        amount,
        options: Default::default(),
    }
}

fn market(id: &str, side: Side, qty: Decimal) -> SubmitOrder {
    order(id, side, OrderKind::Market, None, Amount::Base(qty))
}

fn limit(id: &str, side: Side, price: Decimal, qty: Decimal) -> SubmitOrder {
    order(id, side, OrderKind::Limit, Some(price), Amount::Base(qty))
}

fn free(m: &Matcher, asset: &str) -> Decimal {
    m.balance(asset).free
}

fn locked(m: &Matcher, asset: &str) -> Decimal {
    m.balance(asset).locked
}

fn reason(err: ExchangeError) -> (RejectReason, String) {
    match err {
        ExchangeError::Rejected { reason, message } => (reason, message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn market_buy_fills_at_the_ask_with_the_taker_fee() {
    let mut m = matcher();
    let mut b = book();
    let ack = m
        .submit(&market("c1", Side::Buy, dec!(0.5)), &mut b, 42)
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    assert_eq!(ack.order.filled_qty, dec!(0.5));
    assert_eq!(ack.order.filled_quote, dec!(50.5));
    assert_eq!(ack.fills.len(), 1);
    let f = &ack.fills[0];
    assert_eq!(
        (f.price, f.qty, f.quote_qty, f.fee),
        (dec!(101), dec!(0.5), dec!(50.5), dec!(0.0505))
    );
    assert_eq!(f.fee_asset, "USDT");
    assert!(!f.is_maker);
    assert_eq!((f.venue.as_str(), f.account_id.as_str()), ("demo", "demo"));
    assert_eq!(f.client_order_id, "c1");
    assert_eq!(f.venue_order_id, ack.order.venue_order_id);
    assert!(f.trade_id.starts_with('D') && f.venue_order_id.starts_with('D'));
    assert_ne!(f.trade_id, f.venue_order_id);
    assert_eq!(f.ts_ms, 42);
    // 10000 - (50.5 + 0.0505)
    assert_eq!(free(&m, "USDT"), dec!(9949.4495));
    assert_eq!(free(&m, "BTC"), dec!(10.5));
    assert_eq!(
        b.asks[0],
        level(dec!(101), dec!(0.5)),
        "the level was consumed"
    );
}

#[test]
fn market_sell_fills_at_the_bid_and_pays_the_fee_from_the_proceeds() {
    let mut m = matcher();
    let ack = m
        .submit(&market("c1", Side::Sell, dec!(0.5)), &mut book(), 0)
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Filled);
    assert_eq!(ack.fills[0].price, dec!(99));
    assert_eq!(ack.fills[0].fee, dec!(0.0495));
    // 10000 + 49.5 - 0.0495
    assert_eq!(free(&m, "USDT"), dec!(10049.4505));
    assert_eq!(free(&m, "BTC"), dec!(9.5));
}

#[test]
fn market_order_walks_several_levels_one_fill_per_level() {
    let mut m = matcher();
    let mut b = book();
    let ack = m
        .submit(&market("c1", Side::Buy, dec!(2.5)), &mut b, 0)
        .unwrap();
    let legs: Vec<(Decimal, Decimal)> = ack.fills.iter().map(|f| (f.price, f.qty)).collect();
    assert_eq!(legs, vec![(dec!(101), dec!(1)), (dec!(102), dec!(1.5))]);
    assert_eq!(ack.order.filled_quote, dec!(254));
    assert_eq!(free(&m, "USDT"), dec!(10000) - dec!(254) * dec!(1.001));
    assert_eq!(
        b.asks,
        vec![level(dec!(102), dec!(0.5)), level(dec!(103), dec!(3))]
    );
    let ids: std::collections::HashSet<&str> =
        ack.fills.iter().map(|f| f.trade_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "trade ids are unique");
}

#[test]
fn market_order_by_quote_amount_never_overspends() {
    for budget in [
        dec!(5),
        dec!(77.77),
        dec!(101.2),
        dec!(250),
        dec!(333.33),
        dec!(450),
        dec!(613.9),
    ] {
        let mut m = matcher();
        let ack = m
            .submit(
                &order(
                    "q",
                    Side::Buy,
                    OrderKind::Market,
                    None,
                    Amount::Quote(budget),
                ),
                &mut book(),
                0,
            )
            .unwrap();
        let spent = dec!(10000) - free(&m, "USDT");
        assert!(spent <= budget, "spent {spent} of {budget}");
        let worst = ack.fills.last().unwrap().price;
        assert!(
            budget - spent < dec!(0.001) * worst * dec!(1.001),
            "within one step of {budget}"
        );
        assert_eq!(ack.order.status, OrderStatus::Filled);
        let fees: Decimal = ack.fills.iter().map(|f| f.fee).sum();
        assert_eq!(spent, ack.order.filled_quote + fees);
    }
    // Selling for a quote amount receives at most that much before the fee.
    let mut m = matcher();
    let ack = m
        .submit(
            &order(
                "s",
                Side::Sell,
                OrderKind::Market,
                None,
                Amount::Quote(dec!(150)),
            ),
            &mut book(),
            0,
        )
        .unwrap();
    assert!(ack.order.filled_quote <= dec!(150) && ack.order.filled_quote > dec!(149.9));
    assert_eq!(ack.fills.len(), 2);
}

#[test]
fn a_market_order_the_book_cannot_fill_expires_with_its_partial_fill() {
    let mut m = matcher();
    let mut b = book();
    let ack = m
        .submit(&market("c1", Side::Buy, dec!(10)), &mut b, 0)
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Expired);
    assert_eq!(ack.order.filled_qty, dec!(6));
    assert_eq!(ack.fills.len(), 3);
    assert!(b.asks.is_empty());
    assert_eq!(free(&m, "BTC"), dec!(16));
    assert_eq!(free(&m, "USDT"), dec!(10000) - dec!(614) * dec!(1.001));
    // With the side empty, a market order finds nothing and expires unfilled.
    let ack = m
        .submit(&market("c2", Side::Buy, dec!(1)), &mut b, 0)
        .unwrap();
    assert_eq!(
        (ack.order.status, ack.fills.len()),
        (OrderStatus::Expired, 0)
    );
    assert_eq!(free(&m, "BTC"), dec!(16));
}

#[test]
fn limit_order_rests_then_fills_partially_then_fully_at_its_price_as_maker() {
    let mut m = matcher();
    let mut b = book();
    let ack = m
        .submit(&limit("l1", Side::Buy, dec!(100), dec!(1)), &mut b, 0)
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::Open);
    assert!(ack.fills.is_empty());
    assert_eq!(
        b,
        book(),
        "a resting order does not touch the synthetic book"
    );
    assert_eq!(locked(&m, "USDT"), dec!(100.08));
    assert_eq!(free(&m, "USDT"), dec!(9899.92));

    assert!(
        m.on_print(0, dec!(100.1), dec!(5), 1).is_empty(),
        "a print above the bid misses it"
    );
    let first = m.on_print(0, dec!(100), dec!(0.4), 2);
    assert_eq!(first.fills.len(), 1);
    let f = &first.fills[0];
    assert_eq!(
        (f.price, f.qty, f.fee, f.is_maker, f.ts_ms),
        (dec!(100), dec!(0.4), dec!(0.032), true, 2)
    );
    assert_eq!(first.orders[0].status, OrderStatus::PartiallyFilled);
    assert_eq!(first.orders[0].filled_qty, dec!(0.4));
    assert_eq!(locked(&m, "USDT"), dec!(60.048));
    assert_eq!(free(&m, "BTC"), dec!(10.4));

    // A print through the price fills the rest at the limit price, bounded by the order.
    let second = m.on_print(0, dec!(99.5), dec!(2), 3);
    assert_eq!(second.fills[0].price, dec!(100));
    assert_eq!(second.fills[0].qty, dec!(0.6));
    assert_eq!(second.orders[0].status, OrderStatus::Filled);
    assert_eq!(locked(&m, "USDT"), dec!(0));
    assert_eq!(free(&m, "USDT"), dec!(10000) - dec!(100) * dec!(1.0008));
    assert_eq!(free(&m, "BTC"), dec!(11));
    assert!(m.open_orders().is_empty());
    assert!(m.on_print(0, dec!(90), dec!(5), 4).is_empty());
}

#[test]
fn resting_orders_fill_when_touched_or_traded_through_never_otherwise() {
    let mut m = matcher();
    let mut b = book();
    m.submit(&limit("s105", Side::Sell, dec!(105), dec!(1)), &mut b, 0)
        .unwrap();
    m.submit(&limit("s106", Side::Sell, dec!(106), dec!(1)), &mut b, 0)
        .unwrap();
    assert_eq!(locked(&m, "BTC"), dec!(2));
    assert!(m.on_print(0, dec!(104.9), dec!(10), 1).is_empty());
    let touch = m.on_print(0, dec!(105), dec!(10), 2);
    assert_eq!(touch.fills.len(), 1);
    assert_eq!(
        (
            touch.fills[0].client_order_id.as_str(),
            touch.fills[0].price
        ),
        ("s105", dec!(105))
    );
    let through = m.on_print(0, dec!(107), dec!(10), 3);
    assert_eq!(
        (
            through.fills[0].client_order_id.as_str(),
            through.fills[0].price
        ),
        ("s106", dec!(106))
    );
    // 105 + 106 received, minus the maker fee.
    assert_eq!(free(&m, "USDT"), dec!(10000) + dec!(211) * dec!(0.9992));
    assert_eq!(
        m.balance("BTC"),
        Balance {
            asset: "BTC".into(),
            free: dec!(8),
            locked: dec!(0)
        }
    );
}

#[test]
fn a_print_is_shared_by_price_then_time_priority() {
    let mut m = matcher();
    let mut b = book();
    m.submit(&limit("early", Side::Buy, dec!(100), dec!(1)), &mut b, 0)
        .unwrap();
    m.submit(&limit("better", Side::Buy, dec!(100.5), dec!(1)), &mut b, 0)
        .unwrap();
    m.submit(&limit("late", Side::Buy, dec!(100), dec!(1)), &mut b, 0)
        .unwrap();
    let ex = m.on_print(0, dec!(99), dec!(1.5), 1);
    let got: Vec<(&str, Decimal)> = ex
        .fills
        .iter()
        .map(|f| (f.client_order_id.as_str(), f.qty))
        .collect();
    assert_eq!(got, vec![("better", dec!(1)), ("early", dec!(0.5))]);
}

#[test]
fn marketable_limit_takes_as_taker_and_rests_the_rest_as_maker() {
    let mut m = matcher();
    let mut b = book();
    let ack = m
        .submit(&limit("l", Side::Buy, dec!(101), dec!(2)), &mut b, 0)
        .unwrap();
    assert_eq!(ack.order.status, OrderStatus::PartiallyFilled);
    assert_eq!(ack.fills.len(), 1);
    assert!(!ack.fills[0].is_maker);
    assert_eq!(ack.fills[0].fee, dec!(0.101), "taker fee 0.1 %");
    assert_eq!(locked(&m, "USDT"), dec!(101.0808));
    let ex = m.on_print(0, dec!(101), dec!(3), 1);
    assert!(ex.fills[0].is_maker);
    assert_eq!(ex.fills[0].fee, dec!(0.0808), "maker fee 0.08 %");
    assert_eq!(ex.orders[0].status, OrderStatus::Filled);
    assert_eq!(
        free(&m, "USDT"),
        dec!(10000) - dec!(101.101) - dec!(101.0808)
    );
    assert_eq!(locked(&m, "USDT"), dec!(0));
}

#[test]
fn insufficient_balance_is_refused_and_changes_nothing() {
    let mut m = matcher();
    let before = m.balances();
    let mut b = book();
    let (r, msg) = reason(
        m.submit(&limit("b", Side::Buy, dec!(100), dec!(100)), &mut b, 0)
            .unwrap_err(),
    );
    assert_eq!(r, RejectReason::InsufficientBalance);
    assert!(
        msg.contains("USDT") && msg.contains("10010") && msg.contains("10000"),
        "{msg}"
    );
    assert!(
        msg.contains("fee"),
        "a buy's need includes the taker fee: {msg}"
    );
    // The fee alone tips it over: 9990.01 * 1.001 > 10000.
    let (r, _) = reason(
        m.submit(
            &limit("b2", Side::Buy, dec!(99.9), dec!(100.001)),
            &mut b,
            0,
        )
        .unwrap_err(),
    );
    assert_eq!(r, RejectReason::InsufficientBalance);
    let (r, msg) = reason(
        m.submit(&market("s", Side::Sell, dec!(10.5)), &mut b, 0)
            .unwrap_err(),
    );
    assert_eq!(r, RejectReason::InsufficientBalance);
    assert!(
        msg.contains("BTC") && msg.contains("10.5") && msg.contains("10 BTC is free"),
        "{msg}"
    );
    let quote = order(
        "q",
        Side::Buy,
        OrderKind::Market,
        None,
        Amount::Quote(dec!(10000.01)),
    );
    assert_eq!(
        reason(m.submit(&quote, &mut b, 0).unwrap_err()).0,
        RejectReason::InsufficientBalance
    );
    assert_eq!(m.balances(), before);
    assert_eq!(b, book());
    assert!(
        m.query("BTC/USDT", "b").is_none(),
        "a refused order is not kept"
    );
}

#[test]
fn filter_violations_are_refused_with_the_limit_named() {
    let mut m = matcher();
    let mut b = book();
    let cases = [
        (limit("a", Side::Buy, dec!(100.05), dec!(1)), "tick size"),
        (limit("b", Side::Buy, dec!(100), dec!(1.0005)), "step size"),
        (
            limit("c", Side::Buy, dec!(100), dec!(0.0001)),
            "below the minimum",
        ),
        (limit("d", Side::Buy, dec!(100), dec!(0.04)), "order value"),
        (
            limit("e", Side::Buy, dec!(100), dec!(2000)),
            "above the maximum",
        ),
        (
            order(
                "f",
                Side::Buy,
                OrderKind::Limit,
                None,
                Amount::Base(dec!(1)),
            ),
            "needs a price",
        ),
        (market("g", Side::Sell, dec!(0.01)), "order value"),
        (
            order(
                "h",
                Side::Buy,
                OrderKind::Market,
                None,
                Amount::Quote(dec!(4.99)),
            ),
            "order value",
        ),
        (
            limit("i", Side::Sell, dec!(-1), dec!(1)),
            "price must be greater than zero",
        ),
        (limit("j", Side::Sell, Decimal::MAX, dec!(100)), "too large"),
    ];
    for (o, expected) in cases {
        let (r, msg) = reason(m.submit(&o, &mut b, 0).unwrap_err());
        assert_eq!(r, RejectReason::FilterViolation, "{}", o.client_order_id);
        assert!(msg.contains(expected), "{}: {msg}", o.client_order_id);
    }
    let (r, _) = reason(
        m.submit(
            &SubmitOrder {
                symbol: "DOGE/USDT".into(),
                ..market("x", Side::Buy, dec!(1))
            },
            &mut b,
            0,
        )
        .unwrap_err(),
    );
    assert_eq!(r, RejectReason::UnknownSymbol);
    assert_eq!(free(&m, "USDT"), dec!(10000));
    assert_eq!(b, book());
}

#[test]
fn cancel_releases_locked_funds_and_terminal_orders_cannot_be_canceled() {
    let mut m = matcher();
    let mut b = book();
    m.submit(&limit("buy", Side::Buy, dec!(95), dec!(2)), &mut b, 0)
        .unwrap();
    m.submit(&limit("sell", Side::Sell, dec!(110), dec!(3)), &mut b, 0)
        .unwrap();
    assert_eq!(locked(&m, "USDT"), dec!(190.152));
    assert_eq!(locked(&m, "BTC"), dec!(3));
    assert_eq!(m.open_orders().len(), 2);
    let canceled = m.cancel("BTC/USDT", "buy", 5).unwrap();
    assert_eq!(
        (canceled.status, canceled.ts_ms),
        (OrderStatus::Canceled, 5)
    );
    assert_eq!(m.balance("USDT"), balance("USDT", dec!(10000)));
    m.cancel("BTC/USDT", "sell", 6).unwrap();
    assert_eq!(m.balance("BTC"), balance("BTC", dec!(10)));
    assert!(m.open_orders().is_empty());
    assert_eq!(
        reason(m.cancel("BTC/USDT", "buy", 7).unwrap_err()).0,
        RejectReason::NotCancelable
    );
    assert_eq!(
        reason(m.cancel("BTC/USDT", "nope", 7).unwrap_err()).0,
        RejectReason::OrderNotFound
    );
    m.submit(&limit("other", Side::Buy, dec!(95), dec!(1)), &mut b, 0)
        .unwrap();
    assert_eq!(
        reason(m.cancel("ETH/USDT", "other", 7).unwrap_err()).0,
        RejectReason::OrderNotFound
    );
    let filled = m
        .submit(&market("m", Side::Buy, dec!(0.1)), &mut b, 0)
        .unwrap();
    assert_eq!(filled.order.status, OrderStatus::Filled);
    assert_eq!(
        reason(m.cancel("BTC/USDT", "m", 7).unwrap_err()).0,
        RejectReason::NotCancelable
    );
    assert_eq!(
        m.query("BTC/USDT", "buy").unwrap().status,
        OrderStatus::Canceled
    );
}

#[test]
fn an_order_crossing_the_accounts_own_resting_order_is_rejected() {
    let mut m = matcher();
    let mut b = book();
    m.submit(&limit("own", Side::Sell, dec!(102.5), dec!(1)), &mut b, 0)
        .unwrap();
    let before = m.balances();
    let (r, msg) = reason(
        m.submit(&limit("x", Side::Buy, dec!(102.5), dec!(1)), &mut b, 0)
            .unwrap_err(),
    );
    assert_eq!(r, RejectReason::SelfTrade);
    assert!(msg.contains("own") && msg.contains("102.5"), "{msg}");
    // A market buy reaching 103 would pass through the own sell at 102.5.
    assert_eq!(
        reason(
            m.submit(&market("y", Side::Buy, dec!(3.5)), &mut b, 0)
                .unwrap_err()
        )
        .0,
        RejectReason::SelfTrade
    );
    assert_eq!(m.balances(), before);
    assert_eq!(b, book());
    // Not crossing: fine.
    assert!(
        m.submit(&market("z", Side::Buy, dec!(2)), &mut b, 0)
            .is_ok()
    );
    assert!(
        m.submit(&limit("w", Side::Buy, dec!(102.4), dec!(0.1)), &mut b, 0)
            .is_ok()
    );
    m.submit(&limit("own_bid", Side::Buy, dec!(95), dec!(1)), &mut b, 0)
        .unwrap();
    assert_eq!(
        reason(
            m.submit(&limit("v", Side::Sell, dec!(95), dec!(1)), &mut b, 0)
                .unwrap_err()
        )
        .0,
        RejectReason::SelfTrade
    );
}

#[test]
fn a_known_client_order_id_is_refused() {
    let mut m = matcher();
    let mut b = book();
    m.submit(&market("same", Side::Buy, dec!(0.1)), &mut b, 0)
        .unwrap();
    let (r, _) = reason(
        m.submit(&limit("same", Side::Buy, dec!(90), dec!(0.1)), &mut b, 0)
            .unwrap_err(),
    );
    assert_eq!(r, RejectReason::DuplicateClientOrderId);
}

#[test]
fn restore_puts_back_balances_and_resting_orders_without_locking_again() {
    let mut original = matcher();
    let mut b = book();
    original
        .submit(&limit("r1", Side::Buy, dec!(100), dec!(1)), &mut b, 0)
        .unwrap();
    original
        .submit(
            &order(
                "r2",
                Side::Sell,
                OrderKind::Limit,
                Some(dec!(120)),
                Amount::Quote(dec!(60)),
            ),
            &mut b,
            0,
        )
        .unwrap();
    original.on_print(0, dec!(100), dec!(0.25), 1);
    let balances = original.balances();
    let open = original.open_orders();
    assert_eq!(open.len(), 2);

    let restored: Vec<RestoredOrder> = [
        (limit("r1", Side::Buy, dec!(100), dec!(1)), &open[0]),
        (
            order(
                "r2",
                Side::Sell,
                OrderKind::Limit,
                Some(dec!(120)),
                Amount::Quote(dec!(60)),
            ),
            &open[1],
        ),
    ]
    .into_iter()
    .map(|(order, u)| RestoredOrder {
        order,
        venue_order_id: u.venue_order_id.clone(),
        filled_qty: u.filled_qty,
        filled_quote: u.filled_quote,
    })
    .collect();
    let mut again = Matcher::new(
        vec![instrument()],
        MAKER,
        TAKER,
        vec![balance("USDT", dec!(1))],
        1_000,
    );
    again.restore(balances.clone(), restored, 1);
    assert_eq!(again.balances(), balances, "balances exactly as given");
    let without_ts = |mut v: Vec<keel_exchange::OrderUpdate>| {
        v.iter_mut().for_each(|u| u.ts_ms = 0);
        v
    };
    let reopened = again.open_orders();
    assert_eq!(without_ts(reopened.clone()), without_ts(open.clone()));
    assert_eq!(reopened[0].status, OrderStatus::PartiallyFilled);

    // The same print fills both the same way.
    let a = original.on_print(0, dec!(99), dec!(5), 2);
    let b2 = again.on_print(0, dec!(99), dec!(5), 2);
    assert_eq!(a.fills.len(), 1);
    assert_eq!(
        (b2.fills[0].qty, b2.fills[0].price),
        (dec!(0.75), dec!(100))
    );
    assert_eq!(b2.orders[0].status, OrderStatus::Filled);
    assert_eq!(again.balances(), original.balances());
    assert_eq!(again.balance("USDT").locked, dec!(0));
    // New ids never collide with restored ones.
    let ack = again
        .submit(&market("n", Side::Buy, dec!(0.1)), &mut book(), 3)
        .unwrap();
    assert!(
        ack.order.venue_order_id != open[0].venue_order_id
            && ack.order.venue_order_id != open[1].venue_order_id
    );
    // Canceling the restored sell releases its base.
    again.cancel("BTC/USDT", "r2", 4).unwrap();
    assert_eq!(again.balance("BTC").locked, dec!(0));
    assert_eq!(
        again.balance("BTC").free,
        dec!(10.25) + dec!(0.75) + dec!(0.1)
    );
}
