//! The oddity experiment runner: a TOML config becomes a [`Plan`] (datasets × method
//! variants × seeds), the plan (or one shard of it) runs on a rayon pool, each job in a
//! worker process or in-process, every finished job is appended to a journal, and
//! `results.csv`, `results.parquet` and `report.md` are derived from that journal.
//!
//! # Example: plan an experiment from config text
//!
//! ```
//! use oddity_runner::{config::Source, Plan, PlanOptions};
//!
//! let text = r#"
//! [experiment]
//! name = "demo"
//! seeds = [0, 1]
//!
//! [[dataset]]
//! name = "cardio"
//! path = "odds/cardio.csv"
//!
//! [[method]]
//! detector = "zscore"
//!
//! [[method]]
//! detector = "robust_zscore"
//! "#;
//! let source = Source { path: "demo.toml".into(), text: text.into() };
//! let plan = Plan::new(&source, source.parse()?, &PlanOptions::default())?;
//! // 1 dataset × (2 methods + the automatic `random` baseline) × 2 seeds.
//! assert_eq!(plan.jobs.len(), 6);
//! assert_eq!(plan.variants.last().map(|v| v.label.as_str()), Some("random"));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

pub mod allocator;
pub mod config;
mod data;
mod error;
mod execute;
mod files;
pub mod journal;
pub mod limits;
pub mod model;
mod plan;
pub mod progress;
mod ranking;
pub mod registry;
pub mod report;
mod report_html;
pub mod slurm;
mod starter;
pub mod tracks;
pub mod worker;

pub use error::{ConfigError, RunError};
pub use execute::{prepare, run, Isolation, JobEvent, RunOptions, RunSummary};
pub use limits::Limits;
pub use plan::{
    DataSource, DatasetPlan, Job, Plan, PlanOptions, Preprocess, Shard, Variant, DEFAULT_METRICS,
};
pub use starter::{starter_config, StarterKind, StarterOptions};
