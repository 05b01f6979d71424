//! `oddity init`: a commented starter config for a user's own data file, with the columns
//! detected (label, timestamp, features, missing values) and methods for tabular data or for
//! a time series.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use oddity_ingest::{inspect, ColumnKind, ColumnSummary, FileSummary};

/// Column names taken for the label when they hold only 0 and 1 (compared in lower case).
const LABEL_NAMES: [&str; 13] = [
    "label",
    "labels",
    "is_anomaly",
    "anomaly",
    "is_outlier",
    "outlier",
    "target",
    "class",
    "y",
    "ground_truth",
    "gt",
    "attack",
    "fault",
];

/// Names of integer columns taken for epoch-second timestamps (compared in lower case).
const TIME_NAMES: [&str; 6] = ["timestamp", "time", "ts", "date", "datetime", "epoch"];

/// Which starter config to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StarterKind {
    /// Independent rows: a stratified split and the tabular detectors.
    Tabular,
    /// Ordered rows: a chronological split, windowed detectors and time-series metrics.
    Timeseries,
}

/// What `oddity init` was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StarterOptions {
    /// Tabular or time series; `None` picks time series when a timestamp column is found.
    pub kind: Option<StarterKind>,
    /// The label column; `None` looks for a 0/1 column named like a label.
    pub label: Option<String>,
    /// The timestamp column; `None` looks for a date-time column (or an integer one named
    /// like a time).
    pub timestamp: Option<String>,
}

/// The text of a commented starter config for the data file `data`, to be written at
/// `config` (the data path is written relative to the config's folder).
///
/// # Errors
///
/// When the file cannot be read (`dataset …`, naming the file), and when no label column
/// can be found or a named column is missing or unusable, or no feature column is left
/// (`init …`).
pub fn starter_config(data: &Path, config: &Path, opts: &StarterOptions) -> anyhow::Result<String> {
    let stem = data.file_stem().map_or("data".into(), |s| s.to_string_lossy().into_owned());
    let summary = inspect(data).map_err(|e| anyhow::anyhow!("dataset `{stem}`: {e}"))?;
    let fail = |message: String| anyhow::anyhow!("init `{}`: {message}", data.display());
    let (label, label_why) = pick_label(&summary, opts.label.as_deref()).map_err(fail)?;
    let timestamp = pick_timestamp(&summary, opts.timestamp.as_deref(), &label).map_err(fail)?;
    let kind = opts.kind.unwrap_or(if timestamp.is_some() {
        StarterKind::Timeseries
    } else {
        StarterKind::Tabular
    });
    let columns = Columns::choose(&summary, &label, timestamp.as_deref());
    if columns.features.is_empty() {
        return Err(fail(format!(
            "no numeric feature column is left beside the label{} (columns: {})",
            timestamp.as_ref().map_or(String::new(), |_| " and timestamp".into()),
            names(summary.columns.iter().map(|c| c.name.as_str()))
        )));
    }
    let data_dir = relative_folder(data, config);
    let file = data.file_name().map_or(stem.clone(), |f| f.to_string_lossy().into_owned());
    let name = config_name(&stem);
    let mut out = String::new();
    let kind_flag = match kind {
        StarterKind::Tabular => "--tabular",
        StarterKind::Timeseries => "--timeseries",
    };
    let config_name_shown = config
        .file_name()
        .map_or(config.display().to_string(), |f| f.to_string_lossy().into_owned());
    // `write!` into a String cannot fail.
    let _ = writeln!(
        out,
        "# Starter config written by `oddity init {kind_flag}` for {file}: {} rows, {} feature \
         columns, label `{label}`.\n\
         # Check it:  oddity validate {config_name_shown}\n\
         # Run it:    oddity run {config_name_shown}      (results and report.md under `output`)\n\
         # Detectors and their parameters: `oddity list`. Lists of values expand into variants,\n\
         # e.g. k = [5, 10, 20].\n",
        summary.rows,
        columns.features.len(),
    );
    let _ = writeln!(
        out,
        "[experiment]\nname = {}\nseeds = [0, 1, 2]                # every method is fitted once per seed\n\
         data_dir = {}    # relative to this file; --data-dir overrides\n\
         output = {}   # relative to the working directory; --out overrides\n",
        quote(&name),
        quote(&data_dir),
        quote(&format!("results/{name}")),
    );
    let _ = writeln!(out, "[[dataset]]\nname = {}\npath = {}", quote(&name), quote(&file));
    let _ = writeln!(out, "label = {}    # 0/1, 1 = anomaly ({label_why})", quote(&label));
    match &timestamp {
        Some(t) => {
            let _ =
                writeln!(out, "timestamp = {}    # not a feature; kept with the scores", quote(t));
        }
        None => {
            let _ = writeln!(out, "# timestamp = \"...\"    # none found");
        }
    }
    columns.write(&mut out);
    let _ = match kind {
        StarterKind::Tabular => writeln!(
            out,
            "split = {{ method = \"stratified\", train = 0.6 }}   # seeded; keeps the anomaly share in both parts\n\
             # split = {{ method = \"column\", column = \"is_train\" }}   # or your own 0/1 split column\n"
        ),
        StarterKind::Timeseries => writeln!(
            out,
            "split = {{ method = \"chronological\", train = 0.3 }}   # the first 30 % of the rows train, the rest test\n\
             # split = {{ method = \"none\" }}               # or fit on the whole series and score it (NAB)\n\
             # split = {{ method = \"prefix\", train_rows = 1000 }}   # or the first N rows train (UCR)\n"
        ),
    };
    let impute = if columns.missing > 0 {
        format!(
            "impute = \"median\"    # {} missing values in the features; \"none\" makes them an error",
            columns.missing
        )
    } else {
        "impute = \"none\"      # no missing value found; a missing value is then an error".into()
    };
    let _ = writeln!(
        out,
        "[preprocess]\n{impute}\nscale = \"standard\"    # fit on the training part only; or \"robust\", \"minmax\", \"none\"\n"
    );
    match kind {
        StarterKind::Tabular => write_tabular_methods(&mut out),
        StarterKind::Timeseries => write_timeseries_methods(&mut out, window(summary.rows)),
    }
    Ok(out)
}

/// The label column and why it was taken, or why none could be.
fn pick_label(summary: &FileSummary, asked: Option<&str>) -> Result<(String, String), String> {
    if let Some(name) = asked {
        let column = find(summary, name)?;
        return match column.kind {
            ColumnKind::Binary => Ok((name.to_string(), "as asked".into())),
            _ => Err(format!("the label column `{name}` must hold only 0 and 1, both present")),
        };
    }
    let binary: Vec<&ColumnSummary> =
        summary.columns.iter().filter(|c| c.kind == ColumnKind::Binary).collect();
    let named = binary.iter().find(|c| LABEL_NAMES.contains(&c.name.to_lowercase().as_str()));
    match (named, binary.as_slice()) {
        (Some(c), _) => Ok((c.name.clone(), "a 0/1 column named like a label".into())),
        (None, [only]) => Ok((only.name.clone(), "the only 0/1 column".into())),
        (None, _) => Err(format!(
            "no label column found: none of the 0/1 columns ({}) is named like a label; \
             hint: pass --label COLUMN (oddity evaluates against 0/1 labels, 1 = anomaly)",
            if binary.is_empty() {
                "there are none".into()
            } else {
                names(binary.iter().map(|c| c.name.as_str()))
            }
        )),
    }
}

/// The timestamp column, if asked for or found.
fn pick_timestamp(
    summary: &FileSummary,
    asked: Option<&str>,
    label: &str,
) -> Result<Option<String>, String> {
    if let Some(name) = asked {
        let column = find(summary, name)?;
        return match (column.kind, name == label) {
            (_, true) => Err(format!("`{name}` cannot be both the label and the timestamp")),
            (ColumnKind::Timestamp | ColumnKind::Numeric, _) => Ok(Some(name.to_string())),
            _ => Err(format!(
                "the timestamp column `{name}` holds neither date-times \
                 (YYYY-MM-DD[ HH:MM:SS]) nor epoch seconds"
            )),
        };
    }
    let date = summary.columns.iter().find(|c| c.kind == ColumnKind::Timestamp);
    let epoch = || {
        summary.columns.iter().find(|c| {
            c.kind == ColumnKind::Numeric && TIME_NAMES.contains(&c.name.to_lowercase().as_str())
        })
    };
    Ok(date.or_else(epoch).map(|c| c.name.clone()))
}

/// The column called `name`, or an error listing the file's columns.
fn find<'a>(summary: &'a FileSummary, name: &str) -> Result<&'a ColumnSummary, String> {
    summary.column(name).ok_or_else(|| {
        format!(
            "no column `{name}` (columns: {})",
            names(summary.columns.iter().map(|c| c.name.as_str()))
        )
    })
}

/// The features chosen and the columns left out, with why.
struct Columns {
    features: Vec<String>,
    left_out: Vec<(String, &'static str)>,
    missing: usize,
}

impl Columns {
    fn choose(summary: &FileSummary, label: &str, timestamp: Option<&str>) -> Self {
        let mut columns = Self { features: Vec::new(), left_out: Vec::new(), missing: 0 };
        for c in &summary.columns {
            if c.name == label || Some(c.name.as_str()) == timestamp {
                continue;
            }
            let why = match c.kind {
                ColumnKind::Text => Some("text"),
                ColumnKind::Timestamp => Some("date-times"),
                _ if c.missing == summary.rows => Some("no values"),
                _ if c.constant => Some("constant"),
                _ => None,
            };
            match why {
                Some(why) => columns.left_out.push((c.name.clone(), why)),
                None => {
                    columns.missing += c.missing;
                    columns.features.push(c.name.clone());
                }
            }
        }
        columns
    }

    /// The `features` line: only written when some column is left out.
    fn write(&self, out: &mut String) {
        if self.left_out.is_empty() {
            let _ = writeln!(out, "# features = [...]    # default: every other column");
            return;
        }
        let list: Vec<String> = self.features.iter().map(|f| quote(f)).collect();
        let why: Vec<String> =
            self.left_out.iter().map(|(name, why)| format!("`{name}` ({why})")).collect();
        let _ = writeln!(out, "# Left out: {}.", why.join(", "));
        let _ = writeln!(out, "features = [{}]", list.join(", "));
    }
}

/// The window for a series of `rows` rows: 100, or less for short series (a multiple of 4,
/// as `cnn_autoencoder` needs, at least 8).
fn window(rows: usize) -> usize {
    (rows / 20 / 4 * 4).clamp(8, 100)
}

fn write_tabular_methods(out: &mut String) {
    let _ = writeln!(
        out,
        "# A `random` baseline joins automatically (the chance level of every metric).\n\
         [[method]]\ndetector = \"iforest\"\n\n\
         [[method]]\ndetector = \"knn\"\nk = 5\n\n\
         [[method]]\ndetector = \"lof\"\nk = 20\n\n\
         [[method]]\ndetector = \"ecod\"\n\n\
         [[method]]\ndetector = \"copod\"\n\n\
         [[method]]\ndetector = \"hbos\"\n\n\
         [[method]]\ndetector = \"pca\"\n\n\
         # Deep detectors take longer (seconds to minutes on a laptop):\n\
         # [[method]]\n# detector = \"autoencoder\"\n# epochs = 10\n\n\
         [evaluate]\nmetrics = [\"roc_auc\", \"average_precision\", \"best_f1\"]"
    );
}

fn write_timeseries_methods(out: &mut String, w: usize) {
    let _ = writeln!(
        out,
        "# Every detector takes `window = W`: it then scores each row by the windows of W rows\n\
         # covering it. A `random` baseline joins automatically.\n\
         [[method]]\ndetector = \"zscore\"      # point-wise, no window\n\n\
         [[method]]\ndetector = \"knn\"\nwindow = {w}\n\n\
         [[method]]\ndetector = \"iforest\"\nwindow = {w}\n\n\
         [[method]]\ndetector = \"pca\"\nwindow = {w}\n\n\
         [[method]]\ndetector = \"cnn_autoencoder\"   # window: a multiple of 4\nwindow = {w}\n\n\
         # Slower on long series:\n\
         # [[method]]\n# detector = \"lstm_autoencoder\"\n# window = {w}\n\n\
         [evaluate]\nmetrics = [\"vus_pr\", \"vus_roc\", \"roc_auc\", \"average_precision\", \"best_f1\", \"pa_f1\", \"event_f1\"]\n\n\
         # The reports rank by VUS-PR, TSB-AD's recommended time-series metric.\n\
         [report]\nmetric = \"vus_pr\""
    );
}

/// A TOML basic string literal (quotes, backslashes and control characters escaped).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `a`, `b`, … for messages.
fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// A name for the experiment and dataset: the file stem with characters other than
/// letters, digits, `-` and `_` replaced by `_`.
fn config_name(stem: &str) -> String {
    stem.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// The folder of `data`, relative to the folder of `config` where both resolve (else the
/// data's absolute folder); `/` separated.
fn relative_folder(data: &Path, config: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let data_dir = absolute(data).parent().map(Path::to_path_buf).unwrap_or_default();
    let config_dir = absolute(config).parent().map(Path::to_path_buf).unwrap_or_default();
    let clean = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts
    };
    let (d, c) = (clean(&data_dir), clean(&config_dir));
    let common = d.iter().zip(&c).take_while(|(a, b)| a == b).count();
    if common == 0 && !c.is_empty() {
        return data_dir.display().to_string();
    }
    let mut rel: Vec<String> = vec!["..".into(); c.len() - common];
    rel.extend(d[common..].iter().cloned());
    if rel.is_empty() {
        ".".into()
    } else {
        PathBuf::from_iter(rel).to_string_lossy().replace('\\', "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    fn config_for(text: &str, opts: &StarterOptions) -> anyhow::Result<String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = write(dir.path(), "my data.csv", text);
        starter_config(&data, &dir.path().join("my.toml"), opts)
    }

    #[test]
    fn detects_label_timestamp_and_leaves_out_text_and_constant_columns() {
        let text = "when,host,cpu,mem,disk,is_anomaly\n\
                    2024-01-01 00:00:00,a,0.5,1,7,0\n\
                    2024-01-01 00:01:00,a,0.7,,7,1\n\
                    2024-01-01 00:02:00,b,0.2,3,7,0\n";
        let toml = config_for(text, &StarterOptions::default()).expect("config");
        assert!(toml.contains("label = \"is_anomaly\""), "{toml}");
        assert!(toml.contains("timestamp = \"when\""), "{toml}");
        assert!(toml.contains("features = [\"cpu\", \"mem\"]"), "{toml}");
        assert!(toml.contains("# Left out: `host` (text), `disk` (constant)."), "{toml}");
        assert!(toml.contains("impute = \"median\"    # 1 missing values"), "{toml}");
        // A timestamp makes it a time series: chronological split, windows.
        assert!(toml.contains("method = \"chronological\""), "{toml}");
        assert!(toml.contains("window = 8"), "{toml}");
        assert!(toml.contains("name = \"my_data\""), "{toml}");
        assert!(toml.contains("data_dir = \".\""), "{toml}");
        // It is valid TOML.
        toml.parse::<toml::Table>().expect("TOML");
    }

    #[test]
    fn tabular_when_asked_and_without_timestamp() {
        let text = "a,b,label\n1,2,0\n3,4,1\n5,7,0\n";
        let toml = config_for(text, &StarterOptions::default()).expect("config");
        assert!(toml.contains("method = \"stratified\""), "{toml}");
        assert!(toml.contains("# features = [...]"), "{toml}");
        assert!(toml.contains("impute = \"none\""), "{toml}");
        let opts = StarterOptions { kind: Some(StarterKind::Timeseries), ..Default::default() };
        assert!(config_for(text, &opts).expect("config").contains("window = 8"));
    }

    #[test]
    fn the_only_binary_column_or_the_one_asked_for_is_the_label() {
        let text = "a,b,flagged\n1,0,0\n3,1,1\n5,0,0\n";
        // Two 0/1 columns, none named like a label: an error with a hint.
        let err = config_for(text, &StarterOptions::default()).expect_err("ambiguous");
        let msg = err.to_string();
        assert!(
            msg.contains("hint: pass --label COLUMN") && msg.contains("`b`, `flagged`"),
            "{msg}"
        );
        assert!(msg.contains("my data.csv"), "{msg}");
        let opts = StarterOptions { label: Some("flagged".into()), ..Default::default() };
        let toml = config_for(text, &opts).expect("config");
        assert!(toml.contains("label = \"flagged\"    # 0/1, 1 = anomaly (as asked)"), "{toml}");
        let opts = StarterOptions { label: Some("a".into()), ..Default::default() };
        let msg = config_for(text, &opts).expect_err("not 0/1").to_string();
        assert!(msg.contains("must hold only 0 and 1"), "{msg}");
        let opts = StarterOptions { label: Some("nope".into()), ..Default::default() };
        let msg = config_for(text, &opts).expect_err("missing").to_string();
        assert!(msg.contains("no column `nope` (columns: `a`, `b`, `flagged`)"), "{msg}");
    }

    #[test]
    fn no_feature_left_is_an_error() {
        let msg = config_for("name,label\nx,0\ny,1\n", &StarterOptions::default())
            .expect_err("no features")
            .to_string();
        assert!(msg.contains("no numeric feature column is left"), "{msg}");
    }

    #[test]
    fn data_paths_are_relative_to_the_config() {
        let rel = |d: &str, c: &str| relative_folder(Path::new(d), Path::new(c));
        assert_eq!(rel("/a/b/data.csv", "/a/b/x.toml"), ".");
        assert_eq!(rel("/a/b/data.csv", "/a/c/x.toml"), "../b");
        assert_eq!(rel("/a/b/c/data.csv", "/a/x.toml"), "b/c");
        assert_eq!(window(100_000), 100);
        assert_eq!(window(1000), 48);
    }

    #[test]
    fn odd_column_names_stay_valid_toml() {
        let name = "a \"quoted\" \\ name\t";
        let line = format!("k = {}", quote(name));
        let table: toml::Table = line.parse().expect("TOML");
        assert_eq!(table["k"].as_str(), Some(name));
    }
}
