//! The x87 FPU's architectural state: eight physical registers, TOP, the
//! control and status words, the (abridged) tag bits and the last
//! instruction/operand pointers that FNSTENV/FNSAVE report.

use crate::fp::f80::{Class, F80};

/// Status word bits.
pub const SW_SF: u16 = 0x40;
pub const SW_ES: u16 = 0x80;
pub const SW_C0: u16 = 0x100;
pub const SW_C1: u16 = 0x200;
pub const SW_C2: u16 = 0x400;
pub const SW_C3: u16 = 0x4000;
pub const SW_B: u16 = 0x8000;
pub const SW_TOP: u16 = 0x3800;
/// `X87::fop` value meaning "decode FOP from the bytes at `fip`".
pub const FOP_FROM_FIP: u16 = 0xffff;

#[derive(Clone, Debug)]
pub struct X87 {
    /// Physical registers R0-R7 (ST(i) is R[(top + i) & 7]). MMX registers
    /// alias their significands.
    pub regs: [F80; 8],
    pub top: u32,
    pub cw: u16,
    /// Status word without the TOP field.
    pub sw: u16,
    /// Bit k set: physical register k is not empty.
    pub valid: u8,
    /// Last non-control instruction's address and opcode (11 bits), and the
    /// last memory operand's offset; with their selectors.
    pub fip: u64,
    pub fcs: u16,
    pub fop: u16,
    pub fdp: u64,
    pub fds: u16,
    /// Set when a floating-point exception is reported through
    /// `Exit::DivideError`: (si_code, trap number 16 for x87 #MF or 19 for
    /// SIMD #XM). The OS layer takes it to build the SIGFPE; `None` there
    /// means an integer divide error.
    pub fp_trap: Option<(i32, u8)>,
}

impl Default for X87 {
    fn default() -> Self {
        X87 {
            regs: [F80::ZERO; 8],
            top: 0,
            cw: 0x37f,
            sw: 0,
            valid: 0,
            fip: 0,
            fcs: 0,
            fop: 0,
            fdp: 0,
            fds: 0,
            fp_trap: None,
        }
    }
}

impl X87 {
    /// FNINIT: everything but the registers' contents.
    pub fn init(&mut self) {
        self.cw = 0x37f;
        self.sw = 0;
        self.top = 0;
        self.valid = 0;
        self.fip = 0;
        self.fcs = 0;
        self.fop = 0;
        self.fdp = 0;
        self.fds = 0;
    }

    /// The status word with TOP.
    pub fn status(&self) -> u16 {
        (self.sw & !SW_TOP) | ((self.top as u16) << 11)
    }

    pub fn set_status(&mut self, v: u16) {
        self.sw = v & !SW_TOP;
        self.top = ((v >> 11) & 7) as u32;
    }

    #[inline]
    pub fn phys(&self, i: u32) -> usize {
        ((self.top + i) & 7) as usize
    }

    #[inline]
    pub fn st(&self, i: u32) -> F80 {
        self.regs[self.phys(i)]
    }

    #[inline]
    pub fn is_empty(&self, i: u32) -> bool {
        self.valid & (1 << self.phys(i)) == 0
    }

    #[inline]
    pub fn set_st(&mut self, i: u32, v: F80) {
        let p = self.phys(i);
        self.regs[p] = v;
        self.valid |= 1 << p;
    }

    /// Marks ST(0) empty and increments TOP.
    #[inline]
    pub fn pop(&mut self) {
        self.valid &= !(1 << self.phys(0));
        self.top = (self.top + 1) & 7;
    }

    /// Decrements TOP and stores `v` in the new ST(0).
    #[inline]
    pub fn push(&mut self, v: F80) {
        self.top = (self.top + 7) & 7;
        self.set_st(0, v);
    }

    /// The full tag word: 00 valid, 01 zero, 10 special, 11 empty per
    /// physical register.
    pub fn tag_word(&self) -> u16 {
        let mut t = 0u16;
        for p in 0..8 {
            let tag = if self.valid & (1 << p) == 0 {
                3
            } else {
                match self.regs[p].class() {
                    Class::Zero => 1,
                    Class::Normal => 0,
                    _ => 2,
                }
            };
            t |= tag << (2 * p);
        }
        t
    }

    /// Loads the full tag word (only "empty" is kept; the rest is derived
    /// from the contents, as on current processors).
    pub fn set_tag_word(&mut self, t: u16) {
        self.valid = 0;
        for p in 0..8 {
            if (t >> (2 * p)) & 3 != 3 {
                self.valid |= 1 << p;
            }
        }
    }

    /// Takes the pending floating-point trap description (see `fp_trap`).
    pub fn take_fp_trap(&mut self) -> Option<(i32, u8)> {
        self.fp_trap.take()
    }

    /// Recomputes ES and B from the exception flags and masks.
    pub fn update_es(&mut self) {
        if self.sw & !self.cw & 0x3f != 0 {
            self.sw |= SW_ES | SW_B;
        } else {
            self.sw &= !(SW_ES | SW_B);
        }
    }
}
