//! BookSync: Binance spot and futures sequencing, gaps, stale diffs, crossed books, ordering.

// Test helpers outside #[test] functions unwrap setup steps: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use keel_transport::{BookStatus, BookSync, DepthDiff, DepthSnapshot, SequenceRule};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn diff(
    first: u64,
    last: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> DepthDiff {
    DepthDiff {
        first_update_id: first,
        final_update_id: last,
        prev_final_update_id: None,
        bids: bids.to_vec(),
        asks: asks.to_vec(),
        ts_ms: i64::try_from(last).unwrap(),
    }
}

fn fdiff(
    first: u64,
    last: u64,
    pu: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> DepthDiff {
    DepthDiff {
        prev_final_update_id: Some(pu),
        ..diff(first, last, bids, asks)
    }
}

fn snapshot(last: u64) -> DepthSnapshot {
    DepthSnapshot {
        last_update_id: last,
        bids: vec![
            (dec!(100), dec!(1)),
            (dec!(99), dec!(2)),
            (dec!(98), dec!(3)),
        ],
        asks: vec![
            (dec!(101), dec!(1)),
            (dec!(102), dec!(2)),
            (dec!(103), dec!(3)),
        ],
        ts_ms: 7,
    }
}

fn levels(side: &[keel_domain::BookLevel]) -> Vec<(Decimal, Decimal)> {
    side.iter().map(|l| (l.price, l.qty)).collect()
}

#[test]
fn spot_buffers_until_the_snapshot_then_drops_stale_and_applies_the_straddling_diff() {
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    assert!(book.top(5).bids.is_empty());
    // u <= 100: stale once the snapshot (L = 100) arrives.
    assert_eq!(
        book.on_diff(diff(90, 95, &[(dec!(100), dec!(50))], &[])),
        BookStatus::NeedSnapshot
    );
    assert_eq!(
        book.on_diff(diff(96, 100, &[(dec!(100), dec!(60))], &[])),
        BookStatus::NeedSnapshot
    );
    // U = 101 <= L + 1 = 101 <= u = 103: the first applied diff.
    assert_eq!(
        book.on_diff(diff(
            101,
            103,
            &[(dec!(100), dec!(5))],
            &[(dec!(101), dec!(0))]
        )),
        BookStatus::NeedSnapshot
    );
    assert_eq!(
        book.on_diff(diff(104, 104, &[(dec!(99.5), dec!(1))], &[])),
        BookStatus::NeedSnapshot
    );
    assert!(!book.is_synced());
    assert_eq!(book.buffered(), 4);

    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Synced);
    assert!(book.is_synced());
    assert_eq!(book.last_update_id(), 104);
    let top = book.top(10);
    assert_eq!(
        levels(&top.bids),
        vec![
            (dec!(100), dec!(5)),
            (dec!(99.5), dec!(1)),
            (dec!(99), dec!(2)),
            (dec!(98), dec!(3))
        ]
    );
    assert_eq!(
        levels(&top.asks),
        vec![(dec!(102), dec!(2)), (dec!(103), dec!(3))]
    );
    assert_eq!(top.ts_ms, 104);
    assert_eq!(book.gaps_detected(), 0);

    // A duplicate (u <= last) is dropped, the next continuous one applies.
    assert_eq!(
        book.on_diff(diff(104, 104, &[(dec!(99.5), dec!(9))], &[])),
        BookStatus::Synced
    );
    assert_eq!(book.top(2).bids[1].qty, dec!(1));
    assert_eq!(
        book.on_diff(diff(105, 106, &[(dec!(99.5), dec!(0))], &[])),
        BookStatus::Synced
    );
    assert_eq!(
        levels(&book.top(2).bids),
        vec![(dec!(100), dec!(5)), (dec!(99), dec!(2))]
    );
}

#[test]
fn spot_snapshot_older_than_the_buffered_stream_is_a_gap() {
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    book.on_diff(diff(105, 110, &[], &[]));
    // L + 1 = 101 < U = 105: diffs 101..104 are missing.
    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Gap);
    assert!(!book.is_synced());
    assert!(book.top(5).bids.is_empty());
    assert_eq!(book.gaps_detected(), 1);
    // The diff is kept; a newer snapshot syncs with it.
    assert_eq!(book.buffered(), 1);
    assert_eq!(book.on_snapshot(snapshot(107)), BookStatus::Synced);
    assert_eq!(book.last_update_id(), 110);
}

#[test]
fn spot_gap_after_sync_clears_and_asks_for_a_snapshot() {
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Synced);
    assert_eq!(book.on_diff(diff(101, 101, &[], &[])), BookStatus::Synced);
    // 102 is missing.
    assert_eq!(
        book.on_diff(diff(103, 104, &[(dec!(97), dec!(1))], &[])),
        BookStatus::Gap
    );
    assert_eq!(book.gaps_detected(), 1);
    assert!(book.top(5).bids.is_empty() && book.top(5).asks.is_empty());
    // Further diffs are buffered until the next snapshot.
    assert_eq!(
        book.on_diff(diff(105, 105, &[], &[])),
        BookStatus::NeedSnapshot
    );
    assert_eq!(book.on_snapshot(snapshot(103)), BookStatus::Synced);
    assert_eq!(book.last_update_id(), 105);
    assert_eq!(book.top(10).bids.last().map(|l| l.price), Some(dec!(97)));
}

#[test]
fn futures_first_diff_straddles_l_and_later_diffs_chain_by_pu() {
    let mut book = BookSync::new(SequenceRule::BinanceFutures);
    // u < L: stale. u == L is applied under the futures rule (U <= L <= u).
    book.on_diff(fdiff(80, 99, 79, &[(dec!(100), dec!(42))], &[]));
    book.on_diff(fdiff(95, 100, 99, &[(dec!(100), dec!(7))], &[]));
    book.on_diff(fdiff(101, 120, 100, &[], &[(dec!(101), dec!(4))]));
    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Synced);
    assert_eq!(book.last_update_id(), 120);
    let top = book.top(1);
    assert_eq!(levels(&top.bids), vec![(dec!(100), dec!(7))]);
    assert_eq!(levels(&top.asks), vec![(dec!(101), dec!(4))]);
    // Futures ids are not contiguous: pu == previous u is what counts.
    assert_eq!(
        book.on_diff(fdiff(130, 140, 120, &[], &[])),
        BookStatus::Synced
    );
    assert_eq!(
        book.on_diff(fdiff(141, 150, 139, &[], &[])),
        BookStatus::Gap
    );
    assert_eq!(book.gaps_detected(), 1);
    assert!(!book.is_synced());
}

#[test]
fn futures_first_diff_must_cover_l() {
    let mut book = BookSync::new(SequenceRule::BinanceFutures);
    book.on_diff(fdiff(101, 120, 100, &[], &[]));
    // U = 101 > L = 100.
    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Gap);
    let mut book = BookSync::new(SequenceRule::BinanceFutures);
    assert_eq!(book.on_snapshot(snapshot(100)), BookStatus::Synced);
    assert_eq!(
        book.on_diff(fdiff(90, 100, 89, &[], &[])),
        BookStatus::Synced
    );
    assert_eq!(
        book.on_diff(fdiff(101, 105, 100, &[], &[])),
        BookStatus::Synced
    );
}

#[test]
fn a_crossed_book_is_never_shown() {
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    book.on_snapshot(snapshot(100));
    // A bid at the best ask crosses the book: something was missed.
    assert_eq!(
        book.on_diff(diff(101, 101, &[(dec!(101), dec!(1))], &[])),
        BookStatus::Gap
    );
    assert!(!book.is_synced());
    assert!(book.top(5).bids.is_empty());
    assert_eq!(book.gaps_detected(), 1);
    // A crossed snapshot is refused as well.
    let crossed = DepthSnapshot {
        last_update_id: 200,
        bids: vec![(dec!(105), dec!(1))],
        asks: vec![(dec!(104), dec!(1))],
        ts_ms: 1,
    };
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    assert_eq!(book.on_snapshot(crossed), BookStatus::Gap);
    assert!(book.top(5).asks.is_empty());
}

#[test]
fn top_orders_bids_down_and_asks_up_and_truncates() {
    let mut book = BookSync::new(SequenceRule::BinanceSpot);
    book.on_snapshot(DepthSnapshot {
        last_update_id: 1,
        bids: vec![
            (dec!(9.5), dec!(1)),
            (dec!(9.9), dec!(1)),
            (dec!(9.1), dec!(1)),
            (dec!(9.7), dec!(0)),
        ],
        asks: vec![
            (dec!(10.4), dec!(1)),
            (dec!(10.1), dec!(1)),
            (dec!(10.9), dec!(1)),
        ],
        ts_ms: 3,
    });
    let top = book.top(2);
    assert_eq!(
        top.bids.iter().map(|l| l.price).collect::<Vec<_>>(),
        vec![dec!(9.9), dec!(9.5)]
    );
    assert_eq!(
        top.asks.iter().map(|l| l.price).collect::<Vec<_>>(),
        vec![dec!(10.1), dec!(10.4)]
    );
    assert_eq!(top.best_bid(), Some(dec!(9.9)));
    assert_eq!(top.ts_ms, 3);
    // Prices equal in value but written with another scale are the same level.
    book.on_diff(diff(2, 2, &[(dec!(9.90), dec!(0))], &[]));
    assert_eq!(book.top(1).best_bid(), Some(dec!(9.5)));
}

type Levels = Vec<(Decimal, Decimal)>;

/// A reference book: applies every diff of a continuous stream blindly.
fn reference(snapshot: &DepthSnapshot, diffs: &[DepthDiff]) -> (Levels, Levels) {
    let mut bids = std::collections::BTreeMap::new();
    let mut asks = std::collections::BTreeMap::new();
    for (p, q) in &snapshot.bids {
        bids.insert(*p, *q);
    }
    for (p, q) in &snapshot.asks {
        asks.insert(*p, *q);
    }
    for d in diffs
        .iter()
        .filter(|d| d.final_update_id > snapshot.last_update_id)
    {
        for (p, q) in &d.bids {
            if q.is_zero() {
                bids.remove(p);
            } else {
                bids.insert(*p, *q);
            }
        }
        for (p, q) in &d.asks {
            if q.is_zero() {
                asks.remove(p);
            } else {
                asks.insert(*p, *q);
            }
        }
    }
    (bids.into_iter().rev().collect(), asks.into_iter().collect())
}

prop_compose! {
    /// A continuous spot stream: bids at 1..=50, asks at 51..=100 (never crossed).
    fn stream()(lens in prop::collection::vec(1u64..4, 1..60),
                updates in prop::collection::vec((any::<bool>(), 0u32..50, 0u32..4), 60..240))
               -> Vec<DepthDiff> {
        let mut next = 1u64;
        let mut out = Vec::new();
        for (i, len) in lens.iter().enumerate() {
            let mut bids = Vec::new();
            let mut asks = Vec::new();
            for (is_bid, level, qty) in updates.iter().skip(i * 4).take(4) {
                let qty = Decimal::from(*qty);
                if *is_bid { bids.push((Decimal::from(level + 1), qty)); }
                else { asks.push((Decimal::from(level + 51), qty)); }
            }
            out.push(diff(next, next + len - 1, &bids, &asks));
            next += len;
        }
        out
    }
}

proptest! {
    /// Wherever the snapshot falls in a continuous stream, and however many diffs arrived
    /// before it, the synced book equals the snapshot plus every later diff.
    #[test]
    fn any_snapshot_point_gives_the_reference_book(diffs in stream(), cut in 0usize..60, early in 0usize..60) {
        let cut = cut.min(diffs.len());
        let first_after = diffs.get(cut).map_or(u64::MAX, |d| d.first_update_id);
        let last_id = if cut == 0 { 0 } else { diffs[cut - 1].final_update_id };
        // The snapshot is the reference book at `last_id`.
        let empty = DepthSnapshot { last_update_id: 0, bids: vec![], asks: vec![], ts_ms: 0 };
        let (b, a) = reference(&empty, &diffs[..cut]);
        let snap = DepthSnapshot { last_update_id: last_id, bids: b, asks: a, ts_ms: 0 };
        prop_assume!(first_after == u64::MAX || first_after == last_id + 1);

        let mut book = BookSync::new(SequenceRule::BinanceSpot);
        let early = early.min(diffs.len());
        for d in &diffs[..early] {
            prop_assert_eq!(book.on_diff(d.clone()), BookStatus::NeedSnapshot);
        }
        prop_assert_eq!(book.on_snapshot(snap.clone()), BookStatus::Synced);
        for d in &diffs[early..] {
            prop_assert_eq!(book.on_diff(d.clone()), BookStatus::Synced);
        }
        let (bids, asks) = reference(&snap, &diffs);
        let top = book.top(1000);
        prop_assert_eq!(levels(&top.bids), bids);
        prop_assert_eq!(levels(&top.asks), asks);
        prop_assert_eq!(book.gaps_detected(), 0);
    }

    /// Dropping any one diff after the sync point is detected as a gap, and the book is empty.
    #[test]
    fn a_missing_diff_is_always_a_gap(diffs in stream(), missing in 0usize..60) {
        prop_assume!(diffs.len() >= 2);
        let missing = 1 + missing % (diffs.len() - 1);
        let mut book = BookSync::new(SequenceRule::BinanceSpot);
        let empty = DepthSnapshot { last_update_id: 0, bids: vec![], asks: vec![], ts_ms: 0 };
        book.on_snapshot(empty);
        let mut saw_gap = false;
        for (i, d) in diffs.iter().enumerate() {
            if i == missing { continue; }
            if book.on_diff(d.clone()) == BookStatus::Gap { saw_gap = true; break; }
        }
        prop_assert_eq!(saw_gap, missing + 1 < diffs.len());
        if saw_gap {
            prop_assert!(book.top(10).bids.is_empty());
            prop_assert_eq!(book.gaps_detected(), 1);
        }
    }
}
