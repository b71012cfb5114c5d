//! EE integration tests of the memory card client against the IOP's XMCSERV (the simulator's MCSERV over a
//! `.ps2` image, or a real card). `cargo xtask test` runs this binary with a card image of its own
//! (`--memcard0 <target>/ee-mc/Mcd001.ps2`); the first test formats it. On the host this is an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::vec::Vec;
    use ps2_alloc as _;
    use ps2_mc::{CardType, Error, MemoryCard, Save, SeekFrom, icon};

    ps2_sys::test_main!(
        format_gives_an_empty_formatted_ps2_card,
        files_read_back_at_every_size_and_offset,
        directories_are_created_listed_and_removed,
        free_space_shrinks_by_whole_clusters,
        a_save_folder_has_icon_sys_an_icon_and_its_files,
        an_interrupted_replacement_is_finished_on_read,
        rename_keeps_names_unique,
    );

    fn card() -> MemoryCard {
        let mut loader = ps2_iop::loadfile::LoadFile::new().expect("LOADFILE");
        ps2_mc::load_modules(&mut loader).expect("rom0:XSIO2MAN, XMCMAN, XMCSERV");
        let mut card = MemoryCard::init().expect("XMCSERV init");
        // The first GetInfo after boot reports a new card.
        card.info().expect("a card in port 0");
        card
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed) ^ (i >> 8) as u8).collect()
    }

    fn names(card: &mut MemoryCard, pattern: &str) -> Vec<alloc::string::String> {
        card.list(pattern).unwrap().iter().map(|e| alloc::string::String::from(e.name.as_str())).collect()
    }

    fn format_gives_an_empty_formatted_ps2_card() {
        let mut card = card();
        card.format().unwrap();
        let info = card.info().unwrap();
        assert_eq!(info.card_type, CardType::Ps2);
        assert!(info.formatted);
        // 8 MB card: 8135 allocatable clusters less the root's; the BIOS rounds its figure (7999-8000).
        assert!(info.free_clusters > 7900 && info.free_clusters < 8192, "{info:?}");
        assert_eq!(names(&mut card, "/*"), [".", ".."]);
    }

    fn files_read_back_at_every_size_and_offset() {
        let mut card = card();
        let data = pattern(20_000, 1);
        card.write_file("/PATTERN", &data).unwrap();
        let file = card.open("/PATTERN").unwrap();
        assert_eq!(card.seek(&file, SeekFrom::End(0)).unwrap(), 20_000);
        let mut buffer = alloc::vec![0u8; 9000];
        for (offset, len, shift) in [(0, 1, 0), (3, 17, 1), (64, 63, 5), (100, 64, 0), (999, 65, 7), (5, 8193, 3), (19_990, 100, 2)] {
            assert_eq!(card.seek(&file, SeekFrom::Start(offset)).unwrap(), offset);
            let want = len.min(20_000 - offset as usize);
            let n = card.read(&file, &mut buffer[shift..shift + len]).unwrap();
            assert_eq!(n, want, "read of {len} at {offset}");
            assert_eq!(&buffer[shift..shift + n], &data[offset as usize..offset as usize + n], "{len} bytes at {offset}");
        }
        assert_eq!(card.read(&file, &mut buffer).unwrap(), 0, "at the end");
        card.close(file).unwrap();
        // Small writes go inline in the request.
        card.write_file("/SMALL", b"sixteen bytes!!!").unwrap();
        assert_eq!(card.read_file("/SMALL").unwrap(), b"sixteen bytes!!!");
        card.remove("/SMALL").unwrap();
        card.remove("/PATTERN").unwrap();
    }

    fn directories_are_created_listed_and_removed() {
        let mut card = card();
        card.mkdir("/DIR").unwrap();
        card.write_file("/DIR/A.BIN", b"a").unwrap();
        card.write_file("/DIR/B.TXT", b"bb").unwrap();
        assert_eq!(names(&mut card, "/DIR/*"), [".", "..", "A.BIN", "B.TXT"]);
        assert_eq!(names(&mut card, "/DIR/*.TXT"), ["B.TXT"]);
        let entries = card.list("/DIR/B.TXT").unwrap();
        assert_eq!((entries[0].size, entries[0].is_dir(), entries[0].closed_properly()), (2, false, true));
        assert!(card.list("/*").unwrap().iter().any(|e| e.name == "DIR" && e.is_dir()));
        assert_eq!(card.remove("/DIR"), Err(Error::NotEmpty));
        assert_eq!(card.open("/DIR/MISSING"), Err(Error::NotFound));
        assert_eq!(card.open("/DIR"), Err(Error::Denied), "a directory is not a file");
        card.remove("/DIR/A.BIN").unwrap();
        card.remove("/DIR/B.TXT").unwrap();
        card.remove("/DIR").unwrap();
        assert_eq!(names(&mut card, "/*"), [".", ".."]);
    }

    fn free_space_shrinks_by_whole_clusters() {
        let mut card = card();
        card.mkdir("/SPACE").unwrap();
        let before = card.info().unwrap().free_clusters;
        card.write_file("/SPACE/F", &pattern(3 * 1024 + 1, 2)).unwrap();
        // 4 clusters of data and one more for the directory's third entry.
        assert_eq!(card.info().unwrap().free_clusters, before - 5);
        card.remove("/SPACE/F").unwrap();
        assert_eq!(card.info().unwrap().free_clusters, before - 1);
        card.remove("/SPACE").unwrap();
    }

    fn a_save_folder_has_icon_sys_an_icon_and_its_files() {
        let mut card = card();
        let icon = icon::square_icon([2, 8, 28]);
        let story = pattern(3000, 9);
        let save = Save { folder: "BESAVE-TEST", title1: "Test save", title2: "EE tests", icon: &icon, files: &[("STORY.TXT", &story)] };
        card.write_save(&save).unwrap();
        let mut listed: Vec<(alloc::string::String, u32)> =
            card.list("/BESAVE-TEST/*").unwrap().iter().map(|e| (e.name.as_str().into(), e.size)).collect();
        listed.sort();
        let expected: [(&str, u32); 5] = [(".", 0), ("..", 0), ("STORY.TXT", 3000), ("icon.ico", 32_968), ("icon.sys", 964)];
        assert_eq!(listed.len(), expected.len(), "{listed:?}");
        for ((name, size), (want_name, want_size)) in listed.iter().zip(expected) {
            assert_eq!((name.as_str(), *size), (want_name, want_size));
        }
        let sys = card.read_file("/BESAVE-TEST/icon.sys").unwrap();
        assert_eq!(&sys[0..4], b"PS2D");
        assert_eq!(&sys[0x104..0x10D], b"icon.ico\0");
        assert_eq!(card.read_file("/BESAVE-TEST/icon.ico").unwrap(), icon);
        assert_eq!(card.read_save_file("BESAVE-TEST", "STORY.TXT").unwrap(), story);
        // Saving again replaces the files in place.
        let story2 = pattern(100, 3);
        card.write_save(&Save { files: &[("STORY.TXT", &story2)], ..save }).unwrap();
        assert_eq!(card.read_save_file("BESAVE-TEST", "STORY.TXT").unwrap(), story2);
        assert_eq!(names(&mut card, "/BESAVE-TEST/*.tmp").len(), 0, "no temporary file left");
        // Deleting the save takes its files and the folder; the rest of the card stays.
        card.mkdir("/OTHER").unwrap();
        card.remove_save("BESAVE-TEST").unwrap();
        assert_eq!(names(&mut card, "/*"), [".", "..", "OTHER"]);
        assert_eq!(card.remove_save("BESAVE-TEST"), Err(Error::NotFound));
        card.remove("/OTHER").unwrap();
    }

    fn an_interrupted_replacement_is_finished_on_read() {
        let mut card = card();
        card.mkdir("/RECOVER").unwrap();
        // As if the card had been pulled after deleting the old file and before the rename.
        card.write_file("/RECOVER/DATA.tmp", b"new version").unwrap();
        assert_eq!(card.read_file_safely("/RECOVER", "DATA").unwrap(), b"new version");
        assert_eq!(names(&mut card, "/RECOVER/*"), [".", "..", "DATA"]);
        // A temporary file next to an intact old one is dropped.
        card.write_file("/RECOVER/DATA.tmp", b"other").unwrap();
        assert_eq!(card.read_file_safely("/RECOVER", "DATA").unwrap(), b"new version");
        assert_eq!(names(&mut card, "/RECOVER/*"), [".", "..", "DATA"]);
    }

    fn rename_keeps_names_unique() {
        let mut card = card();
        card.write_file("/R1", b"1").unwrap();
        card.write_file("/R2", b"2").unwrap();
        assert!(card.rename("/R1", "R2").is_err(), "an existing name");
        assert_eq!(card.rename("/R1", "a/b"), Err(Error::InvalidPath("a name is 1-31 bytes without '/' or NUL")));
        card.rename("/R1", "R3").unwrap();
        assert_eq!(card.read_file("/R3").unwrap(), b"1");
        assert_eq!(card.open("/R1"), Err(Error::NotFound));
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_mc: EE-only tests, run with `cargo xtask test` (it gives the simulator a card image)");
}
