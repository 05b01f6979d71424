"""TSB-AD 1.5's `find_length_rank` (ranks 1-3) on the first feature of the shared series,
as `oddity_eval::estimate_period_rank` must reproduce it.

Usage: tsbad_periods.py SHARED_DATASETS OUT_CSV  (run by `cargo xtask peer-tsbad`, in the
TSB-AD virtual environment)."""
import csv
import sys
import types

import numpy as np

# TSB-AD's package imports torch; the period estimate does not use it.
for name in ["torch", "torch.nn", "torch.utils", "torch.utils.data"]:
    sys.modules.setdefault(name, types.ModuleType(name))
from TSB_AD.utils.slidingWindows import find_length_rank  # noqa: E402

SERIES = [
    ("nab_art_daily_jumpsup", "nab/labeled/artificialWithAnomaly/art_daily_jumpsup.csv", "csv"),
    ("nab_ec2_cpu_utilization_5f5533", "nab/labeled/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv", "csv"),
    ("nab_exchange-2_cpc_results", "nab/labeled/realAdExchange/exchange-2_cpc_results.csv", "csv"),
    ("nab_machine_temperature_system_failure", "nab/labeled/realKnownCause/machine_temperature_system_failure.csv", "csv"),
    ("nab_nyc_taxi", "nab/labeled/realKnownCause/nyc_taxi.csv", "csv"),
    ("nab_speed_7578", "nab/labeled/realTraffic/speed_7578.csv", "csv"),
    ("nab_Twitter_volume_AAPL", "nab/labeled/realTweets/Twitter_volume_AAPL.csv", "csv"),
    ("ucr_135", "ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199.csv", "csv"),
    ("ucr_136", "ucr/136_UCR_Anomaly_InternalBleeding17_1600_3198_3309.csv", "csv"),
    ("smd_machine-2-1", "smd/test/machine-2-1.txt", "txt"),
    ("smd_machine-3-4", "smd/test/machine-3-4.txt", "txt"),
    ("smap_A-6", "smap_msl/SMAP_A-6_test.csv", "csv"),
    ("msl_C-1", "smap_msl/MSL_C-1_test.csv", "csv"),
]


def first_feature(path, kind):
    """The first feature column: the `value` column, or the first column that is not a
    timestamp or a label."""
    if kind == "txt":
        return np.loadtxt(path, delimiter=",", ndmin=2)[:, 0]
    with open(path) as f:
        rows = list(csv.reader(f))
    header = rows[0]
    skip = {"timestamp", "label"}
    j = next(i for i, h in enumerate(header) if h not in skip)
    return np.array([float(r[j]) for r in rows[1:]])


def main():
    shared, out = sys.argv[1], sys.argv[2]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "file", "rank", "period"])
        for name, rel, kind in SERIES:
            x = first_feature(f"{shared}/{rel}", kind)
            for rank in (1, 2, 3):
                w.writerow([name, rel, rank, int(find_length_rank(x, rank=rank))])
    print(f"tsbad_periods: {len(SERIES)} series x 3 ranks into {out}")


if __name__ == "__main__":
    main()
