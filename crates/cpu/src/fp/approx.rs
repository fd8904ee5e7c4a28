//! RCPSS/RCPPS and RSQRTSS/RSQRTPS: the reference CPU's 12-bit
//! approximations. Both depend only on the top 12 fraction bits (RSQRT also
//! on the exponent's parity), so the results come from tables dumped from
//! that CPU by tests/insn_fp/approx_tables.c. No exception flags; denormal
//! inputs count as zero and denormal results are flushed to zero.

/// Three tables of 4096 little-endian u16: RCP, RSQRT for even and for odd
/// exponents. Entry: bit 12 = the larger result exponent, bits 0-11 = the
/// result's top fraction bits.
static TABLES: &[u8; 24576] = include_bytes!("approx_tables.bin");

/// (result exponent for an input in [1, 2) (or [2, 4) for table 2), fraction).
fn entry(table: usize, frac: u32) -> (i32, u32) {
    let k = 2 * (table * 4096 + (frac >> 11) as usize);
    let v = u16::from_le_bytes([TABLES[k], TABLES[k + 1]]) as u32;
    (126 + ((v >> 12) & 1) as i32, (v & 0xfff) << 11)
}

const INF: u32 = 0x7f80_0000;

/// Approximate 1/x of binary32 bits.
pub fn rcp(x: u32) -> u32 {
    let sign = x & 0x8000_0000;
    let e = ((x >> 23) & 0xff) as i32;
    let f = x & 0x7f_ffff;
    match e {
        0xff if f != 0 => x | 0x40_0000,
        0xff => sign,
        0 => sign | INF,
        _ => {
            let (re, m) = entry(0, f);
            let re = re + 127 - e;
            if re <= 0 {
                sign
            } else {
                sign | ((re as u32) << 23) | m
            }
        }
    }
}

/// Approximate 1/sqrt(x) of binary32 bits.
pub fn rsqrt(x: u32) -> u32 {
    let sign = x & 0x8000_0000;
    let e = ((x >> 23) & 0xff) as i32;
    let f = x & 0x7f_ffff;
    match e {
        0xff if f != 0 => x | 0x40_0000,
        0 => sign | INF,
        _ if sign != 0 => 0xffc0_0000,
        0xff => 0,
        _ => {
            let odd = (e - 127) & 1 != 0;
            let (re, m) = entry(if odd { 2 } else { 1 }, f);
            let base = if odd { 128 } else { 127 };
            let re = re - (e - base) / 2;
            sign | ((re as u32) << 23) | m
        }
    }
}
