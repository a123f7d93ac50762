//! A local order book kept from a REST snapshot plus the venue's sequenced depth diffs
//! (Binance's "how to manage a local order book correctly").
//!
//! Rules (`U` = first update id of a diff, `u` = final update id, `pu` = the previous diff's
//! `u`, `L` = the snapshot's lastUpdateId):
//! - **Before a snapshot** diffs are buffered (at most [`MAX_BUFFERED`], oldest dropped first);
//!   [`BookSync::on_snapshot`] loads the levels and replays the buffer through the rules below.
//! - **Stale diffs are dropped**: spot drops `u <= L` (and afterwards `u <=` the last applied
//!   `u`); futures drops `u < L`.
//! - **The first applied diff must straddle the snapshot**: spot `U <= L + 1 <= u`; futures
//!   `U <= L <= u`. Otherwise the snapshot is too old for the stream (or diffs were lost):
//!   a gap.
//! - **Every later diff must continue the previous one**: spot `U == previous u + 1`; futures
//!   `pu == previous u` (a futures diff without `pu` is held to the spot rule).
//! - **Levels carry absolute quantities**; quantity 0 removes the level.
//! - **A crossed book is never shown**: if the best bid is at or above the best ask after a diff,
//!   the book is treated as a gap.
//! - **A gap** clears the book, counts in [`BookSync::gaps_detected`], returns
//!   [`BookStatus::Gap`] once and buffers from then on (starting with the offending diff): the
//!   owner fetches a new snapshot. While not synced [`BookSync::top`] is empty.

use std::collections::{BTreeMap, VecDeque};

use keel_domain::{BookLevel, OrderBook};
use rust_decimal::Decimal;

/// Diffs kept while waiting for a snapshot.
pub const MAX_BUFFERED: usize = 10_000;

/// Which sequencing rule the venue's diff stream follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceRule {
    /// Binance spot: continuity by `U == previous u + 1`.
    BinanceSpot,
    /// Binance USD-M futures: continuity by `pu == previous u`.
    BinanceFutures,
}

/// One depth diff (Binance `depthUpdate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthDiff {
    /// `U`
    pub first_update_id: u64,
    /// `u`
    pub final_update_id: u64,
    /// `pu` (futures only)
    pub prev_final_update_id: Option<u64>,
    /// `(price, quantity)`; quantity 0 removes the level.
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
    pub ts_ms: i64,
}

/// A REST depth snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthSnapshot {
    pub last_update_id: u64,
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
    pub ts_ms: i64,
}

/// Where the book stands after a diff or a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookStatus {
    /// Waiting for a snapshot; diffs are buffered.
    NeedSnapshot,
    /// The book is valid.
    Synced,
    /// A sequence gap (or crossed book) was found: the book was discarded, diffs are buffered
    /// from now on, and a new snapshot is needed.
    Gap,
}

/// A local order book synced from a snapshot plus diffs. See the module docs for the rules.
#[derive(Debug, Clone)]
pub struct BookSync {
    rule: SequenceRule,
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    synced: bool,
    /// The snapshot's `L` until the first diff is applied, then the last applied `u`.
    last_update_id: u64,
    /// Whether a diff has been applied since the snapshot.
    continued: bool,
    buffer: VecDeque<DepthDiff>,
    gaps: u64,
    ts_ms: i64,
}

/// What the sequence rules say about one diff.
enum Verdict {
    Stale,
    Apply,
    Gap,
}

impl BookSync {
    /// An empty book waiting for its snapshot.
    pub fn new(rule: SequenceRule) -> BookSync {
        BookSync {
            rule,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            synced: false,
            last_update_id: 0,
            continued: false,
            buffer: VecDeque::new(),
            gaps: 0,
            ts_ms: 0,
        }
    }

    /// The rule this book follows.
    pub fn rule(&self) -> SequenceRule {
        self.rule
    }

    /// Whether the book is valid (a snapshot was applied and no gap since).
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// How many gaps (including crossed books and snapshots too old for the stream) were found.
    pub fn gaps_detected(&self) -> u64 {
        self.gaps
    }

    /// The snapshot's lastUpdateId, or the last applied diff's `u` once one was applied.
    pub fn last_update_id(&self) -> u64 {
        self.last_update_id
    }

    /// Diffs waiting for a snapshot.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Feeds one diff.
    pub fn on_diff(&mut self, diff: DepthDiff) -> BookStatus {
        if !self.synced {
            self.push_buffer(diff);
            return BookStatus::NeedSnapshot;
        }
        self.apply_checked(diff)
    }

    /// Loads a snapshot and replays the buffered diffs.
    pub fn on_snapshot(&mut self, snap: DepthSnapshot) -> BookStatus {
        self.bids.clear();
        self.asks.clear();
        for (price, qty) in snap.bids {
            if !qty.is_zero() {
                self.bids.insert(price, qty);
            }
        }
        for (price, qty) in snap.asks {
            if !qty.is_zero() {
                self.asks.insert(price, qty);
            }
        }
        self.last_update_id = snap.last_update_id;
        self.continued = false;
        self.ts_ms = snap.ts_ms;
        self.synced = true;
        if self.is_crossed() {
            return self.gap(None);
        }
        while let Some(diff) = self.buffer.pop_front() {
            if self.apply_checked(diff) == BookStatus::Gap {
                return BookStatus::Gap;
            }
        }
        BookStatus::Synced
    }

    fn push_buffer(&mut self, diff: DepthDiff) {
        if self.buffer.len() >= MAX_BUFFERED {
            self.buffer.pop_front();
        }
        self.buffer.push_back(diff);
    }

    fn verdict(&self, diff: &DepthDiff) -> Verdict {
        let last = self.last_update_id;
        let (first, fin) = (diff.first_update_id, diff.final_update_id);
        if !self.continued {
            return match self.rule {
                SequenceRule::BinanceSpot if fin <= last => Verdict::Stale,
                SequenceRule::BinanceSpot if first <= last + 1 => Verdict::Apply,
                SequenceRule::BinanceFutures if fin < last => Verdict::Stale,
                SequenceRule::BinanceFutures if first <= last => Verdict::Apply,
                _ => Verdict::Gap,
            };
        }
        if fin <= last {
            return Verdict::Stale;
        }
        let continues = match (self.rule, diff.prev_final_update_id) {
            (SequenceRule::BinanceFutures, Some(pu)) => pu == last,
            _ => first == last + 1,
        };
        if continues {
            Verdict::Apply
        } else {
            Verdict::Gap
        }
    }

    fn apply_checked(&mut self, diff: DepthDiff) -> BookStatus {
        match self.verdict(&diff) {
            Verdict::Stale => BookStatus::Synced,
            Verdict::Gap => self.gap(Some(diff)),
            Verdict::Apply => {
                apply_levels(&mut self.bids, &diff.bids);
                apply_levels(&mut self.asks, &diff.asks);
                self.last_update_id = diff.final_update_id;
                self.continued = true;
                self.ts_ms = diff.ts_ms;
                if self.is_crossed() {
                    return self.gap(Some(diff));
                }
                BookStatus::Synced
            }
        }
    }

    /// Discards the book; keeps `diff` (and whatever was still buffered) for the next snapshot.
    fn gap(&mut self, diff: Option<DepthDiff>) -> BookStatus {
        self.gaps += 1;
        self.synced = false;
        self.continued = false;
        self.bids.clear();
        self.asks.clear();
        if let Some(diff) = diff {
            self.buffer.push_front(diff);
            while self.buffer.len() > MAX_BUFFERED {
                self.buffer.pop_back();
            }
        }
        tracing::debug!(gaps = self.gaps, "order book gap: new snapshot needed");
        BookStatus::Gap
    }

    fn is_crossed(&self) -> bool {
        match (self.bids.last_key_value(), self.asks.first_key_value()) {
            (Some((bid, _)), Some((ask, _))) => bid >= ask,
            _ => false,
        }
    }

    /// The best `n` levels per side (bids high to low, asks low to high) and the time of the last
    /// update; empty while not synced.
    pub fn top(&self, n: usize) -> OrderBook {
        if !self.synced {
            return OrderBook::default();
        }
        let level = |(price, qty): (&Decimal, &Decimal)| BookLevel {
            price: *price,
            qty: *qty,
        };
        OrderBook {
            bids: self.bids.iter().rev().take(n).map(level).collect(),
            asks: self.asks.iter().take(n).map(level).collect(),
            ts_ms: self.ts_ms,
        }
    }
}

fn apply_levels(side: &mut BTreeMap<Decimal, Decimal>, levels: &[(Decimal, Decimal)]) {
    for (price, qty) in levels {
        if qty.is_zero() {
            side.remove(price);
        } else {
            side.insert(*price, *qty);
        }
    }
}
