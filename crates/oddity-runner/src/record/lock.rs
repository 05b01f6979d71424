//! The output folder's lock: an exclusive advisory lock on `OUTPUT/.lock`, held for the whole
//! of a run, so that two runs into one folder cannot interleave their journal lines.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::RunError;

/// The lock file's name inside the output folder.
pub const LOCK_FILE: &str = ".lock";

/// Locks this process holds, by lock file: taking the lock of a folder this process already
/// holds shares it (the operating system's lock belongs to one open file, so a second open
/// would refuse the process itself).
static HELD: Mutex<Option<HashMap<PathBuf, Weak<File>>>> = Mutex::new(None);

/// An exclusive lock on an output folder, released when the last clone is dropped (or the
/// process ends, however it ends).
#[derive(Debug, Clone)]
pub struct OutputLock {
    _file: Arc<File>,
    path: PathBuf,
}

impl OutputLock {
    /// Creates `dir` if needed and takes its lock. Another process holding it is an
    /// [`RunError::Output`] naming the folder; within this process the lock is shared.
    pub fn acquire(dir: &Path) -> Result<Self, RunError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| RunError::output(dir, format!("cannot create folder: {e}")))?;
        let path = dir.join(LOCK_FILE);
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()).join(LOCK_FILE);
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        let held = held.get_or_insert_with(HashMap::new);
        if let Some(file) = held.get(&key).and_then(Weak::upgrade) {
            return Ok(Self { _file: file, path });
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| RunError::output(&path, format!("cannot open the lock file: {e}")))?;
        match try_lock(&file) {
            Ok(true) => {}
            Ok(false) => {
                return Err(RunError::output(
                    dir,
                    "another oddity process is writing into this folder; wait for it to end or choose another --out",
                ))
            }
            Err(e) => return Err(RunError::output(&path, format!("cannot lock the folder: {e}"))),
        }
        let file = Arc::new(file);
        held.retain(|_, w| w.strong_count() > 0);
        held.insert(key, Arc::downgrade(&file));
        Ok(Self { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the exclusive lock of `file` without waiting (`flock` on Unix, `LockFileEx` on
/// Windows): `Ok(false)` when another open file holds it.
fn try_lock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_locked_by_this_process_can_be_locked_again_by_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = OutputLock::acquire(dir.path()).unwrap();
        let b = OutputLock::acquire(dir.path()).unwrap();
        drop(a);
        drop(b);
        // Released: a fresh open file takes it.
        let f = File::open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(try_lock(&f).unwrap());
    }

    #[test]
    fn a_folder_locked_elsewhere_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "").unwrap();
        // Another open file of the lock stands for another process.
        let other = File::open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(try_lock(&other).unwrap());
        let err = OutputLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains("another oddity process"), "{err}");
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
    }
}
