//! Data movement: mov and its extending forms, lea, xchg/xadd/cmpxchg(8b/16b),
//! push/pop (and pusha/popa, pushf/popf), enter/leave, flag instructions,
//! sign extension of the accumulator, cmov, setcc, xlat, segment moves.

use crate::flags::{mask, FlagOp, AF, CF, DF, PF, SF, ZF};
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use crate::ops::shift::sign_extend;
use crate::state::{Mode, RAX, RBP, RBX, RCX, RDX, RSP};
use iced_x86::{Code, Instruction, Mnemonic, OpKind, Register};

/// EFLAGS bits a user-mode popf may change.
const POPF_MASK: u32 = 0x0024_4dd5;

/// Index into `CpuState::seg` for a segment register.
fn seg_index(r: Register) -> usize {
    match r {
        Register::ES => 0,
        Register::CS => 1,
        Register::SS => 2,
        Register::DS => 3,
        Register::FS => 4,
        _ => 5,
    }
}

impl Exec {
    pub(crate) fn mov(&mut self, i: &Instruction) -> Res {
        // Segment register forms.
        if i.op0_kind() == OpKind::Register && i.op0_register().is_segment_register() {
            let v = self.read_op(i, 1, 2)? as u16;
            let seg = seg_index(i.op0_register());
            if seg == 1 || !self.cpu.load_segment(seg, v) {
                return Err(Exit::GeneralProtection);
            }
            return Ok(());
        }
        if i.op1_kind() == OpKind::Register && i.op1_register().is_segment_register() {
            let v = self.cpu.seg[seg_index(i.op1_register())] as u64;
            let size = if i.op0_kind() == OpKind::Memory {
                2
            } else {
                self.op_size(i, 0)
            };
            return self.write_op(i, 0, size, v);
        }
        let dsize = self.op_size(i, 0);
        let v = match i.mnemonic() {
            Mnemonic::Movzx => {
                let s = self.op_size(i, 1);
                self.read_op(i, 1, s)?
            }
            Mnemonic::Movsx | Mnemonic::Movsxd => {
                let s = self.op_size(i, 1);
                sign_extend(self.read_op(i, 1, s)?, s) & mask(dsize)
            }
            Mnemonic::Movbe => {
                let v = self.read_op(i, 1, dsize)?;
                match dsize {
                    2 => (v as u16).swap_bytes() as u64,
                    4 => (v as u32).swap_bytes() as u64,
                    _ => v.swap_bytes(),
                }
            }
            _ => self.read_op(i, 1, dsize)?,
        };
        self.write_op(i, 0, dsize, v)
    }

    pub(crate) fn lea(&mut self, i: &Instruction) -> Res {
        // lea computes the offset only: no segment base.
        let base = i.memory_base();
        let index = i.memory_index();
        let mut a = i.memory_displacement64();
        if base != Register::None && base != Register::RIP && base != Register::EIP {
            a = a.wrapping_add(self.cpu.reg(base));
        }
        if index != Register::None {
            a = a.wrapping_add(
                self.cpu
                    .reg(index)
                    .wrapping_mul(i.memory_index_scale() as u64),
            );
        }
        // The sum wraps at the address size (67h prefix), then is truncated
        // to the destination.
        let asize = if base != Register::None {
            base.size() as u32
        } else if index != Register::None {
            index.size() as u32
        } else {
            i.memory_displ_size()
        };
        if asize == 2 || asize == 4 {
            a &= mask(asize);
        }
        let size = self.op_size(i, 0);
        self.cpu.set_reg(i.op0_register(), a & mask(size));
        Ok(())
    }

    pub(crate) fn exchange(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let m = mask(size);
        let src_reg = i.op1_register();
        match i.mnemonic() {
            Mnemonic::Xchg => {
                let b = self.read_op(i, 1, size)?;
                // xchg with memory is always atomic.
                let old = if i.op0_kind() == OpKind::Memory {
                    let addr = self.ea(i);
                    let mut old = mem::read(addr, size)?;
                    loop {
                        let seen = mem::cas(addr, size, old, b)?;
                        if seen == old {
                            break old;
                        }
                        old = seen;
                    }
                } else {
                    let a = self.cpu.reg(i.op0_register());
                    self.cpu.set_reg(i.op0_register(), b);
                    a
                };
                self.cpu.set_reg(src_reg, old);
            }
            Mnemonic::Xadd => {
                let b = self.cpu.reg(src_reg) & m;
                let old = if i.op0_kind() == OpKind::Register {
                    // The source is written first, so `xadd r, r` leaves the sum.
                    let old = self.cpu.reg(i.op0_register()) & m;
                    self.cpu.set_reg(src_reg, old);
                    self.cpu.set_reg(i.op0_register(), old.wrapping_add(b) & m);
                    old
                } else {
                    let old = self.rmw(i, size, |a| a.wrapping_add(b) & m)? & m;
                    self.cpu.set_reg(src_reg, old);
                    old
                };
                self.cpu
                    .flags
                    .set_lazy(FlagOp::Add, size, old, b, old.wrapping_add(b) & m);
            }
            _ => {
                // cmpxchg r/m, r
                let acc = self.cpu.gpr_sized(RAX, size);
                let new = self.cpu.reg(src_reg) & m;
                let old = if i.op0_kind() == OpKind::Memory {
                    let addr = self.ea(i);
                    if i.has_lock_prefix() {
                        mem::cas(addr, size, acc, new)?
                    } else {
                        let old = mem::read(addr, size)?;
                        mem::write(addr, size, if old == acc { new } else { old })?;
                        old
                    }
                } else {
                    let r = i.op0_register();
                    let old = self.cpu.reg(r);
                    if old == acc {
                        self.cpu.set_reg(r, new);
                    }
                    old
                };
                if old != acc {
                    self.cpu.set_gpr_sized(RAX, size, old);
                }
                self.cpu
                    .flags
                    .set_lazy(FlagOp::Sub, size, acc, old, acc.wrapping_sub(old) & m);
            }
        }
        Ok(())
    }

    pub(crate) fn cmpxchg_wide(&mut self, i: &Instruction) -> Res {
        let addr = self.ea(i);
        let flags = self.cpu.flags.get() & !ZF;
        if i.mnemonic() == Mnemonic::Cmpxchg8b {
            let exp = (self.cpu.gpr_sized(RDX, 4) << 32) | self.cpu.gpr_sized(RAX, 4);
            let new = (self.cpu.gpr_sized(RCX, 4) << 32) | self.cpu.gpr_sized(RBX, 4);
            let old = mem::cas_u64(addr, exp, new)?;
            if old == exp {
                self.cpu.flags.set(flags | ZF);
            } else {
                self.cpu.set_gpr_sized(RAX, 4, old & 0xffff_ffff);
                self.cpu.set_gpr_sized(RDX, 4, old >> 32);
                self.cpu.flags.set(flags);
            }
        } else {
            if addr & 15 != 0 {
                return Err(Exit::GeneralProtection);
            }
            let exp = ((self.cpu.gpr[RDX] as u128) << 64) | self.cpu.gpr[RAX] as u128;
            let new = ((self.cpu.gpr[RCX] as u128) << 64) | self.cpu.gpr[RBX] as u128;
            let old = mem::cas_u128(addr, exp, new)?;
            if old == exp {
                self.cpu.flags.set(flags | ZF);
            } else {
                self.cpu.gpr[RAX] = old as u64;
                self.cpu.gpr[RDX] = (old >> 64) as u64;
                self.cpu.flags.set(flags);
            }
        }
        Ok(())
    }

    pub(crate) fn stack_op(&mut self, i: &Instruction) -> Res {
        match i.mnemonic() {
            Mnemonic::Push => {
                let size = self.stack_size(i);
                let v =
                    if i.op0_kind() == OpKind::Register && i.op0_register().is_segment_register() {
                        self.cpu.seg[seg_index(i.op0_register())] as u64
                    } else {
                        let s = self.op_size(i, 0).min(size);
                        let v = self.read_op(i, 0, s)?;
                        if s < size {
                            sign_extend(v, s)
                        } else {
                            v
                        }
                    };
                self.push(size, v & mask(size))
            }
            Mnemonic::Pop => {
                let size = self.stack_size(i);
                if i.op0_kind() == OpKind::Register && i.op0_register().is_segment_register() {
                    let sp = self.cpu.gpr[RSP];
                    let v = self.pop(size)?;
                    if !self.cpu.load_segment(seg_index(i.op0_register()), v as u16) {
                        self.cpu.gpr[RSP] = sp;
                        return Err(Exit::GeneralProtection);
                    }
                    return Ok(());
                }
                let sp = self.cpu.gpr[RSP];
                let v = self.pop(size)?;
                // A memory destination is addressed with the incremented rsp.
                if let Err(e) = self.write_op(i, 0, size, v) {
                    self.cpu.gpr[RSP] = sp;
                    return Err(e);
                }
                Ok(())
            }
            Mnemonic::Pusha | Mnemonic::Pushad => {
                let size = if i.mnemonic() == Mnemonic::Pusha {
                    2
                } else {
                    4
                };
                let sp = self.cpu.gpr[RSP];
                let vals: Vec<u64> = (0..8)
                    .map(|r| if r == RSP { sp } else { self.cpu.gpr[r] })
                    .collect();
                // Probe the whole frame first so a fault leaves state unchanged.
                let low = sp.wrapping_sub(8 * size as u64) & self.sp_mask();
                mem::read(low, 1)?;
                for v in vals {
                    if let Err(e) = self.push(size, v & mask(size)) {
                        self.cpu.gpr[RSP] = sp;
                        return Err(e);
                    }
                }
                Ok(())
            }
            Mnemonic::Popa | Mnemonic::Popad => {
                let size = if i.mnemonic() == Mnemonic::Popa { 2 } else { 4 };
                let sp = self.cpu.gpr[RSP] & self.sp_mask();
                let mut vals = [0u64; 8];
                for (k, v) in vals.iter_mut().enumerate() {
                    *v = mem::read(
                        sp.wrapping_add((k as u64) * size as u64) & self.sp_mask(),
                        size,
                    )?;
                }
                for (k, v) in vals.iter().enumerate() {
                    let r = 7 - k;
                    if r != RSP {
                        self.cpu.set_gpr_sized(r, size, *v);
                    }
                }
                self.set_sp(sp.wrapping_add(8 * size as u64));
                Ok(())
            }
            Mnemonic::Pushf | Mnemonic::Pushfd | Mnemonic::Pushfq => {
                let size = self.stack_size(i);
                let f = self.cpu.flags.get() & !0x3_0000;
                self.push(size, f as u64 & mask(size))
            }
            _ => {
                // popf
                let size = self.stack_size(i);
                let v = self.pop(size)? as u32;
                let m = POPF_MASK & mask(size) as u32;
                let cur = self.cpu.flags.get();
                self.cpu.flags.set((cur & !m) | (v & m));
                if v & m & crate::flags::TF != 0 {
                    // Single-stepping starts after the next instruction:
                    // stop here so that the OS layer steps from now on.
                    return Err(Exit::Interrupted);
                }
                Ok(())
            }
        }
    }

    pub(crate) fn frame(&mut self, i: &Instruction) -> Res {
        let size = match i.code() {
            Code::Leavew | Code::Enterw_imm16_imm8 => 2,
            Code::Leaved | Code::Enterd_imm16_imm8 => 4,
            _ => 8,
        };
        if i.mnemonic() == Mnemonic::Leave {
            let sp = self.cpu.gpr[RSP];
            let bp = self.cpu.gpr_sized(RBP, self.cpu.stack_width());
            self.set_sp(bp);
            match self.pop(size) {
                Ok(v) => {
                    self.cpu.set_gpr_sized(RBP, size, v);
                    Ok(())
                }
                Err(e) => {
                    self.cpu.gpr[RSP] = sp;
                    Err(e)
                }
            }
        } else {
            let alloc = i.immediate16() as u64;
            let level = (i.immediate8_2nd() & 31) as u64;
            let saved = self.cpu.gpr;
            let r = (|| -> Res {
                self.push(size, self.cpu.gpr_sized(RBP, size))?;
                let frame_temp = self.cpu.gpr[RSP];
                if level > 0 {
                    let mut bp = self.cpu.gpr[RBP];
                    for _ in 1..level {
                        bp = bp.wrapping_sub(size as u64) & self.sp_mask();
                        let v = mem::read(bp, size)?;
                        self.push(size, v)?;
                    }
                    self.push(size, frame_temp)?;
                }
                let new_sp = self.cpu.gpr[RSP].wrapping_sub(alloc) & self.sp_mask();
                // Probe the lowest byte of the new frame, as the CPU does.
                mem::write(new_sp, 1, mem::read(new_sp, 1)?)?;
                self.cpu.set_gpr_sized(RBP, size, frame_temp);
                self.set_sp(new_sp);
                Ok(())
            })();
            if r.is_err() {
                self.cpu.gpr = saved;
            }
            r
        }
    }

    pub(crate) fn flag_op(&mut self, i: &Instruction) -> Res {
        let f = self.cpu.flags.get();
        let nf = match i.mnemonic() {
            Mnemonic::Lahf => {
                let ah = (f & (SF | ZF | AF | PF | CF)) | 2;
                self.cpu.set_reg(Register::AH, ah as u64);
                return Ok(());
            }
            Mnemonic::Sahf => {
                let ah = self.cpu.reg(Register::AH) as u32;
                let m = SF | ZF | AF | PF | CF;
                (f & !m) | (ah & m)
            }
            Mnemonic::Clc => f & !CF,
            Mnemonic::Stc => f | CF,
            Mnemonic::Cmc => f ^ CF,
            Mnemonic::Cld => f & !DF,
            Mnemonic::Std => f | DF,
            // cli/sti are privileged at IOPL 0.
            _ => return Err(Exit::GeneralProtection),
        };
        self.cpu.flags.set(nf);
        Ok(())
    }

    pub(crate) fn sign_extend(&mut self, i: &Instruction) -> Res {
        let g = &mut self.cpu.gpr;
        match i.mnemonic() {
            Mnemonic::Cbw => {
                let v = sign_extend(g[RAX], 1) & 0xffff;
                g[RAX] = (g[RAX] & !0xffff) | v;
            }
            Mnemonic::Cwde => g[RAX] = sign_extend(g[RAX], 2) & 0xffff_ffff,
            Mnemonic::Cdqe => g[RAX] = sign_extend(g[RAX], 4),
            Mnemonic::Cwd => {
                let hi = if g[RAX] & 0x8000 != 0 { 0xffff } else { 0 };
                g[RDX] = (g[RDX] & !0xffff) | hi;
            }
            Mnemonic::Cdq => {
                g[RDX] = if g[RAX] & 0x8000_0000 != 0 {
                    0xffff_ffff
                } else {
                    0
                }
            }
            _ => g[RDX] = if g[RAX] & (1 << 63) != 0 { u64::MAX } else { 0 },
        }
        Ok(())
    }

    fn cc(i: &Instruction) -> u8 {
        (i.condition_code() as u8).wrapping_sub(1)
    }

    pub(crate) fn cmov(&mut self, i: &Instruction) -> Res {
        let size = self.op_size(i, 0);
        let v = self.read_op(i, 1, size)?;
        let r = i.op0_register();
        if self.cpu.flags.cond(Self::cc(i)) {
            self.cpu.set_reg(r, v);
        } else if size == 4 && self.cpu.mode == Mode::Bits64 {
            // A 32-bit cmov always writes its destination (zero-extending).
            let cur = self.cpu.reg(r);
            self.cpu.set_reg(r, cur);
        }
        Ok(())
    }

    pub(crate) fn setcc(&mut self, i: &Instruction) -> Res {
        let v = self.cpu.flags.cond(Self::cc(i)) as u64;
        self.write_op(i, 0, 1, v)
    }

    pub(crate) fn xlat(&mut self, i: &Instruction) -> Res {
        let base = match i.op0_kind() {
            OpKind::Memory => {
                let b = i.memory_base();
                self.cpu.reg(b) & mask(b.size() as u32)
            }
            _ => self.cpu.gpr[RBX],
        };
        let mut a = base.wrapping_add(self.cpu.gpr[RAX] & 0xff);
        match i.memory_segment() {
            Register::FS => a = a.wrapping_add(self.cpu.seg_base[4]),
            Register::GS => a = a.wrapping_add(self.cpu.seg_base[5]),
            _ => {}
        }
        let v = mem::read_u8(a & self.cpu.addr_mask())?;
        self.cpu.set_reg(Register::AL, v as u64);
        Ok(())
    }

    pub(crate) fn salc(&mut self, _i: &Instruction) -> Res {
        let v = if self.cpu.flags.cf() { 0xff } else { 0 };
        self.cpu.set_reg(Register::AL, v);
        Ok(())
    }
}
