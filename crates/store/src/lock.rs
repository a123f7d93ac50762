//! The single-engine lock: an exclusive OS file lock on `<database>.lock`, released by the OS
//! when the process ends (even by a crash), so a stale lock never blocks a restart.

use crate::{StoreError, StoreResult};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(crate) struct EngineLock {
    _file: File,
}

impl EngineLock {
    pub(crate) fn acquire(db_path: &Path) -> StoreResult<EngineLock> {
        let mut lock_path = PathBuf::from(db_path);
        lock_path.as_mut_os_string().push(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::Io {
                path: lock_path.clone(),
                source: e,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(EngineLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::AlreadyOpen {
                path: db_path.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(StoreError::Io {
                path: lock_path,
                source: e,
            }),
        }
    }
}
