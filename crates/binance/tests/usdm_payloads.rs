//! Every Binance USD-M payload in `tests/fixtures/binance_usdm` (public sources named in each
//! file's `source`) parses into Keel's domain types, with the venue's typing quirks asserted:
//! decimals as strings, ids as numbers (turned into strings), `listenKeyExpired.E` as a string or
//! a number, the connector mock's flattened filters and `exchangeFilters:[""]`.

use keel_binance::common::SymbolMap;
use keel_binance::usdm::parse::{self, AccountCtx, SymbolSettings};
use keel_binance::usdm::{
    MarketMsg, UserEvent, is_venue_initiated, parse_market_msg, parse_user_event,
};
use keel_domain::{MarginType, OrderKind, OrderStatus, PositionSide, Side};
use rust_decimal_macros::dec;
use std::collections::HashMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/binance_usdm")
}

fn fixture(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir().join(name)).expect("fixture");
    serde_json::from_str(&text).expect("fixture json")
}

/// The response body / event exactly as published.
fn body(name: &str) -> Vec<u8> {
    serde_json::to_vec(&fixture(name)["expected"]).expect("body")
}

fn text(name: &str) -> String {
    String::from_utf8(body(name)).expect("utf8")
}

fn symbols() -> SymbolMap {
    let mut m = SymbolMap::default();
    m.insert("BTC/USDT", "BTCUSDT");
    m.insert("ADA/USDT", "ADAUSDT");
    m.insert("BNB/USDT", "BNBUSDT");
    m
}

fn ctx() -> AccountCtx {
    AccountCtx {
        venue: "binance-usdm".into(),
        account_id: "acc1".into(),
    }
}

#[test]
fn every_fixture_names_its_public_source() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir()).expect("dir") {
        let path = entry.expect("entry").path();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let source = v["source"].as_str().unwrap_or_default();
        assert!(source.starts_with("https://"), "{path:?} has no source");
        assert_eq!(v["exchange"], "binance_usdm", "{path:?}");
        assert!(v.get("expected").is_some(), "{path:?}");
        n += 1;
    }
    assert_eq!(n, 37);
}

#[test]
fn exchange_info_with_flattened_filters_and_empty_exchange_filter() {
    let b = body("rest_exchange_information.json");
    let v: serde_json::Value = serde_json::from_slice(&b).expect("v");
    assert_eq!(
        v["exchangeFilters"][0], "",
        "the mock's odd exchangeFilters"
    );
    assert_eq!(v["symbols"][0]["filters"].as_array().map(Vec::len), Some(1));
    let info = parse::parse_exchange_info(&b).expect("exchangeInfo");
    assert_eq!(info.weight_per_minute, Some(2400));
    assert_eq!(info.server_time_ms, Some(1565613908500));
    assert_eq!(info.instruments.len(), 1);
    let i = &info.instruments[0];
    assert_eq!(i.venue_symbol, "BLZUSDT");
    assert!(i.perpetual);
    assert_eq!(i.instrument.symbol, "BLZ/USDT");
    // From the one flattened object, not from pricePrecision 5 / quantityPrecision 0.
    assert_eq!(i.instrument.tick_size, dec!(0.0001));
    assert_eq!(i.instrument.step_size, dec!(1));
    assert_eq!(i.instrument.min_qty, dec!(1));
    assert_eq!(i.instrument.max_qty, dec!(10000000));
    assert_eq!(i.instrument.min_notional, dec!(5));
}

#[test]
fn exchange_info_with_one_object_per_filter_and_delivery_contracts() {
    // The real API shape: one object per filterType (as in the Binance-identical Aster clone).
    let b = br#"{"exchangeFilters":[],"rateLimits":[{"interval":"MINUTE","intervalNum":1,"limit":2400,"rateLimitType":"REQUEST_WEIGHT"}],
      "serverTime":1,"symbols":[
      {"symbol":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","pricePrecision":2,"quantityPrecision":3,
       "filters":[{"filterType":"PRICE_FILTER","maxPrice":"4529764","minPrice":"556.80","tickSize":"0.10"},
                  {"filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001","stepSize":"0.001"},
                  {"filterType":"MARKET_LOT_SIZE","maxQty":"120","minQty":"0.001","stepSize":"0.001"},
                  {"filterType":"MAX_NUM_ORDERS","limit":200},
                  {"filterType":"MIN_NOTIONAL","notional":"100"},
                  {"filterType":"PERCENT_PRICE","multiplierUp":"1.0500","multiplierDown":"0.9500","multiplierDecimal":"4"}]},
      {"symbol":"BTCUSDT_250926","contractType":"CURRENT_QUARTER","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT",
       "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.1"},{"filterType":"LOT_SIZE","maxQty":"100","minQty":"0.001","stepSize":"0.001"}]},
      {"symbol":"OLDUSDT","contractType":"PERPETUAL","status":"SETTLING","baseAsset":"OLD","quoteAsset":"USDT","filters":[]}]}"#;
    let info = parse::parse_exchange_info(b).expect("exchangeInfo");
    assert_eq!(info.instruments.len(), 2, "settling contract left out");
    let btc = &info.instruments[0].instrument;
    assert_eq!(
        (btc.tick_size, btc.step_size, btc.max_qty, btc.min_notional),
        (dec!(0.1), dec!(0.001), dec!(1000), dec!(100)),
        "LOT_SIZE, not MARKET_LOT_SIZE; MIN_NOTIONAL's `notional` key"
    );
    assert_eq!(info.instruments[1].instrument.symbol, "BTC/USDT-250926");
    assert!(!info.instruments[1].perpetual);
}

#[test]
fn depth_trades_and_agg_trades() {
    let d = parse::parse_depth(&body("rest_order_book.json")).expect("depth");
    assert_eq!(d.last_update_id, 1027024);
    assert_eq!(d.bids, vec![(dec!(4.00000000), dec!(431.00000000))]);
    assert_eq!(d.asks, vec![(dec!(4.00000200), dec!(12.00000000))]);
    assert_eq!(d.ts_ms, 1589436922959, "transaction time T");

    let a =
        parse::parse_agg_trades(&body("rest_compressed_aggregate_trades_list.json")).expect("agg");
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].id, a[0].ts_ms), (26129, 1498793709153));
    assert_eq!((a[0].price, a[0].qty), (dec!(0.01633102), dec!(4.70443515)));
    assert_eq!(
        a[0].taker_side,
        Side::Sell,
        "m=true: the buyer made, the seller took"
    );

    let t = parse::parse_trades(&body("rest_recent_trades_list.json")).expect("trades");
    assert_eq!(
        (t[0].id, t[0].price, t[0].qty),
        (28457, dec!(4.00000100), dec!(12))
    );
    assert_eq!(t[0].taker_side, Side::Sell);

    let (sym, book) =
        parse::parse_book_ticker(&body("rest_symbol_order_book_ticker.json")).expect("bt");
    assert_eq!(sym, "BTCUSDT");
    assert_eq!(
        (book.best_bid(), book.best_ask()),
        (Some(dec!(4)), Some(dec!(4.000002)))
    );
}

#[test]
fn klines_rows_of_mixed_types() {
    // The kline row shape is identical on fapi and spot; this row is the spot docs example
    // (binance-spot-api-docs a5e0bc3 rest-api.md#L1163), as the usdm connector mock is trimmed.
    let b = br#"[[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]]"#;
    let c = parse::parse_klines(b).expect("klines");
    assert_eq!(c[0].open_time_ms, 1499040000000);
    assert_eq!(
        (c[0].open, c[0].high, c[0].low),
        (dec!(0.01634790), dec!(0.8), dec!(0.015758))
    );
    assert_eq!(
        (c[0].close, c[0].volume),
        (dec!(0.015771), dec!(148976.11427815))
    );
    assert!(parse::parse_klines(br#"[[1499040000000,"x"]]"#).is_err());
}

#[test]
fn premium_index_and_funding_history() {
    // Field set of GET /fapi/v1/premiumIndex?symbol= per the USD-M docs (values illustrative).
    let b = br#"{"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","estimatedSettlePrice":"11781.16138815",
      "lastFundingRate":"0.00038246","interestRate":"0.00010000","nextFundingTime":1597392000000,"time":1597370495002}"#;
    let (sym, m) = parse::parse_premium_index(b).expect("premiumIndex");
    assert_eq!(sym, "BTCUSDT");
    assert_eq!(m.mark_price, dec!(11793.63104562));
    assert_eq!(m.index_price, Some(dec!(11781.80495970)));
    assert_eq!(m.funding_rate, Some(dec!(0.00038246)));
    assert_eq!(m.next_funding_ms, Some(1597392000000));
    assert_eq!(m.ts_ms, 1597370495002);

    let f = parse::parse_funding_history(&body("rest_get_funding_rate_history.json")).expect("fr");
    assert_eq!(f[0].venue_symbol, "BTCUSDT");
    assert_eq!(f[0].rate, dec!(-0.0375));
    assert_eq!(f[0].time_ms, 1570608000000);
    assert_eq!(f[0].mark_price, Some(dec!(34287.54619963)));
}

#[test]
fn orders_new_query_cancel_open_all() {
    let s = symbols();
    let new = parse::parse_order(&body("rest_new_order.json"), &s).expect("new");
    assert_eq!(new.client_order_id, "testOrder");
    assert_eq!(
        new.venue_order_id, "22542179",
        "numeric orderId as a string"
    );
    assert_eq!(new.symbol, "BTC/USDT");
    assert_eq!(
        (new.side, new.kind, new.status),
        (Side::Sell, OrderKind::Limit, OrderStatus::Open)
    );
    assert_eq!(
        (new.filled_qty, new.filled_quote),
        (dec!(0), dec!(0)),
        "no cumQuote in the body"
    );
    assert_eq!(new.ts_ms, 1566818724722);

    let q = parse::parse_order(&body("rest_query_order.json"), &s).expect("query");
    assert_eq!(q.venue_order_id, "1573346959");
    assert_eq!(
        q.kind,
        OrderKind::StopMarket,
        "TRAILING_STOP_MARKET reads as a stop-market"
    );
    assert_eq!(q.ts_ms, 1579276756075);

    let c = parse::parse_order(&body("rest_cancel_order.json"), &s).expect("cancel");
    assert_eq!(
        (c.client_order_id.as_str(), c.status),
        ("myOrder1", OrderStatus::Canceled)
    );

    let n = parse::parse_order(&body("rest_order_response_nautilus.json"), &s).expect("status");
    assert_eq!(
        (n.kind, n.status, n.side),
        (OrderKind::Limit, OrderStatus::Open, Side::Buy)
    );

    let t = parse::parse_order(&body("rest_test_order.json"), &s).expect("test order");
    assert_eq!(t.venue_order_id, "22542179");

    for name in ["rest_current_all_open_orders.json", "rest_all_orders.json"] {
        let all = parse::parse_orders(&body(name), &s).expect(name);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].venue_order_id, "1917641");
        assert_eq!(all[0].side, Side::Buy);
    }
    // A batch row may carry an error next to the order fields; it still reads as an order.
    let batch = parse::parse_orders(&body("rest_place_multiple_orders.json"), &s).expect("batch");
    assert_eq!(batch[0].client_order_id, "testOrder");
}

#[test]
fn user_trades_become_fills() {
    let f = parse::parse_user_trades(
        &body("rest_account_trade_list.json"),
        &symbols(),
        &ctx(),
        "k7",
    )
    .expect("userTrades");
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!(
        (f.venue.as_str(), f.account_id.as_str()),
        ("binance-usdm", "acc1")
    );
    assert_eq!((f.symbol.as_str(), f.side), ("BTC/USDT", Side::Sell));
    assert_eq!(
        (f.price, f.qty, f.quote_qty),
        (dec!(7819.01), dec!(0.002), dec!(15.63802))
    );
    assert_eq!((f.fee, f.fee_asset.as_str()), (dec!(0.07819010), "USDT"));
    assert_eq!(
        (f.trade_id.as_str(), f.venue_order_id.as_str()),
        ("698759", "25851813")
    );
    assert_eq!(f.client_order_id, "k7");
    assert!(!f.is_maker);
    assert_eq!(f.ts_ms, 1569514978020);
}

#[test]
fn balances_from_balance_v2_v3_and_account_v3() {
    let b = parse::parse_balances_v3(&body("rest_futures_account_balance_v3.json")).expect("v3");
    assert_eq!(b[0].asset, "USDT");
    assert_eq!(b[0].free, dec!(23.72469206), "cross wallet");
    assert_eq!(
        b[0].locked,
        dec!(122583.62668697),
        "the rest of the wallet: isolated margin"
    );
    assert_eq!(b[0].total(), dec!(122607.35137903));

    let b2 = parse::parse_balances_v3(&body("rest_balance_nautilus.json")).expect("v2");
    assert_eq!((b2[0].free, b2[0].locked), (dec!(122.12345678), dec!(0)));

    let a = parse::parse_account_v3(&body("rest_account_information_v3.json")).expect("account");
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].asset.as_str(), a[0].free, a[0].locked),
        ("USDT", dec!(23.72469206), dec!(0))
    );
}

#[test]
fn position_risk_v3_becomes_positions() {
    let b = body("rest_position_information_v3.json");
    // Without symbolConfig: leverage derived from notional / position initial margin.
    let p = parse::parse_position_risk(&b, &symbols(), &HashMap::new()).expect("positions");
    assert_eq!(p.len(), 1);
    let p0 = &p[0];
    assert_eq!(
        (p0.symbol.as_str(), p0.position_side),
        ("ADA/USDT", PositionSide::Both)
    );
    assert_eq!((p0.qty, p0.entry_price), (dec!(30), dec!(0.385)));
    assert_eq!(p0.mark_price, Some(dec!(0.41047590)));
    assert_eq!(p0.unrealized_pnl, dec!(0.76427700));
    assert_eq!(p0.leverage, 20, "12.314277 / 0.61571385");
    assert_eq!(p0.margin_type, MarginType::Cross, "isolatedWallet 0");
    assert_eq!(p0.liquidation_price, None, "\"0\" = none");
    assert_eq!(p0.updated_ms, 1720736417660);

    let settings = HashMap::from([(
        "ADAUSDT".to_string(),
        SymbolSettings {
            leverage: 5,
            margin_type: MarginType::Isolated,
        },
    )]);
    let p = parse::parse_position_risk(&b, &symbols(), &settings).expect("positions");
    assert_eq!((p[0].leverage, p[0].margin_type), (5, MarginType::Isolated));

    // Hedge mode rows: a short is negative whatever sign the row carries; empty rows left out.
    let hedge = br#"[{"symbol":"BTCUSDT","positionSide":"SHORT","positionAmt":"0.5","entryPrice":"60000","markPrice":"59000",
        "unRealizedProfit":"500","liquidationPrice":"80000","isolatedWallet":"100","notional":"-29500","positionInitialMargin":"2950","updateTime":5},
        {"symbol":"BTCUSDT","positionSide":"LONG","positionAmt":"0","entryPrice":"0","markPrice":"59000","unRealizedProfit":"0","updateTime":5}]"#;
    let p = parse::parse_position_risk(hedge, &symbols(), &HashMap::new()).expect("hedge");
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].position_side, p[0].qty),
        (PositionSide::Short, dec!(-0.5))
    );
    assert_eq!(
        (p[0].leverage, p[0].margin_type),
        (10, MarginType::Isolated)
    );
    assert_eq!(p[0].liquidation_price, Some(dec!(80000)));
}

#[test]
fn commission_listen_key_time_limits_and_brackets() {
    let fees = parse::parse_commission_rate(&body("rest_user_commission_rate.json")).expect("fees");
    assert_eq!((fees.maker, fees.taker), (dec!(0.0002), dec!(0.0004)));
    assert_eq!(
        parse::parse_listen_key(&body("rest_start_user_data_stream.json")).expect("key"),
        "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
    );
    assert_eq!(
        parse::parse_listen_key(&body("rest_keepalive_user_data_stream.json")).expect("key"),
        "3HBntNTepshgEdjIwSUIBgB9keLyOCg5qv3n6bYAtktG8ejcaW5HXz9Vx1JgIieg"
    );
    assert_eq!(
        parse::parse_server_time(&body("rest_check_server_time.json")).expect("t"),
        1499827319559
    );
    let limits =
        parse::parse_order_rate_limits(&body("rest_query_user_rate_limit.json")).expect("rl");
    assert_eq!(
        limits,
        vec![parse::OrderRateLimit {
            interval_ms: 10_000,
            limit: 10000
        }]
    );
    let br =
        parse::parse_max_leverage(&body("rest_notional_and_leverage_brackets.json")).expect("br");
    assert_eq!(
        br.get("ETHUSDT"),
        Some(&None),
        "notionalCoef is a number; brackets empty"
    );
}

#[test]
fn rate_limit_headers() {
    let f = fixture("rest_rate_limit_headers.json");
    let mut headers = reqwest::header::HeaderMap::new();
    let names: Vec<String> = f["expected"]["headers"]
        .as_object()
        .expect("headers")
        .keys()
        .cloned()
        .collect();
    assert_eq!(names.len(), 3);
    for name in &names {
        let value = match name.to_ascii_lowercase().as_str() {
            "x-mbx-used-weight-1m" => "1187",
            "x-mbx-order-count-10s" => "3",
            "x-mbx-order-count-1m" => "41",
            other => panic!("unexpected header {other}"),
        };
        headers.insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
    }
    assert_eq!(parse::used_weight_1m(&headers), Some(1187));
    assert_eq!(parse::order_counts(&headers), (Some(3), Some(41)));
    assert_eq!(
        parse::used_weight_1m(&reqwest::header::HeaderMap::new()),
        None
    );
    assert_eq!(f["expected"]["on_limit"]["body_example"]["code"], -1003);
}

#[test]
fn market_streams() {
    match parse_market_msg(&text("ws_agg_trade.json")).expect("aggTrade") {
        MarketMsg::Trade {
            venue_symbol,
            trade,
        } => {
            assert_eq!(venue_symbol, "BTCUSDT");
            assert_eq!(
                (trade.id, trade.ts_ms, trade.price, trade.qty),
                (5933014, 123456785, dec!(0.001), dec!(100))
            );
            assert_eq!(trade.taker_side, Side::Sell);
        }
        other => panic!("{other:?}"),
    }
    match parse_market_msg(&text("ws_kline.json")).expect("kline") {
        MarketMsg::Candle {
            venue_symbol,
            interval_ms,
            candle,
            closed,
        } => {
            assert_eq!(
                (venue_symbol.as_str(), interval_ms, closed),
                ("BTCUSDT", 60_000, false)
            );
            assert_eq!(candle.open_time_ms, 1638747660000);
            assert_eq!(
                (candle.open, candle.high, candle.low, candle.close),
                (dec!(0.001), dec!(0.0025), dec!(0.0015), dec!(0.002))
            );
            assert_eq!(candle.volume, dec!(1000));
        }
        other => panic!("{other:?}"),
    }
    match parse_market_msg(&text("ws_diff_depth.json")).expect("depth") {
        MarketMsg::Depth { venue_symbol, diff } => {
            assert_eq!(venue_symbol, "BTCUSDT");
            assert_eq!((diff.first_update_id, diff.final_update_id), (157, 160));
            assert_eq!(diff.prev_final_update_id, Some(149), "futures pu");
            assert_eq!(diff.bids, vec![(dec!(0.0024), dec!(10))]);
            assert_eq!(diff.asks, vec![(dec!(0.0026), dec!(100))]);
            assert_eq!(diff.ts_ms, 123456788);
        }
        other => panic!("{other:?}"),
    }
    match parse_market_msg(&text("ws_book_ticker.json")).expect("bookTicker") {
        MarketMsg::BookTicker {
            venue_symbol,
            update_id,
            book,
        } => {
            assert_eq!((venue_symbol.as_str(), update_id), ("BNBUSDT", 400900217));
            assert_eq!(
                (book.best_bid(), book.best_ask()),
                (Some(dec!(25.3519)), Some(dec!(25.3652)))
            );
            assert_eq!(book.bids[0].qty, dec!(31.21));
        }
        other => panic!("{other:?}"),
    }
    match parse_market_msg(&text("ws_mark_price.json")).expect("mark") {
        MarketMsg::MarkPrice { venue_symbol, mark } => {
            assert_eq!(venue_symbol, "BTCUSDT");
            assert_eq!(mark.mark_price, dec!(11794.15));
            assert_eq!(mark.index_price, Some(dec!(11784.62659091)));
            assert_eq!(mark.funding_rate, Some(dec!(0.00038167)));
            assert_eq!(mark.next_funding_ms, Some(1562306400000));
            assert_eq!(mark.ts_ms, 1562305380000);
        }
        other => panic!("{other:?}"),
    }
    // Combined-stream envelope and subscription replies.
    let wrapped = format!(
        r#"{{"stream":"btcusdt@markPrice","data":{}}}"#,
        text("ws_mark_price.json")
    );
    assert!(matches!(
        parse_market_msg(&wrapped).expect("wrapped"),
        MarketMsg::MarkPrice { .. }
    ));
    assert_eq!(
        parse_market_msg(r#"{"result":null,"id":1}"#).expect("reply"),
        MarketMsg::Other
    );
    assert!(parse_market_msg("not json").is_err());
}

fn user(text: &str) -> UserEvent {
    parse_user_event(text, &symbols(), &ctx(), &HashMap::new()).expect("user event")
}

#[test]
fn order_trade_update_new_and_trade() {
    match user(&text("ws_user_order_trade_update_new.json")) {
        UserEvent::Order {
            update,
            fill,
            venue_initiated,
        } => {
            assert_eq!(fill, None, "x=NEW has no fill");
            assert!(!venue_initiated);
            assert_eq!(
                (
                    update.client_order_id.as_str(),
                    update.venue_order_id.as_str()
                ),
                ("TEST", "8886774")
            );
            assert_eq!(
                (update.kind, update.status, update.side),
                (OrderKind::StopMarket, OrderStatus::Open, Side::Buy)
            );
            assert_eq!(update.symbol, "BTC/USDT");
        }
        other => panic!("{other:?}"),
    }
    match user(&text("ws_user_order_trade_update_trade.json")) {
        UserEvent::Order { update, fill, .. } => {
            assert_eq!(update.status, OrderStatus::PartiallyFilled);
            assert_eq!(
                (update.filled_qty, update.filled_quote),
                (dec!(0.001), dec!(7.1005))
            );
            let f = fill.expect("x=TRADE carries a fill");
            assert_eq!(
                (
                    f.trade_id.as_str(),
                    f.venue_order_id.as_str(),
                    f.client_order_id.as_str()
                ),
                ("12345678", "8886774", "TEST")
            );
            assert_eq!(
                (f.price, f.qty, f.quote_qty),
                (dec!(7100.50), dec!(0.001), dec!(7.1005))
            );
            assert_eq!(
                (f.fee, f.fee_asset.as_str(), f.is_maker),
                (dec!(0.01), "USDT", true)
            );
            assert_eq!((f.side, f.ts_ms), (Side::Buy, 1568879465651));
            assert_eq!(
                (f.venue.as_str(), f.account_id.as_str()),
                ("binance-usdm", "acc1")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn venue_initiated_orders_still_record_fills() {
    for cid in [
        "autoclose-1693427319838",
        "adl_autoclose",
        "settlement_autoclose-BTCUSDT",
    ] {
        assert!(is_venue_initiated(cid));
        let mut v = fixture("ws_user_order_trade_update_trade.json")["expected"].clone();
        v["o"]["c"] = serde_json::Value::String(cid.into());
        v["o"]["X"] = serde_json::Value::String("FILLED".into());
        match user(&v.to_string()) {
            UserEvent::Order {
                update,
                fill,
                venue_initiated,
            } => {
                assert!(venue_initiated, "{cid}");
                assert_eq!(update.status, OrderStatus::Filled);
                assert_eq!(fill.expect("fill").client_order_id, cid);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(!is_venue_initiated("k1a2"));
    assert!(!is_venue_initiated("autoclose"));
}

#[test]
fn account_update_balances_and_positions() {
    let settings = HashMap::from([(
        "BTCUSDT".to_string(),
        SymbolSettings {
            leverage: 7,
            margin_type: MarginType::Isolated,
        },
    )]);
    let ev = parse_user_event(
        &text("ws_user_account_update.json"),
        &symbols(),
        &ctx(),
        &settings,
    )
    .expect("ev");
    match ev {
        UserEvent::Account {
            reason,
            balances,
            positions,
        } => {
            assert_eq!(reason, "ORDER");
            assert_eq!(balances.len(), 1);
            assert_eq!(
                (balances[0].free, balances[0].locked),
                (dec!(100.12345678), dec!(122524.00000000))
            );
            assert_eq!(
                positions.len(),
                3,
                "zero positions are kept: they close a position"
            );
            let sides: Vec<_> = positions.iter().map(|p| (p.position_side, p.qty)).collect();
            assert_eq!(
                sides,
                vec![
                    (PositionSide::Both, dec!(0)),
                    (PositionSide::Long, dec!(20)),
                    (PositionSide::Short, dec!(-10))
                ]
            );
            let long = &positions[1];
            assert_eq!(
                (long.entry_price, long.unrealized_pnl),
                (dec!(6563.6), dec!(2850.212))
            );
            assert_eq!((long.margin_type, long.leverage), (MarginType::Isolated, 7));
            assert_eq!(
                (long.symbol.as_str(), long.updated_ms),
                ("BTC/USDT", 1564745798939)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn trade_lite_algo_update_and_config_update() {
    match user(&text("ws_user_trade_lite.json")) {
        UserEvent::TradeLite {
            venue_symbol,
            client_order_id,
            trade_id,
            latency_ms,
        } => {
            assert_eq!(
                (
                    venue_symbol.as_str(),
                    client_order_id.as_str(),
                    trade_id.as_str()
                ),
                ("BTCUSDT", "TEST", "12345678")
            );
            assert_eq!(latency_ms, 0);
        }
        other => panic!("{other:?}"),
    }
    match user(&text("ws_user_algo_update_new.json")) {
        UserEvent::Algo {
            update,
            reject_reason,
            actual_order_id,
        } => {
            assert_eq!(actual_order_id, None, "`ai` is empty before the trigger");
            assert_eq!(update.filled_qty, dec!(0));
            assert_eq!(
                (
                    update.client_order_id.as_str(),
                    update.venue_order_id.as_str()
                ),
                ("Q5xaq5EGKgXXa0fD7fs0Ip", "2148719")
            );
            assert_eq!(
                (update.kind, update.status, update.side),
                (OrderKind::TakeProfitLimit, OrderStatus::Open, Side::Sell)
            );
            assert_eq!(update.symbol, "BNB/USDT");
            assert_eq!(reject_reason.as_deref(), Some("Reduce Only reject"));
        }
        other => panic!("{other:?}"),
    }
    // The lifecycle after the trigger: `ai` names the placed order, `aq` is what it executed
    // (Binance USD-M "Event: Algo Order Update").
    let algo = |status: &str, ai: &str, aq: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&text("ws_user_algo_update_new.json")).expect("json");
        v["o"]["X"] = serde_json::json!(status);
        v["o"]["ai"] = serde_json::json!(ai);
        v["o"]["aq"] = serde_json::json!(aq);
        v["o"]["ap"] = serde_json::json!("750.5");
        match user(&v.to_string()) {
            UserEvent::Algo {
                update,
                actual_order_id,
                ..
            } => (
                update.status,
                update.filled_qty,
                update.filled_quote,
                actual_order_id,
            ),
            other => panic!("{other:?}"),
        }
    };
    let z = dec!(0);
    assert_eq!(algo("TRIGGERING", "", "0"), (OrderStatus::Open, z, z, None));
    assert_eq!(
        algo("TRIGGERED", "88937381063", "0"),
        (OrderStatus::Open, z, z, Some(88937381063))
    );
    assert_eq!(
        algo("TRIGGERED", "88937381063", "0.005"),
        (
            OrderStatus::PartiallyFilled,
            dec!(0.005),
            dec!(3.7525),
            Some(88937381063)
        )
    );
    assert_eq!(
        algo("FINISHED", "88937381063", "0.01").0,
        OrderStatus::Filled
    );
    assert_eq!(
        algo("FINISHED", "88937381063", "0.005").0,
        OrderStatus::Canceled,
        "its order closed part-filled"
    );
    assert_eq!(algo("CANCELED", "", "0").0, OrderStatus::Canceled);
    assert_eq!(algo("EXPIRED", "", "0").0, OrderStatus::Expired);
    assert_eq!(algo("REJECTED", "", "0").0, OrderStatus::Rejected);
    let cfg = r#"{"e":"ACCOUNT_CONFIG_UPDATE","E":1611646737479,"T":1611646737476,"ac":{"s":"BTCUSDT","l":25}}"#;
    assert_eq!(
        user(cfg),
        UserEvent::LeverageChanged {
            venue_symbol: "BTCUSDT".into(),
            leverage: 25
        }
    );
    assert_eq!(
        user(r#"{"e":"MARGIN_CALL","E":1}"#),
        UserEvent::Other("MARGIN_CALL".into())
    );
}

#[test]
fn listen_key_expired_with_string_or_number_time() {
    let observed = text("ws_listen_key_expired_observed.json");
    assert!(
        observed.contains(r#""E":"1693427319838""#),
        "E is a JSON string in the capture"
    );
    assert_eq!(
        user(&observed),
        UserEvent::ListenKeyExpired {
            event_ms: 1693427319838
        }
    );
    let documented = r#"{"e":"listenKeyExpired","E":1576653824250,"listenKey":"KEY"}"#;
    assert_eq!(
        user(documented),
        UserEvent::ListenKeyExpired {
            event_ms: 1576653824250
        }
    );
    assert!(
        parse_user_event(
            r#"{"e":"listenKeyExpired","E":"soon"}"#,
            &symbols(),
            &ctx(),
            &HashMap::new()
        )
        .is_err()
    );
}
