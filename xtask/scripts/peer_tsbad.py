"""Runs TSB-AD 1.5's own detectors on the shared univariate series and writes the fixtures of
`crates/oddity-series/tests/fixtures/` (driven by `cargo xtask peer-tsbad`).

Usage: python peer_tsbad.py --data-dir DIR --out DIR [--methods a,b] [--series a,b]
       python peer_tsbad.py --sub-mcd-full TSBAD_SITE_PACKAGES --out DIR [--series a,b]

Writes, in --out:
  tsbad_series_<series>.csv     value,label: the series TSB-AD scores (first feature) and labels
  tsbad_periods.csv             series,rank1,rank2,rank3: find_length_rank on it
  tsbad_<method>_<series>.csv   score: per-point scores of a deterministic method, or
                                step,score: every k-th step (k = ceil(n / 1000), and the last
                                one) of a semi-supervised one (sub_mcd, sub_ocsvm)
  tsbad_sub_mcd_full_<series>.csv  step,score: with --sub-mcd-full (see sub_mcd_full)
  tsbad_train.csv               series,train_rows: the training prefix of the semi-supervised
                                methods (UCR: the file name's; the others: the first half)
  tsbad_vus.csv                 method,series,family,period,vus_pr: deterministic methods
  tsbad_seeded_vus.csv          method,series,family,seed,period,vus_pr: seeded ones, seeds 0-4
                                (nan: TSB-AD raised ValueError on the series)
  tsbad_times.csv               method,series,seed,seconds: fit + score (the run_* call)

Every series is TSB-AD's univariate layout: the first feature of the *test* file where the
data set has train/test files (what TSB-AD's benchmark files hold), the whole file otherwise.
The semi-supervised methods follow TSB-AD's `Semisupervise_AD_Pool` protocol: the window
length is the period of the whole series, the model fits on the training prefix and scores
the whole series. MCD's FAST-MCD draws random subsets (scikit-learn's `MinCovDet` with
TSB-AD's `random_state=2024`, numpy permutations); oddity draws its own, and its `mcd`
follows scikit-learn 1.9's consistency correction where this environment's scikit-learn
(1.5) divides by median(dist) / chi2(d).isf(0.5): `sub_mcd` is compared by VUS-PR, not per
point.
VUS-PR is TSB-AD's `get_metrics` value (`generate_curve(labels, score, period, 'opt', 250)`)
on the min-max-scaled scores, as `Run_Detector_U.py` computes it, with the period of rank 1
as the sliding window; series without an anomaly get no VUS row.
"""

import argparse
import csv
import os
import sys
import time
import types

# Series of the `--sub-mcd-full` oracle: rank-3 periods of at most 72 steps, where oddity's
# FAST-MCD takes seconds.
SUB_MCD_FULL = ["nab_ec2_cpu_utilization_5f5533", "nab_exchange-2_cpc_results", "smap_A-6", "smd_machine-2-1"]


def sub_mcd_full(site, out, series):
    """`--sub-mcd-full TSBAD_SITE_PACKAGES`: TSB-AD's own `MCD` (run_Sub_MCD's fit on the
    training prefix and decision_function on the series, the rank-3 period of
    tsbad_periods.csv) with `support_fraction=1.0`, under the scikit-learn of the running
    interpreter. oddity's `mcd` follows scikit-learn 1.9.1's correction (the TSB-AD venv has
    1.5.2), so this runs in the peer-detectors venv (scikit-learn 1.9.1, numpy 2), TSB-AD
    imported from TSB_SITE with stand-ins for the modules MCD.py's imports pull in but never
    call (torch, pandas, statsmodels, hurst). With every window in the support FAST-MCD's
    random subsets cannot change the result: oddity must equal it per step. Writes
    tsbad_sub_mcd_full_<series>.csv (step,score, every k-th step as sub_mcd's)."""
    stubs = {"torch": {}, "torch.nn": {}, "pandas": {}, "statsmodels": {}, "statsmodels.tsa": {},
             "statsmodels.tsa.seasonal": {"seasonal_decompose": None},
             "statsmodels.tsa.ar_model": {"AR": None}, "hurst": {"compute_Hc": None}}
    added = [name for name in stubs if name not in sys.modules]
    for name in added:
        sys.modules[name] = types.ModuleType(name)
        sys.modules[name].__dict__.update(stubs[name])
    sys.modules["torch"].nn = sys.modules["torch.nn"]
    sys.modules["torch"].Tensor = type("Tensor", (), {})
    sys.path.append(site)
    import numpy as np
    import sklearn
    from TSB_AD.models.MCD import MCD

    # The stand-ins only satisfy the imports; scikit-learn looks for pandas and torch in
    # sys.modules when it checks inputs, so they leave again.
    for name in added:
        del sys.modules[name]
    # scikit-learn 1.9's check_is_fitted wants estimator tags TSB-AD's BaseDetector lacks;
    # decision_function only calls it as an assertion.
    import TSB_AD.models.MCD as mcd_module

    mcd_module.check_is_fitted = lambda *args, **kwargs: None

    def table(file):
        return {r[0]: r[1:] for r in list(csv.reader(open(os.path.join(out, file))))[1:]}

    periods, train = table("tsbad_periods.csv"), table("tsbad_train.csv")
    for name in series:
        rows = list(csv.reader(open(os.path.join(out, f"tsbad_series_{name}.csv"))))[1:]
        x = np.array([float(r[0]) for r in rows]).reshape(-1, 1)
        clf = MCD(slidingWindow=int(periods[name][2]), support_fraction=1.0)
        clf.fit(x[: int(train[name][0])])
        scores = np.asarray(clf.decision_function(x), dtype=float).ravel()
        k = -(-len(scores) // 1000)
        steps = list(range(0, len(scores), k))
        if steps[-1] != len(scores) - 1:
            steps.append(len(scores) - 1)
        with open(os.path.join(out, f"tsbad_sub_mcd_full_{name}.csv"), "w") as f:
            f.write("step,score\n")
            f.writelines(f"{i},{float(scores[i])!r}\n" for i in steps)
        print(f"sub_mcd_full {name:<40} scikit-learn {sklearn.__version__}", flush=True)


if __name__ == "__main__" and "--sub-mcd-full" in sys.argv:
    _ap = argparse.ArgumentParser()
    _ap.add_argument("--sub-mcd-full", required=True, metavar="TSBAD_SITE_PACKAGES")
    _ap.add_argument("--out", required=True)
    _ap.add_argument("--series", default=",".join(SUB_MCD_FULL))
    _a, _ = _ap.parse_known_args()
    sub_mcd_full(_a.sub_mcd_full, _a.out, [s for s in _a.series.split(",") if s])
    sys.exit(0)

# TSB-AD's utils/utility.py imports torch.nn at module level even for the classical models;
# PyTorch is not installed, so a stand-in module satisfies the import. tslearn (KShapeAD's
# k-Shape) switches to a torch backend when torch imports: it is imported first, with
# `import torch` failing, so it keeps its numpy backend.
if "torch" not in sys.modules:
    sys.modules["torch"] = None
    import tslearn.clustering  # noqa: E402, F401
    import tslearn.metrics  # noqa: E402, F401

    del sys.modules["torch"]
    _torch = types.ModuleType("torch")
    _torch.nn = types.ModuleType("torch.nn")
    _torch.Tensor = type("Tensor", (), {})
    _torch.set_num_threads = lambda n: None
    _torch.manual_seed = lambda s: None
    sys.modules["torch"] = _torch
    sys.modules["torch.nn"] = _torch.nn

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from TSB_AD import model_wrapper as mw  # noqa: E402
from TSB_AD.evaluation.basic_metrics import generate_curve  # noqa: E402
from TSB_AD.utils.slidingWindows import find_length_rank  # noqa: E402

SEEDS = [0, 1, 2, 3, 4]

# name, family, loader kind, path(s) relative to the data directory (as configs/timeseries.toml).
SERIES = [
    ("nab_art_daily_no_noise", "nab", "csv", "nab/labeled/artificialNoAnomaly/art_daily_no_noise.csv"),
    ("nab_art_daily_jumpsup", "nab", "csv", "nab/labeled/artificialWithAnomaly/art_daily_jumpsup.csv"),
    ("nab_ec2_cpu_utilization_5f5533", "nab", "csv", "nab/labeled/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv"),
    ("nab_exchange-2_cpc_results", "nab", "csv", "nab/labeled/realAdExchange/exchange-2_cpc_results.csv"),
    ("nab_machine_temperature_system_failure", "nab", "csv", "nab/labeled/realKnownCause/machine_temperature_system_failure.csv"),
    ("nab_nyc_taxi", "nab", "csv", "nab/labeled/realKnownCause/nyc_taxi.csv"),
    ("nab_speed_7578", "nab", "csv", "nab/labeled/realTraffic/speed_7578.csv"),
    ("nab_Twitter_volume_AAPL", "nab", "csv", "nab/labeled/realTweets/Twitter_volume_AAPL.csv"),
    ("ucr_135_InternalBleeding16", "ucr", "csv", "ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199.csv"),
    ("ucr_136_InternalBleeding17", "ucr", "csv", "ucr/136_UCR_Anomaly_InternalBleeding17_1600_3198_3309.csv"),
    ("smd_machine-2-1", "smd", "smd", "machine-2-1"),
    ("smd_machine-3-4", "smd", "smd", "machine-3-4"),
    ("smap_A-6", "smap", "csv", "smap_msl/SMAP_A-6_test.csv"),
    ("msl_C-1", "msl", "csv", "smap_msl/MSL_C-1_test.csv"),
]


def load_series(data_dir, kind, path):
    """(values, labels) of the first feature of a series, as float64 / int arrays."""
    if kind == "smd":
        x = np.loadtxt(os.path.join(data_dir, "smd/test", path + ".txt"), delimiter=",")
        y = np.loadtxt(os.path.join(data_dir, "smd/test_label", path + ".txt"), delimiter=",")
        return x[:, 0].astype(float), y.astype(int)
    # Correctly rounded parsing: pandas' default fast parser can miss the last bit, and on
    # SMAP's many repeated values one bit changes ties (oddity's reader rounds correctly).
    df = pd.read_csv(os.path.join(data_dir, path), float_precision="round_trip")
    value = "value" if "value" in df.columns else df.columns[0]
    if value == "timestamp":
        value = df.columns[1]
    return df[value].to_numpy(dtype=float), df["label"].to_numpy(dtype=int)


def _sub_iforest(x, seed):
    # run_Sub_IForest with TSB-AD's defaults, but the seed passed: the model class directly.
    from TSB_AD.models.IForest import IForest

    clf = IForest(slidingWindow=find_length_rank(x, rank=1), n_estimators=150,
                  max_features=1, n_jobs=1, random_state=seed)
    clf.fit(x)
    return clf.decision_scores_.ravel()


def _kmeans_ad(x, seed):
    # KMeansAD's sklearn KMeans takes no random_state: it draws from numpy's global state.
    np.random.seed(seed)
    return mw.run_KMeansAD_U(x, n_clusters=10, periodicity=2)


def train_rows(name, n):
    """The training prefix of the semi-supervised methods: UCR's own (the number after the
    name in the file name), the first half of the series otherwise."""
    path = next(p for s, _, _, p in SERIES if s == name)
    if name.startswith("ucr_"):
        return int(os.path.basename(path).split("_")[-3])
    return n // 2


def _semi(run, **kw):
    # TSB-AD's run_Sub_MCD / run_Sub_OCSVM(data_train, data_test): period of the whole
    # series, fit on the prefix, scores of the whole series.
    return lambda x, s, tr: run(x[:tr], x, **kw)


def _kshape_ad(x, seed):
    # SAND offline (run_KShapeAD): tslearn's KShape takes no random_state, it draws from
    # numpy's global state.
    np.random.seed(seed)
    return mw.run_KShapeAD(x, periodicity=1)


# The methods: oddity name -> (seeded, fn(x (n, 1) float array, seed) -> scores). Defaults are
# TSB-AD 1.5's Optimal_Uni_algo_HP_dict. Other detectors of oddity-series add their entries.
METHODS = {
    "sub_pca": (False, lambda x, s: mw.run_Sub_PCA(x, periodicity=1, n_components=None)),
    "sub_knn": (False, lambda x, s: mw.run_Sub_KNN(x, periodicity=2, n_neighbors=50)),
    "sub_lof": (False, lambda x, s: mw.run_Sub_LOF(x, periodicity=2, n_neighbors=30)),
    "sub_hbos": (False, lambda x, s: mw.run_Sub_HBOS(x, periodicity=1, n_bins=10)),
    "sub_iforest": (True, _sub_iforest),
    "kmeans_ad": (True, _kmeans_ad),
    "spectral_residual": (False, lambda x, s: mw.run_SR(x, periodicity=1)),
    "poly": (False, lambda x, s: mw.run_POLY(x, periodicity=1, power=4)),
    "matrix_profile": (False, lambda x, s: mw.run_MatrixProfile(x, periodicity=1)),
    "kshape_ad": (True, _kshape_ad),
}

# The semi-supervised methods: oddity name -> fn(x, seed, train_rows) -> scores.
SEMI = {
    "sub_mcd": _semi(mw.run_Sub_MCD, periodicity=3, support_fraction=None),
    "sub_ocsvm": _semi(mw.run_Sub_OCSVM, periodicity=2, kernel="rbf", nu=0.5),
}


def vus_pr(scores, labels, period):
    s = MinMaxScaler(feature_range=(0, 1)).fit_transform(np.asarray(scores).reshape(-1, 1)).ravel()
    return generate_curve(labels.astype(int), s, period, "opt", 250)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--methods", default="")
    ap.add_argument("--series", default="")
    args = ap.parse_args()
    methods = [m for m in args.methods.split(",") if m] or list(METHODS) + list(SEMI)
    wanted = [s for s in args.series.split(",") if s]
    series = [s for s in SERIES if not wanted or s[0] in wanted]
    os.makedirs(args.out, exist_ok=True)

    # Each table keeps the rows of the (method, series) pairs this run does not recompute.
    headers = {
        "tsbad_periods.csv": ["series", "rank1", "rank2", "rank3"],
        "tsbad_vus.csv": ["method", "series", "family", "period", "vus_pr"],
        "tsbad_seeded_vus.csv": ["method", "series", "family", "seed", "period", "vus_pr"],
        "tsbad_times.csv": ["method", "series", "seed", "seconds"],
        "tsbad_train.csv": ["series", "train_rows"],
    }
    per_series = ("tsbad_periods.csv", "tsbad_train.csv")
    rows = {}
    for file in headers:
        path = os.path.join(args.out, file)
        rows[file] = list(csv.reader(open(path)))[1:] if os.path.exists(path) else []

    def forget(name, method=None):
        # Drops the rows about to be recomputed (the period of `name`, or `method` on it)
        # just before their new values are added: the tables are complete at every save,
        # and another run may read them meanwhile.
        for file in headers:
            if method is None and file in per_series:
                rows[file] = [r for r in rows[file] if r[0] != name]
            elif method is not None and file not in per_series:
                rows[file] = [r for r in rows[file] if not (r[0] == method and r[1] == name)]

    def write(file, header, lines):
        path = os.path.join(args.out, file)
        with open(path + ".tmp", "w") as f:
            f.write(header + "\n")
            f.writelines(lines)
        os.replace(path + ".tmp", path)

    def save():
        for file, header in headers.items():
            path = os.path.join(args.out, file)
            with open(path + ".tmp", "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                w.writerows(sorted(rows[file], key=lambda r: tuple(r[:4])))
            os.replace(path + ".tmp", path)

    periods = types.SimpleNamespace(writerow=lambda r: rows["tsbad_periods.csv"].append(r))
    vus = types.SimpleNamespace(writerow=lambda r: rows["tsbad_vus.csv"].append(r))
    seeded = types.SimpleNamespace(writerow=lambda r: rows["tsbad_seeded_vus.csv"].append(r))
    times = types.SimpleNamespace(writerow=lambda r: rows["tsbad_times.csv"].append(r))
    for name, family, kind, path in series:
        values, labels = load_series(args.data_dir, kind, path)
        write(f"tsbad_series_{name}.csv", "value,label", (f"{v!r},{int(l)}\n" for v, l in zip(values, labels)))
        forget(name)
        ranks = [int(find_length_rank(values, rank=r)) for r in (1, 2, 3)]
        periods.writerow([name] + [str(r) for r in ranks])
        tr = train_rows(name, len(values))
        rows["tsbad_train.csv"].append([name, str(tr)])
        x = values.reshape(-1, 1)
        has_anomaly = labels.sum() > 0
        for m in methods:
            if m in SEMI:
                is_seeded, fn = False, (lambda f: lambda x, s: f(x, s, tr))(SEMI[m])
            else:
                is_seeded, fn = METHODS[m]
            results = []
            for seed in SEEDS if is_seeded else [0]:
                t0 = time.perf_counter()
                try:
                    scores = np.asarray(fn(x, seed), dtype=float).ravel()
                except ValueError as e:
                    # TSB-AD refuses the series (KShapeAD: fewer subsequences than clusters):
                    # a VUS-PR of nan says so, and oddity must refuse it too.
                    print(f"{m:<12} {name:<40} seed {seed} TSB-AD fails: {e}", flush=True)
                    if has_anomaly:
                        row = [m, name, family] + ([str(seed)] if is_seeded else []) + [str(ranks[0]), "nan"]
                        results.append((seeded if is_seeded else vus, row))
                    continue
                seconds = time.perf_counter() - t0
                if scores.shape[0] != len(values):
                    raise SystemExit(f"{m} on {name}: {scores.shape[0]} scores for {len(values)} steps")
                results.append((times, [m, name, str(seed), f"{seconds:.4f}"]))
                if m in SEMI:
                    k = -(-len(scores) // 1000)
                    steps = list(range(0, len(scores), k))
                    if steps[-1] != len(scores) - 1:
                        steps.append(len(scores) - 1)
                    write(f"tsbad_{m}_{name}.csv", "step,score", (f"{i},{float(scores[i])!r}\n" for i in steps))
                elif not is_seeded:
                    write(f"tsbad_{m}_{name}.csv", "score", (f"{float(v)!r}\n" for v in scores))
                if has_anomaly:
                    v = vus_pr(scores, labels, ranks[0])
                    row = [m, name, family] + ([str(seed)] if is_seeded else []) + [str(ranks[0]), repr(float(v))]
                    results.append((seeded if is_seeded else vus, row))
                print(f"{m:<12} {name:<40} seed {seed} {seconds:8.2f} s", flush=True)
            forget(name, m)
            for table, row in results:
                table.writerow(row)
            save()
    save()


if __name__ == "__main__":
    main()
