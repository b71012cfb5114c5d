//! The controller: the boot ROM's pad driver on the IOP (`rom0:SIO2MAN`, `rom0:PADMAN`, in every console's ROM:
//! the old pad protocol) and `ps2-pad`, reduced to what the demo asks: which buttons went down since the last
//! look.

use alloc::format;
use alloc::string::String;

use ps2_iop::loadfile::LoadFile;
use ps2_pad::{Buttons, IopTransport, PadModules, Pads};

/// The pad in port 0.
pub struct Controls {
    pads: Pads<IopTransport>,
}

impl Controls {
    /// Loads the pad modules on the IOP and opens port 0.
    pub fn open() -> Result<Controls, String> {
        let mut loader = LoadFile::new().map_err(|e| format!("cannot bind LOADFILE on the IOP: {e:?}"))?;
        let modules = PadModules::Rom;
        modules.load(&mut loader).map_err(|e| format!("cannot load {:?}: {e:?}", modules.paths()))?;
        let mut pads = Pads::init(IopTransport::new().map_err(|e| format!("{e}"))?, 100).map_err(|e| format!("{e}"))?;
        pads.open(0, 0).map_err(|e| format!("cannot open port 0: {e:?}"))?;
        Ok(Controls { pads })
    }

    /// Buttons pressed since the previous call (none when the pad cannot be read: unplugged, busy).
    pub fn pressed(&mut self) -> Buttons {
        self.pads.read(0, 0).map(|reading| reading.buttons.pressed).unwrap_or(Buttons::empty())
    }
}
