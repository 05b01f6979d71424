//! Times oddity's detectors on the series of the TSB-AD fixtures, as `cargo xtask
//! peer-tsbad` compares them with TSB-AD's own: `fit_score` (window length included) with
//! the registry defaults and one thread, per method, series and seed; the semi-supervised
//! `sub_mcd` and `sub_ocsvm` as TSB-AD runs them, `fit_prefix` on the training prefix of
//! `tsbad_train.csv`.
//!
//! Usage: `cargo run -p oddity-series --example tsbad_time -- FIXTURES METHODS SERIES SEEDS`
//! (comma-separated lists; SERIES `all` = every series of `tsbad_periods.csv`). Prints
//! `method,series,seed,seconds` lines.

use std::path::Path;
use std::time::Instant;

use ndarray::{Array1, Array2};
use oddity_core::{Dataset, DetectorParams, Error, FitContext, Params};
use oddity_series::{SubMcd, SubModel, SubOcsvm, SubParams};

/// TSB-AD's semi-supervised protocol with the defaults of `M`.
fn prefix<M: SubModel>(
    data: &Dataset,
    train_rows: usize,
    ctx: &FitContext,
) -> Result<Array1<f64>, Error> {
    let p = SubParams::<M>::default().check().map_err(|e| Error::Fit(e.to_string()))?;
    Ok(p.fit_prefix(data, train_rows, ctx)?.1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, methods, series, seeds] = args.as_slice() else {
        return Err("usage: tsbad_time FIXTURES METHODS SERIES SEEDS".into());
    };
    let dir = Path::new(dir);
    let series: Vec<String> = if series == "all" {
        let text = std::fs::read_to_string(dir.join("tsbad_periods.csv"))?;
        text.lines().skip(1).filter_map(|l| l.split(',').next()).map(str::to_string).collect()
    } else {
        series.split(',').map(str::to_string).collect()
    };
    let train = std::fs::read_to_string(dir.join("tsbad_train.csv")).unwrap_or_default();
    let train_rows = |name: &str| -> Option<usize> {
        train.lines().skip(1).find_map(|l| {
            let (s, r) = l.split_once(',')?;
            (s == name).then(|| r.trim().parse().ok()).flatten()
        })
    };
    println!("method,series,seed,seconds");
    for name in &series {
        let text = std::fs::read_to_string(dir.join(format!("tsbad_series_{name}.csv")))?;
        let values: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or("").parse::<f64>())
            .collect::<Result<_, _>>()?;
        let data = Dataset::from_features(
            name.as_str(),
            Array2::from_shape_vec((values.len(), 1), values)?,
        );
        for method in methods.split(',') {
            let entry = oddity_series::detector(method).ok_or(format!("no detector `{method}`"))?;
            let (_, detector) = entry.instantiate(&Params::default())?;
            for seed in seeds.split(',') {
                let seed: u64 = seed.parse()?;
                let start = Instant::now();
                // A series the detector refuses (SR on an exactly periodic one) is said and
                // left out, as TSB-AD's NaN scores are.
                let ctx = FitContext::new(seed);
                let run = match (method, train_rows(name)) {
                    ("sub_mcd", Some(rows)) => prefix::<SubMcd>(&data, rows, &ctx),
                    ("sub_ocsvm", Some(rows)) => prefix::<SubOcsvm>(&data, rows, &ctx),
                    _ => detector.fit_score(&data, &ctx).map(|(_, s)| s),
                };
                match run {
                    Ok(scores) => {
                        let seconds = start.elapsed().as_secs_f64();
                        std::hint::black_box(scores);
                        println!("{method},{name},{seed},{seconds:.4}");
                    }
                    Err(e) => eprintln!("{method} on {name}: {e}"),
                }
            }
        }
    }
    Ok(())
}
