//! The runner against a stand-in PCSX2 that behaves as PCSX2's source says it does.
//!
//! This test binary has two roles (`harness = false`):
//!
//! * started with `PS2_RUN_PCSX2_STANDIN` set, it **is PCSX2** for the runner ([`standin`]): it parses the
//!   command line, finds its data folder and `PCSX2.ini`, shows "modal dialogs" (which nobody closes, so it
//!   hangs), needs a BIOS, runs the disc image in the built-in simulator (`ps2_sim`) with `-gameargs` split
//!   on spaces, writes EE console lines to its log only when the ini enables the EE console, and keeps running
//!   after the program's `Exit`, as PCSX2 does (the BIOS returns to its menu);
//! * otherwise it runs the test cases ([`cases`]), which start the real `ps2-run` binary with
//!   `PCSX2=<this binary>` and a fake user home (their `~/.config/PCSX2`, their BIOS).
//!
//! So these tests fail if the runner relies on anything PCSX2 does not do. Each stand-in behaviour names the
//! PCSX2 function it comes from (PCSX2 Qt, `pcsx2-qt/QtHost.cpp`, `pcsx2/VMManager.cpp`, `pcsx2/Pcsx2Config.cpp`,
//! `pcsx2/R5900.cpp`, `pcsx2/HwWrite.cpp`, `common/Console.cpp`).
//!
//! `cargo htest -p ps2-run --test pcsx2_standin [NAME...]` runs the cases whose names contain a NAME.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use ps2_sim::testkit::{self, r};

/// Set (to anything) in the environment of the stand-in.
const STANDIN: &str = "PS2_RUN_PCSX2_STANDIN";
/// A folder where the stand-in records its pid (`pid`), the dialog it shows (`dialog`) and its state
/// (`state`: `booted` once the program was run).
const RECORD: &str = "PS2_RUN_PCSX2_STANDIN_RECORD";
/// Milliseconds after which the stand-in "is closed by the user" (exits 0) once the program ran.
const CLOSE_AFTER_MS: &str = "PS2_RUN_PCSX2_STANDIN_CLOSE_AFTER_MS";

fn main() -> ExitCode {
    if std::env::var_os(STANDIN).is_some() {
        standin::main()
    } else {
        cases::run_all()
    }
}

/// A minimal ini reader, independent of the runner's (so that a shared mistake cannot hide).
fn ini_get(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if let Some((k, v)) = line.split_once('=')
            && current.eq_ignore_ascii_case(section)
            && k.trim().eq_ignore_ascii_case(key)
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

fn ini_bool(text: &str, section: &str, key: &str, default: bool) -> bool {
    match ini_get(text, section, key).map(|v| v.to_ascii_lowercase()) {
        Some(v) if v == "true" || v == "1" => true,
        Some(v) if v == "false" || v == "0" => false,
        _ => default,
    }
}

mod standin {
    use super::*;
    use std::io::Write;

    fn record(name: &str, text: &str) {
        if let Some(dir) = std::env::var_os(RECORD) {
            let _ = std::fs::write(Path::new(&dir).join(name), text);
        }
    }

    /// A modal dialog: nobody is there to close it, so PCSX2 waits forever.
    fn modal(text: &str) -> ! {
        eprintln!("[PCSX2 stand-in] modal dialog: {text}");
        record("dialog", text);
        hang()
    }

    /// PCSX2 keeps running (the BIOS menu after `Exit`, or a hung program) until it is ended.
    fn hang() -> ! {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }

    #[derive(Default)]
    struct Options {
        batch: bool,
        portable: bool,
        gameargs: Option<String>,
        logfile: Option<PathBuf>,
        filename: String,
    }

    /// `QtHost::ParseCommandLineOptions`: the flags PCSX2 knows; an unknown `-flag` is a modal error (then
    /// it exits with a failure); positional arguments (and everything after `--`) are joined with spaces into
    /// the boot filename; batch mode without a boot filename is a modal error.
    fn parse(args: &[String]) -> Options {
        let mut o = Options::default();
        let mut it = args.iter().peekable();
        let mut no_more = false;
        while let Some(arg) = it.next() {
            if !no_more {
                let has_param = it.peek().is_some();
                match arg.as_str() {
                    "-help" | "-version" => std::process::exit(1),
                    "-batch" => o.batch = true,
                    "-nogui" => o.batch = true,
                    "-portable" => o.portable = true,
                    "-fastboot" | "-slowboot" | "-bios" | "-fullscreen" | "-nofullscreen" | "-earlyconsolelog"
                    | "-bigpicture" | "-testconfig" | "-setupwizard" | "-debugger" | "-updatecleanup" => {}
                    "-state" | "-statefile" | "-elf" | "-disc" if has_param => {
                        it.next();
                    }
                    "-gameargs" if has_param => o.gameargs = it.next().cloned(),
                    "-logfile" if has_param => o.logfile = it.next().map(PathBuf::from),
                    "--" => no_more = true,
                    other if other.starts_with('-') => modal(&format!("Unknown parameter: '{other}'")),
                    _ => {}
                }
                if arg.starts_with('-') {
                    continue;
                }
            }
            if !o.filename.is_empty() {
                o.filename.push(' ');
            }
            o.filename.push_str(arg);
        }
        if o.batch && o.filename.is_empty() {
            modal("Cannot use batch mode, because no boot filename was specified.");
        }
        o
    }

    /// `EmuFolders::SetDataDirectory` (Linux): portable mode (`portable.ini`/`portable.txt` next to the
    /// executable, or `-portable`) uses the program's folder; else `$XDG_CONFIG_HOME/PCSX2` when that is
    /// absolute; else `$HOME/.config/PCSX2`.
    fn data_root(o: &Options) -> PathBuf {
        let exe = std::env::current_exe().expect("own path");
        let app_root = exe.parent().expect("a folder").to_path_buf();
        if o.portable || app_root.join("portable.ini").exists() || app_root.join("portable.txt").exists() {
            return app_root;
        }
        match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from) {
            Some(xdg) if xdg.is_absolute() => xdg.join("PCSX2"),
            _ => PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".config/PCSX2"),
        }
    }

    pub fn main() -> ExitCode {
        let started = Instant::now();
        record("pid", &std::process::id().to_string());
        let args: Vec<String> = std::env::args().skip(1).collect();
        let o = parse(&args);
        let root = data_root(&o);

        // `QtHost::InitializeConfig`: `<data>/inis/PCSX2.ini`. Missing: a new install gets default settings
        // with `SetupWizardIncomplete=true` (saved) and then the setup wizard. Unloadable or another
        // `[UI] SettingsVersion` (`VMManager::Internal::CheckSettingsVersion`, `SETTINGS_VERSION` = 1): a
        // modal question. `SetupWizardIncomplete=true`: the (modal) setup wizard.
        let ini_path = root.join("inis/PCSX2.ini");
        if !ini_path.exists() {
            let _ = std::fs::create_dir_all(root.join("inis"));
            let _ = std::fs::write(
                &ini_path,
                "[UI]\nSettingsVersion = 1\nSetupWizardIncomplete = true\n\n[Logging]\nEnableEEConsole = false\n\
                 EnableFileLogging = false\n\n[EmuCore]\nEnableFastBoot = true\n",
            );
            modal("setup wizard (first run)");
        }
        let Ok(ini) = std::fs::read_to_string(&ini_path) else {
            modal("Settings failed to load, or are the incorrect version. Clicking Yes will reset all settings to defaults.")
        };
        if ini_get(&ini, "UI", "SettingsVersion").as_deref() != Some("1") {
            modal("Settings failed to load, or are the incorrect version. Clicking Yes will reset all settings to defaults.");
        }
        if ini_bool(&ini, "UI", "SetupWizardIncomplete", false) {
            modal("setup wizard (SetupWizardIncomplete)");
        }

        // `VMManager::UpdateLoggingSettings`: the file sink is on with `-logfile` (`SetFileLogPath` forces it)
        // or `EnableFileLogging` (then `<Logs folder>/emulog.txt`); the EE console only when a sink is on
        // *and* `[Logging] EnableEEConsole=true`. `Log::WriteToFile` (`common/Console.cpp`) writes each
        // message as a line, after a timestamp unless `EnableTimestamps=false`, and flushes.
        let file_sink = o.logfile.clone().or_else(|| {
            ini_bool(&ini, "Logging", "EnableFileLogging", false).then(|| {
                let logs = ini_get(&ini, "Folders", "Logs").unwrap_or_else(|| "logs".into());
                let logs = if Path::new(&logs).is_absolute() { PathBuf::from(logs) } else { root.join(logs) };
                let _ = std::fs::create_dir_all(&logs);
                logs.join("emulog.txt")
            })
        });
        let system_console = ini_bool(&ini, "Logging", "EnableSystemConsole", false);
        let ee_console = (file_sink.is_some() || system_console) && ini_bool(&ini, "Logging", "EnableEEConsole", false);
        let timestamps = ini_bool(&ini, "Logging", "EnableTimestamps", true);
        let mut log = file_sink.and_then(|p| std::fs::File::create(p).ok());
        let mut write_line = |text: &str| {
            let line = if timestamps {
                format!("[{:>10.4}] {text}\n", started.elapsed().as_secs_f64())
            } else {
                format!("{text}\n")
            };
            if let Some(file) = log.as_mut() {
                let _ = file.write_all(line.as_bytes());
                let _ = file.flush();
            }
            if system_console {
                print!("{line}");
            }
        };
        write_line(&format!("Loading config from {}.", ini_path.display()));

        // `VMManager::Initialize` → `AutoDetectSource`: a boot file that does not exist is an error box.
        if !Path::new(&o.filename).is_file() {
            modal(&format!("Requested filename '{}' does not exist.", o.filename));
        }
        // `VMManager::Initialize` → `LoadBIOS` (`Pcsx2Config::FullpathToBios`): `[Folders] Bios` (relative to
        // the data folder) + `[Filenames] BIOS`; missing or empty: "PCSX2 requires a PS2 BIOS…" error box.
        write_line("Loading BIOS...");
        let bios_folder = ini_get(&ini, "Folders", "Bios").unwrap_or_else(|| "bios".into());
        let bios_folder = if Path::new(&bios_folder).is_absolute() { PathBuf::from(bios_folder) } else { root.join(bios_folder) };
        let bios_ok = ini_get(&ini, "Filenames", "BIOS")
            .filter(|f| !f.is_empty())
            .and_then(|f| std::fs::metadata(bios_folder.join(f)).ok())
            .is_some_and(|m| m.is_file() && m.len() > 0);
        if !bios_ok {
            modal("PCSX2 requires a PS2 BIOS in order to run.");
        }

        // `R5900.cpp` `eeloadHook2` + `ParseArgumentString`: the boot path, a space and the `-gameargs`
        // string, cut at every space (runs of spaces collapse; no quoting), at most `kMaxArgs` strings, the
        // rest dropped with only a log line (its value was not found in the source read; 16 is assumed, what
        // the kernel's argument block holds).
        let game_args: Vec<String> = o
            .gameargs
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|a| !a.is_empty())
            .map(String::from)
            .take(15)
            .collect();
        if let Some(args) = &o.gameargs {
            write_line(&format!("eeloadHook2: Supplying launch argument(s) '{args}' to ELF."));
        }
        let config = ps2_sim::MachineConfig {
            max_cycles: 20_000_000,
            echo_console: false,
            args: game_args,
            ..Default::default()
        };
        let Ok(mut machine) = ps2_sim::Machine::from_path(Path::new(&o.filename), config) else {
            modal("Startup Error: failed to open CDVD");
        };
        let outcome = machine.run();
        // `HwWrite.cpp` `_hwWrite8(SIO_TXFIFO)`: each line written to the EE SIO goes to `eeConLog`, which
        // reaches the log only when the EE console is enabled (`DebugTools/Debug.h`, `SysConsole.eeConsole`).
        if ee_console {
            for line in String::from_utf8_lossy(machine.hw.io.console.everything()).lines() {
                write_line(line);
            }
        }
        record("state", &format!("booted: {:?}", outcome.result.map_err(|e| e.to_string())));
        // The program's `Exit` returns to the BIOS menu (or the program hangs): PCSX2 keeps running. In batch
        // mode it exits (0) only when the VM is shut down, e.g. when the user closes it.
        if let Some(ms) = std::env::var(CLOSE_AFTER_MS).ok().and_then(|v| v.parse().ok()) {
            std::thread::sleep(Duration::from_millis(ms));
            write_line("(the user closed PCSX2)");
            return ExitCode::SUCCESS;
        }
        hang()
    }
}

mod cases {
    use super::*;

    const SIO_TXFIFO: u32 = 0x1000_F180;

    /// `lbu rt, off(base)`.
    fn lbu(rt: u32, off: i16, base: u32) -> u32 {
        (0x24 << 26) | (base << 21) | (rt << 16) | (off as u16 as u32)
    }

    fn print(words: &mut Vec<u32>, text: &[u8]) {
        for &b in text {
            words.push(testkit::addiu(r::T1, r::ZERO, b as i16));
            words.push(testkit::sb(r::T1, 0, r::T4));
        }
    }

    fn exe(words: Vec<u32>) -> Vec<u8> {
        let len = words.len();
        testkit::build_exe(0x0010_0000, &words, &[("main", 0, len)])
    }

    /// Prints `text`, then the exit marker for `code` if `marker`, then calls `Exit(code)`.
    fn program(text: &str, marker: bool, code: i16) -> Vec<u8> {
        let mut words = testkit::li32(r::T4, SIO_TXFIFO).to_vec();
        print(&mut words, text.as_bytes());
        if marker {
            print(&mut words, format!("[ps2-rs exit {code}]\n").as_bytes());
        }
        words.push(testkit::addiu(r::A0, r::ZERO, code));
        words.extend(testkit::sys(4));
        exe(words)
    }

    /// Prints `text`, then loops forever.
    fn hanging(text: &str) -> Vec<u8> {
        let mut words = testkit::li32(r::T4, SIO_TXFIFO).to_vec();
        print(&mut words, text.as_bytes());
        words.push(testkit::beq(r::ZERO, r::ZERO, -1));
        words.push(testkit::NOP);
        exe(words)
    }

    /// Calls `SetupThread` with an argument block (as crt0 does), prints `argv` as one line with each string
    /// followed by `|`, then the exit marker and `Exit(0)`.
    fn echo_args() -> Vec<u8> {
        const ARGS: u32 = 0x0020_0000;
        let mut words = testkit::li32(r::T4, SIO_TXFIFO).to_vec(); // 0-1
        words.extend(testkit::li32(r::A3, ARGS)); // 2-3
        words.push(testkit::addiu(r::A0, r::ZERO, 0)); // 4
        words.push(testkit::addiu(r::A1, r::ZERO, -1)); // 5
        words.extend(testkit::li32(r::A2, 0x10000)); // 6-7
        words.push(testkit::addiu(r::T0, r::ZERO, 0)); // 8
        words.extend(testkit::sys(0x3c)); // 9-10
        words.extend(testkit::li32(r::T5, ARGS)); // 11-12
        words.push(testkit::lw(r::T3, 0, r::T5)); // 13: argc
        words.push(testkit::addiu(r::T0, r::T5, 0x44)); // 14: the strings
        words.push(lbu(r::T1, 0, r::T0)); // 15: loop
        words.push(testkit::addiu(r::T0, r::T0, 1)); // 16
        words.push(testkit::bne(r::T1, r::ZERO, 3)); // 17 → 21
        words.push(testkit::NOP); // 18
        words.push(testkit::addiu(r::T3, r::T3, -1)); // 19: end of a string
        words.push(testkit::addiu(r::T1, r::ZERO, b'|' as i16)); // 20
        words.push(testkit::sb(r::T1, 0, r::T4)); // 21
        words.push(testkit::bne(r::T3, r::ZERO, -8)); // 22 → 15
        words.push(testkit::NOP); // 23
        print(&mut words, b"\n[ps2-rs exit 0]\n");
        words.push(testkit::addiu(r::A0, r::ZERO, 0));
        words.extend(testkit::sys(4));
        exe(words)
    }

    /// What ps2-sys's `rt` does to an argument before `main` (the documented encoding, decoded here
    /// independently of the SDK).
    fn decode(arg: &str) -> String {
        let Some(rest) = arg.strip_prefix("%%") else { return arg.to_string() };
        let bytes = rest.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => match bytes.get(i + 1..i + 3) {
                    Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                        out.push(u8::from_str_radix(std::str::from_utf8(h).unwrap(), 16).unwrap());
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    struct Fixture {
        dir: tempfile::TempDir,
        elf: PathBuf,
    }

    const USER_INI: &str = "[UI]\nSettingsVersion = 1\nSetupWizardIncomplete = false\nConfirmShutdown = true\n\n\
        [Folders]\nBios = bios\n\n[Filenames]\nBIOS = scph39001.bin\n\n[Logging]\nEnableEEConsole = false\n\
        EnableFileLogging = false\n\n[EmuCore/GS]\nRenderer = 14\n";

    impl Fixture {
        /// A user whose PCSX2 was set up (`~/.config/PCSX2` with a BIOS) when `set_up`, and a program.
        fn new(program: Vec<u8>, set_up: bool) -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("home")).unwrap();
            std::fs::create_dir_all(dir.path().join("record")).unwrap();
            std::fs::create_dir_all(dir.path().join("target/examples")).unwrap();
            if set_up {
                let root = dir.path().join("home/.config/PCSX2");
                std::fs::create_dir_all(root.join("inis")).unwrap();
                std::fs::create_dir_all(root.join("bios")).unwrap();
                std::fs::write(root.join("inis/PCSX2.ini"), USER_INI).unwrap();
                std::fs::write(root.join("bios/scph39001.bin"), vec![0x5A; 4096]).unwrap();
            }
            let elf = dir.path().join("target/examples/prog");
            std::fs::write(&elf, program).unwrap();
            Fixture { dir, elf }
        }

        fn path(&self, relative: &str) -> PathBuf {
            self.dir.path().join(relative)
        }

        fn user_root(&self) -> PathBuf {
            self.path("home/.config/PCSX2")
        }

        /// `ps2-run <elf> args...` with PCSX2 = the stand-in, as the user whose home is the fixture's.
        fn runner(&self, args: &[&str]) -> Command {
            let mut command = Command::new(env!("CARGO_BIN_EXE_ps2-run"));
            command
                .arg(&self.elf)
                .args(args)
                .current_dir(self.dir.path())
                .env("PCSX2", std::env::current_exe().unwrap())
                .env("PS2_RUNNER", "pcsx2")
                .env(STANDIN, "1")
                .env(RECORD, self.path("record"))
                .env("HOME", self.path("home"))
                .env("PS2_TIMEOUT", "20")
                .env("PS2_SKIP_ISA_CHECK", "1")
                .env_remove("XDG_CONFIG_HOME")
                .env_remove("PS2_BIOS")
                .env_remove("PS2_DISC_DIR")
                .env_remove("CARGO_MANIFEST_DIR")
                .stdin(Stdio::null());
            command
        }

        fn standin_pid(&self) -> Option<i32> {
            std::fs::read_to_string(self.path("record/pid")).ok()?.trim().parse().ok()
        }

        fn log(&self) -> String {
            std::fs::read_to_string(self.elf.with_extension("pcsx2.log")).unwrap_or_default()
        }
    }

    impl Drop for Fixture {
        /// A failed case must not leave a stand-in running.
        fn drop(&mut self) {
            if let Some(pid) = self.standin_pid()
                && alive(pid)
            {
                // SAFETY: ends the stand-in this case started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }

    fn alive(pid: i32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid, 0) == 0 }
    }

    /// Waits (a while) for `pid` to be gone.
    fn gone(pid: i32) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if !alive(pid) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Every file under `dir` with its contents.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    pending.push(p);
                } else {
                    files.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
                }
            }
        }
        files.sort();
        files
    }

    fn check(condition: bool, what: impl FnOnce() -> String) -> Result<(), String> {
        if condition { Ok(()) } else { Err(what()) }
    }

    fn describe(out: &std::process::Output) -> String {
        format!(
            "status {:?}\n--- stdout\n{}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// The user's PCSX2 is set up as PCSX2 leaves it (EE console off, wizard done): the runner's private
    /// settings must turn the EE console on, the exit code comes from the marker, and nothing of the user's
    /// changes.
    fn exit_code_comes_from_the_marker_and_the_users_settings_stay_untouched() -> Result<(), String> {
        let f = Fixture::new(program("hello from the EE\n", true, 7), true);
        let before = snapshot(&f.user_root());
        let start = Instant::now();
        let out = f.runner(&[]).output().unwrap();
        check(out.status.code() == Some(7), || describe(&out))?;
        check(start.elapsed() < Duration::from_secs(30), || "ended by the marker, not by the time limit".into())?;
        check(f.log().contains("hello from the EE"), || format!("the log has the EE output:\n{}", f.log()))?;
        check(snapshot(&f.user_root()) == before, || "the user's PCSX2 folder changed".into())?;
        let private = f.elf.with_extension("pcsx2").join("PCSX2/inis/PCSX2.ini");
        let text = std::fs::read_to_string(&private).map_err(|e| format!("{}: {e}", private.display()))?;
        check(ini_get(&text, "EmuCore/GS", "Renderer").as_deref() == Some("14"), || format!("the user's renderer kept:\n{text}"))?;
        let pid = f.standin_pid().ok_or("the stand-in ran")?;
        check(gone(pid), || "PCSX2 was stopped after the marker".into())
    }

    /// No PCSX2 settings at all (it never ran), but `PS2_BIOS`: the runner writes everything PCSX2 needs.
    fn ps2_bios_is_enough_without_any_pcsx2_settings() -> Result<(), String> {
        let f = Fixture::new(program("fresh\n", true, 3), false);
        let bios = f.path("my-bios.bin");
        std::fs::write(&bios, vec![1u8; 1024]).unwrap();
        let out = f.runner(&[]).env("PS2_BIOS", &bios).output().unwrap();
        check(out.status.code() == Some(3), || describe(&out))?;
        check(!f.path("home/.config").exists(), || "nothing written into the user's home".into())
    }

    /// Neither PCSX2 settings nor `PS2_BIOS`: a clear error before anything starts.
    fn no_bios_is_an_error_before_pcsx2_starts() -> Result<(), String> {
        let f = Fixture::new(program("x\n", true, 0), false);
        let out = f.runner(&[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        check(out.status.code() == Some(2) && stderr.contains("PS2_BIOS"), || describe(&out))?;
        check(f.standin_pid().is_none(), || "PCSX2 must not be started".into())
    }

    /// A BIOS configured but missing, an unreadable ini, no PCSX2: each named before anything starts.
    fn missing_pieces_are_named_before_pcsx2_starts() -> Result<(), String> {
        let f = Fixture::new(program("x\n", true, 0), true);
        std::fs::remove_file(f.user_root().join("bios/scph39001.bin")).unwrap();
        let out = f.runner(&[]).output().unwrap();
        check(out.status.code() == Some(2) && String::from_utf8_lossy(&out.stderr).contains("scph39001.bin"), || describe(&out))?;

        let f = Fixture::new(program("x\n", true, 0), true);
        let ini = f.user_root().join("inis/PCSX2.ini");
        std::fs::remove_file(&ini).unwrap();
        std::fs::create_dir(&ini).unwrap();
        let out = f.runner(&[]).output().unwrap();
        check(out.status.code() == Some(2) && String::from_utf8_lossy(&out.stderr).contains("PCSX2.ini"), || describe(&out))?;

        let f = Fixture::new(program("x\n", true, 0), true);
        let many: Vec<String> = (0..20).map(|i| format!("arg{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let out = f.runner(&many).output().unwrap();
        check(out.status.code() == Some(2) && String::from_utf8_lossy(&out.stderr).contains("argument block"), || describe(&out))?;

        let out = f.runner(&[]).env("PCSX2", f.path("no/pcsx2-qt")).output().unwrap();
        check(out.status.code() == Some(2) && String::from_utf8_lossy(&out.stderr).contains("PCSX2 not found"), || describe(&out))?;
        check(f.standin_pid().is_none(), || "PCSX2 must not be started".into())
    }

    /// PCSX2 keeps running after `Exit`: without the marker the run ends at `PS2_TIMEOUT`, as a failure,
    /// and PCSX2 is stopped.
    fn without_the_marker_the_time_limit_ends_the_run_and_pcsx2() -> Result<(), String> {
        let f = Fixture::new(program("no marker\n", false, 0), true);
        let out = f.runner(&[]).env("PS2_TIMEOUT", "4").output().unwrap();
        check(out.status.code() == Some(124) && String::from_utf8_lossy(&out.stderr).contains("PS2_TIMEOUT"), || describe(&out))?;
        check(f.log().contains("no marker"), || f.log())?;
        let pid = f.standin_pid().ok_or("the stand-in ran")?;
        check(gone(pid), || "PCSX2 was stopped at the time limit".into())
    }

    /// PCSX2 closed (exit status 0) before the program finished: a failure, with the log's tail.
    fn pcsx2_closing_early_is_a_failure() -> Result<(), String> {
        let f = Fixture::new(hanging("working...\n"), true);
        let out = f.runner(&[]).env(CLOSE_AFTER_MS, "200").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        check(out.status.code() == Some(2), || describe(&out))?;
        check(stderr.contains("PCSX2 closed before the program finished") && stderr.contains("working..."), || describe(&out))
    }

    /// Ctrl-C (SIGINT to the runner) stops PCSX2 too.
    fn ctrl_c_stops_pcsx2() -> Result<(), String> {
        let f = Fixture::new(hanging("forever\n"), true);
        let mut runner = f.runner(&[]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let start = Instant::now();
        while !f.path("record/state").exists() && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let Some(pid) = f.standin_pid() else {
            let _ = runner.kill();
            let _ = runner.wait();
            return Err("the stand-in did not start".into());
        };
        // SAFETY: signals the runner we started.
        unsafe { libc::kill(runner.id() as i32, libc::SIGINT) };
        let status = loop {
            if let Some(status) = runner.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(40) {
                let _ = runner.kill();
                let _ = runner.wait();
                return Err("the runner did not end on SIGINT".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        check(status.code() == Some(130), || format!("status {status:?}"))?;
        check(gone(pid), || "PCSX2 was stopped on Ctrl-C".into())
    }

    /// Arguments with spaces reach the program whole: PCSX2 cuts `-gameargs` at spaces, so the runner
    /// encodes them; the guest sees one string per argument, which decodes to the original.
    fn arguments_with_spaces_arrive_whole() -> Result<(), String> {
        let f = Fixture::new(echo_args(), true);
        let args = ["prompt=It is a truth universally acknowledged", "steps=24", "", "%%x", "50% + 5"];
        let out = f.runner(&args).output().unwrap();
        check(out.status.code() == Some(0), || describe(&out))?;
        let log = f.log();
        let line = log.lines().find(|l| l.contains("cdrom0:")).ok_or_else(|| format!("argv line in\n{log}"))?;
        let argv: Vec<&str> = line[line.find("cdrom0:").unwrap()..].trim_end_matches('|').split('|').collect();
        check(argv.len() == 1 + args.len(), || format!("one string per argument: {argv:?}"))?;
        check(argv[0] == "cdrom0:\\PROG.ELF;1", || format!("argv[0] {:?}", argv[0]))?;
        let decoded: Vec<String> = argv[1..].iter().map(|a| decode(a)).collect();
        check(decoded == args, || format!("decoded {decoded:?}, raw {argv:?}"))
    }

    /// The stand-in itself: PCSX2's defaults drop the EE output, ignore `Exit` and reject unknown flags (the
    /// runner's old command line, which relied on neither, could not work).
    fn the_standin_behaves_like_pcsx2() -> Result<(), String> {
        let f = Fixture::new(program("hello\n", true, 0), true);
        let image = f.path("target/examples/prog.iso");
        ps2_iso::DiscBuilder::new().boot_elf("PROG.ELF", f.elf.clone()).write_to(&image).map_err(|e| e.to_string())?;
        let log = f.path("direct.log");
        let standin = |args: &[&str]| {
            let mut c = Command::new(std::env::current_exe().unwrap());
            c.args(args)
                .env(STANDIN, "1")
                .env(RECORD, f.path("record"))
                .env("HOME", f.path("home"))
                .env_remove("XDG_CONFIG_HOME")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c.spawn().unwrap()
        };
        let wait_for = |file: &str| {
            let start = Instant::now();
            while !f.path(file).exists() && start.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(50));
            }
        };
        // The user's settings as PCSX2 writes them: EE console off. The program exits with the marker.
        let mut child = standin(&["-batch", "-nogui", "-fastboot", "-logfile", log.to_str().unwrap(), "--", image.to_str().unwrap()]);
        wait_for("record/state");
        std::thread::sleep(Duration::from_millis(300));
        let still_running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        check(still_running, || "PCSX2 keeps running after the program's Exit".into())?;
        check(text.contains("Loading BIOS") && !text.contains("hello") && !text.contains("[ps2-rs exit"), || {
            format!("EE output is dropped without [Logging] EnableEEConsole:\n{text}")
        })?;
        // A flag PCSX2 does not have: a modal error.
        let mut child = standin(&["-batch", "-datapath", "/x", "--", image.to_str().unwrap()]);
        wait_for("record/dialog");
        let _ = child.kill();
        let _ = child.wait();
        let dialog = std::fs::read_to_string(f.path("record/dialog")).unwrap_or_default();
        check(dialog.contains("Unknown parameter: '-datapath'"), || dialog.clone())?;
        // A fresh install: the setup wizard, even in batch mode.
        std::fs::remove_dir_all(f.user_root()).unwrap();
        std::fs::remove_file(f.path("record/dialog")).unwrap();
        let mut child = standin(&["-batch", "-nogui", "--", image.to_str().unwrap()]);
        wait_for("record/dialog");
        let _ = child.kill();
        let _ = child.wait();
        let dialog = std::fs::read_to_string(f.path("record/dialog")).unwrap_or_default();
        check(dialog.contains("setup wizard"), || dialog.clone())
    }

    type Case = (&'static str, fn() -> Result<(), String>);

    const CASES: &[Case] = &[
        ("the_standin_behaves_like_pcsx2", the_standin_behaves_like_pcsx2),
        ("exit_code_comes_from_the_marker_and_the_users_settings_stay_untouched", exit_code_comes_from_the_marker_and_the_users_settings_stay_untouched),
        ("ps2_bios_is_enough_without_any_pcsx2_settings", ps2_bios_is_enough_without_any_pcsx2_settings),
        ("no_bios_is_an_error_before_pcsx2_starts", no_bios_is_an_error_before_pcsx2_starts),
        ("missing_pieces_are_named_before_pcsx2_starts", missing_pieces_are_named_before_pcsx2_starts),
        ("without_the_marker_the_time_limit_ends_the_run_and_pcsx2", without_the_marker_the_time_limit_ends_the_run_and_pcsx2),
        ("pcsx2_closing_early_is_a_failure", pcsx2_closing_early_is_a_failure),
        ("ctrl_c_stops_pcsx2", ctrl_c_stops_pcsx2),
        ("arguments_with_spaces_arrive_whole", arguments_with_spaces_arrive_whole),
    ];

    pub fn run_all() -> ExitCode {
        // Arguments that are not flags (cargo passes libtest flags such as `--quiet` along) filter by name.
        let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
        let selected: Vec<&Case> =
            CASES.iter().filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))).collect();
        println!("\nrunning {} PCSX2 stand-in tests", selected.len());
        let mut failed = Vec::new();
        for (name, case) in selected {
            let start = Instant::now();
            match case() {
                Ok(()) => println!("test {name} ... ok ({:.1} s)", start.elapsed().as_secs_f64()),
                Err(message) => {
                    println!("test {name} ... FAILED\n{message}");
                    failed.push(*name);
                }
            }
        }
        if failed.is_empty() {
            println!("\ntest result: ok");
            ExitCode::SUCCESS
        } else {
            println!("\ntest result: FAILED: {failed:?}");
            ExitCode::FAILURE
        }
    }
}
