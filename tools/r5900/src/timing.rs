//! The cycle estimate: latency constants (the data cache itself is [`crate::dcache`]).
//!
//! See the crate README for what is and is not modelled. All numbers are estimates taken from
//! the EE core manual's latency tables where known, rounded; none is cycle-exact.

/// Extra cycles for a taken branch or jump (the EE predicts branches; this is an average).
pub const TAKEN_BRANCH: u64 = 1;
/// Cycles until HI/LO hold the result of MULT/MULTU/MADD/MADDU (and their pipeline-1 forms).
pub const MULT_LATENCY: u64 = 4;
/// Cycles until HI/LO hold the result of DIV/DIVU (and pipeline-1 forms, PDIVW, PDIVBW).
pub const DIV_LATENCY: u64 = 37;
/// Cycles until HI/LO hold the result of an MMI multiply (PMULTW, PMADDH, PHMADH, ...).
pub const MMI_MULT_LATENCY: u64 = 4;
/// Result latency of ordinary FPU arithmetic (add, mul, madd, ...).
pub const FPU_LATENCY: u64 = 4;
/// Result latency of DIV.S.
pub const FPU_DIV_LATENCY: u64 = 8;
/// Result latency of SQRT.S.
pub const FPU_SQRT_LATENCY: u64 = 8;
/// Result latency of RSQRT.S.
pub const FPU_RSQRT_LATENCY: u64 = 14;
/// Extra cycles for a data-cache miss (line refill from main RAM).
pub const DCACHE_MISS: u64 = 40;
/// Extra cycles to write back a dirty line on eviction.
pub const DCACHE_WRITEBACK: u64 = 20;
/// Extra cycles for an uncached access (uncached RAM segments and I/O registers).
pub const UNCACHED_ACCESS: u64 = 35;
