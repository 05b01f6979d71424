"""Per-row test scores of PyOD's KDE, COF, SOD, OCSVM and MCD on the reference split of
shared/reference/README.md Part A (rows i % 5 in {0,1,2} train, {3,4} test; train mean and
population std, std 0 -> 1), written as fixtures for crates/oddity-classical/tests/
(pyod_detectors.rs: kde, cof, sod; pyod_ocsvm_mcd.rs: ocsvm, mcd).

Run by `cargo xtask peer-detectors`; arguments: SHARED_DIR OUT_DIR DETECTOR=DATASET,DATASET...

With `suite SHARED_DIR OUT_CSV DETECTOR,... [DATASET,...]` (`cargo xtask peer-detectors
--suite`): the protocol of shared/reference/peer/run_tabular.py (which has no entry for these
detectors) on every odds/*.csv or the listed ones: seeds 0-4, train_test_split(test_size=0.4,
stratify=label, random_state=seed), StandardScaler fit on the training part, fit on train,
score test; writes its long format (dataset,method,seed,metric,value,fit_s,score_s) with the
metric roc_auc, for the side-by-side timing against oddity.
"""
import glob
import os
import sys
import time
import warnings

import numpy as np
from pyod.models.cof import COF
from pyod.models.kde import KDE
from pyod.models.mcd import MCD
from pyod.models.ocsvm import OCSVM
from pyod.models.sod import SOD
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")

# MCD draws its random subsets from random_state: one score column per seed; the suite
# runs every detector on these seeds.
SEEDS = [0, 1, 2, 3, 4]


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


def fit_score(make, train, test):
    start = time.perf_counter()
    model = make().fit(train)
    scores = model.decision_function(test)
    return model, scores, time.perf_counter() - start


def run(det, name, shared, out):
    """Writes pyod_<det>_<name>.csv: row, label, score (+ extra columns); prints the
    ROC-AUC and the fit + score seconds."""
    train, test, label, rows = parts(shared, name)
    columns = {}
    if det == "mcd":
        # score = seed 0; seed_<s> = the scores of every seed (the ROC-AUC band).
        secs = 0.0
        for s in SEEDS:
            model, scores, t = fit_score(lambda: MCD(random_state=s), train, test)
            secs += t
            columns[f"seed_{s}"] = scores
            if s == 0:
                columns = {"score": scores, **columns}
        secs /= len(SEEDS)
    else:
        make = {"kde": KDE, "cof": COF, "sod": SOD, "ocsvm": OCSVM}[det]
        model, scores, secs = fit_score(make, train, test)
        columns["score"] = scores
        # kde: a second column with the exact -log density (see kde_exact).
        if det == "kde":
            columns["exact"] = kde_exact(train, test)
    with open(f"{out}/pyod_{det}_{name}.csv", "w") as f:
        f.write("row,label," + ",".join(columns) + "\n")
        for i, (r, l) in enumerate(zip(rows, label)):
            tail = ",".join(repr(float(c[i])) for c in columns.values())
            f.write(f"{r},{int(l)},{tail}\n")
    print(f"{name},{det},{roc_auc_score(label, columns['score'])!r},{secs:.4f}")


# Suite: oddity detector name -> PyOD model (defaults; random_state = the seed where it has one).
SUITE = {
    "kde": lambda seed: KDE(),
    "cof": lambda seed: COF(),
    "sod": lambda seed: SOD(),
    "ocsvm": lambda seed: OCSVM(),
    "mcd": lambda seed: MCD(random_state=seed),
}


def suite(shared, out, makers, wanted):
    """The ODDS suite protocol (stratified 60/40, seeds 0-4, standardised on train) for
    every `makers[name](seed)` model: `dataset,method,seed,metric,value,fit_s,score_s` rows
    in `out` (also run by peer_seeded.py)."""
    paths = sorted(glob.glob(os.path.join(shared, "datasets", "odds", "*.csv")))
    with open(out, "w") as f:
        f.write("dataset,method,seed,metric,value,fit_s,score_s\n")
        for path in paths:
            name = os.path.splitext(os.path.basename(path))[0]
            if wanted and name not in wanted:
                continue
            data = np.loadtxt(path, delimiter=",", skiprows=1)
            x, y = data[:, :-1], data[:, -1].astype(int)
            for seed in SEEDS:
                xtr, xte, _, yte = train_test_split(
                    x, y, test_size=0.4, stratify=y, random_state=seed
                )
                scaler = StandardScaler().fit(xtr)
                xtr, xte = scaler.transform(xtr), scaler.transform(xte)
                for det, make in makers.items():
                    np.random.seed(seed)
                    try:
                        start = time.perf_counter()
                        model = make(seed).fit(xtr)
                        fitted = time.perf_counter()
                        scores = model.decision_function(xte)
                        done = time.perf_counter()
                        auc = roc_auc_score(yte, scores)
                    except ValueError as e:
                        # Left out of the table (its means), as a failed job.
                        print(f"{name} {det} seed {seed}: PyOD refuses: {e}")
                        continue
                    f.write(
                        f"{name},{det},{seed},roc_auc,{auc:.6f},"
                        f"{fitted - start:.4f},{done - fitted:.4f}\n"
                    )
                    f.flush()
                    print(
                        f"{name:12s} {det:6s} seed={seed} auc={auc:.4f} s={done - start:.3f}",
                        flush=True,
                    )


def main():
    if sys.argv[1] == "suite":
        shared, out, detectors = sys.argv[2], sys.argv[3], sys.argv[4].split(",")
        wanted = set(sys.argv[5].split(",")) if len(sys.argv) > 5 and sys.argv[5] else set()
        suite(shared, out, {d: SUITE[d] for d in detectors}, wanted)
        return
    shared, out, jobs = sys.argv[1], sys.argv[2], sys.argv[3:]
    print("dataset,detector,roc_auc,fit_score_s")
    for job in jobs:
        det, names = job.split("=")
        for name in names.split(","):
            run(det, name, shared, out)


if __name__ == "__main__":
    main()
