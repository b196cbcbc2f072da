//! Test directories that clean up after themselves (`tempfile`): removed when the test's
//! handle drops, even when the test fails, and never shared between tests or runs.

use std::path::{Path, PathBuf};

/// A fresh directory named after what it is for, removed on drop. Reads as a `Path`.
pub struct TestDir {
    _guard: tempfile::TempDir,
    path: PathBuf,
}

/// A new directory under the system's temp dir, `kdeck-{what}-XXXXXX`.
pub fn dir(what: &str) -> TestDir {
    let guard = tempfile::Builder::new().prefix(&format!("kdeck-{what}-")).tempdir().expect("a temp dir");
    let path = guard.path().to_path_buf();
    TestDir { _guard: guard, path }
}

impl std::ops::Deref for TestDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TestDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}
