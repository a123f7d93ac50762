//! Fixed-capacity helpers shared by the indicators: a ring of the last `n` values and a
//! monotonic deque for sliding minimum/maximum.

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

/// Sliding extreme (max when `MAX`, else min) over the last `n` values: a monotonic deque of
/// (sequence number, value) in a fixed ring. Amortised O(1) per push.
#[derive(Debug, Clone)]
pub(crate) struct Extreme<const MAX: bool> {
    seq: Vec<u64>,
    val: Vec<f64>,
    head: usize,
    len: usize,
    n: u64,
    next: u64,
}

impl<const MAX: bool> Extreme<MAX> {
    /// A window of `n >= 1` values.
    pub(crate) fn new(n: usize) -> Self {
        let cap = n.max(1);
        Self {
            seq: vec![0; cap],
            val: vec![0.0; cap],
            head: 0,
            len: 0,
            n: cap as u64,
            next: 0,
        }
    }

    #[inline(always)]
    fn slot(&self, i: usize) -> usize {
        let s = self.head + i;
        if s >= self.seq.len() {
            s - self.seq.len()
        } else {
            s
        }
    }

    /// Adds `x` and returns the extreme of the last `n` values (fewer at the start).
    #[inline(always)]
    pub(crate) fn push(&mut self, x: f64) -> f64 {
        // Drop dominated values from the back.
        while self.len > 0 {
            let back = self.val[self.slot(self.len - 1)];
            let dominated = if MAX { back <= x } else { back >= x };
            if !dominated {
                break;
            }
            self.len -= 1;
        }
        // Drop the front when it left the window.
        if self.len > 0 && self.seq[self.head] + self.n <= self.next {
            self.head = self.slot(1);
            self.len -= 1;
        }
        let s = self.slot(self.len);
        self.seq[s] = self.next;
        self.val[s] = x;
        self.len += 1;
        self.next += 1;
        self.val[self.head]
    }

    /// Empties the window.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
        self.next = 0;
    }
}
