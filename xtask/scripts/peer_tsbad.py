"""Runs TSB-AD 1.5's own detectors on the shared univariate series and writes the fixtures of
`crates/oddity-series/tests/fixtures/` (driven by `cargo xtask peer-tsbad`).

Usage: python peer_tsbad.py --data-dir DIR --out DIR [--methods a,b] [--series a,b]

Writes, in --out:
  tsbad_series_<series>.csv     value,label: the series TSB-AD scores (first feature) and labels
  tsbad_periods.csv             series,rank1,rank2,rank3: find_length_rank on it
  tsbad_<method>_<series>.csv   score: per-point scores of a deterministic method
  tsbad_vus.csv                 method,series,family,period,vus_pr: deterministic methods
  tsbad_seeded_vus.csv          method,series,family,seed,period,vus_pr: seeded ones, seeds 0-4
  tsbad_times.csv               method,series,seed,seconds: fit + score (the run_* call)

Every series is TSB-AD's univariate layout: the first feature of the *test* file where the
data set has train/test files (what TSB-AD's benchmark files hold), the whole file otherwise.
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

# TSB-AD's utils/utility.py imports torch.nn at module level even for the classical models;
# PyTorch is not installed, so a stand-in module satisfies the import (tslearn, which
# switches to a torch backend when torch imports, is not used by the methods here).
if "torch" not in sys.modules:
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
    methods = [m for m in args.methods.split(",") if m] or list(METHODS)
    wanted = [s for s in args.series.split(",") if s]
    series = [s for s in SERIES if not wanted or s[0] in wanted]
    os.makedirs(args.out, exist_ok=True)

    # Each table keeps the rows of the (method, series) pairs this run does not recompute.
    headers = {
        "tsbad_periods.csv": ["series", "rank1", "rank2", "rank3"],
        "tsbad_vus.csv": ["method", "series", "family", "period", "vus_pr"],
        "tsbad_seeded_vus.csv": ["method", "series", "family", "seed", "period", "vus_pr"],
        "tsbad_times.csv": ["method", "series", "seed", "seconds"],
    }
    rows = {}
    for file in headers:
        path = os.path.join(args.out, file)
        rows[file] = list(csv.reader(open(path)))[1:] if os.path.exists(path) else []

    def forget(name, method=None):
        # Drops the rows about to be recomputed (the period of `name`, or `method` on it)
        # just before their new values are added: the tables are complete at every save,
        # and another run may read them meanwhile.
        for file in headers:
            if method is None and file == "tsbad_periods.csv":
                rows[file] = [r for r in rows[file] if r[0] != name]
            elif method is not None and file != "tsbad_periods.csv":
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
        x = values.reshape(-1, 1)
        has_anomaly = labels.sum() > 0
        for m in methods:
            is_seeded, fn = METHODS[m]
            results = []
            for seed in SEEDS if is_seeded else [0]:
                t0 = time.perf_counter()
                scores = np.asarray(fn(x, seed), dtype=float).ravel()
                seconds = time.perf_counter() - t0
                if scores.shape[0] != len(values):
                    raise SystemExit(f"{m} on {name}: {scores.shape[0]} scores for {len(values)} steps")
                results.append((times, [m, name, str(seed), f"{seconds:.4f}"]))
                if not is_seeded:
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
