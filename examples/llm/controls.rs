//! The controller: the boot ROM's pad driver on the IOP and `ps2-pad`, reduced to what the demo asks: which
//! buttons went down since the last look.
//!
//! The pads use the X modules (`rom0:XSIO2MAN`, `rom0:XPADMAN`: the new pad protocol) because the memory card's
//! modules (`rom0:XMCMAN`, `rom0:XMCSERV`, see `saves.rs`) need `rom0:XSIO2MAN`, and the two SIO2MAN families
//! cannot both be resident on one IOP. A ROM without the X modules (the earliest consoles) gets the old pair
//! (`rom0:SIO2MAN`, `rom0:PADMAN`) and no memory card.

use alloc::format;
use alloc::string::String;

use ps2_iop::loadfile::LoadFile;
use ps2_pad::{Buttons, IopTransport, PadModules, Pads};

/// The pad in port 0.
pub struct Controls {
    pads: Pads<IopTransport>,
    modules: PadModules,
}

impl Controls {
    /// Loads the pad modules on the IOP (the X pair, else the old one) and opens port 0.
    pub fn open() -> Result<Controls, String> {
        let mut loader = LoadFile::new().map_err(|e| format!("cannot bind LOADFILE on the IOP: {e}"))?;
        let modules = match PadModules::RomX.load(&mut loader) {
            Ok(_) => PadModules::RomX,
            Err(x_error) => {
                let old = PadModules::Rom;
                old.load(&mut loader).map_err(|e| {
                    format!("cannot load {:?} ({x_error}) nor {:?} ({e})", PadModules::RomX.paths(), old.paths())
                })?;
                old
            }
        };
        let mut pads = Pads::init(IopTransport::new().map_err(|e| format!("{e}"))?, 100).map_err(|e| format!("{e}"))?;
        pads.open(0, 0).map_err(|e| format!("cannot open port 0: {e:?}"))?;
        Ok(Controls { pads, modules })
    }

    /// The pad modules loaded: [`PadModules::RomX`] unless the ROM lacks them.
    pub fn modules(&self) -> PadModules {
        self.modules
    }

    /// Buttons pressed since the previous call (none when the pad cannot be read: unplugged, busy).
    pub fn pressed(&mut self) -> Buttons {
        self.pads.read(0, 0).map(|reading| reading.buttons.pressed).unwrap_or(Buttons::empty())
    }
}
