//! Tidy checks of the tree, run as tests (`cargo xtask test` runs them with the rest).

use std::path::Path;

/// The first word of each line of ARCHITECTURE.md's code map (the fenced block after
/// `## Code map`): the paths it names.
fn code_map_paths(text: &str) -> Vec<String> {
    let after = text.split_once("## Code map").map_or("", |(_, rest)| rest);
    let block = after.split("```").nth(1).unwrap_or("");
    block.lines().skip(1).filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}

#[test]
fn every_path_of_the_code_map_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let paths = code_map_paths(&text);
    assert!(paths.len() > 20, "the code map names only {} paths", paths.len());
    let missing: Vec<&String> = paths.iter().filter(|p| !root.join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map names paths that do not exist: {missing:?}"
    );
}

#[test]
fn every_crate_is_in_the_code_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let paths = code_map_paths(&text);
    for entry in std::fs::read_dir(root.join("crates")).expect("crates/") {
        let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
        let prefix = format!("crates/{name}/");
        assert!(
            paths.iter().any(|p| p.starts_with(&prefix)),
            "ARCHITECTURE.md's code map does not name `{prefix}`"
        );
    }
}

#[test]
fn the_code_map_reader_takes_first_words() {
    let text = "# x\n## Code map\n\n```\na/b.rs   what it is\n  c/       more\n```\n";
    assert_eq!(code_map_paths(text), ["a/b.rs", "c/"]);
}
