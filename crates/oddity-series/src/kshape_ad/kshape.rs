//! k-Shape clustering as tslearn 0.10's `KShape(n_clusters = k)` runs it with its defaults
//! (random initial centroids among the series, one run, up to 10 attempts when a cluster
//! empties), and the shape-based distance by FFT cross-correlation (`rustfft`).

use std::sync::Arc;

use oddity_core::Rng;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// A cluster of k-Shape: its z-normalised centroid and the indices of its members.
#[derive(Debug, Clone)]
pub(super) struct Cluster {
    /// The centroid (z-normalised, ddof 0).
    pub centroid: Vec<f64>,
    /// The members, ascending.
    pub members: Vec<usize>,
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// The largest normalised cross-correlation of `x` and `y` over every shift, by direct sums:
/// `max_s Σ_t x[t + s] y[t] / (‖x‖ ‖y‖)`, 0 when a norm is 0 (SAND's `_ncc_c`, whose
/// `1 − max` is the shape-based distance).
pub(super) fn ncc_max(x: &[f64], y: &[f64]) -> f64 {
    let den = norm(x) * norm(y);
    if den == 0.0 {
        return 0.0;
    }
    let sz = x.len() as isize;
    let mut best = f64::NEG_INFINITY;
    for s in -(sz - 1)..sz {
        let lo = 0.max(-s);
        let hi = sz.min(sz - s);
        let cc: f64 = (lo..hi).map(|t| x[(t + s) as usize] * y[t as usize]).sum();
        best = best.max(cc / den);
    }
    best
}

/// Zero-padded spectra of series of `sz` steps and their cross-correlations (tslearn's
/// `normalized_cc`: an FFT of `2^⌈log2(2 sz − 1)⌉` points).
struct Spectra {
    sz: usize,
    len: usize,
    fft: Arc<dyn Fft<f64>>,
    ifft: Arc<dyn Fft<f64>>,
}

impl Spectra {
    fn new(sz: usize) -> Self {
        // numpy's `1 << (2 sz − 1).bit_length()`: the power of two above the odd 2 sz − 1.
        let len = (2 * sz - 1).next_power_of_two().max(2);
        let mut planner = FftPlanner::new();
        Self { sz, len, fft: planner.plan_fft_forward(len), ifft: planner.plan_fft_inverse(len) }
    }

    fn of(&self, x: &[f64]) -> Vec<Complex<f64>> {
        let mut buf = vec![Complex::new(0.0, 0.0); self.len];
        for (b, &v) in buf.iter_mut().zip(x) {
            b.re = v;
        }
        self.fft.process(&mut buf);
        buf
    }

    /// The cross-correlation of the series of spectra `f1` and `f2` at shifts
    /// `−(sz − 1)..sz` (index 0 = shift `−(sz − 1)`), unnormalised.
    fn cc(&self, f1: &[Complex<f64>], f2: &[Complex<f64>]) -> Vec<f64> {
        let mut buf: Vec<Complex<f64>> = f1.iter().zip(f2).map(|(a, b)| a * b.conj()).collect();
        self.ifft.process(&mut buf);
        let scale = 1.0 / self.len as f64;
        let sz = self.sz;
        (0..2 * sz - 1)
            .map(|i| {
                let j = if i < sz - 1 { self.len - (sz - 1) + i } else { i - (sz - 1) };
                buf[j].re * scale
            })
            .collect()
    }

    /// `(max, first argmax)` of the normalised cross-correlation (`den < 1e-9` counts as
    /// infinite, every value 0, as tslearn).
    fn ncc(&self, f1: &[Complex<f64>], f2: &[Complex<f64>], den: f64) -> (f64, usize) {
        if den < 1e-9 {
            return (0.0, 0);
        }
        let cc = self.cc(f1, f2);
        let mut best = (f64::NEG_INFINITY, 0);
        for (i, v) in cc.into_iter().enumerate() {
            let v = v / den;
            if v > best.0 {
                best = (v, i);
            }
        }
        best
    }
}

/// The state of one k-Shape attempt: the centroids, their norms and spectra, the labels.
struct State {
    centroids: Vec<Vec<f64>>,
    labels: Vec<usize>,
    inertia: f64,
}

/// The data of one clustering: the series, their spectra and norms.
struct Data<'a> {
    x: &'a [&'a [f64]],
    spectra: Spectra,
    fx: Vec<Vec<Complex<f64>>>,
    norms: Vec<f64>,
}

impl Data<'_> {
    /// tslearn's `_assign`: each series to the centroid of smallest SBD; `Err` with the
    /// labels when a cluster is left empty.
    fn assign(&self, centroids: &[Vec<f64>]) -> Result<(Vec<usize>, f64), Vec<usize>> {
        let fc: Vec<_> = centroids.iter().map(|c| self.spectra.of(c)).collect();
        let nc: Vec<f64> = centroids.iter().map(|c| norm(c)).collect();
        let mut labels = Vec::with_capacity(self.x.len());
        let mut inertia = 0.0;
        for (fi, &ni) in self.fx.iter().zip(&self.norms) {
            let mut best = (f64::INFINITY, 0);
            for (j, (f, &n)) in fc.iter().zip(&nc).enumerate() {
                let d = 1.0 - self.spectra.ncc(fi, f, ni * n).0;
                if d < best.0 {
                    best = (d, j);
                }
            }
            labels.push(best.1);
            inertia += best.0 * best.0;
        }
        let k = centroids.len();
        let mut count = vec![0usize; k];
        labels.iter().for_each(|&l| count[l] += 1);
        if count.contains(&0) {
            return Err(labels);
        }
        Ok((labels, inertia / self.x.len() as f64))
    }

    /// tslearn's `_shape_extraction` of cluster `k`: its members shifted onto the centroid,
    /// the top eigenvector of their centred scatter, its sign the closer one.
    fn shape(&self, centroid: &[f64], labels: &[usize], k: usize) -> Vec<f64> {
        let sz = self.spectra.sz;
        let fc = self.spectra.of(centroid);
        let nc = norm(centroid);
        let xp: Vec<Vec<f64>> = (0..self.x.len())
            .filter(|&i| labels[i] == k)
            .map(|i| {
                let (_, idx) = self.spectra.ncc(&fc, &self.fx[i], nc * self.norms[i]);
                let shift = idx as isize + 1 - sz as isize;
                (0..sz as isize)
                    .map(|t| {
                        let s = t - shift;
                        if (0..sz as isize).contains(&s) {
                            self.x[i][s as usize]
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        // B = Xp Q: every aligned member minus its mean; M = Bᵀ B.
        let b: Vec<Vec<f64>> = xp
            .iter()
            .map(|r| {
                let m = r.iter().sum::<f64>() / sz as f64;
                r.iter().map(|v| v - m).collect()
            })
            .collect();
        let mut mu = top_singular(&b, centroid);
        let dist = |sign: f64| -> f64 {
            xp.iter()
                .map(|r| r.iter().zip(&mu).map(|(a, m)| (a - sign * m).powi(2)).sum::<f64>().sqrt())
                .sum()
        };
        if dist(-1.0) < dist(1.0) {
            mu.iter_mut().for_each(|v| *v = -*v);
        }
        mu
    }
}

/// The unit top right singular vector of `b` (rows × `sz`), the top eigenvector of `bᵀ b`,
/// by power iteration on the smaller of `b bᵀ` and `bᵀ b`, started from `start`.
fn top_singular(b: &[Vec<f64>], start: &[f64]) -> Vec<f64> {
    let (n, sz) = (b.len(), start.len());
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, c)| a * c).sum::<f64>();
    // The Gram matrix of the smaller side and the start vector on that side.
    let gram_rows = n <= sz;
    let m = if gram_rows { n } else { sz };
    let mut g = vec![0.0; m * m];
    if gram_rows {
        for i in 0..n {
            for j in 0..=i {
                let v = dot(&b[i], &b[j]);
                g[i * m + j] = v;
                g[j * m + i] = v;
            }
        }
    } else {
        for r in b {
            for i in 0..sz {
                let ri = r[i];
                if ri == 0.0 {
                    continue;
                }
                for j in 0..sz {
                    g[i * m + j] += ri * r[j];
                }
            }
        }
    }
    let mut v: Vec<f64> = if gram_rows {
        b.iter().map(|r| dot(r, start)).collect()
    } else {
        let mean = start.iter().sum::<f64>() / sz as f64;
        start.iter().map(|x| x - mean).collect()
    };
    if norm(&v) == 0.0 {
        v = vec![1.0; m];
    }
    let nv = norm(&v);
    v.iter_mut().for_each(|x| *x /= nv);
    let mut next = vec![0.0; m];
    for _ in 0..5_000 {
        for (i, o) in next.iter_mut().enumerate() {
            *o = dot(&g[i * m..(i + 1) * m], &v);
        }
        let nn = norm(&next);
        if nn == 0.0 {
            break;
        }
        next.iter_mut().for_each(|x| *x /= nn);
        let change = next.iter().zip(&v).map(|(a, c)| (a - c).abs()).fold(0.0, f64::max);
        std::mem::swap(&mut v, &mut next);
        if change < 1e-12 {
            break;
        }
    }
    if !gram_rows {
        return v;
    }
    let mut mu = vec![0.0; sz];
    for (r, &u) in b.iter().zip(&v) {
        for (m, x) in mu.iter_mut().zip(r) {
            *m += u * x;
        }
    }
    let nm = norm(&mu);
    if nm > 0.0 {
        mu.iter_mut().for_each(|x| *x /= nm);
    }
    mu
}

/// Z-normalises `x` (ddof 0; a constant series becomes zeros), as tslearn's
/// `TimeSeriesScalerMeanVariance`.
fn znorm(x: &mut [f64]) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    let sd = if sd == 0.0 { 1.0 } else { sd };
    x.iter_mut().for_each(|v| *v = (*v - m) / sd);
}

/// One attempt (tslearn's `_fit_one_init`): `Err` with the state when a cluster empties.
fn one_init(
    data: &Data<'_>,
    k: usize,
    max_iter: usize,
    tol: f64,
    rng: &mut Rng,
) -> Result<State, State> {
    let picks = rand::seq::index::sample(rng, data.x.len(), k).into_vec();
    let mut centroids: Vec<Vec<f64>> = picks.iter().map(|&i| data.x[i].to_vec()).collect();
    let fail = |centroids: Vec<Vec<f64>>, labels| State { centroids, labels, inertia: f64::NAN };
    let (mut labels, mut inertia) = match data.assign(&centroids) {
        Ok(a) => a,
        Err(labels) => return Err(fail(centroids, labels)),
    };
    let mut old_inertia = f64::INFINITY;
    for _ in 0..max_iter {
        let old = centroids.clone();
        centroids = (0..k).map(|j| data.shape(&old[j], &labels, j)).collect();
        centroids.iter_mut().for_each(|c| znorm(c));
        (labels, inertia) = match data.assign(&centroids) {
            Ok(a) => a,
            Err(labels) => return Err(fail(centroids, labels)),
        };
        if (old_inertia - inertia).abs() < tol || old_inertia - inertia < 0.0 {
            centroids = old;
            (labels, inertia) = data.assign(&centroids).map_err(|l| fail(centroids.clone(), l))?;
            break;
        }
        old_inertia = inertia;
    }
    Ok(State { centroids, labels, inertia })
}

/// k-Shape of the series `x` (equal lengths) into `k` clusters (`k ≤ x.len()`): tslearn's
/// `KShape(n_clusters = k, max_iter, tol).fit`, initial centroids drawn from `rng`. When
/// every one of the 10 attempts empties a cluster, the last attempt's state is returned
/// (empty clusters included), as tslearn leaves it.
pub(super) fn kshape(
    x: &[&[f64]],
    k: usize,
    max_iter: usize,
    tol: f64,
    rng: &mut Rng,
) -> Vec<Cluster> {
    let spectra = Spectra::new(x[0].len());
    let fx = x.iter().map(|s| spectra.of(s)).collect();
    let norms = x.iter().map(|s| norm(s)).collect();
    let data = Data { x, spectra, fx, norms };
    let mut state = None;
    for _ in 0..10 {
        match one_init(&data, k, max_iter, tol, rng) {
            Ok(s) => {
                state = Some(s);
                break;
            }
            Err(s) => state = Some(s),
        }
    }
    let state = state.expect("at least one attempt");
    debug_assert!(state.inertia.is_nan() || state.inertia >= 0.0);
    (0..k)
        .map(|j| Cluster {
            centroid: state.centroids[j].clone(),
            members: (0..x.len()).filter(|&i| state.labels[i] == j).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_cross_correlation_equals_direct_sums() {
        let x: Vec<f64> = (0..9).map(|t| ((t * 5) % 7) as f64 - 2.0).collect();
        let y: Vec<f64> = (0..9).map(|t| (t as f64 * 0.9).sin()).collect();
        let sp = Spectra::new(9);
        let (best, idx) = sp.ncc(&sp.of(&x), &sp.of(&y), norm(&x) * norm(&y));
        assert!((best - ncc_max(&x, &y)).abs() < 1e-12);
        // The argmax is the shift s = idx − (sz − 1) of Σ_t x[t + s] y[t].
        let s = idx as isize - 8;
        let direct: f64 = (0..9isize)
            .filter(|t| (0..9).contains(&(t + s)))
            .map(|t| x[(t + s) as usize] * y[t as usize])
            .sum();
        assert!((direct / (norm(&x) * norm(&y)) - best).abs() < 1e-12);
    }

    #[test]
    fn top_singular_vector_of_a_rank_one_scatter() {
        // Rows a multiple of one centred shape: the top vector is that shape.
        let shape = [1.0, -2.0, 0.5, 0.5];
        let b: Vec<Vec<f64>> = [1.0, -3.0, 2.0, 0.5, 4.0]
            .iter()
            .map(|c| shape.iter().map(|s| s * c).collect())
            .collect();
        for start in [[1.0, 0.0, 0.0, 0.0], [0.3, 0.1, -0.2, 0.9]] {
            let v = top_singular(&b, &start);
            let cos = dot(&v, &shape) / norm(&shape);
            assert!((cos.abs() - 1.0).abs() < 1e-9, "{v:?}");
        }
        // More rows than steps: the same through bᵀ b.
        let tall: Vec<Vec<f64>> =
            (0..7).map(|i| shape.iter().map(|s| s * (i as f64 - 2.5)).collect()).collect();
        let v = top_singular(&tall, &[0.2, 0.2, 0.3, -0.7]);
        assert!((dot(&v, &shape).abs() / norm(&shape) - 1.0).abs() < 1e-9);
    }

    fn dot(x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn kshape_separates_two_shapes() {
        // Sines and spike trains, each shifted by 0-2 steps and a little noisy: two
        // clusters, one per shape, from any initial draw.
        let mut rows = Vec::new();
        for i in 0..6 {
            let (s, e) = (i % 3, |t: usize| 0.01 * ((i * 7 + t * 3) % 5) as f64);
            let tau = std::f64::consts::TAU;
            rows.push(
                (0..32).map(|t| ((t + s) as f64 * tau / 16.0).sin() + e(t)).collect::<Vec<_>>(),
            );
            rows.push((0..32).map(|t| if (t + s) % 16 == 0 { 1.0 } else { e(t) }).collect());
        }
        let x: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        for seed in 0..8 {
            let mut rng = oddity_core::rng(seed);
            let clusters = kshape(&x, 2, 100, 1e-6, &mut rng);
            let a = &clusters[0].members;
            assert_eq!(a.len(), 6, "seed {seed}: {clusters:?}");
            assert!(a.iter().all(|i| i % 2 == a[0] % 2), "seed {seed}: {clusters:?}");
        }
    }
}
