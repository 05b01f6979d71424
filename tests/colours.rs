//! Colours only on a terminal: what oddity writes to a pipe (results, progress lines,
//! errors, help) never holds an escape code.

mod common;

use common::{folder, oddity, repo};

#[test]
fn piped_output_has_no_escape_codes() {
    let dir = folder(&[]);
    let config = format!(
        "[experiment]\nname = \"c\"\ndata_dir = \"{}\"\n[[dataset]]\nname = \"wbc\"\npath = \"odds/wbc.mat\"\n[[method]]\ndetector = \"zscore\"\n",
        repo().join("datasets").display()
    );
    std::fs::write(dir.path().join("c.toml"), config).unwrap();
    let runs = [
        oddity(dir.path(), &["run", "c.toml", "--out", "out"]),
        oddity(dir.path(), &["list"]),
        oddity(dir.path(), &["--help"]),
        oddity(dir.path(), &["run", "--help"]),
        oddity(dir.path(), &["run", "missing.toml"]),
        oddity(dir.path(), &["score", "--model", "c.toml", "x.csv"]),
    ];
    assert_eq!(runs[0].code, 0, "{}", runs[0].stderr);
    assert!(runs[0].stdout.contains("ok wbc zscore seed=0"), "{}", runs[0].stdout);
    assert!(runs[4].stderr.starts_with("error: "), "{}", runs[4].stderr);
    for run in &runs {
        assert!(!run.stdout.contains('\x1b'), "escape code in: {}", run.stdout);
        assert!(!run.stderr.contains('\x1b'), "escape code in: {}", run.stderr);
    }
}

/// On a terminal (a pseudo-terminal from util-linux's `script`) the error prefix is red,
/// and `NO_COLOR` turns that off. Skipped with a message where `script` is missing.
#[test]
fn a_terminal_gets_colour_unless_no_color() {
    let exe = env!("CARGO_BIN_EXE_oddity");
    let on_tty = |no_color: bool| -> Option<String> {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &format!("{exe} run missing.toml"), "/dev/null"]);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd.output().ok()?;
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let Some(coloured) = on_tty(false) else {
        eprintln!("SKIPPED: util-linux `script` is not installed (no pseudo-terminal)");
        return;
    };
    assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
    let plain = on_tty(true).unwrap();
    assert!(plain.contains("error: config") && !plain.contains('\x1b'), "{plain:?}");
}
