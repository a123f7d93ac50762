//! Replace a file atomically: write a temporary file beside it, fsync, rename over the target,
//! fsync the directory. Readers see the old file or the new one, never a mix; a failure leaves
//! the old file as it was.

#[cfg(unix)]
use std::fs::File;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::VaultError;

/// The temporary file used while replacing `path`: `.<file name>.tmp` in the same directory
/// (same file system, so the rename is atomic).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vault".to_owned());
    path.with_file_name(format!(".{name}.tmp"))
}

#[cfg(unix)]
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically, readable and writable by the owner only on Unix (0600).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = temp_path(path);
    let result = write_then_rename(&tmp, path, bytes);
    if result.is_err() && tmp.is_file() {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(tmp)
        .map_err(|e| VaultError::io("create the temporary file", tmp, e))?;
    #[cfg(unix)]
    {
        // A stale temporary file keeps its old mode through `truncate`: set it explicitly.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| VaultError::io("set permissions on", tmp, e))?;
    }
    file.write_all(bytes)
        .map_err(|e| VaultError::io("write the temporary file", tmp, e))?;
    file.sync_all()
        .map_err(|e| VaultError::io("flush the temporary file", tmp, e))?;
    drop(file);
    fs::rename(tmp, path).map_err(|e| VaultError::io("replace", path, e))?;
    #[cfg(unix)]
    {
        // Make the rename itself durable.
        let dir = parent_dir(path);
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| VaultError::io("flush the directory", dir, e))?;
    }
    Ok(())
}
