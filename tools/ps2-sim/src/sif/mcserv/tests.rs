//! The server driven with requests laid out as ps2sdk's libmc builds them (`mcDescParam_t`,
//! `mcNameParam_t`), checked through the image file with `ps2-mcfs`.

use super::*;

const EE_DATA: u32 = 0x0010_0000;

fn desc(fd: i32, size: u32, offset: i32, origin: u32, buffer: u32, param: u32, inline: &[u8]) -> Vec<u8> {
    let mut d = vec![0u8; 48];
    for (i, w) in [fd as u32, 0, 0, size, offset as u32, origin, buffer, param].iter().enumerate() {
        d[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    d[0x20..0x20 + inline.len()].copy_from_slice(inline);
    d
}

fn name(flags: u32, maxent: u32, ptr: u32, path: &str) -> Vec<u8> {
    let mut n = vec![0u8; 0x414];
    n[8..12].copy_from_slice(&flags.to_le_bytes());
    n[12..16].copy_from_slice(&maxent.to_le_bytes());
    n[16..20].copy_from_slice(&ptr.to_le_bytes());
    n[0x14..0x14 + path.len()].copy_from_slice(path.as_bytes());
    n
}

/// EE memory: a fixed pattern at EE_DATA.
fn ee(addr: u32, len: usize) -> Result<Vec<u8>, SifFault> {
    if addr < EE_DATA {
        return Err(SifFault { addr });
    }
    Ok((0..len).map(|i| (addr as usize - EE_DATA as usize + i) as u8).collect())
}

fn call(s: &mut McServ, fno: u32, args: &[u8]) -> (i32, Vec<(u32, Vec<u8>)>) {
    let r = s.call(fno, args, &ee).unwrap();
    (i32::from_le_bytes(r.reply[..4].try_into().unwrap()), r.ee_writes)
}

fn server(dir: &tempfile::TempDir, extra: impl FnOnce(&mut CardConfig)) -> (McServ, PathBuf) {
    let path = dir.path().join("mc/Mcd001.ps2");
    let mut config = CardConfig { path: Some(path.clone()), ..Default::default() };
    extra(&mut config);
    (McServ::new(&config).unwrap(), path)
}

#[test]
fn a_save_written_through_rpc_is_in_the_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, path) = server(&dir, |_| {});
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 8_650_752, "created on first use");
    let (r, w) = call(&mut s, 0x01, &desc(0, 0, 0, 0, 0, 0x0020_0000, &[]));
    assert_eq!(r, -1, "new formatted card");
    assert_eq!(le_word(&w[0].1, 0), 2, "PS2 card");
    assert_eq!(le_word(&w[0].1, 4), 8134, "free clusters");
    assert_eq!(le_word(&w[0].1, 0x90), 1, "formatted");
    assert_eq!(call(&mut s, 0x01, &desc(0, 0, 0, 0, 0, 0x0020_0000, &[])).0, 0, "same card");
    assert_eq!(call(&mut s, 0x02, &name(0x40, 0, 0, "/SAVE")).0, 0, "mkdir");
    assert_eq!(call(&mut s, 0x02, &name(0x40, 0, 0, "/SAVE")).0, -4, "mkdir twice");
    let fd = call(&mut s, 0x02, &name(0x203, 0, 0, "/SAVE/tmp")).0;
    assert!((0..3).contains(&fd));
    // 5 inline head bytes, then 3000 bytes pulled from EE memory.
    assert_eq!(call(&mut s, 0x06, &desc(fd, 3000, 0, 5, EE_DATA + 5, 0, b"HEAD!")).0, 3005);
    assert_eq!(call(&mut s, 0x03, &desc(fd, 0, 0, 0, 0, 0, &[])).0, 0);
    let mut table = vec![0u8; 64];
    table[0x20..0x24].copy_from_slice(b"DATA");
    // Rename through SetFileInfo flag 0x10, the table read from EE memory: use a fake EE reader.
    let renamed = s.call(0x0E, &name(0x10, 0, EE_DATA, "/SAVE/tmp"), &|_, _| Ok(table.clone())).unwrap();
    assert_eq!(i32::from_le_bytes(renamed.reply[..4].try_into().unwrap()), 0);
    let card = ps2_mcfs::Card::open(&path).unwrap();
    let data = card.read_file("/SAVE/DATA").unwrap();
    assert_eq!(&data[..5], b"HEAD!");
    assert_eq!(data[5..], ee(EE_DATA + 5, 3000).unwrap()[..]);
    assert_eq!(card.lookup("/SAVE/DATA").unwrap().entry.mode, 0x8497, "closed properly");
    // Read back with a misaligned buffer: head and tail in the end block, the middle by DMA.
    let fd = call(&mut s, 0x02, &name(1, 0, 0, "/SAVE/DATA")).0;
    let (n, w) = call(&mut s, 0x05, &desc(fd, 200, 0, 0, 0x0030_0010, 0x0040_0000, &[]));
    assert_eq!(n, 200);
    let middle = &w[0];
    let block = &w[1].1;
    assert_eq!(middle.0, 0x0030_0040, "middle starts on a 64-byte boundary");
    assert_eq!((le_word(block, 0), le_word(block, 4)), (48, 24), "head 48 bytes, tail (200-48) % 64 = 24");
    assert_eq!(&block[0x10..0x15], b"HEAD!");
    assert_eq!(middle.1[..], data[48..176]);
    assert_eq!(block[0x50..0x50 + 24], data[176..200]);
    assert_eq!(call(&mut s, 0x04, &desc(fd, 0, -10, 2, 0, 0, &[])).0, 2995, "seek from the end");
    // GetDir with a pattern.
    let (count, w) = call(&mut s, 0x0D, &name(0, 8, 0x0050_0000, "/SAVE/*"));
    assert_eq!(count, 3);
    assert_eq!(&w[2].1[0x20..0x25], b"DATA\0");
    assert_eq!(le_word(&w[2].1, 0x10), 3005);
    assert_eq!(call(&mut s, 0x0F, &name(0, 0, 0, "/SAVE")).0, -6, "not empty");
    assert_eq!(call(&mut s, 0x0F, &name(0, 0, 0, "/SAVE/DATA")).0, -5, "still open");
    assert_eq!(call(&mut s, 0x03, &desc(fd, 0, 0, 0, 0, 0, &[])).0, 0);
    assert_eq!(call(&mut s, 0x0F, &name(0, 0, 0, "/SAVE/DATA")).0, 0);
    assert_eq!(call(&mut s, 0x02, &name(1, 0, 0, "/SAVE/DATA")).0, -4);
}

#[test]
fn absent_full_and_pulled_cards() {
    let mut absent = McServ::new(&CardConfig::default()).unwrap();
    assert_eq!(call(&mut absent, 0x01, &desc(0, 0, 0, 0, 0, 0x0020_0000, &[])).0, -10);
    assert_eq!(call(&mut absent, 0x02, &name(0x40, 0, 0, "/X")).0, -10);

    let dir = tempfile::tempdir().unwrap();
    let (mut full, _) = server(&dir, |c| c.free_clusters = Some(2)); // one for the root's second cluster
    let fd = call(&mut full, 0x02, &name(0x202, 0, 0, "/F")).0;
    assert_eq!(call(&mut full, 0x06, &desc(fd, 1024, 0, 0, EE_DATA, 0, &[])).0, 1024);
    assert_eq!(call(&mut full, 0x06, &desc(fd, 16, 0, 0, EE_DATA, 0, &[])).0, -3, "full");

    let dir = tempfile::tempdir().unwrap();
    let (mut pulled, path) = server(&dir, |c| c.pull_after_writes = Some(1));
    let fd = call(&mut pulled, 0x02, &name(0x202, 0, 0, "/F")).0;
    assert_eq!(call(&mut pulled, 0x06, &desc(fd, 100, 0, 0, EE_DATA, 0, &[])).0, 100);
    assert_eq!(call(&mut pulled, 0x06, &desc(fd, 100, 0, 0, EE_DATA, 0, &[])).0, -10, "pulled mid-write");
    assert_eq!(ps2_mcfs::Card::open(&path).unwrap().read_file("/F").unwrap().len(), 150, "half the write landed");
    assert_eq!(call(&mut pulled, 0x03, &desc(fd, 0, 0, 0, 0, 0, &[])).0, -10);
    assert_eq!(call(&mut pulled, 0x01, &desc(0, 0, 0, 0, 0, 0, &[])).0, -10, "slot seen empty");
    assert_eq!(call(&mut pulled, 0x01, &desc(0, 0, 0, 0, 0, 0, &[])).0, -1, "card back: a new card");
    assert_eq!(call(&mut pulled, 0x02, &name(1, 0, 0, "/F")).0, 0, "open again");
}

#[test]
fn init_reports_versions_and_unknown_calls_repeat_the_last_result() {
    let mut s = McServ::default();
    let r = s.call(0xFE, &desc(-1, 0, 0, 0, 0, 0, &[]), &ee).unwrap();
    assert_eq!((le_word(&r.reply, 0), le_word(&r.reply, 4), le_word(&r.reply, 8)), (0, 0x208, 0x20B));
    assert_eq!(call(&mut s, 0x0A, &desc(-1, 0, 0, 0, 0, 0, &[])).0, -10, "flush with no card");
    assert_eq!(call(&mut s, 0x99, &[]).0, -10, "unknown: previous result");
}
