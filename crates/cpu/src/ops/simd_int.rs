//! Width-generic integer SIMD semantics shared by MMX (64-bit) and SSE
//! (128-bit) forms: MMX/SSE2 arithmetic, SSSE3 (PSHUFB, PALIGNR,
//! horizontal ops, PMADDUBSW, PMULHRSW, PSIGN, PABS), SSE4.1/4.2 integer
//! ops, PCLMULQDQ and AES-NI rounds. Pure functions of register values.

use iced_x86::Mnemonic;

fn mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn get(v: u128, size: u32, k: u32) -> u64 {
    ((v >> (k * size * 8)) & mask(size * 8)) as u64
}

fn put(v: u128, size: u32, k: u32, x: u64) -> u128 {
    let m = mask(size * 8) << (k * size * 8);
    (v & !m) | (((x as u128) << (k * size * 8)) & m)
}

fn sx(v: u64, size: u32) -> i64 {
    let sh = 64 - size * 8;
    ((v << sh) as i64) >> sh
}

fn sat_s(v: i64, size: u32) -> u64 {
    let bits = size * 8;
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    (v.clamp(lo, hi) as u64) & (mask(bits) as u64)
}

fn sat_u(v: i64, size: u32) -> u64 {
    v.clamp(0, mask(size * 8) as i64) as u64
}

/// Lane-wise map over `w` bytes.
fn map2(a: u128, b: u128, w: u32, size: u32, f: impl Fn(u64, u64) -> u64) -> u128 {
    let mut r = 0;
    for k in 0..w / size {
        r = put(r, size, k, f(get(a, size, k), get(b, size, k)));
    }
    r
}

/// Horizontal pairs: results from a's pairs, then b's.
fn hpairs(a: u128, b: u128, w: u32, size: u32, f: impl Fn(u64, u64) -> u64) -> u128 {
    let n = w / size;
    let mut r = 0;
    for k in 0..n {
        let src = if k < n / 2 { a } else { b };
        let j = (k % (n / 2)) * 2;
        r = put(r, size, k, f(get(src, size, j), get(src, size, j + 1)));
    }
    r
}

/// Carry-less multiply of two 64-bit values.
fn clmul(a: u64, b: u64) -> u128 {
    let mut r = 0u128;
    for k in 0..64 {
        if b >> k & 1 != 0 {
            r ^= (a as u128) << k;
        }
    }
    r
}

/// Result of a two-operand integer op on `w`-byte registers (8 = MMX,
/// 16 = XMM); `None` if `m` is not one of them. `xmm0` is the implicit
/// mask of PBLENDVB.
pub(crate) fn int_op(m: Mnemonic, a: u128, b: u128, w: u32, imm: u8, xmm0: u128) -> Option<u128> {
    use Mnemonic::*;
    let wm = mask(w * 8);
    let (a, b) = (a & wm, b & wm);
    let r = match m {
        Paddb | Paddw | Paddd | Paddq | Psubb | Psubw | Psubd | Psubq => {
            let size = match m {
                Paddb | Psubb => 1,
                Paddw | Psubw => 2,
                Paddd | Psubd => 4,
                _ => 8,
            };
            let sub = matches!(m, Psubb | Psubw | Psubd | Psubq);
            map2(a, b, w, size, |x, y| {
                if sub {
                    x.wrapping_sub(y)
                } else {
                    x.wrapping_add(y)
                }
            })
        }
        Paddsb | Paddsw | Psubsb | Psubsw | Paddusb | Paddusw | Psubusb | Psubusw => {
            let size = if matches!(m, Paddsb | Psubsb | Paddusb | Psubusb) {
                1
            } else {
                2
            };
            map2(a, b, w, size, |x, y| match m {
                Paddsb | Paddsw => sat_s(sx(x, size) + sx(y, size), size),
                Psubsb | Psubsw => sat_s(sx(x, size) - sx(y, size), size),
                Paddusb | Paddusw => sat_u(x as i64 + y as i64, size),
                _ => sat_u(x as i64 - y as i64, size),
            })
        }
        Pcmpeqb | Pcmpeqw | Pcmpeqd | Pcmpeqq | Pcmpgtb | Pcmpgtw | Pcmpgtd | Pcmpgtq => {
            let size = match m {
                Pcmpeqb | Pcmpgtb => 1,
                Pcmpeqw | Pcmpgtw => 2,
                Pcmpeqd | Pcmpgtd => 4,
                _ => 8,
            };
            let ones = mask(size * 8) as u64;
            let eq = matches!(m, Pcmpeqb | Pcmpeqw | Pcmpeqd | Pcmpeqq);
            map2(a, b, w, size, |x, y| {
                let t = if eq {
                    x == y
                } else {
                    sx(x, size) > sx(y, size)
                };
                if t {
                    ones
                } else {
                    0
                }
            })
        }
        Pand => a & b,
        Pandn => !a & b & wm,
        Por => a | b,
        Pxor => a ^ b,
        Pmullw | Pmulhw | Pmulhuw | Pmulhrsw => map2(a, b, w, 2, |x, y| match m {
            Pmullw => (sx(x, 2) * sx(y, 2)) as u64,
            Pmulhw => ((sx(x, 2) * sx(y, 2)) >> 16) as u64,
            Pmulhuw => (x * y) >> 16,
            _ => ((((sx(x, 2) * sx(y, 2)) >> 14) + 1) >> 1) as u64,
        }),
        Pmulld => map2(a, b, w, 4, |x, y| x.wrapping_mul(y)),
        Pmuludq | Pmuldq => map2(a, b, w, 8, |x, y| {
            if m == Pmuludq {
                (x as u32 as u64) * (y as u32 as u64)
            } else {
                ((x as u32 as i32 as i64) * (y as u32 as i32 as i64)) as u64
            }
        }),
        Pmaddwd => map2(a, b, w, 4, |x, y| {
            let p0 = sx(x & 0xffff, 2) * sx(y & 0xffff, 2);
            let p1 = sx(x >> 16, 2) * sx(y >> 16, 2);
            (p0 + p1) as u64
        }),
        Pmaddubsw => map2(a, b, w, 2, |x, y| {
            let p0 = (x & 0xff) as i64 * sx(y & 0xff, 1);
            let p1 = (x >> 8) as i64 * sx(y >> 8, 1);
            sat_s(p0 + p1, 2)
        }),
        Pavgb | Pavgw => map2(a, b, w, if m == Pavgb { 1 } else { 2 }, |x, y| {
            (x + y + 1) >> 1
        }),
        Pminub | Pmaxub | Pminuw | Pmaxuw | Pminud | Pmaxud => {
            let size = match m {
                Pminub | Pmaxub => 1,
                Pminuw | Pmaxuw => 2,
                _ => 4,
            };
            let max = matches!(m, Pmaxub | Pmaxuw | Pmaxud);
            map2(a, b, w, size, |x, y| if max { x.max(y) } else { x.min(y) })
        }
        Pminsb | Pmaxsb | Pminsw | Pmaxsw | Pminsd | Pmaxsd => {
            let size = match m {
                Pminsb | Pmaxsb => 1,
                Pminsw | Pmaxsw => 2,
                _ => 4,
            };
            let max = matches!(m, Pmaxsb | Pmaxsw | Pmaxsd);
            map2(a, b, w, size, |x, y| {
                let lt = sx(x, size) < sx(y, size);
                if lt != max {
                    x
                } else {
                    y
                }
            })
        }
        Psadbw => {
            let mut r = 0u128;
            for h in 0..w / 8 {
                let s: u64 = (0..8)
                    .map(|k| get(a, 1, h * 8 + k).abs_diff(get(b, 1, h * 8 + k)))
                    .sum();
                r = put(r, 8, h, s);
            }
            r
        }
        Psllw | Pslld | Psllq | Psrlw | Psrld | Psrlq | Psraw | Psrad => {
            let count = b as u64;
            let size = match m {
                Psllw | Psrlw | Psraw => 2,
                Pslld | Psrld | Psrad => 4,
                _ => 8,
            };
            let bits = (size * 8) as u64;
            map2(a, 0, w, size, |x, _| match m {
                Psllw | Pslld | Psllq => {
                    if count >= bits {
                        0
                    } else {
                        x << count
                    }
                }
                Psrlw | Psrld | Psrlq => {
                    if count >= bits {
                        0
                    } else {
                        x >> count
                    }
                }
                _ => (sx(x, size) >> count.min(bits - 1)) as u64,
            })
        }
        Punpcklbw | Punpcklwd | Punpckldq | Punpcklqdq | Punpckhbw | Punpckhwd | Punpckhdq
        | Punpckhqdq => {
            let size = match m {
                Punpcklbw | Punpckhbw => 1,
                Punpcklwd | Punpckhwd => 2,
                Punpckldq | Punpckhdq => 4,
                _ => 8,
            };
            let high = matches!(m, Punpckhbw | Punpckhwd | Punpckhdq | Punpckhqdq);
            let n = w / size / 2;
            let off = if high { n } else { 0 };
            let mut r = 0;
            for k in 0..n {
                r = put(r, size, 2 * k, get(a, size, off + k));
                r = put(r, size, 2 * k + 1, get(b, size, off + k));
            }
            r
        }
        Packsswb | Packssdw | Packuswb | Packusdw => {
            let (src, dst) = if matches!(m, Packssdw | Packusdw) {
                (4, 2)
            } else {
                (2, 1)
            };
            let n = w / src;
            let mut r = 0;
            for k in 0..2 * n {
                let v = if k < n { a } else { b };
                let x = sx(get(v, src, k % n), src);
                let y = if matches!(m, Packuswb | Packusdw) {
                    sat_u(x, dst)
                } else {
                    sat_s(x, dst)
                };
                r = put(r, dst, k, y);
            }
            r
        }
        Pshufw => (0..4).fold(0, |r, k| {
            put(r, 2, k, get(b, 2, (imm as u32 >> (2 * k)) & 3))
        }),
        Pshufb => {
            let mut r = 0;
            for k in 0..w {
                let s = get(b, 1, k);
                let v = if s & 0x80 != 0 {
                    0
                } else {
                    get(a, 1, (s as u32) & (w - 1))
                };
                r = put(r, 1, k, v);
            }
            r
        }
        Palignr => {
            let sh = imm as u32 * 8;
            // (a:b) >> sh over 2w bytes, low w bytes.
            let lo = b;
            let hi = a;
            let wb = w * 8;
            let part_lo = if sh >= wb { 0 } else { lo >> sh };
            let part_hi = if sh >= 2 * wb {
                0
            } else if sh >= wb {
                hi >> (sh - wb)
            } else if sh == 0 {
                0
            } else {
                hi << (wb - sh)
            };
            (part_lo | part_hi) & wm
        }
        Phaddw | Phaddd | Phsubw | Phsubd | Phaddsw | Phsubsw => {
            let size = if matches!(m, Phaddd | Phsubd) { 4 } else { 2 };
            hpairs(a, b, w, size, |x, y| match m {
                Phaddw | Phaddd => x.wrapping_add(y),
                Phsubw | Phsubd => x.wrapping_sub(y),
                Phaddsw => sat_s(sx(x, 2) + sx(y, 2), 2),
                _ => sat_s(sx(x, 2) - sx(y, 2), 2),
            })
        }
        Psignb | Psignw | Psignd => {
            let size = match m {
                Psignb => 1,
                Psignw => 2,
                _ => 4,
            };
            map2(a, b, w, size, |x, y| {
                let s = sx(y, size);
                if s < 0 {
                    (x as i64).wrapping_neg() as u64
                } else if s == 0 {
                    0
                } else {
                    x
                }
            })
        }
        Pabsb | Pabsw | Pabsd => {
            let size = match m {
                Pabsb => 1,
                Pabsw => 2,
                _ => 4,
            };
            map2(b, 0, w, size, |x, _| sx(x, size).unsigned_abs())
        }
        Pblendvb => (0..w).fold(a, |r, k| {
            if get(xmm0, 1, k) & 0x80 != 0 {
                put(r, 1, k, get(b, 1, k))
            } else {
                r
            }
        }),
        Pblendw => (0..8).fold(a, |r, k| {
            if imm >> k & 1 != 0 {
                put(r, 2, k, get(b, 2, k))
            } else {
                r
            }
        }),
        Phminposuw => {
            let (mut best, mut idx) = (get(b, 2, 0), 0);
            for k in 1..8 {
                let v = get(b, 2, k);
                if v < best {
                    best = v;
                    idx = k;
                }
            }
            best as u128 | ((idx as u128) << 16)
        }
        Mpsadbw => {
            let boff = (imm as u32 & 3) * 4;
            let aoff = ((imm as u32 >> 2) & 1) * 4;
            let mut r = 0;
            for k in 0..8 {
                let s: u64 = (0..4)
                    .map(|j| get(a, 1, aoff + k + j).abs_diff(get(b, 1, boff + j)))
                    .sum();
                r = put(r, 2, k, s);
            }
            r
        }
        Pclmulqdq => {
            let x = get(a, 8, imm as u32 & 1);
            let y = get(b, 8, (imm as u32 >> 4) & 1);
            clmul(x, y)
        }
        Aesenc | Aesenclast | Aesdec | Aesdeclast => super::aes::round(m, a, b),
        Aesimc => super::aes::inv_mix_columns(b),
        Aeskeygenassist => super::aes::keygen_assist(b, imm),
        _ => return None,
    };
    Some(r & wm)
}
