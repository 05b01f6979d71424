//! Label segments (maximal runs of anomalies) and predictions from a threshold.

/// A row that belongs to no segment in [`segment_ids`].
pub(crate) const NONE: u32 = u32::MAX;

/// The maximal runs of label 1 (the anomaly segments) as inclusive `(start, end)` index
/// pairs, in order.
///
/// ```
/// assert_eq!(oddity_eval::segments(&[0, 1, 1, 0, 1]), vec![(1, 2), (4, 4)]);
/// ```
pub fn segments(labels: &[u8]) -> Vec<(usize, usize)> {
    runs(labels.len(), |i| labels[i] == 1)
}

/// The maximal runs of `true` in a prediction, inclusive, in order.
pub(crate) fn pred_runs(pred: &[bool]) -> Vec<(usize, usize)> {
    runs(pred.len(), |i| pred[i])
}

fn runs(n: usize, on: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..n {
        match (on(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, n - 1));
    }
    out
}

/// The segment index of every row ([`NONE`] for normal rows).
pub(crate) fn segment_ids(n: usize, segments: &[(usize, usize)]) -> Vec<u32> {
    let mut ids = vec![NONE; n];
    for (k, &(s, e)) in segments.iter().enumerate() {
        ids[s..=e].fill(k as u32);
    }
    ids
}

/// The prediction `score > threshold` (strict, as scikit-learn-style thresholds and TSB-AD).
pub fn predict(scores: &[f64], threshold: f64) -> Vec<bool> {
    scores.iter().map(|&s| s > threshold).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_at_both_ends() {
        assert_eq!(segments(&[1, 1, 0, 1, 0, 0, 1]), [(0, 1), (3, 3), (6, 6)]);
        assert_eq!(segments(&[0, 0]), []);
        assert_eq!(segment_ids(4, &[(1, 2)]), [NONE, 0, 0, NONE]);
    }

    #[test]
    fn predict_is_strict() {
        assert_eq!(predict(&[0.5, 0.7, 0.9], 0.7), [false, false, true]);
    }
}
