//! SSE/SSE2 instructions: the integer and data-movement subset that the
//! x86-64 ABI baseline and glibc's string and memory functions use, and the
//! dispatch of the other SIMD families: MMX (`mmx.rs`), SSE floating point
//! (`sse_fp.rs`), SSSE3/SSE4 and AES/PCLMUL (`sse4.rs`, `simd_int.rs`).

use crate::flags::mask;
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

/// Index of an XMM register.
pub(crate) fn xmm_index(r: Register) -> Option<usize> {
    if r.is_xmm() {
        Some(r as usize - Register::XMM0 as usize)
    } else {
        None
    }
}

/// Applies `f` to each of the 16/size lanes of `a` and `b`.
fn lanes(a: u128, b: u128, size: u32, f: impl Fn(u64, u64) -> u64) -> u128 {
    let bits = size * 8;
    let m = mask(size) as u128;
    let mut r = 0u128;
    for k in 0..(128 / bits) {
        let sh = k * bits;
        let x = ((a >> sh) & m) as u64;
        let y = ((b >> sh) & m) as u64;
        r |= ((f(x, y) as u128) & m) << sh;
    }
    r
}

fn sx(v: u64, size: u32) -> i64 {
    crate::ops::shift::sign_extend(v, size) as i64
}

fn sat_s(v: i64, size: u32) -> u64 {
    let bits = size * 8;
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    (v.clamp(lo, hi) as u64) & mask(size)
}

fn sat_u(v: i64, size: u32) -> u64 {
    v.clamp(0, mask(size) as i64) as u64
}

/// Interleaves the low (or high) halves of `a` and `b` in `size` lanes.
fn unpack(a: u128, b: u128, size: u32, high: bool) -> u128 {
    let bits = size * 8;
    let m = mask(size) as u128;
    let n = 64 / bits;
    let off = if high { 64 } else { 0 };
    let mut r = 0u128;
    for k in 0..n {
        let x = (a >> (off + k * bits)) & m;
        let y = (b >> (off + k * bits)) & m;
        r |= x << (2 * k * bits);
        r |= y << ((2 * k + 1) * bits);
    }
    r
}

impl Exec {
    pub(crate) fn xmm(&self, r: Register) -> u128 {
        self.cpu.xmm[xmm_index(r).unwrap_or(0)]
    }

    pub(crate) fn set_xmm(&mut self, r: Register, v: u128) {
        if let Some(k) = xmm_index(r) {
            self.cpu.xmm[k] = v;
        }
    }

    /// Reads a 128-bit source operand (xmm or m128); `aligned` enforces the
    /// 16-byte alignment of legacy SSE memory operands.
    pub(crate) fn src128(&mut self, i: &Instruction, n: u32, aligned: bool) -> Result<u128, Exit> {
        match i.op_kind(n) {
            OpKind::Register => Ok(self.xmm(i.op_register(n))),
            _ => {
                let a = self.ea(i);
                if aligned && a & 15 != 0 {
                    return Err(Exit::GeneralProtection);
                }
                Ok(mem::read_u128(a)?)
            }
        }
    }

    /// Reads a source of `size` bytes (xmm low part, general register or memory).
    pub(crate) fn src_low(&mut self, i: &Instruction, n: u32, size: u32) -> Result<u128, Exit> {
        match i.op_kind(n) {
            OpKind::Register if i.op_register(n).is_xmm() => {
                Ok(self.xmm(i.op_register(n)) & mask128(size))
            }
            OpKind::Register => Ok(self.cpu.reg(i.op_register(n)) as u128),
            _ => {
                let a = self.ea(i);
                Ok(if size == 16 {
                    mem::read_u128(a)?
                } else {
                    mem::read(a, size)? as u128
                })
            }
        }
    }

    pub(crate) fn simd(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        let op0 = i.op0_register();
        // Only XMM forms (MMX and AVX are not implemented here).
        let xmm_form = (0..i.op_count())
            .any(|n| i.op_kind(n) == OpKind::Register && i.op_register(n).is_xmm());
        let vex = (0..i.op_count()).any(|n| {
            i.op_kind(n) == OpKind::Register
                && (i.op_register(n).is_ymm() || i.op_register(n).is_zmm())
        }) || i.code().encoding() != iced_x86::EncodingKind::Legacy;
        let mmx_form =
            (0..i.op_count()).any(|n| i.op_kind(n) == OpKind::Register && i.op_register(n).is_mm());
        if !vex && (mmx_form || m == Emms) {
            return self.mmx(i);
        }
        if !vex {
            if let Some(r) = self.sse_fp(i) {
                return r;
            }
        }
        if vex
            || (!xmm_form
                && !matches!(
                    m,
                    Ldmxcsr
                        | Stmxcsr
                        | Movnti
                        | Fxsave
                        | Fxrstor
                        | Fxsave64
                        | Fxrstor64
                        | Wait
                        | Crc32
                ))
        {
            return Err(self.illegal(i));
        }
        match m {
            Movdqa | Movdqu | Movaps | Movups | Movapd | Movupd | Movntdq | Movntps | Movntpd
            | Lddqu => {
                let aligned = matches!(m, Movdqa | Movaps | Movapd | Movntdq | Movntps | Movntpd);
                if i.op0_kind() == OpKind::Memory {
                    let a = self.ea(i);
                    if aligned && a & 15 != 0 {
                        return Err(Exit::GeneralProtection);
                    }
                    mem::write_u128(a, self.xmm(i.op1_register()))?;
                } else {
                    let v = self.src128(i, 1, aligned)?;
                    self.set_xmm(op0, v);
                }
            }
            Movd | Movq => {
                let size = if m == Movd { 4 } else { 8 };
                if i.op0_kind() == OpKind::Register && op0.is_xmm() {
                    let v = self.src_low(i, 1, size)? & mask128(size);
                    self.set_xmm(op0, v);
                } else {
                    let v = self.xmm(i.op1_register()) as u64 & mask(size);
                    self.write_op(i, 0, size, v)?;
                }
            }
            Movss | Movsd => {
                let size = if m == Movss { 4 } else { 8 };
                let lm = mask128(size);
                if i.op0_kind() == OpKind::Memory {
                    let v = self.xmm(i.op1_register()) as u64;
                    mem::write(self.ea(i), size, v)?;
                } else if i.op1_kind() == OpKind::Memory {
                    let v = mem::read(self.ea(i), size)? as u128;
                    self.set_xmm(op0, v);
                } else {
                    let v = (self.xmm(op0) & !lm) | (self.xmm(i.op1_register()) & lm);
                    self.set_xmm(op0, v);
                }
            }
            Movhps | Movhpd | Movlps | Movlpd => {
                let high = matches!(m, Movhps | Movhpd);
                let sh = if high { 64 } else { 0 };
                if i.op0_kind() == OpKind::Memory {
                    let v = (self.xmm(i.op1_register()) >> sh) as u64;
                    mem::write_u64(self.ea(i), v)?;
                } else {
                    let v = mem::read_u64(self.ea(i))? as u128;
                    let keep = if high {
                        u64::MAX as u128
                    } else {
                        (u64::MAX as u128) << 64
                    };
                    self.set_xmm(op0, (self.xmm(op0) & keep) | (v << sh));
                }
            }
            Movhlps => {
                let v = (self.xmm(op0) & !(u64::MAX as u128)) | (self.xmm(i.op1_register()) >> 64);
                self.set_xmm(op0, v);
            }
            Movlhps => {
                let v = (self.xmm(op0) & u64::MAX as u128) | (self.xmm(i.op1_register()) << 64);
                self.set_xmm(op0, v);
            }
            Pxor | Xorps | Xorpd | Por | Orps | Orpd | Pand | Andps | Andpd | Pandn | Andnps
            | Andnpd => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let r = match m {
                    Pxor | Xorps | Xorpd => a ^ b,
                    Por | Orps | Orpd => a | b,
                    Pand | Andps | Andpd => a & b,
                    _ => !a & b,
                };
                self.set_xmm(op0, r);
            }
            Pcmpeqb | Pcmpeqw | Pcmpeqd | Pcmpgtb | Pcmpgtw | Pcmpgtd | Paddb | Paddw | Paddd
            | Paddq | Psubb | Psubw | Psubd | Psubq | Pminub | Pmaxub | Pminsw | Pmaxsw
            | Paddusb | Paddusw | Psubusb | Psubusw | Paddsb | Paddsw | Psubsb | Psubsw | Pavgb
            | Pavgw | Pmullw | Pmulhw | Pmulhuw => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let size = match m {
                    Pcmpeqb | Pcmpgtb | Paddb | Psubb | Pminub | Pmaxub | Paddusb | Psubusb
                    | Paddsb | Psubsb | Pavgb => 1,
                    Pcmpeqd | Pcmpgtd | Paddd | Psubd => 4,
                    Paddq | Psubq => 8,
                    _ => 2,
                };
                let ones = mask(size);
                let r = lanes(a, b, size, |x, y| match m {
                    Pcmpeqb | Pcmpeqw | Pcmpeqd => {
                        if x == y {
                            ones
                        } else {
                            0
                        }
                    }
                    Pcmpgtb | Pcmpgtw | Pcmpgtd => {
                        if sx(x, size) > sx(y, size) {
                            ones
                        } else {
                            0
                        }
                    }
                    Paddb | Paddw | Paddd | Paddq => x.wrapping_add(y),
                    Psubb | Psubw | Psubd | Psubq => x.wrapping_sub(y),
                    Pminub => x.min(y),
                    Pmaxub => x.max(y),
                    Pminsw => {
                        if sx(x, 2) < sx(y, 2) {
                            x
                        } else {
                            y
                        }
                    }
                    Pmaxsw => {
                        if sx(x, 2) > sx(y, 2) {
                            x
                        } else {
                            y
                        }
                    }
                    Paddusb | Paddusw => sat_u(x as i64 + y as i64, size),
                    Psubusb | Psubusw => sat_u(x as i64 - y as i64, size),
                    Paddsb | Paddsw => sat_s(sx(x, size) + sx(y, size), size),
                    Psubsb | Psubsw => sat_s(sx(x, size) - sx(y, size), size),
                    Pavgb | Pavgw => (x + y + 1) >> 1,
                    Pmullw => (sx(x, 2) * sx(y, 2)) as u64,
                    Pmulhw => ((sx(x, 2) * sx(y, 2)) >> 16) as u64,
                    _ => (x * y) >> 16,
                });
                self.set_xmm(op0, r);
            }
            Pmuludq => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let lo = (a as u32 as u128) * (b as u32 as u128);
                let hi = ((a >> 64) as u32 as u128) * ((b >> 64) as u32 as u128);
                self.set_xmm(op0, lo | (hi << 64));
            }
            Psadbw => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let half = |sh: u32| -> u128 {
                    (0..8)
                        .map(|k| {
                            let x = (a >> (sh + 8 * k)) as u8;
                            let y = (b >> (sh + 8 * k)) as u8;
                            x.abs_diff(y) as u128
                        })
                        .sum()
                };
                self.set_xmm(op0, half(0) | (half(64) << 64));
            }
            Pmovmskb | Movmskps | Movmskpd => {
                let v = self.xmm(i.op1_register());
                let size = match m {
                    Pmovmskb => 1,
                    Movmskps => 4,
                    _ => 8,
                };
                let bits = size * 8;
                let mut r = 0u64;
                for k in 0..(128 / bits) {
                    if (v >> (k * bits + bits - 1)) & 1 != 0 {
                        r |= 1 << k;
                    }
                }
                self.cpu.set_reg(op0, r);
            }
            Psllw | Pslld | Psllq | Psrlw | Psrld | Psrlq | Psraw | Psrad => {
                let count = if i.op1_kind() == OpKind::Immediate8 {
                    i.immediate8() as u64
                } else {
                    self.src128(i, 1, true)? as u64
                };
                let size = match m {
                    Psllw | Psrlw | Psraw => 2,
                    Pslld | Psrld | Psrad => 4,
                    _ => 8,
                };
                let bits = (size * 8) as u64;
                let r = lanes(self.xmm(op0), 0, size, |x, _| match m {
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
                });
                self.set_xmm(op0, r);
            }
            Pslldq | Psrldq => {
                let n = (i.immediate8() as u32).min(16) * 8;
                let v = self.xmm(op0);
                let r = if n >= 128 {
                    0
                } else if m == Pslldq {
                    v << n
                } else {
                    v >> n
                };
                self.set_xmm(op0, r);
            }
            Punpcklbw | Punpcklwd | Punpckldq | Punpcklqdq | Punpckhbw | Punpckhwd | Punpckhdq
            | Punpckhqdq | Unpcklps | Unpcklpd | Unpckhps | Unpckhpd => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let (size, high) = match m {
                    Punpcklbw => (1, false),
                    Punpcklwd => (2, false),
                    Punpckldq | Unpcklps => (4, false),
                    Punpcklqdq | Unpcklpd => (8, false),
                    Punpckhbw => (1, true),
                    Punpckhwd => (2, true),
                    Punpckhdq | Unpckhps => (4, true),
                    _ => (8, true),
                };
                self.set_xmm(op0, unpack(a, b, size, high));
            }
            Packuswb | Packsswb | Packssdw => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let (src, dst) = if m == Packssdw { (4, 2) } else { (2, 1) };
                let n = 16 / src;
                let mut r = 0u128;
                for k in 0..(2 * n) {
                    let v = if k < n { a } else { b };
                    let x = sx(((v >> ((k % n) * src * 8)) as u64) & mask(src), src);
                    let y = if m == Packuswb {
                        sat_u(x, dst)
                    } else {
                        sat_s(x, dst)
                    };
                    r |= (y as u128) << (k * dst * 8);
                }
                self.set_xmm(op0, r);
            }
            Pshufd | Pshuflw | Pshufhw => {
                let v = self.src128(i, 1, true)?;
                let imm = i.immediate8() as u32;
                let r = match m {
                    Pshufd => (0..4).fold(0u128, |r, k| {
                        let sel = (imm >> (2 * k)) & 3;
                        r | (((v >> (32 * sel)) & 0xffff_ffff) << (32 * k))
                    }),
                    Pshuflw => {
                        let lo = (0..4).fold(0u128, |r, k| {
                            let sel = (imm >> (2 * k)) & 3;
                            r | (((v >> (16 * sel)) & 0xffff) << (16 * k))
                        });
                        (v & !(u64::MAX as u128)) | lo
                    }
                    _ => {
                        let hi = (0..4).fold(0u128, |r, k| {
                            let sel = (imm >> (2 * k)) & 3;
                            r | (((v >> (64 + 16 * sel)) & 0xffff) << (64 + 16 * k))
                        });
                        (v & u64::MAX as u128) | hi
                    }
                };
                self.set_xmm(op0, r);
            }
            Shufps => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let imm = i.immediate8() as u32;
                let pick = |v: u128, sel: u32| (v >> (32 * sel)) & 0xffff_ffff;
                let r = pick(a, imm & 3)
                    | (pick(a, (imm >> 2) & 3) << 32)
                    | (pick(b, (imm >> 4) & 3) << 64)
                    | (pick(b, (imm >> 6) & 3) << 96);
                self.set_xmm(op0, r);
            }
            Shufpd => {
                let b = self.src128(i, 1, true)?;
                let a = self.xmm(op0);
                let imm = i.immediate8() as u32;
                let lo = if imm & 1 == 0 {
                    a & u64::MAX as u128
                } else {
                    a >> 64
                };
                let hi = if imm & 2 == 0 {
                    b & u64::MAX as u128
                } else {
                    b >> 64
                };
                self.set_xmm(op0, lo | (hi << 64));
            }
            Pinsrw => {
                let v = self.src_low(i, 1, 2)? & 0xffff;
                let sh = (i.immediate8() as u32 & 7) * 16;
                let r = (self.xmm(op0) & !(0xffffu128 << sh)) | (v << sh);
                self.set_xmm(op0, r);
            }
            Pextrw => {
                let sh = (i.immediate8() as u32 & 7) * 16;
                let v = ((self.xmm(i.op1_register()) >> sh) & 0xffff) as u64;
                self.write_op(i, 0, 2, v)?;
            }
            Ldmxcsr => {
                let v = mem::read_u32(self.ea(i))?;
                if v & !crate::fpimage::MXCSR_MASK != 0 {
                    return Err(Exit::GeneralProtection);
                }
                self.cpu.mxcsr = v;
            }
            Stmxcsr => mem::write_u32(self.ea(i), self.cpu.mxcsr)?,
            Wait => self.fwait()?,
            Fxsave | Fxsave64 => self.fxsave(i)?,
            Fxrstor | Fxrstor64 => self.fxrstor(i)?,
            _ => return self.sse4(i),
        }
        Ok(())
    }
}

fn mask128(size: u32) -> u128 {
    if size >= 16 {
        u128::MAX
    } else {
        (1u128 << (size * 8)) - 1
    }
}
