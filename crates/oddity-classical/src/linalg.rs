//! Small dense linear algebra: a symmetric eigendecomposition (cyclic Jacobi) and the
//! symmetric pseudo-inverse built on it.

use ndarray::Array2;
use oddity_core::Error;

/// The largest dimension the symmetric eigendecomposition (used by
/// [`crate::MahalanobisValidParams`] and [`crate::PcaValidParams`]) accepts: cyclic Jacobi
/// costs `O(d³)` per sweep and is meant for the small feature counts of tabular data.
pub const MAX_EIGEN_DIM: usize = 512;

/// Sweeps after which [`sym_eigen`] gives up (convergence is quadratic; a few are needed).
const MAX_SWEEPS: usize = 100;

/// Eigenvalues and eigenvectors of the symmetric matrix `a` (only its upper triangle is
/// read) by the cyclic Jacobi method with thresholds (Numerical Recipes' `jacobi`). Returns
/// `(values, vectors)`, column `j` of `vectors` being the unit eigenvector of `values[j]`;
/// the order is not sorted.
pub(crate) fn sym_eigen(a: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>), Error> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::ShapeMismatch {
            what: "columns of a symmetric matrix".into(),
            expected: n,
            got: a.ncols(),
        });
    }
    if n > MAX_EIGEN_DIM {
        return Err(Error::Fit(format!(
            "eigendecomposition supports at most {MAX_EIGEN_DIM} dimensions, got {n}"
        )));
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(Error::Fit("eigendecomposition of a non-finite matrix".into()));
    }
    let mut a = a.clone();
    let mut v = Array2::<f64>::eye(n);
    let mut d: Vec<f64> = (0..n).map(|i| a[[i, i]]).collect();
    let mut b = d.clone();
    let mut z = vec![0.0; n];
    for sweep in 1..=MAX_SWEEPS {
        let mut sm = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                sm += a[[p, q]].abs();
            }
        }
        if sm == 0.0 {
            return Ok((d, v));
        }
        let tresh = if sweep < 4 { 0.2 * sm / (n * n) as f64 } else { 0.0 };
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                let g = 100.0 * apq.abs();
                if sweep > 4 && d[p].abs() + g == d[p].abs() && d[q].abs() + g == d[q].abs() {
                    a[[p, q]] = 0.0;
                } else if apq.abs() > tresh {
                    let h = d[q] - d[p];
                    let t = if h.abs() + g == h.abs() {
                        apq / h
                    } else {
                        let theta = 0.5 * h / apq;
                        let t = 1.0 / (theta.abs() + (1.0 + theta * theta).sqrt());
                        if theta < 0.0 {
                            -t
                        } else {
                            t
                        }
                    };
                    let c = 1.0 / (1.0 + t * t).sqrt();
                    let s = t * c;
                    let tau = s / (1.0 + c);
                    let h = t * apq;
                    z[p] -= h;
                    z[q] += h;
                    d[p] -= h;
                    d[q] += h;
                    a[[p, q]] = 0.0;
                    let rot = |m: &mut Array2<f64>, i: [usize; 2], j: [usize; 2]| {
                        let (g, h) = (m[i], m[j]);
                        m[i] = g - s * (h + g * tau);
                        m[j] = h + s * (g - h * tau);
                    };
                    for j in 0..p {
                        rot(&mut a, [j, p], [j, q]);
                    }
                    for j in p + 1..q {
                        rot(&mut a, [p, j], [j, q]);
                    }
                    for j in q + 1..n {
                        rot(&mut a, [p, j], [q, j]);
                    }
                    for j in 0..n {
                        rot(&mut v, [j, p], [j, q]);
                    }
                }
            }
        }
        for p in 0..n {
            b[p] += z[p];
            d[p] = b[p];
            z[p] = 0.0;
        }
    }
    Err(Error::Fit(format!("jacobi eigendecomposition did not converge in {MAX_SWEEPS} sweeps")))
}

/// Pseudo-inverse of the symmetric matrix `a` as `scipy.linalg.pinvh` with its default
/// cutoff: eigenvalues `λ` with `|λ| ≤ rtol · max|λ|` are dropped, `rtol` defaulting to
/// `d · f64::EPSILON`; the result is `Σ_{kept} u uᵀ / λ`.
pub(crate) fn pinvh(a: &Array2<f64>, rtol: Option<f64>) -> Result<Array2<f64>, Error> {
    let n = a.nrows();
    let (values, vectors) = sym_eigen(a)?;
    let rtol = rtol.unwrap_or(n as f64 * f64::EPSILON);
    let max_abs = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let cutoff = rtol * max_abs;
    let mut p = Array2::<f64>::zeros((n, n));
    for (j, &lambda) in values.iter().enumerate() {
        if lambda.abs() > cutoff {
            let u = vectors.column(j);
            for r in 0..n {
                let ur = u[r] / lambda;
                for c in 0..n {
                    p[[r, c]] += ur * u[c];
                }
            }
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn eigen_of_two_by_two() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (mut vals, vecs) = sym_eigen(&array![[2.0, 1.0], [1.0, 2.0]]).unwrap();
        let a = array![[2.0, 1.0], [1.0, 2.0]];
        for (j, &lambda) in vals.iter().enumerate() {
            let u = vecs.column(j);
            let au = a.dot(&u);
            for (x, y) in au.iter().zip(u.iter()) {
                assert!((x - lambda * y).abs() < 1e-14);
            }
        }
        vals.sort_by(f64::total_cmp);
        assert!((vals[0] - 1.0).abs() < 1e-14 && (vals[1] - 3.0).abs() < 1e-14);
    }

    #[test]
    fn reconstructs_a_random_symmetric_matrix() {
        let n = 12;
        let m = Array2::from_shape_fn((n, n), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 6.0);
        let a = &m + &m.t();
        let (vals, v) = sym_eigen(&a).unwrap();
        let back = v.dot(&Array2::from_diag(&ndarray::Array1::from(vals))).dot(&v.t());
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-11);
        }
        let vtv = v.t().dot(&v);
        for ((i, j), x) in vtv.indexed_iter() {
            assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-13);
        }
    }

    #[test]
    fn pinvh_of_singular_matrix() {
        // [[1, 1], [1, 1]] = 2 u uᵀ with u = (1, 1)/√2: pinv = u uᵀ / 2 = all 1/4.
        let p = pinvh(&array![[1.0, 1.0], [1.0, 1.0]], None).unwrap();
        for x in p.iter() {
            assert!((x - 0.25).abs() < 1e-15);
        }
        let zero = pinvh(&Array2::zeros((3, 3)), None).unwrap();
        assert!(zero.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn too_large_or_non_finite_is_an_error() {
        let big = Array2::<f64>::zeros((MAX_EIGEN_DIM + 1, MAX_EIGEN_DIM + 1));
        assert!(matches!(sym_eigen(&big), Err(Error::Fit(_))));
        assert!(matches!(sym_eigen(&array![[f64::NAN]]), Err(Error::Fit(_))));
    }
}
