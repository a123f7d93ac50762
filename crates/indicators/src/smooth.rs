//! Exponential (Wilder) smoothing with a shorter loop-carried dependency chain.

/// `a = a * keep + v * take`, evaluated as two interleaved chains.
///
/// The textbook recurrence makes every update wait for the previous one: one multiply and one
/// add (about 6 cycles without a fused multiply-add) per input, however cheap the rest is.
/// Unrolled once, `a[t] = a[t-2] * keep^2 + (u[t-1] * keep + u[t])` with `u = v * take`: the
/// even and the odd updates form two independent chains, so consecutive updates overlap. The
/// result is the same recurrence with a different rounding order (a few ulps; the recurrence
/// contracts, so the differences do not grow). Worth it where that chain is the bottleneck
/// (EMA, MACD's three EMAs, ATR); RSI's throughput is bound by its output divide instead. It
/// matters most when the caller keeps the indicator in memory between updates (a field of a
/// strategy): the chain then also carries a store and a reload per update.
///
/// Protocol: [`Smoother::seed`] with the first value, one [`Smoother::first`] step, then
/// [`Smoother::step`] for every further input.
#[derive(Debug, Clone)]
pub(crate) struct Smoother {
    keep: f64,
    keep2: f64,
    take: f64,
    /// `a[t-1]`.
    last: f64,
    /// `a[t-2]`.
    before: f64,
    /// `u[t-1] = v[t-1] * take`.
    last_in: f64,
}

impl Smoother {
    /// Smoothing `a = a * keep + v * take`.
    pub(crate) fn new(keep: f64, take: f64) -> Self {
        Self {
            keep,
            keep2: keep * keep,
            take,
            last: 0.0,
            before: 0.0,
            last_in: 0.0,
        }
    }

    /// Starts the recurrence at `a`.
    pub(crate) fn seed(&mut self, a: f64) {
        self.last = a;
    }

    /// The first update after [`Smoother::seed`]: the plain recurrence.
    #[inline]
    pub(crate) fn first(&mut self, v: f64) -> f64 {
        let u = v * self.take;
        let a = self.last * self.keep + u;
        self.last_in = u;
        self.before = self.last;
        self.last = a;
        a
    }

    /// Every later update: from the value two updates back.
    #[inline(always)]
    pub(crate) fn step(&mut self, v: f64) -> f64 {
        let u = v * self.take;
        let a = self.before * self.keep2 + (self.last_in * self.keep + u);
        self.last_in = u;
        self.before = self.last;
        self.last = a;
        a
    }
}
