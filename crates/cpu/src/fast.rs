//! Predecoded fast forms of the most frequent instructions (register and
//! memory forms of mov, lea, the ALU, inc/dec/neg/not, mul/div, shifts and
//! rotates, push/pop, jumps, calls, cmov/setcc; SSE moves and logic in
//! `wide.rs`). At decode time their operands are resolved into a `Uop`
//! (register numbers, immediate, address parts, specialised by addressing
//! shape) so that running them needs no operand decoding. The semantics are
//! the generic ones' (`ops::alu::alu_compute`, the lazy flags, the shared
//! cores in `ops::`); everything else runs through the generic handlers on
//! the iced instruction. Setting X86RUN_NO_FASTPATH disables this layer so
//! that tests can check both paths.
//!
//! Dispatch is threaded: every op ends by jumping to the next op of its
//! block (`next`), a compare and the conditional jump after it are one op,
//! and a direct branch jumps straight into the block at its target once the
//! interpreter loop has linked it (`goto`). Ops return nothing; a failing
//! op records itself and its exit in `Exec`, from which the loop derives
//! the guest's rip.

use crate::flags::mask;
use crate::interp::{handler_for, Exec, Exit, Handler};
use crate::mem;
use crate::ops::alu::{alu_compute, AluKind};
use crate::ops::shift::{shift_compute, ShiftKind};
use crate::state::{reg_slot, CpuState, Mode, FS, GS, RAX, RDX};
use iced_x86::{Instruction, Mnemonic, OpKind, Register};
use std::cell::Cell;

/// Marks an absent base or index register.
const NONE: u8 = 0xff;

/// A memory operand with its parts resolved.
#[derive(Clone, Copy, Debug)]
pub struct MemRef {
    disp: u64,
    base: u8,
    index: u8,
    scale: u8,
    /// 0, or the index of the FS/GS base to add.
    seg: u8,
    /// 32-bit address size (the sum wraps at 4 GiB before the segment base).
    a32: bool,
}

impl MemRef {
    /// The wrap of the address sum: 0xffff_ffff with a 32-bit address
    /// size, else all ones. (Computed, not stored, so that an `Op` fits in
    /// a cache line.)
    #[inline(always)]
    fn amask(&self) -> u64 {
        (self.a32 as u64).wrapping_sub(1) | 0xffff_ffff
    }
}

/// Addressing shapes with their own instances of the memory forms: any
/// (0), base + disp (1), base + index * scale + disp (2), an absolute or
/// rip-relative address (3); 1 to 3 have no segment base.
const AM_ANY: u8 = 0;
const AM_BASE: u8 = 1;
const AM_BASE_INDEX: u8 = 2;
const AM_ABS: u8 = 3;

impl MemRef {
    fn shape(&self) -> u8 {
        match (self.seg, self.base, self.index) {
            (0, NONE, NONE) => AM_ABS,
            (0, NONE, _) => AM_ANY,
            (0, _, NONE) => AM_BASE,
            (0, _, _) => AM_BASE_INDEX,
            _ => AM_ANY,
        }
    }
}

/// Operands resolved at decode time.
#[derive(Clone, Copy, Debug)]
pub struct Uop {
    r0: u8,
    r1: u8,
    cc: u8,
    /// The form's id when it can run in a pair (see `pair`), else `B_NONE`.
    body: u8,
    /// A compare's immediate when `imm` holds something else (the target
    /// of a fused compare of memory with an immediate).
    imm32: u32,
    imm: u64,
    mem: MemRef,
}

/// Runs one decoded instruction.
/// Runs one decoded instruction (and, threaded, the ones after it). A
/// failure is recorded in the context (`Exec::cur`, `Exec::exit`): with
/// nothing returned, every handler's call of the next one is a plain jump.
pub type OpFn = fn(&mut Exec, &Op);

/// The generic form of an instruction: its handler and the iced
/// instruction. Only ops without a fast form have one, kept out of line
/// (owned by their block, see `decode::Block`) and reached through
/// `Uop::imm`.
pub struct Slow {
    pub generic: Handler,
    pub insn: Instruction,
}

/// A decoded instruction: its runner, the address of the next
/// instruction and its resolved operands (for a generic op, its `Slow`).
/// One cache line: the ops of the hot code are far more bytes than the
/// guest's instructions, and an op that straddled two lines cost time.
/// Each block starts with a header op (see `Op::header`), so the op before
/// any instruction's op ends where it starts.
#[repr(align(64))]
pub struct Op {
    pub run: OpFn,
    pub next: u64,
    pub uop: Uop,
    /// For direct branches: the first op of the block at the taken (0) and
    /// fall-through (1) target, once the interpreter has seen it (block
    /// chaining); null otherwise. Indirect branches (ret, jmp/call through a
    /// register or memory) cache their last target instead: its first op
    /// in 0 and its guest address in 1 (an address, not a pointer). Reset
    /// whenever the cache drops a block.
    pub links: [Cell<*const Op>; 2],
}

const _: () = assert!(std::mem::size_of::<Op>() == 64);

impl Op {
    /// Decodes `insn` into its fastest available form. An instruction
    /// without one runs its generic handler, with its `Slow` added to
    /// `slows`.
    pub fn new(insn: Instruction, mode: Mode, slows: &mut Vec<Box<Slow>>) -> Op {
        let fast = if fast_path_enabled() {
            select(&insn, mode)
        } else {
            None
        };
        let (run, uop) = fast.unwrap_or_else(|| {
            let run = if insn.flow_control() == iced_x86::FlowControl::Next {
                run_generic as OpFn
            } else {
                run_generic_end
            };
            slows.push(Box::new(Slow {
                generic: handler_for(&insn),
                insn,
            }));
            // Taken after the box moved into `slows`, which owns it from
            // here on (a pointer taken before the move would be invalidated
            // by it under Rust's aliasing rules).
            let mut uop = EMPTY;
            uop.imm = slows.last().map_or(0, |s| &**s as *const Slow as u64);
            (run, uop)
        });
        Op {
            run,
            next: insn.next_ip() & mode.addr_mask(),
            uop,
            links: NO_LINKS,
        }
    }

    /// The op before a block's first instruction: never run, it holds the
    /// block's address in `next` (see `Op::addr`).
    pub fn header(start: u64) -> Op {
        Op {
            run: terminator,
            next: start,
            uop: EMPTY,
            links: NO_LINKS,
        }
    }

    /// The op that ends every block (see `next`).
    pub fn terminator(end: u64) -> Op {
        Op {
            run: terminator,
            next: end,
            uop: EMPTY,
            links: NO_LINKS,
        }
    }

    /// The guest address of the instruction of `op`, an op of a block
    /// after its header.
    ///
    /// # Safety
    /// `op` must point at an op of a block other than its header.
    pub unsafe fn addr(op: *const Op) -> u64 {
        // SAFETY: the caller's promise: the op before exists.
        unsafe { &*op.sub(1) }.next
    }

    /// A cmp or test (`prev`) fused with the conditional jump after it
    /// into one op, when both have fast forms. The op stands at the
    /// compare's place in the block (a fault in it is the compare's) and
    /// continues after the jump.
    pub fn fuse(prev: &Instruction, jcc: &Instruction, mode: Mode) -> Option<Op> {
        if !fast_path_enabled() {
            return None;
        }
        let (run, uop) = select_fused(prev, jcc, mode)?;
        Some(Op {
            run,
            next: jcc.next_ip() & mode.addr_mask(),
            uop,
            links: NO_LINKS,
        })
    }

    /// A call of a get-pc thunk (see `decode::pc_thunk`) as what it does:
    /// register `reg` gets the return address; the stack is left as the
    /// thunk's return leaves it.
    pub fn load_pc(call: &Instruction, reg: usize, mode: Mode) -> Option<Op> {
        if !fast_path_enabled() || mode != Mode::Bits32 {
            return None;
        }
        let mut uop = EMPTY;
        uop.r0 = reg as u8;
        uop.imm = call.next_ip() & 0xffff_ffff;
        // A mov of an immediate, so it pairs with the `add` of the GOT
        // offset that follows it.
        uop.body = body_id(B_MOV_RI, 4);
        Some(Op {
            run: mov_ri::<4>,
            next: uop.imm,
            uop,
            links: NO_LINKS,
        })
    }

    /// Forgets the chained blocks.
    pub fn unlink(&self) {
        self.links[0].set(std::ptr::null());
        self.links[1].set(std::ptr::null());
    }

    /// The generic form of an op that runs it.
    #[inline(always)]
    fn slow(&self) -> &Slow {
        // SAFETY: `imm` of a generic op points at its `Slow`, which its
        // block owns (see `Op::new`).
        unsafe { &*(self.uop.imm as *const Slow) }
    }
}

#[allow(clippy::declare_interior_mutable_const)]
const NO_LINKS: [Cell<*const Op>; 2] = [Cell::new(std::ptr::null()), Cell::new(std::ptr::null())];

const EMPTY: Uop = Uop {
    r0: 0,
    r1: 0,
    cc: 0,
    body: B_NONE,
    imm32: 0,
    imm: 0,
    mem: MemRef {
        disp: 0,
        base: NONE,
        index: NONE,
        scale: 0,
        seg: 0,
        a32: false,
    },
};

fn fast_path_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("X86RUN_NO_FASTPATH").is_none())
}

/// A general-purpose register for the fast forms; AH..BH carry `HIGH`
/// (only byte-sized forms read them, through `get`/`set`).
fn gpr(r: Register) -> Option<(u8, u32)> {
    if r == Register::None || r.is_segment_register() || !r.is_gpr() {
        return None;
    }
    let (idx, size, high) = reg_slot(r);
    Some((if high { idx as u8 | HIGH } else { idx as u8 }, size))
}

/// Marks AH..BH in a register number (with the number of AL..BL).
const HIGH: u8 = 0x10;

/// Records the count operand `n` of a shift or rotate in `u`: an
/// immediate (or the implicit 1) in `imm`, or cl with `cc` = 1.
fn shift_count_operand(i: &Instruction, n: u32, u: &mut Uop) -> Option<()> {
    if n >= i.op_count() {
        u.imm = 1;
        return Some(());
    }
    match i.op_kind(n) {
        OpKind::Immediate8 => u.imm = i.immediate8() as u64,
        OpKind::Register if i.op_register(n) == Register::CL => u.cc = 1,
        _ => return None,
    }
    Some(())
}

/// The masked count of a shift or rotate (see `shift_count_operand`).
#[inline(always)]
fn shift_count<const S: u32>(ex: &Exec, op: &Op) -> u32 {
    let raw = if op.uop.cc == 1 {
        ex.cpu.gpr[1]
    } else {
        op.uop.imm
    };
    (raw as u32) & if S == 8 { 0x3f } else { 0x1f }
}

/// Records operand 0 (a general register or memory) in `u` as the
/// source of a one-operand form (`cc` = 1 for memory); returns its size.
fn rm_operand(i: &Instruction, mode: Mode, u: &mut Uop) -> Option<u32> {
    match i.op0_kind() {
        OpKind::Register => {
            let (a, s) = gpr(i.op0_register())?;
            u.r0 = a;
            Some(s)
        }
        OpKind::Memory => {
            u.mem = memref(i, mode)?;
            u.cc = 1;
            Some(i.memory_size().size() as u32)
        }
        _ => None,
    }
}

/// A memory operand the fast forms can address (no 16-bit addressing).
fn memref(i: &Instruction, mode: Mode) -> Option<MemRef> {
    let seg = match i.memory_segment() {
        Register::FS => FS as u8,
        Register::GS => GS as u8,
        _ => 0,
    };
    let mut a32 = mode == Mode::Bits32;
    let reg = |r: Register, a32: &mut bool| -> Option<u8> {
        if r == Register::None {
            return Some(NONE);
        }
        let (idx, size) = gpr(r)?;
        match size {
            8 => {}
            4 => *a32 = true,
            _ => return None,
        }
        Some(idx)
    };
    let base = match i.memory_base() {
        Register::RIP => NONE,
        Register::EIP => {
            a32 = true;
            NONE
        }
        b => reg(b, &mut a32)?,
    };
    let index = reg(i.memory_index(), &mut a32)?;
    Some(MemRef {
        disp: i.memory_displacement64(),
        base,
        index,
        scale: i.memory_index_scale().trailing_zeros() as u8,
        seg,
        a32,
    })
}

/// Register `r` of `cpu`. Register numbers in a `Uop` are below 16: `gpr`
/// and `memref` give 0..16, and AH..BH, which carry `HIGH`, are only seen
/// by the byte forms of `get` and `set`, which strip it. Checked in debug
/// builds; unchecked in release, where the bounds check was an instruction
/// in nearly every op.
#[inline(always)]
fn reg(cpu: &CpuState, r: u8) -> u64 {
    debug_assert!(r < 16, "register number {r}");
    // SAFETY: r < 16 = gpr.len() (see above).
    unsafe { *cpu.gpr.get_unchecked(r as usize) }
}

/// Register `r` of `cpu` to write (see `reg`).
#[inline(always)]
fn reg_mut(cpu: &mut CpuState, r: u8) -> &mut u64 {
    debug_assert!(r < 16, "register number {r}");
    // SAFETY: as in `reg`.
    unsafe { cpu.gpr.get_unchecked_mut(r as usize) }
}

#[inline(always)]
fn ea<const AM: u8>(cpu: &CpuState, m: &MemRef) -> u64 {
    // Shapes 1 to 3 have no segment, and in 32-bit mode a 32-bit address
    // size, so `amask()` is the whole wrap.
    if AM == AM_BASE {
        return reg(cpu, m.base).wrapping_add(m.disp) & m.amask();
    }
    if AM == AM_BASE_INDEX {
        return reg(cpu, m.base)
            .wrapping_add(reg(cpu, m.index) << m.scale)
            .wrapping_add(m.disp)
            & m.amask();
    }
    if AM == AM_ABS {
        return m.disp & m.amask();
    }
    let mut a = m.disp;
    if m.base != NONE {
        a = a.wrapping_add(reg(cpu, m.base));
    }
    if m.index != NONE {
        a = a.wrapping_add(reg(cpu, m.index) << m.scale);
    }
    if m.a32 {
        a &= 0xffff_ffff;
    }
    if m.seg != 0 {
        a = a.wrapping_add(cpu.seg_base[m.seg as usize]);
    }
    a & cpu.addr_mask()
}

macro_rules! sized {
    ($f:ident, $size:expr $(, $k:expr)*) => {
        match $size {
            1 => $f::<1 $(, $k)*> as OpFn,
            2 => $f::<2 $(, $k)*> as OpFn,
            4 => $f::<4 $(, $k)*> as OpFn,
            _ => $f::<8 $(, $k)*> as OpFn,
        }
    };
}

/// Instantiates `$f` for condition code `$cc` (0..16), with extra const
/// arguments after it.
macro_rules! by_cc {
    ($f:ident, $cc:expr $(, $k:expr)*) => {
        match $cc {
            0 => $f::<0 $(, $k)*> as OpFn,
            1 => $f::<1 $(, $k)*> as OpFn,
            2 => $f::<2 $(, $k)*> as OpFn,
            3 => $f::<3 $(, $k)*> as OpFn,
            4 => $f::<4 $(, $k)*> as OpFn,
            5 => $f::<5 $(, $k)*> as OpFn,
            6 => $f::<6 $(, $k)*> as OpFn,
            7 => $f::<7 $(, $k)*> as OpFn,
            8 => $f::<8 $(, $k)*> as OpFn,
            9 => $f::<9 $(, $k)*> as OpFn,
            10 => $f::<10 $(, $k)*> as OpFn,
            11 => $f::<11 $(, $k)*> as OpFn,
            12 => $f::<12 $(, $k)*> as OpFn,
            13 => $f::<13 $(, $k)*> as OpFn,
            14 => $f::<14 $(, $k)*> as OpFn,
            _ => $f::<15 $(, $k)*> as OpFn,
        }
    };
}

macro_rules! alu_sized {
    ($f:ident, $size:expr, $kind:expr $(, $am:expr)?) => {
        match $kind {
            AluKind::Add => sized!($f, $size, 0 $(, $am)?),
            AluKind::Or => sized!($f, $size, 1 $(, $am)?),
            AluKind::Adc => sized!($f, $size, 2 $(, $am)?),
            AluKind::Sbb => sized!($f, $size, 3 $(, $am)?),
            AluKind::And => sized!($f, $size, 4 $(, $am)?),
            AluKind::Sub => sized!($f, $size, 5 $(, $am)?),
            AluKind::Xor => sized!($f, $size, 6 $(, $am)?),
            AluKind::Cmp => sized!($f, $size, 7 $(, $am)?),
            AluKind::Test => sized!($f, $size, 8 $(, $am)?),
        }
    };
}

/// Instantiates a memory form for the addressing shape of `$m` (see
/// `MemRef::shape`): `$inst!(SHAPE)` must name the function.
macro_rules! by_shape {
    ($m:expr, $inst:ident) => {
        match $m.shape() {
            AM_BASE => $inst!(1),
            AM_BASE_INDEX => $inst!(2),
            AM_ABS => $inst!(3),
            _ => $inst!(0),
        }
    };
}

const KINDS: [AluKind; 9] = [
    AluKind::Add,
    AluKind::Or,
    AluKind::Adc,
    AluKind::Sbb,
    AluKind::And,
    AluKind::Sub,
    AluKind::Xor,
    AluKind::Cmp,
    AluKind::Test,
];

/// Chooses a fast form for `i`, if it has one.
fn select(i: &Instruction, mode: Mode) -> Option<(OpFn, Uop)> {
    use Mnemonic::*;
    if i.has_lock_prefix() || i.has_rep_prefix() || i.has_repne_prefix() {
        return None;
    }
    let mut u = EMPTY;
    let k0 = i.op_count().checked_sub(1).map(|_| i.op0_kind());
    let k1 = if i.op_count() > 1 {
        Some(i.op1_kind())
    } else {
        None
    };
    let r0 = || gpr(i.op0_register());
    let r1 = || gpr(i.op1_register());
    let is_imm = |k: Option<OpKind>| {
        matches!(
            k,
            Some(
                OpKind::Immediate8
                    | OpKind::Immediate16
                    | OpKind::Immediate32
                    | OpKind::Immediate64
                    | OpKind::Immediate8to16
                    | OpKind::Immediate8to32
                    | OpKind::Immediate8to64
                    | OpKind::Immediate32to64
            )
        )
    };
    let stack = match mode {
        Mode::Bits32 => 4,
        Mode::Bits64 => 8,
    };
    let f: OpFn = match i.mnemonic() {
        Mov if i.op_count() == 2 => match (k0?, k1?) {
            (OpKind::Register, OpKind::Register) => {
                let ((a, s), (b, _)) = (r0()?, r1()?);
                u.r0 = a;
                u.r1 = b;
                u.body = body_id(B_MOV_RR, s);
                sized!(mov_rr, s)
            }
            (OpKind::Register, k) if is_imm(Some(k)) => {
                let (a, s) = r0()?;
                u.r0 = a;
                u.imm = i.immediate(1);
                u.body = body_id(B_MOV_RI, s);
                sized!(mov_ri, s)
            }
            (OpKind::Register, OpKind::Memory) => {
                let (a, s) = r0()?;
                u.r0 = a;
                u.mem = memref(i, mode)?;
                u.body = shaped_body_id(B_MOV_RM, &u.mem, s);
                macro_rules! inst {
                    ($am:expr) => {
                        sized!(mov_rm, s, $am)
                    };
                }
                by_shape!(u.mem, inst)
            }
            (OpKind::Memory, OpKind::Register) => {
                let (b, s) = r1()?;
                u.r1 = b;
                u.mem = memref(i, mode)?;
                u.body = shaped_body_id(B_MOV_MR, &u.mem, s);
                macro_rules! inst {
                    ($am:expr) => {
                        sized!(mov_mr, s, $am)
                    };
                }
                by_shape!(u.mem, inst)
            }
            (OpKind::Memory, k) if is_imm(Some(k)) => {
                u.imm = i.immediate(1);
                u.mem = memref(i, mode)?;
                let s = i.memory_size().size();
                u.body = base_body_id(B_MOV_MI, &u.mem, s as u32);
                macro_rules! inst {
                    ($am:expr) => {
                        sized!(mov_mi, s, $am)
                    };
                }
                by_shape!(u.mem, inst)
            }
            _ => return None,
        },
        Movzx | Movsx | Movsxd => {
            let (a, s) = r0()?;
            u.r0 = a;
            let src = match k1? {
                OpKind::Register => {
                    let (b, ss) = r1()?;
                    u.r1 = b;
                    ss
                }
                OpKind::Memory => {
                    u.mem = memref(i, mode)?;
                    u.cc = 1;
                    i.memory_size().size() as u32
                }
                _ => return None,
            };
            u.imm = src as u64;
            let signed = i.mnemonic() != Movzx;
            if !signed {
                u.body = match (u.cc, src) {
                    (1, 1) => shaped_body_id(B_EXT8_M, &u.mem, s),
                    (0, _) => body_id(B_EXT_R, s),
                    _ => B_NONE,
                };
            }
            if u.cc == 1 {
                macro_rules! inst {
                    ($am:expr) => {
                        match (signed, s, src) {
                            (false, 2, 1) => extend_m::<2, 1, false, $am> as OpFn,
                            (false, 4, 1) => extend_m::<4, 1, false, $am>,
                            (false, 4, 2) => extend_m::<4, 2, false, $am>,
                            (false, 8, 1) => extend_m::<8, 1, false, $am>,
                            (false, 8, 2) => extend_m::<8, 2, false, $am>,
                            (true, 2, 1) => extend_m::<2, 1, true, $am>,
                            (true, 4, 1) => extend_m::<4, 1, true, $am>,
                            (true, 4, 2) => extend_m::<4, 2, true, $am>,
                            (true, 8, 1) => extend_m::<8, 1, true, $am>,
                            (true, 8, 2) => extend_m::<8, 2, true, $am>,
                            (true, 8, 4) => extend_m::<8, 4, true, $am>,
                            _ => return None,
                        }
                    };
                }
                return Some((by_shape!(u.mem, inst), u));
            }
            match (signed, s) {
                (false, 2) => extend::<2, false> as OpFn,
                (false, 4) => extend::<4, false>,
                (false, 8) => extend::<8, false>,
                (true, 2) => extend::<2, true>,
                (true, 4) => extend::<4, true>,
                (true, 8) => extend::<8, true>,
                _ => return None,
            }
        }
        Lea => {
            let (a, s) = r0()?;
            if s < 4 {
                return None;
            }
            u.r0 = a;
            u.mem = memref(i, mode)?;
            u.mem.seg = 0;
            u.body = shaped_body_id(B_LEA, &u.mem, s);
            macro_rules! inst {
                ($am:expr) => {
                    if s == 4 {
                        lea::<4, $am> as OpFn
                    } else {
                        lea::<8, $am>
                    }
                };
            }
            by_shape!(u.mem, inst)
        }
        Add | Or | Adc | Sbb | And | Sub | Xor | Cmp | Test if i.op_count() == 2 => {
            let kind = AluKind::of(i.mnemonic());
            match (k0?, k1?) {
                (OpKind::Register, OpKind::Register) => {
                    let ((a, s), (b, _)) = (r0()?, r1()?);
                    u.r0 = a;
                    u.r1 = b;
                    u.body = match kind {
                        AluKind::Add => body_id(B_ADD_RR, s),
                        AluKind::Sub => body_id(B_SUB_RR, s),
                        AluKind::Xor => body_id(B_XOR_RR, s),
                        _ => B_NONE,
                    };
                    alu_sized!(alu_rr, s, kind)
                }
                (OpKind::Register, k) if is_imm(Some(k)) => {
                    let (a, s) = r0()?;
                    u.r0 = a;
                    u.imm = i.immediate(1) & mask(s);
                    u.body = match kind {
                        AluKind::Add => body_id(B_ADD_RI, s),
                        AluKind::Sub => body_id(B_SUB_RI, s),
                        AluKind::And => body_id(B_AND_RI, s),
                        _ => B_NONE,
                    };
                    alu_sized!(alu_ri, s, kind)
                }
                (OpKind::Register, OpKind::Memory) => {
                    let (a, s) = r0()?;
                    u.r0 = a;
                    u.mem = memref(i, mode)?;
                    macro_rules! inst {
                        ($am:expr) => {
                            alu_sized!(alu_rm, s, kind, $am)
                        };
                    }
                    by_shape!(u.mem, inst)
                }
                (OpKind::Memory, OpKind::Register) => {
                    let (b, s) = r1()?;
                    u.r1 = b;
                    u.mem = memref(i, mode)?;
                    macro_rules! inst {
                        ($am:expr) => {
                            alu_sized!(alu_mr, s, kind, $am)
                        };
                    }
                    by_shape!(u.mem, inst)
                }
                (OpKind::Memory, k) if is_imm(Some(k)) => {
                    let s = i.memory_size().size() as u32;
                    u.imm = i.immediate(1) & mask(s);
                    u.mem = memref(i, mode)?;
                    macro_rules! inst {
                        ($am:expr) => {
                            alu_sized!(alu_mi, s, kind, $am)
                        };
                    }
                    by_shape!(u.mem, inst)
                }
                _ => return None,
            }
        }
        Inc | Dec if k0? == OpKind::Register => {
            let (a, s) = r0()?;
            u.r0 = a;
            if i.mnemonic() == Inc {
                sized!(incdec_r, s, true)
            } else {
                sized!(incdec_r, s, false)
            }
        }
        Push if i.stack_pointer_increment() == -(stack as i32) => {
            match k0? {
                OpKind::Register => {
                    let (a, s) = r0()?;
                    if s != stack {
                        return None;
                    }
                    u.r0 = a;
                }
                k if is_imm(Some(k)) => {
                    u.imm = i.immediate(0);
                    u.cc = 1;
                }
                OpKind::Memory => {
                    if i.memory_size().size() != stack as usize {
                        return None;
                    }
                    u.mem = memref(i, mode)?;
                    return Some((if stack == 4 { push_m::<4> } else { push_m::<8> }, u));
                }
                _ => return None,
            }
            u.body = body_id(B_PUSH, stack);
            if stack == 4 {
                push::<4>
            } else {
                push::<8>
            }
        }
        Pop if k0? == OpKind::Register && i.stack_pointer_increment() == stack as i32 => {
            let (a, s) = r0()?;
            if s != stack || a == 4 {
                return None;
            }
            u.r0 = a;
            u.body = body_id(B_POP, stack);
            if stack == 4 {
                pop::<4>
            } else {
                pop::<8>
            }
        }
        Jmp if matches!(k0?, OpKind::NearBranch32 | OpKind::NearBranch64) => {
            u.imm = i.near_branch_target();
            jmp
        }
        // Indirect jumps and calls (PLT stubs, interpreter dispatch, vtables).
        Jmp | Call if matches!(k0?, OpKind::Register | OpKind::Memory) => {
            let call = i.mnemonic() == Call;
            if call && i.stack_pointer_increment() != -(stack as i32) {
                return None;
            }
            if k0? == OpKind::Register {
                let (a, s) = r0()?;
                if s != stack {
                    return None;
                }
                u.r0 = a;
            } else {
                if i.memory_size().size() != stack as usize {
                    return None;
                }
                u.mem = memref(i, mode)?;
                u.cc = 1;
            }
            match (call, stack) {
                (false, 4) => indirect::<4, false>,
                (false, _) => indirect::<8, false>,
                (true, 4) => indirect::<4, true>,
                (true, _) => indirect::<8, true>,
            }
        }
        Jo | Jno | Jb | Jae | Je | Jne | Jbe | Ja | Js | Jns | Jp | Jnp | Jl | Jge | Jle | Jg
            if matches!(k0?, OpKind::NearBranch32 | OpKind::NearBranch64) =>
        {
            u.imm = i.near_branch_target();
            by_cc!(jcc, (i.condition_code() as u8).wrapping_sub(1))
        }
        Call if matches!(k0?, OpKind::NearBranch32 | OpKind::NearBranch64) => {
            if i.stack_pointer_increment() != -(stack as i32) {
                return None;
            }
            u.imm = i.near_branch_target();
            if stack == 4 {
                call::<4>
            } else {
                call::<8>
            }
        }
        Ret if i.op_count() == 0 && i.stack_pointer_increment() == stack as i32 => {
            if stack == 4 {
                ret::<4>
            } else {
                ret::<8>
            }
        }
        Cmovo | Cmovno | Cmovb | Cmovae | Cmove | Cmovne | Cmovbe | Cmova | Cmovs | Cmovns
        | Cmovp | Cmovnp | Cmovl | Cmovge | Cmovle | Cmovg
            if k1? == OpKind::Register =>
        {
            let ((a, s), (b, _)) = (r0()?, r1()?);
            u.r0 = a;
            u.r1 = b;
            let cc = (i.condition_code() as u8).wrapping_sub(1);
            match s {
                2 => by_cc!(cmov_rr, cc, 2),
                4 => by_cc!(cmov_rr, cc, 4),
                _ => by_cc!(cmov_rr, cc, 8),
            }
        }
        Seto | Setno | Setb | Setae | Sete | Setne | Setbe | Seta | Sets | Setns | Setp | Setnp
        | Setl | Setge | Setle | Setg
            if k0? == OpKind::Register =>
        {
            let (a, _) = r0()?;
            u.r0 = a;
            u.cc = (i.condition_code() as u8).wrapping_sub(1);
            setcc_r
        }
        Shl | Sal | Shr | Sar if k0? == OpKind::Memory => {
            let s = i.memory_size().size() as u32;
            u.mem = memref(i, mode)?;
            shift_count_operand(i, 1, &mut u)?;
            match i.mnemonic() {
                Shr => sized!(shift_m, s, 1),
                Sar => sized!(shift_m, s, 2),
                _ => sized!(shift_m, s, 0),
            }
        }
        Shl | Sal | Shr | Sar if k0? == OpKind::Register => {
            let (a, s) = r0()?;
            u.r0 = a;
            let kind = match i.mnemonic() {
                Shr => 1,
                Sar => 2,
                _ => 0,
            };
            shift_count_operand(i, 1, &mut u)?;
            u.body = match kind {
                0 => body_id(B_SHL_R, s),
                1 => body_id(B_SHR_R, s),
                _ => B_NONE,
            };
            match kind {
                0 => sized!(shift_r, s, 0),
                1 => sized!(shift_r, s, 1),
                _ => sized!(shift_r, s, 2),
            }
        }
        Imul if i.op_count() >= 2 => {
            let (a, s) = r0()?;
            if s < 2 {
                return None;
            }
            u.r0 = a;
            let three = i.op_count() == 3;
            match k1? {
                OpKind::Register => u.r1 = r1()?.0,
                OpKind::Memory => {
                    u.mem = memref(i, mode)?;
                    u.cc = 1;
                }
                _ => return None,
            }
            if three {
                u.imm = i.immediate(2) & mask(s);
            }
            match (s, three) {
                (2, false) => imul2::<2, false>,
                (4, false) => imul2::<4, false>,
                (8, false) => imul2::<8, false>,
                (2, true) => imul2::<2, true>,
                (4, true) => imul2::<4, true>,
                _ => imul2::<8, true>,
            }
        }
        Mul | Imul | Div | Idiv => {
            let s = rm_operand(i, mode, &mut u)?;
            if s < 2 {
                return None;
            }
            match i.mnemonic() {
                Mul => sized!(muldiv1, s, 0),
                Imul => sized!(muldiv1, s, 1),
                Div => sized!(muldiv1, s, 2),
                _ => sized!(muldiv1, s, 3),
            }
        }
        Cwde => widen_acc::<4>,
        Cdqe => widen_acc::<8>,
        Cdq => sign_to_rdx::<4>,
        Cqo => sign_to_rdx::<8>,
        Neg | Not if k0? == OpKind::Register => {
            let (a, s) = r0()?;
            u.r0 = a;
            if i.mnemonic() == Neg {
                sized!(negnot_r, s, true)
            } else {
                sized!(negnot_r, s, false)
            }
        }
        Rol | Ror if k0? == OpKind::Register => {
            let (a, s) = r0()?;
            u.r0 = a;
            shift_count_operand(i, 1, &mut u)?;
            if i.mnemonic() == Rol {
                sized!(rotate_r, s, true)
            } else {
                sized!(rotate_r, s, false)
            }
        }
        Nop => nop,
        _ => return wide::select(i, mode),
    };
    Some((f, u))
}

/// Runs the op after `op` in its block (threaded dispatch: each handler
/// jumps to the next one itself, so every handler has its own, separately
/// predicted indirect branch). A block whose last instruction does not end
/// it (a branch, a system call...) has a terminator op after it, so the
/// next op always exists for an op that runs it.
#[inline(always)]
fn next(ex: &mut Exec, op: &Op) {
    // SAFETY: `op` is an element of a block's op vector, and only the
    // terminator or an op that ends its block (neither calls `next`) is
    // last.
    let n = unsafe { &*(op as *const Op).add(1) };
    (n.run)(ex, n)
}

/// Records that `op` failed (the interpreter derives the guest rip from it).
#[cold]
#[inline(never)]
fn fail(ex: &mut Exec, op: &Op, e: Exit) {
    ex.cur = op as *const Op;
    ex.exit = e;
}

/// `fail` with a guest memory fault, its parts in registers (an `Exit`
/// argument lives in memory, and the stack frame for it was set up on
/// every op's way through, not just on the failing one).
#[cold]
#[inline(never)]
fn fail_fault(ex: &mut Exec, op: &Op, addr: u64, signo_code: u64) {
    let f = mem::Fault {
        addr,
        signo: signo_code as u32 as i32,
        code: (signo_code >> 32) as u32 as i32,
    };
    fail(ex, op, Exit::Fault(f))
}

/// What a failed step of an op hands to `fail`.
trait Failure {
    fn fail(self, ex: &mut Exec, op: &Op);
}

impl Failure for mem::Fault {
    #[inline(always)]
    fn fail(self, ex: &mut Exec, op: &Op) {
        let signo_code = self.signo as u32 as u64 | (self.code as u32 as u64) << 32;
        fail_fault(ex, op, self.addr, signo_code)
    }
}

impl Failure for mem::StoreFailed {
    #[inline(always)]
    fn fail(self, ex: &mut Exec, op: &Op) {
        fail_store(ex, op)
    }
}

/// `fail` with the fault of the store that just failed.
#[cold]
#[inline(never)]
fn fail_store(ex: &mut Exec, op: &Op) {
    fail(ex, op, Exit::Fault(mem::stored_fault()))
}

impl Failure for Exit {
    #[inline(always)]
    fn fail(self, ex: &mut Exec, op: &Op) {
        fail(ex, op, self)
    }
}

/// Blocks run back to back through links before control returns to the
/// interpreter loop (the interrupt flag is polled before each of them
/// anyway). Every handler reaches the next op by a jump, so a chain does
/// not grow the host stack; the budget only bounds what a handler that
/// made a real call would cost. At 64 the loop's work on return took 2% of
/// bash's time.
pub const CHAIN_BUDGET: u32 = 4096;

/// Continues at `target`, the `slot` target of branch `op`: straight into
/// the block there when it is linked (and the chain budget lasts), else
/// back to the interpreter loop, which links it.
#[inline(always)]
fn goto(ex: &mut Exec, op: &Op, slot: usize, target: u64) {
    let l = op.links[slot].get();
    enter(ex, op, slot as u8, target, l)
}

/// Entries in the return-prediction stack.
const RET_SLOTS: usize = 64;

/// Return prediction: the return addresses of the calls made last, each
/// with the first op of the block there when the call knew it, else with
/// the (direct) call op, whose link slot 1 caches that op once a return
/// found it. A `ret` to the address on top continues there directly.
/// Entries are only hints (checked against the address popped); the block
/// cache clears them whenever it drops a block.
pub struct RetStack {
    top: usize,
    entries: [RetEntry; RET_SLOTS],
}

/// A return address with the block there (`first`) or the call that links
/// it (`call`); both null for an indirect call.
#[derive(Clone, Copy)]
struct RetEntry {
    addr: u64,
    first: *const Op,
    call: *const Op,
}

const NO_RET: RetEntry = RetEntry {
    addr: 0,
    first: std::ptr::null(),
    call: std::ptr::null(),
};

impl Default for RetStack {
    fn default() -> Self {
        RetStack {
            top: 0,
            entries: [NO_RET; RET_SLOTS],
        }
    }
}

impl RetStack {
    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.fill(NO_RET);
    }
}

/// Records a call (`op` is null for an indirect one) returning to `addr`.
#[inline(always)]
fn note_call(ex: &mut Exec, op: *const Op, addr: u64) {
    // SAFETY: `rets` is the cache's stack, or null; a non-null `op` is the
    // running call op.
    if let Some(rs) = unsafe { ex.rets.as_mut() } {
        let first = if op.is_null() {
            std::ptr::null()
        } else {
            unsafe { &*op }.links[1].get()
        };
        rs.top = (rs.top + 1) % RET_SLOTS;
        rs.entries[rs.top] = RetEntry {
            addr,
            first,
            call: op,
        };
    }
}

/// The first op of the block a `ret` to `target` continues at, if the
/// return-prediction stack has it; null otherwise.
#[inline(always)]
fn predicted_return(ex: &mut Exec, target: u64) -> *const Op {
    // SAFETY: as in `note_call`.
    let Some(rs) = (unsafe { ex.rets.as_mut() }) else {
        return std::ptr::null();
    };
    let e = rs.entries[rs.top % RET_SLOTS];
    if e.addr != target {
        return std::ptr::null();
    }
    // Popped even for an indirect call (no op to follow), so that the
    // stack stays in step with the guest's.
    rs.top = (rs.top + RET_SLOTS - 1) % RET_SLOTS;
    if !e.first.is_null() {
        return e.first;
    }
    if e.call.is_null() {
        return std::ptr::null();
    }
    // SAFETY: entries name ops of live blocks (cleared before any block is
    // dropped).
    let call = unsafe { &*e.call };
    let l = call.links[1].get();
    if !l.is_null() {
        return l;
    }
    let l = recent_first(ex, target);
    call.links[1].set(l);
    l
}

/// The link slot that asks the interpreter loop to cache an indirect
/// branch's target (see `Op::links`).
pub const INDIRECT: u8 = 2;

/// Continues at `target`, reached by indirect branch `op`: straight into the
/// block there if it is the one cached, else back to the interpreter loop,
/// which caches it.
#[inline(always)]
fn goto_indirect(ex: &mut Exec, op: &Op, target: u64) {
    if op.links[1].get().addr() as u64 == target {
        return enter(ex, op, INDIRECT, target, op.links[0].get());
    }
    goto_indirect_miss(ex, op, target)
}

/// `goto_indirect` when the target is not the one cached. Reached by a
/// jump: as a call, it made every ret and indirect branch save and restore
/// registers on their way through.
#[inline(never)]
fn goto_indirect_miss(ex: &mut Exec, op: &Op, target: u64) {
    let l = recent_block(ex, op, target);
    enter(ex, op, INDIRECT, target, l)
}

/// The first op of the block at `target` if the cache's table of recent
/// blocks has it (then it also becomes `op`'s cached target), else null.
#[inline(always)]
fn recent_block(ex: &Exec, op: &Op, target: u64) -> *const Op {
    let first = recent_first(ex, target);
    if !first.is_null() {
        op.links[0].set(first);
        op.links[1].set(std::ptr::without_provenance(target as usize));
    }
    first
}

/// The first op of the block at `target` if the cache's table of recent
/// blocks has it, else null.
#[inline(always)]
fn recent_first(ex: &Exec, target: u64) -> *const Op {
    if ex.recent.is_null() {
        return std::ptr::null();
    }
    // SAFETY: `recent` points at the cache's table (FAST_SLOTS entries,
    // never moved); a non-null entry's block is alive.
    let e = unsafe { &*ex.recent.add(crate::decode::fast_slot(target)) };
    if e.addr != target {
        return std::ptr::null();
    }
    e.first
}

/// Runs the block at `target` from its first op `l` (null when not known
/// yet: then `op` asks the loop to link `slot`).
#[inline(always)]
fn enter(ex: &mut Exec, op: &Op, slot: u8, target: u64, l: *const Op) {
    // Another thread may have changed code or sent a signal: the interrupt
    // flag is polled before each block, chained or not.
    if !l.is_null() && ex.budget != 0 && !ex.interrupted() {
        ex.budget -= 1;
        // SAFETY: links point at the first op of a block owned by the
        // cache; they are reset before any block is dropped. (`ex.next` is
        // set by whatever op ends the chain.)
        let n = unsafe { &*l };
        return (n.run)(ex, n);
    }
    ex.next = target;
    ex.link_from = op as *const Op;
    ex.link_slot = slot;
}

/// Unwraps a guest memory access, or fails the op with its fault.
macro_rules! tryf {
    ($ex:ident, $op:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => return $crate::fast::Failure::fail(f, $ex, $op),
        }
    };
}

/// An S-byte source: memory when `cc` is 1 (failing the op on a fault),
/// else register `$reg`.
macro_rules! reg_or_mem {
    ($ex:ident, $op:ident, $s:expr, $reg:expr) => {
        if $op.uop.cc == 1 {
            tryf!(
                $ex,
                $op,
                mem::read(ea::<AM_ANY>(&$ex.cpu, &$op.uop.mem), $s)
            )
        } else {
            get::<$s>(&$ex.cpu, $reg)
        }
    };
}

/// The op after a block's last instruction when that is not a branch: the
/// guest continues at the block's end.
pub(crate) fn terminator(ex: &mut Exec, op: &Op) {
    ex.next = op.next;
}

/// The generic handler on the iced instruction. `ex.next` is this
/// instruction's successor while it runs (branches and `syscall` read or
/// change it).
fn run_generic(ex: &mut Exec, op: &Op) {
    if generic_ok(ex, op) {
        next(ex, op)
    }
}

/// The generic handler of an instruction that ends its block (a branch,
/// a system call, ...): the guest continues at `ex.next`.
fn run_generic_end(ex: &mut Exec, op: &Op) {
    generic_ok(ex, op);
}

/// Runs `op`'s generic handler; false when it failed. Its result stays in
/// this frame, so that `run_generic` reaches the next op by a jump, not a
/// call that would grow the host stack with every generic op of a chain.
#[inline(never)]
fn generic_ok(ex: &mut Exec, op: &Op) -> bool {
    ex.next = op.next;
    let slow = op.slow();
    match (slow.generic)(ex, &slow.insn) {
        Ok(()) => true,
        Err(e) => {
            fail(ex, op, e);
            false
        }
    }
}

/// Chooses the fused form of `prev` (cmp/test) and `jcc`; see `Op::fuse`.
fn select_fused(prev: &Instruction, jcc: &Instruction, mode: Mode) -> Option<(OpFn, Uop)> {
    use Mnemonic::*;
    let kind = match prev.mnemonic() {
        Cmp => 7u8,
        Test => 8,
        Add => 0,
        Or => 1,
        And => 4,
        Sub => 5,
        Xor => 6,
        _ => return None,
    };
    if !matches!(
        jcc.op0_kind(),
        OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
    ) || jcc.op0_kind() == OpKind::NearBranch16
        || !matches!(
            jcc.mnemonic(),
            Jo | Jno | Jb | Jae | Je | Jne | Jbe | Ja | Js | Jns | Jp | Jnp | Jl | Jge | Jle | Jg
        )
    {
        return None;
    }
    let (_, mut u) = select(prev, mode)?;
    // Not a pair's body any more (add and sub of an immediate are).
    u.body = B_NONE;
    if prev.op_count() != 2 {
        return None;
    }
    let mem_first = prev.op0_kind() == OpKind::Memory;
    let s = match prev.op0_kind() {
        OpKind::Register => gpr(prev.op0_register())?.1,
        OpKind::Memory => prev.memory_size().size() as u32,
        _ => return None,
    };
    if !matches!(s, 1 | 4 | 8) {
        return None;
    }
    // An ALU op that writes its result is fused when that is a register
    // of 32 or 64 bits (its forms 0 to 2).
    if kind < 7 && (s == 1 || mem_first) {
        return None;
    }
    let target = jcc.near_branch_target();
    let form = match prev.op1_kind() {
        OpKind::Register if mem_first => {
            u.imm = target;
            3u8
        }
        _ if mem_first => {
            u.imm32 = u.imm as u32;
            u.imm = target;
            4
        }
        OpKind::Register => {
            u.imm = target;
            0
        }
        OpKind::Memory => {
            u.imm = target;
            2
        }
        _ => {
            u.mem.disp = target;
            1
        }
    };
    let cc = (jcc.condition_code() as u8).wrapping_sub(1);
    // Memory operands of the base + disp shape have their own instances.
    let base_disp = form >= 2 && u.mem.shape() == AM_BASE;
    macro_rules! f {
        ($s:literal, $k:literal, $f:literal) => {
            if base_disp {
                by_cc!(fused_jcc, cc, $s, $k, $f, AM_BASE)
            } else {
                by_cc!(fused_jcc, cc, $s, $k, $f, AM_ANY)
            }
        };
    }
    macro_rules! forms {
        ($s:literal, $k:literal) => {
            match form {
                0 => f!($s, $k, 0),
                1 => f!($s, $k, 1),
                2 => f!($s, $k, 2),
                3 => f!($s, $k, 3),
                _ => f!($s, $k, 4),
            }
        };
    }
    macro_rules! reg_forms {
        ($s:literal, $k:literal) => {
            match form {
                0 => f!($s, $k, 0),
                1 => f!($s, $k, 1),
                _ => f!($s, $k, 2),
            }
        };
    }
    Some((
        match (s, kind) {
            (1, 7) => forms!(1, 7),
            (1, _) => forms!(1, 8),
            (4, 7) => forms!(4, 7),
            (4, 8) => forms!(4, 8),
            (4, 0) => reg_forms!(4, 0),
            (4, 1) => reg_forms!(4, 1),
            (4, 4) => reg_forms!(4, 4),
            (4, 5) => reg_forms!(4, 5),
            (4, _) => reg_forms!(4, 6),
            (_, 7) => forms!(8, 7),
            (_, 8) => forms!(8, 8),
            (_, 0) => reg_forms!(8, 0),
            (_, 1) => reg_forms!(8, 1),
            (_, 4) => reg_forms!(8, 4),
            (_, 5) => reg_forms!(8, 5),
            (_, _) => reg_forms!(8, 6),
        },
        u,
    ))
}

/// cmp/test (K) of register r0 with r1 (F = 0), an immediate (F = 1) or
/// memory (F = 2), or of memory with r1 (F = 3) or an immediate (F = 4,
/// in `imm32`), then a jump on condition CC to the target (in `imm`, or
/// in `mem.disp` for F = 1). The flags are recorded as the compare leaves
/// them. K may also be add, or, and, sub or xor with F below 3: the result
/// goes to r0. AM is the shape of the memory operand (AM_BASE or AM_ANY).
fn fused_jcc<const CC: u8, const S: u32, const K: u8, const F: u8, const AM: u8>(
    ex: &mut Exec,
    op: &Op,
) {
    let a = if F >= 3 {
        tryf!(ex, op, mem::read(ea::<AM>(&ex.cpu, &op.uop.mem), S))
    } else {
        get::<S>(&ex.cpu, op.uop.r0)
    };
    let (b, target) = match F {
        0 | 3 => (get::<S>(&ex.cpu, op.uop.r1), op.uop.imm),
        1 => (op.uop.imm, op.uop.mem.disp),
        2 => (
            tryf!(ex, op, mem::read(ea::<AM>(&ex.cpu, &op.uop.mem), S)),
            op.uop.imm,
        ),
        _ => {
            // Sign-extended to 64 bits as the instruction does; the
            // narrower immediates were stored at their width.
            let b = if S == 8 {
                op.uop.imm32 as i32 as i64 as u64
            } else {
                op.uop.imm32 as u64
            };
            (b, op.uop.imm)
        }
    };
    if let Some(r) = alu::<S, K>(&mut ex.cpu, a, b) {
        set::<S>(&mut ex.cpu, op.uop.r0, r);
    }
    if ex.cpu.flags.cond(CC) {
        goto(ex, op, 0, target)
    } else {
        goto(ex, op, 1, op.next)
    }
}

/// shl/shr/sar of a register by an immediate (imm) or by cl (cc == 1).
fn shift_r<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) {
    shift_r_b::<S, K>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn shift_r_b<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) -> bool {
    let count = shift_count::<S>(ex, op);
    let a = get::<S>(&ex.cpu, op.uop.r0);
    if count == 0 {
        // No flags change; a 32-bit register is still written (zero-extended).
        set::<S>(&mut ex.cpu, op.uop.r0, a);
        return true;
    }
    let kind = [ShiftKind::Shl, ShiftKind::Shr, ShiftKind::Sar][K as usize];
    let (res, cf, of) = shift_compute(kind, a, count, S);
    set::<S>(&mut ex.cpu, op.uop.r0, res);
    ex.cpu.flags.set_shift(S, res, cf != 0, of != 0);
    true
}

/// shl/shr/sar of memory; a zero count changes nothing.
fn shift_m<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) {
    let count = shift_count::<S>(ex, op);
    let addr = ea::<AM_ANY>(&ex.cpu, &op.uop.mem);
    let a = tryf!(ex, op, mem::read(addr, S));
    if count != 0 {
        let kind = [ShiftKind::Shl, ShiftKind::Shr, ShiftKind::Sar][K as usize];
        let (res, cf, of) = shift_compute(kind, a, count, S);
        tryf!(ex, op, mem::store(addr, S, res));
        ex.cpu.flags.set_shift(S, res, cf != 0, of != 0);
    }
    next(ex, op)
}

fn nop(ex: &mut Exec, op: &Op) {
    next(ex, op)
}

/// Pushes an S-byte value; the fast forms push at the mode's stack width,
/// so S = 4 means 32-bit mode (the stack pointer wraps at 4 GiB).
#[inline(always)]
fn push_s<const S: u32>(cpu: &mut CpuState, v: u64) -> Result<(), mem::StoreFailed> {
    let sp = cpu.gpr[4].wrapping_sub(S as u64) & mask(S);
    mem::store(sp, S, v)?;
    cpu.gpr[4] = sp;
    Ok(())
}

/// Pops an S-byte value (see `push_s`).
#[inline(always)]
fn pop_s<const S: u32>(cpu: &mut CpuState) -> Result<u64, mem::Fault> {
    let sp = cpu.gpr[4] & mask(S);
    let v = mem::read(sp, S)?;
    cpu.gpr[4] = sp.wrapping_add(S as u64) & mask(S);
    Ok(v)
}

#[inline(always)]
fn set<const S: u32>(cpu: &mut CpuState, r: u8, v: u64) {
    if S == 1 && r & HIGH != 0 {
        let g = &mut cpu.gpr[r as usize & 3];
        store_whole(g, (*g & !0xff00) | ((v & 0xff) << 8));
        return;
    }
    let g = reg_mut(cpu, r);
    match S {
        1 => store_whole(g, (*g & !0xff) | (v & 0xff)),
        2 => store_whole(g, (*g & !0xffff) | (v & 0xffff)),
        4 => *g = v & 0xffff_ffff,
        _ => *g = v,
    }
}

/// Writes all 8 bytes of a guest register that an 8- or 16-bit op
/// changed. LLVM would store just the bytes that change, and a later read
/// of the whole register could then not take its value from that store (a
/// stall of a few dozen cycles); a volatile store is not narrowed.
#[inline(always)]
fn store_whole(g: &mut u64, v: u64) {
    // SAFETY: `g` is a valid, exclusive reference.
    unsafe { std::ptr::write_volatile(g, v) }
}

#[inline(always)]
fn get<const S: u32>(cpu: &CpuState, r: u8) -> u64 {
    if S == 1 && r & HIGH != 0 {
        return (cpu.gpr[r as usize & 3] >> 8) & 0xff;
    }
    reg(cpu, r) & mask(S)
}

// The forms that can also run in pairs (see `pair`) have their work in a
// body, which returns false when the op failed.

/// Unwraps a guest memory access in a body, or fails the op with its fault.
macro_rules! tryb {
    ($ex:ident, $op:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(f) => {
                $crate::fast::Failure::fail(f, $ex, $op);
                return false;
            }
        }
    };
}

#[inline(always)]
fn mov_rr_b<const S: u32>(ex: &mut Exec, op: &Op) -> bool {
    let v = get::<S>(&ex.cpu, op.uop.r1);
    set::<S>(&mut ex.cpu, op.uop.r0, v);
    true
}

fn mov_rr<const S: u32>(ex: &mut Exec, op: &Op) {
    mov_rr_b::<S>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn mov_ri_b<const S: u32>(ex: &mut Exec, op: &Op) -> bool {
    set::<S>(&mut ex.cpu, op.uop.r0, op.uop.imm);
    true
}

fn mov_ri<const S: u32>(ex: &mut Exec, op: &Op) {
    mov_ri_b::<S>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn mov_rm_b<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) -> bool {
    let v = tryb!(ex, op, mem::read(ea::<AM>(&ex.cpu, &op.uop.mem), S));
    set::<S>(&mut ex.cpu, op.uop.r0, v);
    true
}

fn mov_rm<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) {
    if mov_rm_b::<S, AM>(ex, op) {
        next(ex, op)
    }
}

#[inline(always)]
fn mov_mr_b<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) -> bool {
    let v = get::<S>(&ex.cpu, op.uop.r1);
    tryb!(ex, op, mem::store(ea::<AM>(&ex.cpu, &op.uop.mem), S, v));
    true
}

fn mov_mr<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) {
    if mov_mr_b::<S, AM>(ex, op) {
        next(ex, op)
    }
}

fn mov_mi<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) {
    if mov_mi_b::<S, AM>(ex, op) {
        next(ex, op)
    }
}

#[inline(always)]
fn mov_mi_b<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) -> bool {
    tryb!(
        ex,
        op,
        mem::store(ea::<AM>(&ex.cpu, &op.uop.mem), S, op.uop.imm)
    );
    true
}

/// movzx/movsx/movsxd from a register into an S-byte register; `uop.imm`
/// is the source width.
fn extend<const S: u32, const SIGNED: bool>(ex: &mut Exec, op: &Op) {
    extend_b::<S, SIGNED>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn extend_b<const S: u32, const SIGNED: bool>(ex: &mut Exec, op: &Op) -> bool {
    let src = op.uop.imm as u32;
    let v = if src == 1 {
        get::<1>(&ex.cpu, op.uop.r1)
    } else {
        reg(&ex.cpu, op.uop.r1) & mask(src)
    };
    let v = if SIGNED {
        crate::ops::shift::sign_extend(v, src)
    } else {
        v
    };
    set::<S>(&mut ex.cpu, op.uop.r0, v & mask(S));
    true
}

/// movzx/movsx/movsxd of SRC bytes of memory into an S-byte register.
fn extend_m<const S: u32, const SRC: u32, const SIGNED: bool, const AM: u8>(
    ex: &mut Exec,
    op: &Op,
) {
    if extend_m_b::<S, SRC, SIGNED, AM>(ex, op) {
        next(ex, op)
    }
}

#[inline(always)]
fn extend_m_b<const S: u32, const SRC: u32, const SIGNED: bool, const AM: u8>(
    ex: &mut Exec,
    op: &Op,
) -> bool {
    let v = tryb!(ex, op, mem::read(ea::<AM>(&ex.cpu, &op.uop.mem), SRC));
    let v = if SIGNED {
        crate::ops::shift::sign_extend(v, SRC)
    } else {
        v
    };
    set::<S>(&mut ex.cpu, op.uop.r0, v & mask(S));
    true
}

/// lea: the address sum without a segment base, at address size, then
/// truncated to the destination.
fn lea<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) {
    lea_b::<S, AM>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn lea_b<const S: u32, const AM: u8>(ex: &mut Exec, op: &Op) -> bool {
    let m = &op.uop.mem;
    let a = if AM == AM_ANY {
        let mut a = m.disp;
        if m.base != NONE {
            a = a.wrapping_add(reg(&ex.cpu, m.base));
        }
        if m.index != NONE {
            a = a.wrapping_add(reg(&ex.cpu, m.index) << m.scale);
        }
        a & m.amask()
    } else {
        ea::<AM>(&ex.cpu, m)
    };
    set::<S>(&mut ex.cpu, op.uop.r0, a & mask(S));
    true
}

#[inline(always)]
fn alu<const S: u32, const K: u8>(cpu: &mut CpuState, a: u64, b: u64) -> Option<u64> {
    let kind = KINDS[K as usize];
    let cin = if matches!(kind, AluKind::Adc | AluKind::Sbb) {
        cpu.flags.cf() as u64
    } else {
        0
    };
    let (res, fop) = alu_compute(kind, a, b, cin, S);
    cpu.flags.set_lazy(fop, S, a, b, res);
    kind.writes().then_some(res)
}

fn alu_rr<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) {
    alu_rr_b::<S, K>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn alu_rr_b<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) -> bool {
    let (a, b) = (get::<S>(&ex.cpu, op.uop.r0), get::<S>(&ex.cpu, op.uop.r1));
    if let Some(r) = alu::<S, K>(&mut ex.cpu, a, b) {
        set::<S>(&mut ex.cpu, op.uop.r0, r);
    }
    true
}

fn alu_ri<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) {
    alu_ri_b::<S, K>(ex, op);
    next(ex, op)
}

#[inline(always)]
fn alu_ri_b<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) -> bool {
    let a = get::<S>(&ex.cpu, op.uop.r0);
    if let Some(r) = alu::<S, K>(&mut ex.cpu, a, op.uop.imm) {
        set::<S>(&mut ex.cpu, op.uop.r0, r);
    }
    true
}

fn alu_rm<const S: u32, const K: u8, const AM: u8>(ex: &mut Exec, op: &Op) {
    let a = get::<S>(&ex.cpu, op.uop.r0);
    let b = tryf!(ex, op, mem::read(ea::<AM>(&ex.cpu, &op.uop.mem), S));
    if let Some(r) = alu::<S, K>(&mut ex.cpu, a, b) {
        set::<S>(&mut ex.cpu, op.uop.r0, r);
    }
    next(ex, op)
}

/// ALU with a memory destination: the store happens before the flags
/// change, so a faulting store leaves the state as it was.
#[inline(always)]
fn alu_mem<const S: u32, const K: u8, const AM: u8>(ex: &mut Exec, op: &Op, b: u64) {
    let addr = ea::<AM>(&ex.cpu, &op.uop.mem);
    let a = tryf!(ex, op, mem::read(addr, S));
    let kind = KINDS[K as usize];
    let cin = if matches!(kind, AluKind::Adc | AluKind::Sbb) {
        ex.cpu.flags.cf() as u64
    } else {
        0
    };
    let (res, fop) = alu_compute(kind, a, b, cin, S);
    if kind.writes() {
        tryf!(ex, op, mem::store(addr, S, res));
    }
    ex.cpu.flags.set_lazy(fop, S, a, b, res);
    next(ex, op)
}

fn alu_mr<const S: u32, const K: u8, const AM: u8>(ex: &mut Exec, op: &Op) {
    let b = get::<S>(&ex.cpu, op.uop.r1);
    alu_mem::<S, K, AM>(ex, op, b)
}

fn alu_mi<const S: u32, const K: u8, const AM: u8>(ex: &mut Exec, op: &Op) {
    alu_mem::<S, K, AM>(ex, op, op.uop.imm)
}

fn incdec_r<const S: u32, const INC: bool>(ex: &mut Exec, op: &Op) {
    let a = get::<S>(&ex.cpu, op.uop.r0);
    let r = if INC {
        a.wrapping_add(1)
    } else {
        a.wrapping_sub(1)
    } & mask(S);
    ex.cpu.flags.set_incdec(INC, S, r);
    set::<S>(&mut ex.cpu, op.uop.r0, r);
    next(ex, op)
}

#[inline(always)]
fn push_b<const S: u32>(ex: &mut Exec, op: &Op) -> bool {
    let v = if op.uop.cc == 1 {
        op.uop.imm
    } else {
        reg(&ex.cpu, op.uop.r0)
    };
    tryb!(ex, op, push_s::<S>(&mut ex.cpu, v & mask(S)));
    true
}

fn push<const S: u32>(ex: &mut Exec, op: &Op) {
    if push_b::<S>(ex, op) {
        next(ex, op)
    }
}

#[inline(always)]
fn pop_b<const S: u32>(ex: &mut Exec, op: &Op) -> bool {
    let v = tryb!(ex, op, pop_s::<S>(&mut ex.cpu));
    set::<S>(&mut ex.cpu, op.uop.r0, v);
    true
}

fn pop<const S: u32>(ex: &mut Exec, op: &Op) {
    if pop_b::<S>(ex, op) {
        next(ex, op)
    }
}

// Pairs: two adjacent ops of frequent forms (moves, push/pop, lea, add/sub
// of an immediate) run as one op, with one dispatch instead of two. The
// second op stays in the block, so that a fault in it is its own.

/// Body ids (`Uop::body`); B_WIDE marks 8-byte operands.
const B_MOV_RM: u8 = 0; // + 0 base, + 1 base + index
const B_MOV_MR: u8 = 2; // + 0 base, + 1 base + index
const B_LEA: u8 = 4; // + 0 base, + 1 base + index
const B_MOV_RR: u8 = 6;
const B_MOV_RI: u8 = 7;
const B_PUSH: u8 = 8;
const B_POP: u8 = 9;
const B_ADD_RI: u8 = 10;
const B_SUB_RI: u8 = 11;
const B_EXT8_M: u8 = 12; // movzx of a byte: + 0 base, + 1 base + index
const B_EXT_R: u8 = 14; // movzx of a register
const B_SHL_R: u8 = 15;
const B_SHR_R: u8 = 16;
const B_ADD_RR: u8 = 17;
const B_XOR_RR: u8 = 18;
const B_SUB_RR: u8 = 19;
const B_AND_RI: u8 = 20;
const B_MOV_MI: u8 = 21; // base only
const B_WIDE: u8 = 0x40;
const B_NONE: u8 = 0xff;

/// The body id of form `id` with S-byte operands (only 4 and 8 pair).
fn body_id(id: u8, s: u32) -> u8 {
    match s {
        4 => id,
        8 => id | B_WIDE,
        _ => B_NONE,
    }
}

/// The body id of memory form `id` (base + disp or base + index only).
fn shaped_body_id(id: u8, m: &MemRef, s: u32) -> u8 {
    match m.shape() {
        AM_BASE => body_id(id, s),
        AM_BASE_INDEX => body_id(id + 1, s),
        _ => B_NONE,
    }
}

/// The body id of memory form `id` (base + disp only).
fn base_body_id(id: u8, m: &MemRef, s: u32) -> u8 {
    match m.shape() {
        AM_BASE => body_id(id, s),
        _ => B_NONE,
    }
}

/// Runs the body with id B of S-byte operands.
#[inline(always)]
fn body<const S: u32, const B: u8>(ex: &mut Exec, op: &Op) -> bool {
    match B {
        B_MOV_RM => mov_rm_b::<S, AM_BASE>(ex, op),
        1 => mov_rm_b::<S, AM_BASE_INDEX>(ex, op),
        B_MOV_MR => mov_mr_b::<S, AM_BASE>(ex, op),
        3 => mov_mr_b::<S, AM_BASE_INDEX>(ex, op),
        B_LEA => lea_b::<S, AM_BASE>(ex, op),
        5 => lea_b::<S, AM_BASE_INDEX>(ex, op),
        B_MOV_RR => mov_rr_b::<S>(ex, op),
        B_MOV_RI => mov_ri_b::<S>(ex, op),
        B_PUSH => push_b::<S>(ex, op),
        B_POP => pop_b::<S>(ex, op),
        B_ADD_RI => alu_ri_b::<S, 0>(ex, op),
        B_SUB_RI => alu_ri_b::<S, 5>(ex, op),
        B_EXT8_M => extend_m_b::<S, 1, false, AM_BASE>(ex, op),
        13 => extend_m_b::<S, 1, false, AM_BASE_INDEX>(ex, op),
        B_EXT_R => extend_b::<S, false>(ex, op),
        B_SHL_R => shift_r_b::<S, 0>(ex, op),
        B_SHR_R => shift_r_b::<S, 1>(ex, op),
        B_ADD_RR => alu_rr_b::<S, 0>(ex, op),
        B_XOR_RR => alu_rr_b::<S, 6>(ex, op),
        B_SUB_RR => alu_rr_b::<S, 5>(ex, op),
        B_AND_RI => alu_ri_b::<S, 4>(ex, op),
        B_MOV_MI => mov_mi_b::<S, AM_BASE>(ex, op),
        _ => unreachable!("body id {B}"),
    }
}

/// Runs `op` (body A) and the op after it (body B), then the op after those.
fn pair<const S: u32, const A: u8, const B: u8>(ex: &mut Exec, op: &Op) {
    if !body::<S, A>(ex, op) {
        return;
    }
    // SAFETY: a pair's first op is not its block's last (see `Op::pair`).
    let second = unsafe { &*(op as *const Op).add(1) };
    if body::<S, B>(ex, second) {
        next(ex, second)
    }
}

/// Calls `$m!($($arg,)* id)` with `$id` matched to a literal body id.
macro_rules! by_body {
    ($id:expr, $m:ident $(, $arg:tt)*) => {
        match $id {
            0 => $m!($($arg,)* 0),
            1 => $m!($($arg,)* 1),
            2 => $m!($($arg,)* 2),
            3 => $m!($($arg,)* 3),
            4 => $m!($($arg,)* 4),
            5 => $m!($($arg,)* 5),
            6 => $m!($($arg,)* 6),
            7 => $m!($($arg,)* 7),
            8 => $m!($($arg,)* 8),
            9 => $m!($($arg,)* 9),
            10 => $m!($($arg,)* 10),
            11 => $m!($($arg,)* 11),
            12 => $m!($($arg,)* 12),
            13 => $m!($($arg,)* 13),
            14 => $m!($($arg,)* 14),
            15 => $m!($($arg,)* 15),
            16 => $m!($($arg,)* 16),
            17 => $m!($($arg,)* 17),
            18 => $m!($($arg,)* 18),
            19 => $m!($($arg,)* 19),
            20 => $m!($($arg,)* 20),
            21 => $m!($($arg,)* 21),
            _ => return None,
        }
    };
}

impl Op {
    /// The runner of `first` and `second` (adjacent in a block) as a pair,
    /// if both have bodies of the same width.
    pub fn pair(first: &Op, second: &Op) -> Option<OpFn> {
        let (a, b) = (first.uop.body, second.uop.body);
        if a == B_NONE || b == B_NONE || (a ^ b) & B_WIDE != 0 {
            return None;
        }
        macro_rules! run {
            ($s:literal, $a:literal, $b:literal) => {
                pair::<$s, $a, $b> as OpFn
            };
        }
        macro_rules! second {
            ($s:literal, $a:literal) => {
                by_body!(b & !B_WIDE, run, $s, $a)
            };
        }
        Some(if a & B_WIDE != 0 {
            by_body!(a & !B_WIDE, second, 8)
        } else {
            by_body!(a & !B_WIDE, second, 4)
        })
    }
}

// Branches end their block: they set `ex.next` and return.

fn jmp(ex: &mut Exec, op: &Op) {
    goto(ex, op, 0, op.uop.imm)
}

/// jmp/call through a register (cc == 0) or memory (cc == 1).
fn indirect<const S: u32, const CALL: bool>(ex: &mut Exec, op: &Op) {
    let target = reg_or_mem!(ex, op, S, op.uop.r0);
    if CALL {
        tryf!(ex, op, push_s::<S>(&mut ex.cpu, op.next));
        note_call(ex, std::ptr::null(), op.next);
    }
    goto_indirect(ex, op, target)
}

fn jcc<const CC: u8>(ex: &mut Exec, op: &Op) {
    if ex.cpu.flags.cond(CC) {
        goto(ex, op, 0, op.uop.imm)
    } else {
        goto(ex, op, 1, op.next)
    }
}

fn call<const S: u32>(ex: &mut Exec, op: &Op) {
    tryf!(ex, op, push_s::<S>(&mut ex.cpu, op.next));
    note_call(ex, op, op.next);
    goto(ex, op, 0, op.uop.imm)
}

fn ret<const S: u32>(ex: &mut Exec, op: &Op) {
    let target = tryf!(ex, op, pop_s::<S>(&mut ex.cpu));
    let l = predicted_return(ex, target);
    if l.is_null() {
        goto_indirect(ex, op, target)
    } else {
        enter(ex, op, INDIRECT, target, l)
    }
}

fn cmov_rr<const CC: u8, const S: u32>(ex: &mut Exec, op: &Op) {
    let v = if ex.cpu.flags.cond(CC) {
        op.uop.r1
    } else {
        op.uop.r0
    };
    let v = get::<S>(&ex.cpu, v);
    // A 32-bit cmov writes (zero-extends) its destination either way.
    set::<S>(&mut ex.cpu, op.uop.r0, v);
    next(ex, op)
}

fn setcc_r(ex: &mut Exec, op: &Op) {
    let v = ex.cpu.flags.cond(op.uop.cc) as u64;
    set::<1>(&mut ex.cpu, op.uop.r0, v);
    next(ex, op)
}

/// Two- and three-operand imul: dest r0, source r1 (cc == 0) or memory
/// (cc == 1); with THREE the product is source * imm.
fn imul2<const S: u32, const THREE: bool>(ex: &mut Exec, op: &Op) {
    let src = reg_or_mem!(ex, op, S, op.uop.r1);
    let (a, b) = if THREE {
        (src, op.uop.imm)
    } else {
        (get::<S>(&ex.cpu, op.uop.r0), src)
    };
    let (low, overflow) = crate::ops::muldiv::imul_trunc(a, b, S);
    set::<S>(&mut ex.cpu, op.uop.r0, low);
    crate::ops::muldiv::set_mul_flags(&mut ex.cpu.flags, overflow);
    next(ex, op)
}

/// One-operand mul (K = 0), imul (1), div (2), idiv (3) of rdx:rax by r0
/// (cc == 0) or memory (cc == 1).
fn muldiv1<const S: u32, const K: u8>(ex: &mut Exec, op: &Op) {
    let src = reg_or_mem!(ex, op, S, op.uop.r0);
    let a = get::<S>(&ex.cpu, RAX as u8);
    if K < 2 {
        let (low, high, overflow) = crate::ops::muldiv::mul_wide(a, src, S, K == 1);
        set::<S>(&mut ex.cpu, RAX as u8, low);
        set::<S>(&mut ex.cpu, RDX as u8, high);
        crate::ops::muldiv::set_mul_flags(&mut ex.cpu.flags, overflow);
    } else {
        let hi = get::<S>(&ex.cpu, RDX as u8);
        let Some((q, r)) = crate::ops::muldiv::div_wide(a, hi, src, S, K == 3) else {
            return fail(ex, op, Exit::DivideError);
        };
        set::<S>(&mut ex.cpu, RAX as u8, q);
        set::<S>(&mut ex.cpu, RDX as u8, r);
        crate::ops::muldiv::set_div_flags(&mut ex.cpu.flags);
    }
    next(ex, op)
}

/// cwde/cdqe: the accumulator's low half sign-extended to S bytes.
fn widen_acc<const S: u32>(ex: &mut Exec, op: &Op) {
    let v = crate::ops::shift::sign_extend(ex.cpu.gpr[RAX] & mask(S / 2), S / 2);
    set::<S>(&mut ex.cpu, RAX as u8, v & mask(S));
    next(ex, op)
}

/// cdq/cqo: rdx filled with the sign of the S-byte accumulator.
fn sign_to_rdx<const S: u32>(ex: &mut Exec, op: &Op) {
    let neg = get::<S>(&ex.cpu, RAX as u8) >> (S * 8 - 1) != 0;
    set::<S>(&mut ex.cpu, RDX as u8, if neg { mask(S) } else { 0 });
    next(ex, op)
}

fn negnot_r<const S: u32, const NEG: bool>(ex: &mut Exec, op: &Op) {
    let a = get::<S>(&ex.cpu, op.uop.r0);
    if NEG {
        let r = a.wrapping_neg() & mask(S);
        ex.cpu.flags.set_lazy(crate::flags::FlagOp::Sub, S, 0, a, r);
        set::<S>(&mut ex.cpu, op.uop.r0, r);
    } else {
        set::<S>(&mut ex.cpu, op.uop.r0, !a & mask(S));
    }
    next(ex, op)
}

fn push_m<const S: u32>(ex: &mut Exec, op: &Op) {
    let v = tryf!(ex, op, mem::read(ea::<AM_ANY>(&ex.cpu, &op.uop.mem), S));
    tryf!(ex, op, push_s::<S>(&mut ex.cpu, v));
    next(ex, op)
}

/// rol/ror of a register by an immediate (imm) or by cl (cc == 1); the
/// flags are the generic rotate's.
fn rotate_r<const S: u32, const LEFT: bool>(ex: &mut Exec, op: &Op) {
    let count = shift_count::<S>(ex, op);
    let a = get::<S>(&ex.cpu, op.uop.r0);
    if count == 0 {
        set::<S>(&mut ex.cpu, op.uop.r0, a);
        return next(ex, op);
    }
    let (res, cf, of) = crate::ops::shift::rotate_compute(LEFT, a, count, S);
    set::<S>(&mut ex.cpu, op.uop.r0, res);
    let flags = ex.cpu.flags.get() & !(crate::flags::CF | crate::flags::OF);
    ex.cpu
        .flags
        .set(flags | ((cf as u32) * crate::flags::CF) | ((of as u32) * crate::flags::OF));
    next(ex, op)
}

mod wide;
