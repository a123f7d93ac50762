//! ServerClock: single-flight resync, minimum interval, RTT-midpoint offset.

// Test helpers outside #[test] functions unwrap setup steps: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use keel_exchange::ExchangeError;
use keel_transport::ServerClock;

fn wall_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn fifty_concurrent_resyncs_cause_one_fetch() {
    let clock = Arc::new(ServerClock::new());
    let fetches = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let clock = Arc::clone(&clock);
        let fetches = Arc::clone(&fetches);
        tasks.push(tokio::spawn(async move {
            clock
                .resync(|| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(80)).await;
                    Ok(wall_ms() + 5_000)
                })
                .await
        }));
    }
    for task in tasks {
        let offset = task.await.unwrap().unwrap();
        assert!((offset - 5_000).abs() < 50, "{offset}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert!(clock.is_synced());
    assert!((clock.venue_now_ms() - wall_ms() - 5_000).abs() < 50);

    // Within the minimum interval the result is reused; after it a new fetch happens.
    let count = |fetches: Arc<AtomicU32>| {
        move || async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(wall_ms() - 2_000)
        }
    };
    clock.resync(count(Arc::clone(&fetches))).await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let offset = clock.resync(count(Arc::clone(&fetches))).await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert!((offset + 2_000).abs() < 50, "{offset}");
    assert_eq!(clock.offset_ms(), offset);
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_a_failure_and_a_later_call_retries() {
    let clock = Arc::new(ServerClock::new());
    let fetches = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let clock = Arc::clone(&clock);
        let fetches = Arc::clone(&fetches);
        tasks.push(tokio::spawn(async move {
            clock
                .resync(|| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err(ExchangeError::Transient {
                        message: "down".into(),
                        retry_after_ms: None,
                    })
                })
                .await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().is_err());
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert!(!clock.is_synced());
    let offset = clock
        .resync(|| async { Ok(wall_ms() + 100) })
        .await
        .unwrap();
    assert!((offset - 100).abs() < 50);
}

/// The server time belongs to the middle of the round trip, not its end.
#[tokio::test]
async fn the_offset_uses_the_round_trip_midpoint() {
    let clock = ServerClock::new();
    let offset = clock
        .resync(|| async {
            let sent = wall_ms();
            tokio::time::sleep(Duration::from_millis(400)).await;
            // The server stamped its time (1 s ahead) halfway through the round trip.
            Ok(sent + 200 + 1_000)
        })
        .await
        .unwrap();
    assert!(
        (offset - 1_000).abs() <= 40,
        "offset {offset} should be about 1000"
    );
}
