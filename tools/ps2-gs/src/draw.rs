//! Vertex assembly (the drawing kick) and rasterisation of points, lines, triangles and sprites.
//!
//! Coordinates are kept in the GS's 12.4 fixed point relative to the context's XYOFFSET; a
//! pixel (px, py) is sampled at (px·16, py·16), i.e. its top-left corner, as on the GS, so a
//! sprite from (0,0) to (640,224) covers pixels 0..=639 × 0..=223.

use crate::Gs;
use crate::pixel::{DrawContext, Fragment};
use crate::regs::{field, gp};

/// One vertex with the attributes current when its XYZ register was written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Vertex {
    /// Window x, 12.4 fixed point.
    x: i64,
    /// Window y, 12.4 fixed point.
    y: i64,
    z: u32,
    color: [u8; 4],
    s: f32,
    t: f32,
    q: f32,
    /// Texel coordinates from UV (10.4 fixed point), in texels.
    u: f32,
    v: f32,
}

/// The vertices waiting for a primitive.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct VertexQueue {
    vertices: [Vertex; 3],
    count: usize,
}

impl VertexQueue {
    pub fn clear(&mut self) {
        self.count = 0;
    }
}

/// Vertices a primitive type needs (0 for the reserved type 7).
fn vertices_needed(prim_type: u64) -> usize {
    match prim_type {
        0 => 1,
        1 | 2 | 6 => 2,
        3..=5 => 3,
        _ => 0,
    }
}

impl Gs {
    /// PRIM's type with the attributes in effect (from PRIM or PRMODE, as PRMODECONT says).
    fn effective_prim(&self) -> (u64, u64) {
        let prim = self.gp[usize::from(gp::PRIM)];
        let attributes =
            if self.gp[usize::from(gp::PRMODECONT)] & 1 != 0 { prim } else { self.gp[usize::from(gp::PRMODE)] };
        (field(prim, 0, 3), attributes & 0x7F8)
    }

    /// An XYZ(F)2/3 write: adds a vertex and draws when the primitive is complete (XYZ(F)3
    /// adds without drawing).
    pub(crate) fn vertex_kick(&mut self, register: u8, value: u64) {
        let (prim_type, attributes) = self.effective_prim();
        let needed = vertices_needed(prim_type);
        if needed == 0 {
            self.unsupported.insert("reserved primitive type 7");
            return;
        }
        let context = field(attributes, 9, 1) as u8;
        let offset = self.gp[usize::from(gp::XYOFFSET_1 + context)];
        let with_fog = matches!(register, gp::XYZF2 | gp::XYZF3);
        let z = if with_fog { field(value, 32, 24) } else { field(value, 32, 32) } as u32;
        let rgbaq = self.gp[usize::from(gp::RGBAQ)];
        let st = self.gp[usize::from(gp::ST)];
        let uv = self.gp[usize::from(gp::UV)];
        let vertex = Vertex {
            x: field(value, 0, 16) as i64 - field(offset, 0, 16) as i64,
            y: field(value, 16, 16) as i64 - field(offset, 32, 16) as i64,
            z,
            color: (rgbaq as u32).to_le_bytes(),
            q: f32::from_bits((rgbaq >> 32) as u32),
            s: f32::from_bits(st as u32),
            t: f32::from_bits((st >> 32) as u32),
            u: field(uv, 0, 14) as f32 / 16.0,
            v: field(uv, 16, 14) as f32 / 16.0,
        };
        let queue = &mut self.vertices;
        if queue.count >= needed {
            queue.count = 0;
        }
        queue.vertices[queue.count] = vertex;
        queue.count += 1;
        if queue.count < needed {
            return;
        }
        let vertices = queue.vertices;
        // Keep what the next primitive of a strip or fan shares with this one.
        match prim_type {
            2 => {
                queue.vertices[0] = vertices[1];
                queue.count = 1;
            }
            4 => {
                queue.vertices[0] = vertices[1];
                queue.vertices[1] = vertices[2];
                queue.count = 2;
            }
            5 => {
                queue.vertices[1] = vertices[2];
                queue.count = 2;
            }
            _ => queue.count = 0,
        }
        if matches!(register, gp::XYZ2 | gp::XYZF2) {
            self.draw(prim_type, attributes, &vertices[..needed]);
        }
    }

    fn draw(&mut self, prim_type: u64, attributes: u64, vertices: &[Vertex]) {
        let Some(context) = self.draw_context(attributes) else { return };
        self.stats.primitives += 1;
        match prim_type {
            0 => {
                let vertex = vertices[0];
                let (x, y) = ((vertex.x + 8).div_euclid(16), (vertex.y + 8).div_euclid(16));
                self.shade_at(&context, x, y, &vertex, &vertex, 1.0);
            }
            1 | 2 => self.line(&context, vertices[0], vertices[1]),
            6 => self.sprite(&context, vertices[0], vertices[1]),
            _ => self.triangle(&context, vertices[0], vertices[1], vertices[2]),
        }
    }

    /// Shades pixel (x, y) with attributes interpolated between `a` (weight `weight_a`) and `b`;
    /// flat colour comes from `b`, the primitive's last vertex.
    fn shade_at(&mut self, context: &DrawContext, x: i64, y: i64, a: &Vertex, b: &Vertex, weight_a: f32) {
        if !(i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&x) || !(i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&y) {
            return;
        }
        let mix = |p: f32, q: f32| p * weight_a + q * (1.0 - weight_a);
        let color = if context.gouraud {
            std::array::from_fn(|channel| mix(f32::from(a.color[channel]), f32::from(b.color[channel])).round() as u8)
        } else {
            b.color
        };
        let z = mix(a.z as f32, b.z as f32) as u32;
        let texel = Self::texel_coordinates(context, mix(a.u, b.u), mix(a.v, b.v), mix(a.s, b.s), mix(a.t, b.t), mix(a.q, b.q));
        self.shade(context, Fragment { x: x as i32, y: y as i32, z, color, texel });
    }

    fn texel_coordinates(context: &DrawContext, u: f32, v: f32, s: f32, t: f32, q: f32) -> (f32, f32) {
        let Some(texture) = &context.texture else { return (u, v) };
        if context.uv_coordinates {
            return (u, v);
        }
        let q = if q == 0.0 { 1.0 } else { q };
        (s / q * texture.width as f32, t / q * texture.height as f32)
    }

    fn sprite(&mut self, context: &DrawContext, first: Vertex, second: Vertex) {
        let (left, right) = if first.x <= second.x { (first, second) } else { (second, first) };
        let (top, bottom) = if first.y <= second.y { (first, second) } else { (second, first) };
        let [scissor_left, scissor_right, scissor_top, scissor_bottom] = context.scissor.map(i64::from);
        let x_start = ceil_pixel(left.x).max(scissor_left);
        let x_end = ceil_pixel(right.x).min(scissor_right + 1);
        let y_start = ceil_pixel(top.y).max(scissor_top);
        let y_end = ceil_pixel(bottom.y).min(scissor_bottom + 1);
        // Per-pixel attributes are computed here; shade_at must not interpolate again.
        let flat = context.without_gouraud();
        let width = (right.x - left.x).max(1) as f32;
        let height = (bottom.y - top.y).max(1) as f32;
        if context.texture.is_none() {
            // Untextured: every pixel gets the second vertex's colour and depth.
            for y in y_start..y_end {
                for x in x_start..x_end {
                    let fragment = Fragment { x: x as i32, y: y as i32, z: second.z, color: second.color, texel: (0.0, 0.0) };
                    self.shade(&flat, fragment);
                }
            }
            return;
        }
        for y in y_start..y_end {
            let along_y = (y * 16 - top.y) as f32 / height;
            for x in x_start..x_end {
                let along_x = (x * 16 - left.x) as f32 / width;
                // Texture coordinates run with x from `left` to `right` and with y from `top`
                // to `bottom`; colour and depth come from the second vertex.
                let mut vertex = second;
                vertex.u = left.u + (right.u - left.u) * along_x;
                vertex.s = left.s + (right.s - left.s) * along_x;
                vertex.v = top.v + (bottom.v - top.v) * along_y;
                vertex.t = top.t + (bottom.t - top.t) * along_y;
                self.shade_at(&flat, x, y, &vertex, &vertex, 1.0);
            }
        }
    }

    fn line(&mut self, context: &DrawContext, from: Vertex, to: Vertex) {
        let (x0, y0) = ((from.x + 8).div_euclid(16), (from.y + 8).div_euclid(16));
        let (x1, y1) = ((to.x + 8).div_euclid(16), (to.y + 8).div_euclid(16));
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).min(4096);
        // The last pixel is left out so that strips do not draw shared ends twice.
        for step in 0..steps.max(1) {
            let along = if steps == 0 { 0.0 } else { step as f32 / steps as f32 };
            let x = x0 + ((x1 - x0) as f32 * along).round() as i64;
            let y = y0 + ((y1 - y0) as f32 * along).round() as i64;
            self.shade_at(context, x, y, &from, &to, 1.0 - along);
        }
    }

    fn triangle(&mut self, context: &DrawContext, a: Vertex, b: Vertex, c: Vertex) {
        let flat_color = c.color;
        let area = edge(&a, &b, c.x, c.y);
        if area == 0 {
            return;
        }
        // Order the vertices so that the area is positive.
        let (a, b, c) = if area > 0 { (a, b, c) } else { (a, c, b) };
        let area = area.abs();
        let [scissor_left, scissor_right, scissor_top, scissor_bottom] = context.scissor.map(i64::from);
        let x_start = ceil_pixel(a.x.min(b.x).min(c.x)).max(scissor_left);
        let x_end = ceil_pixel(a.x.max(b.x).max(c.x) + 1).min(scissor_right + 1);
        let y_start = ceil_pixel(a.y.min(b.y).min(c.y)).max(scissor_top);
        let y_end = ceil_pixel(a.y.max(b.y).max(c.y) + 1).min(scissor_bottom + 1);
        // Top-left fill rule: a pixel exactly on an edge belongs to the triangle only when the
        // edge is a top or a left edge, so triangles sharing an edge never both draw it.
        let biases = [top_left_bias(&b, &c), top_left_bias(&c, &a), top_left_bias(&a, &b)];
        // Per-pixel attributes are computed here; shade_at must not interpolate again.
        let flat = context.without_gouraud();
        for y in y_start..y_end {
            for x in x_start..x_end {
                let (px, py) = (x * 16, y * 16);
                let weights = [edge(&b, &c, px, py), edge(&c, &a, px, py), edge(&a, &b, px, py)];
                if weights.iter().zip(biases).any(|(&weight, bias)| weight + bias < 0) {
                    continue;
                }
                let [wa, wb, wc] = weights.map(|weight| weight as f32 / area as f32);
                let mix = |pa: f32, pb: f32, pc: f32| pa * wa + pb * wb + pc * wc;
                let color = if context.gouraud {
                    std::array::from_fn(|channel| {
                        mix(f32::from(a.color[channel]), f32::from(b.color[channel]), f32::from(c.color[channel])).round() as u8
                    })
                } else {
                    flat_color
                };
                let vertex = Vertex {
                    x: px,
                    y: py,
                    z: mix(a.z as f32, b.z as f32, c.z as f32) as u32,
                    color,
                    s: mix(a.s, b.s, c.s),
                    t: mix(a.t, b.t, c.t),
                    q: mix(a.q, b.q, c.q),
                    u: mix(a.u, b.u, c.u),
                    v: mix(a.v, b.v, c.v),
                };
                self.shade_at(&flat, x, y, &vertex, &vertex, 1.0);
            }
        }
    }
}

/// Smallest pixel whose sample point (px·16) is at or after `coordinate` (12.4).
fn ceil_pixel(coordinate: i64) -> i64 {
    (coordinate + 15).div_euclid(16)
}

/// Twice the signed area of (from, to, p); positive when p is on the inner side of a
/// positively oriented triangle's edge.
fn edge(from: &Vertex, to: &Vertex, px: i64, py: i64) -> i64 {
    (to.x - from.x) * (py - from.y) - (to.y - from.y) * (px - from.x)
}

/// 0 for top and left edges, -1 otherwise (the edge function is an integer). With y growing
/// downwards and a positive [`edge`] area, the vertices run clockwise on screen: a top edge
/// runs to the right, a left edge runs upwards.
fn top_left_bias(from: &Vertex, to: &Vertex) -> i64 {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let top = dy == 0 && dx > 0;
    let left = dy < 0;
    if top || left { 0 } else { -1 }
}
