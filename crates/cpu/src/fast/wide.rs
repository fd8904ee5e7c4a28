//! More fast forms, for what C libraries' string and number code runs most
//! after the plain integer instructions: SSE moves, logic, byte compares and
//! pmovmskb on xmm registers (legacy encodings), shld/shrd and bsf/bsr on
//! registers. Semantics and flags are the generic handlers' (shared cores in
//! `ops::shift`, the same lane rules as `ops::simd`).

use super::{
    ea, get, gpr, memref, next, set, shift_count, shift_count_operand, OpFn, Uop, AM_ANY, EMPTY,
};
use crate::interp::{Exec, Exit};
use crate::mem;
use crate::ops::shift::{shift_double_compute, shift_double_flags};
use crate::ops::simd::xmm_index;
use crate::state::Mode;
use iced_x86::{EncodingKind, Instruction, Mnemonic, OpKind};

use super::Op;

/// An xmm register operand's number.
fn xmm(i: &Instruction, n: u32) -> Option<u8> {
    if i.op_kind(n) != OpKind::Register {
        return None;
    }
    xmm_index(i.op_register(n)).map(|k| k as u8)
}

/// Chooses a fast form among this module's, if `i` has one.
pub(super) fn select(i: &Instruction, mode: Mode) -> Option<(OpFn, Uop)> {
    use Mnemonic::*;
    if i.code().encoding() != EncodingKind::Legacy || i.op_count() < 2 {
        return None;
    }
    let mut u = EMPTY;
    let m = i.mnemonic();
    let f: OpFn = match m {
        Movdqa | Movdqu | Movaps | Movups | Movapd | Movupd | Movntdq | Movntps | Movntpd
        | Lddqu => {
            let aligned = !matches!(m, Movdqu | Movups | Movupd | Lddqu);
            match (i.op0_kind(), i.op1_kind()) {
                (OpKind::Register, OpKind::Register) => {
                    u.r0 = xmm(i, 0)?;
                    u.r1 = xmm(i, 1)?;
                    xmov_rr
                }
                (OpKind::Register, OpKind::Memory) => {
                    u.r0 = xmm(i, 0)?;
                    u.mem = memref(i, mode)?;
                    if aligned {
                        xload::<true>
                    } else {
                        xload::<false>
                    }
                }
                (OpKind::Memory, OpKind::Register) => {
                    u.r1 = xmm(i, 1)?;
                    u.mem = memref(i, mode)?;
                    if aligned {
                        xstore::<true>
                    } else {
                        xstore::<false>
                    }
                }
                _ => return None,
            }
        }
        Pxor | Xorps | Xorpd | Por | Orps | Orpd | Pand | Andps | Andpd | Pandn | Andnps
        | Andnpd | Pcmpeqb | Pcmpeqw | Pcmpeqd => {
            u.r0 = xmm(i, 0)?;
            match i.op1_kind() {
                OpKind::Register => u.r1 = xmm(i, 1)?,
                OpKind::Memory => {
                    u.mem = memref(i, mode)?;
                    u.cc = 1;
                }
                _ => return None,
            }
            match m {
                Pxor | Xorps | Xorpd => xbin::<0>,
                Por | Orps | Orpd => xbin::<1>,
                Pand | Andps | Andpd => xbin::<2>,
                Pandn | Andnps | Andnpd => xbin::<3>,
                Pcmpeqb => xbin::<4>,
                Pcmpeqw => xbin::<5>,
                _ => xbin::<6>,
            }
        }
        Pmovmskb => {
            let (r, s) = gpr(i.op0_register())?;
            if s < 4 {
                return None;
            }
            u.r0 = r;
            u.r1 = xmm(i, 1)?;
            if s == 4 {
                pmovmskb::<4>
            } else {
                pmovmskb::<8>
            }
        }
        Movd | Movq => {
            let size = if m == Movd { 4 } else { 8 };
            match (i.op0_kind(), i.op1_kind()) {
                (OpKind::Register, OpKind::Register) => match (xmm(i, 0), xmm(i, 1)) {
                    (Some(a), Some(b)) if size == 8 => {
                        u.r0 = a;
                        u.r1 = b;
                        movq_xx
                    }
                    (Some(a), None) => {
                        let (b, s) = gpr(i.op1_register())?;
                        if s != size {
                            return None;
                        }
                        u.r0 = a;
                        u.r1 = b;
                        if size == 4 {
                            movd_xr::<4>
                        } else {
                            movd_xr::<8>
                        }
                    }
                    (None, Some(b)) => {
                        let (a, s) = gpr(i.op0_register())?;
                        if s != size {
                            return None;
                        }
                        u.r0 = a;
                        u.r1 = b;
                        if size == 4 {
                            movd_rx::<4>
                        } else {
                            movd_rx::<8>
                        }
                    }
                    _ => return None,
                },
                (OpKind::Register, OpKind::Memory) => {
                    u.r0 = xmm(i, 0)?;
                    u.mem = memref(i, mode)?;
                    if size == 4 {
                        xload_low::<4, false>
                    } else {
                        xload_low::<8, false>
                    }
                }
                (OpKind::Memory, OpKind::Register) => {
                    u.r1 = xmm(i, 1)?;
                    u.mem = memref(i, mode)?;
                    if size == 4 {
                        xstore_part::<4, false>
                    } else {
                        xstore_part::<8, false>
                    }
                }
                _ => return None,
            }
        }
        Movlpd | Movlps | Movhpd | Movhps => {
            let high = matches!(m, Movhpd | Movhps);
            match (i.op0_kind(), i.op1_kind()) {
                (OpKind::Register, OpKind::Memory) => {
                    u.r0 = xmm(i, 0)?;
                    u.mem = memref(i, mode)?;
                    if high {
                        xload_half::<true>
                    } else {
                        xload_half::<false>
                    }
                }
                (OpKind::Memory, OpKind::Register) => {
                    u.r1 = xmm(i, 1)?;
                    u.mem = memref(i, mode)?;
                    if high {
                        xstore_part::<8, true>
                    } else {
                        xstore_part::<8, false>
                    }
                }
                _ => return None,
            }
        }
        Bsf | Bsr => {
            let (a, s) = gpr(i.op0_register())?;
            if s < 2 {
                return None;
            }
            u.r0 = a;
            match i.op1_kind() {
                OpKind::Register => u.r1 = gpr(i.op1_register())?.0,
                OpKind::Memory => {
                    u.mem = memref(i, mode)?;
                    u.cc = 1;
                }
                _ => return None,
            }
            let fwd = m == Bsf;
            match (s, fwd) {
                (2, true) => bit_scan::<2, true>,
                (4, true) => bit_scan::<4, true>,
                (8, true) => bit_scan::<8, true>,
                (2, false) => bit_scan::<2, false>,
                (4, false) => bit_scan::<4, false>,
                _ => bit_scan::<8, false>,
            }
        }
        Shld | Shrd if i.op0_kind() == OpKind::Register && i.op_count() == 3 => {
            let (a, s) = gpr(i.op0_register())?;
            let (b, _) = gpr(i.op1_register())?;
            if s < 2 {
                return None;
            }
            u.r0 = a;
            u.r1 = b;
            shift_count_operand(i, 2, &mut u)?;
            match (s, m == Shld) {
                (2, true) => shift_double::<2, true>,
                (4, true) => shift_double::<4, true>,
                (8, true) => shift_double::<8, true>,
                (2, false) => shift_double::<2, false>,
                (4, false) => shift_double::<4, false>,
                _ => shift_double::<8, false>,
            }
        }
        _ => return None,
    };
    Some((f, u))
}

/// The address of a 16-byte operand; misaligned is #GP when ALIGNED.
#[inline(always)]
fn addr16<const ALIGNED: bool>(ex: &Exec, op: &Op) -> Result<u64, Exit> {
    let a = ea::<AM_ANY>(&ex.cpu, &op.uop.mem);
    if ALIGNED && a & 15 != 0 {
        return Err(Exit::GeneralProtection);
    }
    Ok(a)
}

fn xmov_rr(ex: &mut Exec, op: &Op) {
    ex.cpu.xmm[op.uop.r0 as usize & 15] = ex.cpu.xmm[op.uop.r1 as usize & 15];
    next(ex, op)
}

fn xload<const ALIGNED: bool>(ex: &mut Exec, op: &Op) {
    let a = tryf!(ex, op, addr16::<ALIGNED>(ex, op));
    let v = tryf!(ex, op, mem::read_u128(a));
    ex.cpu.xmm[op.uop.r0 as usize & 15] = v;
    next(ex, op)
}

fn xstore<const ALIGNED: bool>(ex: &mut Exec, op: &Op) {
    let a = tryf!(ex, op, addr16::<ALIGNED>(ex, op));
    let v = ex.cpu.xmm[op.uop.r1 as usize & 15];
    tryf!(ex, op, mem::write_u128(a, v));
    next(ex, op)
}

/// Byte-lane equality: each lane of `L` bytes all ones where equal.
#[inline(always)]
fn cmpeq<const L: usize>(a: u128, b: u128) -> u128 {
    let (a, b) = (a.to_le_bytes(), b.to_le_bytes());
    let mut r = [0u8; 16];
    for k in (0..16).step_by(L) {
        if a[k..k + L] == b[k..k + L] {
            r[k..k + L].fill(0xff);
        }
    }
    u128::from_le_bytes(r)
}

/// xmm r0 = r0 OP source (r1, or aligned m128 with cc == 1): xor (0), or
/// (1), and (2), andn (3), pcmpeqb/w/d (4, 5, 6).
fn xbin<const K: u8>(ex: &mut Exec, op: &Op) {
    let b = if op.uop.cc == 1 {
        let a = tryf!(ex, op, addr16::<true>(ex, op));
        tryf!(ex, op, mem::read_u128(a))
    } else {
        ex.cpu.xmm[op.uop.r1 as usize & 15]
    };
    let d = &mut ex.cpu.xmm[op.uop.r0 as usize & 15];
    *d = match K {
        0 => *d ^ b,
        1 => *d | b,
        2 => *d & b,
        3 => !*d & b,
        4 => cmpeq::<1>(*d, b),
        5 => cmpeq::<2>(*d, b),
        _ => cmpeq::<4>(*d, b),
    };
    next(ex, op)
}

fn pmovmskb<const S: u32>(ex: &mut Exec, op: &Op) {
    let v = ex.cpu.xmm[op.uop.r1 as usize & 15];
    let r = sign_bits(v as u64) | sign_bits((v >> 64) as u64) << 8;
    set::<S>(&mut ex.cpu, op.uop.r0, r);
    next(ex, op)
}

/// The sign bits of the 8 bytes of `h`, byte 0's in bit 0: the multiply
/// gathers each byte's bit 7 into the top byte (no two partial products
/// overlap).
#[inline(always)]
fn sign_bits(h: u64) -> u64 {
    (h & 0x8080_8080_8080_8080).wrapping_mul(0x0002_0408_1020_4081) >> 56
}

/// movq xmm, xmm: the low quadword, the upper one cleared.
fn movq_xx(ex: &mut Exec, op: &Op) {
    ex.cpu.xmm[op.uop.r0 as usize & 15] = ex.cpu.xmm[op.uop.r1 as usize & 15] & u64::MAX as u128;
    next(ex, op)
}

/// movd/movq xmm, r32/r64 (zero-extended).
fn movd_xr<const S: u32>(ex: &mut Exec, op: &Op) {
    ex.cpu.xmm[op.uop.r0 as usize & 15] = get::<S>(&ex.cpu, op.uop.r1) as u128;
    next(ex, op)
}

/// movd/movq r32/r64, xmm.
fn movd_rx<const S: u32>(ex: &mut Exec, op: &Op) {
    let v = ex.cpu.xmm[op.uop.r1 as usize & 15] as u64;
    set::<S>(&mut ex.cpu, op.uop.r0, v);
    next(ex, op)
}

/// movd/movq xmm, m32/m64: zero-extended into the register.
fn xload_low<const S: u32, const _X: bool>(ex: &mut Exec, op: &Op) {
    let v = tryf!(ex, op, mem::read(ea::<AM_ANY>(&ex.cpu, &op.uop.mem), S));
    ex.cpu.xmm[op.uop.r0 as usize & 15] = v as u128;
    next(ex, op)
}

/// movlpd/movlps (low) or movhpd/movhps (HIGH) xmm, m64: the other half kept.
fn xload_half<const HIGH: bool>(ex: &mut Exec, op: &Op) {
    let v = tryf!(ex, op, mem::read_u64(ea::<AM_ANY>(&ex.cpu, &op.uop.mem))) as u128;
    let d = &mut ex.cpu.xmm[op.uop.r0 as usize & 15];
    *d = if HIGH {
        (*d & u64::MAX as u128) | (v << 64)
    } else {
        (*d & !(u64::MAX as u128)) | v
    };
    next(ex, op)
}

/// Stores S bytes of xmm r1: the low ones, or the high quadword (HIGH).
fn xstore_part<const S: u32, const HIGH: bool>(ex: &mut Exec, op: &Op) {
    let x = ex.cpu.xmm[op.uop.r1 as usize & 15];
    let v = if HIGH { (x >> 64) as u64 } else { x as u64 };
    tryf!(ex, op, mem::store(ea::<AM_ANY>(&ex.cpu, &op.uop.mem), S, v));
    next(ex, op)
}

/// bsf (FWD) / bsr of r1 or memory (cc == 1) into r0. Only ZF is defined;
/// the reference CPU (AMD) keeps the other flags, and the destination when
/// the source is zero.
fn bit_scan<const S: u32, const FWD: bool>(ex: &mut Exec, op: &Op) {
    let src = reg_or_mem!(ex, op, S, op.uop.r1);
    let flags = ex.cpu.flags.get();
    if src == 0 {
        ex.cpu.flags.set(flags | crate::flags::ZF);
    } else {
        let r = if FWD {
            src.trailing_zeros()
        } else {
            63 - src.leading_zeros()
        };
        set::<S>(&mut ex.cpu, op.uop.r0, r as u64);
        ex.cpu.flags.set(flags & !crate::flags::ZF);
    }
    next(ex, op)
}

/// shld (LEFT) / shrd r0, r1 by an immediate or by cl (cc == 1).
fn shift_double<const S: u32, const LEFT: bool>(ex: &mut Exec, op: &Op) {
    let count = shift_count::<S>(ex, op);
    let a = get::<S>(&ex.cpu, op.uop.r0);
    if count == 0 {
        // Nothing changes, but a 32-bit destination is still written.
        set::<S>(&mut ex.cpu, op.uop.r0, a);
        return next(ex, op);
    }
    let b = get::<S>(&ex.cpu, op.uop.r1);
    let (res, cf, of) = shift_double_compute(LEFT, a, b, count, S);
    set::<S>(&mut ex.cpu, op.uop.r0, res);
    let f = shift_double_flags(ex.cpu.flags.get(), res, cf, of, S);
    ex.cpu.flags.set(f);
    next(ex, op)
}
