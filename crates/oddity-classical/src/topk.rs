//! The candidate list of an exact k-nearest-neighbour search and the distance it is fed:
//! shared by the brute-force search (`neighbors.rs`) and the k-d tree (`kdtree.rs`), so that
//! both order ties the same way and agree bit for bit.

/// Squared Euclidean distance between two rows of equal length, summed in order from 0.
#[inline]
pub(crate) fn squared(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        sum += d * d;
    }
    sum
}

/// The `k` smallest (distance, index) pairs seen so far, sorted increasingly.
///
/// Candidates arrive as squared distances; the square root is only taken for those that may
/// enter, and the order is that of (`sqrt(squared)`, index) exactly as a full sort would give.
pub(crate) struct TopK {
    k: usize,
    items: Vec<(f64, usize)>,
    /// Every squared distance above this has a square root strictly above the current k-th
    /// distance, so it cannot enter (∞ until `k` candidates are held).
    reject: f64,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self { k, items: Vec::with_capacity(k + 1), reject: f64::INFINITY }
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.reject = f64::INFINITY;
    }

    /// How many candidates are kept.
    #[inline]
    pub(crate) fn k(&self) -> usize {
        self.k
    }

    /// Whether `k` candidates are held.
    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.items.len() == self.k
    }

    /// The current bound: squared distances above it cannot enter.
    #[inline]
    pub(crate) fn reject_above(&self) -> f64 {
        self.reject
    }

    /// The current k-th (distance, index); only meaningful when full.
    #[inline]
    pub(crate) fn worst(&self) -> (f64, usize) {
        self.items[self.k - 1]
    }

    /// Offers train row `index` at squared distance `sq`.
    #[inline]
    pub(crate) fn push(&mut self, sq: f64, index: usize) {
        if sq > self.reject {
            return;
        }
        let cand = (sq.sqrt(), index);
        let before = |a: &(f64, usize), b: &(f64, usize)| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)) == std::cmp::Ordering::Less
        };
        if self.is_full() {
            if !before(&cand, &self.items[self.k - 1]) {
                return;
            }
            self.items.pop();
        }
        let mut pos = self.items.len();
        while pos > 0 && before(&cand, &self.items[pos - 1]) {
            pos -= 1;
        }
        self.items.insert(pos, cand);
        if self.is_full() {
            let w = self.items[self.k - 1].0;
            let w2 = w * w;
            // sq > w² (1 + 1e-12) implies sqrt(sq) > w after correct rounding; for tiny w the
            // relative spacing of doubles is coarser, so a factor 4 is used instead.
            self.reject = if w2 >= 1e-290 { w2 * (1.0 + 1e-12) } else { w2 * 4.0 };
        }
    }

    pub(crate) fn write(&self, dist: &mut [f64], index: &mut [usize]) {
        for (r, &(d, j)) in self.items.iter().enumerate() {
            dist[r] = d;
            index[r] = j;
        }
    }
}
