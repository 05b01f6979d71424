//! "Did you mean …?" for names a config gets wrong: a known alias (the name PyOD or
//! scikit-learn gives the same thing), a different case, or the closest known name within a
//! few typos.

/// Names other libraries use for oddity's, as `(their name, ours)`: PyOD's detector
/// parameters and class names, scikit-learn's metric names.
const ALIASES: &[(&str, &str)] = &[
    ("n_neighbors", "k"),
    ("n_neighbours", "k"),
    ("n_trees", "n_estimators"),
    ("n_components", "components"),
    ("isolation_forest", "iforest"),
    ("isolationforest", "iforest"),
    ("extended_isolation_forest", "eif"),
    ("one_class_svm", "ocsvm"),
    ("oneclasssvm", "ocsvm"),
    ("lstm_ae", "lstm_autoencoder"),
    ("cnn_ae", "cnn_autoencoder"),
    ("ae", "autoencoder"),
    ("deep_svdd", "deepsvdd"),
    ("pr_auc", "average_precision"),
    ("auc_pr", "average_precision"),
    ("aucpr", "average_precision"),
    ("ap", "average_precision"),
    ("auc", "roc_auc"),
    ("auroc", "roc_auc"),
    ("roc", "roc_auc"),
    ("f1", "best_f1"),
    ("vus", "vus_pr"),
];

/// A short hint for the unknown `name` among `known`: ` (did you mean `x`?)`, or the empty
/// string when nothing is close. An alias is taken only when its target is known here.
///
/// ```
/// use oddity_core::suggest::did_you_mean;
/// assert_eq!(did_you_mean("n_neighbors", ["k", "method"]), " (did you mean `k`?)");
/// assert_eq!(did_you_mean("zscroe", ["zscore", "knn"]), " (did you mean `zscore`?)");
/// assert_eq!(did_you_mean("xyz", ["zscore", "knn"]), "");
/// ```
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    closest(name, &known).map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"))
}

/// The known name `name` most likely meant, if any: an alias, a case-insensitive match,
/// or the nearest name by edit distance (at most 1 for names of up to 4 letters, 2 up to 8,
/// 3 beyond).
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase().replace('-', "_");
    if let Some((_, ours)) = ALIASES.iter().find(|(theirs, _)| *theirs == lower) {
        if let Some(k) = known.iter().find(|k| *k == ours) {
            return Some(k);
        }
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(&lower)) {
        return Some(k);
    }
    let limit = match lower.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The edit distance between `a` and `b` with adjacent transpositions (optimal string
/// alignment).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_case_and_typos_find_the_name_and_nothing_far_does() {
        let metrics = ["roc_auc", "average_precision", "vus_pr", "best_f1"];
        assert_eq!(closest("pr_auc", &metrics), Some("average_precision"));
        assert_eq!(closest("AUC", &metrics), Some("roc_auc"));
        assert_eq!(closest("ROC_AUC", &metrics), Some("roc_auc"));
        assert_eq!(closest("vus-pr", &metrics), Some("vus_pr"));
        assert_eq!(closest("averge_precison", &metrics), Some("average_precision"));
        assert_eq!(closest("recall", &metrics), None);
        // An alias whose target is not known here says nothing.
        assert_eq!(closest("n_neighbors", &["n_estimators"]), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
