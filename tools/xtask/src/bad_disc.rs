//! `cdls` on corrupt discs: a directory that lists itself, and one that lists the root. The example must end
//! with the ISO9660 reader's cycle error and exit code 1 (it once recursed until the simulator's cycle limit,
//! printing hundreds of MB).

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cargo;

const SECTOR: usize = 2048;

/// Runs `cdls` in the simulator on two corrupt copies of the disc image its example run built
/// (`<target>/mips-ps2-ee/release/examples/cdls.iso`): `\DOCS\ABOUT.TXT` made a directory pointing at `\DOCS`
/// itself, then at the root.
pub fn check(root: &Path) -> Result<()> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
    let image_path = target.join("mips-ps2-ee/release/examples/cdls.iso");
    let image = std::fs::read(&image_path).with_context(|| format!("{}: run the cdls example first", image_path.display()))?;
    let root_lsn = field(&image, 16 * SECTOR + 156 + 2)?;
    let docs = find_record(&image, root_lsn, b"DOCS")?;
    let docs_lsn = field(&image, docs + 2)?;
    let about = find_record(&image, docs_lsn, b"ABOUT.TXT;1")?;
    for (what, target_lsn) in [("lists itself", docs_lsn), ("lists the root", root_lsn)] {
        let mut bad = image.clone();
        both_endian(&mut bad, about + 2, target_lsn);
        both_endian(&mut bad, about + 10, SECTOR as u32);
        bad[about + 25] |= 1 << 1; // a directory
        let bad_path = target.join(format!("cdls-cycle-{target_lsn}.iso"));
        std::fs::write(&bad_path, &bad).with_context(|| format!("cannot write {}", bad_path.display()))?;
        let output = cargo()
            .args(["run", "-q", "--release", "-p", "ps2-sim", "--target", "host-tuple", "-Zbuild-std=std,panic_unwind", "--"])
            .args(["-q".as_ref(), bad_path.as_os_str()])
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        eprintln!("\n==> example cdls on a disc whose \\DOCS {what}\n{stdout}");
        let expected = format!("directory cycle at LSN {docs_lsn}: it lists the directory at LSN {target_lsn}");
        if output.status.code() != Some(1) || !stdout.contains(&expected) || stdout.len() > 4096 {
            bail!("cdls on a disc with a directory cycle should print {expected:?} and exit with 1 ({})", output.status);
        }
    }
    Ok(())
}

/// The little-endian half of a both-endian 32-bit field.
fn field(image: &[u8], at: usize) -> Result<u32> {
    let bytes = image.get(at..at + 4).context("cdls.iso is shorter than its descriptors")?;
    Ok(u32::from_le_bytes(bytes.try_into()?))
}

fn both_endian(image: &mut [u8], at: usize, value: u32) {
    image[at..at + 4].copy_from_slice(&value.to_le_bytes());
    image[at + 4..at + 8].copy_from_slice(&value.to_be_bytes());
}

/// Offset of the record named `name` in the first sector of the directory at `lsn`.
fn find_record(image: &[u8], lsn: u32, name: &[u8]) -> Result<usize> {
    let mut at = lsn as usize * SECTOR;
    while let Some(&len) = image.get(at).filter(|&&len| len >= 34) {
        let name_len = usize::from(image[at + 32]);
        if image.get(at + 33..at + 33 + name_len) == Some(name) {
            return Ok(at);
        }
        at += usize::from(len);
    }
    bail!("cdls.iso: no record {:?} in the directory at LSN {lsn}", String::from_utf8_lossy(name))
}
