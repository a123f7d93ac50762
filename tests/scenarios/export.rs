use crate::support::*;
use keel_domain::{ManualClock, Side};
use keel_engine::api::{ErrorCode, FillFilter};
use rust_decimal_macros::dec;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_filtered_fills_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START_MS));
    let engine = start(dir.path(), clock).await;
    engine
        .place_order(market(Side::Buy, "BTC/USDT", dec!(0.001)))
        .await
        .unwrap();
    engine
        .place_order(market(Side::Buy, "SOL/USDT", dec!(1)))
        .await
        .unwrap();

    let out = dir.path().join("btc.csv");
    let filter = FillFilter {
        symbol: Some("BTC/USDT".into()),
        ..Default::default()
    };
    let result = engine.export_fills_csv(&filter, &out).await.unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "time_utc,venue,account,symbol,side,price,quantity,quote_amount,fee,fee_asset,order_id,trade_id"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len() as u64, result.rows);
    assert!(!rows.is_empty());
    for row in rows {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols.len(), 12);
        assert!(
            cols[0].starts_with("2026-11-21T12:00:00") && cols[0].ends_with('Z'),
            "{}",
            cols[0]
        );
        assert_eq!(&cols[1..5], ["demo", "demo", "BTC/USDT", "buy"]);
        assert_eq!(cols[9], "USDT");
    }

    let err = engine
        .export_fills_csv(&filter, &dir.path().join("missing/dir/x.csv"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Io);
    engine.shutdown().await;
}
