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

/// The error for a script or folder that cannot be written or submitted (as the runner's
/// output errors read).
fn output_error(path: &Path, message: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("output `{}`: {message}", path.display())
}

/// Quotes `s` as one word for a POSIX shell: inside single quotes nothing is special, and a
/// `'` is written `'\''`.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn q(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

/// `s` as one word for a shell, quoted only when it has to be (for commands printed to the
/// user, which stay readable when the paths are plain).
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Quotes `s` as one value of an `#SBATCH` line. sbatch reads these lines itself (no shell):
/// quotes group, a backslash escapes the next character and an unquoted `#` starts a
/// comment; so the shell's single quoting works once backslashes are doubled. A newline
/// cannot be quoted at all: [`SlurmJob::check`] refuses every control character first.
fn sbatch_quote(s: &str) -> String {
    quote(&s.replace('\\', r"\\"))
}

/// A file pattern for `#SBATCH --output`: `%` is Slurm's replacement character, so a `%` of
/// the folder is written `%%`, and `pattern` (`shard-%a.log`) is appended as is.
fn sbatch_log(dir: &Path, pattern: &str) -> String {
    let dir = dir.to_string_lossy().replace('%', "%%");
    sbatch_quote(&format!("{}/{pattern}", dir.trim_end_matches('/')))
}

impl SlurmJob {
    /// Refuses a value that no quoting can carry into a job script: a control character (a
    /// newline would end an `#SBATCH` line, and the rest of it would run as a command) or a
    /// path that is not UTF-8, in the experiment name, a path or a Slurm option.
    pub fn check(&self) -> anyhow::Result<()> {
        let paths = [
            ("the oddity executable", Some(&self.exe)),
            ("the config file", Some(&self.config)),
            ("--data-dir", self.data_dir.as_ref()),
            ("the output folder", Some(&self.output)),
            ("the working folder", Some(&self.workdir)),
        ];
        let mut values: Vec<(&str, &str)> = vec![("the experiment name", &self.experiment)];
        for (what, path) in paths {
            let Some(path) = path else { continue };
            let Some(text) = path.to_str() else {
                anyhow::bail!(
                    "slurm: {what} `{}` is not valid UTF-8: it cannot be written into a job script",
                    path.display()
                );
            };
            values.push((what, text));
        }
        for (what, value) in
            [("--partition", &self.partition), ("--time", &self.time), ("--mem", &self.mem)]
        {
            if let Some(v) = value {
                values.push((what, v));
            }
        }
        for (what, value) in values {
            if let Some(c) = value.chars().find(|c| c.is_control()) {
                anyhow::bail!(
                    "slurm: {what} `{}` contains the control character {c:?}: it cannot be written into a job script",
                    value.escape_debug()
                );
            }
        }
        Ok(())
    }

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
        let _ = writeln!(
            s,
            "#SBATCH --job-name={}",
            sbatch_quote(&format!("oddity-{}", self.experiment))
        );
        let _ = writeln!(s, "#SBATCH --array=1-{}", self.shards);
        let _ = writeln!(s, "#SBATCH --output={}", sbatch_log(&self.script_dir(), "shard-%a.log"));
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus.unwrap_or(1));
        if let Some(p) = &self.partition {
            let _ = writeln!(s, "#SBATCH --partition={}", sbatch_quote(p));
        }
        if let Some(t) = &self.time {
            let _ = writeln!(s, "#SBATCH --time={}", sbatch_quote(t));
        }
        if let Some(m) = &self.mem {
            let _ = writeln!(s, "#SBATCH --mem={}", sbatch_quote(m));
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
            sbatch_quote(&format!("oddity-{}-merge", self.experiment))
        );
        let _ = writeln!(s, "#SBATCH --output={}", sbatch_log(&self.script_dir(), "merge.log"));
        s.push_str("#SBATCH --cpus-per-task=1\n");
        if let Some(p) = &self.partition {
            let _ = writeln!(s, "#SBATCH --partition={}", sbatch_quote(p));
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
    /// the output folder) and returns their paths; first refuses what [`SlurmJob::check`]
    /// refuses.
    pub fn write(&self) -> anyhow::Result<(PathBuf, PathBuf)> {
        self.check()?;
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

/// The two commands that submit the scripts by hand, quoted for a shell: the array job, then
/// the merge job, whose `<array job id>` the user fills in.
pub fn submit_commands(array: &Path, merge: &Path) -> (String, String) {
    (
        format!("sbatch {}", shell_word(&array.to_string_lossy())),
        format!(
            "sbatch --dependency=afterany:<array job id> {}",
            shell_word(&merge.to_string_lossy())
        ),
    )
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

    /// The words of an `#SBATCH` line's value as sbatch's own parser reads them: quotes
    /// group, a backslash escapes the next character, an unquoted `#` ends the line.
    fn sbatch_words(value: &str) -> Vec<String> {
        let (mut words, mut word, mut quote, mut escape, mut any) =
            (vec![], String::new(), None::<char>, false, false);
        for c in value.chars() {
            if escape {
                escape = false;
                word.push(c);
            } else if c == '\\' {
                escape = true;
                any = true;
            } else if let Some(q) = quote {
                if c == q {
                    quote = None;
                } else {
                    word.push(c);
                }
            } else if c == '"' || c == '\'' {
                quote = Some(c);
                any = true;
            } else if c == '#' {
                break;
            } else if c.is_whitespace() {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            } else {
                word.push(c);
            }
        }
        if any || !word.is_empty() {
            words.push(word);
        }
        words
    }

    /// The value of the `#SBATCH --KEY=` line of `script`, as sbatch reads it.
    fn directive(script: &str, key: &str) -> Vec<String> {
        let prefix = format!("#SBATCH --{key}=");
        let line = script.lines().find_map(|l| l.strip_prefix(prefix.as_str())).unwrap();
        sbatch_words(line)
    }

    /// A fake program that records its argv (NUL-separated) into a new file of `$FAKE_LOG`.
    fn fake(dir: &Path, name: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        let script =
            format!("#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$FAKE_LOG/{name}.$$\"\necho 4242\n");
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The argv of every call of `name` recorded in `log`.
    fn calls(log: &Path, name: &str) -> Vec<Vec<String>> {
        let mut calls: Vec<Vec<String>> = std::fs::read_dir(log)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&format!("{name}.")))
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap();
                text.split_terminator('\0').map(String::from).collect()
            })
            .collect();
        calls.sort();
        calls
    }

    /// Every file name under `dir`, recursively.
    fn names(dir: &Path) -> Vec<String> {
        let mut out = vec![];
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            out.push(path.file_name().unwrap().to_string_lossy().into_owned());
            if path.is_dir() {
                out.extend(names(&path));
            }
        }
        out
    }

    #[test]
    fn hostile_names_and_paths_reach_the_commands_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let hostile =
            |s: &str| format!("{s} o'q \"d\" $(touch INJ1) `touch INJ2`; touch INJ3 \\ %a #c &");
        let bin = tmp.path().join(hostile("bin"));
        let work = tmp.path().join(hostile("work"));
        let log = tmp.path().join("log");
        for d in [&bin, &work, &log] {
            std::fs::create_dir_all(d).unwrap();
        }
        for name in ["oddity", "sbatch", "srun"] {
            fake(&bin, name);
        }
        let job = SlurmJob {
            experiment: hostile("exp"),
            exe: bin.join("oddity"),
            config: tmp.path().join(hostile("config") + ".toml"),
            data_dir: Some(tmp.path().join(hostile("data"))),
            output: tmp.path().join(hostile("out")),
            workdir: work.clone(),
            shards: 3,
            partition: Some(hostile("part")),
            time: Some("01:00:00".into()),
            cpus: Some(4),
            mem: Some("2G".into()),
        };
        let (array, merge) = job.write().unwrap();

        // sbatch reads every directive back as the one value written.
        let text = std::fs::read_to_string(&array).unwrap();
        assert_eq!(directive(&text, "job-name"), [format!("oddity-{}", job.experiment)]);
        assert_eq!(directive(&text, "partition"), [hostile("part")]);
        let out_log = job.output.join("slurm").to_string_lossy().replace('%', "%%");
        assert_eq!(directive(&text, "output"), [format!("{out_log}/shard-%a.log")]);
        let merge_text = std::fs::read_to_string(&merge).unwrap();
        assert_eq!(
            directive(&merge_text, "job-name"),
            [format!("oddity-{}-merge", job.experiment)]
        );

        // The scripts run with the fakes first on PATH: each command gets its argv intact.
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let bash = |script: &str| {
            let status = std::process::Command::new("bash")
                .arg("-c")
                .arg(script)
                .current_dir(tmp.path())
                .env("PATH", &path)
                .env("FAKE_LOG", &log)
                .env("SLURM_ARRAY_TASK_ID", "2")
                .env("SLURM_CPUS_PER_TASK", "4")
                .status()
                .unwrap();
            assert!(status.success(), "{script}");
        };
        bash(&format!("bash {}", q(&array)));
        bash(&format!("bash {}", q(&merge)));
        let (submit_array, submit_merge) = submit_commands(&array, &merge);
        bash(&submit_array);
        bash(&submit_merge.replace("<array job id>", "4242"));

        let s = |p: &Path| p.to_str().unwrap().to_string();
        let shards: Vec<String> = job.shard_dirs().iter().map(|d| s(d)).collect();
        let mut report = vec!["report".to_string()];
        report.extend(shards);
        report.extend(["--out".into(), s(&job.output)]);
        let run: Vec<String> = [
            "run",
            &s(&job.config),
            "--data-dir",
            &s(job.data_dir.as_ref().unwrap()),
            "--out",
            &s(&job.output),
            "--shard",
            "2/3",
            "--jobs",
            "4",
            "--resume",
            "--quiet",
        ]
        .map(String::from)
        .to_vec();
        let mut want = vec![report, run];
        want.sort();
        assert_eq!(calls(&log, "oddity"), want);
        let mut want =
            vec![vec![s(&array)], vec!["--dependency=afterany:4242".to_string(), s(&merge)]];
        want.sort();
        assert_eq!(calls(&log, "sbatch"), want);
        assert!(calls(&log, "srun").is_empty());
        // No injected command ran, wherever it would have run.
        let all = names(tmp.path());
        assert!(!all.iter().any(|n| n.starts_with("INJ")), "{all:?}");
    }

    #[test]
    fn control_characters_cannot_reach_a_script() {
        let dir = tempfile::tempdir().unwrap();
        let base = SlurmJob { output: dir.path().join("out"), ..job() };
        let cases = [
            SlurmJob { experiment: "demo\n#SBATCH --wrap=touch x".into(), ..base.clone() },
            SlurmJob { output: dir.path().join("o\nut"), ..base.clone() },
            SlurmJob { config: "/work/c\r.toml".into(), ..base.clone() },
            SlurmJob { partition: Some("short\u{1b}".into()), ..base.clone() },
        ];
        for job in cases {
            let err = job.write().unwrap_err().to_string();
            assert!(err.contains("control character"), "{err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        assert!(!dir.path().join("out").exists());
        assert!(!dir.path().join("o\nut").exists());
    }

    #[test]
    fn printed_commands_are_quoted_only_when_they_must_be() {
        let (a, m) = submit_commands(Path::new("/x/array.sbatch"), Path::new("/x y/m.sbatch"));
        assert_eq!(a, "sbatch /x/array.sbatch");
        assert_eq!(m, "sbatch --dependency=afterany:<array job id> '/x y/m.sbatch'");
    }
}
