//! What the geocoding tests and benchmark share: the GeoNames data, installed on first use.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate sits two levels below the repository root")
        .to_path_buf()
}

/// Runs `scripts/setup-geodata` (idempotent, locked against concurrent runs) once per process.
pub fn geodata_dir() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let root = repo_root();
            let out = Command::new("bash")
                .arg("scripts/setup-geodata")
                .current_dir(&root)
                .stdin(Stdio::null())
                .output()
                .expect("run bash scripts/setup-geodata");
            assert!(
                out.status.success(),
                "scripts/setup-geodata failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            root.join(".cache/geodata")
        })
        .clone()
}
