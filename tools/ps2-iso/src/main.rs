//! `ps2-iso`: build a bootable PS2 disc image, or list/extract one.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ps2_cdvd::iso9660::{DirEntry, Volume};
use ps2_iso::{DiscBuilder, ImageFile, VideoMode};

#[derive(Parser)]
#[command(version, about = "Build and inspect PlayStation 2 ISO9660 disc images")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build an image: SYSTEM.CNF + boot ELF + data files.
    Build {
        /// Output image.
        #[arg(short, long)]
        output: PathBuf,
        /// The ELF to boot.
        #[arg(long)]
        elf: Option<PathBuf>,
        /// Its name on the disc (8.3; default: derived from the ELF's file name, e.g. HELLO.ELF).
        #[arg(long)]
        elf_name: Option<String>,
        /// Copy a host directory to the disc root, keeping subdirectories (repeatable).
        #[arg(long = "dir")]
        dirs: Vec<PathBuf>,
        /// Add one file as DISC_PATH=HOST_PATH (repeatable).
        #[arg(long = "file", value_parser = parse_file_arg)]
        files: Vec<(String, PathBuf)>,
        /// VMODE in SYSTEM.CNF.
        #[arg(long, value_enum, default_value_t = Mode::Ntsc)]
        vmode: Mode,
        /// VER in SYSTEM.CNF.
        #[arg(long, default_value = "1.00")]
        ver: String,
        /// Volume identifier.
        #[arg(long)]
        volume_id: Option<String>,
        /// Put files of at least this many bytes at the end of the image (outer edge).
        #[arg(long, value_name = "BYTES")]
        outer_edge: Option<u64>,
        /// With --outer-edge: make those files end at this sector (e.g. 333000 = 74-min CD).
        #[arg(long, value_name = "SECTORS")]
        pad_to_sectors: Option<u32>,
    },
    /// List an image's files recursively (LSN, size, path).
    Ls {
        /// The image.
        image: PathBuf,
        /// Directory to list (default: root).
        #[arg(default_value = "\\")]
        path: String,
    },
    /// Write one file of an image to stdout.
    Cat {
        /// The image.
        image: PathBuf,
        /// File path on the disc (`\DIR\FILE.EXT;1` or `dir/file.ext`).
        path: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Ntsc,
    Pal,
}

fn parse_file_arg(arg: &str) -> Result<(String, PathBuf), String> {
    let (disc, host) = arg.split_once('=').ok_or("expected DISC_PATH=HOST_PATH")?;
    Ok((disc.to_string(), PathBuf::from(host)))
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ps2-iso: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Build { output, elf, elf_name, dirs, files, vmode, ver, volume_id, outer_edge, pad_to_sectors } => {
            let mut builder = DiscBuilder::new().version(&ver).video_mode(match vmode {
                Mode::Ntsc => VideoMode::Ntsc,
                Mode::Pal => VideoMode::Pal,
            });
            if let Some(elf) = elf {
                let name = match elf_name {
                    Some(name) => name,
                    None => ps2_iso::names::boot_elf_name(&elf.file_name().unwrap_or_default().to_string_lossy()),
                };
                builder = builder.boot_elf(&name, elf);
            }
            for dir in dirs {
                builder = builder.dir_tree(dir, "");
            }
            for (disc_path, host_path) in files {
                builder = builder.file(&disc_path, host_path);
            }
            if let Some(id) = volume_id {
                builder = builder.volume_id(&id);
            }
            if let Some(threshold) = outer_edge {
                builder = builder.outer_edge(threshold);
            }
            if let Some(sectors) = pad_to_sectors {
                builder = builder.pad_to_sectors(sectors);
            }
            print!("{}", builder.write_to(&output)?);
        }
        Command::Ls { image, path } => {
            let mut volume = Volume::open(ImageFile::open(&image)?)?;
            let start = volume.find(&path)?;
            let prefix = if start.name.as_str().is_empty() { String::new() } else { format!("\\{}", path.trim_matches(['\\', '/'])) };
            list(&mut volume, &start, &prefix)?;
        }
        Command::Cat { image, path } => {
            let mut volume = Volume::open(ImageFile::open(&image)?)?;
            let file = volume.find(&path)?;
            let mut buffer = vec![0; 64 * 2048];
            let mut offset = 0u64;
            let mut stdout = std::io::stdout().lock();
            loop {
                let read = volume.read_at(&file, offset, &mut buffer)?;
                if read == 0 {
                    break;
                }
                stdout.write_all(&buffer[..read])?;
                offset += read as u64;
            }
        }
    }
    Ok(())
}

/// Prints a directory tree, depth first.
fn list(volume: &mut Volume<ImageFile>, dir: &DirEntry, prefix: &str) -> Result<(), Box<dyn std::error::Error>> {
    let entries = volume.read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    for entry in entries {
        let path = format!("{prefix}\\{}", entry.name);
        if entry.is_dir {
            println!("{:>8}  {:>12}  {path}\\", entry.lsn, "<dir>");
            list(volume, &entry, &path)?;
        } else {
            println!("{:>8}  {:>12}  {path}", entry.lsn, entry.size);
        }
    }
    Ok(())
}
