//! The interpreter: runs decoded blocks, dispatching each instruction to its
//! semantics in `ops/`, until something needs the operating-system layer
//! (a system call, a fault, an illegal instruction).

use crate::decode::{BlockCache, DecodeError};
use crate::mem::{self, Fault};
use crate::state::{CpuState, Mode};
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

/// Why the interpreter stopped. `cpu.rip` is at the instruction that caused
/// it, except for `Syscall` and `Breakpoint`, where it is past it (as the
/// kernel sees it).
#[derive(Clone, Copy, Debug)]
pub enum Exit {
    /// A system call instruction; rip is past it.
    Syscall(SyscallKind),
    /// A guest memory access faulted.
    Fault(Fault),
    /// Undecodable or unimplemented instruction (SIGILL).
    Illegal { addr: u64 },
    /// Divide error (SIGFPE, FPE_INTDIV).
    DivideError,
    /// `int3` (SIGTRAP).
    Breakpoint,
    /// General protection: privileged instruction, misaligned SSE access,
    /// software interrupt other than 0x80 (SIGSEGV with si_addr 0).
    GeneralProtection,
    /// A store hit a page holding decoded code (see `code.rs`); the page is
    /// writable again and its blocks are gone from this thread's cache. The
    /// OS layer invalidates them in the other threads; rip is at the store,
    /// which runs again.
    CodeWritten { page: u64 },
    /// The interrupt flag was set (a signal is pending, or shared state
    /// changed), or an instruction set the trap flag; rip is at the next
    /// instruction to run.
    Interrupted,
}

/// Which instruction entered the kernel: it selects the guest syscall ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallKind {
    /// `int $0x80`: the i386 ABI, in either mode.
    Int80,
    /// `syscall` in 64-bit mode: the x86-64 ABI.
    Syscall,
    /// `sysenter` (i386 ABI, sixth argument at [ebp]).
    Sysenter,
}

impl From<Fault> for Exit {
    fn from(f: Fault) -> Self {
        Exit::Fault(f)
    }
}

/// Result of one instruction's semantics.
pub type Res = Result<(), Exit>;

/// The interpreter with its decoded-block cache.
#[derive(Default)]
pub struct Interpreter {
    pub cache: BlockCache,
    /// Polled before each block: when non-zero, `run` returns
    /// `Exit::Interrupted` (the OS layer sets it from signal handlers and
    /// other threads).
    pub interrupt: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl Interpreter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs guest code until an exit.
    pub fn run(&mut self, cpu: &mut CpuState) -> Exit {
        let bitness = cpu.mode.bitness();
        // The table of recent blocks, for indirect branches.
        let recent = self.cache.fast_table();
        let rets = self.cache.ret_stack();
        // The branch op to link to the next block, with its slot.
        let mut link: Option<(*const crate::fast::Op, usize)> = None;
        loop {
            if self.interrupt.load(std::sync::atomic::Ordering::Relaxed) != 0 {
                return Exit::Interrupted;
            }
            let block = match self.cache.get(cpu.rip, bitness) {
                Ok(b) => b,
                Err(DecodeError::Fetch(f)) => return Exit::Fault(f),
                Err(DecodeError::Invalid { addr }) => return Exit::Illegal { addr },
            };
            // SAFETY: a block's ops never move while the cache holds it.
            let first = unsafe { &*block.first() };
            if let Some((op, slot)) = link.take() {
                // SAFETY: the op belongs to a block the cache still holds
                // (nothing was dropped since it ran).
                let op = unsafe { &*op };
                if slot == crate::fast::INDIRECT as usize {
                    op.links[0].set(first);
                    op.links[1].set(std::ptr::without_provenance(cpu.rip as usize));
                } else {
                    op.links[slot].set(first);
                }
            }
            // The block's ops run threaded (each calls the next, see
            // `fast::next`), and linked blocks follow directly.
            let ex = Exec::new(&mut *cpu, block.end);
            ex.budget = crate::fast::CHAIN_BUDGET;
            ex.recent = recent;
            ex.interrupt = &*self.interrupt;
            ex.rets = rets;
            (first.run)(ex, first);
            let (next, cur) = (ex.next, ex.cur);
            let r = if cur.is_null() { Ok(()) } else { Err(ex.exit) };
            if !ex.link_from.is_null() {
                link = Some((ex.link_from, ex.link_slot as usize));
            }
            match r {
                Ok(()) => cpu.rip = next,
                Err(e) => {
                    // The failing op recorded itself (a fused
                    // compare-jump stands at the compare's address).
                    // SAFETY: `cur` is an instruction's op of a block the
                    // cache holds.
                    let at = unsafe { crate::fast::Op::addr(cur) };
                    match e {
                        Exit::Syscall(_) | Exit::Breakpoint | Exit::Interrupted => {
                            cpu.rip = next;
                        }
                        Exit::Fault(f) if f.signo == libc::SIGSEGV => {
                            cpu.rip = at;
                            if let Some(page) = crate::code::on_write_fault(f.addr) {
                                self.cache.invalidate(page, page + 4096);
                                return Exit::CodeWritten { page };
                            }
                        }
                        _ => cpu.rip = at,
                    }
                    return e;
                }
            }
        }
    }

    /// Executes exactly one instruction (used by tests and single-stepping).
    pub fn step(&mut self, cpu: &mut CpuState) -> Result<(), Exit> {
        let insn = match crate::decode::decode_one(cpu.rip, cpu.mode.bitness()) {
            Ok(i) => i,
            Err(DecodeError::Fetch(f)) => return Err(Exit::Fault(f)),
            Err(DecodeError::Invalid { addr }) => return Err(Exit::Illegal { addr }),
        };
        let next = insn.next_ip() & cpu.addr_mask();
        let ex = Exec::new(&mut *cpu, next);
        let r = ex.exec(&insn);
        let next = ex.next;
        if let Err(Exit::Fault(f)) = r {
            if let Some(page) = crate::code::on_write_fault(f.addr) {
                self.cache.invalidate(page, page + 4096);
                return Err(Exit::CodeWritten { page });
            }
        }
        match r {
            Ok(()) | Err(Exit::Syscall(_)) | Err(Exit::Breakpoint) | Err(Exit::Interrupted) => {
                cpu.rip = next
            }
            _ => {}
        }
        r
    }
}

/// The interrupt flag of runs outside `Interpreter::run`.
static NEVER_INTERRUPTED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The interpreter's state while guest code runs: the address of the next
/// instruction (which branches overwrite) and how a block run ended. It
/// lives in `CpuState::run`, so that ops reach it and the guest registers
/// through one pointer (see `Exec`).
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub next: u64,
    /// The op that failed, set on the error path of a block's run.
    pub cur: *const crate::fast::Op,
    /// Chained block entries left before returning to the loop.
    pub budget: u32,
    /// The branch op (and its link slot) whose target is not linked yet.
    pub link_from: *const crate::fast::Op,
    pub link_slot: u8,
    /// Why the op at `cur` failed.
    pub exit: Exit,
    /// The interpreter's interrupt flag (see `Interpreter::interrupt`), or
    /// a flag that is never set.
    pub interrupt: *const std::sync::atomic::AtomicU32,
    /// The block cache's table of recent blocks (see
    /// `BlockCache::fast_table`), or null.
    pub recent: *const crate::decode::Recent,
    /// The block cache's return-prediction stack, or null.
    pub rets: *mut crate::fast::RetStack,
}

// SAFETY: the pointers are only followed during a run, by the thread that
// runs; between runs they are stale and never read (each run sets them).
unsafe impl Send for Run {}
unsafe impl Sync for Run {}

impl Default for Run {
    fn default() -> Self {
        Run {
            next: 0,
            cur: std::ptr::null(),
            budget: 0,
            link_from: std::ptr::null(),
            link_slot: 0,
            exit: Exit::Interrupted,
            interrupt: &NEVER_INTERRUPTED,
            recent: std::ptr::null(),
            rets: std::ptr::null_mut(),
        }
    }
}

/// Execution context of instructions: the CPU, with the interpreter's
/// `Run` state in it (`ex.next` and the like reach it through `Deref`).
/// A transparent wrapper: the ops get one pointer, to the CPU itself.
#[repr(transparent)]
pub struct Exec {
    pub cpu: CpuState,
}

impl std::ops::Deref for Exec {
    type Target = Run;
    #[inline(always)]
    fn deref(&self) -> &Run {
        &self.cpu.run
    }
}

impl std::ops::DerefMut for Exec {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Run {
        &mut self.cpu.run
    }
}

impl Exec {
    /// Whether the interpreter's interrupt flag is set.
    #[inline(always)]
    pub fn interrupted(&self) -> bool {
        // SAFETY: `interrupt` points at the interpreter's flag, which
        // outlives the run, or at NEVER_INTERRUPTED.
        unsafe { &*self.interrupt }.load(std::sync::atomic::Ordering::Relaxed) != 0
    }

    /// A context for running instructions at `cpu.rip` (the next one at
    /// `next`) on `cpu`.
    pub fn new(cpu: &mut CpuState, next: u64) -> &mut Exec {
        cpu.run = Run {
            next,
            ..Run::default()
        };
        // SAFETY: Exec is a repr(transparent) wrapper of CpuState.
        unsafe { &mut *(cpu as *mut CpuState as *mut Exec) }
    }
}

impl Exec {
    /// Width in bytes of operand `n`.
    #[inline]
    pub fn op_size(&self, i: &Instruction, n: u32) -> u32 {
        match i.op_kind(n) {
            OpKind::Register => i.op_register(n).size() as u32,
            OpKind::Memory => i.memory_size().size() as u32,
            OpKind::Immediate8 => 1,
            OpKind::Immediate16 => 2,
            OpKind::Immediate32 => 4,
            _ => 8,
        }
    }

    /// Effective (linear) address of the instruction's memory operand.
    #[inline]
    pub fn ea(&self, i: &Instruction) -> u64 {
        let base = i.memory_base();
        let index = i.memory_index();
        let mut a = i.memory_displacement64();
        let mut amask = u64::MAX;
        if base != Register::None {
            if base == Register::RIP || base == Register::EIP {
                if base == Register::EIP {
                    amask = 0xffff_ffff;
                }
            } else {
                a = a.wrapping_add(self.cpu.reg(base));
                amask = crate::flags::mask(base.size() as u32);
            }
        }
        if index != Register::None {
            a = a.wrapping_add(
                self.cpu
                    .reg(index)
                    .wrapping_mul(i.memory_index_scale() as u64),
            );
            amask = crate::flags::mask(index.size() as u32);
        }
        a &= amask;
        match i.memory_segment() {
            Register::FS => a = a.wrapping_add(self.cpu.seg_base[crate::state::FS]),
            Register::GS => a = a.wrapping_add(self.cpu.seg_base[crate::state::GS]),
            _ => {}
        }
        a & self.cpu.addr_mask()
    }

    /// Reads operand `n` (register, memory or immediate) of `size` bytes.
    #[inline]
    pub fn read_op(&mut self, i: &Instruction, n: u32, size: u32) -> Result<u64, Exit> {
        Ok(match i.op_kind(n) {
            OpKind::Register => self.cpu.reg(i.op_register(n)),
            OpKind::Memory => mem::read(self.ea(i), size)?,
            _ => i.immediate(n) & crate::flags::mask(size),
        })
    }

    /// Writes operand `n` (register or memory) of `size` bytes.
    #[inline]
    pub fn write_op(&mut self, i: &Instruction, n: u32, size: u32, v: u64) -> Res {
        match i.op_kind(n) {
            OpKind::Register => self.cpu.set_reg(i.op_register(n), v),
            OpKind::Memory => mem::write(self.ea(i), size, v)?,
            _ => return Err(Exit::Illegal { addr: i.ip() }),
        }
        Ok(())
    }

    /// Read-modify-write of operand 0 with `f`; atomic when the instruction
    /// has a lock prefix. Returns the old value.
    #[inline]
    pub fn rmw(&mut self, i: &Instruction, size: u32, f: impl Fn(u64) -> u64) -> Result<u64, Exit> {
        if i.op0_kind() == OpKind::Memory {
            let addr = self.ea(i);
            if i.has_lock_prefix() {
                let mut old = mem::read(addr, size)?;
                loop {
                    let seen = mem::cas(addr, size, old, f(old) & crate::flags::mask(size))?;
                    if seen == old {
                        return Ok(old);
                    }
                    old = seen;
                }
            }
            let old = mem::read(addr, size)?;
            mem::write(addr, size, f(old))?;
            Ok(old)
        } else {
            let r = i.op0_register();
            let old = self.cpu.reg(r);
            self.cpu.set_reg(r, f(old));
            Ok(old)
        }
    }

    /// Pushes a value of `size` bytes.
    #[inline]
    pub fn push(&mut self, size: u32, v: u64) -> Res {
        let sp = self.cpu.gpr[4].wrapping_sub(size as u64) & self.sp_mask();
        mem::write(sp, size, v)?;
        self.set_sp(sp);
        Ok(())
    }

    /// Pops a value of `size` bytes.
    #[inline]
    pub fn pop(&mut self, size: u32) -> Result<u64, Exit> {
        let sp = self.cpu.gpr[4] & self.sp_mask();
        let v = mem::read(sp, size)?;
        self.set_sp(sp.wrapping_add(size as u64));
        Ok(v)
    }

    #[inline]
    pub fn sp_mask(&self) -> u64 {
        self.cpu.addr_mask()
    }

    #[inline]
    pub fn set_sp(&mut self, sp: u64) {
        match self.cpu.mode {
            Mode::Bits32 => self.cpu.gpr[4] = sp & 0xffff_ffff,
            Mode::Bits64 => self.cpu.gpr[4] = sp,
        }
    }

    /// Stack operand width for push/pop of operand `n` (16-bit with 66h).
    #[inline]
    pub fn stack_size(&self, i: &Instruction) -> u32 {
        let s = i.stack_pointer_increment().unsigned_abs();
        if s == 0 {
            self.cpu.stack_width()
        } else {
            s
        }
    }

    pub fn illegal(&self, i: &Instruction) -> Exit {
        Exit::Illegal { addr: i.ip() }
    }

    /// Executes one instruction (slow path: looks its handler up).
    pub fn exec(&mut self, i: &Instruction) -> Res {
        handler_for(i)(self, i)
    }
}

/// An instruction's semantics.
pub type Handler = fn(&mut Exec, &Instruction) -> Res;

/// Chooses the semantics of a decoded instruction (once, at decode time).
pub(crate) fn handler_for(i: &Instruction) -> Handler {
    {
        use Mnemonic::*;
        match i.mnemonic() {
            Add | Or | Adc | Sbb | And | Sub | Xor | Cmp | Test => |e, i| e.alu2(i),
            Inc | Dec | Neg | Not => |e, i| e.alu1(i),
            Mul | Imul => |e, i| e.mul(i),
            Div | Idiv => |e, i| e.div(i),
            Shl | Sal | Shr | Sar | Rol | Ror | Rcl | Rcr => |e, i| e.shift(i),
            Shld | Shrd => |e, i| e.shift_double(i),
            Bt | Bts | Btr | Btc => |e, i| e.bit_test(i),
            Bsf | Bsr | Tzcnt | Lzcnt | Popcnt => |e, i| e.bit_scan(i),
            Bswap => |e, i| e.bswap(i),
            Mov | Movzx | Movsx | Movsxd | Movbe | Movnti => |e, i| e.mov(i),
            Lea => |e, i| e.lea(i),
            Xchg | Xadd | Cmpxchg => |e, i| e.exchange(i),
            Cmpxchg8b | Cmpxchg16b => |e, i| e.cmpxchg_wide(i),
            Push | Pop | Pusha | Pushad | Popa | Popad | Pushf | Pushfd | Pushfq | Popf | Popfd
            | Popfq => |e, i| e.stack_op(i),
            Enter | Leave => |e, i| e.frame(i),
            Lahf | Sahf | Clc | Stc | Cmc | Cld | Std | Cli | Sti => |e, i| e.flag_op(i),
            Cbw | Cwde | Cdqe | Cwd | Cdq | Cqo => |e, i| e.sign_extend(i),
            Cmovo | Cmovno | Cmovb | Cmovae | Cmove | Cmovne | Cmovbe | Cmova | Cmovs | Cmovns
            | Cmovp | Cmovnp | Cmovl | Cmovge | Cmovle | Cmovg => |e, i| e.cmov(i),
            Seto | Setno | Setb | Setae | Sete | Setne | Setbe | Seta | Sets | Setns | Setp
            | Setnp | Setl | Setge | Setle | Setg => |e, i| e.setcc(i),
            Xlatb => |e, i| e.xlat(i),
            Jmp | Call | Ret | Jo | Jno | Jb | Jae | Je | Jne | Jbe | Ja | Js | Jns | Jp | Jnp
            | Jl | Jge | Jle | Jg | Loop | Loope | Loopne | Jcxz | Jecxz | Jrcxz => {
                |e, i| e.branch(i)
            }
            Movsb | Movsw | Movsd | Movsq | Cmpsb | Cmpsw | Cmpsd | Cmpsq | Scasb | Scasw
            | Scasd | Scasq | Lodsb | Lodsw | Lodsd | Lodsq | Stosb | Stosw | Stosd | Stosq
                if is_string_form(i) =>
            {
                |e, i| e.string(i)
            }
            Daa | Das | Aaa | Aas | Aam | Aad => |e, i| e.bcd(i),
            Int | Int3 | Into | Int1 | Syscall | Sysenter | Hlt | Ud0 | Ud1 | Ud2 | Cpuid
            | Rdtsc | Rdtscp | Nop | Pause | Lfence | Mfence | Sfence | Prefetchnta
            | Prefetcht0 | Prefetcht1 | Prefetcht2 | Prefetchw | Endbr32 | Endbr64 | Clflush
            | Clflushopt | Bound | In | Out | Insb | Insw | Insd | Outsb | Outsw | Outsd | Iret
            | Iretd | Iretq | Sysexit | Sysret | Lgdt | Lidt | Wrmsr | Rdmsr | Invd | Wbinvd
            | Rdpmc => |e, i| e.system(i),
            Salc => |e, i| e.salc(i),
            // CET shadow-stack instructions in the hint-NOP space: NOPs
            // while shadow stacks are off (glibc's longjmp uses rdssp).
            Rdsspd | Rdsspq | Incsspd | Incsspq => |_, _| Ok(()),
            Lds | Les | Lfs | Lgs | Lss => |_, _| Err(Exit::GeneralProtection),
            _ => {
                if i.op_kind(0) == OpKind::Register && i.op0_register().is_segment_register()
                    || i.op_count() > 1
                        && i.op_kind(1) == OpKind::Register
                        && i.op1_register().is_segment_register()
                {
                    return |e, i| e.mov(i);
                }
                if is_x87(i) {
                    return |e, i| e.x87(i);
                }
                |e, i| e.simd(i)
            }
        }
    }
}

/// Whether an instruction belongs to the x87 FPU.
fn is_x87(i: &Instruction) -> bool {
    use iced_x86::CpuidFeature::{FPU, FPU287, FPU387};
    i.cpuid_features()
        .iter()
        .any(|f| matches!(f, FPU | FPU287 | FPU387))
}

/// Movsd/Cmpsd also name SSE instructions; the string forms address
/// memory through rsi/rdi.
fn is_string_form(i: &Instruction) -> bool {
    (0..i.op_count()).any(|n| {
        matches!(
            i.op_kind(n),
            OpKind::MemorySegSI
                | OpKind::MemorySegESI
                | OpKind::MemorySegRSI
                | OpKind::MemoryESDI
                | OpKind::MemoryESEDI
                | OpKind::MemoryESRDI
        )
    })
}
