//! A timing model of the PS2's CD/DVD drive, for the simulator: how long a read of `n` sectors at
//! an LSN takes, given where the head was.
//!
//! # Model
//!
//! * **CAV**: the PS2 drive reads at constant angular velocity (24× CD, 4× DVD at the outer
//!   edge). The data rate is then proportional to the radius: `rate(r) = rate_outer · r / r_outer`.
//! * **Radius of an LSN**: the disc is written at constant linear density along a spiral of
//!   constant pitch, so the area covered grows linearly with the sector number:
//!   `r(lsn)² = r_inner² + (lsn / capacity) · (r_outer² − r_inner²)`.
//! * **Transfer time** of sectors `a..b` is the integral of `1 / rate` along the spiral, which has
//!   the closed form `2 · (r(b) − r(a)) / (k · c)` with `k = rate_outer / r_outer` (sectors per
//!   second per mm) and `c = (r_outer² − r_inner²) / capacity`: exact, and cheap for any length.
//! * **Seek**: `full_stroke · |Δr| / (r_outer − r_inner)` plus half a revolution of average
//!   rotational latency. A short forward skip (less than one revolution of sectors) costs the time
//!   for those sectors to pass under the head instead. Reading on from where the last read ended
//!   costs nothing extra.
//! * **Rotation speed** follows from the geometry: the spiral's length is `π (r_outer² −
//!   r_inner²) / pitch`, one sector's length is that over the capacity, and the revolutions per
//!   second are the outer rate (sectors/s) over the sectors in one outer turn.
//! * **DVD dual layer**: sectors past the single-layer capacity are on layer 1, which PS2 DVD-9
//!   discs record in opposite track path (from the outer edge inwards); the layer break is assumed
//!   at the full single-layer capacity. Sectors beyond the medium's capacity (over-burned CDs,
//!   past layer 1) are read at the outer-edge rate.
//!
//! # Sources and assumptions
//!
//! * CD: 1× = 75 sectors/s of 2048 user bytes (Mode 1 / Mode 2 Form 1) = 153.6 kB/s, so 24× =
//!   3.69 MB/s at the outer edge; program area from 25 mm to 58 mm radius (Red Book / ECMA-130);
//!   track pitch 1.6 µm; 74 minutes = 333,000 sectors. The inner edge then reads at 25/58 = 43 %
//!   of the outer rate (1.59 MB/s), matching the ~40 % commonly quoted for 24× CAV drives.
//! * DVD: 1× = 11.08 Mbit/s = 1.385 MB/s, 4× = 5.54 MB/s outer; data area 24 mm to 58 mm;
//!   track pitch 0.74 µm; single layer = 2,295,104 sectors (ECMA-267).
//! * Full-stroke seek of 100 ms is an assumption typical of drives of that era (no measured PS2
//!   figure was available); spin-up, retries and the drive's read-ahead cache are not modelled.
//! * Media choice: an image larger than an 80-minute CD (360,000 sectors, 737 MB) needs a DVD.
//!   (PCSX2's own detection threshold is 452,849 sectors; see `ps2-iop.md` §6.6.)

use std::time::Duration;

use crate::SECTOR_SIZE;

/// Sectors on a 74-minute CD (74 × 60 × 75).
pub const CD_74_MIN_SECTORS: u32 = 333_000;
/// Sectors on an 80-minute CD: the largest image treated as a CD.
pub const CD_80_MIN_SECTORS: u32 = 360_000;
/// Sectors on one layer of a DVD (DVD-5, 4.7 GB).
pub const DVD_LAYER_SECTORS: u32 = 2_295_104;

/// The kind of disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// CD-ROM, read at 24× CAV.
    Cd,
    /// DVD-ROM, read at 4× CAV.
    Dvd,
}

impl Media {
    /// The medium an image of this many bytes needs.
    pub fn for_image_bytes(bytes: u64) -> Media {
        if bytes > u64::from(CD_80_MIN_SECTORS) * SECTOR_SIZE as u64 { Media::Dvd } else { Media::Cd }
    }
}

/// The drive and disc geometry the model uses; public so that a simulator can experiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriveParams {
    /// Sectors per layer that the radii below span.
    pub layer_sectors: u32,
    /// Number of layers (1 for CD; 2 lets DVD-9 images be modelled).
    pub layers: u32,
    /// Radius of the first sector, mm.
    pub inner_radius_mm: f64,
    /// Radius of the last sector of a full layer, mm.
    pub outer_radius_mm: f64,
    /// Read rate at the outer radius, sectors per second.
    pub outer_sectors_per_second: f64,
    /// Track pitch, µm (sets the rotation speed).
    pub track_pitch_um: f64,
    /// Seek time across the whole radius.
    pub full_stroke: Duration,
}

impl DriveParams {
    /// CD-ROM read at 24× CAV.
    pub fn cd_24x() -> Self {
        DriveParams {
            layer_sectors: CD_74_MIN_SECTORS,
            layers: 1,
            inner_radius_mm: 25.0,
            outer_radius_mm: 58.0,
            outer_sectors_per_second: 24.0 * 75.0,
            track_pitch_um: 1.6,
            full_stroke: Duration::from_millis(100),
        }
    }

    /// DVD-ROM read at 4× CAV.
    pub fn dvd_4x() -> Self {
        DriveParams {
            layer_sectors: DVD_LAYER_SECTORS,
            layers: 2,
            inner_radius_mm: 24.0,
            outer_radius_mm: 58.0,
            outer_sectors_per_second: 4.0 * 11.08e6 / 8.0 / SECTOR_SIZE as f64,
            track_pitch_um: 0.74,
            full_stroke: Duration::from_millis(100),
        }
    }

    /// Growth of r² per sector, mm².
    fn area_per_sector(&self) -> f64 {
        (self.outer_radius_mm.powi(2) - self.inner_radius_mm.powi(2)) / f64::from(self.layer_sectors)
    }

    /// Sectors per second per mm of radius.
    fn rate_per_mm(&self) -> f64 {
        self.outer_sectors_per_second / self.outer_radius_mm
    }

    /// Revolutions per second (constant: CAV).
    pub fn revolutions_per_second(&self) -> f64 {
        let spiral_length_mm =
            std::f64::consts::PI * (self.outer_radius_mm.powi(2) - self.inner_radius_mm.powi(2)) / (self.track_pitch_um / 1000.0);
        let sector_length_mm = spiral_length_mm / f64::from(self.layer_sectors);
        let sectors_per_outer_turn = 2.0 * std::f64::consts::PI * self.outer_radius_mm / sector_length_mm;
        self.outer_sectors_per_second / sectors_per_outer_turn
    }

    /// Radius of a position `within_layer` sectors from the inner edge of a layer.
    fn radius_at_position(&self, within_layer: f64) -> f64 {
        (self.inner_radius_mm.powi(2) + within_layer * self.area_per_sector()).sqrt()
    }

    /// Radius of an LSN, mm (clamped to the outer radius beyond the medium's capacity).
    pub fn radius_mm(&self, lsn: u64) -> f64 {
        let layer_sectors = u64::from(self.layer_sectors);
        let layer = lsn / layer_sectors;
        if layer >= u64::from(self.layers) {
            return self.outer_radius_mm;
        }
        let offset = (lsn % layer_sectors) as f64;
        // Odd layers run from the outer edge inwards (opposite track path).
        let position = if layer.is_multiple_of(2) { offset } else { f64::from(self.layer_sectors) - offset };
        self.radius_at_position(position)
    }

    /// Seconds to read sectors `start..end` that lie in one layer (or all beyond the capacity).
    fn segment_seconds(&self, start: u64, end: u64) -> f64 {
        if start >= u64::from(self.layer_sectors) * u64::from(self.layers) {
            return (end - start) as f64 / self.outer_sectors_per_second;
        }
        // Layer ends are handled by the caller; for the last sector of a reversed layer the
        // radius formula at `end` is exact as well.
        let radius_start = self.radius_mm(start);
        let radius_end = if end.is_multiple_of(u64::from(self.layer_sectors)) {
            let layer = (end - 1) / u64::from(self.layer_sectors);
            if layer.is_multiple_of(2) { self.outer_radius_mm } else { self.inner_radius_mm }
        } else {
            self.radius_mm(end)
        };
        2.0 * (radius_end - radius_start).abs() / (self.rate_per_mm() * self.area_per_sector())
    }
}

/// The drive: parameters plus the head position, which seeks depend on.
#[derive(Debug, Clone)]
pub struct DriveModel {
    media: Media,
    params: DriveParams,
    /// The LSN the head would read next without seeking.
    head: u64,
}

impl DriveModel {
    /// A drive with the standard parameters for `media`, head at LSN 0.
    pub fn new(media: Media) -> Self {
        let params = match media {
            Media::Cd => DriveParams::cd_24x(),
            Media::Dvd => DriveParams::dvd_4x(),
        };
        Self::with_params(media, params)
    }

    /// A drive for an image of `bytes` bytes (CD up to 80 minutes, DVD beyond).
    pub fn for_image_bytes(bytes: u64) -> Self {
        Self::new(Media::for_image_bytes(bytes))
    }

    /// A drive with custom parameters.
    pub fn with_params(media: Media, params: DriveParams) -> Self {
        Self { media, params, head: 0 }
    }

    /// The medium.
    pub fn media(&self) -> Media {
        self.media
    }

    /// The parameters in use.
    pub fn params(&self) -> &DriveParams {
        &self.params
    }

    /// The LSN the next read can start at without seeking.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// Instantaneous data rate at an LSN, bytes per second.
    pub fn transfer_rate(&self, lsn: u32) -> f64 {
        self.params.rate_per_mm() * self.params.radius_mm(u64::from(lsn)) * SECTOR_SIZE as f64
    }

    /// Time to move the head from where it is to `lsn` (zero when it is already there).
    pub fn seek_time(&self, lsn: u32) -> Duration {
        let target = u64::from(lsn);
        if target == self.head {
            return Duration::ZERO;
        }
        let params = &self.params;
        let revolution = 1.0 / params.revolutions_per_second();
        let from_radius = params.radius_mm(self.head);
        let to_radius = params.radius_mm(target);
        if target > self.head {
            // Close enough ahead to wait for the sectors to come round instead of seeking.
            let sectors_per_turn = params.rate_per_mm() * to_radius * revolution;
            if ((target - self.head) as f64) < sectors_per_turn {
                return self.transfer_time_between(self.head, target);
            }
        }
        let stroke = (to_radius - from_radius).abs() / (params.outer_radius_mm - params.inner_radius_mm);
        Duration::from_secs_f64(params.full_stroke.as_secs_f64() * stroke + revolution / 2.0)
    }

    /// Time to read `sectors` sectors from `lsn` once the head is there.
    pub fn transfer_time(&self, lsn: u32, sectors: u32) -> Duration {
        let start = u64::from(lsn);
        self.transfer_time_between(start, start + u64::from(sectors))
    }

    fn transfer_time_between(&self, start: u64, end: u64) -> Duration {
        let layer_sectors = u64::from(self.params.layer_sectors);
        let capacity = layer_sectors * u64::from(self.params.layers);
        let mut seconds = 0.0;
        let mut position = start;
        while position < end {
            // Split at layer ends and at the capacity, where the radius formula changes.
            let boundary = if position >= capacity { end } else { (position / layer_sectors + 1) * layer_sectors };
            let segment_end = boundary.min(end);
            seconds += self.params.segment_seconds(position, segment_end);
            position = segment_end;
        }
        Duration::from_secs_f64(seconds)
    }

    /// Time for a read command of `sectors` sectors at `lsn`: seek, then transfer. Moves the head
    /// to just after the last sector read.
    pub fn read_time(&mut self, lsn: u32, sectors: u32) -> Duration {
        let time = self.seek_time(lsn) + self.transfer_time(lsn, sectors);
        self.head = u64::from(lsn) + u64::from(sectors);
        time
    }

    /// Time for a seek command to `lsn`; moves the head there.
    pub fn seek(&mut self, lsn: u32) -> Duration {
        let time = self.seek_time(lsn);
        self.head = u64::from(lsn);
        time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1e6;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance * expected.abs()
    }

    #[test]
    fn cd_rates_span_inner_to_outer_edge() {
        let drive = DriveModel::new(Media::Cd);
        let outer = drive.transfer_rate(CD_74_MIN_SECTORS - 1);
        let inner = drive.transfer_rate(0);
        assert!(close(outer, 3.6864 * MB, 0.001), "outer {outer}");
        assert!(close(inner / outer, 25.0 / 58.0, 0.001), "inner/outer {}", inner / outer);
        // Half-way by radius lies well past half-way by sector count (area grows with r²).
        let middle = drive.params().radius_mm(u64::from(CD_74_MIN_SECTORS / 2));
        assert!(middle > (25.0 + 58.0) / 2.0, "{middle}");
    }

    #[test]
    fn closed_form_transfer_matches_sector_by_sector_sum() {
        let drive = DriveModel::new(Media::Cd);
        let (start, count) = (100_000u32, 5_000u32);
        let summed: f64 = (start..start + count)
            .map(|lsn| SECTOR_SIZE as f64 / drive.transfer_rate(lsn))
            .sum();
        let closed = drive.transfer_time(start, count).as_secs_f64();
        assert!(close(closed, summed, 1e-4), "{closed} vs {summed}");
        // A whole 74-minute CD reads in between the all-inner and all-outer times.
        let whole = drive.transfer_time(0, CD_74_MIN_SECTORS).as_secs_f64();
        let at_outer = f64::from(CD_74_MIN_SECTORS) / 1800.0;
        assert!(whole > at_outer && whole < at_outer * 58.0 / 25.0, "{whole}");
    }

    #[test]
    fn sequential_reads_do_not_seek_and_far_reads_do() {
        let mut drive = DriveModel::new(Media::Cd);
        let first = drive.read_time(1000, 16);
        let sequential = drive.read_time(1016, 16);
        assert!(sequential < first, "first {first:?} includes a seek, sequential {sequential:?} does not");
        assert_eq!(drive.head(), 1032);
        let rotation = 1.0 / drive.params().revolutions_per_second();
        let far = drive.seek_time(CD_74_MIN_SECTORS - 1).as_secs_f64();
        assert!(far > 0.05 + rotation / 2.0 && far < 0.1 + rotation, "{far}");
        let near_behind = drive.seek_time(1000).as_secs_f64();
        assert!(near_behind < 0.001 + rotation / 2.0, "{near_behind}");
        // A small forward gap is skipped by waiting for it to pass: at LSN ~1000 one turn holds
        // ~9.7 sectors, so 4 sectors take ~0.41 of a turn and 8 sectors ~0.82.
        let short_skip = drive.seek_time(1036).as_secs_f64();
        assert!(close(short_skip, 4.0 / 9.7 * rotation, 0.02), "{short_skip}");
        let long_skip = drive.seek_time(1040).as_secs_f64();
        assert!(long_skip > rotation / 2.0 && long_skip < rotation, "{long_skip}");
    }

    #[test]
    fn rotation_speed_is_plausible() {
        let cd_rpm = DriveParams::cd_24x().revolutions_per_second() * 60.0;
        let dvd_rpm = DriveParams::dvd_4x().revolutions_per_second() * 60.0;
        assert!((4000.0..6000.0).contains(&cd_rpm), "{cd_rpm}");
        assert!((2000.0..3000.0).contains(&dvd_rpm), "{dvd_rpm}");
    }

    #[test]
    fn dvd_layers_and_media_choice() {
        assert_eq!(Media::for_image_bytes(700 * 1024 * 1024), Media::Cd);
        assert_eq!(Media::for_image_bytes(800 * 1024 * 1024), Media::Dvd);
        let drive = DriveModel::new(Media::Dvd);
        assert!(close(drive.transfer_rate(DVD_LAYER_SECTORS - 1), 5.54 * MB, 0.001));
        // Layer 1 starts at the outer edge (opposite track path) and ends at the inner one.
        assert!(close(drive.transfer_rate(DVD_LAYER_SECTORS), 5.54 * MB, 0.001));
        assert!(drive.transfer_rate(2 * DVD_LAYER_SECTORS - 1) < 0.42 * 5.54 * MB);
        // Reading across the layer break equals the two halves.
        let across = drive.transfer_time(DVD_LAYER_SECTORS - 100, 200);
        let halves = drive.transfer_time(DVD_LAYER_SECTORS - 100, 100) + drive.transfer_time(DVD_LAYER_SECTORS, 100);
        assert!(close(across.as_secs_f64(), halves.as_secs_f64(), 1e-6));
        // Beyond both layers, the outer rate applies.
        let beyond = drive.transfer_time(2 * DVD_LAYER_SECTORS + 10, 1000).as_secs_f64();
        assert!(close(beyond, 1000.0 / drive.params().outer_sectors_per_second, 1e-9));
    }
}
