//! The x87 environment and state images: FNSTENV/FLDENV (28-byte 32-bit and
//! 14-byte 16-bit layouts), FNSAVE/FRSTOR, and FXSAVE/FXRSTOR (512 bytes,
//! with the SSE state). As on the reference AMD processors, FXSAVE stores the
//! last instruction/operand pointers only while an exception is pending
//! (FXRSTOR always loads them).

use crate::fp::f80::F80;
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use crate::state::Mode;
use crate::x87state::SW_ES;
use iced_x86::{Instruction, MemorySize, Mnemonic};

/// MXCSR bits that LDMXCSR/FXRSTOR accept.
pub(crate) const MXCSR_MASK: u32 = 0xffff;

impl Exec<'_> {
    /// The 11-bit FOP of the last non-control instruction, from its bytes.
    fn x87_fop(&self) -> u16 {
        let x = &self.cpu.x87;
        if x.fop != crate::x87state::FOP_FROM_FIP {
            return x.fop;
        }
        let mut b = [0u8; 15];
        let n = mem::read_bytes_partial(x.fip, &mut b);
        let mut k = 0;
        while k + 1 < n {
            let p = b[k];
            let rex = self.cpu.mode == Mode::Bits64 && (0x40..0x50).contains(&p);
            if matches!(p, 0x66 | 0x67 | 0xf0 | 0xf2 | 0xf3 | 0x26 | 0x2e | 0x36 | 0x3e | 0x64 | 0x65) || rex {
                k += 1;
            } else {
                break;
            }
        }
        if k + 1 >= n || b[k] & 0xf8 != 0xd8 {
            return 0;
        }
        (((b[k] & 7) as u16) << 8) | b[k + 1] as u16
    }

    fn env_bytes(&self, short: bool) -> Vec<u8> {
        let x = &self.cpu.x87;
        let fop = self.x87_fop();
        let mut v = Vec::with_capacity(28);
        if short {
            for w in [x.cw, x.status(), x.tag_word(), x.fip as u16, x.fcs, x.fdp as u16, x.fds] {
                v.extend_from_slice(&w.to_le_bytes());
            }
        } else {
            let hi = 0xffff_0000u32;
            for w in [
                hi | x.cw as u32,
                hi | x.status() as u32,
                hi | x.tag_word() as u32,
                x.fip as u32,
                x.fcs as u32 | ((fop as u32) << 16),
                x.fdp as u32,
                hi | x.fds as u32,
            ] {
                v.extend_from_slice(&w.to_le_bytes());
            }
        }
        v
    }

    /// FNSTENV (then masks all exceptions) and FNSAVE (then FNINIT).
    pub(crate) fn x87_store_env(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        let short = matches!(i.memory_size(), MemorySize::FpuEnv14 | MemorySize::FpuState94);
        let mut img = self.env_bytes(short);
        if i.mnemonic() == Mnemonic::Fnsave {
            for k in 0..8 {
                img.extend_from_slice(&self.cpu.x87.st(k).to_bytes());
            }
        }
        mem::write_bytes(a, &img)?;
        if i.mnemonic() == Mnemonic::Fnsave {
            self.cpu.x87.init();
        } else {
            self.cpu.x87.cw |= 0x3f;
        }
        Ok(())
    }

    /// FLDENV and FRSTOR.
    pub(crate) fn x87_load_env(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        let short = matches!(i.memory_size(), MemorySize::FpuEnv14 | MemorySize::FpuState94);
        let env_len = if short { 14 } else { 28 };
        let regs = if i.mnemonic() == Mnemonic::Frstor { 80 } else { 0 };
        let mut img = vec![0u8; env_len + regs];
        mem::read_bytes(a, &mut img)?;
        let w = |k: usize| u16::from_le_bytes([img[k], img[k + 1]]);
        let d = |k: usize| u32::from_le_bytes([img[k], img[k + 1], img[k + 2], img[k + 3]]);
        let x = &mut self.cpu.x87;
        if short {
            x.cw = w(0);
            x.set_status(w(2));
            x.set_tag_word(w(4));
            x.fip = w(6) as u64;
            x.fcs = w(8);
            x.fdp = w(10) as u64;
            x.fds = w(12);
        } else {
            x.cw = w(0);
            x.set_status(w(4));
            x.set_tag_word(w(8));
            x.fip = d(12) as u64;
            x.fcs = w(16);
            x.fop = w(18) & 0x7ff;
            x.fdp = d(20) as u64;
            x.fds = w(24);
        }
        x.cw = super::x87::fix_cw(x.cw);
        for k in 0..regs / 10 {
            let v = F80::from_bytes(&img[env_len + 10 * k..]);
            let p = x.phys(k as u32);
            x.regs[p] = v;
        }
        x.update_es();
        Ok(())
    }

    /// FXSAVE / FXSAVE64.
    pub(crate) fn fxsave(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        if a & 15 != 0 {
            return Err(Exit::GeneralProtection);
        }
        let wide = i.mnemonic() == Mnemonic::Fxsave64;
        let fop = self.x87_fop();
        let x = &self.cpu.x87;
        let mut img = [0u8; 416];
        img[0..2].copy_from_slice(&x.cw.to_le_bytes());
        img[2..4].copy_from_slice(&x.status().to_le_bytes());
        img[4] = x.valid;
        if x.sw & SW_ES != 0 {
            img[6..8].copy_from_slice(&fop.to_le_bytes());
            if wide {
                img[8..16].copy_from_slice(&x.fip.to_le_bytes());
                img[16..24].copy_from_slice(&x.fdp.to_le_bytes());
            } else {
                img[8..12].copy_from_slice(&(x.fip as u32).to_le_bytes());
                img[12..14].copy_from_slice(&x.fcs.to_le_bytes());
                img[16..20].copy_from_slice(&(x.fdp as u32).to_le_bytes());
                img[20..22].copy_from_slice(&x.fds.to_le_bytes());
            }
        }
        img[24..28].copy_from_slice(&self.cpu.mxcsr.to_le_bytes());
        img[28..32].copy_from_slice(&MXCSR_MASK.to_le_bytes());
        for k in 0..8 {
            img[32 + 16 * k..42 + 16 * k].copy_from_slice(&x.st(k as u32).to_bytes());
        }
        let n = if self.cpu.mode == Mode::Bits64 { 16 } else { 8 };
        for k in 0..n {
            img[160 + 16 * k..176 + 16 * k].copy_from_slice(&self.cpu.xmm[k].to_le_bytes());
        }
        mem::write_bytes(a, &img[..160 + 16 * n])?;
        Ok(())
    }

    /// FXRSTOR / FXRSTOR64.
    pub(crate) fn fxrstor(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        if a & 15 != 0 {
            return Err(Exit::GeneralProtection);
        }
        let wide = i.mnemonic() == Mnemonic::Fxrstor64;
        let mut img = [0u8; 416];
        mem::read_bytes(a, &mut img)?;
        let w = |k: usize| u16::from_le_bytes([img[k], img[k + 1]]);
        let d = |k: usize| u32::from_le_bytes([img[k], img[k + 1], img[k + 2], img[k + 3]]);
        let q = |k: usize| d(k) as u64 | ((d(k + 4) as u64) << 32);
        let mxcsr = d(24);
        if mxcsr & !MXCSR_MASK != 0 {
            return Err(Exit::GeneralProtection);
        }
        self.cpu.mxcsr = mxcsr;
        let x = &mut self.cpu.x87;
        x.cw = super::x87::fix_cw(w(0));
        x.set_status(w(2));
        x.valid = img[4];
        x.fop = w(6) & 0x7ff;
        if wide {
            x.fip = q(8);
            x.fdp = q(16);
        } else {
            x.fip = d(8) as u64;
            x.fcs = w(12);
            x.fdp = d(16) as u64;
            x.fds = w(20);
        }
        for k in 0..8 {
            let v = F80::from_bytes(&img[32 + 16 * k..]);
            let p = x.phys(k as u32);
            x.regs[p] = v;
        }
        let n = if self.cpu.mode == Mode::Bits64 { 16 } else { 8 };
        for k in 0..n {
            let mut b = [0u8; 16];
            b.copy_from_slice(&img[160 + 16 * k..176 + 16 * k]);
            self.cpu.xmm[k] = u128::from_le_bytes(b);
        }
        Ok(())
    }
}
