//! MMX instructions: the mm registers alias the significands of the x87
//! physical registers (a write sets the exponent field to all ones); every
//! MMX instruction but EMMS sets TOP to 0 and marks all registers valid,
//! EMMS marks them empty. Lane semantics are in `simd_int.rs`.

use crate::fp::f80::F80;
use crate::fp::sse::{self, Env, Kind};
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

fn mm_index(r: Register) -> usize {
    (r as usize).wrapping_sub(Register::MM0 as usize) & 7
}

impl Exec {
    pub(crate) fn mm(&self, r: Register) -> u64 {
        self.cpu.x87.regs[mm_index(r)].m
    }

    pub(crate) fn set_mm(&mut self, r: Register, v: u64) {
        self.cpu.x87.regs[mm_index(r)] = F80 { se: 0xffff, m: v };
    }

    /// An mm/m64 source operand.
    fn mm_src(&mut self, i: &Instruction, n: u32) -> Result<u64, Exit> {
        match i.op_kind(n) {
            OpKind::Register if i.op_register(n).is_mm() => Ok(self.mm(i.op_register(n))),
            OpKind::Register if i.op_register(n).is_xmm() => Ok(self.xmm(i.op_register(n)) as u64),
            OpKind::Register => Ok(self.cpu.reg(i.op_register(n))),
            OpKind::Memory => Ok(mem::read_u64(self.ea(i))?),
            _ => Ok(i.immediate(n)),
        }
    }

    /// Executes an instruction with an mm operand (or EMMS).
    pub(crate) fn mmx(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        self.fwait()?;
        let m = i.mnemonic();
        if m == Emms {
            self.cpu.x87.valid = 0;
            return Ok(());
        }
        let op0 = i.op0_register();
        match m {
            Movd | Movq | Movntq => {
                let size = if m == Movd { 4 } else { 8 };
                if i.op0_kind() == OpKind::Register && op0.is_mm() {
                    let v = self.mm_src(i, 1)? & crate::flags::mask(size);
                    let v = if i.op1_kind() == OpKind::Memory && size == 4 {
                        mem::read_u32(self.ea(i))? as u64
                    } else {
                        v
                    };
                    self.set_mm(op0, v);
                } else {
                    let v = self.mm(i.op1_register()) & crate::flags::mask(size);
                    self.write_op(i, 0, size, v)?;
                }
            }
            Movq2dq => {
                let v = self.mm(i.op1_register());
                self.set_xmm(op0, v as u128);
            }
            Movdq2q => {
                let v = self.xmm(i.op1_register()) as u64;
                self.set_mm(op0, v);
            }
            Pinsrw => {
                let v = if i.op1_kind() == OpKind::Memory {
                    mem::read_u16(self.ea(i))? as u64
                } else {
                    self.cpu.reg(i.op1_register())
                };
                let sh = (i.immediate8() as u32 & 3) * 16;
                let r = (self.mm(op0) & !(0xffff << sh)) | ((v & 0xffff) << sh);
                self.set_mm(op0, r);
            }
            Pextrw => {
                let sh = (i.immediate8() as u32 & 3) * 16;
                let v = (self.mm(i.op1_register()) >> sh) & 0xffff;
                self.cpu.set_reg(op0, v);
            }
            Pmovmskb => {
                let v = self.mm(i.op1_register());
                let r = (0..8).fold(0u64, |r, k| r | (((v >> (8 * k + 7)) & 1) << k));
                self.cpu.set_reg(op0, r);
            }
            Maskmovq => {
                // Operand 0 is the implicit [rDI] destination.
                let (v, msk) = (self.mm(i.op1_register()), self.mm(i.op2_register()));
                let base = self.cpu.gpr[crate::state::RDI] & self.cpu.addr_mask();
                for k in 0..8 {
                    if (msk >> (8 * k + 7)) & 1 != 0 {
                        mem::write_u8(base.wrapping_add(k), (v >> (8 * k)) as u8)?;
                    }
                }
            }
            Cvtpi2ps | Cvtpi2pd => {
                let v = self.mm_src(i, 1)?;
                let mut env = Env::new(self.cpu.mxcsr);
                let k = if m == Cvtpi2ps { Kind::S } else { Kind::D };
                let x0 = sse::from_i(k, v as u32 as i32 as i64, &mut env);
                let x1 = sse::from_i(k, (v >> 32) as u32 as i32 as i64, &mut env);
                self.cpu.mxcsr |= env.flags as u32;
                self.simd_trap(env.unmasked())?;
                let old = self.xmm(op0);
                let r = if k == Kind::S {
                    (old & !(u64::MAX as u128)) | x0 as u128 | ((x1 as u128) << 32)
                } else {
                    x0 as u128 | ((x1 as u128) << 64)
                };
                self.set_xmm(op0, r);
            }
            Cvtps2pi | Cvttps2pi | Cvtpd2pi | Cvttpd2pi => {
                let (k, src) = if matches!(m, Cvtps2pi | Cvttps2pi) {
                    (Kind::S, self.mm_src(i, 1)? as u128)
                } else {
                    (Kind::D, self.src128(i, 1, true)?)
                };
                let trunc = matches!(m, Cvttps2pi | Cvttpd2pi);
                let w = k.width();
                let lm = u64::MAX >> (64 - w);
                let mut env = Env::new(self.cpu.mxcsr);
                let x0 = sse::to_i(k, (src as u64) & lm, 32, trunc, &mut env);
                let x1 = sse::to_i(k, ((src >> w) as u64) & lm, 32, trunc, &mut env);
                self.cpu.mxcsr |= env.flags as u32;
                self.simd_trap(env.unmasked())?;
                self.set_mm(op0, x0 | (x1 << 32));
            }
            _ => {
                if !op0.is_mm() {
                    return Err(self.illegal(i));
                }
                let imm = if i.op_count() > 2 { i.immediate8() } else { 0 };
                let a = self.mm(op0) as u128;
                let b = if i.op_count() == 2 && i.op1_kind() == OpKind::Immediate8 {
                    i.immediate8() as u128
                } else {
                    self.mm_src(i, 1)? as u128
                };
                let r =
                    super::simd_int::int_op(m, a, b, 8, imm, 0).ok_or_else(|| self.illegal(i))?;
                self.set_mm(op0, r as u64);
            }
        }
        self.cpu.x87.top = 0;
        self.cpu.x87.valid = 0xff;
        Ok(())
    }
}
