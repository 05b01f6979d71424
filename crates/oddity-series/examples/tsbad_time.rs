//! Times oddity's detectors on the series of the TSB-AD fixtures, as `cargo xtask
//! peer-tsbad` compares them with TSB-AD's own: `fit_score` (window length included) with
//! the registry defaults and one thread, per method, series and seed.
//!
//! Usage: `cargo run -p oddity-series --example tsbad_time -- FIXTURES METHODS SERIES SEEDS`
//! (comma-separated lists; SERIES `all` = every series of `tsbad_periods.csv`). Prints
//! `method,series,seed,seconds` lines.

use std::path::Path;
use std::time::Instant;

use ndarray::Array2;
use oddity_core::{Dataset, FitContext, Params};

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
                match detector.fit_score(&data, &FitContext::new(seed)) {
                    Ok((_, scores)) => {
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
