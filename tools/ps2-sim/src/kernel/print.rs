//! `_print` (syscall 0x75): a small printf for kernel debug output.
//!
//! Supports `%d %i %u %x %X %p %s %c %%` with `-`/`0` flags, a width and ignored `l`/`h`
//! length modifiers; arguments come from `$a1-$a3, $t0-$t3` (at most 7, as on the EE).

use super::GuestCpu;
use crate::memory::Memory;

/// Formats the `_print` call the CPU is stopped at.
pub(super) fn format<C: GuestCpu>(cpu: &C, mem: &Memory) -> String {
    let fmt = super::guest::read_c_string(cpu, mem, cpu.gpr(4) as u32, 1024).unwrap_or_default();
    let args: Vec<u32> = [5, 6, 7, 8, 9, 10, 11].iter().map(|&r| cpu.gpr(r) as u32).collect();
    format_with_strings(&fmt, &args, |addr| super::guest::read_c_string(cpu, mem, addr, 4096))
}

/// Formats `fmt` with 32-bit arguments; `%s` reads strings from `mem`.
#[cfg(test)]
pub(super) fn format_with(fmt: &str, args: &[u32], mem: &Memory) -> String {
    format_with_strings(fmt, args, |addr| mem.read_c_string(addr, 4096))
}

/// Formats `fmt` with 32-bit arguments; `%s` strings come from `string_at`.
fn format_with_strings(fmt: &str, args: &[u32], string_at: impl Fn(u32) -> Option<String>) -> String {
    let mut out = String::new();
    let mut next = args.iter().copied();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut left, mut zero, mut width) = (false, false, 0usize);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' if width == 0 => zero = true,
                d if d.is_ascii_digit() => width = width * 10 + (d as usize - '0' as usize),
                'l' | 'h' => {}
                _ => break,
            }
            chars.next();
        }
        let Some(conv) = chars.next() else { break };
        let arg = || next.next().unwrap_or(0);
        let mut arg_source = arg;
        let body = match conv {
            'd' | 'i' => (arg_source() as i32).to_string(),
            'u' => arg_source().to_string(),
            'x' => format!("{:x}", arg_source()),
            'X' => format!("{:X}", arg_source()),
            'p' => format!("0x{:08x}", arg_source()),
            'c' => char::from(arg_source() as u8).to_string(),
            's' => string_at(arg_source()).unwrap_or_else(|| "(bad)".into()),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        let pad = width.saturating_sub(body.chars().count());
        if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero && !matches!(conv, 's' | 'c') {
            let (sign, digits) = body.strip_prefix('-').map_or(("", &body[..]), |d| ("-", d));
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&body);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_strings_and_padding() {
        let mut mem = Memory::new();
        mem.slice_mut(0x0010_0000, 4).unwrap().copy_from_slice(b"ee\0\0");
        let s = format_with(
            "%d|%5u|%-4x|%08X|%s|%c|%%|%05d",
            &[(-3i32) as u32, 42, 0xab, 0xBEEF, 0x0010_0000, b'z' as u32, (-7i32) as u32],
            &mem,
        );
        assert_eq!(s, "-3|   42|ab  |0000BEEF|ee|z|%|-0007");
    }
}
