//! `files`: a `host:` round trip through the boot ROM's FILEIO server with `ps2-fileio`.
//!
//! `cargo run --example files` writes a file into `host:files-example/`, lists the folder, reads the file
//! back, renames it, removes it and the folder, printing each step. In the simulator `host:` is the folder of
//! the program (`target/mips-ps2-ee/<profile>/examples/`) unless `--host-dir DIR` (in `PS2_SIM_ARGS`) or
//! `PS2_HOST_DIR` names another; under PCSX2 it is its `host:` root, with "Enable Host Filesystem" on.
#![no_std]
#![no_main]

extern crate alloc;

use embedded_io::Write;
use ps2_alloc as _;
use ps2_fileio::{Error, File, Fileio};
use ps2_sys::println;

ps2_sys::entry!(main);

const DIR: &str = "host:files-example";
const FILE: &str = "host:files-example/greeting.txt";
const RENAMED: &str = "host:files-example/renamed.txt";
const TEXT: &[u8] = b"Hello from the Emotion Engine, through the IOP's FILEIO.\n";

fn main() -> Result<(), Error> {
    let mut fs = Fileio::new()?;
    if !fs.exists(DIR)? {
        fs.mkdir(DIR)?;
        println!("created {DIR}");
    }

    let mut file = File::create(FILE)?;
    file.write_all(TEXT)?;
    file.close()?;
    println!("wrote {} bytes to {FILE}", TEXT.len());

    println!("{DIR} holds:");
    for entry in fs.read_dir(DIR)? {
        let entry = entry?;
        println!("  {:<16} {:>6} bytes  {:?}", entry.name, entry.metadata.size, entry.metadata.kind);
    }

    let back = fs.read(FILE)?;
    if back != TEXT {
        panic!("{FILE} read back differs: {back:?}");
    }
    println!("read back: the same {} bytes: {}", back.len(), core::str::from_utf8(&back).unwrap_or("?").trim_end());

    fs.rename(FILE, RENAMED)?;
    println!("renamed to {RENAMED} ({} bytes)", fs.metadata(RENAMED)?.size);
    fs.remove(RENAMED)?;
    println!("removed {RENAMED}");
    fs.rmdir(DIR)?;
    println!("removed {DIR}: the host folder is as it was");
    Ok(())
}
