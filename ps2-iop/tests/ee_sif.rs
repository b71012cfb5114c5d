//! EE integration tests of the SIF layers against the IOP (the simulator's HLE IOP, or a real one in PCSX2):
//! `cargo test -p ps2-iop --test ee_sif`. On the host this file builds to an empty program.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    use core::time::Duration;

    use ps2_alloc as _;
    use ps2_iop::loadfile::LoadFile;
    use ps2_iop::rpc::Client;
    use ps2_iop::Error;

    ps2_sys::test_main!(
        rpc_handshake_completes,
        loadfile_reports_its_version,
        rom_modules_load,
        missing_module_is_a_named_iop_error,
        unknown_server_times_out_with_its_sid,
        reset_and_rebind,
    );

    fn rpc_handshake_completes() {
        ps2_iop::rpc::init().expect("SIF RPC handshake");
        assert!(ps2_iop::cmd::is_initialized());
        assert_ne!(ps2_iop::cmd::iop_buffer(), 0, "the IOP's command buffer address is known");
        assert_ne!(ps2_iop::cmd::software_register(0), 0, "the IOP set SREG 0 (RPC initialised)");
    }

    fn loadfile_reports_its_version() {
        let mut loader = LoadFile::new().expect("bind LOADFILE");
        let version = loader.version().expect("GET_VERSION");
        let ascii = version.to_le_bytes();
        assert!(ascii.iter().all(u8::is_ascii_digit), "version {version:#x} is four ASCII digits");
    }

    fn rom_modules_load() {
        let mut loader = LoadFile::new().unwrap();
        let sio2man = loader.load_module("rom0:SIO2MAN", &[]).expect("rom0:SIO2MAN");
        let padman = loader.load_module("rom0:PADMAN", &[]).expect("rom0:PADMAN");
        assert!(sio2man.id >= 0 && padman.id >= 0);
        assert_ne!(sio2man.id, padman.id);
    }

    fn missing_module_is_a_named_iop_error() {
        let mut loader = LoadFile::new().unwrap();
        let err = loader.load_module("rom0:NOSUCHMOD", &[]).unwrap_err();
        assert!(matches!(err, Error::Iop(e) if e.0 == -203 || e.0 == -202), "{err}");
    }

    fn unknown_server_times_out_with_its_sid() {
        let err = Client::bind_with_timeout(0x8000_0BAD, Duration::from_millis(20)).err().expect("no such server");
        assert_eq!(err, Error::ServerNotFound { sid: 0x8000_0BAD });
    }

    fn reset_and_rebind() {
        ps2_iop::reset::reboot("").expect("IOP reboot");
        assert!(!ps2_iop::cmd::is_initialized(), "a reset invalidates the command layer");
        let mut loader = LoadFile::new().expect("bind after reset");
        loader.version().expect("call after reset");
        assert_eq!(ps2_iop::reset::reboot_count(), 1);
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {
    println!("ee_sif: EE-only tests, run with `cargo test -p ps2-iop --test ee_sif` (EE target)");
}
