//! `report.html` in a real browser: a small real run (an ODDS set and a NAB series, three
//! detectors, two seeds, a threshold rule) is rendered by headless Chromium; the test fails
//! on any console message, on a missing section or figure, or on anything the page would
//! fetch, and keeps a screenshot (`<target>/report-html/report.png`).
//!
//! Chromium comes from Debian's `chromium` package: the test installs it when it runs as
//! root and it is missing (`.ci/run` installs it first), and is skipped with a message only
//! where it cannot be installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{folder, oddity, repo};

/// The sections every report has.
const SECTIONS: &[&str] =
    &["summary", "leaderboard", "critical-difference", "heatmap", "boxplots", "series", "cost"];

/// The Chromium executable, installing Debian's package when root and it is missing.
fn chromium() -> Option<PathBuf> {
    let find = || {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            let out =
                Command::new("sh").args(["-c", &format!("command -v {name}")]).output().ok()?;
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
    };
    if let Some(path) = find() {
        return Some(path);
    }
    let root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    if root {
        eprintln!("installing Debian's chromium for the report test");
        let _ = Command::new("sh")
            .args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"])
            .status();
    }
    find()
}

/// What Chromium printed while rendering `page` into `png`: its stderr.
fn render(chromium: &Path, page: &Path, png: &Path) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1400,5000",
            &format!("--screenshot={}", png.display()),
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The console messages in Chromium's log: lines of the `CONSOLE` logger (the report has
/// no script, so any message at all is an error).
fn console_messages(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("SKIPPED: Chromium is not installed and cannot be installed here (apt-get install chromium)");
        return;
    };
    let dir = folder(&[]);
    let config = format!(
        r#"
[experiment]
name = "browser <check>"
seeds = [0, 1]
data_dir = "{}"

[[dataset]]
name = "cardio"
path = "odds/cardio.csv"

[[dataset]]
name = "thyroid"
path = "odds/thyroid.npz"

[[dataset]]
name = "nab_speed_7578"
path = "nab/speed_7578.csv"
timestamp = "timestamp"
split = {{ method = "none" }}

[[method]]
detector = "zscore"

[[method]]
detector = "iforest"

[[method]]
detector = "knn"

[evaluate]
metrics = ["roc_auc", "average_precision", "best_f1"]
threshold = {{ method = "contamination", rate = 0.02 }}
"#,
        repo().join("datasets").display()
    );
    std::fs::write(dir.path().join("r.toml"), config).unwrap();
    let run = oddity(dir.path(), &["run", "r.toml", "--out", "out"]);
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let page = dir.path().join("out/report.html");
    let html = std::fs::read_to_string(&page).unwrap();

    // Self-contained: no script, no stylesheet link, nothing with a source to fetch.
    for banned in ["<script", "<link", " src=", "url(", "@import"] {
        assert!(!html.contains(banned), "report.html contains `{banned}`");
    }
    for id in SECTIONS {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "section `{id}` missing");
    }
    // The experiment name is escaped; the baseline and oracle marks are there; one figure
    // per box plot (2 tabular sets + the series), the CD diagram, heat map, series, scatter.
    assert!(html.contains("Report: browser &lt;check&gt;"));
    assert!(html.contains("<span class=\"badge\">baseline</span>"));
    assert!(html.contains("best_f1 †"));
    assert!(html.contains("f1 @ contamination(rate=0.02)"));
    assert!(html.matches("<svg ").count() >= 7, "{} figures", html.matches("<svg ").count());
    // Figure text is SVG text (plotters without fonts), not paths.
    assert!(html.matches("<text ").count() > 50, "{} texts", html.matches("<text ").count());
    assert!(html.contains("the threshold of rule <b>contamination(rate=0.02)</b> (dashed)"));

    let shots = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo().join("target"), PathBuf::from)
        .join("report-html");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let log = render(&chromium, &page, &png);
    let messages = console_messages(&log);
    assert!(messages.is_empty(), "console messages while rendering report.html: {messages:#?}");
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 50_000, "screenshot of {size} bytes");
    eprintln!("screenshot: {}", png.display());

    // The check can fail: a page that logs to the console is caught.
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<html><body><script>console.error(\"boom\")</script></body></html>")
        .unwrap();
    let log = render(&chromium, &bad, &dir.path().join("bad.png"));
    let messages = console_messages(&log);
    assert!(messages.iter().any(|m| m.contains("\"boom\"")), "not caught: {log}");
}
