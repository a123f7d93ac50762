//! Market data in a real SQLite file: CSV import of the real fixtures (tests/data, see its
//! README), refused files leaving nothing behind, gaps, range queries, storage usage and
//! recording sessions read back in order.

use keel_domain::{BookLevel, Candle, OrderBook, Side, Trade};
use keel_store::csv_import::ImportError;
use keel_store::{
    DatasetRef, GapRange, NewSession, RecordedEvent, RecordedPayload, SessionStatus, Store,
};
use rust_decimal_macros::dec;
use std::path::PathBuf;

const MINUTE: i64 = 60_000;

async fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("keel.sqlite3"))
        .await
        .expect("open")
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path).expect("fixture")
}

async fn all_candles(store: &Store, venue: &str, symbol: &str, interval: i64) -> Vec<Candle> {
    store
        .candles_between(venue, symbol, interval, i64::MIN, i64::MAX)
        .await
        .expect("read")
}

#[tokio::test]
async fn every_fixture_imports_with_its_row_count() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    for (file, symbol, interval, rows, gaps) in [
        (
            "binance_ETHBTC_5m_2018-01.csv",
            "ETH/BTC",
            Some(5 * MINUTE),
            5_760,
            0,
        ),
        (
            "binance_XRPETH_1m_2019-10.csv",
            "XRP/ETH",
            Some(MINUTE),
            2_469,
            676,
        ),
        (
            "binance_usdm_XRPUSDT_5m_2021-11.csv",
            "XRP/USDT",
            None,
            1_999,
            0,
        ),
    ] {
        let summary = store
            .import_csv(file, &fixture(file), "binance", symbol, interval)
            .await
            .expect(file);
        assert_eq!(summary.kind, "candles");
        assert_eq!(summary.rows, rows, "{file}");
        assert_eq!(summary.gaps.len(), gaps, "{file}");
        let interval = summary.interval_ms.expect("interval");
        let stored = all_candles(&store, "binance", symbol, interval).await;
        assert_eq!(stored.len() as u64, rows, "{file}");
        assert!(
            stored
                .windows(2)
                .all(|w| w[0].open_time_ms < w[1].open_time_ms)
        );
        // What the gap finder sees in the store is what the parser warned about.
        let first = stored[0].open_time_ms;
        let end = stored[stored.len() - 1].open_time_ms + interval;
        let found = store
            .candle_gaps("binance", symbol, interval, first, end)
            .await
            .expect("gaps");
        assert_eq!(found, summary.gaps, "{file}");
    }
    // The first ETH/BTC row, exactly as written.
    let eth = all_candles(&store, "binance", "ETH/BTC", 5 * MINUTE).await;
    assert_eq!(
        eth[0],
        Candle {
            open_time_ms: 1_515_560_100_000,
            open: dec!(0.0984),
            high: dec!(0.0994766),
            low: dec!(0.09828605),
            close: dec!(0.0994766),
            volume: dec!(1820.544474),
        }
    );
    // XRP/ETH 1m: the real file misses minutes; the missing ones add up to the span.
    let xrp = all_candles(&store, "binance", "XRP/ETH", MINUTE).await;
    let span = (xrp[xrp.len() - 1].open_time_ms - xrp[0].open_time_ms) / MINUTE + 1;
    let gaps = store
        .candle_gaps(
            "binance",
            "XRP/ETH",
            MINUTE,
            xrp[0].open_time_ms,
            xrp[0].open_time_ms + span * MINUTE,
        )
        .await
        .expect("gaps");
    assert_eq!(gaps.iter().map(|g| g.missing).sum::<i64>() + 2_469, span);

    // Trades become an imported session.
    let file = "binance_XRPETH_trades_2019-10.csv";
    let summary = store
        .import_csv(file, &fixture(file), "binance", "XRP/ETH", None)
        .await
        .expect("trades");
    assert_eq!((summary.kind.as_str(), summary.rows), ("trades", 12_477));
    let id = summary.session_id.expect("session");
    let session = store.session(id).await.expect("read").expect("exists");
    assert_eq!(session.status, SessionStatus::Imported);
    assert_eq!(session.trade_count, 12_477);
    assert_eq!(session.start_ms, 1_570_752_011_620);
    let first = store.session_events(id, -1, 2).await.expect("events");
    assert_eq!(
        first[1].payload,
        RecordedPayload::Trade {
            symbol: "XRP/ETH".into(),
            trade: Trade {
                id: 13_519_808,
                ts_ms: 1_570_752_011_620,
                price: dec!(0.00141266),
                qty: dec!(54),
                taker_side: Side::Sell,
            },
        }
    );
}

#[tokio::test]
async fn a_refused_file_names_the_place_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let file = "binance_ETHBTC_5m_2018-01.csv";
    let text = fixture(file);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();

    // A malformed number on line 17 (16th data row), column high.
    let mut bad = lines.clone();
    let mut fields: Vec<&str> = bad[16].split(',').collect();
    fields[2] = "abc";
    bad[16] = fields.join(",");
    let err = store
        .import_csv(
            file,
            &bad.join("\n"),
            "binance",
            "ETH/BTC",
            Some(5 * MINUTE),
        )
        .await
        .expect_err("malformed");
    let ImportError::Csv(e) = err else {
        panic!("not a CSV error: {err}")
    };
    assert_eq!((e.line, e.column.as_deref()), (Some(17), Some("high")));
    assert_eq!(
        e.to_string(),
        format!("{file}: line 17, column high: \"abc\" is not a number")
    );

    // High below low on line 30.
    let mut bad = lines.clone();
    let mut fields: Vec<String> = bad[29].split(',').map(str::to_string).collect();
    fields.swap(2, 3);
    let (high, low) = (fields[2].clone(), fields[3].clone());
    bad[29] = fields.join(",");
    let err = store
        .import_csv(
            file,
            &bad.join("\n"),
            "binance",
            "ETH/BTC",
            Some(5 * MINUTE),
        )
        .await
        .expect_err("high < low");
    assert_eq!(
        err.to_string(),
        format!("{file}: line 30: high {high} is below low {low}")
    );

    // A row out of time order on line 41.
    let previous = lines[39].split(',').next().expect("time").to_string();
    let mut fields: Vec<String> = lines[40].split(',').map(str::to_string).collect();
    fields[0] = previous.clone();
    lines[40] = fields.join(",");
    let err = store
        .import_csv(
            file,
            &lines.join("\n"),
            "binance",
            "ETH/BTC",
            Some(5 * MINUTE),
        )
        .await
        .expect_err("time order");
    assert_eq!(
        err.to_string(),
        format!(
            "{file}: line 41, column open_time_ms: {previous} is not after the previous row ({previous})"
        )
    );

    // A bad trade row near the end: the rows before it are not stored either.
    let trades = fixture("binance_XRPETH_trades_2019-10.csv");
    let mut rows: Vec<&str> = trades.lines().collect();
    let last = rows.len() - 1;
    rows[last] = "1570900000000,1,sideways,0.001,5";
    let err = store
        .import_csv("t.csv", &rows.join("\n"), "binance", "XRP/ETH", None)
        .await
        .expect_err("side");
    assert!(
        err.to_string()
            .contains(&format!("line {}, column side", last + 1))
    );

    assert!(
        all_candles(&store, "binance", "ETH/BTC", 5 * MINUTE)
            .await
            .is_empty()
    );
    assert!(store.sessions().await.expect("sessions").is_empty());
    assert!(store.dataset_usage().await.expect("usage").is_empty());
}

#[tokio::test]
async fn a_hole_cut_out_of_a_file_is_a_gap_warning_and_a_stored_gap() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let file = "binance_ETHBTC_5m_2018-01.csv";
    let text = fixture(file);
    let lines: Vec<&str> = text.lines().collect();
    // Cut data rows 100..=111 (12 candles) and the last 3 rows.
    let hole_start: i64 = lines[100]
        .split(',')
        .next()
        .expect("t")
        .parse()
        .expect("int");
    let kept: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !(100..=111).contains(i) && *i < lines.len() - 3)
        .map(|(_, l)| *l)
        .collect();
    let summary = store
        .import_csv(
            file,
            &kept.join("\n"),
            "binance",
            "ETH/BTC",
            Some(5 * MINUTE),
        )
        .await
        .expect("imported with a warning");
    assert_eq!(summary.rows, 5_760 - 15);
    let hole = GapRange::new(hole_start, hole_start + 12 * 5 * MINUTE, 5 * MINUTE);
    assert_eq!(summary.gaps, vec![hole]);
    assert_eq!(hole.missing, 12);

    // The gap finder over the full original range also sees the missing tail, and a range
    // starting inside the hole starts with the rest of it.
    let first: i64 = lines[1].split(',').next().expect("t").parse().expect("int");
    let end = first + 5_760 * 5 * MINUTE;
    let gaps = store
        .candle_gaps("binance", "ETH/BTC", 5 * MINUTE, first, end)
        .await
        .expect("gaps");
    assert_eq!(
        gaps,
        vec![hole, GapRange::new(end - 3 * 5 * MINUTE, end, 5 * MINUTE)]
    );
    let inside = store
        .candle_gaps(
            "binance",
            "ETH/BTC",
            5 * MINUTE,
            hole_start + 7 * MINUTE,
            hole.end_ms + 60 * MINUTE,
        )
        .await
        .expect("gaps");
    assert_eq!(
        inside,
        vec![GapRange::new(
            hole_start + 10 * MINUTE,
            hole.end_ms,
            5 * MINUTE
        )]
    );
    // Range queries are [start, end).
    let window = store
        .candles_between(
            "binance",
            "ETH/BTC",
            5 * MINUTE,
            first,
            first + 10 * 5 * MINUTE,
        )
        .await
        .expect("range");
    assert_eq!(window.len(), 10);
    assert_eq!(window[9].open_time_ms, first + 9 * 5 * MINUTE);
    // Nothing stored at all: the whole range is one gap.
    let none = store
        .candle_gaps("binance", "ETH/BTC", MINUTE, 0, 10 * MINUTE)
        .await
        .expect("gaps");
    assert_eq!(none, vec![GapRange::new(0, 10 * MINUTE, MINUTE)]);
}

fn book(ts: i64, bid: i64) -> OrderBook {
    OrderBook {
        bids: vec![BookLevel {
            price: bid.into(),
            qty: dec!(1.5),
        }],
        asks: vec![BookLevel {
            price: (bid + 1).into(),
            qty: dec!(0.25),
        }],
        ts_ms: ts,
    }
}

#[tokio::test]
async fn sessions_keep_arrival_order_counts_and_usage_and_can_be_deleted() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir).await;
    let id = store
        .create_session(&NewSession {
            name: "morning".into(),
            account_id: "demo".into(),
            venue: "demo".into(),
            symbols: vec!["BTC/USDT".into()],
            kinds: vec!["trades".into(), "candles".into(), "books".into()],
            start_ms: 1_000,
        })
        .await
        .expect("create");
    // 1,300 events interleaving the three kinds, in three batches (more than one insert chunk).
    let events: Vec<RecordedEvent> = (0..1_300i64)
        .map(|seq| {
            let payload = match seq % 3 {
                0 => RecordedPayload::Trade {
                    symbol: "BTC/USDT".into(),
                    trade: Trade {
                        id: seq as u64,
                        ts_ms: 1_000 + seq,
                        price: (100 + seq).into(),
                        qty: dec!(0.1),
                        taker_side: if seq % 2 == 0 { Side::Buy } else { Side::Sell },
                    },
                },
                1 => RecordedPayload::Candle {
                    symbol: "BTC/USDT".into(),
                    interval_ms: MINUTE,
                    candle: Candle {
                        open_time_ms: 0,
                        open: dec!(1),
                        high: dec!(2),
                        low: dec!(0.5),
                        close: (seq).into(),
                        volume: dec!(3),
                    },
                    closed: seq % 5 == 0,
                },
                _ => RecordedPayload::Book {
                    symbol: "BTC/USDT".into(),
                    book: book(1_000 + seq, 100 + seq),
                },
            };
            RecordedEvent {
                seq,
                recv_ms: 1_000 + seq,
                payload,
            }
        })
        .collect();
    for batch in events.chunks(600) {
        store
            .append_session_events(id, batch)
            .await
            .expect("append");
    }
    let mut read = Vec::new();
    let mut after = -1;
    loop {
        let page = store.session_events(id, after, 256).await.expect("page");
        let Some(last) = page.last() else { break };
        after = last.seq;
        read.extend(page);
    }
    assert_eq!(read, events);
    let session = store.session(id).await.expect("read").expect("exists");
    assert_eq!(
        (
            session.trade_count,
            session.candle_count,
            session.book_count
        ),
        (434, 433, 433)
    );
    assert_eq!(session.status, SessionStatus::Recording);

    // A crash leaves it recording: the next start marks it interrupted at its last event.
    assert_eq!(store.close_interrupted_sessions().await.expect("close"), 1);
    let session = store.session(id).await.expect("read").expect("exists");
    assert_eq!(session.status, SessionStatus::Interrupted);
    assert_eq!(session.end_ms, Some(1_000 + 1_299));

    store
        .upsert_candles(
            "demo",
            "BTC/USDT",
            MINUTE,
            &[Candle {
                open_time_ms: 0,
                open: dec!(1),
                high: dec!(1),
                low: dec!(1),
                close: dec!(1),
                volume: dec!(1),
            }],
        )
        .await
        .expect("candle");
    let usage = store.dataset_usage().await.expect("usage");
    assert_eq!(usage.len(), 2);
    assert_eq!(usage[0].rows, 1);
    assert_eq!(usage[1].rows, 1_300);
    assert_eq!(usage[1].label, "morning");
    assert!(
        usage[1].approx_bytes > 1_300 * 32,
        "{}",
        usage[1].approx_bytes
    );
    let deleted = store
        .delete_dataset(&DatasetRef::Session { session_id: id })
        .await
        .expect("delete");
    assert_eq!(deleted, 1_301);
    assert!(
        store
            .session_events(id, -1, 10)
            .await
            .expect("events")
            .is_empty()
    );
    let deleted = store
        .delete_dataset(&DatasetRef::Candles {
            venue: "demo".into(),
            symbol: "BTC/USDT".into(),
            interval_ms: MINUTE,
        })
        .await
        .expect("delete");
    assert_eq!(deleted, 1);
    assert!(store.dataset_usage().await.expect("usage").is_empty());
}
