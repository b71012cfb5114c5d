//! Directory trees that never end or never stop growing: cycles, deep nesting, shared directories,
//! absurd sizes. Each must end in a typed error naming the problem and the sector, never a hang or
//! unbounded output (a naive recursive listing, as `examples/cdls` had, ran until the simulator's
//! cycle limit on the first three). The images are written by hand (`common`), from ECMA-119.

mod common;

use common::{Entry, Image, ROOT, SECTOR, dir, file, valid_image};
use ps2_cdvd::iso9660::{
    DEFAULT_WALK_ENTRIES, Error, MAX_DIRECTORY_BYTES, MAX_DIRECTORY_LEVELS, OutOfImage, Volume, WalkEntry,
};

/// What a listing program such as `examples/cdls` does: walk the tree, print one line per entry
/// with its path, stop at the first error. Returns the lines and the error.
fn list(image: &[u8]) -> (Vec<String>, Option<Error<OutOfImage>>) {
    let mut volume = Volume::open(image).expect("the descriptor is valid");
    let mut lines = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let walk = match volume.walk() {
        Ok(walk) => walk,
        Err(error) => return (lines, Some(error)),
    };
    for item in walk {
        match item {
            Ok(WalkEntry { entry, depth }) => {
                path.truncate(depth - 1);
                let name = entry.name.as_str().to_string();
                lines.push(format!("\\{}", path.iter().chain([&name]).cloned().collect::<Vec<_>>().join("\\")));
                if entry.is_dir {
                    path.push(name);
                }
            }
            Err(error) => return (lines, Some(error)),
        }
    }
    (lines, None)
}

#[test]
fn a_valid_tree_is_walked_fully_in_order() {
    let image = valid_image();
    let (lines, error) = list(&image.bytes);
    assert!(error.is_none(), "{error:?}");
    let mut expected = vec!["\\DATA", "\\DATA\\MODEL.BIN", "\\DATA\\SUB", "\\DATA\\SUB\\NOTE.TXT", "\\LIST"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    expected.extend((0..80).map(|i| format!("\\LIST\\ITEM{i:02}.DAT")));
    expected.push("\\README.TXT".into());
    assert_eq!(lines, expected);
}

#[test]
fn a_directory_listing_itself_is_a_cycle() {
    let mut image = Image::new(40);
    image.directory(ROOT, ROOT, &[dir("A", 19)]);
    image.directory(19, ROOT, &[file("F.TXT;1", 30, 1), dir("SELF", 19)]);
    let (lines, error) = list(&image.bytes);
    assert_eq!(lines, ["\\A", "\\A\\F.TXT"]);
    let error = error.expect("a cycle error");
    assert_eq!(error, Error::DirectoryCycle { lsn: 19, target: 19 });
    assert_eq!(
        error.to_string(),
        "corrupt ISO9660 volume: directory cycle at LSN 19: it lists the directory at LSN 19, which is itself or encloses it"
    );
    // A path through the loop is refused too, not resolved to `A` however often it goes round.
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    assert_eq!(volume.find("A/SELF").unwrap_err(), Error::DirectoryCycle { lsn: 19, target: 19 });
    assert_eq!(volume.find("A/SELF/SELF/SELF/F.TXT").unwrap_err(), Error::DirectoryCycle { lsn: 19, target: 19 });
    assert_eq!(volume.find("A/F.TXT").unwrap().lsn, 30, "the rest of the disc stays usable");
}

#[test]
fn the_root_listing_itself_is_a_cycle() {
    // The one self-loop whose `..` record looks right (the root is its own parent).
    let mut image = Image::new(40);
    image.directory(ROOT, ROOT, &[dir("LOOP", ROOT)]);
    let (lines, error) = list(&image.bytes);
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(error, Some(Error::DirectoryCycle { lsn: ROOT, target: ROOT }));
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    assert_eq!(volume.find("\\LOOP\\LOOP").unwrap_err(), Error::DirectoryCycle { lsn: ROOT, target: ROOT });
}

#[test]
fn a_directory_listing_its_parent_or_an_ancestor_is_a_cycle() {
    for (name, target) in [("UP", 19), ("TOP", ROOT)] {
        let mut image = Image::new(40);
        image.directory(ROOT, ROOT, &[dir("A", 19)]);
        image.directory(19, ROOT, &[dir("B", 20)]);
        image.directory(20, 19, &[dir(name, target)]);
        let (lines, error) = list(&image.bytes);
        assert_eq!(lines, ["\\A", "\\A\\B"], "{name}");
        assert_eq!(error, Some(Error::DirectoryCycle { lsn: 20, target }), "{name}");
        let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
        let path = format!("A/B/{name}/A/B");
        assert_eq!(volume.find(&path).unwrap_err(), Error::DirectoryCycle { lsn: 20, target }, "{path}");
    }
}

/// A chain `\D\D\D...` of `levels` levels, the root counted; the deepest directory holds `END.TXT`.
fn chain(levels: usize) -> Image {
    let first = ROOT as usize;
    let mut image = Image::new((first + levels + 2) as u32);
    for level in 0..levels {
        let lsn = (first + level) as u32;
        let parent = if level == 0 { ROOT } else { lsn - 1 };
        let child = if level + 1 < levels { vec![dir("D", lsn + 1)] } else { vec![file("END.TXT;1", lsn + 1, 3)] };
        image.directory(lsn, parent, &child);
    }
    image
}

#[test]
fn nesting_up_to_the_limit_is_walked() {
    let image = chain(MAX_DIRECTORY_LEVELS);
    let (lines, error) = list(&image.bytes);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(lines.len(), MAX_DIRECTORY_LEVELS, "the directories below the root and END.TXT");
    assert_eq!(lines.last().unwrap(), &format!("{}\\END.TXT", "\\D".repeat(MAX_DIRECTORY_LEVELS - 1)));
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    let deepest = format!("{}/END.TXT", ["D"; MAX_DIRECTORY_LEVELS - 1].join("/"));
    assert_eq!(volume.find(&deepest).unwrap().size, 3);
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error() {
    let image = chain(MAX_DIRECTORY_LEVELS + 8);
    let (lines, error) = list(&image.bytes);
    // The directories of levels 2..=32 are listed; the one at level 33 is refused.
    assert_eq!(lines.len(), MAX_DIRECTORY_LEVELS - 1);
    let too_deep = ROOT + MAX_DIRECTORY_LEVELS as u32;
    let error = error.expect("a depth error");
    assert_eq!(error, Error::TooDeep { lsn: too_deep, limit: MAX_DIRECTORY_LEVELS });
    assert_eq!(
        error.to_string(),
        format!("corrupt ISO9660 volume: directory nesting deeper than 32 levels at LSN {too_deep}")
    );
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    let path = ["D"; MAX_DIRECTORY_LEVELS + 7].join("/");
    assert_eq!(volume.find(&path).unwrap_err(), Error::TooDeep { lsn: too_deep, limit: MAX_DIRECTORY_LEVELS });
}

#[test]
fn a_directory_listed_by_two_parents_is_an_error() {
    let mut image = Image::new(40);
    image.directory(ROOT, ROOT, &[dir("A", 19), dir("B", 20)]);
    image.directory(19, ROOT, &[dir("SHARED", 21)]);
    image.directory(20, ROOT, &[dir("SHARED", 21)]);
    image.directory(21, 19, &[file("X;1", 30, 1)]);
    let (lines, error) = list(&image.bytes);
    assert_eq!(lines, ["\\A", "\\A\\SHARED", "\\A\\SHARED\\X", "\\B"]);
    let error = error.expect("an error for the second parent");
    assert_eq!(
        error,
        Error::Corrupt { what: "the directory's second record is not `..` pointing at the directory that lists it", lsn: 21 }
    );
}

/// Every directory lists the next one `copies` times: no cycle, but `copies^levels` entries.
fn fan(copies: usize, levels: u32, volume_sectors: u32) -> Image {
    let mut image = Image::new(ROOT + levels + 2);
    for level in 0..levels {
        let lsn = ROOT + level;
        let parent = if level == 0 { ROOT } else { lsn - 1 };
        let entries: Vec<Entry> = (0..copies).map(|i| dir(&format!("C{i:02}"), lsn + 1)).collect();
        image.directory(lsn, parent, &entries);
    }
    image.directory(ROOT + levels, ROOT + levels - 1, &[]);
    image.claim_volume_sectors(volume_sectors);
    image
}

#[test]
fn a_directory_listed_over_and_over_by_its_parent_is_bounded() {
    // 40^6 = 4 * 10^9 entries. With the volume's true size the repeated directories soon hold more
    // sectors than the volume.
    let image = fan(40, 6, ROOT + 8);
    let (lines, error) = list(&image.bytes);
    assert!(lines.len() < 100, "{} lines", lines.len());
    assert!(
        matches!(error, Some(Error::Corrupt { what: "the directories hold more sectors than the volume: directories overlap", .. })),
        "{error:?}"
    );
    // A volume claiming 2^32 - 1 sectors defeats that check; the entry budget still ends the walk.
    let image = fan(40, 6, u32::MAX);
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    let results: Vec<_> = volume.walk().unwrap().max_entries(5000).collect();
    assert_eq!(results.len(), 5001);
    let error = (*results.last().unwrap()).unwrap_err();
    assert!(matches!(error, Error::TooLarge { what: "entries in the directory tree", value: 5001, limit: 5000, .. }), "{error:?}");
    assert!(error.to_string().contains("entries in the directory tree 5001, more than 5000"), "{error}");
    // Without `max_entries`, the default budget.
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    let mut yielded = 0u64;
    let mut last = None;
    for item in volume.walk().unwrap() {
        yielded += 1;
        last = Some(item);
    }
    assert_eq!(yielded, u64::from(DEFAULT_WALK_ENTRIES) + 1);
    assert!(matches!(last, Some(Err(Error::TooLarge { limit, .. })) if limit == u64::from(DEFAULT_WALK_ENTRIES)), "{last:?}");
}

#[test]
fn an_absurd_directory_size_is_refused_before_reading() {
    let mut image = Image::new(40);
    image.directory(ROOT, ROOT, &[Entry { size: 0xFFFF_F800, ..dir("HUGE", 19) }]);
    image.directory(19, ROOT, &[]);
    // As large as the volume claims to be: within the volume, but beyond the reader's limit.
    image.claim_volume_sectors(u32::MAX);
    let (lines, error) = list(&image.bytes);
    assert!(lines.is_empty());
    let expected = Error::TooLarge {
        what: "directory size in bytes",
        value: 0xFFFF_F800,
        limit: u64::from(MAX_DIRECTORY_BYTES),
        lsn: 19,
    };
    assert_eq!(error, Some(expected));
    let mut volume = Volume::open(image.bytes.as_slice()).unwrap();
    assert_eq!(volume.find("HUGE/X").unwrap_err(), expected);
    assert_eq!(
        expected.to_string(),
        "ISO9660 volume beyond the reader's limits at LSN 19: directory size in bytes 4294965248, more than 16777216"
    );
    // With the volume's true size it is simply past its end.
    image.claim_volume_sectors(40);
    let (_, error) = list(&image.bytes);
    assert!(matches!(error, Some(Error::TooLarge { .. })), "the size limit is checked first: {error:?}");
}

#[test]
fn a_directory_without_dot_records_is_an_error_in_a_walk() {
    let mut image = Image::new(40);
    image.directory(ROOT, ROOT, &[dir("A", 19)]);
    // A's first record is a file instead of `.`.
    image.directory(19, ROOT, &[]);
    let at = 19 * SECTOR;
    let fake = common::record(&file("NOTDOT;1", 30, 1));
    image.bytes[at..at + 96].fill(0);
    image.bytes[at..at + fake.len()].copy_from_slice(&fake);
    let (_, error) = list(&image.bytes);
    assert_eq!(error, Some(Error::Corrupt { what: "the directory's first record is not `.` pointing at the directory", lsn: 19 }));
}
