//! The disc image the runner boots: `SYSTEM.CNF` + the ELF + the program's data files.
//!
//! Convention ([`data_dir_for`]): the files of the program's data folder are copied to the disc
//! root, keeping subdirectories. The folder is `PS2_DISC_DIR` when set; for an example,
//! `examples/<name>/disc/` (looked up from the current directory upwards); for a package's
//! binaries and tests, the package's own `disc/` folder (next to its `Cargo.toml`), else the
//! example convention. `<name>` is the ELF's file name without cargo's `-<16 hex digits>` hash
//! suffix. The ELF goes to the root as an 8.3 upper-case name (`HELLO.ELF`), which `SYSTEM.CNF`
//! boots. The runner writes the image next to the ELF with the extension `.iso`.

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

/// Whether cargo built `elf` as an example: it lies in a folder named `examples`
/// (`target/<triple>/<profile>/examples/<name>`).
pub fn is_example(elf: &Path) -> bool {
    elf.parent().and_then(Path::file_name).is_some_and(|dir| dir == "examples")
}

/// The data folder of the program `elf`, as the runner looks it up:
///
/// 1. `env_override` (`$PS2_DISC_DIR`) if set;
/// 2. for an example ([`is_example`]): [`find_data_dir`] (`examples/<name>/disc` from `start` upwards);
/// 3. for anything else (a package's binary or test): the package's `disc/` folder,
///    `<manifest_dir>/disc`, if it exists (`manifest_dir` is cargo's `CARGO_MANIFEST_DIR`);
/// 4. otherwise [`find_data_dir`] as for an example.
pub fn data_dir_for(
    elf: &Path,
    start: &Path,
    manifest_dir: Option<&Path>,
    env_override: Option<PathBuf>,
) -> Option<PathBuf> {
    if env_override.is_some() {
        return env_override;
    }
    let program = program_name(elf);
    if !is_example(elf)
        && let Some(package_disc) = manifest_dir.map(|dir| dir.join("disc")).filter(|dir| dir.is_dir())
    {
        return Some(package_disc);
    }
    find_data_dir(&program, start, None)
}

/// Builds `<elf>.iso` and returns its path.
pub fn build_image(elf: &Path, data_dir: Option<&Path>) -> Result<PathBuf, String> {
    let image = elf.with_extension("iso");
    build_image_at(elf, data_dir, &image)?;
    Ok(image)
}

/// Builds the disc image of `elf` (booting it as [`disc_elf_name`], with the files of `data_dir`)
/// at `image`.
pub fn build_image_at(elf: &Path, data_dir: Option<&Path>, image: &Path) -> Result<(), String> {
    let name = disc_elf_name(&program_name(elf));
    let mut builder = DiscBuilder::new().boot_elf(&name, elf.to_path_buf());
    if let Some(dir) = data_dir {
        builder = builder.dir_tree(dir.to_path_buf(), "");
    }
    builder
        .write_to(image)
        .map_err(|e| format!("cannot build the disc image {}: {e}", image.display()))?;
    Ok(())
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

    #[test]
    fn binaries_and_tests_use_the_package_disc_folder_examples_their_own() {
        let root = tempfile::tempdir().unwrap();
        let package = root.path().join("demo");
        let package_disc = package.join("disc");
        let example_disc = package.join("examples/tour/disc");
        std::fs::create_dir_all(&package_disc).unwrap();
        std::fs::create_dir_all(&example_disc).unwrap();
        let out = package.join("target/mips-ps2-ee/release");
        let (bin, test, example) = (out.join("demo"), out.join("deps/smoke-0123456789abcdef"), out.join("examples/tour"));
        assert!(is_example(&example) && !is_example(&bin) && !is_example(&test));
        let lookup = |elf: &Path, manifest: Option<&Path>| data_dir_for(elf, &package, manifest, None);
        assert_eq!(lookup(&bin, Some(&package)), Some(package_disc.clone()), "the package's disc/");
        assert_eq!(lookup(&test, Some(&package)), Some(package_disc.clone()), "tests see the same disc");
        assert_eq!(lookup(&example, Some(&package)), Some(example_disc.clone()), "examples keep theirs");
        // Without the package's folder (or without cargo's CARGO_MANIFEST_DIR) the example convention applies.
        assert_eq!(lookup(&bin, None), None);
        assert_eq!(lookup(&out.join("tour"), None), Some(example_disc));
        std::fs::remove_dir(&package_disc).unwrap();
        assert_eq!(lookup(&bin, Some(&package)), None);
        assert_eq!(data_dir_for(&bin, &package, Some(&package), Some("/d".into())), Some(PathBuf::from("/d")));
    }
}
