//! `cargo xtask slurm-e2e`: proves `oddity slurm` on a real Slurm. Installs Debian's
//! `slurm-wlm` and `munge` if missing (needs root and apt), starts a one-node cluster on
//! this machine (munged, slurmctld, slurmd, with a private `slurm.conf` in a temporary
//! folder), submits a 3-shard array job of the quickstart plus its merge job, waits for
//! both, checks that the merged table equals a single-process run, and stops the daemons
//! it started (by pid).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::project_root;

/// Daemons started here, stopped (by pid) when dropped.
struct Daemons(Vec<(&'static str, Child)>);

impl Drop for Daemons {
    fn drop(&mut self) {
        for (name, child) in self.0.iter_mut().rev() {
            let pid = child.id();
            let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
            println!("slurm-e2e: stopped {name} (pid {pid})");
        }
    }
}

fn sh(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `results.csv` without the columns that measure the machine.
fn table(dir: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(dir.join("results.csv"))
        .map_err(|e| format!("{}: {e}", dir.join("results.csv").display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !["fit_seconds", "score_seconds", "peak_rss_bytes"].contains(&header[i]))
        .collect();
    Ok(lines
        .map(|l| {
            // A quoted field (a list-valued parameter such as "1,2,4,8") keeps its commas:
            // they are masked while the line is cut into fields.
            let mut quoted = false;
            let masked: String = l
                .chars()
                .map(|c| {
                    quoted ^= c == '"';
                    if quoted && c == ',' {
                        '\u{1f}'
                    } else {
                        c
                    }
                })
                .collect();
            let f: Vec<&str> = masked.split(',').collect();
            keep.iter().map(|&i| f.get(i).copied().unwrap_or("")).collect::<Vec<_>>().join(",")
        })
        .collect())
}

pub fn slurm_e2e() -> Result<(), String> {
    let t0 = Instant::now();
    let root = project_root();
    if !have("slurmctld") || !have("munged") {
        println!("slurm-e2e: installing slurm-wlm and munge from apt");
        let apt = |args: &[&str]| {
            sh(Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive"))
        };
        apt(&["update", "-qq"])?;
        apt(&["install", "-y", "-qq", "slurm-wlm", "munge"])?;
        println!("slurm-e2e: installed in {:.0} s", t0.elapsed().as_secs_f64());
    }

    // The oddity binary the cluster runs. Not `-p oddity`: without a package flag the
    // workspace's default members (the CLI and the workspace-hack) are built, with the
    // dependency features the tests were built with, so nothing heavy is compiled again.
    crate::cargo(&["build", "--bin", "oddity"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let oddity = target.join("debug/oddity");
    if !oddity.is_file() {
        return Err(format!("no binary at {}", oddity.display()));
    }

    let tmp = std::env::temp_dir().join(format!("oddity-slurm-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for d in ["state", "spool", "munge-run", "work"] {
        std::fs::create_dir_all(tmp.join(d)).map_err(|e| e.to_string())?;
    }
    let mut daemons = Daemons(vec![]);

    // munge: a key, then munged in the foreground as the `munge` user.
    if !Path::new("/etc/munge/munge.key").exists() {
        sh(Command::new("sh").args([
            "-c",
            "dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null && chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key",
        ]))?;
    }
    let socket = tmp.join("munge-run/munge.socket.2");
    sh(Command::new("chown").args(["-R", "munge:munge"]).arg(tmp.join("munge-run")))?;
    sh(Command::new("chmod").args(["755"]).arg(&tmp))?;
    for d in ["/var/lib/munge", "/var/log/munge", "/run/munge"] {
        let _ = std::fs::create_dir_all(d);
        let _ = Command::new("chown").args(["munge:munge", d]).status();
    }
    let munged = Command::new("setpriv")
        .args([
            "--reuid=munge",
            "--regid=munge",
            "--init-groups",
            "/usr/sbin/munged",
            "-F",
            "--force",
        ])
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--pid-file={}", tmp.join("munge-run/munged.pid").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start munged: {e}"))?;
    println!("slurm-e2e: munged pid {}", munged.id());
    daemons.0.push(("munged", munged));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        if Instant::now() > deadline {
            return Err("munged did not create its socket".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    // slurm.conf for one node: this machine, its real CPUs and memory.
    let host = sh(&mut Command::new("hostname"))?.trim().to_string();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").map_err(|e| e.to_string())?;
    let mem_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or("cannot read MemTotal")?;
    let mem_mb = mem_kb / 1024 * 9 / 10;
    let conf = tmp.join("slurm.conf");
    let t = |d: &str| tmp.join(d).display().to_string();
    let text = format!(
        "ClusterName=oddity-e2e
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={socket}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation={state}
SlurmdSpoolDir={spool}
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName={host} CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName=e2e Nodes={host} Default=YES MaxTime=INFINITE State=UP
",
        socket = socket.display(),
        state = t("state"),
        spool = t("spool"),
        dir = tmp.display(),
    );
    std::fs::write(&conf, text).map_err(|e| e.to_string())?;
    let slurm = |program: &str| {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &conf);
        c
    };
    for (name, args) in [("slurmctld", ["-D", "-i"]), ("slurmd", ["-D", "-b"])] {
        let child = slurm(name)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        println!("slurm-e2e: {name} pid {}", child.id());
        daemons.0.push((if name == "slurmd" { "slurmd" } else { "slurmctld" }, child));
        std::thread::sleep(Duration::from_millis(500));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = sh(slurm("sinfo").args(["-h", "-o", "%t"])).unwrap_or_default();
        if state.trim().starts_with("idle") {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(tmp.join("slurmctld.log")).unwrap_or_default();
            return Err(format!(
                "the node is not idle (sinfo: `{}`); slurmctld.log:\n{log}",
                state.trim()
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "slurm-e2e: one-node cluster up on {host} ({cpus} CPUs, {mem_mb} MB) after {:.0} s",
        t0.elapsed().as_secs_f64()
    );

    // The single-process reference and the 3-shard run on Slurm.
    let config = root.join("configs/quickstart.toml");
    let work = tmp.join("work");
    let single = work.join("single");
    sh(Command::new(&oddity)
        .arg("run")
        .arg(&config)
        .arg("--out")
        .arg(&single)
        .arg("--quiet")
        .current_dir(&work))?;
    let out = work.join("sharded");
    let submitted = sh(slurm(oddity.to_str().unwrap_or("oddity"))
        .arg("slurm")
        .arg(&config)
        .args([
            "--shards",
            "3",
            "--cpus",
            "1",
            "--time",
            "00:10:00",
            "--mem",
            "1G",
            "--partition",
            "e2e",
            "--submit",
        ])
        .arg("--out")
        .arg(&out)
        .current_dir(&work))?;
    print!("{submitted}");
    let ids: Vec<String> = submitted
        .lines()
        .find(|l| l.starts_with("submitted:"))
        .map(|l| {
            l.split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .take(2)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    if ids.len() != 2 {
        return Err(format!("no job ids in `{submitted}`"));
    }
    let t_submit = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let queue = sh(slurm("squeue").args(["-h", "-o", "%i %T", "-j", &ids.join(",")]))
            .unwrap_or_default();
        if queue.trim().is_empty() {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("jobs still queued after 240 s:\n{queue}"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "slurm-e2e: array job {} and merge job {} done in {:.1} s",
        ids[0],
        ids[1],
        t_submit.elapsed().as_secs_f64()
    );
    for i in 1..=3 {
        let journal = out.join(format!("shard-{i}-of-3/journal.jsonl"));
        let n = std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0);
        println!("slurm-e2e: shard {i}/3 ran {n} jobs");
    }
    let merge_log = std::fs::read_to_string(out.join("slurm/merge.log")).unwrap_or_default();
    print!("slurm-e2e: merge.log:\n{merge_log}");
    let (want, got) = (table(&single)?, table(&out)?);
    if want != got {
        return Err(format!(
            "the merged table differs from the single-process run ({} vs {} rows)",
            got.len(),
            want.len()
        ));
    }
    println!(
        "slurm-e2e: ok — merged table of {} rows equals the single-process run; total {:.0} s",
        got.len(),
        t0.elapsed().as_secs_f64()
    );
    drop(daemons);
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
