//! The time-window family: time-weighted price, velocity and volume surge over windows written
//! `(t1, t2)` in seconds ago (`t1 > t2 >= 0`): `(300, 0)` is the last five minutes, `(600, 300)`
//! the five minutes before that.
//!
//! Common definitions, for a stream of ticks `(t_i, p_i, v_i)` and `now` = the time of the
//! latest tick:
//! - The window `(t1, t2)` is the interval `[now - t1, now - t2]` (milliseconds).
//! - Price is a step function: `p_i` is in force from `t_i` until the next tick's time (the
//!   latest tick's price until `now`).
//! - A tick's volume belongs to the window when `now - t1 < t_i <= now - t2`, so adjacent
//!   windows such as `(600, 300)` and `(300, 0)` never count a tick twice.
//! - A window is covered once the first tick since construction/reset is at or before its
//!   start `now - t1`; before that the indicators return `None` (their warm-up is a duration,
//!   so [`Indicator::warmup`] returns 0).
//! - A tick older than the previous one is treated as arriving at the previous tick's time.
//!
//! Each indicator keeps the ticks of its longest window in a deque plus running integrals of
//! price over time and of volume, so an update is amortised O(1). Those integrals grow with the
//! stream; a window value is a difference of two of them, which costs about
//! `1e-16 * (time since reset / window length)` relative precision (1e-12 for a five-minute
//! window after a month without a reset).

use std::collections::VecDeque;

use crate::{Indicator, IndicatorError, Tick};

/// Longest accepted window: 10 years in seconds (keeps millisecond arithmetic far from i64
/// overflow).
const MAX_WINDOW_S: u64 = 10 * 366 * 24 * 3600;

/// A window `(t1, t2)` in milliseconds, validated.
#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    end_ms: i64,
}

impl Window {
    fn new(param: &'static str, (t1, t2): (u64, u64)) -> Result<Self, IndicatorError> {
        if t1 <= t2 {
            return Err(IndicatorError::InvalidParameter {
                param,
                reason: "must have t1 > t2 (t1 and t2 are seconds ago; (300, 0) = last 5 minutes)",
            });
        }
        if t1 > MAX_WINDOW_S {
            return Err(IndicatorError::InvalidParameter {
                param,
                reason: "must have t1 at most ten years (in seconds)",
            });
        }
        // Both fit in i64 milliseconds by the check above.
        Ok(Self {
            start_ms: (t1 * 1000) as i64,
            end_ms: (t2 * 1000) as i64,
        })
    }

    fn len_ms(self) -> f64 {
        (self.start_ms - self.end_ms) as f64
    }
}

/// One stored tick with the running integrals up to it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    t: i64,
    price: f64,
    /// Integral of price over time (price x milliseconds) from the first tick to `t`.
    area: f64,
    /// Cumulative volume of every tick up to and including this one.
    volume: f64,
}

/// The ticks of the longest window and `N` boundaries `now - offset_ms[j]`, each with a cursor
/// on the last tick at or before it.
#[derive(Debug, Clone)]
struct Tape<const N: usize> {
    ticks: VecDeque<Entry>,
    offsets: [i64; N],
    cursors: [Option<usize>; N],
    /// The boundary with the largest offset (the oldest point needed).
    oldest: usize,
    now: i64,
}

impl<const N: usize> Tape<N> {
    fn new(offsets: [i64; N]) -> Self {
        let mut oldest = 0;
        for (j, &o) in offsets.iter().enumerate() {
            if o > offsets[oldest] {
                oldest = j;
            }
        }
        Self {
            ticks: VecDeque::new(),
            offsets,
            cursors: [None; N],
            oldest,
            now: 0,
        }
    }

    fn clear(&mut self) {
        self.ticks.clear();
        self.cursors = [None; N];
        self.now = 0;
    }

    #[inline]
    fn push(&mut self, tick: Tick) {
        let entry = match self.ticks.back() {
            None => Entry {
                t: tick.t_ms,
                price: tick.price,
                area: 0.0,
                volume: tick.volume,
            },
            Some(last) => {
                let t = tick.t_ms.max(last.t);
                Entry {
                    t,
                    price: tick.price,
                    area: last.area + last.price * (t - last.t) as f64,
                    volume: last.volume + tick.volume,
                }
            }
        };
        self.now = entry.t;
        self.ticks.push_back(entry);
        let len = self.ticks.len();
        for j in 0..N {
            let at = self.now - self.offsets[j];
            let mut c = match self.cursors[j] {
                Some(c) => c,
                None if self.ticks[0].t <= at => 0,
                None => continue,
            };
            while c + 1 < len && self.ticks[c + 1].t <= at {
                c += 1;
            }
            self.cursors[j] = Some(c);
        }
        // Everything before the tick in force at the oldest boundary is no longer needed; every
        // other cursor is at or after that one.
        if let Some(drop) = self.cursors[self.oldest]
            && drop > 0
        {
            self.ticks.drain(..drop);
            for c in self.cursors.iter_mut().flatten() {
                *c -= drop;
            }
        }
    }

    /// The price integral from the first tick to boundary `j`, once covered.
    #[inline]
    fn area(&self, j: usize) -> Option<f64> {
        let e = self.ticks.get(self.cursors[j]?)?;
        Some(e.area + e.price * (self.now - self.offsets[j] - e.t) as f64)
    }

    /// The cumulative volume of the ticks at or before boundary `j`, once covered.
    #[inline]
    fn volume(&self, j: usize) -> Option<f64> {
        Some(self.ticks.get(self.cursors[j]?)?.volume)
    }

    /// The time-weighted price between boundaries `start` and `end` (`len_inv` = 1 / length).
    #[inline]
    fn twp(&self, start: usize, end: usize, len_inv: f64) -> Option<f64> {
        Some((self.area(end)? - self.area(start)?) * len_inv)
    }
}

/// Time-weighted average price over the window `(t1, t2)` seconds ago:
/// `(1 / (t1 - t2)) * integral of price(t) dt over [now - t1, now - t2]`, each price weighted
/// by how long it was in force inside the window (see the module docs for the conventions).
/// `None` until the window is covered.
#[derive(Debug, Clone)]
pub struct TimeWeightedPrice {
    tape: Tape<2>,
    len_inv: f64,
}

impl TimeWeightedPrice {
    /// The time-weighted price over `(t1_s, t2_s)` seconds ago, `t1_s > t2_s`.
    pub fn new(t1_s: u64, t2_s: u64) -> Result<Self, IndicatorError> {
        let w = Window::new("window", (t1_s, t2_s))?;
        Ok(Self {
            tape: Tape::new([w.start_ms, w.end_ms]),
            len_inv: 1.0 / w.len_ms(),
        })
    }
}

impl Indicator for TimeWeightedPrice {
    type Input = Tick;
    type Output = f64;

    #[inline]
    fn update(&mut self, tick: Tick) -> Option<f64> {
        self.tape.push(tick);
        self.tape.twp(0, 1, self.len_inv)
    }

    fn reset(&mut self) {
        self.tape.clear();
    }

    fn warmup(&self) -> usize {
        0
    }
}

/// Price velocity: the relative change of the time-weighted price from the `base` window to
/// the `recent` window, as a ratio: `twp(recent) / twp(base) - 1` (0.01 = the recent window
/// averaged 1 % above the base window). Divide by the distance between the windows' midpoints
/// if a per-second rate is wanted. `None` until both windows are covered or when `twp(base)` is
/// 0.
#[derive(Debug, Clone)]
pub struct Velocity {
    tape: Tape<4>,
    recent_inv: f64,
    base_inv: f64,
}

impl Velocity {
    /// Velocity between the windows `recent` and `base`, each `(t1, t2)` seconds ago, e.g.
    /// `recent = (300, 0)`, `base = (600, 300)`.
    pub fn new(recent: (u64, u64), base: (u64, u64)) -> Result<Self, IndicatorError> {
        let r = Window::new("recent", recent)?;
        let b = Window::new("base", base)?;
        Ok(Self {
            tape: Tape::new([r.start_ms, r.end_ms, b.start_ms, b.end_ms]),
            recent_inv: 1.0 / r.len_ms(),
            base_inv: 1.0 / b.len_ms(),
        })
    }
}

impl Indicator for Velocity {
    type Input = Tick;
    type Output = f64;

    #[inline]
    fn update(&mut self, tick: Tick) -> Option<f64> {
        self.tape.push(tick);
        let recent = self.tape.twp(0, 1, self.recent_inv)?;
        let base = self.tape.twp(2, 3, self.base_inv)?;
        if base == 0.0 {
            None
        } else {
            Some(recent / base - 1.0)
        }
    }

    fn reset(&mut self) {
        self.tape.clear();
    }

    fn warmup(&self) -> usize {
        0
    }
}

/// Volume surge: the volume traded in the `recent` window divided by the `baseline` window's
/// volume scaled to the recent window's length:
/// `vol(recent) / (vol(baseline) * len(recent) / len(baseline))`. 1.0 = trading at the
/// baseline rate, 3.0 = three times it. `None` until both windows are covered or while the
/// baseline volume is not positive.
#[derive(Debug, Clone)]
pub struct VolumeSurge {
    tape: Tape<4>,
    scale: f64,
}

impl VolumeSurge {
    /// Volume surge of the window `recent` against `baseline`, each `(t1, t2)` seconds ago,
    /// e.g. `recent = (60, 0)`, `baseline = (3600, 60)`.
    pub fn new(recent: (u64, u64), baseline: (u64, u64)) -> Result<Self, IndicatorError> {
        let r = Window::new("recent", recent)?;
        let b = Window::new("baseline", baseline)?;
        Ok(Self {
            tape: Tape::new([r.start_ms, r.end_ms, b.start_ms, b.end_ms]),
            scale: b.len_ms() / r.len_ms(),
        })
    }
}

impl Indicator for VolumeSurge {
    type Input = Tick;
    type Output = f64;

    #[inline]
    fn update(&mut self, tick: Tick) -> Option<f64> {
        self.tape.push(tick);
        let recent = self.tape.volume(1)? - self.tape.volume(0)?;
        let base = self.tape.volume(3)? - self.tape.volume(2)?;
        if base > 0.0 {
            Some(recent * self.scale / base)
        } else {
            None
        }
    }

    fn reset(&mut self) {
        self.tape.clear();
    }

    fn warmup(&self) -> usize {
        0
    }
}
