//! The config path of `oddity validate` / `oddity run` on arbitrary text: TOML parsing into
//! the raw mirror, then validation and grid expansion (`Plan::new`), without reading any
//! dataset. Typed errors only, never a panic.
#![no_main]

use oddity_runner::config::Source;
use oddity_runner::{Plan, PlanOptions};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // `Source::read` refuses a file that is not UTF-8 with a typed error.
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source { path: "fuzz/config.toml".into(), text: text.to_string() };
    let result = source.parse().and_then(|raw| Plan::new(&source, raw, &PlanOptions::default()));
    if let Err(e) = result {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "multi-line error: {msg}");
    }
});
