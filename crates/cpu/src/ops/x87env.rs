//! The x87 environment and state instructions: FNSTENV/FLDENV,
//! FNSAVE/FRSTOR and FXSAVE/FXRSTOR (layouts in `crate::fpimage`).

use crate::fpimage;
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use iced_x86::{Instruction, MemorySize, Mnemonic};

fn is_short(i: &Instruction) -> bool {
    matches!(
        i.memory_size(),
        MemorySize::FpuEnv14 | MemorySize::FpuState94
    )
}

impl Exec {
    /// FNSTENV (then masks all exceptions) and FNSAVE (then FNINIT).
    pub(crate) fn x87_store_env(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        let save = i.mnemonic() == Mnemonic::Fnsave;
        let img = if save {
            fpimage::fsave_image(&self.cpu, is_short(i))
        } else {
            fpimage::env_image(&self.cpu, is_short(i))
        };
        mem::write_bytes(a, &img)?;
        if save {
            self.cpu.x87.init();
        } else {
            self.cpu.x87.cw |= 0x3f;
        }
        Ok(())
    }

    /// FLDENV and FRSTOR.
    pub(crate) fn x87_load_env(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        let env_len = if is_short(i) { 14 } else { 28 };
        let regs = if i.mnemonic() == Mnemonic::Frstor {
            80
        } else {
            0
        };
        let mut img = vec![0u8; env_len + regs];
        mem::read_bytes(a, &mut img)?;
        fpimage::load_env_image(&mut self.cpu, &img, is_short(i));
        Ok(())
    }

    /// FXSAVE / FXSAVE64.
    pub(crate) fn fxsave(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        if a & 15 != 0 {
            return Err(Exit::GeneralProtection);
        }
        let img = fpimage::fxsave_image(&self.cpu, i.mnemonic() == Mnemonic::Fxsave64);
        mem::write_bytes(a, &img[..fpimage::fxsave_len(&self.cpu)])?;
        Ok(())
    }

    /// FXRSTOR / FXRSTOR64.
    pub(crate) fn fxrstor(&mut self, i: &Instruction) -> Res {
        let a = self.ea(i);
        if a & 15 != 0 {
            return Err(Exit::GeneralProtection);
        }
        let mut img = [0u8; 416];
        mem::read_bytes(a, &mut img)?;
        if !fpimage::load_fxsave_image(&mut self.cpu, &img, i.mnemonic() == Mnemonic::Fxrstor64) {
            return Err(Exit::GeneralProtection);
        }
        Ok(())
    }
}
