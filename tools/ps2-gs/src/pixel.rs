//! The per-pixel pipeline: texture look-up and function, alpha / destination-alpha / depth
//! tests, blending, masking and the frame-buffer write.

use crate::Gs;
use crate::regs::{field, gp};
use crate::vram::{BufferDesc, Psm, Vram, expand_16};

/// A texture as TEX0 / CLAMP / TEXA describe it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Texture {
    buffer: BufferDesc,
    pub width: u32,
    pub height: u32,
    /// Take alpha from the texture (TCC).
    use_texture_alpha: bool,
    /// Texture function (TFX): 0 MODULATE, 1 DECAL, 2 HIGHLIGHT, 3 HIGHLIGHT2.
    function: u64,
    /// CLUT location and format for indexed textures.
    clut: Option<BufferDesc>,
    clamp: u64,
    texa: u64,
}

/// Everything a primitive's pixels need, read once per primitive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DrawContext {
    frame: BufferDesc,
    /// FBMSK: frame-buffer bits that are not written.
    frame_mask: u32,
    depth: Option<(BufferDesc, bool)>,
    /// SCISSOR: left, right, top, bottom (inclusive).
    pub scissor: [i32; 4],
    test: u64,
    alpha: u64,
    blend: bool,
    color_clamp: bool,
    force_alpha_bit: bool,
    pub texture: Option<Texture>,
    /// Gouraud shading (IIP).
    pub gouraud: bool,
    /// Texture coordinates from UV (FST) rather than STQ.
    pub uv_coordinates: bool,
}

/// The interpolated values at one pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fragment {
    pub x: i32,
    pub y: i32,
    pub z: u32,
    pub color: [u8; 4],
    /// Texel coordinates (already in texels).
    pub texel: (f32, f32),
}

impl DrawContext {
    /// The same context with flat shading.
    pub fn without_gouraud(&self) -> DrawContext {
        DrawContext { gouraud: false, ..*self }
    }
}

impl Gs {
    /// Reads the drawing environment of the context that `prim_attributes` selects. `None`
    /// when the frame buffer's format cannot be drawn to.
    pub(crate) fn draw_context(&mut self, prim_attributes: u64) -> Option<DrawContext> {
        let context = field(prim_attributes, 9, 1) as u8;
        let register = |base: u8| self.gp[usize::from(base + context)];
        let frame_register = register(gp::FRAME_1);
        let frame_psm = Psm::from_code(field(frame_register, 24, 6));
        let frame_psm = match frame_psm {
            Some(psm @ (Psm::Ct32 | Psm::Ct24 | Psm::Ct16 | Psm::Ct16s)) => psm,
            _ => {
                self.unsupported.insert("drawing to a frame buffer that is not PSMCT32/24/16");
                return None;
            }
        };
        let frame = BufferDesc {
            base_block: field(frame_register, 0, 9) as u32 * 32,
            width_64: field(frame_register, 16, 6) as u32,
            psm: frame_psm,
        };
        let test = register(gp::TEST_1);
        let zbuf = register(gp::ZBUF_1);
        let depth_writes = field(zbuf, 32, 1) == 0;
        let depth_always_passes = field(test, 17, 2) == 1;
        // A depth test that always passes and writes nothing needs no depth buffer access.
        let depth = if field(test, 16, 1) != 0 && (depth_writes || !depth_always_passes) {
            let psm = Psm::from_code(0x30 | field(zbuf, 24, 4)).unwrap_or(Psm::Z32);
            let buffer = BufferDesc { base_block: field(zbuf, 0, 9) as u32 * 32, width_64: frame.width_64, psm };
            Some((buffer, depth_writes))
        } else {
            None
        };
        let scissor_register = register(gp::SCISSOR_1);
        let scissor = [0, 16, 32, 48].map(|low| field(scissor_register, low, 11) as i32);
        let alpha = register(gp::ALPHA_1);
        let force_alpha_bit = register(gp::FBA_1) & 1 != 0;
        let texture = if field(prim_attributes, 4, 1) != 0 { self.texture(context) } else { None };
        if field(prim_attributes, 5, 1) != 0 || field(prim_attributes, 7, 1) != 0 {
            self.unsupported.insert("fog / anti-aliasing");
        }
        Some(DrawContext {
            frame,
            frame_mask: field(frame_register, 32, 32) as u32,
            depth,
            scissor,
            test,
            alpha,
            blend: field(prim_attributes, 6, 1) != 0,
            color_clamp: self.gp[usize::from(gp::COLCLAMP)] & 1 != 0,
            force_alpha_bit,
            texture,
            gouraud: field(prim_attributes, 3, 1) != 0,
            uv_coordinates: field(prim_attributes, 8, 1) != 0,
        })
    }

    fn texture(&mut self, context: u8) -> Option<Texture> {
        let tex0 = self.gp[usize::from(gp::TEX0_1 + context)];
        let Some(psm) = Psm::from_code(field(tex0, 20, 6)) else {
            self.unsupported.insert("texture with an undefined pixel format");
            return None;
        };
        let clut = match psm {
            Psm::T8 | Psm::T4 | Psm::T8h | Psm::T4hl | Psm::T4hh => {
                let clut_psm = match field(tex0, 51, 4) {
                    0x0 => Psm::Ct32,
                    0x2 => Psm::Ct16,
                    0xA => Psm::Ct16s,
                    _ => {
                        self.unsupported.insert("CLUT format other than PSMCT32/16");
                        return None;
                    }
                };
                if field(tex0, 55, 1) != 0 || field(tex0, 56, 5) != 0 {
                    self.unsupported.insert("CLUT storage mode CSM2 / CSA offset");
                }
                Some(BufferDesc { base_block: field(tex0, 37, 14) as u32, width_64: 1, psm: clut_psm })
            }
            _ => None,
        };
        Some(Texture {
            buffer: BufferDesc { base_block: field(tex0, 0, 14) as u32, width_64: field(tex0, 14, 6) as u32, psm },
            width: 1 << field(tex0, 26, 4).min(10),
            height: 1 << field(tex0, 30, 4).min(10),
            use_texture_alpha: field(tex0, 34, 1) != 0,
            function: field(tex0, 35, 2),
            clut,
            clamp: self.gp[usize::from(gp::CLAMP_1 + context)],
            texa: self.gp[usize::from(gp::TEXA)],
        })
    }

    /// Runs one fragment through the pipeline and writes it if it survives.
    pub(crate) fn shade(&mut self, context: &DrawContext, fragment: Fragment) {
        let [left, right, top, bottom] = context.scissor;
        if fragment.x < left || fragment.x > right || fragment.y < top || fragment.y > bottom {
            return;
        }
        let (x, y) = (fragment.x as u32, fragment.y as u32);
        let mut color = fragment.color;
        if let Some(texture) = &context.texture {
            let texel = texture.sample(&self.vram, fragment.texel);
            color = texture.combine(texel, color);
        }

        // Alpha test, and what a failure still writes (AFAIL).
        let (mut write_color, mut write_alpha, mut write_depth) = (true, true, true);
        if field(context.test, 0, 1) != 0 && !alpha_test_passes(context.test, color[3]) {
            match field(context.test, 12, 2) {
                0 => return,
                1 => write_depth = false,
                2 => (write_color, write_alpha) = (false, false),
                _ => (write_alpha, write_depth) = (false, false),
            }
        }
        // Destination alpha test: the destination's alpha MSB must equal DATM.
        if field(context.test, 14, 1) != 0 && matches!(context.frame.psm, Psm::Ct32 | Psm::Ct16 | Psm::Ct16s) {
            let destination_alpha = self.vram.read_color(&context.frame, x, y)[3];
            if u64::from(destination_alpha >> 7) != field(context.test, 15, 1) {
                return;
            }
        }
        if let Some((depth_buffer, depth_writes)) = &context.depth {
            let z = clamp_depth(depth_buffer.psm, fragment.z);
            let stored = self.vram.read_raw(depth_buffer, x, y);
            let passes = match field(context.test, 17, 2) {
                0 => false,
                1 => true,
                2 => z >= stored,
                _ => z > stored,
            };
            if !passes {
                return;
            }
            if *depth_writes && write_depth {
                self.vram.write_raw(depth_buffer, x, y, z);
            }
        }
        if !write_color {
            return;
        }
        let mask = context.frame_mask;
        // The common case (no blending, no masks) needs no read of the frame buffer.
        if context.blend || mask != 0 || !write_alpha {
            let destination = self.vram.read_color(&context.frame, x, y);
            if context.blend {
                color = blend(context.alpha, color, destination, context.color_clamp);
            }
            if context.force_alpha_bit {
                color[3] |= 0x80;
            }
            if !write_alpha {
                color[3] = destination[3];
            }
            color = ((u32::from_le_bytes(destination) & mask) | (u32::from_le_bytes(color) & !mask)).to_le_bytes();
        } else if context.force_alpha_bit {
            color[3] |= 0x80;
        }
        self.vram.write_color(&context.frame, x, y, color);
        self.stats.pixels_written += 1;
    }
}

impl Texture {
    /// The texel at texel coordinates (nearest sampling) as RGBA.
    fn sample(&self, vram: &Vram, (u, v): (f32, f32)) -> [u8; 4] {
        let u = wrap(u.floor() as i32, self.width, field(self.clamp, 0, 2), field(self.clamp, 4, 10), field(self.clamp, 14, 10));
        let v = wrap(v.floor() as i32, self.height, field(self.clamp, 2, 2), field(self.clamp, 24, 10), field(self.clamp, 34, 10));
        let raw = vram.read_raw(&self.buffer, u, v);
        match (self.buffer.psm, &self.clut) {
            (Psm::Ct32, _) => raw.to_le_bytes(),
            (Psm::Ct24, _) => {
                let [r, g, b, _] = raw.to_le_bytes();
                [r, g, b, self.expanded_alpha(false, [r, g, b])]
            }
            (Psm::Ct16 | Psm::Ct16s, _) => self.expand_16_with_texa(raw as u16),
            (_, Some(clut)) => {
                let index = raw;
                // CSM1 layout: an 8-bit CLUT is a 16x16 image with entries 8-15 and 16-23 of
                // each 32 swapped; a 4-bit CLUT is an 8x2 image.
                let (x, y) = if self.buffer.psm == Psm::T8 || self.buffer.psm == Psm::T8h {
                    let swizzled = (index & 0xE7) | ((index & 0x08) << 1) | ((index & 0x10) >> 1);
                    (swizzled % 16, swizzled / 16)
                } else {
                    (index % 8, index / 8)
                };
                let entry = vram.read_raw(clut, x, y);
                if clut.psm == Psm::Ct32 { entry.to_le_bytes() } else { self.expand_16_with_texa(entry as u16) }
            }
            _ => [0; 4],
        }
    }

    /// A 16-bit texel with TEXA's alpha values (TA0 for A=0, TA1 for A=1; AEM makes black
    /// transparent).
    fn expand_16_with_texa(&self, value: u16) -> [u8; 4] {
        let [r, g, b, _] = expand_16(value);
        [r, g, b, self.expanded_alpha(value & 0x8000 != 0, [r, g, b])]
    }

    fn expanded_alpha(&self, alpha_bit: bool, rgb: [u8; 3]) -> u8 {
        let transparent_black = field(self.texa, 15, 1) != 0 && rgb == [0, 0, 0];
        if transparent_black {
            0
        } else if alpha_bit {
            field(self.texa, 32, 8) as u8
        } else {
            field(self.texa, 0, 8) as u8
        }
    }

    /// The texture function (TFX) applied to a texel and the vertex colour.
    fn combine(&self, texel: [u8; 4], vertex: [u8; 4]) -> [u8; 4] {
        let modulate = |t: u8, v: u8| ((u32::from(t) * u32::from(v)) >> 7).min(255) as u8;
        let vertex_alpha = vertex[3];
        let mut out = [0; 4];
        for (channel, value) in out.iter_mut().enumerate().take(3) {
            *value = match self.function {
                0 => modulate(texel[channel], vertex[channel]),
                1 => texel[channel],
                _ => (u32::from(modulate(texel[channel], vertex[channel])) + u32::from(vertex_alpha)).min(255) as u8,
            };
        }
        out[3] = if !self.use_texture_alpha {
            vertex_alpha
        } else {
            match self.function {
                0 => modulate(texel[3], vertex_alpha),
                2 => (u32::from(texel[3]) + u32::from(vertex_alpha)).min(255) as u8,
                _ => texel[3],
            }
        };
        out
    }
}

/// Texel coordinate wrapping (CLAMP WMS/WMT: repeat, clamp, region clamp, region repeat).
fn wrap(coordinate: i32, size: u32, mode: u64, minimum: u64, maximum: u64) -> u32 {
    let size = size as i32;
    match mode {
        0 => coordinate.rem_euclid(size) as u32,
        1 => coordinate.clamp(0, size - 1) as u32,
        2 => coordinate.clamp(minimum as i32, (maximum as i32).max(minimum as i32)) as u32,
        _ => ((coordinate as u32) & minimum as u32 | maximum as u32) & 0x7FF,
    }
}

fn alpha_test_passes(test: u64, alpha: u8) -> bool {
    let reference = field(test, 4, 8) as u8;
    match field(test, 1, 3) {
        0 => false,
        1 => true,
        2 => alpha < reference,
        3 => alpha <= reference,
        4 => alpha == reference,
        5 => alpha >= reference,
        6 => alpha > reference,
        _ => alpha != reference,
    }
}

fn clamp_depth(psm: Psm, z: u32) -> u32 {
    match psm {
        Psm::Z24 => z.min(0xFF_FFFF),
        Psm::Z16 | Psm::Z16s => z.min(0xFFFF),
        _ => z,
    }
}

/// `((A - B) * C >> 7) + D` per colour channel (ALPHA register); alpha is the source's.
fn blend(alpha_register: u64, source: [u8; 4], destination: [u8; 4], clamp: bool) -> [u8; 4] {
    let select_color = |selector: u64, channel: usize| match selector {
        0 => i32::from(source[channel]),
        1 => i32::from(destination[channel]),
        _ => 0,
    };
    let factor = match field(alpha_register, 4, 2) {
        0 => i32::from(source[3]),
        1 => i32::from(destination[3]),
        _ => field(alpha_register, 32, 8) as i32,
    };
    let mut out = source;
    for (channel, result) in out.iter_mut().enumerate().take(3) {
        let a = select_color(field(alpha_register, 0, 2), channel);
        let b = select_color(field(alpha_register, 2, 2), channel);
        let d = select_color(field(alpha_register, 6, 2), channel);
        let value = (((a - b) * factor) >> 7) + d;
        // Without COLCLAMP the GS keeps the low 8 bits.
        *result = if clamp { value.clamp(0, 255) as u8 } else { value as u8 };
    }
    out
}
