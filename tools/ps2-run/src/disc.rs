//! The disc image the runner boots: `SYSTEM.CNF` + the ELF + the example's data files.
//!
//! Convention: the files under `examples/<name>/disc/` (looked up from the current directory
//! upwards, or `PS2_DISC_DIR`) are copied to the disc root, keeping subdirectories; `<name>` is
//! the ELF's file name without cargo's `-<16 hex digits>` hash suffix. The ELF goes to the root
//! as an 8.3 upper-case name (`HELLO.ELF`), which `SYSTEM.CNF` boots. The image is written next
//! to the ELF with the extension `.iso`.

use std::path::{Path, PathBuf};

use ps2_iso::DiscBuilder;

/// The program's name: the ELF file name without extension and without cargo's hash suffix
/// (`hello-0123456789abcdef` → `hello`).
pub fn program_name(elf: &Path) -> String {
    let stem = elf.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    match stem.rsplit_once('-') {
        Some((name, hash))
            if !name.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            name.to_string()
        }
        _ => stem,
    }
}

/// The ELF's name on the disc: up to 8 upper-case d-characters + `.ELF`; other characters
/// become `_` (`my-app` → `MY_APP.ELF`, `llama_chat` → `LLAMA_CH.ELF`).
pub fn disc_elf_name(program: &str) -> String {
    let mut base: String = program
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .take(8)
        .collect();
    if base.is_empty() {
        base.push_str("MAIN");
    }
    format!("{base}.ELF")
}

/// The data folder of `program`: `$PS2_DISC_DIR` if set, else the first
/// `examples/<program>/disc` found in `start` or one of its ancestors.
pub fn find_data_dir(program: &str, start: &Path, env_override: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = env_override {
        return Some(dir);
    }
    start
        .ancestors()
        .map(|dir| dir.join("examples").join(program).join("disc"))
        .find(|candidate| candidate.is_dir())
}

/// Builds `<elf>.iso` and returns its path.
pub fn build_image(elf: &Path, data_dir: Option<&Path>) -> Result<PathBuf, String> {
    let image = elf.with_extension("iso");
    let name = disc_elf_name(&program_name(elf));
    let mut builder = DiscBuilder::new().boot_elf(&name, elf.to_path_buf());
    if let Some(dir) = data_dir {
        builder = builder.dir_tree(dir.to_path_buf(), "");
    }
    builder
        .write_to(&image)
        .map_err(|e| format!("cannot build the disc image {}: {e}", image.display()))?;
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_the_cargo_hash_and_fit_8_3() {
        assert_eq!(program_name(Path::new("/t/examples/hello")), "hello");
        assert_eq!(program_name(Path::new("/t/deps/sif-0123456789abcdef")), "sif");
        assert_eq!(program_name(Path::new("/t/my-tool")), "my-tool");
        assert_eq!(disc_elf_name("hello"), "HELLO.ELF");
        assert_eq!(disc_elf_name("llama_chat"), "LLAMA_CH.ELF");
        assert_eq!(disc_elf_name("my-app"), "MY_APP.ELF");
    }

    #[test]
    fn data_dir_is_found_upwards_or_overridden() {
        let root = tempfile::tempdir().unwrap();
        let disc = root.path().join("examples/cdls/disc");
        std::fs::create_dir_all(&disc).unwrap();
        let deep = root.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_data_dir("cdls", &deep, None), Some(disc.clone()), "found upwards");
        assert_eq!(find_data_dir("cdls", root.path(), None), Some(disc));
        assert_eq!(find_data_dir("other", &deep, None), None);
        assert_eq!(find_data_dir("x", &deep, Some("/d".into())), Some(PathBuf::from("/d")));
    }
}
