//! Property tests of the runner's inputs: arbitrary config text never makes the parser or
//! the planner panic (only typed errors come out), and shards cover every job exactly once.

use oddity_runner::config::Source;
use oddity_runner::{Plan, PlanOptions, Shard};
use proptest::prelude::*;

/// A config that plans to `datasets × methods × seeds` jobs (nothing is read).
fn grid(datasets: usize, seeds: usize) -> String {
    let mut s = format!(
        "[experiment]\nname = \"p\"\nseeds = [{}]\n",
        (0..seeds).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    );
    for d in 0..datasets {
        s.push_str(&format!("[[dataset]]\nname = \"d{d}\"\npath = \"d{d}.csv\"\n"));
    }
    s.push_str("[[method]]\ndetector = \"zscore\"\n[[method]]\ndetector = \"robust_zscore\"\n");
    s
}

fn plan(text: &str, shard: Option<Shard>) -> Result<Plan, oddity_runner::ConfigError> {
    let source = Source { path: "p.toml".into(), text: text.into() };
    let opts = PlanOptions { shard, ..PlanOptions::default() };
    Plan::new(&source, source.parse()?, &opts)
}

/// Fragments of real configs, so that random mixes reach past the TOML syntax check.
const PIECES: &[&str] = &[
    "[experiment]\n",
    "name = \"x\"\n",
    "seeds = [0, 1]\n",
    "seeds = []\n",
    "time_limit = \"10m\"\n",
    "memory_limit = \"1GB\"\n",
    "time_limit = -1\n",
    "[[dataset]]\n",
    "name = \"d\"\n",
    "path = \"a.csv\"\n",
    "train = \"t.txt\"\n",
    "test = \"u.txt\"\n",
    "split = { method = \"stratified\", train = 1.5 }\n",
    "split = { method = \"chronological\", train = 0.5 }\n",
    "[[method]]\n",
    "detector = \"zscore\"\n",
    "detector = \"nope\"\n",
    "window = 3\n",
    "window = [2, 3]\n",
    "stride = 0\n",
    "ddof = [0, 1]\n",
    "c = \"x\"\n",
    "[preprocess]\n",
    "impute = \"mean\"\n",
    "[evaluate]\n",
    "metrics = [\"roc_auc\"]\n",
    "metrics = []\n",
    "\u{0}\u{ff}",
    "=",
    "[",
];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = plan(&text, None);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,300}") {
        let _ = plan(&text, None);
    }

    #[test]
    fn mixes_of_config_fragments_never_panic(
        picks in proptest::collection::vec(0..PIECES.len(), 0..24)
    ) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect();
        if let Err(e) = plan(&text, None) {
            // Errors are one line.
            prop_assert!(!e.to_string().contains('\n'), "{}", e);
        }
    }

    #[test]
    fn shards_cover_each_job_exactly_once(
        datasets in 1usize..6,
        seeds in 1usize..6,
        count in 1usize..8,
    ) {
        let text = grid(datasets, seeds);
        let whole = plan(&text, None).unwrap();
        let mut seen = vec![0usize; whole.jobs.len()];
        for index in 1..=count {
            let part = plan(&text, Some(Shard { index, count })).unwrap();
            prop_assert_eq!(&part.jobs, &whole.jobs);
            for job in part.selected() {
                seen[job.index] += 1;
            }
        }
        prop_assert!(seen.iter().all(|&n| n == 1), "{:?}", seen);
    }
}

#[test]
fn shard_folders_are_inside_the_output() {
    let p = plan(&grid(1, 1), Some("2/3".parse().unwrap())).unwrap();
    assert_eq!(p.output, std::path::Path::new("results/p/shard-2-of-3"));
}

#[test]
fn limits_come_from_the_experiment_unless_the_method_sets_them() {
    let text = grid(1, 1)
        .replace("seeds = [0]\n", "seeds = [0]\ntime_limit = 60\nmemory_limit = \"1GiB\"\n")
        .replace(
            "detector = \"robust_zscore\"\n",
            "detector = \"robust_zscore\"\ntime_limit = \"2h\"\n",
        );
    let p = plan(&text, None).unwrap();
    let secs = |i: usize| p.jobs[i].limits.time.unwrap().as_secs();
    assert_eq!((secs(0), secs(1)), (60, 7200));
    assert!(p.jobs.iter().all(|j| j.limits.memory == Some(1 << 30)));
    // A limit is not a detector parameter, and does not change the job's id.
    assert!(!p.variants[1].describe_params().contains("time_limit"));
    assert_eq!(p.jobs[1].id, plan(&grid(1, 1), None).unwrap().jobs[1].id);
}

#[test]
fn job_ids_change_with_the_split_and_not_with_the_data_folder() {
    let base = plan(&grid(1, 1), None).unwrap();
    let split = grid(1, 1).replace(
        "path = \"d0.csv\"\n",
        "path = \"d0.csv\"\nsplit = { method = \"stratified\", train = 0.5 }\n",
    );
    let moved = grid(1, 1).replace("seeds = [0]\n", "seeds = [0]\ndata_dir = \"elsewhere\"\n");
    assert_ne!(plan(&split, None).unwrap().jobs[0].id, base.jobs[0].id);
    assert_eq!(plan(&moved, None).unwrap().jobs[0].id, base.jobs[0].id);
}
