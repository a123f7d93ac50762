//! Fixed-capacity helpers shared by the indicators: a ring of the last `n` values and a
//! sliding highest-high / lowest-low window.

/// The last `n` values written, oldest overwritten first.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    buf: Vec<f64>,
    pos: usize,
}

impl Ring {
    /// A ring of `n >= 1` zeros.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            buf: vec![0.0; n.max(1)],
            pos: 0,
        }
    }

    /// Writes `x` over the value written `n` writes ago and returns that old value (0.0 until
    /// `n` values have been written).
    #[inline(always)]
    pub(crate) fn push(&mut self, x: f64) -> f64 {
        let old = std::mem::replace(&mut self.buf[self.pos], x);
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        old
    }

    /// The value written `n - 1` writes ago: after a push, the oldest value of the window of
    /// the last `n` values.
    #[inline(always)]
    pub(crate) fn oldest(&self) -> f64 {
        self.buf[self.pos]
    }

    /// Every stored value (in ring order, not time order).
    pub(crate) fn values(&self) -> &[f64] {
        &self.buf
    }

    /// Back to all zeros.
    pub(crate) fn clear(&mut self) {
        self.buf.fill(0.0);
        self.pos = 0;
    }
}

/// Sliding highest high and lowest low over the last `n` bars, van Herk / Gil-Werman style.
///
/// The bars are cut into blocks of `n`. For the bar at offset `j` of the current block, the
/// window is bars `j + 1 .. n` of the previous block plus bars `0 ..= j` of the current one, so
/// its extreme is `max(suffix_max(previous block, j + 1), prefix_max(current block, j))`. The
/// prefix extreme is a running value; the suffix extremes of a block are computed once, when
/// the block is complete. Cost per bar and per side: one compare for the prefix, one for the
/// result, and (amortised) one for the suffix pass: O(1) amortised, O(n) at the one bar in `n`
/// that closes a block, and no data-dependent branch (a monotonic deque's pops mispredict on
/// noisy prices).
#[derive(Debug, Clone)]
pub(crate) struct HighLow {
    /// Offset of the next bar in the current block, `0..n`.
    pos: usize,
    /// The current block's (high, low), `n` entries.
    block: Vec<[f64; 2]>,
    /// Suffix (max high, min low) of the previous block; `n + 1` entries, the last one neutral
    /// (`-inf`, `+inf`). All neutral until the first block is complete.
    suffix: Vec<[f64; 2]>,
    /// Max high and min low of the current block so far.
    prefix: [f64; 2],
}

const NEUTRAL: [f64; 2] = [f64::NEG_INFINITY, f64::INFINITY];

#[inline(always)]
fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

impl HighLow {
    /// A window of `n >= 1` bars.
    pub(crate) fn new(n: usize) -> Self {
        let n = n.max(1);
        Self {
            pos: 0,
            block: vec![NEUTRAL; n],
            suffix: vec![NEUTRAL; n + 1],
            prefix: NEUTRAL,
        }
    }

    /// Adds a bar and returns (highest high, lowest low) of the last `n` bars (of every bar so
    /// far while fewer than `n` were pushed).
    #[inline(always)]
    pub(crate) fn push(&mut self, high: f64, low: f64) -> (f64, f64) {
        let j = self.pos;
        self.block[j] = [high, low];
        self.prefix = [max(self.prefix[0], high), min(self.prefix[1], low)];
        let rest = self.suffix[j + 1];
        let out = (max(rest[0], self.prefix[0]), min(rest[1], self.prefix[1]));
        self.pos = j + 1;
        if self.pos == self.block.len() {
            self.close_block();
        }
        out
    }

    /// The current block is complete: its suffix extremes replace the previous block's.
    #[inline]
    fn close_block(&mut self) {
        let mut acc = NEUTRAL;
        let n = self.block.len();
        for (s, b) in self.suffix[..n].iter_mut().zip(&self.block).rev() {
            acc = [max(acc[0], b[0]), min(acc[1], b[1])];
            *s = acc;
        }
        self.prefix = NEUTRAL;
        self.pos = 0;
    }

    /// Empties the window.
    pub(crate) fn clear(&mut self) {
        self.block.fill(NEUTRAL);
        self.suffix.fill(NEUTRAL);
        self.prefix = NEUTRAL;
        self.pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::HighLow;

    /// Against a brute-force scan of the last `n` bars, for window sizes around the block
    /// boundaries, on a pseudo-random walk with ties (prices on a coarse grid), across a clear.
    #[test]
    fn high_low_matches_a_brute_force_window() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut bars = Vec::new();
        let mut price = 1000.0_f64;
        for _ in 0..500 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            price += (state % 7) as f64 - 3.0;
            let spread = (state >> 8) % 4;
            bars.push((price + spread as f64, price - (spread / 2) as f64));
        }
        for n in [1, 2, 3, 5, 14, 64, 499, 500, 501, 600] {
            let mut window = HighLow::new(n);
            for round in 0..2 {
                for (i, _) in bars.iter().enumerate() {
                    let got = window.push(bars[i].0, bars[i].1);
                    let from = (i + 1).saturating_sub(n);
                    let want = bars[from..=i]
                        .iter()
                        .fold((f64::NEG_INFINITY, f64::INFINITY), |(h, l), &(bh, bl)| {
                            (h.max(bh), l.min(bl))
                        });
                    assert_eq!(got, want, "n = {n}, bar {i}, round {round}");
                }
                window.clear();
            }
        }
    }
}
