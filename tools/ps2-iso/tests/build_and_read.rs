//! Builds images and parses them back with `ps2_cdvd::iso9660` (the reader the EE uses), and
//! with `isoinfo` or `xorriso` when one is installed.

use std::process::Command;

use ps2_cdvd::iso9660::{DirEntry, Volume};
use ps2_iso::drive::{CD_74_MIN_SECTORS, Media};
use ps2_iso::{BuildError, DiscBuilder, ImageFile, SECTOR_SIZE, VideoMode};

/// Deterministic test bytes that differ per file.
fn pattern(seed: u8, length: usize) -> Vec<u8> {
    (0..length).map(|index| (index as u32).wrapping_mul(31).wrapping_add(u32::from(seed) * 7) as u8).collect()
}

fn read_whole(volume: &mut Volume<&[u8]>, entry: &DirEntry) -> Vec<u8> {
    let mut data = vec![0; entry.size as usize];
    assert_eq!(volume.read_at(entry, 0, &mut data).unwrap(), data.len());
    data
}

#[test]
fn boot_files_data_and_subdirectories_round_trip() {
    let elf = pattern(1, 10_000);
    let model = pattern(2, 3 * SECTOR_SIZE + 5);
    let (image, layout) = DiscBuilder::new()
        .boot_elf("hello.elf", elf.clone())
        .video_mode(VideoMode::Pal)
        .file("MODEL/WEIGHTS.BIN", model.clone())
        .file("model/sub/tok.txt", b"tokens")
        .file("EMPTY", Vec::new())
        .build()
        .unwrap();
    assert_eq!(image.len() as u64, layout.image_bytes());
    assert_eq!(layout.media(), Media::Cd);

    let mut volume = Volume::open(image.as_slice()).unwrap();
    assert_eq!(volume.volume_id(), "HELLO");
    assert_eq!(volume.volume_sectors(), layout.total_sectors);
    let config = volume.find("\\SYSTEM.CNF;1").unwrap();
    assert_eq!(read_whole(&mut volume, &config), b"BOOT2 = cdrom0:\\HELLO.ELF;1\r\nVER = 1.00\r\nVMODE = PAL\r\n");
    let boot = volume.find("cdrom0:\\HELLO.ELF;1").unwrap();
    assert_eq!(read_whole(&mut volume, &boot), elf);
    let weights = volume.find("/model/weights.bin").unwrap();
    assert_eq!(read_whole(&mut volume, &weights), model);
    let tokens = volume.find("MODEL\\SUB\\TOK.TXT").unwrap();
    assert_eq!(read_whole(&mut volume, &tokens), b"tokens");
    assert_eq!(volume.find("EMPTY").unwrap().size, 0);

    let mut root_names: Vec<String> =
        volume.read_dir(&volume.root()).unwrap().map(|entry| entry.unwrap().name.to_string()).collect();
    root_names.sort();
    assert_eq!(root_names, ["EMPTY;1", "HELLO.ELF;1", "MODEL", "SYSTEM.CNF;1"]);

    // The layout agrees with what the reader finds.
    for placement in &layout.files {
        let entry = volume.find(&placement.path).unwrap();
        assert_eq!((entry.lsn, entry.size), (placement.lsn, placement.size), "{}", placement.path);
    }
    assert_eq!(layout.file("model/weights.bin").unwrap().lsn, weights.lsn);
}

#[test]
fn files_are_sector_aligned_contiguous_and_do_not_overlap() {
    let mut builder = DiscBuilder::new().boot_elf("MAIN.ELF", pattern(0, 5000));
    for index in 0..20 {
        builder = builder.file(&format!("DATA/F{index}.BIN"), pattern(index as u8, 1000 + index * 777));
    }
    let (image, layout) = builder.build().unwrap();
    let mut next_free = 0;
    for placement in layout.files.iter().filter(|placement| placement.size > 0) {
        assert!(placement.lsn >= next_free, "{} overlaps the previous file", placement.path);
        if next_free != 0 {
            assert_eq!(placement.lsn, next_free, "{} leaves a gap", placement.path);
        }
        next_free = placement.lsn + placement.size.div_ceil(SECTOR_SIZE as u32);
        let start = placement.lsn as usize * SECTOR_SIZE;
        let slack = &image[start + placement.size as usize..next_free as usize * SECTOR_SIZE];
        assert!(slack.iter().all(|&byte| byte == 0), "padding after {} is not zero", placement.path);
    }
    assert_eq!(next_free, layout.total_sectors);
}

#[test]
fn directories_larger_than_one_sector_are_listed_fully() {
    let mut builder = DiscBuilder::new();
    for index in 0..150 {
        builder = builder.file(&format!("MANY/FILE{index:04}.DAT"), vec![index as u8; 3]);
    }
    let (image, layout) = builder.build().unwrap();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    let many = volume.find("MANY").unwrap();
    assert!(many.is_dir && many.size as usize > 3 * SECTOR_SIZE, "directory of {} bytes", many.size);
    let names: Vec<String> = volume.read_dir(&many).unwrap().map(|entry| entry.unwrap().name.as_str().to_string()).collect();
    assert_eq!(names.len(), 150);
    assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "records are sorted");
    let last = volume.find("many/file0149.dat").unwrap();
    assert_eq!(read_whole(&mut volume, &last), [149; 3]);
    assert!(layout.warnings.iter().any(|warning| warning.contains("MANY")), "{:?}", layout.warnings);
}

#[test]
fn outer_edge_files_go_last_and_can_be_pushed_to_the_disc_edge() {
    let directory = tempfile::tempdir().unwrap();
    let big_path = directory.path().join("big.bin");
    let big = pattern(9, 300_000);
    std::fs::write(&big_path, &big).unwrap();
    let builder = || {
        DiscBuilder::new()
            .boot_elf("A.ELF", pattern(1, 100))
            .file("BIG.BIN", big_path.as_path())
            .file("SMALL.BIN", pattern(3, 100))
            .outer_edge(100_000)
    };

    let (_, layout) = builder().build().unwrap();
    let last = layout.files.last().unwrap();
    assert_eq!(last.path, "\\BIG.BIN;1");
    assert!(last.outer_edge);

    let image_path = directory.path().join("edge.iso");
    let layout = builder().pad_to_sectors(CD_74_MIN_SECTORS).write_to(&image_path).unwrap();
    assert_eq!(layout.total_sectors, CD_74_MIN_SECTORS);
    assert_eq!(std::fs::metadata(&image_path).unwrap().len(), layout.image_bytes());
    let placement = layout.file("BIG.BIN").unwrap();
    assert_eq!(placement.lsn + placement.size.div_ceil(SECTOR_SIZE as u32), CD_74_MIN_SECTORS);

    let mut volume = Volume::open(ImageFile::open(&image_path).unwrap()).unwrap();
    let entry = volume.find("big.bin").unwrap();
    let mut data = vec![0; big.len()];
    volume.read_at(&entry, 0, &mut data).unwrap();
    assert!(data == big);
    // Not part of the timing model's tests, but the point of the option: a faster read.
    let drive = ps2_iso::drive::DriveModel::new(Media::Cd);
    assert!(drive.transfer_rate(entry.lsn) > 2.0 * drive.transfer_rate(100));
}

#[test]
fn disc_folder_convention_copies_a_host_tree_to_the_root() {
    let directory = tempfile::tempdir().unwrap();
    let disc = directory.path().join("disc");
    std::fs::create_dir_all(disc.join("model")).unwrap();
    std::fs::write(disc.join("readme.txt"), b"hi").unwrap();
    std::fs::write(disc.join("model/tok.bin"), b"tok").unwrap();
    let (image, _) = DiscBuilder::new().boot_elf("X.ELF", b"elf").dir_tree(&disc, "").build().unwrap();
    let mut volume = Volume::open(image.as_slice()).unwrap();
    let readme = volume.find("\\README.TXT;1").unwrap();
    assert_eq!(read_whole(&mut volume, &readme), b"hi");
    let tokens = volume.find("\\MODEL\\TOK.BIN;1").unwrap();
    assert_eq!(read_whole(&mut volume, &tokens), b"tok");
}

#[test]
fn bad_input_gives_clear_errors() {
    let name_error = DiscBuilder::new().file("data/my-model.bin", b"x").build().unwrap_err();
    assert!(matches!(name_error, BuildError::Name(_)), "{name_error}");
    assert!(name_error.to_string().contains("my-model.bin"), "{name_error}");

    let duplicate = DiscBuilder::new().file("A.BIN", b"1").file("a.bin", b"2").build().unwrap_err();
    assert!(matches!(duplicate, BuildError::Duplicate(_)), "{duplicate}");

    let file_and_dir = DiscBuilder::new().file("X", b"1").file("X/Y.BIN", b"2").build().unwrap_err();
    assert!(matches!(file_and_dir, BuildError::Duplicate(_)), "{file_and_dir}");

    let cnf_twice = DiscBuilder::new().boot_elf("A.ELF", b"e").file("SYSTEM.CNF", b"x").build().unwrap_err();
    assert!(matches!(cnf_twice, BuildError::Duplicate(_)), "{cnf_twice}");

    let missing = DiscBuilder::new().file("A.BIN", std::path::Path::new("/nonexistent/a.bin")).build().unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/a.bin"), "{missing}");

    let boot_in_dir = DiscBuilder::new().boot_elf("BIN/A.ELF", b"e").build().unwrap_err();
    assert!(boot_in_dir.to_string().contains("root"), "{boot_in_dir}");

    let version = DiscBuilder::new().boot_elf("A.ELF", b"e").version("1.0a").build().unwrap_err();
    assert!(matches!(version, BuildError::InvalidVersion(_)), "{version}");
}

#[test]
fn images_are_reproducible() {
    let build = || DiscBuilder::new().boot_elf("A.ELF", pattern(4, 999)).file("D/B.BIN", pattern(5, 5000)).build().unwrap().0;
    assert!(build() == build());
}

/// Extra check with an independent reader; skipped when neither tool is installed.
#[test]
fn independent_tools_accept_the_image() {
    let directory = tempfile::tempdir().unwrap();
    let image_path = directory.path().join("check.iso");
    let mut builder = DiscBuilder::new().boot_elf("HELLO.ELF", pattern(1, 4000)).file("DATA/X.BIN", pattern(2, 9000));
    for index in 0..80 {
        builder = builder.file(&format!("DATA/SUB/N{index}.TXT"), vec![b'a'; index]);
    }
    builder.write_to(&image_path).unwrap();
    let image = image_path.to_str().unwrap();

    if let Ok(output) = Command::new("isoinfo").args(["-d", "-i", image]).output() {
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "isoinfo failed: {}", String::from_utf8_lossy(&output.stderr));
        assert!(text.contains("PLAYSTATION") && text.contains("HELLO"), "{text}");
        let listing = Command::new("isoinfo").args(["-l", "-i", image]).output().unwrap();
        let listing = String::from_utf8_lossy(&listing.stdout);
        assert!(listing.contains("N79.TXT;1") && listing.contains("SYSTEM.CNF;1"), "{listing}");
    } else if let Ok(output) = Command::new("xorriso").args(["-indev", image, "-find", "/", "-exec", "lsdl"]).output() {
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "xorriso failed: {}", String::from_utf8_lossy(&output.stderr));
        assert!(text.contains("N79.TXT") && text.contains("SYSTEM.CNF"), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("SORRY") && !stderr.contains("FAILURE"), "{stderr}");
    } else {
        eprintln!("neither isoinfo nor xorriso is installed; skipping the independent check");
    }
}
