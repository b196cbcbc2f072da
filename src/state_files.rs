//! Files kdeck keeps about the user (kdeck.log, audit.log): owner-only. The log can name
//! contexts, servers and objects; the audit log names every action taken. Files are created
//! 0600 and an existing looser one is tightened; kdeck's own state dir is 0700.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;

/// Create `dir` (and missing parents) 0700. An existing dir is tightened only when it is
/// kdeck's own state dir: `--log-file /tmp/x.log` must not chmod /tmp.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    let own = crate::config::paths::state_dir().is_some_and(|state| state == dir);
    create_dir(dir, own)
}

fn create_dir(dir: &Path, tighten_existing: bool) -> io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir)?;
    if tighten_existing {
        tighten(dir, DIR_MODE)?;
    }
    Ok(())
}

/// Open `path` for appending, creating it 0600 (and its dir, see `ensure_dir`); an existing
/// file readable by others is tightened to 0600.
pub fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    let file = options.open(path)?;
    tighten_file(&file)?;
    Ok(file)
}

#[cfg(unix)]
fn tighten_file(file: &File) -> io::Result<()> {
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(())
}

#[cfg(unix)]
fn tighten(path: &Path, wanted: u32) -> io::Result<()> {
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_file(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;

    /// A fresh dir per test (no tempfile crate in this project).
    struct TempDir(std::path::PathBuf);
    impl TempDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn tempdir(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("kdeck-state-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_dirs_are_owner_only() {
        let tmp = tempdir("new");
        let path = tmp.path().join("state/kdeck/audit.log");
        let mut f = open_append(&path).unwrap();
        writeln!(f, "x").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("state/kdeck")), 0o700);
        assert_eq!(mode(&tmp.path().join("state")), 0o700);
    }

    #[test]
    fn an_existing_world_readable_file_is_tightened_and_kept() {
        let tmp = tempdir("tighten");
        let path = tmp.path().join("kdeck.log");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut f = open_append(&path).unwrap();
        writeln!(f, "new").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\nnew\n");
    }

    #[test]
    fn kdecks_own_existing_dir_is_tightened() {
        let tmp = tempdir("own");
        let dir = tmp.path().join("kdeck");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&dir, true).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_foreign_existing_dir_is_left_alone() {
        let tmp = tempdir("foreign");
        let dir = tmp.path().join("shared");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        open_append(&dir.join("my.log")).unwrap();
        assert_eq!(mode(&dir), 0o755);
        assert_eq!(mode(&dir.join("my.log")), 0o600);
    }
}
