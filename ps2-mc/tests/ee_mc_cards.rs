//! EE tests of a card that is absent, full or pulled out mid-write. One binary, three runs: `cargo xtask
//! test` passes the simulator `--memcard0 none`, `--memcard0-free-clusters 12` or
//! `--memcard0-pull-after-writes 4` (each with a fresh card image) and the matching guest argument
//! `absent`, `full` or `pulled`, which selects the test. On the host this is an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use ps2_alloc as _;
    use ps2_mc::{Error, MemoryCard, Save, icon};

    ps2_sys::test_main!(the_card_behaves_as_the_simulator_was_told);

    fn card() -> MemoryCard {
        let mut loader = ps2_iop::loadfile::LoadFile::new().expect("LOADFILE");
        ps2_mc::load_modules(&mut loader).expect("rom0:XSIO2MAN, XMCMAN, XMCSERV");
        MemoryCard::init().expect("XMCSERV init")
    }

    fn the_card_behaves_as_the_simulator_was_told() {
        let scenario = ps2_sys::rt::args().nth(1).expect("a scenario argument: absent, full or pulled");
        match scenario {
            b"absent" => absent(),
            b"full" => full(),
            b"pulled" => pulled(),
            other => panic!("unknown scenario {:?}", core::str::from_utf8(other)),
        }
    }

    fn absent() {
        let mut card = card();
        assert_eq!(card.info(), Err(Error::NoCard));
        assert_eq!(card.open("/X"), Err(Error::NoCard));
        let icon = icon::square_icon([1, 1, 1]);
        let save = Save { folder: "S", title1: "T", title2: "", icon: &icon, files: &[] };
        assert_eq!(card.write_save(&save), Err(Error::NoCard));
    }

    fn full() {
        let mut card = card();
        assert!(card.info().unwrap().new_card);
        card.format().unwrap();
        assert_eq!(card.info().unwrap().free_clusters, 12);
        let old = [7u8; 4096];
        card.write_file_safely("/", "A", &old).unwrap(); // root grows (1), A.tmp data (4) = 5 used
        assert_eq!(card.info().unwrap().free_clusters, 7);
        assert_eq!(card.write_file_safely("/", "A", &[9u8; 10_000]), Err(Error::Full));
        assert_eq!(card.read_file_safely("/", "A").unwrap(), old, "the old file is intact");
        assert_eq!(card.info().unwrap().free_clusters, 7);
        // A new file that does not fit leaves nothing behind: no short B.tmp that a read would take for B.
        assert_eq!(card.write_file_safely("/", "B", &[9u8; 10_000]), Err(Error::Full));
        assert!(card.list("/B*").unwrap().is_empty(), "{:?}", card.list("/B*"));
        assert_eq!(card.read_file_safely("/", "B"), Err(Error::NotFound));
        assert_eq!(card.info().unwrap().free_clusters, 7);
    }

    fn pulled() {
        let mut card = card();
        card.info().unwrap();
        card.format().unwrap();
        card.mkdir("/SAVE").unwrap();
        // 20000 bytes = 3 write calls (8192 + 8192 + 3616); the simulator pulls the card during the 5th.
        let v1 = [1u8; 20_000];
        card.write_file_safely("/SAVE", "DATA", &v1).unwrap();
        assert_eq!(card.write_file_safely("/SAVE", "DATA", &[2u8; 20_000]), Err(Error::NoCard));
        assert_eq!(card.read_file("/SAVE/DATA"), Err(Error::NoCard), "still out");
        assert_eq!(card.info(), Err(Error::NoCard), "the slot is seen empty");
        let info = card.info().unwrap();
        assert!(info.new_card && info.formatted, "put back: {info:?}");
        // The half-written DATA.tmp was never closed; the old DATA is whole.
        let tmp = card.list("/SAVE/DATA.tmp").unwrap();
        assert!(tmp.len() == 1 && !tmp[0].closed_properly(), "{tmp:?}");
        assert_eq!(card.read_file_safely("/SAVE", "DATA").unwrap(), v1);
        assert!(card.list("/SAVE/DATA.tmp").unwrap().is_empty(), "the broken copy is gone");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_mc_cards: EE-only tests, run with `cargo xtask test` (absent, full, pulled card)");
}
