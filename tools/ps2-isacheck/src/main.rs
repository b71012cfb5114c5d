//! `ps2-isacheck FILE...`: checks EE ELFs for instructions the R5900 lacks and for the short-loop erratum.
//! Exits 0 when every file is clean, 1 when violations were found, 2 when a file could not be checked.

use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() || paths.iter().any(|p| p == "-h" || p == "--help") {
        eprintln!("usage: ps2-isacheck ELF...\nChecks PS2 EE executables for instructions the R5900 does not have.");
        return ExitCode::from(2);
    }
    let mut status = 0u8;
    for path in &paths {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            Err(e) => {
                eprintln!("{path}: cannot read: {e}");
                status = 2;
                continue;
            }
        };
        match ps2_isacheck::check_elf(&data) {
            Err(e) => {
                eprintln!("{path}: {e}");
                status = 2;
            }
            Ok(report) => {
                for violation in &report.violations {
                    println!("{path}: {violation}");
                }
                println!(
                    "{path}: {} words in {} functions checked, {} violation(s)",
                    report.words_checked,
                    report.functions,
                    report.violations.len()
                );
                if !report.is_clean() {
                    status = status.max(1);
                }
            }
        }
    }
    ExitCode::from(status)
}
