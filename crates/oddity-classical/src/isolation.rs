//! Isolation trees shared by [`crate::IForestValidParams`] and [`crate::EifValidParams`]:
//! seeded subsampling, tree growth with axis-parallel or oblique (hyperplane) splits, flat
//! node arrays and the `2^(−E[h(x)] / c(ψ))` anomaly score of Liu et al. (2008).

use ndarray::Array1;
use oddity_core::{derive_seed, Dataset, Error, FitContext};
use rand::Rng as _;
use rayon::prelude::*;

/// The Euler–Mascheroni constant used by the harmonic-number approximation of `c(n)`.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Average path length of an unsuccessful binary-search-tree search among `n` points, the
/// normaliser `c(n)` of Liu et al. (2008): `2 H(n − 1) − 2 (n − 1) / n` with
/// `H(i) ≈ ln i + γ`, `c(2) = 1` and `c(n) = 0` for `n ≤ 1` (as scikit-learn).
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = (n - 1) as f64;
            2.0 * (m.ln() + EULER_GAMMA) - 2.0 * m / n as f64
        }
    }
}

/// How an internal node splits its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum SplitRule {
    /// One feature, drawn uniformly among those not constant in the node, and a threshold
    /// drawn uniformly in its range there (Liu et al.; scikit-learn's random splitter).
    Axis,
    /// A hyperplane through a point drawn uniformly in the node's bounding box, with a
    /// standard normal slope on `nonzero` coordinates drawn among the features not constant
    /// in the node (Hariri et al. 2019); the other slope coordinates are 0.
    Oblique {
        /// Number of non-zero slope coordinates: extension level + 1.
        nonzero: usize,
    },
}

/// Growth settings of a forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ForestSpec {
    pub n_estimators: usize,
    pub max_samples: usize,
    pub rule: SplitRule,
    /// Features each tree may split on, drawn without replacement per tree after its rows
    /// (scikit-learn's integer `max_features`); `d` or more = every feature, nothing drawn.
    pub max_features: usize,
}

/// One node of a flat tree. Internal nodes have `child > 0` (the left child; the right one is
/// `child + 1`) and `value` is the threshold the split's statistic is compared with (`≤` goes
/// left); a leaf has `child == 0` and `value` = its depth + `c(size)`, the path length it
/// contributes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct Node {
    value: f64,
    child: u32,
    /// Axis rule: the feature; oblique rule: the index of the node's hyperplane.
    split: u32,
}

/// One isolation tree in flat arrays. For oblique splits, hyperplane `p` has the dense slope
/// `slopes[p·d..(p + 1)·d]` (zeros included: a contiguous dot product is faster than a
/// sparse one at these sizes).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Tree {
    nodes: Vec<Node>,
    slopes: Vec<f64>,
}

impl Tree {
    /// The path length of row `x`: depth of the leaf reached plus `c(leaf size)`.
    #[inline]
    fn path_length(&self, x: &[f64], oblique: bool) -> f64 {
        let d = x.len();
        let mut i = 0usize;
        loop {
            let node = self.nodes[i];
            if node.child == 0 {
                return node.value;
            }
            let stat = if oblique {
                let p = node.split as usize;
                dot(&self.slopes[p * d..(p + 1) * d], x)
            } else {
                x[node.split as usize]
            };
            i = node.child as usize + usize::from(stat > node.value);
        }
    }
}

/// `Σ a_j b_j` with four interleaved partial sums (shorter dependency chains), always in the
/// same order, so growth and scoring compute bit-identical values.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Rows scored together, tree by tree, so that a tree's nodes stay in cache.
const SCORE_BLOCK: usize = 512;

/// A fitted isolation forest: the trees, the subsample size `ψ` and the thread budget used
/// again when scoring.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Forest {
    trees: Vec<Tree>,
    n_features: usize,
    psi: usize,
    oblique: bool,
    threads: usize,
}

/// One tree's random stream: oddity's generator ([`oddity_core::rng`], xoshiro256++), seeded
/// per tree from `derive_seed(fit seed, ["isolation-tree", tree index])`, so a tree does not
/// depend on which thread builds it or on the other trees.
pub(crate) struct TreeRng(oddity_core::Rng);

impl TreeRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(oddity_core::rng(seed))
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }

    /// Uniform in `0..n` (`n ≥ 1`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.gen_range(0..n)
    }

    /// Standard normal by the Box–Muller transform (one of the pair is used).
    pub(crate) fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit(); // (0, 1]
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Draws features from `features` (each at most once) until one varies over the rows `idx`,
/// reading row `i`'s value of feature `f` as `value(i, f)`, and returns it with the threshold
/// `lo + u · (hi − lo)`, `u` from `unit` (`lo` where rounding reaches `hi`): an isolation
/// tree's axis-parallel split. `None` when every feature is constant over `idx`.
pub(crate) fn draw_axis_split(
    rng: &mut TreeRng,
    unit: fn(&mut TreeRng) -> f64,
    features: &mut [u32],
    idx: &[u32],
    mut value: impl FnMut(u32, u32) -> f64,
) -> Option<(u32, f64)> {
    let mut remaining = features.len();
    while remaining > 0 {
        let pick = rng.below(remaining);
        let f = features[pick];
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &i in idx {
            let v = value(i, f);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi > lo {
            let mut t = lo + unit(rng) * (hi - lo);
            if t >= hi {
                t = lo;
            }
            return Some((f, t));
        }
        remaining -= 1;
        features.swap(pick, remaining);
    }
    None
}

/// Fits a forest on the rows of `train` (checked finite and non-empty here).
pub(crate) fn fit_forest(
    spec: &ForestSpec,
    train: &Dataset,
    ctx: &FitContext,
) -> Result<Forest, Error> {
    train.check_finite()?;
    let x = train.features.as_standard_layout();
    let (n, d) = x.dim();
    if n >= 1 << 30 {
        return Err(Error::Fit(format!("isolation forest supports fewer than 2^30 rows, got {n}")));
    }
    let psi = spec.max_samples.min(n);
    let data = x.as_slice().expect("standard layout is contiguous");
    let build = |t: usize| grow_tree(spec, data, n, d, psi, tree_seed(ctx.seed, t));
    let trees: Vec<Tree> = if ctx.threads <= 1 {
        (0..spec.n_estimators).map(build).collect()
    } else {
        pool(ctx.threads)?.install(|| (0..spec.n_estimators).into_par_iter().map(build).collect())
    };
    Ok(Forest {
        trees,
        n_features: d,
        psi,
        oblique: matches!(spec.rule, SplitRule::Oblique { .. }),
        threads: ctx.threads.max(1),
    })
}

fn tree_seed(seed: u64, tree: usize) -> u64 {
    derive_seed(seed, &["isolation-tree", &tree.to_string()])
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Fit(format!("cannot start {threads} worker threads: {e}")))
}

impl Forest {
    /// `2^(−E[h(x)] / c(ψ))` per row, the mean path length taken over the trees in tree
    /// order; when `c(ψ) = 0` (`ψ = 1`) the ratio is taken as 1 (score 0.5), as scikit-learn.
    pub(crate) fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.n_features)?;
        let x = data.features.as_standard_layout();
        let x = x.as_slice().expect("standard layout is contiguous");
        let d = self.n_features;
        let norm = average_path_length(self.psi);
        let t = self.trees.len() as f64;
        // Each row's path lengths are summed in tree order, whatever the blocking.
        let score_block = |(rows, out): (&[f64], &mut [f64])| {
            out.fill(0.0);
            for tree in &self.trees {
                for (row, sum) in rows.chunks_exact(d).zip(out.iter_mut()) {
                    *sum += tree.path_length(row, self.oblique);
                }
            }
            for s in out.iter_mut() {
                let ratio = if norm > 0.0 { *s / t / norm } else { 1.0 };
                *s = (-ratio).exp2();
            }
        };
        let mut scores = vec![0.0; data.n_rows()];
        let blocks = x.chunks(SCORE_BLOCK * d).zip(scores.chunks_mut(SCORE_BLOCK));
        if self.threads <= 1 || data.n_rows() <= SCORE_BLOCK {
            blocks.for_each(score_block);
        } else {
            let blocks: Vec<_> = blocks.collect();
            pool(self.threads)?.install(|| blocks.into_par_iter().for_each(score_block));
        }
        Ok(Array1::from(scores))
    }

    /// Number of trees.
    pub(crate) fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// The subsample size `ψ` each tree was grown on.
    pub(crate) fn psi(&self) -> usize {
        self.psi
    }

    /// Total number of nodes over all trees.
    pub(crate) fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }

    /// Number of trees that are a single leaf.
    #[cfg(test)]
    pub(crate) fn trees_with_one_node(&self) -> usize {
        self.trees.iter().filter(|t| t.nodes.len() == 1).count()
    }
}

/// `⌈log2 ψ⌉`, the height limit of Liu et al. (0 for `ψ = 1`).
pub(crate) fn height_limit(psi: usize) -> usize {
    (usize::BITS - psi.saturating_sub(1).leading_zeros()) as usize
}

/// Grows one tree on a subsample of `psi` distinct rows drawn without replacement.
fn grow_tree(spec: &ForestSpec, data: &[f64], n: usize, d: usize, psi: usize, seed: u64) -> Tree {
    let mut rng = TreeRng::new(seed);
    let sample = subsample(&mut rng, n, psi);
    let features: Vec<u32> = if spec.max_features >= d {
        (0..d as u32).collect()
    } else {
        let mut f: Vec<u32> =
            subsample(&mut rng, d, spec.max_features).into_iter().map(|i| i as u32).collect();
        f.sort_unstable();
        f
    };
    let mut local = Vec::with_capacity(psi * d);
    for &i in &sample {
        local.extend_from_slice(&data[i * d..(i + 1) * d]);
    }
    let mut grower = Grower {
        rule: spec.rule,
        x: &local,
        d,
        limit: height_limit(psi),
        rng,
        features,
        lo: vec![0.0; d],
        hi: vec![0.0; d],
        stat: vec![0.0; psi],
        tree: Tree { nodes: vec![Node { value: 0.0, child: 0, split: 0 }], slopes: Vec::new() },
    };
    let mut idx: Vec<u32> = (0..psi as u32).collect();
    grower.grow(0, &mut idx, 0);
    grower.tree
}

/// `k` distinct indices of `0..n`, uniformly: a partial Fisher–Yates shuffle when `k` is a
/// large share of `n`, otherwise rejection of repeats.
pub(crate) fn subsample(rng: &mut TreeRng, n: usize, k: usize) -> Vec<usize> {
    if k == n {
        return (0..n).collect();
    }
    if 2 * k >= n {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + rng.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k);
        return all;
    }
    let mut seen = std::collections::HashSet::with_capacity(2 * k);
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let i = rng.below(n);
        if seen.insert(i) {
            out.push(i);
        }
    }
    out
}

struct Grower<'a> {
    rule: SplitRule,
    /// The subsample, row-major `ψ × d`.
    x: &'a [f64],
    d: usize,
    limit: usize,
    rng: TreeRng,
    /// Candidate features, reordered as constant ones are set aside.
    features: Vec<u32>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// Scratch: the split statistic of each row of the subsample.
    stat: Vec<f64>,
    tree: Tree,
}

impl Grower<'_> {
    /// Makes node `at` a leaf or splits it and grows its two children.
    fn grow(&mut self, at: usize, idx: &mut [u32], depth: usize) {
        let leaf =
            Node { value: depth as f64 + average_path_length(idx.len()), child: 0, split: 0 };
        if idx.len() <= 1 || depth >= self.limit {
            self.tree.nodes[at] = leaf;
            return;
        }
        let Some((split, threshold)) = (match self.rule {
            SplitRule::Axis => self.axis_split(idx),
            SplitRule::Oblique { nonzero } => self.oblique_split(idx, nonzero),
        }) else {
            self.tree.nodes[at] = leaf;
            return;
        };
        // Partition: statistic ≤ threshold to the front (left), the rest to the back.
        let mut left = 0;
        for k in 0..idx.len() {
            if self.stat[idx[k] as usize] <= threshold {
                idx.swap(left, k);
                left += 1;
            }
        }
        let child = self.tree.nodes.len();
        self.tree.nodes.push(leaf);
        self.tree.nodes.push(leaf);
        self.tree.nodes[at] = Node { value: threshold, child: child as u32, split };
        let (l, r) = idx.split_at_mut(left);
        self.grow(child, l, depth + 1);
        self.grow(child + 1, r, depth + 1);
    }

    /// Draws features until one varies over `idx`; fills `stat` with it and returns it with
    /// a threshold uniform in `[min, max)`. `None` when every feature is constant there.
    fn axis_split(&mut self, idx: &[u32]) -> Option<(u32, f64)> {
        let (x, d, stat) = (self.x, self.d, &mut self.stat);
        draw_axis_split(&mut self.rng, TreeRng::unit, &mut self.features, idx, |i, f| {
            let v = x[i as usize * d + f as usize];
            stat[i as usize] = v;
            v
        })
    }

    /// A hyperplane with `nonzero` standard normal slope coordinates (fewer when fewer
    /// features vary over `idx`) through a point uniform in the bounding box; fills `stat`
    /// with `slope · x` and returns the hyperplane's index with `slope · point`. `None` when
    /// every feature is constant there.
    fn oblique_split(&mut self, idx: &[u32], nonzero: usize) -> Option<(u32, f64)> {
        let d = self.d;
        self.lo.fill(f64::INFINITY);
        self.hi.fill(f64::NEG_INFINITY);
        for &i in idx {
            let row = &self.x[i as usize * d..(i as usize + 1) * d];
            for ((lo, hi), &v) in self.lo.iter_mut().zip(self.hi.iter_mut()).zip(row) {
                *lo = lo.min(v);
                *hi = hi.max(v);
            }
        }
        let mut varying: Vec<u32> =
            (0..d as u32).filter(|&j| self.hi[j as usize] > self.lo[j as usize]).collect();
        if varying.is_empty() {
            return None;
        }
        let k = nonzero.min(varying.len());
        for i in 0..k {
            let j = i + self.rng.below(varying.len() - i);
            varying.swap(i, j);
        }
        let chosen = &mut varying[..k];
        chosen.sort_unstable();
        let tree = &mut self.tree;
        let plane = tree.slopes.len() / d;
        tree.slopes.resize((plane + 1) * d, 0.0);
        let slope = &mut tree.slopes[plane * d..];
        let mut point = vec![0.0; d];
        for &j in chosen.iter() {
            let j = j as usize;
            slope[j] = self.rng.normal();
            point[j] = self.lo[j] + self.rng.unit() * (self.hi[j] - self.lo[j]);
        }
        let offset = dot(slope, &point);
        for &i in idx {
            self.stat[i as usize] = dot(slope, &self.x[i as usize * d..(i as usize + 1) * d]);
        }
        Some((plane as u32, offset))
    }
}

/// The largest accepted tree count, a sanity bound.
pub(crate) const MAX_TREES: usize = 1_000_000;
/// The largest accepted subsample size, a sanity bound.
pub(crate) const MAX_SAMPLES: usize = 1 << 30;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn dataset(x: Array2<f64>) -> Dataset {
        Dataset::from_features("t", x)
    }

    #[test]
    fn average_path_length_values() {
        assert_eq!(average_path_length(0), 0.0);
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        // c(3) = 2 (ln 2 + γ) − 4/3.
        let c3 = 2.0 * (2f64.ln() + EULER_GAMMA) - 4.0 / 3.0;
        assert!((average_path_length(3) - c3).abs() < 1e-15);
        // c(256) ≈ 10.2448 (Liu et al.'s normaliser for the default subsample).
        assert!((average_path_length(256) - 10.244_770_920_8).abs() < 1e-9);
    }

    #[test]
    fn height_limit_is_ceil_log2() {
        assert_eq!(height_limit(1), 0);
        assert_eq!(height_limit(2), 1);
        assert_eq!(height_limit(3), 2);
        assert_eq!(height_limit(256), 8);
        assert_eq!(height_limit(257), 9);
    }

    #[test]
    fn subsample_is_distinct_and_in_range() {
        let mut rng = TreeRng::new(3);
        for (n, k) in [(10, 10), (10, 7), (1000, 256), (300, 256)] {
            let mut s = subsample(&mut rng, n, k);
            assert_eq!(s.len(), k);
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), k);
            assert!(s.iter().all(|&i| i < n));
        }
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut rng = TreeRng::new(11);
        let draws: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.03, "{var}");
    }

    #[test]
    fn trees_respect_the_height_limit() {
        // ψ = 50: height limit 6, every path length at most 6 + c(50) (a leaf at the limit
        // holding every row).
        let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * 7 + j * 5) % 13) as f64);
        for rule in [SplitRule::Axis, SplitRule::Oblique { nonzero: 3 }] {
            let spec =
                ForestSpec { n_estimators: 5, max_samples: 50, rule, max_features: usize::MAX };
            let f = fit_forest(&spec, &dataset(x.clone()), &FitContext::new(1)).unwrap();
            for t in &f.trees {
                // Axis splits always separate rows; oblique ones may leave a side empty.
                let bound = if rule == SplitRule::Axis { 2 * 50 - 1 } else { (1 << 7) - 1 };
                assert!(t.nodes.len() <= bound);
                for r in x.rows() {
                    let h = t.path_length(r.as_slice().unwrap(), f.oblique);
                    assert!(h.is_finite() && h <= 6.0 + average_path_length(50));
                }
            }
        }
    }

    #[test]
    fn hand_built_tree_path_lengths() {
        // Root splits feature 1 at 0.5; its left child is a leaf of size 3 at depth 1, its
        // right child a leaf of size 1: path lengths 1 + c(3) and 1.
        let tree = Tree {
            nodes: vec![
                Node { value: 0.5, child: 1, split: 1 },
                Node { value: 1.0 + average_path_length(3), child: 0, split: 0 },
                Node { value: 1.0, child: 0, split: 0 },
            ],
            slopes: vec![],
        };
        assert_eq!(tree.path_length(&[9.0, 0.5], false), 1.0 + average_path_length(3));
        assert_eq!(tree.path_length(&[9.0, 0.6], false), 1.0);
        let forest = Forest {
            trees: vec![tree.clone(), tree],
            n_features: 2,
            psi: 4,
            oblique: false,
            threads: 1,
        };
        let s = forest.score(&dataset(array![[0.0, 0.0], [0.0, 1.0]])).unwrap();
        let c4 = average_path_length(4);
        assert!((s[0] - 2f64.powf(-(1.0 + average_path_length(3)) / c4)).abs() < 1e-15);
        assert!((s[1] - 2f64.powf(-1.0 / c4)).abs() < 1e-15);
    }
}
