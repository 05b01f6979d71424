"""PyOD's seeded detectors CBLOF, INNE and LODA (PyOD 3.6.7 defaults) over random_state 0-4.

Two modes, run by `cargo xtask peer-seeded`:

  fixtures SHARED_DIR OUT_CSV DATASET...
      On the reference split of shared/reference/README.md Part A (the `parts` of
      peer_detectors.py: rows i % 5 in {0,1,2} train, {3,4} test; train mean and population
      std, std 0 -> 1), per detector x dataset x random_state 0-4: the test ROC-AUC and the
      fit + score seconds. Writes OUT_CSV (dataset,detector,seed,roc_auc,fit_score_s) for
      crates/oddity-classical/tests/pyod_seeded.rs. A fit PyOD refuses is written with
      roc_auc `nan` (and its reason printed).

  suite SHARED_DIR OUT_CSV [DATASET,...]
      The protocol of shared/reference/peer/run_tabular.py on every odds/*.csv (or the
      listed ones): seeds 0-4, train_test_split(test_size=0.4, stratify=label,
      random_state=seed), StandardScaler fit on the training part, fit on train, score test.
      Writes run_tabular.py's long format (dataset,method,seed,metric,value,fit_s,score_s)
      with the metric roc_auc, for the side-by-side timing against oddity; a fit PyOD
      refuses (CBLOF's "Could not form valid cluster separation") is printed and left out.
"""
import sys
import time
import warnings

import numpy as np
from pyod.models.cblof import CBLOF
from pyod.models.inne import INNE
from pyod.models.loda import LODA
from sklearn.metrics import roc_auc_score

from peer_detectors import parts, suite

warnings.filterwarnings("ignore")

SEEDS = [0, 1, 2, 3, 4]

# oddity detector name -> PyOD model with its defaults and a random_state.
DETECTORS = {
    "cblof": lambda seed: CBLOF(random_state=seed),
    "inne": lambda seed: INNE(random_state=seed),
    "loda": lambda seed: LODA(random_state=seed),
}


def run(make, seed, train, test):
    """Fits on train, scores test: (scores, fit + score seconds, fit seconds)."""
    start = time.perf_counter()
    model = make(seed).fit(train)
    fitted = time.perf_counter()
    scores = model.decision_function(test)
    return scores, time.perf_counter() - start, fitted - start


def fixtures(shared, out, names):
    with open(out, "w") as f:
        f.write("dataset,detector,seed,roc_auc,fit_score_s\n")
        for name in names:
            train, test, label, _ = parts(shared, name)
            for det, make in DETECTORS.items():
                for seed in SEEDS:
                    try:
                        scores, secs, _ = run(make, seed, train, test)
                        auc = roc_auc_score(label, scores)
                    except ValueError as e:
                        print(f"{name} {det} seed {seed}: PyOD refuses: {e}")
                        auc, secs = float("nan"), float("nan")
                    f.write(f"{name},{det},{seed},{auc!r},{secs:.4f}\n")
                    print(f"{name},{det},{seed},{auc:.4f},{secs:.4f}", flush=True)


def main():
    mode, shared, out, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    if mode == "fixtures":
        fixtures(shared, out, rest)
    elif mode == "suite":
        suite(shared, out, DETECTORS, set(rest[0].split(",")) if rest and rest[0] else set())
    else:
        sys.exit(f"unknown mode {mode!r}: fixtures or suite")


if __name__ == "__main__":
    main()
