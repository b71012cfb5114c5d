//! The ISO9660 reader on images written by `ps2-iso`, and on corrupted copies of them.

use ps2_cdvd::iso9660::{DirEntry, Error, OutOfImage, SECTOR_SIZE, SectorRead, Volume};
use ps2_iso::DiscBuilder;

fn sample_image() -> Vec<u8> {
    let mut builder = DiscBuilder::new()
        .boot_elf("MAIN.ELF", vec![0x7f; 3000])
        .file("DATA/MODEL.BIN", (0..20_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>())
        .file("DATA/DEEP/A/B/NOTE.TXT", b"deep".to_vec())
        .file("README", b"no extension".to_vec());
    for index in 0..70 {
        builder = builder.file(&format!("LIST/ITEM{index}.DAT"), vec![index as u8; index + 1]);
    }
    builder.build().unwrap().0
}

#[test]
fn lookups_are_case_insensitive_and_version_tolerant() {
    let image = sample_image();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    let canonical = volume.find("\\DATA\\MODEL.BIN;1").unwrap();
    for spelling in ["/data/model.bin", "data/Model.Bin", "cdrom0:\\DATA\\MODEL.BIN", "\\DATA\\\\MODEL.BIN;1", "./DATA/MODEL.BIN"] {
        assert_eq!(volume.find(spelling).unwrap(), canonical, "{spelling}");
    }
    assert_eq!(canonical.size, 20_000);
    assert!(!canonical.is_dir);
    assert_eq!(canonical.name.as_str(), "MODEL.BIN");
    assert_eq!(volume.find("readme").unwrap().name.identifier(), b"README;1");
    assert_eq!(volume.find("data/deep/a/b/note.txt").unwrap().size, 4);
    assert_eq!(volume.find("\\").unwrap(), volume.root());
    assert!(volume.find("DATA").unwrap().is_dir);
}

#[test]
fn errors_name_the_failing_component() {
    let image = sample_image();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    match volume.find("\\DATA\\MISSING\\X.BIN") {
        Err(Error::NotFound { component }) => assert_eq!(component.as_bytes(), b"MISSING"),
        other => panic!("{other:?}"),
    }
    match volume.find("README/X") {
        Err(Error::NotADirectory { component }) => assert_eq!(component.to_string(), "README;1"),
        other => panic!("{other:?}"),
    }
    let readme = volume.find("README").unwrap();
    assert!(matches!(volume.read_dir(&readme), Err(Error::NotADirectory { .. })));
    let message = volume.find("NOPE.BIN").unwrap_err().to_string();
    assert_eq!(message, "no file or directory named NOPE.BIN");
}

#[test]
fn multi_sector_directories_are_walked_fully() {
    let image = sample_image();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    let list = volume.find("LIST").unwrap();
    assert!(list.size as usize > SECTOR_SIZE);
    let entries: Vec<DirEntry> = volume.read_dir(&list).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(entries.len(), 70);
    let last = volume.find("LIST/ITEM69.DAT").unwrap();
    let mut data = [0u8; 100];
    assert_eq!(volume.read_at(&last, 0, &mut data).unwrap(), 70);
    assert!(data[..70].iter().all(|&byte| byte == 69));
}

#[test]
fn read_at_handles_unaligned_ranges_and_the_end_of_file() {
    let image = sample_image();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    let model = volume.find("DATA/MODEL.BIN").unwrap();
    let expected: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    for (offset, length) in [(0, 20_000), (1, 5000), (2047, 2), (2048, 4096), (4000, 9000), (19_999, 10), (20_000, 5)] {
        let mut buffer = vec![0xAA; length];
        let read = volume.read_at(&model, offset as u64, &mut buffer).unwrap();
        let end = (offset + length).min(20_000);
        assert_eq!(read, end.saturating_sub(offset), "offset {offset}");
        assert_eq!(&buffer[..read], &expected[offset.min(20_000)..end], "offset {offset}");
    }
}

#[test]
fn non_iso_data_and_truncated_images_are_reported() {
    let blank = vec![0u8; 40 * SECTOR_SIZE];
    assert!(matches!(Volume::open(blank.as_slice()), Err(Error::Corrupt { lsn: 16, .. })));
    let image = sample_image();
    // The descriptor survives, the directories do not: opening works, listing reports the read.
    let truncated = &image[..17 * SECTOR_SIZE];
    let mut volume = Volume::open(truncated).unwrap();
    let error = volume.find("DATA/MODEL.BIN").unwrap_err();
    assert!(matches!(error, Error::Io(OutOfImage { .. })), "{error:?}");
    let tiny = &image[..100];
    assert!(matches!(Volume::open(tiny).map(|_| ()), Err(Error::Io(_))));
}

/// A sector source that fails after a number of reads, like a scratched disc.
struct FailingAfter<'a> {
    image: &'a [u8],
    reads_left: u32,
}

impl SectorRead for FailingAfter<'_> {
    type Error = &'static str;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        if self.reads_left == 0 {
            return Err("read error");
        }
        self.reads_left -= 1;
        let mut image = self.image;
        image.read_sectors(lsn, buf).map_err(|_| "outside")
    }
}

#[test]
fn io_errors_are_passed_through_and_end_iteration() {
    let image = sample_image();
    let mut volume = Volume::open(FailingAfter { image: &image, reads_left: 2 }).unwrap();
    let list = volume.find("LIST").unwrap();
    let results: Vec<_> = volume.read_dir(&list).unwrap().collect();
    assert!(matches!(results.last(), Some(Err(Error::Io("read error")))));
}

/// xorshift64*: a small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Exercises every reader entry point on an image; must return (no panic, no endless loop).
fn exercise(image: &[u8]) {
    let Ok(mut volume) = Volume::open(image) else { return };
    let _ = volume.volume_id();
    // The reader's own walk must end by itself (its cycle, depth, size and entry limits).
    if let Ok(walk) = volume.walk() {
        // The sample has under 100 entries: thousands would mean a walk that ran away.
        assert!(walk.count() <= 2000);
    }
    let mut pending = vec![(volume.root(), 0)];
    let mut visited = 0;
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = volume.read_dir(&dir) else { continue };
        let entries: Vec<_> = entries.take(500).filter_map(Result::ok).collect();
        for entry in entries {
            visited += 1;
            if entry.is_dir && depth < 8 && visited < 2000 {
                pending.push((entry, depth + 1));
            } else if !entry.is_dir {
                let mut buffer = [0u8; 3000];
                let _ = volume.read_at(&entry, 1000, &mut buffer);
            }
        }
    }
    for path in ["\\SYSTEM.CNF;1", "/data/model.bin", "LIST/ITEM5.DAT", "DATA/DEEP/A/B/NOTE.TXT"] {
        let _ = volume.find(path);
    }
}

/// Mutation fuzzing of real images: random byte changes in the metadata sectors (descriptors,
/// path tables, directories), truncations and record-length edits.
#[test]
fn corrupted_images_never_panic() {
    let original = sample_image();
    let metadata_end = 40 * SECTOR_SIZE; // the sample's descriptors, path tables and directories
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..20_000 {
        let mut image = original.clone();
        match round % 4 {
            0 | 1 => {
                for _ in 0..1 + rng.below(8) {
                    let position = 16 * SECTOR_SIZE + rng.below(metadata_end - 16 * SECTOR_SIZE);
                    image[position] = rng.next() as u8;
                }
            }
            2 => {
                // Hit the fields that steer the walk: lengths, extents and sizes.
                let sector = 16 + rng.below(24);
                let offset = [0, 2, 10, 32, 80, 156, 158, 166, 188][rng.below(9)] + rng.below(4);
                image[sector * SECTOR_SIZE + offset] = [0, 1, 0x21, 0x22, 0x7f, 0xff][rng.below(6)];
            }
            _ => image.truncate(rng.below(original.len())),
        }
        exercise(&image);
    }
}
