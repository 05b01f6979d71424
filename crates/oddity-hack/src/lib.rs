//! Feature-unifying "workspace hack" crate, in the style of `cargo hakari`: it has no code,
//! only dependencies. Every oddity crate depends on it, so every build of the workspace —
//! `cargo run`, `cargo test`, a single `-p` crate — resolves each third-party crate with the
//! same features and reuses one compiled copy of it.
