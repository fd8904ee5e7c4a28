//! SSSE3/SSE4.1/SSE4.2 instructions on xmm registers beyond the two-operand
//! lane ops of `simd_int.rs`: sign/zero extension moves, PTEST, element
//! insert/extract, PCMPESTRI/M and PCMPISTRI/M, CRC32, MOVNTDQA.

use crate::flags::{AF, CF, OF, PF, SF, ZF};
use crate::interp::{Exec, Res};
use crate::mem;
use iced_x86::{Code, Instruction, Mnemonic, OpKind, Register};

/// CRC-32C (Castagnoli, reflected) update over `n` bytes of `v`.
fn crc32c(mut crc: u32, v: u64, n: u32) -> u32 {
    for k in 0..n {
        crc ^= ((v >> (8 * k)) & 0xff) as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// The string-compare engine of PCMPxSTRx: returns IntRes2 and the flags.
fn pcmpstr(a: u128, la: i64, b: u128, lb: i64, imm: u8) -> (u32, u32) {
    let words = imm & 1 != 0;
    let signed = imm & 2 != 0;
    let n: i64 = if words { 8 } else { 16 };
    let size = if words { 2 } else { 1 };
    let elem = |v: u128, k: i64| -> i64 {
        let x = ((v >> (k as u32 * size * 8)) as u64) & if words { 0xffff } else { 0xff };
        if signed {
            if words {
                x as u16 as i16 as i64
            } else {
                x as u8 as i8 as i64
            }
        } else {
            x as i64
        }
    };
    let la = la.clamp(0, n);
    let lb = lb.clamp(0, n);
    let agg = (imm >> 2) & 3;
    let mut res1: u32 = 0;
    for j in 0..n {
        // BoolRes(i, j): a[i] vs b[j], with the validity overrides.
        let bit = match agg {
            0 => (0..la).any(|i| j < lb && elem(a, i) == elem(b, j)),
            1 => (0..la / 2).any(|p| {
                j < lb && elem(a, 2 * p) <= elem(b, j) && elem(b, j) <= elem(a, 2 * p + 1)
            }),
            2 => {
                let (va, vb) = (j < la, j < lb);
                match (va, vb) {
                    (true, true) => elem(a, j) == elem(b, j),
                    (false, false) => true,
                    _ => false,
                }
            }
            _ => (0..n - j).all(|i| {
                let (va, vb) = (i < la, i + j < lb);
                match (va, vb) {
                    (true, true) => elem(a, i) == elem(b, i + j),
                    (false, _) => true,
                    (true, false) => false,
                }
            }),
        };
        if bit {
            res1 |= 1 << j;
        }
    }
    let full = (1u32 << n) - 1;
    let res2 = match (imm >> 4) & 3 {
        0 | 2 => res1,
        1 => !res1 & full,
        _ => res1 ^ ((1u32 << lb) - 1),
    };
    let mut f = 0;
    if res2 != 0 {
        f |= CF;
    }
    if lb < n {
        f |= ZF;
    }
    if la < n {
        f |= SF;
    }
    if res2 & 1 != 0 {
        f |= OF;
    }
    (res2, f)
}

/// Length of a null-terminated string of bytes/words in `v`.
fn implicit_len(v: u128, words: bool) -> i64 {
    let (n, size) = if words { (8, 16) } else { (16, 8) };
    (0..n)
        .find(|&k| (v >> (k * size)) & ((1u128 << size) - 1) == 0)
        .unwrap_or(n) as i64
}

impl Exec {
    /// xmm instructions not handled by `simd.rs` or `sse_fp.rs`.
    pub(crate) fn sse4(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        let op0 = i.op0_register();
        match m {
            Pmovsxbw | Pmovsxbd | Pmovsxbq | Pmovsxwd | Pmovsxwq | Pmovsxdq | Pmovzxbw
            | Pmovzxbd | Pmovzxbq | Pmovzxwd | Pmovzxwq | Pmovzxdq => {
                let (from, to) = match m {
                    Pmovsxbw | Pmovzxbw => (1, 2),
                    Pmovsxbd | Pmovzxbd => (1, 4),
                    Pmovsxbq | Pmovzxbq => (1, 8),
                    Pmovsxwd | Pmovzxwd => (2, 4),
                    Pmovsxwq | Pmovzxwq => (2, 8),
                    _ => (4, 8),
                };
                let n = 16 / to;
                let src = self.src_low(i, 1, from * n)?;
                let signed = format!("{m:?}").starts_with("Pmovsx");
                let mut r = 0u128;
                for k in 0..n {
                    let x = (src >> (k * from * 8)) as u64 & crate::flags::mask(from);
                    let x = if signed {
                        crate::ops::shift::sign_extend(x, from)
                    } else {
                        x
                    };
                    r |= ((x & crate::flags::mask(to)) as u128) << (k * to * 8);
                }
                self.set_xmm(op0, r);
            }
            Ptest => {
                let (a, b) = (self.xmm(op0), self.src128(i, 1, true)?);
                let mut f = 0;
                if a & b == 0 {
                    f |= ZF;
                }
                if !a & b == 0 {
                    f |= CF;
                }
                self.cpu.flags.set_some(CF | PF | AF | ZF | SF | OF, f);
            }
            Pinsrb | Pinsrd | Pinsrq => {
                let size = match m {
                    Pinsrb => 1,
                    Pinsrd => 4,
                    _ => 8,
                };
                let v = if i.op1_kind() == OpKind::Memory {
                    mem::read(self.ea(i), size)?
                } else {
                    self.cpu.reg(i.op1_register())
                } & crate::flags::mask(size);
                let sh = (i.immediate8() as u32 % (16 / size)) * size * 8;
                let mk = (crate::flags::mask(size) as u128) << sh;
                let r = (self.xmm(op0) & !mk) | ((v as u128) << sh);
                self.set_xmm(op0, r);
            }
            Pextrb | Pextrd | Pextrq | Pextrw => {
                let size = match m {
                    Pextrb => 1,
                    Pextrw => 2,
                    Pextrd => 4,
                    _ => 8,
                };
                let sh = (i.immediate8() as u32 % (16 / size)) * size * 8;
                let v = (self.xmm(i.op1_register()) >> sh) as u64 & crate::flags::mask(size);
                if i.op0_kind() == OpKind::Memory {
                    mem::write(self.ea(i), size, v)?;
                } else {
                    self.cpu.set_reg(op0, v);
                }
            }
            Pcmpestri | Pcmpestrm | Pcmpistri | Pcmpistrm | Pcmpestri64 | Pcmpestrm64 => {
                let imm = i.immediate8();
                let words = imm & 1 != 0;
                let a = self.xmm(op0);
                let b = self.src128(i, 1, false)?;
                let explicit = matches!(m, Pcmpestri | Pcmpestrm | Pcmpestri64 | Pcmpestrm64);
                let wide = matches!(
                    i.code(),
                    Code::Pcmpestri64_xmm_xmmm128_imm8 | Code::Pcmpestrm64_xmm_xmmm128_imm8
                );
                let len = |v: u64| -> i64 {
                    if wide {
                        (v as i64).saturating_abs()
                    } else {
                        (v as u32 as i32 as i64).abs()
                    }
                };
                let (la, lb) = if explicit {
                    (len(self.cpu.gpr[0]), len(self.cpu.gpr[2]))
                } else {
                    (implicit_len(a, words), implicit_len(b, words))
                };
                let (res2, f) = pcmpstr(a, la, b, lb, imm);
                let n = if words { 8 } else { 16 };
                if matches!(m, Pcmpestri | Pcmpistri | Pcmpestri64) {
                    let idx = if res2 == 0 {
                        n
                    } else if imm & 0x40 != 0 {
                        31 - res2.leading_zeros()
                    } else {
                        res2.trailing_zeros()
                    };
                    self.cpu.set_reg(Register::ECX, idx as u64);
                } else {
                    let r = if imm & 0x40 != 0 {
                        let (size, ones) = if words {
                            (16, 0xffffu128)
                        } else {
                            (8, 0xffu128)
                        };
                        (0..n).fold(0u128, |r, k| {
                            if res2 >> k & 1 != 0 {
                                r | (ones << (k * size))
                            } else {
                                r
                            }
                        })
                    } else {
                        res2 as u128
                    };
                    self.cpu.xmm[0] = r;
                }
                self.cpu.flags.set_some(CF | PF | AF | ZF | SF | OF, f);
            }
            Crc32 => {
                let size = self.op_size(i, 1);
                let v = self.read_op(i, 1, size)?;
                let crc = crc32c(self.cpu.reg(op0) as u32, v, size);
                self.cpu.set_reg(op0, crc as u64);
            }
            Movntdqa => {
                let v = self.src128(i, 1, true)?;
                self.set_xmm(op0, v);
            }
            Maskmovdqu => {
                // Operand 0 is the implicit [rDI] destination.
                let (v, msk) = (self.xmm(i.op1_register()), self.xmm(i.op2_register()));
                let base = self.cpu.gpr[crate::state::RDI] & self.cpu.addr_mask();
                for k in 0..16 {
                    if (msk >> (8 * k + 7)) & 1 != 0 {
                        mem::write_u8(base.wrapping_add(k), (v >> (8 * k)) as u8)?;
                    }
                }
            }
            _ => {
                if !op0.is_xmm() {
                    return Err(self.illegal(i));
                }
                let imm = if (0..i.op_count()).any(|n| i.op_kind(n) == OpKind::Immediate8) {
                    i.immediate8()
                } else {
                    0
                };
                let a = self.xmm(op0);
                let b = match i.op1_kind() {
                    OpKind::Immediate8 => imm as u128,
                    _ => self.src128(i, 1, true)?,
                };
                let r = super::simd_int::int_op(m, a, b, 16, imm, self.cpu.xmm[0])
                    .ok_or_else(|| self.illegal(i))?;
                self.set_xmm(op0, r);
            }
        }
        Ok(())
    }
}
