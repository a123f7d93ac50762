//! Orders matched per second on one core.
//!
//! `cargo bench -p keel-sim --bench matching` (optionally `-- 200000` for a shorter run).
//! Each scenario runs a short warm-up, then N orders, and prints orders/s and ns/order:
//! - market: alternating market buys and sells walking the synthetic book (book refreshed every
//!   100 orders, as the market generator would);
//! - limit place+match: a resting limit buy, then the print that fills it;
//! - limit place+cancel: a resting limit sell, then its cancel;
//! - DemoExchange market: the full venue path (state lock, book, tape, candle, events).
//!
//! Every order builds its client id with `format!`, as a real caller would.

use keel_domain::{
    Amount, Balance, BookLevel, Instrument, OrderBook, OrderKind, Side, SubmitOrder,
};
use keel_exchange::Trading;
use keel_sim::{DemoConfig, DemoExchange, Matcher};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Instant;

const WARM_UP: usize = 50_000;

fn instrument() -> Instrument {
    Instrument {
        symbol: "BTC/USDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        tick_size: Decimal::new(1, 2),
        step_size: Decimal::new(1, 5),
        min_qty: Decimal::new(1, 5),
        max_qty: Decimal::from(9_000),
        min_notional: Decimal::from(5),
    }
}

/// 20 levels a side around 65,000, 2.60 apart, sizes growing with distance.
fn book() -> OrderBook {
    let level = |cents: i64, i: i64| BookLevel {
        price: Decimal::new(cents, 2),
        qty: Decimal::new(5_000 + 2_500 * i, 5),
    };
    OrderBook {
        bids: (0..20).map(|i| level(6_499_998 - 260 * i, i)).collect(),
        asks: (0..20).map(|i| level(6_500_002 + 260 * i, i)).collect(),
        ts_ms: 0,
    }
}

fn matcher() -> Matcher {
    let rich = |asset: &str, free: i64| Balance {
        asset: asset.into(),
        free: Decimal::from(free),
        locked: Decimal::ZERO,
    };
    Matcher::new(
        vec![instrument()],
        Decimal::new(8, 4),
        Decimal::new(1, 3),
        vec![rich("USDT", 1_000_000_000_000), rich("BTC", 1_000_000_000)],
        1,
    )
}

fn order(
    id: String,
    side: Side,
    kind: OrderKind,
    price: Option<Decimal>,
    qty: Decimal,
) -> SubmitOrder {
    SubmitOrder {
        client_order_id: id,
        symbol: "BTC/USDT".into(),
        side,
        kind,
        price,
        amount: Amount::Base(qty),
        options: Default::default(),
    }
}

/// Runs `run(first_index, count)` (which returns the number of fills) for a warm-up, then
/// measures `n` orders.
fn report(name: &str, n: usize, mut run: impl FnMut(usize, usize) -> usize) {
    run(0, WARM_UP.min(n));
    let start = Instant::now();
    let fills = run(WARM_UP, n);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<26} {n:>9} orders in {secs:>6.3} s: {:>10.0} orders/s, {:>6.0} ns/order, {:.2} fills/order",
        n as f64 / secs,
        secs * 1e9 / n as f64,
        fills as f64 / n as f64
    );
}

fn market_orders(n: usize) {
    let mut m = matcher();
    let template = book();
    let mut b = template.clone();
    let qty = Decimal::new(3_000, 5); // 0.03 BTC: usually one level, sometimes two
    report("market (walks the book)", n, |from, count| {
        let mut fills = 0;
        for i in from..from + count {
            if i % 100 == 0 {
                b.clone_from(&template);
            }
            let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
            let req = order(format!("m{i}"), side, OrderKind::Market, None, qty);
            let ack = m.submit(&req, &mut b, 0);
            fills += black_box(ack).map_or(0, |a| a.fills.len());
        }
        fills
    });
}

fn limit_place_and_match(n: usize) {
    let mut m = matcher();
    let mut b = book();
    let price = Decimal::new(6_499_000, 2);
    let qty = Decimal::new(1_000, 5);
    report("limit place+match", n, |from, count| {
        let mut fills = 0;
        for i in from..from + count {
            let req = order(
                format!("l{i}"),
                Side::Buy,
                OrderKind::Limit,
                Some(price),
                qty,
            );
            black_box(m.submit(&req, &mut b, 0)).ok();
            fills += black_box(m.on_print(0, price, qty, 1)).fills.len();
        }
        fills
    });
}

fn limit_place_and_cancel(n: usize) {
    let mut m = matcher();
    let mut b = book();
    let price = Decimal::new(6_501_000, 2);
    let qty = Decimal::new(1_000, 5);
    report("limit place+cancel", n, |from, count| {
        let mut canceled = 0;
        for i in from..from + count {
            let req = order(
                format!("c{i}"),
                Side::Sell,
                OrderKind::Limit,
                Some(price),
                qty,
            );
            black_box(m.submit(&req, &mut b, 0)).ok();
            canceled +=
                usize::from(black_box(m.cancel("BTC/USDT", &req.client_order_id, 1)).is_ok());
        }
        assert_eq!(canceled, count, "every order rested and was canceled");
        0
    });
}

fn exchange_market_orders(n: usize) {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            println!("DemoExchange bench skipped: {e}");
            return;
        }
    };
    let mut config = DemoConfig::standard(1, 1_767_225_600_000);
    for b in &mut config.balances {
        b.free = Decimal::from(1_000_000_000_000i64);
    }
    let start = config.start_ms;
    let demo = DemoExchange::new(config);
    let qty = Decimal::new(100, 5);
    report("DemoExchange market", n, |from, count| {
        runtime.block_on(async {
            let mut fills = 0;
            for i in from..from + count {
                if i % 100 == 0 {
                    // 100 orders per 100 ms tick: the market moves and the book is rebuilt.
                    demo.advance_to(start + i as i64);
                }
                let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
                let req = order(format!("x{i}"), side, OrderKind::Market, None, qty);
                fills += black_box(demo.submit_order(&req).await).map_or(0, |a| a.fills.len());
            }
            fills
        })
    });
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number sets the order count.
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(1_000_000);
    println!(
        "keel-sim matching benchmark, one thread, {n} orders per scenario (+{WARM_UP} warm-up)"
    );
    market_orders(n);
    limit_place_and_match(n);
    limit_place_and_cancel(n);
    exchange_market_orders(n);
}
