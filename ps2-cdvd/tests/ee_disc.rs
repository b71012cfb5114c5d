//! EE integration tests of the CD/DVD client against the IOP's CDVDFSV (the simulator's HLE IOP reading the
//! runner's disc image, or a real drive). Run with the ps2-rs repository's `cargo xtask test`, which generates
//! the disc's data files (`PS2_DISC_DIR`): `HELLO.TXT`, `DATA/PATTERN.BIN` (PATTERN_LEN bytes of
//! `pattern(i)`), `MANY/F000.TXT` .. `MANY/F099.TXT`. On the host this file builds to an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

/// Byte `i` of `DATA/PATTERN.BIN` (the repository's generator, in its xtask, uses the same formula).
#[allow(dead_code)]
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 11)) as u8
}

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::vec;
    use embedded_io::{Read, Seek, SeekFrom};
    use ps2_alloc as _;
    use ps2_cdvd::{Cdvd, Disc, DiscType, Error, SectorBuffer, iso9660};

    use super::pattern;

    const PATTERN_LEN: usize = 300_000;

    ps2_sys::test_main!(
        drive_reports_a_ps2_cd,
        raw_read_finds_the_volume_descriptor,
        read_in_flight_completes_in_the_background,
        files_read_through_embedded_io_match_byte_for_byte,
        streaming_delivers_every_byte_in_order,
        directories_are_walked_beyond_64_entries,
        missing_files_name_the_missing_component,
        reads_past_the_end_fail_with_the_drive_code,
        rom_search_finds_root_files,
        rom_search_has_the_roms_limits,
        reads_into_caller_memory_land_in_place,
        reads_into_caller_memory_check_their_arguments,
        misuse_is_reported_as_what_it_is,
    );

    fn check_pattern(data: &[u8], offset: usize) {
        for (i, &b) in data.iter().enumerate() {
            assert_eq!(b, pattern(offset + i), "byte {} of PATTERN.BIN", offset + i);
        }
    }

    fn drive_reports_a_ps2_cd() {
        let mut cd = Cdvd::init().expect("sceCdInit + disc ready");
        assert_eq!(cd.disc_type(), DiscType::Ps2Cd);
        assert!(cd.is_ready().unwrap());
        assert_eq!(cd.last_error().unwrap(), None);
    }

    fn raw_read_finds_the_volume_descriptor() {
        let mut cd = Cdvd::init().unwrap();
        let mut buffer = SectorBuffer::new(1);
        cd.read(16, &mut buffer).unwrap();
        assert_eq!(&buffer.as_slice()[1..6], b"CD001");
    }

    fn read_in_flight_completes_in_the_background() {
        let mut disc = Disc::open().unwrap();
        let entry = disc.find("\\DATA\\PATTERN.BIN;1").unwrap();
        let cd = disc.cdvd();
        let read = cd.start_read(entry.lsn, SectorBuffer::new(32)).map_err(|(e, _)| e).unwrap();
        // Other drive commands wait too: the read owns the drive until it is finished.
        assert_eq!(cd.seek(16), Err(Error::ReadInFlight));
        // Only one read may be in flight; a refused request hands its buffer back.
        match cd.start_read(0, SectorBuffer::new(3)) {
            Err((Error::ReadInFlight, back)) => assert_eq!(back.sectors(), 3),
            other => panic!("a second read was not refused: {:?}", other.err().map(|(e, _)| e)),
        }
        let mut spins = 0u32;
        while !cd.read_done() {
            spins += 1;
        }
        let buffer = cd.finish_read(read).map_err(|(e, _)| e).unwrap();
        check_pattern(buffer.as_slice(), 0);
        assert!(spins > 0, "the read took simulated time, and the CPU ran meanwhile");
    }

    fn files_read_through_embedded_io_match_byte_for_byte() {
        let mut disc = Disc::open().unwrap();
        let mut file = disc.open_file("data/pattern.bin").unwrap();
        assert_eq!(file.len(), PATTERN_LEN as u64);
        let mut chunk = vec![0u8; 3001];
        let mut offset = 0;
        for _ in 0..5 {
            file.read_exact(&mut chunk).unwrap();
            check_pattern(&chunk, offset);
            offset += chunk.len();
        }
        file.seek(SeekFrom::Start(250_000)).unwrap();
        file.read_exact(&mut chunk[..100]).unwrap();
        check_pattern(&chunk[..100], 250_000);
        file.seek(SeekFrom::End(-10)).unwrap();
        let n = file.read(&mut chunk).unwrap();
        assert_eq!(n, 10, "reads stop at the end of the file");
        let mut hello = [0u8; 64];
        let mut hello_file = disc.open_file("HELLO.TXT").unwrap();
        let n = hello_file.read(&mut hello).unwrap();
        assert_eq!(&hello[..n], b"Hello from the disc!\n");
    }

    fn streaming_delivers_every_byte_in_order() {
        let mut disc = Disc::open().unwrap();
        let entry = disc.find("DATA/PATTERN.BIN").unwrap();
        let mut stream = disc.stream(&entry, 8).unwrap();
        let mut offset = 0;
        let mut chunks = 0;
        while let Some(chunk) = stream.next_chunk() {
            let chunk = chunk.unwrap();
            check_pattern(chunk, offset);
            offset += chunk.len();
            chunks += 1;
        }
        assert_eq!(offset, PATTERN_LEN);
        assert_eq!(chunks, PATTERN_LEN.div_ceil(8 * 2048));
    }

    fn directories_are_walked_beyond_64_entries() {
        let mut disc = Disc::open().unwrap();
        let last = disc.find("\\MANY\\F099.TXT;1").expect("the 100th entry of a multi-sector directory");
        assert_eq!(last.size, 5);
        let root = disc.volume().root();
        let many = disc.find("MANY").unwrap();
        assert!(many.is_dir && root.is_dir);
        let count = disc.volume().read_dir(&many).unwrap().count();
        assert_eq!(count, 100);
    }

    fn missing_files_name_the_missing_component() {
        let mut disc = Disc::open().unwrap();
        match disc.find("DATA/NOPE.BIN") {
            Err(iso9660::Error::NotFound { component }) => assert_eq!(component.as_bytes(), b"NOPE.BIN"),
            other => panic!("expected NotFound, got {:?}", other.map(|e| e.lsn)),
        }
    }

    fn reads_past_the_end_fail_with_the_drive_code() {
        let mut cd = Cdvd::init().unwrap();
        let mut buffer = SectorBuffer::new(1);
        match cd.read(2_000_000, &mut buffer) {
            Err(Error::Read { lsn: 2_000_000, sectors: 1, error }) => assert_eq!(error.0, 0x20),
            other => panic!("expected a read error, got {other:?}"),
        }
        // The drive still works afterwards.
        cd.read(16, &mut buffer).unwrap();
    }

    /// 64-byte aligned memory that is not a `SectorBuffer` (like a weight streamer's own buffers).
    #[repr(C, align(64))]
    struct Aligned([u8; 8 * 2048 + 64]);

    fn reads_into_caller_memory_land_in_place() {
        let mut disc = Disc::open().unwrap();
        let entry = disc.find("\\DATA\\PATTERN.BIN").unwrap();
        let cd = disc.cdvd();
        let mut memory = alloc::boxed::Box::new(Aligned([0xEE; 8 * 2048 + 64]));
        // SAFETY: the buffer holds 8 sectors and is not touched until finish_read_into returns.
        unsafe { cd.start_read_into(entry.lsn + 2, 8, memory.0.as_mut_ptr()) }.unwrap();
        assert!(cd.read_into_pending());
        cd.finish_read_into().unwrap();
        assert!(!cd.read_into_pending());
        check_pattern(&memory.0[..8 * 2048], 2 * 2048);
        assert!(memory.0[8 * 2048..].iter().all(|&b| b == 0xEE), "nothing written past the sectors asked for");
    }

    fn reads_into_caller_memory_check_their_arguments() {
        let mut cd = Cdvd::init().unwrap();
        let mut memory = alloc::boxed::Box::new(Aligned([0; 8 * 2048 + 64]));
        assert_eq!(cd.finish_read_into(), Err(Error::NoReadInFlight), "nothing in flight");
        // SAFETY: refused before any DMA is set up.
        let address = unsafe { memory.0.as_mut_ptr().add(4) };
        // SAFETY: as above.
        let misaligned = unsafe { cd.start_read_into(16, 1, address) };
        assert_eq!(misaligned, Err(Error::Misaligned { address: address as usize, alignment: 64 }));
        // SAFETY: one sector fits; the failed read is finished before the memory is dropped.
        unsafe { cd.start_read_into(2_000_000, 1, memory.0.as_mut_ptr()) }.unwrap();
        match cd.finish_read_into() {
            Err(Error::Read { lsn: 2_000_000, sectors: 1, error }) => assert_eq!(error.0, 0x20),
            other => panic!("expected a read error, got {other:?}"),
        }
        // SAFETY: as above.
        unsafe { cd.start_read_into(16, 1, memory.0.as_mut_ptr()) }.unwrap();
        cd.finish_read_into().unwrap();
        assert_eq!(&memory.0[1..6], b"CD001");
    }

    /// A directory opened as a file, a seek before the start, and the drive's status: named errors with the
    /// matching `embedded-io` kinds, not "corrupt disc".
    fn misuse_is_reported_as_what_it_is() {
        use embedded_io::{Error as _, ErrorKind};
        let mut disc = Disc::open().unwrap();
        match disc.open_file("\\MANY\\") {
            Err(error @ iso9660::Error::NotAFile { component }) => {
                assert_eq!(component.as_bytes(), b"MANY");
                assert_eq!(error.kind(), ErrorKind::InvalidInput);
            }
            other => panic!("expected NotAFile, got {:?}", other.map(|f| f.entry().lsn)),
        }
        let mut file = disc.open_file("HELLO.TXT").unwrap();
        file.seek(SeekFrom::Start(5)).unwrap();
        match file.seek(SeekFrom::Current(-6)) {
            Err(error @ iso9660::Error::SeekBeforeStart { from: 5, offset: -6 }) => {
                assert_eq!(error.kind(), ErrorKind::InvalidInput)
            }
            other => panic!("expected SeekBeforeStart, got {other:?}"),
        }
        assert_eq!(file.seek(SeekFrom::Current(0)).unwrap(), 5, "a refused seek leaves the position");
        assert!(matches!(file.seek(SeekFrom::End(-22)), Err(iso9660::Error::SeekBeforeStart { from: 21, offset: -22 })));
        let status = disc.cdvd().status().unwrap();
        assert!(!matches!(status, ps2_cdvd::DriveStatus::Other(_) | ps2_cdvd::DriveStatus::Error), "{status:?}");
    }

    fn rom_search_finds_root_files() {
        let mut cd = Cdvd::init().unwrap();
        let found = cd.search_file("\\HELLO.TXT;1").unwrap().expect("found");
        assert_eq!(found.1, 21);
        assert_eq!(cd.search_file("\\NOPE.TXT;1").unwrap(), None);
    }

    /// The drive's own search is the ROM's: exact names with `;1`, only a directory's first sector (the simulator
    /// follows the ROM CDVDMAN here; `Disc::find` has none of these limits).
    fn rom_search_has_the_roms_limits() {
        let mut cd = Cdvd::init().unwrap();
        assert!(cd.search_file("\\MANY\\F000.TXT;1").unwrap().is_some());
        assert_eq!(cd.search_file("\\MANY\\F099.TXT;1").unwrap(), None, "beyond the directory's first sector");
        assert_eq!(cd.search_file("\\HELLO.TXT").unwrap(), None, "no ;1");
        assert_eq!(cd.search_file("\\hello.txt;1").unwrap(), None, "lower case");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_disc: EE-only tests, run with `cargo xtask test` (it prepares the disc's files)");
    let _ = pattern(0);
}
