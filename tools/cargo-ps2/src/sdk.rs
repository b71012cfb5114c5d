//! What `cargo ps2` carries inside itself: the EE target specification, the linker script and the
//! nightly the SDK is built with.
//!
//! One source of truth: in the ps2-rs repository, `tools/cargo-ps2/sdk/` holds **symlinks** to
//! `linker/mips-ps2-ee.json`, `linker/ps2-ee.ld` and `rust-toolchain.toml`, which `include_str!`
//! follows; `cargo package` stores the files they point at (checked by listing the `.crate`), so the
//! published crate carries real copies of exactly those files.

use std::io;
use std::path::{Path, PathBuf};

/// The Emotion Engine target specification (the SDK's `linker/mips-ps2-ee.json`).
pub const TARGET_JSON: &str = include_str!("../sdk/mips-ps2-ee.json");

/// The linker script for EE programs (the SDK's `linker/ps2-ee.ld`).
pub const LINKER_SCRIPT: &str = include_str!("../sdk/ps2-ee.ld");

/// The SDK's `rust-toolchain.toml`, for the pinned nightly.
const SDK_TOOLCHAIN_FILE: &str = include_str!("../sdk/toolchain.toml");

/// The target's name: the JSON file's stem, which cargo uses for `target/<name>/` and
/// `[target.<name>]` configuration.
pub const TARGET_NAME: &str = "mips-ps2-ee";

/// File name of the target specification written by [`materialise`].
pub const TARGET_FILE: &str = "mips-ps2-ee.json";

/// File name of the linker script written by [`materialise`].
pub const LINKER_SCRIPT_FILE: &str = "ps2-ee.ld";

/// The version requirement of the SDK crates that new projects depend on: this tool's
/// `major.minor` (the SDK and its tools are released together).
pub fn sdk_version() -> String {
    format!("{}.{}", env!("CARGO_PKG_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MINOR"))
}

/// The nightly the SDK is built and tested on (the `channel` of its `rust-toolchain.toml`),
/// e.g. `nightly-2026-10-30`.
pub fn toolchain_channel() -> &'static str {
    channel_of(SDK_TOOLCHAIN_FILE).expect("the SDK's rust-toolchain.toml names a channel")
}

/// The `channel = "…"` value of a `rust-toolchain.toml`.
fn channel_of(toolchain_file: &str) -> Option<&str> {
    toolchain_file.lines().find_map(|line| {
        let value = line.trim().strip_prefix("channel")?.trim_start().strip_prefix('=')?.trim();
        value.strip_prefix('"')?.strip_suffix('"')
    })
}

/// The files [`materialise`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Materialised {
    /// The target specification, for `--target`.
    pub target_json: PathBuf,
    /// The linker script, for `-C link-arg=-T…`.
    pub linker_script: PathBuf,
}

/// Writes the target specification and the linker script into `<target_dir>/ps2/` (only where the
/// content differs, so that builds stay fresh).
pub fn materialise(target_dir: &Path) -> io::Result<Materialised> {
    let dir = target_dir.join("ps2");
    std::fs::create_dir_all(&dir)?;
    let target_json = dir.join(TARGET_FILE);
    let linker_script = dir.join(LINKER_SCRIPT_FILE);
    write_if_changed(&target_json, TARGET_JSON)?;
    write_if_changed(&linker_script, LINKER_SCRIPT)?;
    Ok(Materialised { target_json, linker_script })
}

fn write_if_changed(path: &Path, contents: &str) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_the_sdks() {
        assert!(TARGET_JSON.contains("\"llvm-target\": \"mipsel-none-elf\""), "{TARGET_JSON}");
        assert!(TARGET_JSON.contains("r5900"));
        assert!(LINKER_SCRIPT.contains("ENTRY(__start)"));
        // Inside the repository the files are the workspace's own (symlinks); compare when they are there.
        let linker = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../linker");
        if let Ok(json) = std::fs::read_to_string(linker.join(TARGET_FILE)) {
            assert_eq!(json, TARGET_JSON);
            assert_eq!(std::fs::read_to_string(linker.join(LINKER_SCRIPT_FILE)).unwrap(), LINKER_SCRIPT);
        }
    }

    #[test]
    fn the_pinned_nightly_is_read_from_the_toolchain_file() {
        assert!(toolchain_channel().starts_with("nightly"), "{}", toolchain_channel());
        assert_eq!(channel_of("[toolchain]\nchannel = \"nightly-2026-10-30\"\n"), Some("nightly-2026-10-30"));
        assert_eq!(channel_of("# channel = x\n[toolchain]\n  channel=\"nightly\"\n"), Some("nightly"));
        assert_eq!(channel_of("[toolchain]\ncomponents = []\n"), None);
        assert_eq!(sdk_version(), "0.1");
    }

    #[test]
    fn materialise_writes_both_files_and_keeps_unchanged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let files = materialise(dir.path()).unwrap();
        assert_eq!(files.target_json, dir.path().join("ps2/mips-ps2-ee.json"));
        assert_eq!(std::fs::read_to_string(&files.target_json).unwrap(), TARGET_JSON);
        assert_eq!(std::fs::read_to_string(&files.linker_script).unwrap(), LINKER_SCRIPT);
        let before = std::fs::metadata(&files.target_json).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        materialise(dir.path()).unwrap();
        assert_eq!(std::fs::metadata(&files.target_json).unwrap().modified().unwrap(), before, "not rewritten");
        std::fs::write(&files.linker_script, "stale").unwrap();
        materialise(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&files.linker_script).unwrap(), LINKER_SCRIPT, "a stale copy is replaced");
    }
}
