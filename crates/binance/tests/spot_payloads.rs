//! Every Binance spot payload in `tests/fixtures/binance_spot` (copied from the public docs,
//! each keeping its `source`) parses into Keel's types with Binance's typing quirks asserted.

use keel_binance::common::error::{BinanceFailure, classify_http};
use keel_binance::common::filters::{FilterKind, RawFilter, SymbolRules};
use keel_binance::spot::events::{UserEvent, WsApiMessage, parse_ws_api};
use keel_binance::spot::fast::{decode_agg_trade, scan_agg_trade};
use keel_binance::spot::market::{MarketMsg, parse_market};
use keel_binance::spot::wire::{
    Depth, ExchangeInfo, RestAggTrade, RestTrade, WireAccount, WireMyTrade, WireOrder, parse_klines,
};
use keel_domain::{OrderKind, OrderStatus, Side};
use keel_exchange::{ExchangeError, RejectReason};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use std::collections::BTreeSet;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/binance_spot/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    )
    .expect("json");
    assert!(v["source"].as_str().is_some_and(|s| s.starts_with("http")));
    v
}

/// The `expected` body exactly as published, as text (what the wire carries).
fn body(name: &str) -> String {
    fixture(name)["expected"].to_string()
}

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&body(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn combined(stream: &str, name: &str) -> String {
    format!(r#"{{"stream":"{stream}","data":{}}}"#, body(name))
}

#[test]
fn every_fixture_keeps_its_source() {
    let dir = format!("{}/tests/fixtures/binance_spot", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("dir") {
        let name = e.expect("entry").file_name().into_string().expect("utf8");
        fixture(name.trim_end_matches(".json"));
        n += 1;
    }
    assert_eq!(n, 57);
}

#[test]
fn exchange_info_and_every_filter_kind() {
    let info: ExchangeInfo = parse("rest_exchange_info_skeleton");
    assert_eq!(info.symbols[0].symbol, "ETHBTC");
    assert_eq!(info.symbols[0].keel_symbol(), "ETH/BTC");
    // The skeleton has no filters: no tick size, so not an instrument.
    assert!(info.instruments().is_empty());

    let kinds = [
        ("filter_price_filter", FilterKind::PriceFilter),
        ("filter_lot_size", FilterKind::LotSize),
        ("filter_market_lot_size", FilterKind::MarketLotSize),
        ("filter_min_notional", FilterKind::MinNotional),
        ("filter_notional", FilterKind::Notional),
        ("filter_percent_price", FilterKind::PercentPrice),
        (
            "filter_percent_price_by_side",
            FilterKind::PercentPriceBySide,
        ),
        ("filter_iceberg_parts", FilterKind::IcebergParts),
        ("filter_max_num_orders", FilterKind::MaxNumOrders),
        ("filter_max_num_algo_orders", FilterKind::MaxNumAlgoOrders),
        ("filter_trailing_delta", FilterKind::TrailingDelta),
        (
            "filter_exchange_max_num_orders",
            FilterKind::ExchangeMaxNumOrders,
        ),
    ];
    let mut filters = Vec::new();
    for (name, kind) in kinds.clone() {
        let f: RawFilter = parse(name);
        assert_eq!(f.kind(), kind, "{name}");
        filters.push(f);
    }
    let by = |k: FilterKind| filters.iter().find(|f| f.kind() == k).expect("filter");
    assert_eq!(by(FilterKind::PriceFilter).tick_size, Some(dec!(0.000001)));
    assert_eq!(
        by(FilterKind::PercentPriceBySide).ask_multiplier_up,
        Some(dec!(5))
    );
    assert_eq!(
        by(FilterKind::PercentPrice).multiplier_down,
        Some(dec!(0.7))
    );
    assert_eq!(by(FilterKind::IcebergParts).limit, Some(10));
    assert_eq!(by(FilterKind::MaxNumOrders).max_num_orders, Some(25));
    assert_eq!(
        by(FilterKind::MaxNumAlgoOrders).max_num_algo_orders,
        Some(5)
    );
    assert_eq!(
        by(FilterKind::TrailingDelta).max_trailing_below_delta,
        Some(2000)
    );
    assert_eq!(by(FilterKind::MinNotional).apply_to_market, Some(true));

    // Folded into one symbol: NOTIONAL (10) wins over the legacy MIN_NOTIONAL (0.001).
    let rules = SymbolRules::from_filters(&filters);
    assert_eq!(rules.min_notional, Some(dec!(10)));
    assert_eq!(rules.max_notional, Some(dec!(10000)));
    assert_eq!(rules.market_step_size, Some(dec!(0.001)));
    assert_eq!(rules.max_num_orders, Some(25));

    // A full symbol: the skeleton with the docs' filters becomes an instrument.
    let mut v: Value = fixture("rest_exchange_info_skeleton")["expected"].clone();
    v["symbols"][0]["filters"] = Value::Array(
        kinds
            .iter()
            .map(|(n, _)| fixture(n)["expected"].clone())
            .collect(),
    );
    let info: ExchangeInfo = serde_json::from_value(v).expect("info");
    let inst = &info.instruments()[0];
    assert_eq!(inst.symbol, "ETH/BTC");
    assert_eq!(inst.tick_size.to_string(), "0.000001");
    assert_eq!(inst.step_size.to_string(), "0.001");
    assert_eq!(inst.min_qty, dec!(0.001));
    assert_eq!(inst.max_qty, dec!(100000));
    assert_eq!(inst.min_notional, dec!(10));
}

#[test]
fn klines_rows_of_mixed_types() {
    let raw = fixture("rest_klines");
    let row = raw["expected"][0].as_array().expect("row");
    assert!(row[0].is_i64() && row[1].is_string() && row[8].is_i64());
    let rows: Vec<Vec<Value>> = parse("rest_klines");
    let c = &parse_klines(&rows).expect("klines")[0];
    assert_eq!(c.open_time_ms, 1_499_040_000_000);
    assert_eq!(c.open.to_string(), "0.01634790");
    assert_eq!(c.high, dec!(0.8));
    assert_eq!(c.volume, dec!(148976.11427815));
    // A row with a number where a string belongs is refused, not misread.
    let bad: Vec<Vec<Value>> =
        serde_json::from_str(r#"[[1, 0.5, "1", "1", "1", "1"]]"#).expect("json");
    assert!(parse_klines(&bad).is_err());
}

#[test]
fn trades_agg_trades_and_depth() {
    let t: Vec<RestTrade> = parse("rest_trades");
    let t = t[0].to_trade();
    assert_eq!((t.id, t.price, t.qty), (28457, dec!(4.000001), dec!(12)));
    assert_eq!(t.taker_side, Side::Sell, "buyer was maker: the seller took");
    let a: Vec<RestAggTrade> = parse("rest_agg_trades");
    assert_eq!(a[0].to_trade().price.to_string(), "0.01633102");
    assert_eq!(a[0].a, 26129);
    let d: Depth = parse("rest_depth");
    assert_eq!(d.last_update_id, 1_027_024);
    let book = d.to_book(10, 7).expect("book");
    assert_eq!(book.best_bid(), Some(dec!(4)));
    assert_eq!(book.best_ask(), Some(dec!(4.000002)));
}

#[test]
fn ws_market_streams() {
    let m = combined("bnbbtc@aggTrade", "ws_agg_trade");
    let MarketMsg::AggTrade(a) = parse_market(&m).expect("aggTrade") else {
        panic!("not an aggTrade")
    };
    assert_eq!((a.symbol.as_ref(), a.trade.id), ("BNBBTC", 12345));
    assert_eq!(a.trade.price.to_string(), "0.001");
    assert!(scan_agg_trade(&body("ws_agg_trade")).is_some(), "fast path");
    assert_eq!(decode_agg_trade(&body("ws_agg_trade")).expect("decode"), a);

    let MarketMsg::Trade(t) = parse_market(&combined("bnbbtc@trade", "ws_trade")).expect("trade")
    else {
        panic!("not a trade")
    };
    assert_eq!(t.to_trade().id, 12345);

    let MarketMsg::Kline(k) =
        parse_market(&combined("bnbbtc@kline_1m", "ws_kline")).expect("kline")
    else {
        panic!("not a kline")
    };
    assert!(!k.k.x);
    assert_eq!(k.candle().high, dec!(0.0025));

    let MarketMsg::DepthDiff(d) =
        parse_market(&combined("bnbbtc@depth@100ms", "ws_diff_depth")).expect("diff")
    else {
        panic!("not a diff")
    };
    let diff = d.to_diff().expect("diff");
    assert_eq!((diff.first_update_id, diff.final_update_id), (157, 160));
    assert_eq!(diff.bids, vec![(dec!(0.0024), dec!(10))]);

    // Partial depth has no symbol and no event type: the stream name says which symbol.
    assert!(fixture("ws_partial_depth")["expected"].get("s").is_none());
    let MarketMsg::PartialDepth { symbol, depth } =
        parse_market(&combined("bnbbtc@depth5@100ms", "ws_partial_depth")).expect("partial")
    else {
        panic!("not a partial depth")
    };
    assert_eq!((symbol.as_str(), depth.last_update_id), ("BNBBTC", 160));

    let MarketMsg::BookTicker(b) =
        parse_market(&combined("bnbusdt@bookTicker", "ws_book_ticker")).expect("ticker")
    else {
        panic!("not a book ticker")
    };
    assert_eq!(b.to_book(0).best_ask(), Some(dec!(25.3652)));

    let ack = fixture("ws_subscribe_response")["expected"].to_string();
    assert!(matches!(parse_market(&ack), Ok(MarketMsg::Ack { id: 1 })));
    let req = fixture("ws_subscribe_request")["expected"].clone();
    let ours: Value = serde_json::from_str(&keel_binance::spot::market::subscription_frame(
        "SUBSCRIBE",
        &["btcusdt@aggTrade".into(), "btcusdt@depth".into()],
        1,
    ))
    .expect("frame");
    assert_eq!(ours, req);
}

#[test]
fn orders_fills_and_account() {
    let full: WireOrder = parse("rest_new_order_full");
    let u = full.to_update("BTC/USDT").expect("update");
    assert_eq!(u.venue_order_id, "28");
    assert_eq!(
        (u.kind, u.status, u.side),
        (OrderKind::Market, OrderStatus::Filled, Side::Sell)
    );
    assert_eq!(u.filled_qty, dec!(10));
    let fills = full.to_fills(&u, "binance", "acct-1");
    assert_eq!(fills.len(), 5);
    assert_eq!(fills[0].trade_id, "56");
    assert_eq!(fills[1].fee, dec!(19.995));
    assert_eq!(fills[1].quote_qty, dec!(19995));
    assert_eq!(fills.iter().map(|f| f.qty).sum::<Decimal>(), dec!(10));
    assert!(
        fills
            .iter()
            .all(|f| f.account_id == "acct-1" && f.venue == "binance")
    );

    let result: WireOrder = parse("rest_new_order_result");
    assert!(result.fills.is_empty());
    let q: WireOrder = parse("rest_query_order");
    let u = q.to_update("LTC/BTC").expect("query");
    assert_eq!(
        (u.status, u.client_order_id.as_str()),
        (OrderStatus::Open, "myOrder1")
    );
    let open: Vec<WireOrder> = parse("rest_open_orders");
    assert_eq!(
        open[0].to_update("LTC/BTC").expect("open").kind,
        OrderKind::Limit
    );
    // A cancel answers with the cancel's own clientOrderId: Keel's id is origClientOrderId.
    let c: WireOrder = parse("rest_cancel_order");
    let u = c.to_update("LTC/BTC").expect("cancel");
    assert_eq!(
        (u.client_order_id.as_str(), u.status),
        ("myOrder1", OrderStatus::Canceled)
    );

    let t: Vec<WireMyTrade> = parse("rest_my_trades");
    let f = t[0].to_fill("BNB/BTC", "k1", "binance", "acct");
    assert_eq!(
        (f.trade_id.as_str(), f.venue_order_id.as_str()),
        ("28457", "100234")
    );
    assert_eq!(
        (f.side, f.is_maker, f.fee_asset.as_str()),
        (Side::Buy, false, "BNB")
    );
    assert_eq!(f.quote_qty, dec!(48.000012));

    let acct: WireAccount = parse("rest_account");
    assert_eq!(acct.commission_rates.maker, dec!(0.0015));
    let b = acct.balances();
    assert_eq!(b[0].asset, "BTC");
    assert_eq!(b[0].free.to_string(), "4723846.89208129");
}

fn classify(name: &str) -> BinanceFailure {
    let v = fixture(name);
    let status = v["inputs"]["http_status"].as_u64().unwrap_or(400) as u16;
    classify_http(status, v["expected"].to_string().as_bytes(), Some(1000))
}

fn rejected(name: &str) -> RejectReason {
    match classify(name) {
        BinanceFailure::Venue(ExchangeError::Rejected { reason, .. }) => reason,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn error_bodies_map_to_their_retry_class() {
    assert!(matches!(
        classify("rest_error_timestamp_ahead"),
        BinanceFailure::ClockSkew { .. }
    ));
    assert!(matches!(
        classify("rest_error_timestamp_outside_recvwindow"),
        BinanceFailure::ClockSkew { .. }
    ));
    assert_eq!(
        rejected("rest_error_duplicate_client_order_id"),
        RejectReason::DuplicateClientOrderId
    );
    assert_eq!(
        rejected("rest_error_new_order_rejected_balance"),
        RejectReason::InsufficientBalance
    );
    assert_eq!(
        rejected("rest_error_no_such_order"),
        RejectReason::OrderNotFound
    );
    assert_eq!(
        rejected("rest_error_cancel_unknown_order"),
        RejectReason::OrderNotFound
    );
    assert_eq!(rejected("rest_error_body"), RejectReason::UnknownSymbol);
    match classify("rest_error_invalid_signature") {
        BinanceFailure::Venue(ExchangeError::Rejected { reason, message }) => {
            assert_eq!(reason, RejectReason::Unauthorized);
            assert!(message.contains("API key or signature"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        classify("rest_error_too_many_requests"),
        BinanceFailure::Venue(ExchangeError::Transient {
            retry_after_ms: Some(1000),
            ..
        })
    ));
    // Filter failures, timeouts and 5xx.
    let f = |status: u16, body: &str| classify_http(status, body.as_bytes(), None);
    assert!(matches!(
        f(
            400,
            r#"{"code":-1013,"msg":"Filter failure: PRICE_FILTER"}"#
        ),
        BinanceFailure::Venue(ExchangeError::Rejected {
            reason: RejectReason::FilterViolation,
            ..
        })
    ));
    assert!(matches!(
        f(
            400,
            r#"{"code":-1111,"msg":"Precision is over the maximum defined for this asset."}"#
        ),
        BinanceFailure::Venue(ExchangeError::Rejected {
            reason: RejectReason::FilterViolation,
            ..
        })
    ));
    assert!(matches!(
        f(
            408,
            r#"{"code":-1007,"msg":"Timeout waiting for response from backend server."}"#
        ),
        BinanceFailure::Venue(ExchangeError::Unknown { .. })
    ));
    assert!(matches!(
        f(502, "Bad gateway"),
        BinanceFailure::Venue(ExchangeError::Unknown { .. })
    ));
    assert!(matches!(
        f(418, r#"{"code":-1003,"msg":"banned"}"#),
        BinanceFailure::Venue(ExchangeError::Transient { .. })
    ));
    assert!(matches!(
        f(
            401,
            r#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#
        ),
        BinanceFailure::Venue(ExchangeError::Rejected {
            reason: RejectReason::Unauthorized,
            ..
        })
    ));
}

#[test]
fn wrapped_user_events() {
    let Ok(WsApiMessage::Event(UserEvent::Execution(r))) =
        parse_ws_api(&body("uds_execution_report"))
    else {
        panic!("execution report")
    };
    let u = r.to_update("ETH/BTC").expect("update");
    assert_eq!(
        (u.status, u.kind, u.side),
        (OrderStatus::Open, OrderKind::Limit, Side::Buy)
    );
    assert_eq!(u.venue_order_id, "4293153");
    assert_eq!(u.client_order_id, "mUvoqJxFIILMdfAW5iGSOW");
    assert!(
        r.to_fill("ETH/BTC", "binance", "a").is_none(),
        "x=NEW is not a fill"
    );
    // The same report as a TRADE (N is null on NEW; a trade carries the fee asset).
    let mut v = fixture("uds_execution_report")["expected"].clone();
    let ev = &mut v["event"];
    ev["x"] = "TRADE".into();
    ev["X"] = "PARTIALLY_FILLED".into();
    ev["t"] = 77.into();
    ev["l"] = "0.5".into();
    ev["L"] = "0.1026".into();
    ev["z"] = "0.5".into();
    ev["n"] = "0.0001".into();
    ev["N"] = "BNB".into();
    let Ok(WsApiMessage::Event(UserEvent::Execution(r))) = parse_ws_api(&v.to_string()) else {
        panic!("trade")
    };
    let fill = r.to_fill("ETH/BTC", "binance", "acct").expect("fill");
    assert_eq!(
        (fill.trade_id.as_str(), fill.qty, fill.price),
        ("77", dec!(0.5), dec!(0.1026))
    );
    assert_eq!(fill.fee_asset, "BNB");

    let Ok(WsApiMessage::Event(UserEvent::Account(a))) =
        parse_ws_api(&body("uds_outbound_account_position"))
    else {
        panic!("account")
    };
    assert_eq!(a.balances()[0].free.to_string(), "10000.000000");
    let Ok(WsApiMessage::Event(UserEvent::BalanceDelta(d))) =
        parse_ws_api(&body("uds_balance_update"))
    else {
        panic!("delta")
    };
    assert_eq!((d.a.as_str(), d.d), ("BTC", dec!(100)));
    assert!(matches!(
        parse_ws_api(&body("uds_event_stream_terminated")),
        Ok(WsApiMessage::Event(UserEvent::StreamTerminated))
    ));
    // Legacy bare events still parse.
    let bare = fixture("uds_balance_update")["expected"]["event"].to_string();
    assert!(matches!(
        parse_ws_api(&bare),
        Ok(WsApiMessage::Event(UserEvent::BalanceDelta(_)))
    ));
    let Ok(WsApiMessage::Response { status, result, .. }) =
        parse_ws_api(&body("wsapi_user_data_subscribe_signature_response"))
    else {
        panic!("response")
    };
    assert_eq!(status, 200);
    assert_eq!(result.expect("result")["subscriptionId"], 0);
    // The subscribe request we send has the documented shape.
    let req = fixture("wsapi_user_data_subscribe_signature_request")["expected"].clone();
    let keys: BTreeSet<&String> = req["params"].as_object().expect("params").keys().collect();
    assert_eq!(
        keys,
        ["apiKey", "signature", "timestamp"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect()
    );
}
