//! Feeds arbitrary bytes to the ISO9660 reader as a disc image: opening, walking the whole tree
//! with `Volume::walk` (its cycle, depth, size and entry limits must end every walk), listing
//! directories, reading files and looking paths up must never panic or hang, and every error must
//! print a message.
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

/// Entries a walk may yield here: far fewer than the default budget, so one input stays fast;
/// the default is covered by the host tests.
const WALK_ENTRIES: u32 = 20_000;

fuzz_target!(|data: &[u8]| {
    let image = image_from(data);
    let mut volume = match Volume::open(image.as_slice()) {
        Ok(volume) => volume,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    let _ = volume.volume_id();
    // The walk itself must end; no bound is imposed from outside but the entry budget.
    let mut entries = Vec::new();
    match volume.walk() {
        Ok(walk) => {
            let mut yielded = 0u32;
            for item in walk.max_entries(WALK_ENTRIES) {
                yielded += 1;
                assert!(yielded <= WALK_ENTRIES + 1, "the walk ignored its entry budget");
                match item {
                    Ok(found) => {
                        assert!((1..=ps2_cdvd::iso9660::MAX_DIRECTORY_LEVELS).contains(&found.depth));
                        if entries.len() < 64 {
                            entries.push(found.entry);
                        }
                    }
                    Err(error) => assert!(!error.to_string().is_empty()),
                }
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
    for entry in entries {
        if entry.is_dir {
            if let Ok(listing) = volume.read_dir(&entry) {
                for item in listing.take(4096) {
                    if let Err(error) = item {
                        assert!(!error.to_string().is_empty());
                    }
                }
            }
        } else {
            let mut buffer = [0u8; 5000];
            let _ = volume.read_at(&entry, 100, &mut buffer);
        }
    }
    for path in ["\\SYSTEM.CNF;1", "/a/b", "cdrom0:\\X\\Y.Z;1", "A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A/A"] {
        if let Err(error) = volume.find(path) {
            assert!(!error.to_string().is_empty());
        }
    }
});
