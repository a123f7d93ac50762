//! Canary secrets: a full session with a Binance account (add, connect, trade, restart, unlock)
//! under the most verbose logging, then every log line, the database, its WAL and the vault file
//! are searched for the key and the secret. None may contain them in the clear.

use crate::binance::{engine_config, new_account};
use keel_domain::{Amount, OrderKind, Side};
use keel_engine::Engine;
use keel_engine::api::PlaceOrderRequest;
use keel_testkit::{Market, MockBinance, MockConfig};
use keel_vault::Secret;
use rust_decimal_macros::dec;
use std::io::Write;
use std::sync::{Arc, Mutex};

const CANARY_KEY: &str = "CanaryKey5f1d2a9c0b7e4f3a8d6c1b0e9f2a7d4c";
const CANARY_SECRET: &str = "CanarySecret8e3b6f1a4d9c2e7b0a5f8d3c6e1b4a";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_secrets_never_reach_logs_the_database_or_the_wal() {
    // Keel's own log filter at its most verbose (what `RUST_LOG=trace` gives a trader).
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter(keel_engine::logging::log_filter("trace"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber in this test process");

    let mock = MockBinance::start(MockConfig::new(21, CANARY_KEY, CANARY_SECRET))
        .await
        .expect("mock");
    let dir = tempfile::tempdir().expect("dir");
    let engine = Engine::start(engine_config(dir.path(), &mock))
        .await
        .expect("engine");
    engine
        .create_vault(Secret::new("vault-password-1"))
        .await
        .expect("vault");
    let account = engine
        .add_account(new_account("spot", CANARY_KEY, CANARY_SECRET))
        .await
        .expect("added");
    engine
        .set_account_live(&account.id, true, None)
        .await
        .expect("live");
    let placed = engine
        .place_order(PlaceOrderRequest {
            account_id: account.id.clone(),
            symbol: "BTC/USDT".into(),
            side: Side::Buy,
            kind: OrderKind::Limit,
            price: Some(dec!(45000)),
            amount: Amount::Base(dec!(0.01)),
            options: None,
        })
        .await
        .expect("placed");
    mock.trade(Market::Spot, "BTCUSDT", dec!(44990), dec!(1));
    engine.cancel_order(&account.id, placed.id).await.ok();
    engine.shutdown().await;
    drop(engine);

    // A second session: the key is read back from the vault to connect.
    let engine = Engine::start(engine_config(dir.path(), &mock))
        .await
        .expect("restart");
    engine
        .unlock_vault(Secret::new("vault-password-1"))
        .await
        .expect("unlock");
    crate::binance::until("reconnected", || async {
        engine.equity(&account.id).await.is_ok()
    })
    .await;
    let views = format!("{:?}", engine.accounts().await.expect("accounts"));
    engine.shutdown().await;

    let logs = capture.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        logs.len() > 10_000,
        "the session logged ({} bytes)",
        logs.len()
    );
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("logs".into(), logs),
        ("account views".into(), views.into_bytes()),
    ];
    for name in ["keel.db", "keel.db-wal", "keel.db-shm", "secrets.vault"] {
        let path = dir.path().join(name);
        if path.exists() {
            places.push((name.into(), std::fs::read(&path).expect("read")));
        }
    }
    assert!(
        places.iter().any(|(n, _)| n == "secrets.vault"),
        "the key went to the vault file"
    );
    for (name, bytes) in &places {
        for canary in [CANARY_KEY, CANARY_SECRET] {
            if contains(bytes, canary) {
                let text = String::from_utf8_lossy(bytes);
                let lines: Vec<&str> = text
                    .lines()
                    .filter(|l| l.contains(canary))
                    .take(3)
                    .collect();
                panic!("{canary} found in {name}: {lines:#?}");
            }
        }
    }
}
