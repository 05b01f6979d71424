"""Per-row test scores of PyOD's KDE, COF and SOD on the reference split of
shared/reference/README.md Part A (rows i % 5 in {0,1,2} train, {3,4} test; train mean and
population std, std 0 -> 1), written as fixtures for crates/oddity-classical/tests/pyod_detectors.rs.

Run by `cargo xtask peer-detectors`; arguments: SHARED_DIR OUT_DIR DATASET...
"""
import sys
import time
import warnings

import numpy as np
from pyod.models.cof import COF
from pyod.models.kde import KDE
from pyod.models.sod import SOD
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score

warnings.filterwarnings("ignore")


def parts(shared, name):
    data = np.loadtxt(f"{shared}/datasets/odds/{name}.csv", delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1]
    rows = np.arange(len(x))
    tr, te = rows % 5 < 3, rows % 5 >= 3
    mean = x[tr].mean(axis=0)
    std = x[tr].std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    return z[tr], z[te], y[te], rows[te]


def kde_exact(train, test, h=1.0):
    """-log density of every test row summed over ALL training rows in log space (no tree,
    no early stop): the quantity scikit-learn approximates with rtol = atol = 0."""
    n, d = train.shape
    sq = ((test[:, None, :] - train[None, :, :]) ** 2).sum(axis=-1)
    log_dens = logsumexp(-0.5 * sq / (h * h), axis=1) - np.log(n)
    return -(log_dens - 0.5 * d * np.log(2 * np.pi) - d * np.log(h))


def main():
    shared, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    detectors = {"kde": KDE, "cof": COF, "sod": SOD}
    print("dataset,detector,roc_auc,fit_score_s")
    for name in names:
        train, test, label, rows = parts(shared, name)
        for det, make in detectors.items():
            start = time.perf_counter()
            model = make().fit(train)
            scores = model.decision_function(test)
            secs = time.perf_counter() - start
            # kde: a second column with the exact -log density (see kde_exact).
            extra, column = None, ""
            if det == "kde":
                extra, column = [repr(float(v)) for v in kde_exact(train, test)], ",exact"
            with open(f"{out}/pyod_{det}_{name}.csv", "w") as f:
                f.write("row,label,score" + column + "\n")
                for i, (r, l, s) in enumerate(zip(rows, label, scores)):
                    tail = f",{extra[i]}" if extra is not None else ""
                    f.write(f"{r},{int(l)},{float(s)!r}{tail}\n")
            print(f"{name},{det},{roc_auc_score(label, scores)!r},{secs:.4f}")


if __name__ == "__main__":
    main()
