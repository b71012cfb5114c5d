//! Disc path rules.
//!
//! The PS2 ROM opens files through `sceCdSearchFile`, which compares names byte for byte against
//! the ISO9660 level-1 identifiers on the disc (see `ps2-iop.md` §6.4). To keep every file
//! openable from `cdrom0:` the builder accepts only names it can write as such identifiers:
//!
//! * a disc path is a list of components separated by `/` or `\`; a leading separator is
//!   optional;
//! * letters are converted to upper case; the characters allowed are `A`–`Z`, `0`–`9` and `_`
//!   (ISO9660 d-characters); anything else (`-`, spaces, non-ASCII, ...) is rejected;
//! * a file name is 1–8 characters, optionally followed by `.` and a 1–3 character extension;
//!   a `;1` version suffix may be given and is always written;
//! * a directory name is 1–8 characters without a dot;
//! * at most 7 directories deep (ISO9660 and the ROM allow 8 levels, the root being the first).

use std::fmt;

/// Maximum directory nesting below the root.
pub const MAX_DIRECTORY_DEPTH: usize = 7;

/// A disc path that breaks the naming rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// The path as given.
    pub path: String,
    /// Which rule it breaks.
    pub reason: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "disc path {:?} cannot be opened by the PS2 ROM: {}", self.path, self.reason)
    }
}

impl std::error::Error for NameError {}

/// A checked disc path: upper-case directory names and the file name without `;1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiscPath {
    pub directories: Vec<String>,
    pub file_name: String,
}

impl DiscPath {
    /// The path as the ROM expects it: `\DIR\NAME.EXT;1`.
    pub fn rom_path(&self) -> String {
        let mut path = String::new();
        for directory in &self.directories {
            path.push('\\');
            path.push_str(directory);
        }
        path.push('\\');
        path.push_str(&self.file_name);
        path.push_str(";1");
        path
    }
}

/// Checks and normalises a disc path naming a file.
pub(crate) fn parse_file_path(path: &str) -> Result<DiscPath, NameError> {
    let error = |reason: String| NameError { path: path.to_string(), reason };
    let mut components: Vec<&str> = path.split(['/', '\\']).collect();
    if components.first() == Some(&"") {
        components.remove(0);
    }
    let Some(file_component) = components.pop() else {
        return Err(error("the path is empty".into()));
    };
    if components.len() > MAX_DIRECTORY_DEPTH {
        return Err(error(format!("more than {MAX_DIRECTORY_DEPTH} directory levels")));
    }
    let directories = components
        .iter()
        .map(|component| directory_name(component).map_err(error))
        .collect::<Result<Vec<_>, _>>()?;
    let file_name = file_name(file_component).map_err(error)?;
    Ok(DiscPath { directories, file_name })
}

/// Checks a directory component; returns it upper-cased.
fn directory_name(component: &str) -> Result<String, String> {
    if component.is_empty() {
        return Err("empty path component (doubled separator?)".into());
    }
    if component.contains('.') {
        return Err(format!("directory name {component:?} contains a dot"));
    }
    checked_part(component, 8, "directory name")
}

/// Checks a file component; returns `BASE.EXT` or `BASE` upper-cased, without a version.
fn file_name(component: &str) -> Result<String, String> {
    let name = component.strip_suffix(";1").unwrap_or(component);
    if name.is_empty() {
        return Err("the path ends with a separator instead of a file name".into());
    }
    if name.contains(';') {
        return Err(format!("file name {component:?} has a version other than ;1"));
    }
    match name.split_once('.') {
        None => checked_part(name, 8, "file name"),
        Some((base, extension)) => {
            if extension.contains('.') {
                return Err(format!("file name {component:?} has more than one dot"));
            }
            let base = checked_part(base, 8, "file name")?;
            let extension = checked_part(extension, 3, "file extension")?;
            Ok(format!("{base}.{extension}"))
        }
    }
}

/// Checks length and characters of one name part; returns it upper-cased.
fn checked_part(part: &str, max_len: usize, what: &str) -> Result<String, String> {
    if part.is_empty() {
        return Err(format!("empty {what}"));
    }
    if let Some(bad) = part.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(format!("{what} {part:?} contains {bad:?}; only A-Z, 0-9 and _ are allowed"));
    }
    if part.len() > max_len {
        return Err(format!("{what} {part:?} is longer than {max_len} characters"));
    }
    Ok(part.to_ascii_uppercase())
}

/// Checks a volume identifier (d-characters, at most 32); returns it upper-cased.
pub(crate) fn volume_id(id: &str) -> Result<String, NameError> {
    checked_part(id, 32, "volume identifier").map_err(|reason| NameError { path: id.to_string(), reason })
}

/// A valid boot-ELF name derived from any file name, for runners that get arbitrary ELF paths
/// (cargo's test binaries look like `cdls-1a2b3c4d5e6f`): the part before the first dot,
/// upper-cased, characters other than `A`–`Z`/`0`–`9`/`_` replaced by `_`, cut to 8 characters,
/// plus `.ELF`. An empty stem gives `BOOT.ELF`.
pub fn boot_elf_name(file_name: &str) -> String {
    let stem = file_name.split('.').next().unwrap_or("");
    let base: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .take(8)
        .collect();
    if base.is_empty() { "BOOT.ELF".to_string() } else { format!("{base}.ELF") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_names_are_derived_from_any_file_name() {
        assert_eq!(boot_elf_name("cdls-1a2b3c4d5e6f"), "CDLS_1A2.ELF");
        assert_eq!(boot_elf_name("hello"), "HELLO.ELF");
        assert_eq!(boot_elf_name("hello.elf"), "HELLO.ELF");
        assert_eq!(boot_elf_name(".hidden"), "BOOT.ELF");
        assert_eq!(boot_elf_name("größe"), "GR__E.ELF");
        for name in ["cdls-1a2b3c4d5e6f", "x", "größe", ""] {
            assert!(parse_file_path(&boot_elf_name(name)).is_ok(), "{name}");
        }
    }

    #[test]
    fn accepts_and_uppercases_8_3_paths() {
        let path = parse_file_path("model/weights.bin").unwrap();
        assert_eq!(path.directories, ["MODEL"]);
        assert_eq!(path.file_name, "WEIGHTS.BIN");
        assert_eq!(path.rom_path(), "\\MODEL\\WEIGHTS.BIN;1");
        assert_eq!(parse_file_path("\\A\\B\\README;1").unwrap().rom_path(), "\\A\\B\\README;1");
    }

    #[test]
    fn rejects_names_the_rom_cannot_open() {
        for bad in [
            "",
            "dir/",
            "a//b.bin",
            "toolongname.bin",
            "file.text",
            "my-file.bin",
            "a b.bin",
            "dir.x/file.bin",
            "file.bin;2",
            "a.b.c",
            "a/b/c/d/e/f/g/h/file.bin",
            "caf\u{e9}.bin",
        ] {
            assert!(parse_file_path(bad).is_err(), "{bad:?} should be rejected");
        }
        let error = parse_file_path("my-file.bin").unwrap_err();
        assert!(error.to_string().contains("'-'"), "{error}");
    }
}
