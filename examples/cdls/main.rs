//! `cdls`: lists every file on the disc and reads one — ps2-cdvd's file system and reads in one screen.
//!
//! `cargo run --example cdls` builds a disc with the files of `examples/cdls/disc/` (the runner's convention)
//! and boots it. The program initialises the drive over the IOP's CDVDFSV, walks the ISO9660 directories
//! fully, prints each entry with its sector and size, and reads `README.TXT` through an `embedded-io` reader.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use embedded_io::Read;
use ps2_alloc as _;
use ps2_cdvd::iso9660::DirEntry;
use ps2_cdvd::{Disc, DiscError};
use ps2_sys::println;

ps2_sys::entry!(main);

fn main() -> Result<(), DiscError> {
    let mut disc = Disc::open()?;
    println!("disc: {:?}, volume {:?}", disc.cdvd().disc_type(), disc.volume().volume_id());

    let mut files = 0;
    let root = disc.volume().root();
    list(&mut disc, &root, &mut String::from("\\"), &mut files)?;
    println!("{files} file(s)");

    let mut readme = disc.open_file("README.TXT")?;
    let mut text = Vec::new();
    let mut chunk = [0u8; 100];
    loop {
        let n = readme.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
    }
    println!("--- README.TXT ({} bytes) ---", text.len());
    println!("{}", core::str::from_utf8(&text).unwrap_or("(not UTF-8)"));
    Ok(())
}

/// Prints the entries of `dir` and recurses into subdirectories.
fn list(disc: &mut Disc, dir: &DirEntry, path: &mut String, files: &mut usize) -> Result<(), DiscError> {
    let entries: Vec<DirEntry> = disc.volume().read_dir(dir)?.collect::<Result<_, _>>()?;
    for entry in entries {
        let name = entry.name.as_str();
        if entry.is_dir {
            println!("{:>8} {:>10}  {path}{name}\\", entry.lsn, "<dir>");
            let length = path.len();
            path.push_str(name);
            path.push('\\');
            list(disc, &entry, path, files)?;
            path.truncate(length);
        } else {
            println!("{:>8} {:>10}  {path}{name}", entry.lsn, entry.size);
            *files += 1;
        }
    }
    Ok(())
}
