//! k-means++ seeding, Lloyd's iterations and the fitted centroids.

use ndarray::{Array1, Array2, ArrayView2};
use oddity_core::{
    derive_seed, rng, Dataset, Detector, DetectorParams, Error, FitContext, FittedDetector,
};
use rand::Rng as _;
use rayon::prelude::*;

use super::{KmeansParams, KmeansValidParams};
use crate::topk::squared;

impl KmeansValidParams {
    /// Fits the centroids of `x` (call inside the thread pool that should do the work).
    pub(crate) fn centroids(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Clustering, Error> {
        let n = x.nrows();
        if n < self.clusters {
            return Err(Error::Fit(format!(
                "{} clusters need at least {} rows, got {n}",
                self.clusters, self.clusters
            )));
        }
        let (_, std) = oddity_core::stats::column_mean_std(x);
        let variance = std.iter().map(|s| s * s).sum::<f64>() / x.ncols() as f64;
        let tol = self.tol * variance;
        let data: Vec<f64> = x.iter().copied().collect();
        let runs: Vec<Clustering> = (0..self.n_init)
            .into_par_iter()
            .map(|run| {
                let mut r = rng(derive_seed(seed, &["kmeans", &run.to_string()]));
                let init = plus_plus(&data, x.ncols(), self.clusters, &mut r);
                lloyd(&data, x.ncols(), init, self.max_iter, tol)
            })
            .collect();
        let best = runs
            .into_iter()
            .reduce(|a, b| if b.inertia < a.inertia { b } else { a })
            .expect("n_init >= 1");
        Ok(best)
    }
}

impl Detector for KmeansValidParams {
    fn name(&self) -> &str {
        KmeansParams::NAME
    }

    fn fit(&self, train: &Dataset, ctx: &FitContext) -> Result<Box<dyn FittedDetector>, Error> {
        train.check_finite()?;
        let pool = crate::neighbors::pool(ctx.threads)?;
        let clustering = pool.install(|| self.centroids(train.features.view(), ctx.seed))?;
        Ok(Box::new(FittedKmeans::new(clustering.centroids)?))
    }
}

/// The result of one k-means run.
#[derive(Debug, Clone)]
pub(crate) struct Clustering {
    /// Centroids, one per row.
    pub centroids: Array2<f64>,
    /// Cluster of each row.
    pub labels: Vec<usize>,
    /// Sum of squared distances to the assigned centroids.
    pub inertia: f64,
}

/// Rows per block of the parallel distance passes: fixed, so results do not depend on the
/// thread count.
const BLOCK: usize = 1024;

/// Centres per group of the distance kernel: its partial sums stay in registers.
const LANES: usize = 8;

/// `k` centres (stored one after another, k × d) rearranged for [`Packed::distances`]:
/// groups of [`LANES`] centres, each group d × LANES (row major), the last one zero-padded.
#[derive(Debug, Clone)]
struct Packed {
    k: usize,
    d: usize,
    groups: Vec<f64>,
}

impl Packed {
    fn new(centres: &[f64], d: usize) -> Self {
        let k = centres.len() / d.max(1);
        let mut groups = vec![0.0; k.div_ceil(LANES) * LANES * d];
        for (c, centre) in centres.chunks_exact(d.max(1)).enumerate() {
            let (g, l) = (c / LANES, c % LANES);
            for (j, v) in centre.iter().enumerate() {
                groups[(g * d + j) * LANES + l] = *v;
            }
        }
        Self { k, d, groups }
    }

    /// `out[c] = Σ_j (row_j − centre_c[j])²` for every centre (`out` holds k values). Each
    /// sum runs over `j` in order from 0, as [`squared`], so the values are bit-identical
    /// to it; the centres of a group are computed side by side.
    fn distances(&self, row: &[f64], out: &mut [f64]) {
        for (g, o) in self.groups.chunks_exact(self.d * LANES).zip(out.chunks_mut(LANES)) {
            let mut acc = [0.0; LANES];
            for (v, column) in row.iter().zip(g.chunks_exact(LANES)) {
                let column: &[f64; LANES] = column.try_into().expect("LANES values");
                for l in 0..LANES {
                    let t = v - column[l];
                    acc[l] += t * t;
                }
            }
            for (o, a) in o.iter_mut().zip(acc) {
                *o = a;
            }
        }
    }

    /// The nearest centre of `row` (ties: the lower index) and its squared distance;
    /// `scratch` holds k values.
    fn nearest(&self, row: &[f64], scratch: &mut [f64]) -> (usize, f64) {
        self.distances(row, scratch);
        let mut best = (0, f64::INFINITY);
        for (c, s) in scratch.iter().enumerate() {
            if *s < best.1 {
                best = (c, *s);
            }
        }
        best
    }
}

/// Relative and absolute (times the data's scale) slack of the triangle-inequality tests
/// below: a test passes only when it holds by more than any rounding error of the bounds,
/// so every skipped distance is one that could not have changed the result.
const SLACK: f64 = 1e-9;

/// Greedy k-means++: each new centre is the best (lowest potential) of `2 + ⌊ln k⌋`
/// candidates drawn with probability proportional to the squared distance to the nearest
/// centre so far. A row's distance to a candidate is only computed when the triangle
/// inequality allows it to be below the row's current nearest distance (Elkan 2003):
/// `‖x − cand‖ ≥ ‖cand − c‖ − ‖x − c‖` for the row's nearest centre `c`.
fn plus_plus(x: &[f64], d: usize, k: usize, rng: &mut oddity_core::Rng) -> Vec<f64> {
    let n = x.len() / d;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.gen_range(0..n);
    let mut centres = row(first).to_vec();
    let mut closest: Vec<f64> = (0..n).map(|i| squared(row(i), row(first))).collect();
    let mut owner = vec![0usize; n];
    let mut potential: f64 = closest.iter().sum();
    let scale = SLACK * closest.iter().copied().fold(0.0, f64::max).sqrt();
    let mut cumulative = vec![0.0; n];
    // Row-major n × trials: each row's squared distance to each candidate, capped by `closest`.
    let mut dist = vec![0.0; n * trials];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, v) in cumulative.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let target = rng.gen::<f64>() * potential;
                cumulative.partition_point(|c| *c < target).min(n - 1)
            })
            .collect();
        // Half the distance of each candidate to each centre so far (trials × centres).
        let half: Vec<f64> = candidates
            .iter()
            .flat_map(|&t| centres.chunks_exact(d).map(move |c| 0.5 * squared(row(t), c).sqrt()))
            .collect();
        let m = centres.len() / d;
        x.par_chunks(BLOCK * d)
            .zip(dist.par_chunks_mut(BLOCK * trials))
            .zip(closest.par_chunks(BLOCK).zip(owner.par_chunks(BLOCK)))
            .for_each(|((rows, out), (near, own))| {
                for (((r, o), near), own) in
                    rows.chunks_exact(d).zip(out.chunks_exact_mut(trials)).zip(near).zip(own)
                {
                    let reach = near.sqrt() * (1.0 + SLACK) + scale;
                    for ((o, &t), h) in o.iter_mut().zip(&candidates).zip(half.chunks_exact(m)) {
                        *o = if h[*own] > reach { *near } else { squared(r, row(t)).min(*near) };
                    }
                }
            });
        // Potentials summed in row order, the first lowest candidate kept.
        let mut pots = vec![0.0; trials];
        for o in dist.chunks_exact(trials) {
            for (p, v) in pots.iter_mut().zip(o) {
                *p += v;
            }
        }
        let best = (0..trials).fold(0, |b, t| if pots[t] < pots[b] { t } else { b });
        centres.extend_from_slice(row(candidates[best]));
        for ((c, own), o) in closest.iter_mut().zip(&mut owner).zip(dist.chunks_exact(trials)) {
            if o[best] < *c {
                *own = m;
            }
            *c = o[best];
        }
        potential = pots[best];
    }
    centres
}

/// Per-row state of Hamerly's bounds (Hamerly 2010): the assigned centre, an upper bound on
/// the distance to it and a lower bound on the distance to every other centre.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    label: usize,
    upper: f64,
    lower: f64,
}

/// The nearest centre of `row` by exact squared distance (ties: the lower index), with the
/// distances to it and to the second nearest as fresh bounds.
fn full_bounds(packed: &Packed, row: &[f64], scratch: &mut [f64]) -> Bounds {
    packed.distances(row, scratch);
    let (mut best, mut first, mut second) = (0, f64::INFINITY, f64::INFINITY);
    for (c, s) in scratch.iter().enumerate() {
        if *s < first {
            (best, second, first) = (c, first, *s);
        } else if *s < second {
            second = *s;
        }
    }
    Bounds { label: best, upper: first.sqrt(), lower: second.sqrt() }
}

/// Lloyd iterations from `centres` until the assignment is stable, the shift is at most
/// `tol`, or `max_iter`. Each assignment is the exact nearest centre (ties: the lower index)
/// of every row, as a full search would give, but a row's distances are only recomputed
/// when Hamerly's bounds (kept with [`SLACK`]) cannot vouch for its current centre.
fn lloyd(x: &[f64], d: usize, mut centres: Vec<f64>, max_iter: usize, tol: f64) -> Clustering {
    let k = centres.len() / d;
    let scale = SLACK
        * x.chunks_exact(d)
            .map(|r| r.iter().map(|v| v * v).sum::<f64>())
            .fold(0.0, f64::max)
            .sqrt();
    let packed = Packed::new(&centres, d);
    let mut bounds: Vec<Bounds> = vec![Bounds { label: 0, upper: 0.0, lower: 0.0 }; x.len() / d];
    x.par_chunks(BLOCK * d).zip(bounds.par_chunks_mut(BLOCK)).for_each(|(rows, out)| {
        let mut scratch = vec![0.0; k];
        for (r, o) in rows.chunks_exact(d).zip(out) {
            *o = full_bounds(&packed, r, &mut scratch);
        }
    });
    // Per-cluster sums and counts, kept up to date as rows change cluster (sums of the rows
    // in row order at the start, then the changes applied in row order).
    let (mut sums, mut counts) = (vec![0.0; k * d], vec![0usize; k]);
    for (r, b) in x.chunks_exact(d).zip(&bounds) {
        counts[b.label] += 1;
        for (s, v) in sums[b.label * d..(b.label + 1) * d].iter_mut().zip(r) {
            *s += v;
        }
    }
    for _ in 0..max_iter {
        // Empty clusters take the rows farthest from their centres (scikit-learn's rule),
        // for this update only.
        let empty: Vec<usize> = (0..k).filter(|c| counts[*c] == 0).collect();
        let (mut used_sums, mut used_counts) =
            (std::borrow::Cow::Borrowed(&sums), std::borrow::Cow::Borrowed(&counts));
        if !empty.is_empty() {
            let (sums, counts) = (used_sums.to_mut(), used_counts.to_mut());
            let own: Vec<f64> = x
                .chunks_exact(d)
                .zip(&bounds)
                .map(|(r, b)| squared(r, &centres[b.label * d..(b.label + 1) * d]))
                .collect();
            let mut far: Vec<usize> = (0..own.len()).collect();
            far.sort_by(|a, b| own[*b].total_cmp(&own[*a]).then(a.cmp(b)));
            for (c, &i) in empty.iter().zip(&far) {
                let old = bounds[i].label;
                let r = &x[i * d..(i + 1) * d];
                if counts[old] > 1 {
                    counts[old] -= 1;
                    for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(r) {
                        *s -= v;
                    }
                }
                counts[*c] = 1;
                sums[c * d..(c + 1) * d].copy_from_slice(r);
            }
        }
        let previous = centres.clone();
        let mut shift = 0.0;
        for c in 0..k {
            if used_counts[c] == 0 {
                continue;
            }
            for j in 0..d {
                let new = used_sums[c * d + j] / used_counts[c] as f64;
                shift += (new - centres[c * d + j]).powi(2);
                centres[c * d + j] = new;
            }
        }
        let moved: Vec<f64> = previous
            .chunks_exact(d)
            .zip(centres.chunks_exact(d))
            .map(|(a, b)| squared(a, b).sqrt() * (1.0 + SLACK))
            .collect();
        // The largest move, and the largest among the others for the centre that made it.
        let top = (0..k).fold(0, |b, c| if moved[c] > moved[b] { c } else { b });
        let runner_up = (0..k).filter(|c| *c != top).map(|c| moved[c]).fold(0.0, f64::max);
        // Half the distance of each centre to its nearest other centre.
        let half: Vec<f64> = centres
            .chunks_exact(d)
            .enumerate()
            .map(|(a, ca)| {
                let nearest = centres
                    .chunks_exact(d)
                    .enumerate()
                    .filter(|(b, _)| *b != a)
                    .map(|(_, cb)| squared(ca, cb))
                    .fold(f64::INFINITY, f64::min);
                0.5 * nearest.sqrt() * (1.0 - SLACK)
            })
            .collect();
        let packed = Packed::new(&centres, d);
        // Rows that changed cluster, in row order: (row, old cluster, new cluster).
        let changes: Vec<(usize, usize, usize)> = x
            .par_chunks(BLOCK * d)
            .zip(bounds.par_chunks_mut(BLOCK))
            .enumerate()
            .flat_map_iter(|(block, (rows, out))| {
                let mut scratch = vec![0.0; k];
                let mut changes = Vec::new();
                for (i, (r, b)) in rows.chunks_exact(d).zip(out).enumerate() {
                    let a = b.label;
                    b.upper = (b.upper + moved[a]) * (1.0 + SLACK) + scale;
                    b.lower = (b.lower - if a == top { runner_up } else { moved[top] })
                        * (1.0 - SLACK)
                        - scale;
                    let z = b.lower.max(half[a]);
                    if b.upper < z {
                        continue;
                    }
                    b.upper =
                        squared(r, &centres[a * d..(a + 1) * d]).sqrt() * (1.0 + SLACK) + scale;
                    if b.upper < z {
                        continue;
                    }
                    *b = full_bounds(&packed, r, &mut scratch);
                    if b.label != a {
                        changes.push((block * BLOCK + i, a, b.label));
                    }
                }
                changes
            })
            .collect();
        for &(i, old, new) in &changes {
            let r = &x[i * d..(i + 1) * d];
            counts[old] -= 1;
            counts[new] += 1;
            for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(r) {
                *s -= v;
            }
            for (s, v) in sums[new * d..(new + 1) * d].iter_mut().zip(r) {
                *s += v;
            }
        }
        for (c, n) in counts.iter().enumerate() {
            if *n == 0 {
                sums[c * d..(c + 1) * d].fill(0.0);
            }
        }
        let changed = !changes.is_empty();
        if !changed || shift <= tol {
            break;
        }
    }
    let labels: Vec<usize> = bounds.iter().map(|b| b.label).collect();
    Clustering {
        inertia: x
            .chunks_exact(d)
            .zip(&labels)
            .map(|(r, c)| squared(r, &centres[c * d..(c + 1) * d]))
            .sum(),
        labels,
        centroids: Array2::from_shape_vec((k, d), centres).expect("k × d centres"),
    }
}

/// Cluster centres; the fitted form of [`KmeansValidParams`]. Scores a row by its Euclidean
/// distance to
/// the nearest centre.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedKmeans {
    /// One centre per row.
    pub centroids: Array2<f64>,
}

impl FittedKmeans {
    /// Centres from a (clusters × features) matrix; non-finite centres are an error.
    pub fn new(centroids: Array2<f64>) -> Result<Self, Error> {
        if centroids.nrows() == 0 {
            return Err(Error::EmptyData("no centroids".into()));
        }
        if centroids.iter().any(|v| !v.is_finite()) {
            return Err(Error::Fit("k-means produced a non-finite centroid".into()));
        }
        Ok(Self { centroids })
    }
}

crate::saved!(FittedKmeans, "kmeans");

impl FittedDetector for FittedKmeans {
    fn save(&self) -> Result<Vec<u8>, Error> {
        crate::registry::save_state(self)
    }

    fn score(&self, data: &Dataset) -> Result<Array1<f64>, Error> {
        data.check_scoring(self.centroids.ncols())?;
        let centres = self.centroids.as_standard_layout();
        let packed = Packed::new(centres.as_slice().expect("standard"), centres.ncols());
        let mut scratch = vec![0.0; packed.k];
        Ok(data
            .features
            .rows()
            .into_iter()
            .map(|row| packed.nearest(&row.to_vec(), &mut scratch).1.sqrt())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn autotraits() {
        fn is_send_sync<T: Send + Sync + Unpin>() {}
        is_send_sync::<KmeansParams>();
        is_send_sync::<KmeansValidParams>();
        is_send_sync::<FittedKmeans>();
    }

    #[test]
    fn two_obvious_clusters() {
        let train = Dataset::from_features(
            "t",
            array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [10.0, 10.0], [10.0, 11.0], [11.0, 10.0]],
        );
        let f = KmeansParams::default()
            .clusters(2)
            .n_init(3)
            .max_iter(100)
            .tol(1e-6)
            .check()
            .unwrap()
            .fit(&train, &FitContext::new(3))
            .unwrap();
        let s = f.score(&Dataset::from_features("s", array![[1.0 / 3.0, 1.0 / 3.0], [13.0, 14.0]]));
        let s = s.unwrap();
        assert!(s[0] < 1e-12, "{s}");
        let d = ((13.0f64 - 31.0 / 3.0).powi(2) + (14.0f64 - 31.0 / 3.0).powi(2)).sqrt();
        assert!((s[1] - d).abs() < 1e-12, "{s}");
    }

    #[test]
    fn an_emptied_cluster_takes_the_farthest_row() {
        // Two equal initial centres: the second cluster starts empty and must take the far row.
        let x = [0.0, 0.1, 0.2, 10.0];
        let c = lloyd(&x, 1, vec![0.0, 0.0], 10, 0.0);
        let mut cs = c.centroids.iter().copied().collect::<Vec<_>>();
        cs.sort_by(f64::total_cmp);
        assert!((cs[0] - 0.1).abs() < 1e-12 && cs[1] == 10.0, "{cs:?}");
    }
}
