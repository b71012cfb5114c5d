//! Bounded mutation test of the ISO9660 reader: thousands of deterministic mutations of a valid
//! image, in seconds. Every case must end (a bounded number of sector reads, within a time bound),
//! never panic, and every error must be one of the typed errors with a message that names the
//! problem. The cargo-fuzz target (`ps2-cdvd/fuzz`) runs the same entry points open-ended.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{ROOT, SECTOR, valid_image};
use ps2_cdvd::iso9660::{DEFAULT_WALK_ENTRIES, Error, OutOfImage, SectorRead, Volume};

/// xorshift64*, so that failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Sectors of the valid image that hold descriptors and directories (LSN 16..=21).
const METADATA: std::ops::Range<usize> = 16 * SECTOR..22 * SECTOR;

/// LSNs worth pointing a record at: the directories (cycles, shared directories), the descriptors,
/// the edges of the volume and of u32.
const TARGETS: [u32; 10] = [ROOT, 19, 20, 21, 16, 0, 63, 64, 0x7FFF_FFFF, u32::MAX];

/// 32-bit values on the edges of the checks, for sizes and the volume size.
const SIZES: [u32; 9] = [0, 1, 2047, 2048, 4096, 16 << 20, (16 << 20) + 2048, 0xFFFF_F800, u32::MAX];

/// Writes `value` both-endian at `at` (little-endian, then big-endian), as ECMA-119 stores it.
fn both_endian(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&value.to_be_bytes());
}

/// Offsets of the directory records in the directory sectors (18..=21) of `image`.
fn record_offsets(image: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    for lsn in 18..22 {
        let mut at = lsn * SECTOR;
        while at < (lsn + 1) * SECTOR && image[at] >= 34 {
            offsets.push(at);
            at += usize::from(image[at]);
        }
    }
    offsets
}

/// One to four mutations: retargeted or resized records (the fields that steer a walk), a changed
/// volume size, directory flags, bit flips, interesting bytes and 32-bit values in the metadata,
/// copied records; then, one time in ten, truncation.
fn mutate(rng: &mut Rng, valid: &[u8]) -> Vec<u8> {
    let mut image = valid.to_vec();
    let records = record_offsets(valid);
    for _ in 0..1 + rng.below(4) {
        let record = records[rng.below(records.len())];
        match rng.below(9) {
            0 | 1 => both_endian(&mut image, record + 2, TARGETS[rng.below(TARGETS.len())]),
            2 => both_endian(&mut image, record + 10, SIZES[rng.below(SIZES.len())]),
            3 => image[record + 25] ^= 1 << 1, // file <-> directory
            4 => both_endian(&mut image, 16 * SECTOR + 80, SIZES[rng.below(SIZES.len())].max(17)),
            5 => {
                let at = METADATA.start + rng.below(METADATA.len());
                image[at] ^= 1 << rng.below(8);
            }
            6 => {
                let at = METADATA.start + rng.below(METADATA.len());
                image[at] = [0, 1, 0x21, 0x22, 0x7F, 0x80, 0xFF][rng.below(7)];
            }
            7 => {
                // Copy one record over another (duplicates, including `.` and `..`).
                let from = records[rng.below(records.len())];
                let len = usize::from(valid[from]).min(usize::from(valid[record]));
                let copy = valid[from..from + len].to_vec();
                image[record..record + len].copy_from_slice(&copy);
            }
            _ => {
                let at = METADATA.start + rng.below(METADATA.len() - 3);
                image[at..at + 4].copy_from_slice(&SIZES[rng.below(SIZES.len())].to_le_bytes());
            }
        }
    }
    if rng.below(10) == 0 {
        image.truncate(rng.below(valid.len()));
    }
    image
}

/// An in-memory image that counts the sectors asked for.
struct Counting<'a> {
    image: &'a [u8],
    sectors_read: u64,
}

impl SectorRead for Counting<'_> {
    type Error = OutOfImage;

    fn read_sectors(&mut self, lsn: u32, buf: &mut [u8]) -> Result<(), OutOfImage> {
        self.sectors_read += (buf.len() / SECTOR) as u64;
        let mut image = self.image;
        image.read_sectors(lsn, buf)
    }
}

/// The error's kind, for the tally, after checking that its message names the problem.
fn check_error(error: &Error<OutOfImage>) -> &'static str {
    let message = error.to_string();
    let (kind, names_it) = match error {
        Error::Io(_) => ("io", message.contains("lie outside the image")),
        Error::NotFound { .. } => ("not found", message.starts_with("no file or directory named ")),
        Error::NotADirectory { .. } => ("not a directory", message.contains("is a file, not a directory")),
        Error::Corrupt { what, lsn } => ("corrupt", !what.is_empty() && message.contains(&format!("at LSN {lsn}: {what}"))),
        Error::DirectoryCycle { lsn, target } => (
            "cycle",
            message.contains(&format!("directory cycle at LSN {lsn}")) && message.contains(&format!("LSN {target}")),
        ),
        Error::TooDeep { limit, .. } => ("too deep", message.contains(&format!("deeper than {limit} levels"))),
        Error::TooLarge { what, limit, .. } => ("too large", message.contains(what) && message.contains(&format!("more than {limit}"))),
        Error::NotAFile { .. } | Error::SeekBeforeStart { .. } => panic!("only a Disc's files report {error:?}"),
    };
    assert!(names_it, "the message does not say what is wrong: {message:?} ({error:?})");
    kind
}

/// Everything a program does with a disc: open, walk the tree, list and read what the walk found,
/// look paths up. Returns the kinds of errors met.
fn exercise(image: &[u8], kinds: &mut BTreeMap<&'static str, usize>) -> u64 {
    let mut reader = Counting { image, sectors_read: 0 };
    let mut volume = match Volume::open(&mut reader) {
        Ok(volume) => volume,
        Err(error) => {
            *kinds.entry(check_error(&error)).or_default() += 1;
            return reader.sectors_read;
        }
    };
    let mut found = Vec::new();
    match volume.walk() {
        Ok(walk) => {
            let mut yielded = 0u64;
            for item in walk {
                yielded += 1;
                assert!(yielded <= u64::from(DEFAULT_WALK_ENTRIES) + 1, "the walk passed its entry budget");
                match item {
                    Ok(entry) => found.push(entry.entry),
                    Err(error) => *kinds.entry(check_error(&error)).or_default() += 1,
                }
            }
        }
        Err(error) => *kinds.entry(check_error(&error)).or_default() += 1,
    }
    for entry in found.iter().take(200) {
        if entry.is_dir {
            if let Ok(listing) = volume.read_dir(entry) {
                for item in listing {
                    if let Err(error) = item {
                        check_error(&error);
                    }
                }
            }
        } else {
            let mut buffer = [0u8; 6000];
            if let Err(error) = volume.read_at(entry, 0, &mut buffer) {
                check_error(&error);
            }
        }
    }
    for path in ["README.TXT", "DATA/SUB/NOTE.TXT", "LIST/ITEM79.DAT", "DATA/SUB/../SUB", "DATA/DATA/DATA/DATA/DATA/DATA"] {
        if let Err(error) = volume.find(path) {
            check_error(&error);
        }
    }
    reader.sectors_read
}

#[test]
fn mutated_images_end_with_typed_errors_that_name_the_problem() {
    let valid = valid_image().bytes;
    let mut kinds = BTreeMap::new();
    assert_eq!(exercise(&valid, &mut kinds), exercise(&valid, &mut BTreeMap::new()));
    assert!(kinds.is_empty() || kinds.keys().all(|&kind| kind == "not found"), "the valid image is accepted: {kinds:?}");

    let mut rng = Rng(0x1509_6600_D15C_0001);
    let mut most_reads = 0;
    let mut slowest = Duration::ZERO;
    let cases = 4000;
    for case in 0..cases {
        let image = mutate(&mut rng, &valid);
        let start = Instant::now();
        let reads = exercise(&image, &mut kinds);
        let took = start.elapsed();
        // Bounded work: the image has 64 sectors; a walk reads each directory sector once or
        // twice, so a few thousand reads mean a listing that ran away.
        assert!(reads <= 20_000, "case {case}: {reads} sector reads");
        assert!(took <= Duration::from_secs(2), "case {case} took {took:?}");
        most_reads = most_reads.max(reads);
        slowest = slowest.max(took);
    }
    eprintln!("{cases} mutated images: errors {kinds:?}; at most {most_reads} sector reads, slowest {slowest:?}");
    // The mutations reach the checks this test is about.
    for kind in ["cycle", "corrupt", "too large", "io"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) >= 10, "only {kinds:?}: the mutations miss {kind}");
    }
}
