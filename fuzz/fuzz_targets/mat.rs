//! `read_table` on arbitrary bytes as a `.mat` file: typed errors only, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oddity_fuzz::read_as("mat", data));
