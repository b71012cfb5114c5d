//! `ps2-run <elf> [args...]`: the cargo runner (see the library docs for the environment).

use std::path::PathBuf;
use std::process::ExitCode;

use ps2_run::backend::{self, Backend};
use ps2_run::{EXIT_RUNNER_ERROR, disc};

fn fail(message: &str) -> ExitCode {
    eprintln!("ps2-run: {message}");
    ExitCode::from(EXIT_RUNNER_ERROR)
}

fn main() -> ExitCode {
    let mut argv = std::env::args_os().skip(1);
    let Some(elf) = argv.next().map(PathBuf::from) else {
        return fail("usage: ps2-run <elf> [args...] (normally started by cargo as the EE runner)");
    };
    let args: Vec<String> = argv.map(|a| a.to_string_lossy().into_owned()).collect();
    let bytes = match std::fs::read(&elf) {
        Ok(b) => b,
        Err(e) => return fail(&format!("cannot read {}: {e}", elf.display())),
    };
    if std::env::var_os("PS2_SKIP_ISA_CHECK").is_none()
        && let Err(report) = ps2_run::isa_check(&bytes, &elf)
    {
        return fail(&report);
    }
    let program = disc::program_name(&elf);
    let cwd = std::env::current_dir().unwrap_or_default();
    let data = disc::find_data_dir(&program, &cwd, std::env::var_os("PS2_DISC_DIR").map(PathBuf::from));
    let image = match disc::build_image(&elf, data.as_deref()) {
        Ok(image) => image,
        Err(e) => return fail(&e),
    };
    let runner = std::env::var("PS2_RUNNER").ok();
    let backend = match backend::choose(
        runner.as_deref(),
        std::env::var_os("PCSX2").map(PathBuf::from),
        std::env::var_os("PATH").as_deref(),
    ) {
        Ok(b) => b,
        Err(e) => return fail(&e),
    };
    let status = match backend {
        Backend::Simulator => {
            let mut options = match backend::sim_options(&std::env::var("PS2_SIM_ARGS").unwrap_or_default()) {
                Ok(o) => o,
                Err(e) => return fail(&e),
            };
            // A headless run still shows what the screen showed: by default the last frame is saved next to
            // the disc image (when the program set up a display).
            if options.screenshot.is_none() {
                options.screenshot_if_displayed = Some(image.with_extension("png"));
            }
            backend::run_simulator(&image, args, &options)
        }
        Backend::Pcsx2(path) => backend::run_pcsx2(&path, &image, &args),
    };
    ExitCode::from(status)
}
