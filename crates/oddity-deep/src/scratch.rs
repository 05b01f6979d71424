//! Recycled host buffers for the fused kernels.
//!
//! An LSTM layer's tape and gradients are megabytes per chunk of rows, allocated and
//! dropped at every batch. A fresh `vec![0.0; n]` writes every value once before the kernel
//! overwrites it (about 7 % of an epoch). Buffers that a kernel fills completely before
//! reading are instead taken from this pool, with whatever values they last held, and given
//! back when the kernel is done with them.

use std::sync::Mutex;

/// Buffers kept at most, and their total size (values) at most.
const MAX_BUFFERS: usize = 64;
const MAX_VALUES: usize = 128 << 20;

static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// A buffer of `len` values whose contents are unspecified (stale values of an earlier use,
/// zeros where it grew): the caller must write every value before reading it.
pub(crate) fn take(len: usize) -> Vec<f32> {
    let found = {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        // The smallest buffer that holds `len` values without growing, else the largest.
        let fits = pool
            .iter()
            .enumerate()
            .filter(|(_, v)| v.len() >= len)
            .min_by_key(|(_, v)| v.len())
            .or_else(|| pool.iter().enumerate().max_by_key(|(_, v)| v.len()))
            .map(|(i, _)| i);
        fits.map(|i| pool.swap_remove(i))
    };
    let mut buf = found.unwrap_or_default();
    buf.resize(len, 0.0);
    buf
}

/// Gives `buf` back for a later [`take`] (dropped when the pool is full).
pub(crate) fn give(mut buf: Vec<f32>) {
    if buf.capacity() == 0 {
        return;
    }
    // Keep the full capacity usable without writing to it again later.
    let cap = buf.capacity();
    buf.resize(cap, 0.0);
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let held: usize = pool.iter().map(Vec::len).sum();
    if pool.len() < MAX_BUFFERS && held + buf.len() <= MAX_VALUES {
        pool.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_with_the_asked_length() {
        let mut a = take(1000);
        assert_eq!(a.len(), 1000);
        a.fill(3.0);
        give(a);
        let b = take(10);
        assert_eq!(b.len(), 10);
        let c = take(5000);
        assert_eq!(c.len(), 5000);
        give(b);
        give(c);
        assert_eq!(take(0).len(), 0);
    }
}
