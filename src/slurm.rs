//! Running a plan on a Slurm cluster: an sbatch array job whose task `I` runs shard `I/N`
//! (`oddity run CONFIG --shard I/N`), and a merge job that depends on it
//! (`oddity report SHARDS… --out OUTPUT`). Slurm does the scheduling, requeueing and
//! accounting; oddity only writes the scripts (and, if asked, submits them).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::anyhow;
use oddity_runner::Shard;

/// What the scripts run and what they ask Slurm for.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmJob {
    /// Experiment name (job names).
    pub experiment: String,
    /// The `oddity` executable the nodes run (absolute).
    pub exe: PathBuf,
    /// The config file (absolute).
    pub config: PathBuf,
    /// The `--data-dir` override, if any (absolute).
    pub data_dir: Option<PathBuf>,
    /// The experiment's output folder (absolute); shard `I` writes into
    /// `OUTPUT/shard-I-of-N`, the merge into `OUTPUT`.
    pub output: PathBuf,
    /// The folder the jobs start in (absolute).
    pub workdir: PathBuf,
    /// Number of shards (array tasks).
    pub shards: usize,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` of each array task (Slurm syntax, e.g. `02:00:00`).
    pub time: Option<String>,
    /// `--cpus-per-task`; each task runs that many jobs in parallel.
    pub cpus: Option<usize>,
    /// `--mem` of each array task (Slurm syntax, e.g. `8G`).
    pub mem: Option<String>,
}

/// Quotes `s` for a POSIX shell.
/// The error for a script or folder that cannot be written or submitted (as the runner's
/// output errors read).
fn output_error(path: &Path, message: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("output `{}`: {message}", path.display())
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn q(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

impl SlurmJob {
    /// The folder for the scripts and the Slurm logs: `OUTPUT/slurm`.
    pub fn script_dir(&self) -> PathBuf {
        self.output.join("slurm")
    }

    /// The shard folders the merge reads, in shard order.
    pub fn shard_dirs(&self) -> Vec<PathBuf> {
        (1..=self.shards)
            .map(|index| self.output.join(Shard { index, count: self.shards }.folder_name()))
            .collect()
    }

    /// The array job: task `I` (1..=N) runs shard `I/N`, resuming its journal if Slurm
    /// requeues it.
    pub fn array_script(&self) -> String {
        let mut s = String::from("#!/bin/bash\n");
        let _ = writeln!(s, "#SBATCH --job-name={}", quote(&format!("oddity-{}", self.experiment)));
        let _ = writeln!(s, "#SBATCH --array=1-{}", self.shards);
        let _ = writeln!(s, "#SBATCH --output={}", q(&self.script_dir().join("shard-%a.log")));
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus.unwrap_or(1));
        if let Some(p) = &self.partition {
            let _ = writeln!(s, "#SBATCH --partition={}", quote(p));
        }
        if let Some(t) = &self.time {
            let _ = writeln!(s, "#SBATCH --time={}", quote(t));
        }
        if let Some(m) = &self.mem {
            let _ = writeln!(s, "#SBATCH --mem={}", quote(m));
        }
        s.push_str("set -euo pipefail\n");
        let _ = writeln!(s, "cd {}", q(&self.workdir));
        let data_dir =
            self.data_dir.as_ref().map(|d| format!(" --data-dir {}", q(d))).unwrap_or_default();
        let _ = writeln!(
            s,
            "exec {} run {}{data_dir} --out {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\" --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\" --resume --quiet",
            q(&self.exe),
            q(&self.config),
            q(&self.output),
            self.shards
        );
        s
    }

    /// The merge job, run after every array task has ended (successfully or not): merges the
    /// shard folders into the output folder and reports missing jobs.
    pub fn merge_script(&self) -> String {
        let mut s = String::from("#!/bin/bash\n");
        let _ = writeln!(
            s,
            "#SBATCH --job-name={}",
            quote(&format!("oddity-{}-merge", self.experiment))
        );
        let _ = writeln!(s, "#SBATCH --output={}", q(&self.script_dir().join("merge.log")));
        s.push_str("#SBATCH --cpus-per-task=1\n");
        if let Some(p) = &self.partition {
            let _ = writeln!(s, "#SBATCH --partition={}", quote(p));
        }
        s.push_str("set -euo pipefail\n");
        let _ = writeln!(s, "cd {}", q(&self.workdir));
        let dirs: Vec<String> = self.shard_dirs().iter().map(|d| q(d)).collect();
        let _ = writeln!(
            s,
            "exec {} report {} --out {}",
            q(&self.exe),
            dirs.join(" "),
            q(&self.output)
        );
        s
    }

    /// Writes `array.sbatch` and `merge.sbatch` into [`SlurmJob::script_dir`] (created, with
    /// the output folder) and returns their paths.
    pub fn write(&self) -> anyhow::Result<(PathBuf, PathBuf)> {
        let dir = self.script_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| output_error(&dir, format!("cannot create folder: {e}")))?;
        let array = dir.join("array.sbatch");
        let merge = dir.join("merge.sbatch");
        std::fs::write(&array, self.array_script()).map_err(|e| output_error(&array, e))?;
        std::fs::write(&merge, self.merge_script()).map_err(|e| output_error(&merge, e))?;
        Ok((array, merge))
    }
}

/// Submits the scripts written by [`SlurmJob::write`]: the array job, then the merge job
/// with `--dependency=afterany:ARRAY`. Returns the two job ids.
pub fn submit(array: &Path, merge: &Path) -> anyhow::Result<(String, String)> {
    let array_id = sbatch(&[], array)?;
    let merge_id = sbatch(&[format!("--dependency=afterany:{array_id}")], merge)?;
    Ok((array_id, merge_id))
}

/// Runs `sbatch --parsable ARGS SCRIPT` and returns the job id.
fn sbatch(args: &[String], script: &Path) -> anyhow::Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| output_error(script, format!("cannot run sbatch: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().replace('\n', " ");
        return Err(output_error(script, format!("sbatch failed: {err}")));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // `--parsable` prints `ID` or `ID;CLUSTER`.
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        return Err(output_error(script, "sbatch printed no job id"));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            experiment: "demo".into(),
            exe: "/opt/oddity".into(),
            config: "/work/it's.toml".into(),
            data_dir: None,
            output: "/scratch/out".into(),
            workdir: "/work".into(),
            shards: 3,
            partition: Some("short".into()),
            time: Some("01:00:00".into()),
            cpus: Some(4),
            mem: None,
        }
    }

    #[test]
    fn array_task_i_runs_shard_i_of_n() {
        let s = job().array_script();
        assert!(s.contains("#SBATCH --array=1-3\n"), "{s}");
        assert!(s.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""), "{s}");
        assert!(s.contains("#SBATCH --partition='short'\n"), "{s}");
        assert!(s.contains("#SBATCH --cpus-per-task=4\n"), "{s}");
        assert!(!s.contains("--mem"), "{s}");
        assert!(s.contains("'/work/it'\\''s.toml'"), "quoted: {s}");
        assert!(s.contains("--resume"), "{s}");
    }

    #[test]
    fn merge_reads_every_shard_folder() {
        let s = job().merge_script();
        for i in 1..=3 {
            assert!(s.contains(&format!("'/scratch/out/shard-{i}-of-3'")), "{s}");
        }
        assert!(s.contains("--out '/scratch/out'"), "{s}");
    }
}
