//! Ships the EE linker script: copies `ps2-ee.ld` into OUT_DIR and puts that directory on the linker's search
//! path, so a program only needs `-C link-arg=-Tps2-ee.ld` (the workspace's `.cargo/config.toml` passes it).
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let script = fs::read("ps2-ee.ld").expect("ps2-ee.ld ships with the crate");
    fs::write(out.join("ps2-ee.ld"), script).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=ps2-ee.ld");
}
