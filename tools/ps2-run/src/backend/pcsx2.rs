//! PCSX2 as a backend, driven without a person and without touching the user's settings.
//!
//! What this relies on, from PCSX2's source (Qt front end; `pcsx2-qt/QtHost.cpp`, `pcsx2/VMManager.cpp`,
//! `pcsx2/Pcsx2Config.cpp`, `pcsx2/HwWrite.cpp`, `pcsx2/R5900.cpp`, `common/Console.cpp`):
//!
//! * **Data folder** (`EmuFolders::SetDataDirectory`): on Linux `$XDG_CONFIG_HOME/PCSX2` when that variable
//!   is an absolute path, else `~/.config/PCSX2`; settings in `<data>/inis/PCSX2.ini`. Portable mode
//!   (`portable.ini`/`portable.txt` next to the executable, or `-portable`) ignores both. The runner starts
//!   PCSX2 with `XDG_CONFIG_HOME` pointing at a private folder next to the disc image ([`private_config_home`]),
//!   so PCSX2 reads the settings the runner wrote there and writes nothing into the user's folder.
//! * **Settings check** (`QtHost::InitializeConfig`, `VMManager::Internal::CheckSettingsVersion`): a missing
//!   ini starts the (modal) setup wizard, an ini whose `[UI] SettingsVersion` differs from the build's
//!   (`SETTINGS_VERSION`, 1) asks a modal question, and `[UI] SetupWizardIncomplete=true` starts the wizard:
//!   the private ini has the right version and the wizard flag off ([`private_settings`]).
//! * **EE console** (`HwWrite.cpp` `_hwWrite8`: bytes written to `SIO_TXFIFO` are collected and flushed per
//!   line to `eeConLog`; `VMManager::UpdateLoggingSettings`: `eeConsole.Enabled` only when `[Logging]
//!   EnableEEConsole=true` *and* a sink is on; `-logfile` forces the file sink, `QtHost::ParseCommandLineOptions`
//!   → `VMManager::Internal::SetFileLogPath`): the private ini turns the EE console and file logging on, and
//!   `-logfile <image>.pcsx2.log` names the file. `Log::WriteToFile` flushes after every line (with an
//!   optional timestamp before it), so the exit marker can be found while PCSX2 runs.
//! * **BIOS** (`VMManager::Initialize` → `LoadBIOS`, `Pcsx2Config::FullpathToBios`): `[Folders] Bios`
//!   (relative to the data folder) + `[Filenames] BIOS`; without one PCSX2 shows an error box instead of
//!   booting. The runner finds the user's BIOS (or takes `PS2_BIOS`) before starting anything ([`find_bios`]).
//! * **Command line** (`QtHost::ParseCommandLineOptions`): only `-batch`, `-nogui`, `-fastboot`, `-logfile`,
//!   `-gameargs` and `--` are used; an unknown `-flag` is an error in a modal box.
//! * **Arguments** (`R5900.cpp` `eeloadHook2` / `ParseArgumentString`): the `-gameargs` string is appended to
//!   the boot path and cut at every space, with no quoting. The runner encodes arguments so that none contains
//!   a space ([`crate::backend::encode_args`]); ps2-sys decodes them before `main`.
//! * **Exit** (the BIOS's `Exit` returns to the system menu; PCSX2 keeps running): the program prints the
//!   exit marker (`ps2_sys::rt::exit`), the runner reads it from the log and ends PCSX2.
//! * **Signals** (`QtHost::HookSignals`/`SignalHandler`): SIGTERM asks PCSX2 to exit; a second signal, or
//!   SIGKILL, ends it at once.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `SETTINGS_VERSION` of PCSX2's `VMManager.cpp`: the `[UI] SettingsVersion` a new ini gets.
pub const SETTINGS_VERSION: u32 = 1;
/// The wall-clock limit of a run when `PS2_TIMEOUT` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Process status when the program did not finish within `PS2_TIMEOUT` (as the simulator's cycle limit).
pub const EXIT_TIMEOUT: u8 = 124;
/// Process status when the runner was interrupted (Ctrl-C: 128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Lines of the log shown when a run fails.
const LOG_TAIL_LINES: usize = 20;

/// What the PCSX2 backend takes from the environment (set explicitly in tests).
#[derive(Debug, Clone, Default)]
pub struct Pcsx2Env {
    /// `PS2_BIOS`: the BIOS image to use instead of the one PCSX2 is configured with.
    pub bios: Option<PathBuf>,
    /// `PS2_TIMEOUT`: seconds before a run that has not finished is stopped.
    pub timeout: Option<String>,
    /// `XDG_CONFIG_HOME` of the user (where their PCSX2 keeps its settings).
    pub xdg_config_home: Option<PathBuf>,
    /// `HOME` of the user.
    pub home: Option<PathBuf>,
    /// `PATH`, to find a `PCSX2` given as a bare name.
    pub path: Option<std::ffi::OsString>,
}

impl Pcsx2Env {
    /// Reads `PS2_BIOS`, `PS2_TIMEOUT`, `XDG_CONFIG_HOME`, `HOME` and `PATH`.
    pub fn from_process() -> Pcsx2Env {
        Pcsx2Env {
            bios: std::env::var_os("PS2_BIOS").filter(|v| !v.is_empty()).map(PathBuf::from),
            timeout: std::env::var("PS2_TIMEOUT").ok().filter(|v| !v.trim().is_empty()),
            xdg_config_home: std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()).map(PathBuf::from),
            home: std::env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from),
            path: std::env::var_os("PATH"),
        }
    }

    /// The run's time limit: `PS2_TIMEOUT` seconds (a positive number), else [`DEFAULT_TIMEOUT`].
    pub fn time_limit(&self) -> Result<Duration, String> {
        let Some(text) = &self.timeout else { return Ok(DEFAULT_TIMEOUT) };
        match text.trim().parse::<f64>() {
            Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(Duration::from_secs_f64(seconds)),
            _ => Err(format!("PS2_TIMEOUT={text:?}: expected a positive number of seconds")),
        }
    }
}

/// An ini file as PCSX2's `INISettingsInterface` reads it: `[Section]` headers and `key = value` lines, in
/// order (section and key names compared without regard to case, as SimpleIni does by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    /// Parses `text`; comment lines (`;`, `#`) and lines without `=` are dropped.
    pub fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        let mut current = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = name.trim().to_string();
                ini.section_mut(&current);
            } else if let Some((key, value)) = line.split_once('=') {
                ini.set(&current, key.trim(), value.trim());
            }
        }
        ini
    }

    fn section_mut(&mut self, section: &str) -> &mut Vec<(String, String)> {
        let index = match self.sections.iter().position(|(name, _)| name.eq_ignore_ascii_case(section)) {
            Some(index) => index,
            None => {
                self.sections.push((section.to_string(), Vec::new()));
                self.sections.len() - 1
            }
        };
        &mut self.sections[index].1
    }

    /// The value of `key` in `section`.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let (_, entries) = self.sections.iter().find(|(name, _)| name.eq_ignore_ascii_case(section))?;
        entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// The boolean value of `key` in `section` (`true`/`false`, `1`/`0`, as SimpleIni's `GetBoolValue`).
    pub fn get_bool(&self, section: &str, key: &str) -> Option<bool> {
        match self.get(section, key)?.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        }
    }

    /// Sets `key` in `section` (added at the end when new).
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let entries = self.section_mut(section);
        match entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(entry) => entry.1 = value.to_string(),
            None => entries.push((key.to_string(), value.to_string())),
        }
    }

    /// Removes a whole section.
    pub fn remove_section(&mut self, section: &str) {
        self.sections.retain(|(name, _)| !name.eq_ignore_ascii_case(section));
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for (name, entries) in &self.sections {
            if name.is_empty() && entries.is_empty() {
                continue;
            }
            if !name.is_empty() {
                text.push_str(&format!("[{name}]\n"));
            }
            for (key, value) in entries {
                text.push_str(&format!("{key} = {value}\n"));
            }
            text.push('\n');
        }
        text
    }
}

/// Resolves the `PCSX2` setting to an executable file: a path that exists, or a bare name found on `PATH`.
pub fn resolve_executable(pcsx2: &Path, path_var: Option<&std::ffi::OsStr>) -> Result<PathBuf, String> {
    if pcsx2.is_file() {
        return Ok(pcsx2.to_path_buf());
    }
    let bare = pcsx2.components().count() == 1;
    if bare && let Some(found) = path_var.and_then(|p| std::env::split_paths(p).map(|d| d.join(pcsx2)).find(|p| p.is_file())) {
        return Ok(found);
    }
    Err(format!(
        "PCSX2 not found: {} is not an executable file{} (install PCSX2, set PCSX2=<path to pcsx2-qt>, or PS2_RUNNER=sim)",
        pcsx2.display(),
        if bare { " nor on PATH" } else { "" }
    ))
}

/// The user's PCSX2 data folder, as `EmuFolders::SetDataDirectory` finds it on Linux. Portable mode
/// (`portable.ini`/`portable.txt` next to the executable) is refused: it ignores `XDG_CONFIG_HOME`, so the
/// runner could not give PCSX2 a private configuration.
pub fn user_data_root(pcsx2: &Path, env: &Pcsx2Env) -> Result<PathBuf, String> {
    let executable = std::fs::canonicalize(pcsx2).unwrap_or_else(|_| pcsx2.to_path_buf());
    // An AppImage's program folder is inside the image, where there is no portable.txt.
    let appimage = executable.extension().is_some_and(|e| e.eq_ignore_ascii_case("AppImage"));
    if !appimage && let Some(app_root) = executable.parent() {
        for marker in ["portable.ini", "portable.txt"] {
            if app_root.join(marker).exists() {
                return Err(format!(
                    "PCSX2 at {} is a portable installation ({} next to it): it ignores XDG_CONFIG_HOME, so the \
                     runner cannot give it a private configuration without changing yours; use an installed \
                     PCSX2 or an AppImage",
                    executable.display(),
                    marker
                ));
            }
        }
    }
    if let Some(xdg) = env.xdg_config_home.as_ref().filter(|p| p.is_absolute()) {
        return Ok(xdg.join("PCSX2"));
    }
    match &env.home {
        Some(home) => Ok(home.join(".config").join("PCSX2")),
        None => Err("neither XDG_CONFIG_HOME nor HOME is set: cannot find PCSX2's settings".into()),
    }
}

/// Reads the user's `PCSX2.ini` from their data folder; `Ok(None)` when there is none (PCSX2 never ran).
pub fn read_user_settings(data_root: &Path) -> Result<Option<(PathBuf, Ini)>, String> {
    let path = data_root.join("inis").join("PCSX2.ini");
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read PCSX2's settings {}: {e}", path.display()))?;
    Ok(Some((path, Ini::parse(&String::from_utf8_lossy(&bytes)))))
}

/// Checks that `path` is a readable, non-empty file (what `LoadBIOS` needs).
fn check_bios_file(path: &Path) -> Result<(), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut first = [0u8; 1];
    match file.read(&mut first) {
        Ok(1) => Ok(()),
        Ok(_) => Err(format!("{} is empty", path.display())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// The BIOS image to boot: `PS2_BIOS` if set, else the one the user's PCSX2 is configured with
/// (`[Folders] Bios`, relative to their data folder, + `[Filenames] BIOS`).
pub fn find_bios(user: Option<(&Path, &Ini)>, data_root: &Path, ps2_bios: Option<&Path>) -> Result<PathBuf, String> {
    const HOW: &str = "PCSX2 needs a PS2 BIOS image dumped from your own console: set PS2_BIOS=<file>, or \
                       choose one in PCSX2's settings (Settings > BIOS)";
    if let Some(bios) = ps2_bios {
        check_bios_file(bios).map_err(|e| format!("PS2_BIOS: {e}"))?;
        return Ok(std::path::absolute(bios).unwrap_or_else(|_| bios.to_path_buf()));
    }
    let Some((ini_path, ini)) = user else {
        return Err(format!("no PS2 BIOS: PS2_BIOS is not set and PCSX2 has no settings yet ({} does not exist). {HOW}",
            data_root.join("inis/PCSX2.ini").display()));
    };
    let file = ini.get("Filenames", "BIOS").filter(|f| !f.is_empty()).ok_or_else(|| {
        format!("no PS2 BIOS: PS2_BIOS is not set and {} names none ([Filenames] BIOS). {HOW}", ini_path.display())
    })?;
    let folder = PathBuf::from(ini.get("Folders", "Bios").filter(|f| !f.is_empty()).unwrap_or("bios"));
    let folder = if folder.is_absolute() { folder } else { data_root.join(folder) };
    let bios = folder.join(file);
    check_bios_file(&bios).map_err(|e| format!("the BIOS PCSX2 is configured with ({}): {e}. {HOW}", ini_path.display()))?;
    Ok(bios)
}

/// The private settings of a run: the user's settings (their renderer, controllers…) without their folders,
/// game list and achievements login, with the BIOS, logging and the flags an unattended run needs.
pub fn private_settings(user: Option<&Ini>, bios: &Path) -> Ini {
    let mut ini = user.cloned().unwrap_or_default();
    // Their folders would make PCSX2 use (and write) their memory cards, save states, logs…; without the
    // section every folder is the default one inside the private data folder (`EmuFolders::LoadConfig`).
    ini.remove_section("Folders");
    ini.remove_section("GameList");
    ini.remove_section("Achievements");
    // The user's ini was written by their PCSX2, so its version is that build's; a new one gets ours.
    let version = user
        .and_then(|u| u.get("UI", "SettingsVersion"))
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(SETTINGS_VERSION);
    ini.set("UI", "SettingsVersion", &version.to_string());
    for (key, value) in [
        ("SetupWizardIncomplete", "false"),
        ("ConfirmShutdown", "false"),
        ("StartPaused", "false"),
        ("StartFullscreen", "false"),
        ("PauseOnFocusLoss", "false"),
    ] {
        ini.set("UI", key, value);
    }
    for (key, value) in [("EnableEEConsole", "true"), ("EnableIOPConsole", "true"), ("EnableFileLogging", "true")] {
        ini.set("Logging", key, value);
    }
    ini.set("EmuCore", "EnableFastBoot", "true");
    ini.set("EmuCore", "SaveStateOnShutdown", "false");
    let folder = bios.parent().unwrap_or(Path::new("/"));
    ini.set("Folders", "Bios", &folder.to_string_lossy());
    ini.set("Filenames", "BIOS", &bios.file_name().unwrap_or_default().to_string_lossy());
    ini
}

/// The folder `XDG_CONFIG_HOME` points at for a run of `image`: `<image without .iso>.pcsx2/` next to it.
/// PCSX2's data folder is its `PCSX2/` subfolder.
pub fn private_config_home(image: &Path) -> PathBuf {
    image.with_extension("pcsx2")
}

/// The log PCSX2 writes (`-logfile`): `<image without .iso>.pcsx2.log`.
pub fn log_path(image: &Path) -> PathBuf {
    image.with_extension("pcsx2.log")
}

/// The PCSX2 command line for `image` (only flags `QtHost::ParseCommandLineOptions` has): batch mode without
/// a window, fast boot, the log file, the (already encoded) arguments, then the image after `--`.
pub fn command(pcsx2: &Path, image: &Path, encoded_args: &[String], config_home: &Path) -> Command {
    let mut command = Command::new(pcsx2);
    command.args(["-batch", "-nogui", "-fastboot", "-logfile"]).arg(log_path(image));
    if !encoded_args.is_empty() {
        command.arg("-gameargs").arg(encoded_args.join(" "));
    }
    command.arg("--").arg(image);
    command.env("XDG_CONFIG_HOME", config_home);
    command
}

/// Everything a run needs, written and checked before PCSX2 starts.
#[derive(Debug)]
pub struct Prepared {
    /// The command to spawn.
    pub command: Command,
    /// The folder `XDG_CONFIG_HOME` points at.
    pub config_home: PathBuf,
    /// The log PCSX2 writes.
    pub log: PathBuf,
    /// The BIOS image.
    pub bios: PathBuf,
    /// The run's time limit.
    pub timeout: Duration,
}

/// Checks PCSX2, the BIOS, the user's settings and the time limit, then writes the private configuration.
pub fn prepare(pcsx2: &Path, image: &Path, args: &[String], env: &Pcsx2Env) -> Result<Prepared, String> {
    let timeout = env.time_limit()?;
    let pcsx2 = resolve_executable(pcsx2, env.path.as_deref())?;
    let data_root = user_data_root(&pcsx2, env)?;
    let user = read_user_settings(&data_root)?;
    let bios = find_bios(user.as_ref().map(|(p, i)| (p.as_path(), i)), &data_root, env.bios.as_deref())?;
    let encoded = crate::backend::encode_args(args);
    crate::backend::check_args_fit(image, &encoded)?;
    let image = std::path::absolute(image).map_err(|e| format!("{}: {e}", image.display()))?;
    let config_home = private_config_home(&image);
    let settings = private_settings(user.as_ref().map(|(_, i)| i), &bios);
    // A fresh folder per run: nothing of an earlier run (memory cards, states, settings PCSX2 saved) leaks in.
    if config_home.exists() {
        std::fs::remove_dir_all(&config_home).map_err(|e| format!("cannot clear {}: {e}", config_home.display()))?;
    }
    let inis = config_home.join("PCSX2").join("inis");
    std::fs::create_dir_all(&inis).map_err(|e| format!("cannot create {}: {e}", inis.display()))?;
    let ini_path = inis.join("PCSX2.ini");
    std::fs::write(&ini_path, settings.render()).map_err(|e| format!("cannot write {}: {e}", ini_path.display()))?;
    let log = log_path(&image);
    // A stale log from an earlier run must not end this one.
    let _ = std::fs::remove_file(&log);
    let mut command = command(&pcsx2, &image, &encoded, &config_home);
    let output = config_home.join("pcsx2-output.txt");
    let out = std::fs::File::create(&output).map_err(|e| format!("cannot create {}: {e}", output.display()))?;
    let err = out.try_clone().map_err(|e| format!("{}: {e}", output.display()))?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    // Its own process group: the runner can end PCSX2 and whatever it started (an AppImage's helper
    // processes) with one signal, and a Ctrl-C in the terminal reaches the runner only, which then ends it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    Ok(Prepared { command, config_home, log, bios, timeout })
}

/// How a supervised run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The program printed the exit marker with this code (PCSX2 has been stopped).
    Finished(i32),
    /// PCSX2 ended without the marker in its log.
    Closed(Option<i32>),
    /// The time limit passed (PCSX2 has been stopped).
    TimedOut,
    /// The runner got this signal (PCSX2 has been stopped).
    Interrupted(i32),
}

/// Finds the exit marker in the whole lines of `log` from byte `*seen` on; advances `*seen` past them
/// (`all`: the partial last line too, for a log whose writer has ended).
fn scan_log(log: &Path, seen: &mut usize, all: bool) -> Option<i32> {
    let bytes = std::fs::read(log).ok()?;
    let text = String::from_utf8_lossy(&bytes[(*seen).min(bytes.len())..]).into_owned();
    let end = if all { text.len() } else { text.rfind('\n').map_or(0, |i| i + 1) };
    *seen += end;
    text[..end].lines().find_map(crate::backend::parse_exit_marker)
}

/// The last lines of `log`, indented, for an error message.
pub fn log_tail(log: &Path) -> String {
    match std::fs::read(log) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            if tail.is_empty() {
                format!("{} is empty", log.display())
            } else {
                format!("last lines of {}:\n{}", log.display(), tail.iter().map(|l| format!("    {l}\n")).collect::<String>())
            }
        }
        Err(e) => format!("no log ({}: {e})", log.display()),
    }
}

#[cfg(unix)]
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    static RECEIVED: AtomicI32 = AtomicI32::new(0);

    extern "C" fn record(signal: libc::c_int) {
        RECEIVED.store(signal, Ordering::SeqCst);
    }

    /// From now on SIGINT, SIGTERM and SIGHUP are recorded (for [`received`]) instead of ending the runner.
    pub fn catch() {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
            unsafe { libc::signal(signal, record as extern "C" fn(libc::c_int) as libc::sighandler_t) };
        }
    }

    /// The signal received since [`catch`], if any.
    pub fn received() -> Option<i32> {
        Some(RECEIVED.load(Ordering::SeqCst)).filter(|&s| s != 0)
    }

    /// Sends `signal` to the process group `pgid`.
    pub fn to_group(pgid: u32, signal: libc::c_int) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe { libc::kill(-(pgid as libc::pid_t), signal) };
    }
}

/// Ends PCSX2 (the child leads its own process group): SIGTERM (PCSX2's graceful exit), then SIGKILL to
/// whatever is left of the group after `grace`.
pub fn stop(child: &mut Child, grace: Duration) {
    #[cfg(unix)]
    {
        signals::to_group(child.id(), libc::SIGTERM);
        let start = Instant::now();
        while start.elapsed() < grace {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signals::to_group(child.id(), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Watches a started PCSX2: ends it when the exit marker appears in `log`, when `timeout` passes or when the
/// runner gets SIGINT/SIGTERM/SIGHUP; otherwise waits for it to end.
pub fn supervise(child: &mut Child, log: &Path, timeout: Duration) -> std::io::Result<Ending> {
    #[cfg(unix)]
    signals::catch();
    let start = Instant::now();
    let grace = Duration::from_secs(3);
    let mut seen = 0;
    loop {
        #[cfg(unix)]
        if let Some(signal) = signals::received() {
            stop(child, grace);
            return Ok(Ending::Interrupted(signal));
        }
        if let Some(code) = scan_log(log, &mut seen, false) {
            stop(child, grace);
            return Ok(Ending::Finished(code));
        }
        if let Some(status) = child.try_wait()? {
            // It may have printed the marker just before it ended.
            if let Some(code) = scan_log(log, &mut seen, true) {
                return Ok(Ending::Finished(code));
            }
            return Ok(Ending::Closed(status.code()));
        }
        if start.elapsed() >= timeout {
            stop(child, grace);
            return Ok(Ending::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `image` in PCSX2 with `args`; returns the process status to exit with, or a runner error (nothing
/// was started).
pub fn run(pcsx2: &Path, image: &Path, args: &[String], env: &Pcsx2Env) -> Result<u8, String> {
    let mut prepared = prepare(pcsx2, image, args, env)?;
    eprintln!(
        "ps2-run: running {} in PCSX2 ({}), BIOS {}.\n  Private PCSX2 settings: {} (yours are not changed). \
         EE console log: {}.\n  Limit {} s (PS2_TIMEOUT); PS2_RUNNER=sim uses the built-in simulator instead.",
        image.display(),
        pcsx2.display(),
        prepared.bios.display(),
        prepared.config_home.display(),
        prepared.log.display(),
        prepared.timeout.as_secs_f64()
    );
    // Ctrl-C from here on ends PCSX2 as well (see `supervise`).
    #[cfg(unix)]
    signals::catch();
    let mut child = prepared
        .command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", pcsx2.display()))?;
    let ending = supervise(&mut child, &prepared.log, prepared.timeout)
        .map_err(|e| format!("lost track of PCSX2: {e}"))?;
    let output = prepared.config_home.join("pcsx2-output.txt");
    Ok(match ending {
        Ending::Finished(code) => ps2_sim::process_status(code),
        Ending::Closed(status) => {
            eprintln!(
                "ps2-run: PCSX2 closed before the program finished (PCSX2's exit status {}; no `[ps2-rs exit N]` \
                 line in its log; PCSX2's own output: {}).\n  {}",
                status.map_or("none (killed by a signal)".to_string(), |s| s.to_string()),
                output.display(),
                log_tail(&prepared.log)
            );
            crate::EXIT_RUNNER_ERROR
        }
        Ending::TimedOut => {
            eprintln!(
                "ps2-run: the program did not finish within {} s (PS2_TIMEOUT): PCSX2 was stopped.\n  {}",
                prepared.timeout.as_secs_f64(),
                log_tail(&prepared.log)
            );
            EXIT_TIMEOUT
        }
        Ending::Interrupted(signal) => {
            eprintln!("ps2-run: interrupted (signal {signal}): PCSX2 was stopped.");
            EXIT_INTERRUPTED
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_INI: &str = "[UI]\nSettingsVersion = 1\nSetupWizardIncomplete = false\nConfirmShutdown = true\n\n\
        [Folders]\nBios = bios\nMemoryCards = /home/me/cards\n\n[Filenames]\nBIOS = scph39001.bin\n\n\
        [EmuCore/GS]\nRenderer = 14\n\n[Logging]\nEnableEEConsole = false\n\n[Achievements]\nToken = secret\n";

    #[test]
    fn ini_round_trip_and_case_insensitive_keys() {
        let ini = Ini::parse(USER_INI);
        assert_eq!(ini.get("ui", "settingsversion"), Some("1"));
        assert_eq!(ini.get_bool("Logging", "EnableEEConsole"), Some(false));
        assert_eq!(ini.get("EmuCore/GS", "Renderer"), Some("14"));
        assert_eq!(Ini::parse(&ini.render()), ini);
    }

    #[test]
    fn private_settings_keep_the_renderer_and_turn_on_what_an_unattended_run_needs() {
        let user = Ini::parse(USER_INI);
        let ini = private_settings(Some(&user), Path::new("/bioses/scph39001.bin"));
        assert_eq!(ini.get("EmuCore/GS", "Renderer"), Some("14"), "the user's renderer");
        assert_eq!(ini.get("UI", "SettingsVersion"), Some("1"));
        assert_eq!(ini.get_bool("UI", "SetupWizardIncomplete"), Some(false));
        assert_eq!(ini.get_bool("UI", "ConfirmShutdown"), Some(false));
        assert_eq!(ini.get_bool("Logging", "EnableEEConsole"), Some(true));
        assert_eq!(ini.get_bool("Logging", "EnableFileLogging"), Some(true));
        assert_eq!(ini.get_bool("EmuCore", "EnableFastBoot"), Some(true));
        assert_eq!(ini.get("Folders", "Bios"), Some("/bioses"));
        assert_eq!(ini.get("Folders", "MemoryCards"), None, "not the user's memory cards");
        assert_eq!(ini.get("Filenames", "BIOS"), Some("scph39001.bin"));
        assert_eq!(ini.get("Achievements", "Token"), None, "no login copied");
        let fresh = private_settings(None, Path::new("/b/x.bin"));
        assert_eq!(fresh.get("UI", "SettingsVersion"), Some("1"));
        let mut newer = user.clone();
        newer.set("UI", "SettingsVersion", "2");
        assert_eq!(private_settings(Some(&newer), Path::new("/b/x.bin")).get("UI", "SettingsVersion"), Some("2"));
    }

    #[test]
    fn data_root_follows_xdg_then_home_and_refuses_portable_installs() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("pcsx2-qt");
        std::fs::write(&exe, b"").unwrap();
        let env = |xdg: Option<&str>| Pcsx2Env {
            xdg_config_home: xdg.map(PathBuf::from),
            home: Some("/home/me".into()),
            ..Default::default()
        };
        assert_eq!(user_data_root(&exe, &env(Some("/x"))).unwrap(), Path::new("/x/PCSX2"));
        assert_eq!(user_data_root(&exe, &env(Some("relative"))).unwrap(), Path::new("/home/me/.config/PCSX2"));
        assert_eq!(user_data_root(&exe, &env(None)).unwrap(), Path::new("/home/me/.config/PCSX2"));
        std::fs::write(dir.path().join("portable.txt"), b"").unwrap();
        assert!(user_data_root(&exe, &env(None)).unwrap_err().contains("portable"));
        let appimage = dir.path().join("pcsx2-v2.2.0-linux-appimage-x64-Qt.AppImage");
        std::fs::write(&appimage, b"").unwrap();
        assert_eq!(user_data_root(&appimage, &env(None)).unwrap(), Path::new("/home/me/.config/PCSX2"), "inside the image");
    }

    #[test]
    fn bios_from_ps2_bios_or_the_users_settings() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("bios")).unwrap();
        std::fs::write(root.path().join("bios/scph39001.bin"), b"ROM").unwrap();
        let ini = Ini::parse(USER_INI);
        let user = Some((Path::new("/u/PCSX2.ini"), &ini));
        assert_eq!(find_bios(user, root.path(), None).unwrap(), root.path().join("bios/scph39001.bin"));
        let other = root.path().join("other.bin");
        std::fs::write(&other, b"ROM").unwrap();
        assert_eq!(find_bios(user, root.path(), Some(&other)).unwrap(), other);
        assert!(find_bios(None, root.path(), None).unwrap_err().contains("PS2_BIOS"));
        assert!(find_bios(user, root.path(), Some(Path::new("/nope.bin"))).unwrap_err().contains("PS2_BIOS"));
        std::fs::write(root.path().join("bios/scph39001.bin"), b"").unwrap();
        assert!(find_bios(user, root.path(), None).unwrap_err().contains("empty"));
    }

    #[test]
    fn timeout_parses() {
        let env = |t: Option<&str>| Pcsx2Env { timeout: t.map(String::from), ..Default::default() };
        assert_eq!(env(None).time_limit().unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(env(Some("2.5")).time_limit().unwrap(), Duration::from_millis(2500));
        assert!(env(Some("0")).time_limit().is_err());
        assert!(env(Some("soon")).time_limit().is_err());
    }

    #[test]
    fn command_line_uses_only_pcsx2_flags_and_a_private_config_home() {
        let c = command(Path::new("pcsx2-qt"), Path::new("/t/a.iso"), &["x".into(), "%%a+b".into()], Path::new("/t/a.pcsx2"));
        let args: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, ["-batch", "-nogui", "-fastboot", "-logfile", "/t/a.pcsx2.log", "-gameargs", "x %%a+b", "--", "/t/a.iso"]);
        let envs: Vec<_> = c.get_envs().collect();
        assert_eq!(envs, [(std::ffi::OsStr::new("XDG_CONFIG_HOME"), Some(std::ffi::OsStr::new("/t/a.pcsx2")))]);
    }
}
