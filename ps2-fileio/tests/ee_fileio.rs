//! EE integration tests of the FILEIO client against the IOP's FILEIO server (the simulator's, which maps
//! `host:` to a host folder — by default the folder of the booted program — and `cdrom0:` to the disc the runner
//! builds from this package's `disc/` folder, named by `PS2_DISC_DIR=ps2-fileio/disc` as `cargo xtask test` does; or a
//! console's). Everything on `host:` happens inside
//! `host:fileio-ee-test/`, which the tests create and remove. On the host this file builds to an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

/// Byte `i` of the test pattern.
#[allow(dead_code)]
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(7) ^ (i >> 9)) as u8
}

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use alloc::string::{String, ToString};
    use alloc::vec;
    use alloc::vec::Vec;

    use embedded_io::{Read, Seek, SeekFrom, Write};
    use ps2_alloc as _;
    use ps2_fileio::{Errno, Error, File, Fileio, Kind, OpenFlags};

    use super::pattern;

    const DIR: &str = "host:fileio-ee-test";

    ps2_sys::test_main!(
        write_list_read_rename_remove_round_trip,
        missing_files_are_enoent_with_the_path,
        paths_escaping_the_host_folder_are_refused,
        unaligned_buffers_read_and_write_exactly_their_bytes,
        large_reads_and_writes_arrive_whole,
        seeking_and_length,
        disc_files_read_through_cdrom0,
        bad_paths_and_buffers_are_refused_before_the_iop_sees_them,
    );

    fn path(name: &str) -> String {
        let mut p = String::from(DIR);
        p.push('/');
        p.push_str(name);
        p
    }

    /// A fresh, empty test folder (a failed earlier run may have left files).
    fn fresh_dir(fs: &mut Fileio) {
        if fs.exists(DIR).unwrap() {
            let entries: Vec<_> = fs.read_dir(DIR).unwrap().map(|e| e.unwrap()).filter(|e| e.name != "." && e.name != "..").collect();
            for entry in entries {
                if entry.metadata.is_dir() {
                    fs.rmdir(&path(&entry.name)).unwrap();
                } else {
                    fs.remove(&path(&entry.name)).unwrap();
                }
            }
            fs.rmdir(DIR).unwrap();
        }
        fs.mkdir(DIR).unwrap();
    }

    fn names(fs: &mut Fileio, dir: &str) -> Vec<String> {
        let mut names: Vec<String> = fs.read_dir(dir).unwrap().map(|e| e.unwrap().name).filter(|n| n != "." && n != "..").collect();
        names.sort();
        names
    }

    fn write_list_read_rename_remove_round_trip() {
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        let text = b"Written by the EE through FILEIO.\n";
        let mut file = File::create(&path("a.txt")).unwrap();
        file.write_all(text).unwrap();
        file.close().unwrap();

        let meta = fs.metadata(&path("a.txt")).unwrap();
        assert_eq!((meta.kind, meta.size), (Kind::File, text.len() as u64));
        assert_eq!(fs.metadata(DIR).unwrap().kind, Kind::Directory);
        let listing: Vec<_> = fs.read_dir(DIR).unwrap().map(|e| e.unwrap()).collect();
        let entry = listing.iter().find(|e| e.name == "a.txt").expect("the new file is listed");
        assert_eq!(entry.metadata.size, text.len() as u64);
        assert_eq!(fs.read(&path("a.txt")).unwrap(), text);

        fs.rename(&path("a.txt"), &path("b.txt")).unwrap();
        assert_eq!(names(&mut fs, DIR), ["b.txt"], "renamed: the old name is gone");
        assert_eq!(fs.read(&path("b.txt")).unwrap(), text);

        // remove leaves nothing behind, not even the directory an unpatched ROM FILEIO's mkdir makes.
        fs.remove(&path("b.txt")).unwrap();
        assert!(names(&mut fs, DIR).is_empty());
        assert!(!fs.exists(&path("b.txt")).unwrap());
        assert_eq!(fs.remove(&path("b.txt")).unwrap_err().errno(), Some(Errno::ENOENT));
        fs.rmdir(DIR).unwrap();
        assert!(!fs.exists(DIR).unwrap());
    }

    fn missing_files_are_enoent_with_the_path() {
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        let missing = path("nope.bin");
        let error = File::open_read(&missing).err().expect("opening a missing file fails");
        assert_eq!(error.errno(), Some(Errno::ENOENT));
        assert_eq!(error.to_string(), "open \"host:fileio-ee-test/nope.bin\": ENOENT: no such file or directory (-2)");
        assert_eq!(fs.metadata(&missing).unwrap_err().errno(), Some(Errno::ENOENT));
        assert!(matches!(fs.read_dir(&path("no-dir")).err(), Some(Error::Io { op: "dopen", errno: Errno::ENOENT, .. })));
        fs.mkdir(&path("sub")).unwrap();
        assert_eq!(fs.mkdir(&path("sub")).unwrap_err().errno(), Some(Errno::EEXIST));
        assert_eq!(fs.remove(&path("sub")).unwrap_err().errno(), Some(Errno::EISDIR));
        fs.rmdir(&path("sub")).unwrap();
        fs.rmdir(DIR).unwrap();
    }

    fn paths_escaping_the_host_folder_are_refused() {
        let mut fs = Fileio::new().unwrap();
        for escape in ["host:../escaped.txt", "host:/tmp/escaped.txt", "host:fileio-ee-test/../../escaped.txt"] {
            let error = File::create(escape).err().expect("an escaping path is refused");
            assert_eq!(error.errno(), Some(Errno::EACCES), "{escape}");
            assert_eq!(fs.metadata(escape).unwrap_err().errno(), Some(Errno::EACCES), "{escape}");
            assert_eq!(fs.mkdir(escape).unwrap_err().errno(), Some(Errno::EACCES), "{escape}");
        }
        assert_eq!(fs.read_dir("host:..").err().and_then(|e| e.errno()), Some(Errno::EACCES));
    }

    fn unaligned_buffers_read_and_write_exactly_their_bytes() {
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        let name = path("pattern.bin");
        let data: Vec<u8> = (0..1000).map(pattern).collect();
        // Write from an unaligned source: 3 bytes in.
        let mut source = vec![0u8; 1100];
        source[3..1003].copy_from_slice(&data);
        let mut file = File::create(&name).unwrap();
        file.write_all(&source[3..1003]).unwrap();
        file.close().unwrap();
        assert_eq!(fs.read(&name).unwrap(), data);

        let mut file = File::open_read(&name).unwrap();
        // Every start offset inside a cache line and lengths around the 16-byte protocol granularity; the
        // guard bytes around the destination must stay as they were.
        for offset in 0..20 {
            for len in [1usize, 15, 16, 17, 31, 64, 65, 100, 999] {
                let position = (offset * 37 + len) % (1000 - len);
                file.seek(SeekFrom::Start(position as u64)).unwrap();
                let mut area = vec![0xA5u8; 1200];
                let n = file.read(&mut area[offset + 64..offset + 64 + len]).unwrap();
                assert_eq!(n, len, "offset {offset}, len {len}");
                assert_eq!(&area[offset + 64..offset + 64 + len], &data[position..position + len], "offset {offset}, len {len}");
                assert!(area[..offset + 64].iter().all(|&b| b == 0xA5), "bytes before the buffer untouched (offset {offset}, len {len})");
                assert!(area[offset + 64 + len..].iter().all(|&b| b == 0xA5), "bytes after the buffer untouched (offset {offset}, len {len})");
            }
        }
        drop(file);
        fs.remove(&name).unwrap();
        fs.rmdir(DIR).unwrap();
    }

    fn large_reads_and_writes_arrive_whole() {
        const LEN: usize = 300_001;
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        let name = path("large.bin");
        let mut data: Vec<u8> = Vec::with_capacity(LEN + 5);
        data.extend((0..5).map(|_| 0));
        data.extend((0..LEN).map(pattern));
        let mut file = File::create(&name).unwrap();
        // One request for the whole unaligned slice.
        assert_eq!(file.write(&data[5..]).unwrap(), LEN);
        file.close().unwrap();
        assert_eq!(fs.metadata(&name).unwrap().size, LEN as u64);

        let mut file = File::open_read(&name).unwrap();
        let mut back = vec![0u8; LEN + 9];
        assert_eq!(file.read(&mut back[9..]).unwrap(), LEN, "one read returns the whole file");
        assert!(back[9..].iter().enumerate().all(|(i, &b)| b == pattern(i)), "every byte of the large read");
        assert_eq!(file.read(&mut back[..100]).unwrap(), 0, "then the end of the file");
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut offset = 0;
        let mut chunk = vec![0u8; 70_001];
        loop {
            let n = file.read(&mut chunk[1..]).unwrap();
            if n == 0 {
                break;
            }
            assert!(chunk[1..1 + n].iter().enumerate().all(|(i, &b)| b == pattern(offset + i)), "chunk at {offset}");
            offset += n;
        }
        assert_eq!(offset, LEN);
        drop(file);
        fs.remove(&name).unwrap();
        fs.rmdir(DIR).unwrap();
    }

    fn seeking_and_length() {
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        let name = path("seek.bin");
        fs.write(&name, b"0123456789").unwrap();
        let mut file = File::open(&name, OpenFlags::READ | OpenFlags::WRITE).unwrap();
        assert_eq!(file.len().unwrap(), 10);
        assert_eq!(file.seek(SeekFrom::End(-3)).unwrap(), 7);
        let mut three = [0u8; 3];
        file.read_exact(&mut three).unwrap();
        assert_eq!(&three, b"789");
        assert_eq!(file.seek(SeekFrom::Start(2)).unwrap(), 2);
        file.write_all(b"ab").unwrap();
        assert_eq!(file.seek(SeekFrom::Current(-4)).unwrap(), 0);
        let mut all = [0u8; 10];
        file.read_exact(&mut all).unwrap();
        assert_eq!(&all, b"01ab456789");
        assert!(matches!(file.seek(SeekFrom::Start(1 << 40)), Err(Error::Unsupported(_))));
        file.close().unwrap();
        fs.remove(&name).unwrap();
        fs.rmdir(DIR).unwrap();
    }

    fn disc_files_read_through_cdrom0() {
        let mut fs = Fileio::new().unwrap();
        let text = fs.read("cdrom0:\\DATA\\NOTE.TXT;1").unwrap();
        assert_eq!(text, b"Read from the disc through FILEIO.\n");
        let meta = fs.metadata("cdrom0:\\DATA\\NOTE.TXT;1").unwrap();
        assert_eq!((meta.kind, meta.size), (Kind::File, 35));
        assert_eq!(fs.metadata("cdrom0:\\DATA").unwrap().kind, Kind::Directory);
        let listing: Vec<String> = fs.read_dir("cdrom0:\\DATA").unwrap().map(|e| e.unwrap().name).collect();
        assert!(listing.iter().any(|n| n == "NOTE.TXT;1"), "{listing:?}");
        // CDVDMAN opens what it finds, read-only, whatever the flags: a new name is not found.
        assert_eq!(File::create("cdrom0:\\NEW.TXT;1").err().and_then(|e| e.errno()), Some(Errno::ENOENT));
        assert_eq!(File::open_read("cdrom0:\\NONE.TXT;1").err().and_then(|e| e.errno()), Some(Errno::ENOENT));
    }

    fn bad_paths_and_buffers_are_refused_before_the_iop_sees_them() {
        let long = "host:".to_string() + &"x".repeat(251);
        assert!(matches!(File::open_read(&long), Err(Error::InvalidPath { .. })));
        assert!(matches!(File::open_read("host:a\0b"), Err(Error::InvalidPath { .. })));
        // The scratchpad is out of the IOP's DMA reach.
        let mut fs = Fileio::new().unwrap();
        fresh_dir(&mut fs);
        fs.write(&path("s.bin"), b"scratch").unwrap();
        let mut file = File::open_read(&path("s.bin")).unwrap();
        // SAFETY: the scratchpad's first 64 bytes, used by nothing else in this test binary.
        let spr = unsafe { core::slice::from_raw_parts_mut(0x7000_0000 as *mut u8, 64) };
        assert!(matches!(file.read(spr), Err(Error::Unsupported(_))));
        assert!(matches!(file.write(spr), Err(Error::Unsupported(_))));
        drop(file);
        fs.remove(&path("s.bin")).unwrap();
        fs.rmdir(DIR).unwrap();
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_fileio: EE-only tests, run in the simulator with `PS2_DISC_DIR=ps2-fileio/disc cargo test -p ps2-fileio --test ee_fileio`");
    let _ = pattern(0);
}
