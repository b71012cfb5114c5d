//! `cdls`: lists every file on the disc and reads one — ps2-cdvd's file system and reads in one screen.
//!
//! `cargo run --example cdls` builds a disc with the files of `examples/cdls/disc/` (the runner's convention)
//! and boots it. The program initialises the drive over the IOP's CDVDFSV, walks the ISO9660 directories
//! fully, prints each entry with its sector and size, and reads `README.TXT` through an `embedded-io` reader.
//! On a corrupt disc (a directory that lists itself or an ancestor, a tree deeper than the reader's limit) the
//! walk ends with the reader's error, printed, and the program exits with code 1.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use embedded_io::Read;
use ps2_alloc as _;
use ps2_cdvd::iso9660::WalkEntry;
use ps2_cdvd::{Disc, DiscError};
use ps2_sys::println;

ps2_sys::entry!(main);

fn main() -> Result<(), DiscError> {
    let mut disc = Disc::open()?;
    println!("disc: {:?}, volume {:?}", disc.cdvd().disc_type(), disc.volume().volume_id());

    let files = match list(&mut disc) {
        Ok(files) => files,
        Err(error) => {
            println!("cdls: cannot list the disc: {error}");
            return Err(error);
        }
    };
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

/// Prints every entry of the disc, depth first, with its path; returns how many files there are.
///
/// `Volume::walk` ends a corrupt tree (a cycle, nesting deeper than the reader's limit, a directory listed
/// over and over) with an error instead of recursing forever.
fn list(disc: &mut Disc) -> Result<usize, DiscError> {
    let mut files = 0;
    // The names of the directories enclosing the current entry.
    let mut path: Vec<String> = Vec::new();
    for item in disc.volume().walk()? {
        let WalkEntry { entry, depth } = item?;
        path.truncate(depth - 1);
        let mut shown = String::from("\\");
        for directory in &path {
            shown.push_str(directory);
            shown.push('\\');
        }
        let name = entry.name.as_str();
        shown.push_str(name);
        if entry.is_dir {
            println!("{:>8} {:>10}  {shown}\\", entry.lsn, "<dir>");
            path.push(String::from(name));
        } else {
            println!("{:>8} {:>10}  {shown}", entry.lsn, entry.size);
            files += 1;
        }
    }
    Ok(files)
}
