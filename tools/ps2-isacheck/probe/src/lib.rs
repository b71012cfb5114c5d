//! Code patterns that LLVM compiles to FPU instructions the R5900 does not have under a hard-float ABI.
#![no_std]

/// `f32 as i32` saturates: LLVM emits NaN and range checks with `c.un.s` / `c.ult.s`-style compares.
#[unsafe(no_mangle)]
pub extern "C" fn probe_f32_to_i32(x: f32) -> i32 {
    x as i32
}

/// An ordered comparison whose negation LLVM likes to express with an unordered compare.
#[unsafe(no_mangle)]
pub extern "C" fn probe_f32_not_ge(a: f32, b: f32) -> bool {
    !(a >= b)
}

/// NaN check: `c.un.s`.
#[unsafe(no_mangle)]
pub extern "C" fn probe_f32_is_nan(a: f32) -> bool {
    a.is_nan()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
