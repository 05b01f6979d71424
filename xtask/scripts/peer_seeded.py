"""PyOD's seeded detectors CBLOF, INNE, LODA and DIF (PyOD 3.6.7 defaults) over random_state
0-4. DIF needs PyTorch (CPU kernels, 2 threads); the others import without it.

Two modes, run by `cargo xtask peer-seeded`; `--detectors a,b` right after the mode runs only
those (oddity names: cblof, inne, loda, dif):

  fixtures [--detectors a,b] SHARED_DIR OUT_CSV DATASET...
      On the reference split of shared/reference/README.md Part A (the `parts` of
      peer_detectors.py: rows i % 5 in {0,1,2} train, {3,4} test; train mean and population
      std, std 0 -> 1), per detector x dataset x random_state 0-4: the test ROC-AUC and the
      fit + score seconds. Writes OUT_CSV (dataset,detector,seed,roc_auc,fit_score_s) for
      crates/oddity-classical/tests/pyod_seeded.rs; the lines of the detector x dataset pairs
      not run this time are kept from the OUT_CSV already there. A fit PyOD refuses is
      written with roc_auc `nan` (and its reason printed).

  suite [--detectors a,b] SHARED_DIR OUT_CSV [DATASET,...]
      The protocol of shared/reference/peer/run_tabular.py on every odds/*.csv (or the
      listed ones): seeds 0-4, train_test_split(test_size=0.4, stratify=label,
      random_state=seed), StandardScaler fit on the training part, fit on train, score test.
      Writes run_tabular.py's long format (dataset,method,seed,metric,value,fit_s,score_s)
      with the metric roc_auc, for the side-by-side timing against oddity; a fit PyOD
      refuses (CBLOF's "Could not form valid cluster separation") is printed and left out.
"""
import os
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


def dif(seed):
    """PyOD's DIF with its defaults on the CPU, torch imported only when it runs."""
    import torch
    from pyod.models.dif import DIF

    torch.set_num_threads(2)
    return DIF(random_state=seed, device="cpu")


# oddity detector name -> PyOD model with its defaults and a random_state.
DETECTORS = {
    "cblof": lambda seed: CBLOF(random_state=seed),
    "inne": lambda seed: INNE(random_state=seed),
    "loda": lambda seed: LODA(random_state=seed),
    "dif": dif,
}


def run(make, seed, train, test):
    """Fits on train, scores test: (scores, fit + score seconds, fit seconds)."""
    start = time.perf_counter()
    model = make(seed).fit(train)
    fitted = time.perf_counter()
    scores = model.decision_function(test)
    return scores, time.perf_counter() - start, fitted - start


def fixtures(shared, out, names, detectors):
    # The lines of the pairs not run now stay as they were.
    kept = []
    if os.path.exists(out):
        with open(out) as f:
            for line in filter(None, f.read().splitlines()[1:]):
                dataset, det = line.split(",")[:2]
                if not (dataset in names and det in detectors):
                    kept.append(line + "\n")
    with open(out, "w") as f:
        f.write("dataset,detector,seed,roc_auc,fit_score_s\n")
        f.writelines(kept)
        for name in names:
            train, test, label, _ = parts(shared, name)
            for det, make in detectors.items():
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
    mode, args = sys.argv[1], sys.argv[2:]
    detectors = DETECTORS
    if args[:1] == ["--detectors"]:
        wanted = args[1].split(",")
        unknown = [d for d in wanted if d not in DETECTORS]
        if unknown:
            sys.exit(f"unknown detectors {unknown}: {', '.join(DETECTORS)}")
        detectors = {d: DETECTORS[d] for d in wanted}
        args = args[2:]
    shared, out, rest = args[0], args[1], args[2:]
    if mode == "fixtures":
        fixtures(shared, out, rest, detectors)
    elif mode == "suite":
        suite(shared, out, detectors, set(rest[0].split(",")) if rest and rest[0] else set())
    else:
        sys.exit(f"unknown mode {mode!r}: fixtures or suite")


if __name__ == "__main__":
    main()
