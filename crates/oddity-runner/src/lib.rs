//! The oddity experiment runner, in stages: a TOML config ([`config`]) becomes a [`Plan`]
//! (datasets × method variants × seeds), the plan (or one shard of it) is dispatched on a
//! rayon pool ([`mod@run`]), each job in a worker process or in-process, and every finished job
//! is appended to the journal ([`record`]). The results tables and reports are derived from
//! that record by the `oddity-report` crate.
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
mod checksum;
pub mod config;
mod data;
mod error;
pub mod limits;
pub mod model;
mod plan;
pub mod record;
pub mod registry;
pub mod run;

pub use error::{ConfigError, RunError};
pub use limits::Limits;
pub use plan::{
    default_family, DataSource, DatasetPlan, Job, Plan, PlanOptions, Preprocess, Protocol, Shard,
    ShardError, Variant, WindowPlan, WindowSize, DEFAULT_METRICS, LIMIT_KEYS, TSBAD_METRICS,
    WINDOW_KEYS,
};
pub use run::{prepare, run, Isolation, JobEvent, RunOptions, RunSummary};
