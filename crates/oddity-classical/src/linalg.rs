//! Small dense linear algebra: the symmetric eigendecomposition of `linfa-linalg`
//! (Householder tridiagonalisation and implicit symmetric QR, nalgebra's algorithm) and the
//! symmetric pseudo-inverse built on it.
//!
//! It replaced a hand-written cyclic Jacobi solver, which cost `O(d³)` per sweep and was
//! capped at 512 dimensions: TSB-AD's Sub-PCA on 288-long windows spent 96 % of its time
//! there, and windowed `pca` / `mahalanobis` on SMD (38 features × 16 steps = 608) failed.

use linfa_linalg::eigh::Eigh;
use ndarray::Array2;
use oddity_core::Error;

/// Eigenvalues and eigenvectors of the symmetric matrix `a`. Returns `(values, vectors)`,
/// column `j` of `vectors` being the unit eigenvector of `values[j]`; the order is not
/// sorted. Any dimension is accepted (the cost is `O(d³)`).
pub(crate) fn sym_eigen(a: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>), Error> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::ShapeMismatch {
            what: "columns of a symmetric matrix".into(),
            expected: n,
            got: a.ncols(),
        });
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(Error::Fit("eigendecomposition of a non-finite matrix".into()));
    }
    if n == 0 {
        return Ok((vec![], Array2::zeros((0, 0))));
    }
    let (values, vectors) =
        a.eigh().map_err(|e| Error::Fit(format!("eigendecomposition failed: {e}")))?;
    Ok((values.to_vec(), vectors))
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
    // The same sums in the same order as `p[[r, c]] += u[r] / λ · u[c]` over the kept `j`,
    // on contiguous copies of the eigenvectors (a strided, bounds-checked column walk cost
    // as much as the eigendecomposition itself in `mcd`).
    let mut p = vec![0.0; n * n];
    let mut u = vec![0.0; n];
    for (j, &lambda) in values.iter().enumerate() {
        if lambda.abs() > cutoff {
            for (t, v) in u.iter_mut().zip(vectors.column(j)) {
                *t = *v;
            }
            for (r, row) in p.chunks_exact_mut(n).enumerate() {
                let ur = u[r] / lambda;
                for (acc, uc) in row.iter_mut().zip(&u) {
                    *acc += ur * uc;
                }
            }
        }
    }
    Array2::from_shape_vec((n, n), p).map_err(|e| Error::Fit(format!("pinvh: shape: {e}")))
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
    fn wide_matrices_decompose_and_non_finite_is_an_error() {
        // 600 dimensions (SMD's 38 features × 16 steps was refused by the old solver).
        let n = 600;
        let m = Array2::from_shape_fn((n, n), |(i, j)| (((i * 7 + j * 3) % 11) as f64) / 11.0);
        let a = m.t().dot(&m);
        let (vals, v) = sym_eigen(&a).unwrap();
        let av = a.dot(&v.column(0));
        for (x, y) in av.iter().zip(v.column(0).iter()) {
            assert!(
                (x - vals[0] * y).abs() < 1e-8 * vals.iter().fold(1.0f64, |m, v| m.max(v.abs()))
            );
        }
        assert!(matches!(sym_eigen(&array![[f64::NAN]]), Err(Error::Fit(_))));
    }
}
