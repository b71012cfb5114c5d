//! `cargo ps2 new NAME [--sdk-path DIR]`: a new PS2 project.
//!
//! The project ([`project_files`]) is its own workspace, so it builds wherever it lives:
//!
//! ```text
//! NAME/
//!   Cargo.toml            the SDK crates by version (crates.io), or by path with --sdk-path
//!   rust-toolchain.toml   the nightly the SDK is built with, with rust-src
//!   src/main.rs           reads disc/HELLO.TXT through ps2-cdvd, prints it on the GS console and serial
//!   tests/ee_smoke.rs     EE tests (ps2-sys's harness), run in the simulator by `cargo ps2 test`
//!   disc/HELLO.TXT        a data file: disc/ is copied to the root of the disc image
//!   .gitignore
//!   README.md
//! ```

use std::path::{Path, PathBuf};

use crate::sdk;

/// The SDK crates a new project depends on.
pub const SDK_CRATES: &[&str] = &["ps2-sys", "ps2-alloc", "ps2-cdvd", "ps2-gs-text"];

/// The data file the new program reads from its disc.
pub const DISC_FILE: &str = "HELLO.TXT";

/// The options of `cargo ps2 new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOptions {
    /// The directory to create; its last component is the crate's name.
    pub path: PathBuf,
    /// The ps2-rs SDK workspace to depend on by path (else crates.io).
    pub sdk_path: Option<PathBuf>,
}

impl NewOptions {
    /// The crate's name: the directory's last component.
    pub fn name(&self) -> Option<String> {
        self.path.file_name().map(|name| name.to_string_lossy().into_owned())
    }
}

/// Where the SDK crates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkSource {
    /// crates.io, with this version requirement (`0.1`).
    Registry(String),
    /// The SDK workspace at this (absolute) path.
    Path(PathBuf),
}

/// Checks that `name` can be the project's package and binary name.
pub fn validate_name(name: &str) -> Result<(), String> {
    const KEYWORDS: &[&str] = &[
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match",
        "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
        "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    const RESERVED: &[&str] = &["core", "alloc", "std", "test", "proc_macro", "proc-macro", "compiler_builtins", "embedded-io"];
    let bad = |why: &str| Err(format!("`{name}` cannot be the project's name: {why}"));
    let Some(first) = name.chars().next() else {
        return bad("it is empty");
    };
    if name.len() > 64 {
        return bad("it is longer than 64 characters");
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return bad(&format!("crate names use only ASCII letters, digits, `-` and `_`, not {c:?}"));
    }
    if !first.is_ascii_alphabetic() {
        return bad("crate names start with a letter");
    }
    if KEYWORDS.contains(&name) {
        return bad("it is a Rust keyword");
    }
    if RESERVED.contains(&name) || SDK_CRATES.contains(&name) || name.replace('_', "-") == "ps2-sys" {
        return bad("a crate of that name is part of the build already");
    }
    Ok(())
}

/// Creates the project described by `options`; returns its directory.
pub fn create(options: &NewOptions) -> Result<PathBuf, String> {
    let name = options.name().ok_or_else(|| format!("`{}` does not end in a name", options.path.display()))?;
    validate_name(&name)?;
    if options.path.exists() {
        return Err(format!(
            "`{}` already exists: cargo ps2 new creates a new directory and never overwrites one",
            options.path.display()
        ));
    }
    let sdk = match &options.sdk_path {
        None => SdkSource::Registry(sdk::sdk_version()),
        Some(dir) => SdkSource::Path(check_sdk_path(dir)?),
    };
    for (relative, contents) in project_files(&name, &sdk) {
        let path = options.path.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(options.path.clone())
}

/// `--sdk-path DIR` must be the ps2-rs workspace root, which holds the SDK crates; returns it absolute.
fn check_sdk_path(dir: &Path) -> Result<PathBuf, String> {
    let absolute = dir
        .canonicalize()
        .map_err(|e| format!("--sdk-path {}: {e} (it should be the ps2-rs SDK workspace root)", dir.display()))?;
    if let Some(missing) = SDK_CRATES.iter().find(|krate| !absolute.join(krate).join("Cargo.toml").is_file()) {
        return Err(format!(
            "--sdk-path {}: no {missing}/Cargo.toml there; it should be the ps2-rs SDK workspace root (the directory \
             holding ps2-sys/, ps2-cdvd/, ...)",
            dir.display()
        ));
    }
    Ok(absolute)
}

/// The files of a new project `name`, relative to its directory, with their contents.
pub fn project_files(name: &str, sdk: &SdkSource) -> Vec<(PathBuf, String)> {
    let files = [
        ("Cargo.toml", manifest(name, sdk)),
        ("rust-toolchain.toml", toolchain_file()),
        ("src/main.rs", MAIN_RS.replace("{name}", name)),
        ("tests/ee_smoke.rs", SMOKE_TEST_RS.to_string()),
        ("disc/HELLO.TXT", disc_text(name)),
        (".gitignore", "/target\n".to_string()),
        ("README.md", README_MD.replace("{name}", name)),
    ];
    files.into_iter().map(|(path, contents)| (PathBuf::from(path), contents)).collect()
}

/// The text of `disc/HELLO.TXT`, which the program prints.
pub fn disc_text(name: &str) -> String {
    format!(
        "Hello from the disc! This text was read from {name}'s disc/{DISC_FILE} by ps2-cdvd:\n\
         the Emotion Engine asked the IOP for its sectors, and the ISO9660 reader found it by name.\n"
    )
}

/// The project's `Cargo.toml`.
pub fn manifest(name: &str, sdk: &SdkSource) -> String {
    let dependency = |krate: &str| match sdk {
        SdkSource::Registry(version) => format!("{krate} = {}\n", crate::cargo::toml_string(version)),
        SdkSource::Path(root) => {
            format!("{krate} = {{ path = {} }}\n", crate::cargo::toml_string(&root.join(krate).to_string_lossy()))
        }
    };
    let source = match sdk {
        SdkSource::Registry(_) => "from crates.io".to_string(),
        SdkSource::Path(root) => format!("from the SDK workspace at {}", root.display()),
    };
    let mut text = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A PlayStation 2 program: `cargo ps2 build` / `run` / `test` / `iso` build it for the Emotion Engine.
[[bin]]
name = "{name}"
path = "src/main.rs"
test = false # no_std programs have no libtest; the EE tests are in tests/ (harness = false)
bench = false

[[test]]
name = "ee_smoke"
harness = false

[dependencies]
# The ps2-rs SDK ({source}).
"#
    );
    for krate in SDK_CRATES {
        text.push_str(&dependency(krate));
    }
    text.push_str(
        r#"embedded-io = "0.6"

[profile.dev]
opt-level = 1 # unoptimised EE code is large and slow

[profile.release]
codegen-units = 1
lto = "fat"

# Its own workspace: the project builds wherever it lives.
[workspace]
"#,
    );
    text
}

/// The project's `rust-toolchain.toml`: the SDK's nightly, with `rust-src` for `-Zbuild-std`.
pub fn toolchain_file() -> String {
    format!(
        "# The nightly the ps2-rs SDK is built and tested on. Building for the Emotion Engine needs nightly\n\
         # (-Zbuild-std, a JSON target specification) and the rust-src component; rustup installs both on the\n\
         # first cargo command (where RUSTUP_AUTO_INSTALL=0, run `rustup toolchain install` here once).\n\
         [toolchain]\n\
         channel = \"{}\"\n\
         components = [\"rust-src\"]\n\
         profile = \"minimal\"\n",
        sdk::toolchain_channel()
    )
}

const MAIN_RS: &str = r#"//! {name}: a PlayStation 2 program built with the ps2-rs SDK.
//!
//! `cargo ps2 run` builds it for the Emotion Engine, packs it and the files of `disc/` into a bootable disc
//! image and runs that in PCSX2 (when installed) or the built-in simulator. The program reads `HELLO.TXT` from
//! the disc through ps2-cdvd and prints it on the screen (the GS text console) and the serial port.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use embedded_io::Read;
use ps2_alloc as _; // the global allocator
use ps2_cdvd::{Disc, DiscError};
use ps2_gs_text::{VideoMode, gs_println};

ps2_sys::entry!(main);

/// Shows a line on the screen and on the serial port (the runner prints the serial port).
fn show(line: &str) {
    ps2_sys::println!("{line}");
    gs_println!("{line}");
}

fn main() -> Result<(), DiscError> {
    ps2_gs_text::init(VideoMode::NtscInterlaced);
    ps2_gs_text::install_panic_hook(); // a panic is shown on the screen too
    show("{name}: hello from the PlayStation 2's Emotion Engine!");

    let mut disc = Disc::open()?;
    let mut file = disc.open_file("HELLO.TXT")?;
    let mut text = Vec::new();
    let mut chunk = [0u8; 256];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
    }
    show("HELLO.TXT on the disc says:");
    for line in core::str::from_utf8(&text).unwrap_or("(not UTF-8)").lines() {
        show(line);
    }
    Ok(())
}
"#;

const SMOKE_TEST_RS: &str = r#"//! EE tests: `cargo ps2 test` builds them for the Emotion Engine and runs them in the simulator, with the
//! project's disc/ folder on the disc. Each test is a function that panics on failure.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

use ps2_alloc as _;

ps2_sys::test_main!(the_heap_works, the_disc_holds_hello_txt);

fn the_heap_works() {
    let numbers: Vec<u32> = (1..=100).collect();
    assert_eq!(numbers.iter().sum::<u32>(), 5050);
}

fn the_disc_holds_hello_txt() {
    let mut disc = ps2_cdvd::Disc::open().expect("a disc in the drive");
    let entry = disc.find("HELLO.TXT").expect("disc/HELLO.TXT is on the disc");
    assert!(entry.size > 0);
}
"#;

const README_MD: &str = r#"# {name}

A PlayStation 2 program written in Rust with the [ps2-rs](https://github.com/ps2-rs/ps2-rs) SDK.

```sh
cargo ps2 run --release   # build, pack disc/ into a disc image, run it (PCSX2 if installed, else the simulator)
cargo ps2 build           # just build: target/mips-ps2-ee/debug/{name}
cargo ps2 test            # the EE tests in tests/, in the simulator
cargo ps2 iso --release   # a bootable disc image to burn or load: target/mips-ps2-ee/release/{name}.iso
```

- `src/main.rs` is the program; `disc/` holds the files that go on the disc (ISO9660 names: upper case, 8.3).
- `rust-toolchain.toml` pins the nightly the SDK is built with; rustup installs it on the first build.
- `cargo ps2` (`cargo install cargo-ps2`) carries the target specification and the linker script (written to
  `target/ps2/`) and runs the programs: set `PS2_RUNNER=sim` or `PS2_RUNNER=pcsx2` to choose, `PCSX2=<path>` to
  name PCSX2 (it needs a BIOS dumped from your console), `PS2_SIM_ARGS="--screenshot shot.png"` for simulator
  options.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(files: &'a [(PathBuf, String)], name: &str) -> &'a str {
        &files.iter().find(|(path, _)| path == Path::new(name)).unwrap_or_else(|| panic!("{name} is written")).1
    }

    #[test]
    fn names_are_checked_like_crate_names() {
        for good in ["demo", "my-game", "pong_2", "a"] {
            assert_eq!(validate_name(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("2fast", "start with a letter"),
            ("-x", "start with a letter"),
            ("my game", "' '"),
            ("café", "'é'"),
            ("fn", "keyword"),
            ("core", "part of the build"),
            ("ps2-cdvd", "part of the build"),
            ("ps2_sys", "part of the build"),
        ] {
            let message = validate_name(bad).unwrap_err();
            assert!(message.contains(why), "{bad}: {message}");
        }
        assert!(validate_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn the_manifest_depends_on_the_sdk_by_version() {
        let files = project_files("demo", &SdkSource::Registry("0.1".into()));
        let manifest = file(&files, "Cargo.toml");
        for krate in SDK_CRATES {
            assert!(manifest.contains(&format!("\n{krate} = \"0.1\"\n")), "{krate} in\n{manifest}");
        }
        assert!(!manifest.contains("path = \"/"), "{manifest}");
        assert!(manifest.contains("name = \"demo\""));
        assert!(manifest.contains("\n[workspace]\n"), "a workspace of its own");
        assert!(manifest.contains("test = false"), "no libtest for the no_std binary");
    }

    #[test]
    fn the_manifest_depends_on_the_sdk_by_path_with_sdk_path() {
        let files = project_files("demo", &SdkSource::Path("/src/ps2 \"rs\"".into()));
        let manifest = file(&files, "Cargo.toml");
        assert!(manifest.contains("\nps2-sys = { path = \"/src/ps2 \\\"rs\\\"/ps2-sys\" }\n"), "{manifest}");
        assert!(manifest.contains("\nps2-gs-text = { path = \"/src/ps2 \\\"rs\\\"/ps2-gs-text\" }\n"), "{manifest}");
        assert!(!manifest.contains("\"0.1\""), "{manifest}");
    }

    #[test]
    fn the_project_pins_the_sdks_nightly_and_reads_its_disc_file() {
        let files = project_files("demo", &SdkSource::Registry("0.1".into()));
        let toolchain = file(&files, "rust-toolchain.toml");
        assert!(toolchain.contains(&format!("channel = \"{}\"", sdk::toolchain_channel())), "{toolchain}");
        assert!(toolchain.contains("rust-src"));
        let main = file(&files, "src/main.rs");
        assert!(main.contains(&format!("open_file(\"{DISC_FILE}\")")) && main.contains("gs_println!"));
        assert!(main.contains("demo: hello") && !main.contains("{name}"), "name substituted");
        assert!(file(&files, "disc/HELLO.TXT").contains("demo's disc/HELLO.TXT"));
        assert_eq!(file(&files, ".gitignore"), "/target\n");
        assert!(file(&files, "README.md").contains("cargo ps2 run"));
        assert!(file(&files, "tests/ee_smoke.rs").contains("test_main!"));
        // The names on the disc must be ones the PS2's ROM can open (ISO9660 level 1: upper case, 8.3).
        let (stem, extension) = DISC_FILE.split_once('.').unwrap();
        assert!(stem.len() <= 8 && extension.len() <= 3 && DISC_FILE == DISC_FILE.to_ascii_uppercase());
    }

    #[test]
    fn create_writes_the_project_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo");
        let options = NewOptions { path: path.clone(), sdk_path: None };
        assert_eq!(create(&options), Ok(path.clone()));
        assert!(path.join("disc/HELLO.TXT").is_file() && path.join("src/main.rs").is_file());
        let again = create(&options).unwrap_err();
        assert!(again.contains("already exists"), "{again}");
        let bad = create(&NewOptions { path: dir.path().join("9lives"), sdk_path: None }).unwrap_err();
        assert!(bad.contains("start with a letter"), "{bad}");
        assert!(!dir.path().join("9lives").exists());
    }

    #[test]
    fn sdk_path_must_hold_the_sdk_crates() {
        let dir = tempfile::tempdir().unwrap();
        let not_sdk = create(&NewOptions { path: dir.path().join("a"), sdk_path: Some(dir.path().into()) });
        assert!(not_sdk.unwrap_err().contains("ps2-sys/Cargo.toml"));
        let missing = create(&NewOptions { path: dir.path().join("b"), sdk_path: Some(dir.path().join("nope")) });
        assert!(missing.unwrap_err().contains("--sdk-path"));
        for krate in SDK_CRATES {
            std::fs::create_dir_all(dir.path().join(krate)).unwrap();
            std::fs::write(dir.path().join(krate).join("Cargo.toml"), "").unwrap();
        }
        let path = dir.path().join("c");
        create(&NewOptions { path: path.clone(), sdk_path: Some(dir.path().join("./ps2-sys/..")) }).unwrap();
        let manifest = std::fs::read_to_string(path.join("Cargo.toml")).unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert!(manifest.contains(&format!("ps2-sys = {{ path = \"{}/ps2-sys\" }}", root.display())), "{manifest}");
    }
}
