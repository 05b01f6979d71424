"""TSB-AD 1.5's `get_metrics` on TSB-AD's own scores of the shared series, as its
`main.py` computes them: scores min-max scaled to [0, 1], `slidingWindow` =
`find_length_rank(series, rank=1)`, VUS with `version="opt"` and 250 thresholds. The
threshold-free values (AUC-ROC, AUC-PR, VUS-ROC, VUS-PR) are what `oddity run` with
`protocol = "tsbad"` must give for the deterministic methods (`tests/tsbad_protocol.rs`).

Usage: tsbad_metrics.py FIXTURES_DIR OUT_CSV  (run by `cargo xtask peer-tsbad`, in the TSB-AD
virtual environment; FIXTURES_DIR holds `tsbad_series_<series>.csv` (value,label) and
`tsbad_<method>_<series>.csv` (score) files)."""
import csv
import glob
import os
import sys
import types

import numpy as np

for name in ["torch", "torch.nn", "torch.utils", "torch.utils.data"]:
    sys.modules.setdefault(name, types.ModuleType(name))
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from TSB_AD.evaluation.basic_metrics import basic_metricor, generate_curve  # noqa: E402
from TSB_AD.utils.slidingWindows import find_length_rank  # noqa: E402

METHODS = ["sub_pca", "sub_knn", "sub_lof", "sub_hbos", "poly", "spectral_residual", "matrix_profile"]


def read(path, column):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r[column]) for r in rows])


def main():
    fixtures, out = sys.argv[1], sys.argv[2]
    grader = basic_metricor()
    written = 0
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "method", "period", "roc_auc", "average_precision", "vus_roc", "vus_pr"])
        for series_file in sorted(glob.glob(os.path.join(fixtures, "tsbad_series_*.csv"))):
            series = os.path.basename(series_file)[len("tsbad_series_"):-len(".csv")]
            x = read(series_file, "value")
            labels = read(series_file, "label").astype(int)
            if labels.sum() == 0:
                continue
            period = find_length_rank(x.reshape(-1, 1), rank=1)
            for method in METHODS:
                path = os.path.join(fixtures, f"tsbad_{method}_{series}.csv")
                if not os.path.exists(path):
                    continue
                score = read(path, "score")
                score = MinMaxScaler(feature_range=(0, 1)).fit_transform(score.reshape(-1, 1)).ravel()
                auc = grader.metric_ROC(labels, score)
                ap = grader.metric_PR(labels, score)
                _, _, _, _, _, _, vus_roc, vus_pr = generate_curve(labels, score, period, "opt", 250)
                w.writerow([series, method, period, repr(float(auc)), repr(float(ap)), repr(float(vus_roc)), repr(float(vus_pr))])
                written += 1
    print(f"tsbad_metrics: {written} (series, method) pairs into {out}")


if __name__ == "__main__":
    main()
