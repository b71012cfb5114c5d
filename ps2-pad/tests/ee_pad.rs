//! EE integration tests of the pad driver against the IOP (the simulator's, or a real one in PCSX2), the way a
//! retail BIOS boots it: no pad server exists until the program loads a pad module, `rom0:PADMAN` speaks the
//! old protocol and `rom0:XPADMAN` the new one. `cargo test -p ps2-pad --test ee_pad`; on the host this file
//! builds to an empty program.
//!
//! Every test reboots the IOP first, so it starts from the boot module set whatever ran before it.
#![cfg_attr(target_arch = "mips", no_std, no_main)]

#[cfg(target_arch = "mips")]
mod ee {
    extern crate alloc;

    use core::time::Duration;

    use ps2_alloc as _;
    use ps2_iop::loadfile::LoadFile;
    use ps2_iop::{Error, IopError};
    use ps2_pad::{
        IopTransport, ModeRequest, ModeSequencer, ModeStep, PadError, PadModules, PadState, Pads, Protocol, TransportInUse,
    };

    ps2_sys::test_main!(
        binding_without_a_pad_module_fails_with_no_server,
        padman_without_sio2man_does_not_link,
        rom_padman_speaks_the_old_protocol,
        xpadman_speaks_the_new_protocol,
        a_reboot_unloads_the_pad_module,
        one_transport_at_a_time,
    );

    /// One NTSC frame.
    const FRAME: Duration = Duration::from_micros(16_683);

    fn fresh_iop() -> LoadFile {
        ps2_iop::reset::reboot("").expect("IOP reboot");
        LoadFile::new().expect("bind LOADFILE after the reboot")
    }

    /// The planted bug: a program that binds the pad server without loading a pad module. On a console the
    /// binds keep coming back with no server; the driver gives up with a clear error.
    fn binding_without_a_pad_module_fails_with_no_server() {
        let _ = fresh_iop();
        let err = Pads::init(IopTransport::new().expect("no other transport alive"), 20).err().expect("no pad server without PADMAN");
        assert_eq!(err, PadError::NoServer { attempts: 20 });
        assert!(alloc::format!("{err}").contains("rom0:PADMAN"), "the error names the module to load");
    }

    fn padman_without_sio2man_does_not_link() {
        let mut loader = fresh_iop();
        let err = loader.load_module("rom0:PADMAN", &[]).unwrap_err();
        assert_eq!(err, Error::Iop(IopError(-200)), "KE_LINKERR: PADMAN imports SIO2MAN");
        assert!(matches!(Pads::init(IopTransport::new().expect("no other transport alive"), 5), Err(PadError::NoServer { .. })));
    }

    /// Opens port 0 and waits until the pad is stable; then asks for analog mode and waits for it.
    fn open_and_go_analog(pads: &mut Pads<IopTransport>) {
        pads.open(0, 0).expect("open port 0");
        let mut stable = false;
        for _ in 0..60 {
            ps2_sys::clock::spin_for(FRAME);
            if pads.read(0, 0).expect("read").state == PadState::Stable {
                stable = true;
                break;
            }
        }
        assert!(stable, "the pad became stable");
        let mut analog = ModeSequencer::new(ModeRequest::ANALOG_LOCKED);
        for _ in 0..120 {
            match pads.step_mode(0, 0, &mut analog).expect("mode step") {
                ModeStep::Done => {
                    let status = pads.read(0, 0).expect("read").status.expect("a button packet");
                    assert!(status.left_stick.is_some(), "analog mode reports the sticks");
                    return;
                }
                ModeStep::Failed(e) => panic!("analog mode failed: {e}"),
                ModeStep::Call(_) | ModeStep::Wait => ps2_sys::clock::spin_for(FRAME),
            }
        }
        panic!("analog mode did not finish");
    }

    fn rom_padman_speaks_the_old_protocol() {
        let mut loader = fresh_iop();
        let padman = PadModules::Rom.load(&mut loader).expect("rom0:SIO2MAN + rom0:PADMAN");
        assert_eq!(padman.start_result, 0, "PADMAN stays resident");
        let mut pads = Pads::init(IopTransport::new().expect("no other transport alive"), 100).expect("PADMAN's server");
        assert_eq!(pads.protocol(), Protocol::Old, "rom0:PADMAN has only the old servers");
        open_and_go_analog(&mut pads);
    }

    fn xpadman_speaks_the_new_protocol() {
        let mut loader = fresh_iop();
        PadModules::RomX.load(&mut loader).expect("rom0:XSIO2MAN + rom0:XPADMAN");
        let mut pads = Pads::init(IopTransport::new().expect("no other transport alive"), 100).expect("XPADMAN's server");
        assert_eq!(pads.protocol(), Protocol::New);
        let version = pads.command(0, 0, ps2_pad::Command::GetModVersion).expect("getModVersion");
        assert_ne!(version, 0, "XPADMAN reports its version");
        open_and_go_analog(&mut pads);
    }

    fn a_reboot_unloads_the_pad_module() {
        let mut loader = fresh_iop();
        PadModules::Rom.load(&mut loader).expect("pad modules");
        Pads::init(IopTransport::new().expect("no other transport alive"), 100).expect("PADMAN's server");
        let _ = fresh_iop();
        assert!(matches!(Pads::init(IopTransport::new().expect("no other transport alive"), 5), Err(PadError::NoServer { .. })));
    }

    /// The pad areas are one static set: a second transport while the first lives would hand the server the
    /// same memory twice; after a drop (or `Pads::end`) the next transport reuses it, nothing is leaked.
    fn one_transport_at_a_time() {
        let mut loader = fresh_iop();
        PadModules::Rom.load(&mut loader).expect("pad modules");
        let pads = Pads::init(IopTransport::new().expect("the first transport"), 100).expect("PADMAN's server");
        assert_eq!(IopTransport::new().err(), Some(TransportInUse), "a second transport while the first lives");
        let transport = pads.end().expect("padEnd");
        assert_eq!(IopTransport::new().err(), Some(TransportInUse), "Pads::end hands the transport back, still alive");
        drop(transport);
        assert!(IopTransport::new().is_ok(), "after the drop the areas are free again");
    }
}

#[cfg(not(target_arch = "mips"))]
fn main() {}
