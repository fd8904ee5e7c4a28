//! String instructions: movs, cmps, scas, lods, stos with rep/repe/repne.
//! Each iteration commits its register updates, so a fault mid-way leaves
//! rsi/rdi/rcx exactly where the hardware would.

use crate::flags::{mask, FlagOp};
use crate::interp::{Exec, Res};
use crate::mem;
use crate::state::{RAX, RCX, RDI, RSI};
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

impl Exec {
    pub(crate) fn string(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let size = i.memory_size().size() as u32;
        let asz = (0..i.op_count())
            .find_map(|n| match i.op_kind(n) {
                OpKind::MemorySegSI | OpKind::MemoryESDI => Some(2),
                OpKind::MemorySegESI | OpKind::MemoryESEDI => Some(4),
                OpKind::MemorySegRSI | OpKind::MemoryESRDI => Some(8),
                _ => None,
            })
            .unwrap_or(8);
        let am = mask(asz);
        let seg_base = match i.memory_segment() {
            Register::FS => self.cpu.seg_base[4],
            Register::GS => self.cpu.seg_base[5],
            _ => 0,
        };
        let amask = self.cpu.addr_mask();
        let delta = if self.cpu.flags.df() {
            (size as u64).wrapping_neg()
        } else {
            size as u64
        };
        let rep = i.has_rep_prefix() || i.has_repne_prefix();
        let m = i.mnemonic();
        let (uses_si, uses_di) = match m {
            Movsb | Movsw | Movsd | Movsq | Cmpsb | Cmpsw | Cmpsd | Cmpsq => (true, true),
            Lodsb | Lodsw | Lodsd | Lodsq => (true, false),
            _ => (false, true),
        };
        let is_cmp = matches!(
            m,
            Cmpsb | Cmpsw | Cmpsd | Cmpsq | Scasb | Scasw | Scasd | Scasq
        );
        let vm = mask(size);
        loop {
            if rep && self.cpu.gpr_sized(RCX, asz) == 0 {
                break;
            }
            let si = self.cpu.gpr[RSI] & am;
            let di = self.cpu.gpr[RDI] & am;
            let src = si.wrapping_add(seg_base) & amask;
            let dst = di & amask;
            match m {
                Movsb | Movsw | Movsd | Movsq => {
                    let v = mem::read(src, size)?;
                    mem::write(dst, size, v)?;
                }
                Cmpsb | Cmpsw | Cmpsd | Cmpsq => {
                    let a = mem::read(src, size)?;
                    let b = mem::read(dst, size)?;
                    self.cpu
                        .flags
                        .set_lazy(FlagOp::Sub, size, a, b, a.wrapping_sub(b) & vm);
                }
                Scasb | Scasw | Scasd | Scasq => {
                    let a = self.cpu.gpr[RAX] & vm;
                    let b = mem::read(dst, size)?;
                    self.cpu
                        .flags
                        .set_lazy(FlagOp::Sub, size, a, b, a.wrapping_sub(b) & vm);
                }
                Lodsb | Lodsw | Lodsd | Lodsq => {
                    let v = mem::read(src, size)?;
                    self.cpu.set_gpr_sized(RAX, size, v);
                }
                _ => {
                    mem::write(dst, size, self.cpu.gpr[RAX] & vm)?;
                }
            }
            if uses_si {
                self.cpu
                    .set_gpr_sized(RSI, asz, si.wrapping_add(delta) & am);
            }
            if uses_di {
                self.cpu
                    .set_gpr_sized(RDI, asz, di.wrapping_add(delta) & am);
            }
            if !rep {
                break;
            }
            let c = self.cpu.gpr_sized(RCX, asz).wrapping_sub(1) & am;
            self.cpu.set_gpr_sized(RCX, asz, c);
            if is_cmp {
                let zf = self.cpu.flags.zf();
                if (i.has_rep_prefix() && !zf) || (i.has_repne_prefix() && zf) {
                    break;
                }
            }
        }
        Ok(())
    }
}
