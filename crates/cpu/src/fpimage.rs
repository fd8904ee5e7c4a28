//! Byte images of the floating-point state, shared by the instructions
//! (FNSTENV/FLDENV, FNSAVE/FRSTOR, FXSAVE/FXRSTOR) and the OS layer's
//! signal frames: the 28-byte protected-mode environment (and its 14-byte
//! 16-bit form), the 108-byte FNSAVE image and the 512-byte FXSAVE image.
//! As on the reference AMD processors, FXSAVE stores the last
//! instruction/operand pointers only while an exception is pending.

use crate::fp::f80::F80;
use crate::mem;
use crate::state::{CpuState, Mode};
use crate::x87state::{FOP_FROM_FIP, SW_ES};

/// MXCSR bits that LDMXCSR/FXRSTOR accept (reported as MXCSR_MASK).
pub const MXCSR_MASK: u32 = 0xffff;

/// The control word as loaded: reserved bits read as 0, bit 6 as 1.
pub fn fix_cw(v: u16) -> u16 {
    (v & 0x1f3f) | 0x40
}

/// The 11-bit FOP of the last non-control x87 instruction (decoded from its
/// bytes at FIP unless it was loaded from an image).
pub fn fop(cpu: &CpuState) -> u16 {
    let x = &cpu.x87;
    if x.fop != FOP_FROM_FIP {
        return x.fop;
    }
    let mut b = [0u8; 15];
    let n = mem::read_bytes_partial(x.fip, &mut b);
    let mut k = 0;
    while k + 1 < n {
        let p = b[k];
        let rex = cpu.mode == Mode::Bits64 && (0x40..0x50).contains(&p);
        if matches!(
            p,
            0x66 | 0x67 | 0xf0 | 0xf2 | 0xf3 | 0x26 | 0x2e | 0x36 | 0x3e | 0x64 | 0x65
        ) || rex
        {
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

/// FNSTENV's image: 28 bytes, or 14 in the 16-bit form.
pub fn env_image(cpu: &CpuState, short: bool) -> Vec<u8> {
    let x = &cpu.x87;
    let op = fop(cpu);
    let mut v = Vec::with_capacity(28);
    if short {
        for w in [
            x.cw,
            x.status(),
            x.tag_word(),
            x.fip as u16,
            x.fcs,
            x.fdp as u16,
            x.fds,
        ] {
            v.extend_from_slice(&w.to_le_bytes());
        }
    } else {
        let hi = 0xffff_0000u32;
        for w in [
            hi | x.cw as u32,
            hi | x.status() as u32,
            hi | x.tag_word() as u32,
            x.fip as u32,
            x.fcs as u32 | ((op as u32) << 16),
            x.fdp as u32,
            hi | x.fds as u32,
        ] {
            v.extend_from_slice(&w.to_le_bytes());
        }
    }
    v
}

/// FNSAVE's image: the environment and ST(0)..ST(7), 10 bytes each.
pub fn fsave_image(cpu: &CpuState, short: bool) -> Vec<u8> {
    let mut img = env_image(cpu, short);
    for k in 0..8 {
        img.extend_from_slice(&cpu.x87.st(k).to_bytes());
    }
    img
}

/// Loads an environment (and, when `img` is long enough, the registers of
/// an FNSAVE image).
pub fn load_env_image(cpu: &mut CpuState, img: &[u8], short: bool) {
    let w = |k: usize| u16::from_le_bytes([img[k], img[k + 1]]);
    let d = |k: usize| u32::from_le_bytes([img[k], img[k + 1], img[k + 2], img[k + 3]]);
    let env_len = if short { 14 } else { 28 };
    let x = &mut cpu.x87;
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
    x.cw = fix_cw(x.cw);
    if img.len() >= env_len + 80 {
        for k in 0..8 {
            let v = F80::from_bytes(&img[env_len + 10 * k..]);
            let p = x.phys(k as u32);
            x.regs[p] = v;
        }
    }
    x.update_es();
}

/// The 512-byte FXSAVE image (`wide`: the 64-bit FXSAVE64 pointer layout).
/// The instruction stores the first `fxsave_len` bytes.
pub fn fxsave_image(cpu: &CpuState, wide: bool) -> [u8; 512] {
    let x = &cpu.x87;
    let mut img = [0u8; 512];
    img[0..2].copy_from_slice(&x.cw.to_le_bytes());
    img[2..4].copy_from_slice(&x.status().to_le_bytes());
    img[4] = x.valid;
    if x.sw & SW_ES != 0 {
        img[6..8].copy_from_slice(&fop(cpu).to_le_bytes());
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
    img[24..28].copy_from_slice(&cpu.mxcsr.to_le_bytes());
    img[28..32].copy_from_slice(&MXCSR_MASK.to_le_bytes());
    for k in 0..8 {
        img[32 + 16 * k..42 + 16 * k].copy_from_slice(&x.st(k as u32).to_bytes());
    }
    for k in 0..xmm_count(cpu) {
        img[160 + 16 * k..176 + 16 * k].copy_from_slice(&cpu.xmm[k].to_le_bytes());
    }
    img
}

fn xmm_count(cpu: &CpuState) -> usize {
    if cpu.mode == Mode::Bits64 {
        16
    } else {
        8
    }
}

/// Bytes FXSAVE writes (the rest of the 512 is left alone).
pub fn fxsave_len(cpu: &CpuState) -> usize {
    160 + 16 * xmm_count(cpu)
}

/// Loads an FXSAVE image; false (nothing loaded) when its MXCSR has
/// reserved bits set, which is #GP for FXRSTOR.
pub fn load_fxsave_image(cpu: &mut CpuState, img: &[u8], wide: bool) -> bool {
    let w = |k: usize| u16::from_le_bytes([img[k], img[k + 1]]);
    let d = |k: usize| u32::from_le_bytes([img[k], img[k + 1], img[k + 2], img[k + 3]]);
    let q = |k: usize| d(k) as u64 | ((d(k + 4) as u64) << 32);
    let mxcsr = d(24);
    if mxcsr & !MXCSR_MASK != 0 {
        return false;
    }
    cpu.mxcsr = mxcsr;
    let n = xmm_count(cpu);
    let x = &mut cpu.x87;
    x.cw = fix_cw(w(0));
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
    for k in 0..n {
        let mut b = [0u8; 16];
        b.copy_from_slice(&img[160 + 16 * k..176 + 16 * k]);
        cpu.xmm[k] = u128::from_le_bytes(b);
    }
    true
}
