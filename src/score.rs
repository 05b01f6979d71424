//! `oddity score`: scores new rows with a model saved by `oddity fit --save`, with the
//! preprocessing fitted on the model's training part.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use oddity_runner::model::{read_rows, SavedModel};

/// Arguments of `oddity score`.
#[derive(clap::Args)]
pub struct ScoreArgs {
    /// A model file written by `oddity fit --save DIR` (`DIR/<dataset>/<method>-seed<S>.oddity`).
    #[arg(long)]
    model: PathBuf,
    /// The rows to score (CSV, Parquet, .npz, .mat or .txt) with the model's feature columns.
    data: PathBuf,
    /// Where the scores go: a CSV with `row,score` (and `label` when the data has the
    /// model's label column, ready for `oddity evaluate`). Default: standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Whether `a` and `b` name one existing file (through links and `..` too).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads the model and the data, scores every row, writes the scores.
pub fn run(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    if let Some(out) = &args.out {
        for (what, input) in [("model", &args.model), ("data", &args.data)] {
            if same_file(out, input) {
                anyhow::bail!(
                    "--out `{}` is the {what} file `{}`: scores never overwrite an input; choose another --out",
                    out.display(),
                    input.display()
                );
            }
        }
    }
    let model = SavedModel::read(&args.model)?;
    let rows = read_rows(&args.data, &model.info)?;
    let scores = model.pipeline.score(&rows).map_err(|e| {
        anyhow::anyhow!("score `{}` with `{}`: {e}", args.data.display(), args.model.display())
    })?;
    let labels = rows.labels.as_ref();
    let mut text = String::from(if labels.is_some() { "row,score,label\n" } else { "row,score\n" });
    for (i, s) in scores.iter().enumerate() {
        let _ = write!(text, "{i},{s:?}");
        if let Some(l) = labels {
            let _ = write!(text, ",{}", l[i]);
        }
        text.push('\n');
    }
    match &args.out {
        Some(out) => {
            std::fs::write(out, text)
                .with_context(|| format!("cannot write `{}`", out.display()))?;
            let info = &model.info;
            eprintln!(
                "scored {} rows of {} with {} ({} on {}, seed {}): {}",
                scores.len(),
                args.data.display(),
                info.method,
                info.detector,
                info.dataset,
                info.seed,
                out.display()
            );
        }
        None => crate::out::text(&text),
    }
    Ok(crate::exit::success())
}
