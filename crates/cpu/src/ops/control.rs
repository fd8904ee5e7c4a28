//! Control flow and system instructions: jmp, jcc, call, ret, loop family,
//! jcxz; int/int3/into, syscall/sysenter, cpuid, rdtsc, hints and fences,
//! privileged instructions (#GP), undefined opcodes (#UD).

use crate::flags::{mask, OF};
use crate::interp::{Exec, Exit, Res, SyscallKind};
use crate::mem;
use crate::state::{Mode, RAX, RBX, RCX, RDX};
use iced_x86::{Code, Instruction, Mnemonic, OpKind};

/// Width of the counter register (cx/ecx/rcx) a loop or jcxz uses.
fn counter_size(c: Code) -> u32 {
    use Code::*;
    match c {
        Loop_rel8_16_CX | Loop_rel8_32_CX | Loope_rel8_16_CX | Loope_rel8_32_CX
        | Loopne_rel8_16_CX | Loopne_rel8_32_CX | Jcxz_rel8_16 | Jcxz_rel8_32 => 2,
        Loop_rel8_16_RCX | Loop_rel8_64_RCX | Loope_rel8_16_RCX | Loope_rel8_64_RCX
        | Loopne_rel8_16_RCX | Loopne_rel8_64_RCX | Jrcxz_rel8_16 | Jrcxz_rel8_64 => 8,
        _ => 4,
    }
}

impl Exec {
    /// Branch target of operand 0, masked to the operand size.
    fn target(&mut self, i: &Instruction) -> Result<u64, Exit> {
        match i.op0_kind() {
            OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64 => {
                Ok(i.near_branch_target())
            }
            OpKind::FarBranch16 | OpKind::FarBranch32 => Err(Exit::GeneralProtection),
            _ => {
                if i.op0_kind() == OpKind::Memory && i.memory_size().is_packed() {
                    return Err(Exit::GeneralProtection);
                }
                let size = self.op_size(i, 0);
                if size > 8 {
                    return Err(Exit::GeneralProtection);
                }
                Ok(self.read_op(i, 0, size)? & mask(size))
            }
        }
    }

    pub(crate) fn branch(&mut self, i: &Instruction) -> Res {
        match i.mnemonic() {
            Mnemonic::Jmp => {
                self.next = self.target(i)?;
            }
            Mnemonic::Call => {
                let t = self.target(i)?;
                let size = self.stack_size(i);
                self.push(size, self.next)?;
                self.next = t;
            }
            Mnemonic::Ret => {
                let size = self.stack_size_ret(i);
                let t = self.pop(size)?;
                if i.op_count() > 0 {
                    let sp = self.cpu.gpr[4].wrapping_add(i.immediate16() as u64);
                    self.set_sp(sp);
                }
                self.next = t;
            }
            Mnemonic::Loop | Mnemonic::Loope | Mnemonic::Loopne => {
                let cs = counter_size(i.code());
                let c = self.cpu.gpr_sized(RCX, cs).wrapping_sub(1) & mask(cs);
                self.cpu.set_gpr_sized(RCX, cs, c);
                let take = c != 0
                    && match i.mnemonic() {
                        Mnemonic::Loope => self.cpu.flags.zf(),
                        Mnemonic::Loopne => !self.cpu.flags.zf(),
                        _ => true,
                    };
                if take {
                    self.next = i.near_branch_target();
                }
            }
            Mnemonic::Jcxz | Mnemonic::Jecxz | Mnemonic::Jrcxz => {
                if self.cpu.gpr_sized(RCX, counter_size(i.code())) == 0 {
                    self.next = i.near_branch_target();
                }
            }
            _ => {
                let cc = (i.condition_code() as u8).wrapping_sub(1);
                if self.cpu.flags.cond(cc) {
                    self.next = i.near_branch_target();
                }
            }
        }
        Ok(())
    }

    fn stack_size_ret(&self, i: &Instruction) -> u32 {
        match i.code() {
            Code::Retnw | Code::Retnw_imm16 => 2,
            Code::Retnd | Code::Retnd_imm16 => 4,
            _ => 8,
        }
    }

    pub(crate) fn system(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        match i.mnemonic() {
            Int => {
                if i.immediate8() == 0x80 {
                    Err(Exit::Syscall(SyscallKind::Int80))
                } else {
                    Err(Exit::GeneralProtection)
                }
            }
            Int3 | Int1 => Err(Exit::Breakpoint),
            Into => {
                if self.cpu.flags.get() & OF != 0 {
                    Err(Exit::GeneralProtection)
                } else {
                    Ok(())
                }
            }
            Syscall => {
                if self.cpu.mode == Mode::Bits64 {
                    self.cpu.gpr[RCX] = self.next;
                    self.cpu.gpr[11] = (self.cpu.flags.get() & !0x1_0000) as u64;
                    Err(Exit::Syscall(SyscallKind::Syscall))
                } else {
                    Err(self.illegal(i))
                }
            }
            Sysenter => {
                if self.cpu.mode != Mode::Bits32 {
                    return Err(Exit::GeneralProtection);
                }
                // As the vDSO uses it: the kernel returns past the `int $0x80`
                // that follows the sysenter.
                if mem::read_u16(self.next).ok() == Some(0x80cd) {
                    self.next += 2;
                }
                Err(Exit::Syscall(SyscallKind::Sysenter))
            }
            Ud0 | Ud1 | Ud2 => Err(self.illegal(i)),
            Cpuid => {
                let (a, b, c, d) = crate::cpuid::cpuid(
                    self.cpu.mode,
                    self.cpu.gpr[RAX] as u32,
                    self.cpu.gpr[RCX] as u32,
                );
                self.cpu.gpr[RAX] = a as u64;
                self.cpu.gpr[RBX] = b as u64;
                self.cpu.gpr[RCX] = c as u64;
                self.cpu.gpr[RDX] = d as u64;
                Ok(())
            }
            Rdtsc | Rdtscp => {
                let t = host_tsc();
                self.cpu.gpr[RAX] = t & 0xffff_ffff;
                self.cpu.gpr[RDX] = t >> 32;
                if i.mnemonic() == Rdtscp {
                    self.cpu.gpr[RCX] = 0;
                }
                Ok(())
            }
            Nop | Pause | Lfence | Mfence | Sfence | Prefetchnta | Prefetcht0 | Prefetcht1
            | Prefetcht2 | Prefetchw | Endbr32 | Endbr64 => Ok(()),
            Clflush | Clflushopt => {
                mem::read_u8(self.ea(i))?;
                Ok(())
            }
            Bound => {
                let size = self.op_size(i, 0);
                let addr = self.ea(i);
                let v = crate::ops::shift::sign_extend(self.cpu.reg(i.op0_register()), size) as i64;
                let lo = crate::ops::shift::sign_extend(mem::read(addr, size)?, size) as i64;
                let hi = crate::ops::shift::sign_extend(mem::read(addr + size as u64, size)?, size)
                    as i64;
                if v < lo || v > hi {
                    // #BR: Linux delivers SIGSEGV.
                    Err(Exit::GeneralProtection)
                } else {
                    Ok(())
                }
            }
            _ => Err(Exit::GeneralProtection),
        }
    }
}

/// The host's time-stamp counter.
fn host_tsc() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: rdtsc has no preconditions in user mode on Linux.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    }
}
