//! Feeds arbitrary bytes to the ISO9660 reader as a disc image: opening, walking every
//! directory (bounded), reading files and looking paths up must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ps2_cdvd::iso9660::{SECTOR_SIZE, Volume};

/// Where the fuzzer's bytes go: a descriptor at LSN 16 is needed before anything else is read,
/// so the input is placed from LSN 16 on (the system area is irrelevant to the reader).
fn image_from(data: &[u8]) -> Vec<u8> {
    let mut image = vec![0; 16 * SECTOR_SIZE];
    image.extend_from_slice(data);
    image
}

fuzz_target!(|data: &[u8]| {
    let image = image_from(data);
    let Ok(mut volume) = Volume::open(image.as_slice()) else { return };
    let mut pending = vec![(volume.root(), 0)];
    let mut visited = 0;
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = volume.read_dir(&dir) else { continue };
        let entries: Vec<_> = entries.take(256).filter_map(Result::ok).collect();
        for entry in entries {
            visited += 1;
            if entry.is_dir && depth < 8 && visited < 1024 {
                pending.push((entry, depth + 1));
            } else if !entry.is_dir {
                let mut buffer = [0u8; 5000];
                let _ = volume.read_at(&entry, 100, &mut buffer);
            }
        }
    }
    for path in ["\\SYSTEM.CNF;1", "/a/b", "cdrom0:\\X\\Y.Z;1"] {
        let _ = volume.find(path);
    }
});
