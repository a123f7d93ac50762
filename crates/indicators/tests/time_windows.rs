//! The time-window family against brute-force references that integrate the tick stream
//! directly (proptest over random tick streams and windows), plus hand-checked cases.

use keel_indicators::{Indicator, Tick, TimeWeightedPrice, Velocity, VolumeSurge};
use proptest::prelude::*;

/// Ticks as the indicators see them (out-of-order times clamped to the previous tick).
fn clamp(ticks: &[Tick]) -> Vec<Tick> {
    let mut last = i64::MIN;
    ticks
        .iter()
        .map(|t| {
            last = last.max(t.t_ms);
            Tick { t_ms: last, ..*t }
        })
        .collect()
}

/// Brute force: time-weighted price over [now - t1, now - t2] of `ticks` (all seen so far).
fn twp_ref(ticks: &[Tick], (t1, t2): (u64, u64)) -> Option<f64> {
    let now = ticks.last()?.t_ms;
    let (a, b) = (now - t1 as i64 * 1000, now - t2 as i64 * 1000);
    if ticks[0].t_ms > a {
        return None;
    }
    let mut area = 0.0;
    for (i, t) in ticks.iter().enumerate() {
        let end = ticks.get(i + 1).map_or(now, |n| n.t_ms);
        let (lo, hi) = (t.t_ms.max(a), end.min(b));
        if hi > lo {
            area += t.price * (hi - lo) as f64;
        }
    }
    Some(area / (b - a) as f64)
}

/// Brute force: volume of the ticks with now - t1 < t <= now - t2.
fn vol_ref(ticks: &[Tick], (t1, t2): (u64, u64)) -> Option<f64> {
    let now = ticks.last()?.t_ms;
    let (a, b) = (now - t1 as i64 * 1000, now - t2 as i64 * 1000);
    if ticks[0].t_ms > a {
        return None;
    }
    Some(
        ticks
            .iter()
            .filter(|t| t.t_ms > a && t.t_ms <= b)
            .map(|t| t.volume)
            .sum(),
    )
}

fn close(label: &str, i: usize, got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            let tol = 1e-9 * g.abs().max(w.abs()).max(1e-12);
            assert!((g - w).abs() <= tol, "{label}[{i}]: got {g}, reference {w}");
        }
        _ => panic!("{label}[{i}]: got {got:?}, reference {want:?}"),
    }
}

fn ticks_strategy() -> impl Strategy<Value = Vec<Tick>> {
    // Gaps of 0..20 s (0 = same-millisecond ticks), a few out of order, prices 50..150,
    // volumes 0..10 (some zero).
    prop::collection::vec(
        (-200i64..20_000, 50.0f64..150.0, 0.0f64..10.0, 0u8..10),
        1..400,
    )
    .prop_map(|raw| {
        let mut t = 1_700_000_000_000i64;
        raw.into_iter()
            .map(|(dt, price, vol, z)| {
                t += dt;
                Tick {
                    t_ms: t,
                    price,
                    volume: if z == 0 { 0.0 } else { vol },
                }
            })
            .collect()
    })
}

fn window_strategy() -> impl Strategy<Value = (u64, u64)> {
    (1u64..600, 0u64..300).prop_map(|(len, t2)| (t2 + len, t2))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn twp_matches_brute_force(ticks in ticks_strategy(), w in window_strategy()) {
        let mut ind = TimeWeightedPrice::new(w.0, w.1).expect("valid window");
        let seen = clamp(&ticks);
        for i in 0..ticks.len() {
            close("twp", i, ind.update(ticks[i]), twp_ref(&seen[..=i], w));
        }
    }

    #[test]
    fn velocity_matches_brute_force(
        ticks in ticks_strategy(), r in window_strategy(), b in window_strategy()
    ) {
        let mut ind = Velocity::new(r, b).expect("valid windows");
        let seen = clamp(&ticks);
        for i in 0..ticks.len() {
            let want = match (twp_ref(&seen[..=i], r), twp_ref(&seen[..=i], b)) {
                (Some(r), Some(b)) if b != 0.0 => Some(r / b - 1.0),
                _ => None,
            };
            // Velocity is a relative change (ratio - 1): near 0 its precision is absolute, about
            // 1e-16, so the check is 1e-9 relative plus 1e-12 absolute.
            let got = ind.update(ticks[i]);
            match (got, want) {
                (Some(g), Some(w)) => prop_assert!(
                    (g - w).abs() <= 1e-9 * g.abs().max(w.abs()) + 1e-12,
                    "velocity[{}]: got {}, reference {}", i, g, w
                ),
                _ => close("velocity", i, got, want),
            }
        }
    }

    #[test]
    fn volume_surge_matches_brute_force(
        ticks in ticks_strategy(), r in window_strategy(), b in window_strategy()
    ) {
        let mut ind = VolumeSurge::new(r, b).expect("valid windows");
        let seen = clamp(&ticks);
        let len = |(t1, t2): (u64, u64)| (t1 - t2) as f64;
        for i in 0..ticks.len() {
            let want = match (vol_ref(&seen[..=i], r), vol_ref(&seen[..=i], b)) {
                (Some(rv), Some(bv)) if bv > 0.0 => Some(rv / (bv * len(r) / len(b))),
                _ => None,
            };
            close("surge", i, ind.update(ticks[i]), want);
        }
    }
}

fn tick(t_s: i64, price: f64, volume: f64) -> Tick {
    Tick {
        t_ms: t_s * 1000,
        price,
        volume,
    }
}

#[test]
fn twp_hand_checked() {
    // Window (10, 0): price 100 for 0..4 s, 110 for 4..10 s => (4*100 + 6*110) / 10 = 106.
    let mut twp = TimeWeightedPrice::new(10, 0).expect("valid");
    assert_eq!(
        twp.update(tick(0, 100.0, 1.0)),
        None,
        "window not covered yet"
    );
    assert_eq!(twp.update(tick(4, 110.0, 1.0)), None);
    assert_eq!(
        twp.update(tick(10, 200.0, 1.0)),
        Some(106.0),
        "the new tick has no duration yet"
    );
    // At 12 s: window [2, 12] = 100 for 2 s, 110 for 6 s, 200 for 2 s => 1260 / 10 = 126.
    assert_eq!(twp.update(tick(12, 200.0, 1.0)), Some(126.0));
    twp.reset();
    assert_eq!(
        twp.update(tick(100, 1.0, 1.0)),
        None,
        "reset forgets coverage"
    );
}

#[test]
fn velocity_and_surge_hand_checked() {
    // Price 100 for 0..10 s, then 110; volume 1 per second until 10 s, then 3 per second.
    let mut vel = Velocity::new((10, 0), (20, 10)).expect("valid");
    let mut surge = VolumeSurge::new((10, 0), (20, 10)).expect("valid");
    let (mut v, mut s) = (None, None);
    for t in 0..=20 {
        // The tick at 10 s sets the new price; the new volume rate starts after it.
        let price = if t < 10 { 100.0 } else { 110.0 };
        let volume = if t <= 10 { 1.0 } else { 3.0 };
        v = vel.update(tick(t, price, volume));
        s = surge.update(tick(t, price, volume));
    }
    // Recent [10, 20]: 110; base [0, 10]: 100 => +10 %.
    let v = v.expect("covered");
    assert!((v - 0.1).abs() < 1e-12, "velocity {v}");
    // Recent (10, 20]: ticks 11..=20 => 30; baseline (0, 10]: ticks 1..=10 => 10 => 3x.
    assert_eq!(s, Some(3.0));
}

#[test]
fn bad_windows_are_rejected_with_the_parameter_name() {
    let e = TimeWeightedPrice::new(0, 0).expect_err("t1 must exceed t2");
    assert!(e.to_string().contains("`window`"), "{e}");
    let e = Velocity::new((300, 0), (100, 300)).expect_err("base t1 < t2");
    assert!(e.to_string().contains("`base`"), "{e}");
    let e = VolumeSurge::new((u64::MAX, 0), (600, 0)).expect_err("too long");
    assert!(e.to_string().contains("`recent`"), "{e}");
}

#[test]
fn memory_stays_bounded_by_the_longest_window() {
    // One tick per 100 ms for a simulated day through a 5-minute window: the deque holds about
    // 3,000 ticks, so a day of updates stays fast and small; exercised here for correctness of
    // eviction against the brute force on the tail.
    let mut twp = TimeWeightedPrice::new(300, 0).expect("valid");
    let mut ticks = Vec::new();
    let mut last = None;
    for i in 0..864_000i64 {
        let tk = Tick {
            t_ms: i * 100,
            price: 100.0 + (i % 97) as f64,
            volume: 1.0,
        };
        ticks.push(tk);
        last = twp.update(tk);
    }
    let tail = &ticks[ticks.len() - 3_100..];
    close("twp-day", 0, last, twp_ref(tail, (300, 0)));
}
