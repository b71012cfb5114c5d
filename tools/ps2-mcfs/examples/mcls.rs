//! Lists a memory card image: `cargo hrun -p ps2-mcfs --example mcls -- Mcd001.ps2 [DIR]`.
//! Without DIR, lists the root and every directory in it (one level, like the console's browser).

use ps2_mcfs::{Card, DirEntry};

fn line(e: &DirEntry) -> String {
    let kind = if e.is_dir() { "dir " } else { "file" };
    format!("{kind} {:>8}  {}  mode {:#06x}  {}", e.length, e.modified, e.mode, e.name)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: mcls CARD.ps2 [DIR]");
        std::process::exit(2);
    };
    let result = (|| -> ps2_mcfs::Result<()> {
        let card = Card::open(path)?;
        if !card.is_formatted() {
            println!("{path}: unformatted card");
            return Ok(());
        }
        println!("{path}: {} free clusters (1 KiB each)", card.free_clusters()?);
        let dir = args.get(1).map_or("/", String::as_str);
        for e in card.read_dir(dir)?.iter().filter(|e| e.name != "." && e.name != "..") {
            println!("{}", line(e));
            if e.is_dir() && args.len() < 2 {
                for f in card.read_dir(&format!("{dir}/{}", e.name))?.iter().filter(|e| e.name != "." && e.name != "..") {
                    println!("  {}", line(f));
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        eprintln!("mcls: {e}");
        std::process::exit(1);
    }
}
