//! The SMD-style text readers (`read_table` on `.txt`, `read_matrix`, `read_labels`) on
//! arbitrary bytes: typed errors only, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oddity_fuzz::read_text(data));
