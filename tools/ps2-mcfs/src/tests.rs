//! Layout tests: the expected bytes are derived by hand from the published format (Ross Ridge,
//! "PlayStation 2 Memory Card File System"; ps2 memory-card reference §2), not from this crate.

use super::*;

fn raw_u32(card: &Card, at: usize) -> u32 {
    le32(card.as_bytes(), at)
}

/// Raw image offset of byte `offset` of page `page` (pages are 528 bytes apart).
fn at(page: usize, offset: usize) -> usize {
    page * 528 + offset
}

#[test]
fn image_is_16384_pages_of_528_bytes() {
    assert_eq!(IMAGE_SIZE, 8_650_752);
    assert_eq!(Card::formatted().as_bytes().len(), 8_650_752);
}

#[test]
fn fresh_format_matches_the_published_layout() {
    let card = Card::formatted();
    let b = card.as_bytes();
    // Superblock, page 0 at raw offset 0.
    assert_eq!(&b[0..28], b"Sony PS2 Memory Card Format ");
    assert_eq!(&b[0x1C..0x1C + 8], b"1.2.0.0\0");
    assert_eq!(u16::from_le_bytes([b[0x28], b[0x29]]), 512, "page_len");
    assert_eq!(u16::from_le_bytes([b[0x2A], b[0x2B]]), 2, "pages_per_cluster");
    assert_eq!(u16::from_le_bytes([b[0x2C], b[0x2D]]), 16, "pages_per_block");
    assert_eq!(u16::from_le_bytes([b[0x2E], b[0x2F]]), 0xFF00, "unused");
    assert_eq!(raw_u32(&card, 0x30), 8192, "clusters_per_card");
    assert_eq!(raw_u32(&card, 0x34), 41, "alloc_offset");
    // alloc_end = backup_block2 * 8 clusters/block - alloc_offset = 1022 * 8 - 41.
    assert_eq!(raw_u32(&card, 0x38), 8135, "alloc_end");
    assert_eq!(raw_u32(&card, 0x3C), 0, "rootdir_cluster");
    assert_eq!(raw_u32(&card, 0x40), 1023, "backup_block1");
    assert_eq!(raw_u32(&card, 0x44), 1022, "backup_block2");
    assert_eq!(raw_u32(&card, 0x50), 8, "ifc_list[0]");
    assert!((1..32).all(|i| raw_u32(&card, 0x50 + 4 * i) == 0), "ifc_list[1..]");
    assert!((0..32).all(|i| raw_u32(&card, 0xD0 + 4 * i) == 0xFFFF_FFFF), "bad_block_list");
    assert_eq!((b[0x150], b[0x151]), (2, 0x2B), "card_type, card_flags");
    // Indirect FAT: cluster 8 = page 16 = raw 0x2100; its words name FAT clusters 9..=40.
    assert_eq!(at(16, 0), 0x2100);
    for i in 0..32 {
        assert_eq!(raw_u32(&card, 0x2100 + 4 * i), 9 + i as u32);
    }
    // FAT: cluster 9 = page 18 = raw 0x2520. Entry 0 (root) allocated end-of-chain, the rest free.
    assert_eq!(at(18, 0), 0x2520);
    assert_eq!(raw_u32(&card, 0x2520), 0xFFFF_FFFF);
    assert_eq!(raw_u32(&card, 0x2524), 0x7FFF_FFFF);
    // Entry 8134 (last allocatable) is free; 8135 (beyond alloc_end) is marked used. Entry n is word
    // n % 256 of FAT cluster 9 + n / 256: 8134 = 31 * 256 + 198 -> cluster 40, page 80 + 198 / 128 = 81, word 70.
    assert_eq!(raw_u32(&card, at(81, 70 * 4)), 0x7FFF_FFFF);
    assert_eq!(raw_u32(&card, at(81, 71 * 4)), 0xFFFF_FFFF);
    // Root directory: allocatable cluster 0 = absolute 41 = page 82 = raw 0xA920.
    assert_eq!(at(82, 0), 0xA920);
    assert_eq!(&b[0xA920..0xA922], &[0x27, 0x84], "'.' mode 0x8427");
    assert_eq!(raw_u32(&card, 0xA920 + 4), 2, "'.' length = entries in root");
    assert_eq!(raw_u32(&card, 0xA920 + 0x10), 0, "'.' cluster");
    assert_eq!(&b[0xA920 + 0x40..0xA920 + 0x42], b".\0");
    assert_eq!(&b[at(83, 0)..at(83, 2)], &[0x26, 0xA4], "'..' mode 0xA426");
    assert_eq!(&b[at(83, 0x40)..at(83, 0x43)], b"..\0");
    // Backup blocks stay erased: page 1022 * 16 = 16352 at raw 0x83BE00.
    assert_eq!(at(16352, 0), 0x83BE00);
    assert!(b[0x83BE00..].iter().all(|&x| x == 0xFF));
    assert_eq!(card.free_clusters().unwrap(), 8134);
}

/// The spare bytes of the first FAT page, derived by hand from the ECC definition.
///
/// Chunk 0 = bytes `FF FF FF FF` then 31 × `FF FF FF 7F`. `0xFF` has even parity and contributes
/// nothing; `0x7F` (seven ones) has odd parity at i = 4k+3, k = 1..31, and column mask 0x70 (its
/// `&0xAA`, `&0xCC`, `&0xF0` parts have 3 ones each, the others 4 or 2). 31 masks: CP = 0x77 ^ 0x70 = 0x07.
/// XOR of the indices 4k+3 (k = 1..31) = 3 (the low bits 3 an odd number of times; XOR of 1..31 is 0),
/// so LP1 = 0x7F ^ 3 = 0x7C and LP0 = 0x7F ^ (31 × 0x7F ^ 3) = 0x03.
/// Chunks 1-3 = 32 × `FF FF FF 7F`: an even number of masks and of indices: `77 7F 7F`.
/// Bytes 12-15 of the spare are zero.
#[test]
fn fat_page_ecc_matches_a_hand_computation() {
    let card = Card::formatted();
    let spare = &card.as_bytes()[at(18, 512)..at(18, 528)];
    assert_eq!(spare, &[0x07, 0x03, 0x7C, 0x77, 0x7F, 0x7F, 0x77, 0x7F, 0x7F, 0x77, 0x7F, 0x7F, 0, 0, 0, 0]);
}

#[test]
fn files_and_directories_are_laid_out_as_fat_chains() {
    let mut card = Card::formatted();
    card.mkdir("/SAVE").unwrap(); // dir cluster 1; root grows into cluster 2
    let data: Vec<u8> = (0..1500u32).map(|i| (i * 7) as u8).collect();
    card.write_file("/SAVE/DATA", &data).unwrap(); // SAVE grows into cluster 3; data in 4, 5
    let fat = |n: usize| raw_u32(&card, 0x2520 + 4 * n);
    assert_eq!(fat(0), 0x8000_0002, "root: 0 -> 2");
    assert_eq!(fat(1), 0x8000_0003, "SAVE: 1 -> 3");
    assert_eq!((fat(2), fat(3)), (0xFFFF_FFFF, 0xFFFF_FFFF));
    assert_eq!((fat(4), fat(5)), (0x8000_0005, 0xFFFF_FFFF), "DATA: 4 -> 5");
    assert_eq!(fat(6), 0x7FFF_FFFF);
    // Root now has 3 entries; its third (SAVE) is page 0 of cluster 2 = absolute 43 = page 86.
    assert_eq!(raw_u32(&card, 0xA920 + 4), 3);
    let b = card.as_bytes();
    assert_eq!(&b[at(86, 0)..at(86, 2)], &[0x27, 0x84]);
    assert_eq!(raw_u32(&card, at(86, 4)), 3, "SAVE holds '.', '..', DATA");
    assert_eq!(raw_u32(&card, at(86, 0x10)), 1, "SAVE's first cluster");
    assert_eq!(&b[at(86, 0x40)..at(86, 0x45)], b"SAVE\0");
    // SAVE's "." (cluster 1 = page 84): parent's cluster 0, index 2 in the parent.
    assert_eq!((raw_u32(&card, at(84, 0x10)), raw_u32(&card, at(84, 0x14))), (0, 2));
    // DATA entry: SAVE entry 2 = page 0 of cluster 3 = absolute 44 = page 88; mode 0x8497, 1500 bytes.
    assert_eq!(&b[at(88, 0)..at(88, 2)], &[0x97, 0x84]);
    assert_eq!(raw_u32(&card, at(88, 4)), 1500);
    assert_eq!(raw_u32(&card, at(88, 0x10)), 4);
    // Data: cluster 4 = absolute 45 = pages 90, 91; cluster 5 = pages 92, 93.
    assert_eq!(&b[at(90, 0)..at(90, 512)], &data[..512]);
    assert_eq!(&b[at(91, 0)..at(91, 512)], &data[512..1024]);
    assert_eq!(&b[at(92, 0)..at(92, 476)], &data[1024..]);
    assert_eq!(card.read_file("/SAVE/DATA").unwrap(), data);
    assert_eq!(card.free_clusters().unwrap(), 8134 - 5);
}

#[test]
fn reopened_image_reads_back_and_ecc_errors_are_corrected_or_reported() {
    let mut card = Card::formatted();
    card.mkdir("/A").unwrap();
    card.write_file("/A/F", b"hello, card").unwrap();
    let bytes = card.as_bytes().to_vec();
    let mut again = Card::from_bytes(bytes).unwrap();
    assert_eq!(again.read_file("/A/F").unwrap(), b"hello, card");
    let loc = again.lookup("/A/F").unwrap();
    let first = again.abs(loc.entry.cluster).unwrap() as usize * 2;
    again.raw_mut()[at(first, 1)] ^= 0x10;
    assert_eq!(again.read_file("/A/F").unwrap(), b"hello, card", "one flipped bit is corrected");
    again.raw_mut()[at(first, 3)] ^= 0x01;
    assert!(matches!(again.read_file("/A/F"), Err(Error::Ecc { page }) if page as usize == first));
}

#[test]
fn delete_rename_reuse_and_errors() {
    let mut card = Card::formatted();
    card.mkdir("/D").unwrap();
    card.write_file("/D/X", &[1; 3000]).unwrap();
    let free = card.free_clusters().unwrap();
    assert!(matches!(card.remove("/D"), Err(Error::DirectoryNotEmpty { .. })));
    card.rename("/D/X", "Y").unwrap();
    assert!(matches!(card.lookup("/D/X"), Err(Error::NotFound { .. })));
    assert!(matches!(card.rename("/D/Y", "a/b"), Err(Error::InvalidName { .. })));
    card.write_file("/D/Z", b"z").unwrap();
    assert!(matches!(card.rename("/D/Y", "Z"), Err(Error::AlreadyExists { .. })));
    card.remove("/D/Y").unwrap();
    assert_eq!(card.free_clusters().unwrap(), free + 3 - 1);
    // Deleted entries keep their slot (mode without 0x8000, chain bits cleared, links kept).
    let dir = card.lookup("/D").unwrap();
    assert_eq!(dir.entry.length, 4);
    let deleted = card.entry(EntryLoc { dir_cluster: dir.entry.cluster, index: 2 }).unwrap();
    assert_eq!(deleted.mode & mode::EXISTS, 0);
    assert_eq!(card.fat_entry(deleted.cluster).unwrap() & FAT_ALLOCATED, 0);
    card.write_file("/D/W", b"w").unwrap();
    assert_eq!(card.lookup("/D/W").unwrap().loc.unwrap().index, 2, "the deleted slot is reused");
    let names: Vec<String> = card.read_dir("/D").unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, [".", "..", "W", "Z"]);
    assert!(matches!(card.mkdir("/D/W"), Err(Error::AlreadyExists { .. })));
    assert!(matches!(card.mkdir("/D/W/Q"), Err(Error::NotADirectory { .. })));
    assert!(matches!(card.write_file("/N/F", b""), Err(Error::NotFound { .. })));
    assert!(matches!(card.mkdir("/a?"), Err(Error::InvalidName { .. })));
    assert!(matches!(card.mkdir(&"L".repeat(32)), Err(Error::InvalidName { .. })));
    card.remove("/D/W").unwrap();
    card.remove("/D/Z").unwrap();
    card.remove("/D").unwrap();
    assert_eq!(card.read_dir("/").unwrap().len(), 2);
}

#[test]
fn full_card_refuses_without_changing_the_file() {
    let mut card = Card::formatted();
    card.write_file("/KEEP", &[7; 2048]).unwrap();
    card.set_free_limit(Some(3)).unwrap();
    assert_eq!(card.free_clusters().unwrap(), 3);
    assert!(matches!(card.write_file("/BIG", &[1; 5000]), Err(Error::Full { needed: 5, free: 3 })));
    // Replacing KEEP may reuse its own 2 clusters: 5 needed > 3 free + 2 of its own.
    assert!(matches!(card.write_file("/KEEP", &[2; 6000]), Err(Error::Full { .. })));
    assert_eq!(card.read_file("/KEEP").unwrap(), vec![7; 2048]);
    card.write_file("/KEEP", &[3; 5000]).unwrap();
    assert_eq!(card.free_clusters().unwrap(), 0);
}

#[test]
fn writes_at_offsets_fill_gaps_with_zeros() {
    let mut card = Card::formatted();
    let loc = card.create_file("/F").unwrap();
    card.write_at(loc, 2000, b"end").unwrap();
    card.write_at(loc, 0, b"go").unwrap();
    let got = card.read_file("/F").unwrap();
    assert_eq!(got.len(), 2003);
    assert_eq!(&got[..2], b"go");
    assert!(got[2..2000].iter().all(|&b| b == 0));
    let mut buf = [0u8; 10];
    assert_eq!(card.read_at(loc, 1998, &mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"\0\0end");
}

#[test]
fn unformatted_and_wrong_sized_images() {
    let card = Card::from_bytes(vec![0xFF; IMAGE_SIZE]).unwrap();
    assert!(!card.is_formatted());
    assert!(matches!(card.read_dir("/"), Err(Error::NotFormatted)));
    assert!(matches!(Card::from_bytes(vec![0; 100]), Err(Error::BadImageSize { len: 100, .. })));
}

#[test]
fn dirty_pages_flush_to_the_same_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Mcd001.ps2");
    let mut card = Card::formatted();
    card.save(&path).unwrap();
    card.write_file("/F", b"flushed").unwrap();
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    card.flush_to(&mut file, "test").unwrap();
    drop(file);
    assert_eq!(std::fs::read(&path).unwrap(), card.as_bytes());
    assert_eq!(Card::open(&path).unwrap().read_file("/F").unwrap(), b"flushed");
}
