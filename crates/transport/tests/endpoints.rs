//! EndpointPool scoring and cooldowns under tokio's paused clock.

use std::time::Duration;

use keel_transport::EndpointPool;

fn pool() -> EndpointPool {
    EndpointPool::new(&[
        "https://a/".to_string(),
        "https://b".to_string(),
        "https://c".to_string(),
    ])
}

#[tokio::test(start_paused = true)]
async fn an_untried_pool_starts_with_the_first_and_prefers_lower_latency() {
    let pool = pool();
    assert_eq!(pool.pick(), Some((0, "https://a".to_string())));
    pool.record_success(0, Duration::from_millis(80));
    pool.record_success(1, Duration::from_millis(20));
    pool.record_success(2, Duration::from_millis(50));
    assert_eq!(pool.pick().map(|p| p.0), Some(1));
    // b gets slow: the average moves and c becomes the best.
    for _ in 0..5 {
        pool.record_success(1, Duration::from_millis(200));
    }
    assert_eq!(pool.pick().map(|p| p.0), Some(2));
    let reports = pool.reports();
    assert!(reports.iter().all(|r| r.healthy && !r.cooling_down));
    assert!(reports[1].latency_ms.unwrap() > 100);
}

#[tokio::test(start_paused = true)]
async fn failures_cool_down_exponentially_up_to_the_cap() {
    let pool = EndpointPool::new(&["https://a".to_string(), "https://b".to_string()])
        .with_cooldown(Duration::from_secs(1), Duration::from_secs(4));
    let mut expected = [1u64, 2, 4, 4].into_iter();
    for _ in 0..4 {
        let secs = expected.next().unwrap();
        pool.record_failure(0, "refused");
        assert!(pool.is_cooling_down(0));
        assert_eq!(pool.pick().map(|p| p.0), Some(1));
        tokio::time::sleep(Duration::from_secs(secs) - Duration::from_millis(1)).await;
        assert!(pool.is_cooling_down(0), "cooldown of {secs} s ended early");
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(!pool.is_cooling_down(0));
    }
    // Even after the cooldown, the failure score keeps the healthy endpoint first.
    pool.record_success(1, Duration::from_millis(30));
    assert_eq!(pool.pick().map(|p| p.0), Some(1));
    // A 429 cools down for at least Retry-After.
    pool.record_rate_limited(1, Duration::from_secs(30));
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert!(pool.is_cooling_down(1));
    assert_eq!(pool.pick().map(|p| p.0), Some(0));
}

#[tokio::test(start_paused = true)]
async fn when_all_cool_down_the_one_that_ends_first_is_taken() {
    let pool = pool().with_cooldown(Duration::from_secs(10), Duration::from_secs(60));
    pool.record_failure(0, "x");
    pool.record_failure(0, "x"); // 20 s
    pool.record_failure(1, "x"); // 10 s
    pool.record_rate_limited(2, Duration::from_secs(40));
    assert_eq!(pool.pick().map(|p| p.0), Some(1));
    let reports = pool.reports();
    assert!(reports.iter().all(|r| r.cooling_down && !r.healthy));
    assert_eq!(reports[2].error.as_deref(), Some("rate limited"));
}
