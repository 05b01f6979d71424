//! Reading the shared data sets: every format agrees with the CSV conversions.

mod common;

use std::path::Path;

use common::dataset;
use oddity_core::Dataset;
use oddity_ingest::{read_labels, read_matrix, read_table, ReadOptions};
use polars::prelude::{Column, DataFrame, ParquetWriter};

fn read(path: &Path, opts: &ReadOptions) -> Dataset {
    read_table(path, "t", opts).unwrap_or_else(|e| panic!("{e}")).dataset
}

/// Asserts the same shape, bitwise-equal features and equal labels.
fn check_same_data(got: &Dataset, want: &Dataset, what: &str) {
    assert_eq!(got.features.dim(), want.features.dim(), "{what}: shape");
    let differ =
        got.features.indexed_iter().find(|&(ij, v)| v.to_bits() != want.features[ij].to_bits());
    assert_eq!(
        differ,
        None,
        "{what}: first differing value (want {want:?})",
        want = differ.map(|(ij, _)| want.features[ij])
    );
    assert_eq!(got.labels, want.labels, "{what}: labels");
}

#[test]
fn every_odds_mat_and_npz_equals_its_csv() {
    let dir = dataset("odds");
    let mut checked = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let ext = path.extension().unwrap().to_string_lossy().into_owned();
        if ext != "mat" && ext != "npz" {
            continue;
        }
        let got = read(&path, &ReadOptions::default());
        let want = read(&path.with_extension("csv"), &ReadOptions::default());
        check_same_data(&got, &want, &path.display().to_string());
        assert_eq!(got.feature_names, want.feature_names);
        checked.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    // 11 ODDS .mat files and 4 ADBench .npz files.
    assert_eq!(checked.iter().filter(|n| n.ends_with(".mat")).count(), 11, "{checked:?}");
    assert_eq!(checked.iter().filter(|n| n.ends_with(".npz")).count(), 4, "{checked:?}");
}

#[test]
fn cardio_has_1831_rows_21_features_and_176_anomalies() {
    for file in ["odds/cardio.csv", "odds/cardio.mat"] {
        let data = read(&dataset(file), &ReadOptions::default());
        assert_eq!((data.n_rows(), data.n_features()), (1831, 21), "{file}");
        assert_eq!(data.n_anomalies(), Some(176), "{file}");
        assert_eq!(data.feature_names.first().map(String::as_str), Some("x0"));
        assert_eq!(data.feature_names.last().map(String::as_str), Some("x20"));
    }
}

#[test]
fn mat_and_npz_without_labels_ignore_y() {
    let opts = ReadOptions { label: None, ..ReadOptions::default() };
    for file in ["odds/glass.mat", "odds/wine.npz"] {
        let data = read(&dataset(file), &opts);
        assert_eq!(data.labels, None, "{file}");
        assert!(data.n_rows() > 100);
    }
}

#[test]
fn nab_timestamps_are_epoch_seconds() {
    let opts = ReadOptions { timestamp: Some("timestamp".into()), ..ReadOptions::default() };
    let data = read(&dataset("nab/labeled/artificialWithAnomaly/art_daily_jumpsup.csv"), &opts);
    let stamps = data.timestamps.as_ref().unwrap();
    // 2014-04-01 00:00:00 UTC, then one row every 5 minutes.
    assert_eq!(stamps[0], 1_396_310_400);
    assert!(stamps.windows(2).into_iter().all(|w| w[1] - w[0] == 300));
    assert_eq!(data.feature_names, ["value"]);
    assert_eq!((data.n_rows(), data.n_anomalies()), (4032, Some(1)));
}

#[test]
fn every_labeled_nab_series_reads_with_the_documented_anomaly_count() {
    let expected = [
        ("realKnownCause/nyc_taxi.csv", 10_320, 5, 1_404_172_800),
        ("realKnownCause/machine_temperature_system_failure.csv", 22_695, 4, 1_386_018_900),
        ("realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv", 4_032, 2, 0),
        ("realTraffic/speed_7578.csv", 1_127, 4, 0),
        ("realAdExchange/exchange-2_cpc_results.csv", 1_624, 1, 0),
        ("realTweets/Twitter_volume_AAPL.csv", 15_902, 4, 0),
        ("artificialWithAnomaly/art_daily_jumpsup.csv", 4_032, 1, 1_396_310_400),
        ("artificialNoAnomaly/art_daily_no_noise.csv", 4_032, 0, 1_396_310_400),
    ];
    let opts = ReadOptions { timestamp: Some("timestamp".into()), ..ReadOptions::default() };
    for (file, rows, anomalies, first) in expected {
        let data = read(&dataset(&format!("nab/labeled/{file}")), &opts);
        assert_eq!((data.n_rows(), data.n_anomalies()), (rows, Some(anomalies)), "{file}");
        let stamps = data.timestamps.as_ref().unwrap();
        if first != 0 {
            assert_eq!(stamps[0], first, "{file}");
        }
        // In order, except that machine_temperature steps back once (at line 10151,
        // from 02:55 to 02:00), as `awk` on the file confirms.
        let back = stamps.windows(2).into_iter().filter(|w| w[1] < w[0]).count();
        assert_eq!(back, usize::from(file.contains("machine_temperature")), "{file}");
    }
}

#[test]
fn smd_machine_2_1_text_files_match_the_test_csv() {
    let train = read_matrix(&dataset("smd/train/machine-2-1.txt"), "smd", false).unwrap();
    assert_eq!(train.features.dim(), (23_693, 38));
    assert_eq!(train.feature_names.last().map(String::as_str), Some("x37"));
    assert_eq!(train.labels, None);

    let test = read_matrix(&dataset("smd/test/machine-2-1.txt"), "smd", false).unwrap();
    let labels = read_labels(&dataset("smd/test_label/machine-2-1.txt")).unwrap();
    assert_eq!(test.features.dim(), (23_694, 38));
    assert_eq!(labels.len(), 23_694);
    let anomalies = labels.iter().map(|&l| usize::from(l)).sum::<usize>();
    assert_eq!(anomalies, 1_170);

    let labelled = test.with_labels(labels).unwrap();
    let csv = read(&dataset("smd/machine-2-1_test.csv"), &ReadOptions::default());
    check_same_data(&labelled, &csv, "smd test csv");
    assert_eq!(csv.n_anomalies(), Some(anomalies));
}

#[test]
fn ucr_one_value_per_line_reads_as_one_column() {
    let name = "ucr/135_UCR_Anomaly_InternalBleeding16_1200_4187_4199";
    let txt = read_matrix(&dataset(&format!("{name}.txt")), "ucr", false).unwrap();
    assert_eq!(txt.features.dim(), (7_501, 1));
    let csv = read(&dataset(&format!("{name}.csv")), &ReadOptions::default());
    let csv = Dataset { labels: None, ..csv };
    check_same_data(&txt, &csv, "ucr txt vs csv");
    // Labels: 1-based positions 4187..=4199.
    let labelled = read(&dataset(&format!("{name}.csv")), &ReadOptions::default());
    assert_eq!(labelled.n_anomalies(), Some(13));
    let labels = labelled.labels.unwrap();
    assert_eq!(labels.iter().position(|&l| l == 1), Some(4186));
}

#[test]
fn parquet_round_trip_equals_the_frame_written() {
    let csv = read(&dataset("odds/wbc.csv"), &ReadOptions::default());
    let mut columns: Vec<Column> = csv
        .feature_names
        .iter()
        .zip(csv.features.columns())
        .map(|(name, values)| Column::new(name.into(), values.to_vec()))
        .collect();
    let labels: Vec<i32> = csv.labels.as_ref().unwrap().iter().map(|&l| i32::from(l)).collect();
    columns.push(Column::new("label".into(), labels));
    let split: Vec<f64> = (0..csv.n_rows()).map(|i| (i % 2) as f64).collect();
    columns.push(Column::new("split".into(), split.clone()));
    let stamps: Vec<String> =
        (0..csv.n_rows()).map(|i| format!("2020-01-01 00:{:02}:{:02}", i / 60, i % 60)).collect();
    columns.push(Column::new("when".into(), stamps));
    let mut frame = DataFrame::new_infer_height(columns).unwrap();

    let dir = tempfile::tempdir().unwrap();
    for file in ["wbc.parquet", "wbc.pq"] {
        let path = dir.path().join(file);
        ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut frame).unwrap();
        let opts = ReadOptions {
            timestamp: Some("when".into()),
            extra: vec!["split".into()],
            ..ReadOptions::default()
        };
        let table = read_table(&path, "wbc", &opts).unwrap();
        check_same_data(&table.dataset, &csv, file);
        assert_eq!(table.dataset.feature_names, csv.feature_names);
        assert_eq!(table.extra, vec![("split".to_string(), split.clone())]);
        let stamps = table.dataset.timestamps.unwrap();
        assert_eq!(stamps[0], 1_577_836_800);
        assert_eq!(stamps[61] - stamps[0], 61);
    }
}

/// NAB window labels: rows inside a window of `combined_windows.json` are 1. The counts were
/// computed with Python's `json` and `csv` (string comparison of the timestamps); every point
/// label of `combined_labels.json` (the `labeled/` files) lies inside a window.
#[test]
fn nab_window_labels_count_what_python_counts() {
    use oddity_ingest::{label_rows_in_windows, read_label_windows};
    let windows_file = dataset("nab/labels/combined_windows.json");
    let cases = [
        ("artificialNoAnomaly/art_daily_no_noise.csv", 4032, 0),
        ("artificialWithAnomaly/art_daily_jumpsup.csv", 4032, 403),
        ("realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv", 4032, 402),
        ("realAdExchange/exchange-2_cpc_results.csv", 1624, 163),
        ("realKnownCause/machine_temperature_system_failure.csv", 22695, 2268),
        ("realKnownCause/nyc_taxi.csv", 10320, 1035),
        ("realTraffic/speed_7578.csv", 1127, 116),
        ("realTweets/Twitter_volume_AAPL.csv", 15902, 1588),
    ];
    for (key, rows, inside) in cases {
        let opts = ReadOptions {
            label: None,
            timestamp: Some("timestamp".into()),
            ..ReadOptions::default()
        };
        let data = read(&dataset(&format!("nab/data/{key}")), &opts);
        let times = data.timestamps.as_ref().unwrap().to_vec();
        let labels =
            label_rows_in_windows(&times, &read_label_windows(&windows_file, key).unwrap());
        assert_eq!(labels.len(), rows, "{key}");
        assert_eq!(labels.iter().map(|&l| usize::from(l)).sum::<usize>(), inside, "{key}");
        let opts = ReadOptions { timestamp: Some("timestamp".into()), ..ReadOptions::default() };
        let points = read(&dataset(&format!("nab/labeled/{key}")), &opts);
        let point_labels = points.labels.unwrap();
        assert!(
            point_labels.iter().zip(&labels).all(|(&p, &w)| p <= w),
            "{key}: a point label outside every window"
        );
    }
}
