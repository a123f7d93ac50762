//! RateBudget rules under tokio's paused clock.

// Test helpers outside #[test] functions unwrap setup steps: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use keel_exchange::ExchangeError;
use keel_transport::{Priority, RateBudget};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn background_keeps_a_reserve_for_trading() {
    let budget = Arc::new(RateBudget::standalone("b1", 100, Duration::from_secs(60)));
    budget.observe_used(69);
    // Background may still fill up to 70 %.
    let t0 = Instant::now();
    budget.acquire(1, Priority::Background).await.unwrap();
    assert_eq!(budget.snapshot().used, 70);
    assert_eq!(t0.elapsed(), Duration::ZERO);

    let waiting = {
        let budget = Arc::clone(&budget);
        tokio::spawn(async move {
            let started = Instant::now();
            budget.acquire(1, Priority::Background).await.unwrap();
            started.elapsed()
        })
    };
    // Trading (and interactive up to 90 %) go on at once.
    budget.acquire(10, Priority::Trading).await.unwrap();
    budget.acquire(10, Priority::Interactive).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(budget.snapshot().used, 90);
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    // Trading may use the whole window.
    budget.acquire(10, Priority::Trading).await.unwrap();
    assert_eq!(budget.snapshot().used, 100);

    // The background request goes through when the window rolls over, not before.
    let waited = waiting.await.unwrap();
    assert!(
        waited > Duration::ZERO && waited <= Duration::from_secs(60),
        "{waited:?}"
    );
    assert_eq!(budget.snapshot().used, 1);
}

#[tokio::test(start_paused = true)]
async fn trading_waits_only_for_a_full_window() {
    let budget = RateBudget::standalone("b2", 100, Duration::from_secs(60));
    budget.observe_used(95);
    let t0 = Instant::now();
    budget.acquire(5, Priority::Trading).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    budget.acquire(5, Priority::Trading).await.unwrap();
    assert!(t0.elapsed() > Duration::ZERO, "the window was full");
    assert_eq!(budget.snapshot().used, 5);
}

#[tokio::test(start_paused = true)]
async fn a_429_blocks_every_priority_until_retry_after() {
    let budget = RateBudget::standalone("b3", 6000, Duration::from_secs(60));
    let t0 = Instant::now();
    budget.on_too_many_requests(Duration::from_secs(7));
    let snap = budget.snapshot();
    assert!(snap.blocked_until_ms.is_some() && !snap.banned);
    budget.acquire(1, Priority::Trading).await.unwrap();
    assert!(t0.elapsed() >= Duration::from_secs(7), "{:?}", t0.elapsed());
    assert!(budget.snapshot().blocked_until_ms.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_418_fails_at_once_and_ends_with_retry_after() {
    let budget = RateBudget::standalone("b4", 6000, Duration::from_secs(60));
    budget.on_banned(Duration::from_secs(120));
    let err = budget.acquire(1, Priority::Trading).await.unwrap_err();
    match err {
        ExchangeError::Transient { retry_after_ms, .. } => {
            // Retry-After plus the safety margin.
            assert_eq!(
                retry_after_ms,
                Some(120_000 + keel_transport::budget::BLOCK_MARGIN.as_millis() as u64)
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(budget.snapshot().banned);
    tokio::time::sleep(Duration::from_millis(120_500)).await;
    assert!(
        budget.acquire(1, Priority::Trading).await.is_err(),
        "still inside the margin"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    budget.acquire(1, Priority::Trading).await.unwrap();
    assert!(!budget.snapshot().banned);
}

#[tokio::test]
async fn shared_budgets_are_one_per_key() {
    let a = RateBudget::shared("shared-key", 6000, Duration::from_secs(60));
    let b = RateBudget::shared("shared-key", 6000, Duration::from_secs(60));
    let c = RateBudget::shared("other-key", 2400, Duration::from_secs(60));
    assert!(Arc::ptr_eq(&a, &b));
    assert!(!Arc::ptr_eq(&a, &c));
    a.observe_used(500);
    assert_eq!(b.snapshot().used, 500);
    assert_eq!(c.snapshot().used, 0);
}
