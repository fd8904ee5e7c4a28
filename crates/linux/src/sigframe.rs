//! Signal frames exactly as the Linux kernel builds them for each guest ABI
//! (arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h, signal.c,
//! signal_32.c and fpu/signal.c): the i386 `sigframe` and `rt_sigframe` with
//! sigcontext and the FXSR fpstate behind a legacy FSAVE header, the x86-64
//! `rt_sigframe` with ucontext and an FXSAVE fpstate; where the frame goes
//! (red zone, alternate stack, alignment); the registers a handler starts
//! with; and sigreturn/rt_sigreturn, which restore everything from the
//! frame, including what the handler changed.

use crate::signals::{
    AltStack, GuestSigaction, SigInfo, TrapInfo, SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SS_AUTODISARM,
};
use std::mem::{offset_of, size_of};
use x86run_cpu::fp::f80::F80;
use x86run_cpu::fpimage;
use x86run_cpu::mem;
use x86run_cpu::state::{CpuState, Mode, CS, DS, ES, FS, GS, SS};
use x86run_cpu::x87state::X87;

/// Plain-old-data frame structures: `#[repr(C)]`, no padding, every bit
/// pattern valid.
///
/// # Safety
/// Implementors must satisfy exactly that.
unsafe trait Pod: Copy + 'static {}

fn bytes_of<T: Pod>(v: &T) -> &[u8] {
    // SAFETY: T is plain data without padding (Pod), so all its bytes are
    // initialised; the slice borrows `v`.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, size_of::<T>()) }
}

fn from_bytes<T: Pod>(b: &[u8]) -> Option<T> {
    if b.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: the length was checked and every bit pattern is a valid T.
    Some(unsafe { std::ptr::read_unaligned(b.as_ptr() as *const T) })
}

/// struct sigcontext (x86-64).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SigContext64 {
    r8: u64,
    r9: u64,
    r10: u64,
    r11: u64,
    r12: u64,
    r13: u64,
    r14: u64,
    r15: u64,
    rdi: u64,
    rsi: u64,
    rbp: u64,
    rbx: u64,
    rdx: u64,
    rax: u64,
    rcx: u64,
    rsp: u64,
    rip: u64,
    eflags: u64,
    cs: u16,
    gs: u16,
    fs: u16,
    ss: u16,
    err: u64,
    trapno: u64,
    oldmask: u64,
    cr2: u64,
    fpstate: u64,
    reserved1: [u64; 8],
}

/// stack_t (x86-64).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct StackT64 {
    ss_sp: u64,
    ss_flags: u32,
    pad: u32,
    ss_size: u64,
}

/// struct ucontext (x86-64), with the kernel's 8-byte sigset.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct UContext64 {
    uc_flags: u64,
    uc_link: u64,
    uc_stack: StackT64,
    uc_mcontext: SigContext64,
    uc_sigmask: u64,
}

/// struct rt_sigframe (x86-64); the fpstate follows it.
#[repr(C)]
#[derive(Clone, Copy)]
struct RtSigframe64 {
    pretcode: u64,
    uc: UContext64,
    info: [u8; 128],
}

/// struct sigcontext_32.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SigContext32 {
    gs: u16,
    gsh: u16,
    fs: u16,
    fsh: u16,
    es: u16,
    esh: u16,
    ds: u16,
    dsh: u16,
    edi: u32,
    esi: u32,
    ebp: u32,
    esp: u32,
    ebx: u32,
    edx: u32,
    ecx: u32,
    eax: u32,
    trapno: u32,
    err: u32,
    eip: u32,
    cs: u16,
    csh: u16,
    eflags: u32,
    esp_at_signal: u32,
    ss: u16,
    ssh: u16,
    fpstate: u32,
    oldmask: u32,
    cr2: u32,
}

/// struct _fpstate_32: the FSAVE-format header (env, registers, status,
/// magic) followed by the 512-byte FXSAVE image.
#[repr(C)]
#[derive(Clone, Copy)]
struct FpState32 {
    cw: u32,
    sw: u32,
    tag: u32,
    ipoff: u32,
    cssel: u32,
    dataoff: u32,
    datasel: u32,
    st: [[u8; 10]; 8],
    status: u16,
    magic: u16,
    fx: [u8; 512],
}

/// compat stack_t.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct StackT32 {
    ss_sp: u32,
    ss_flags: u32,
    ss_size: u32,
}

/// struct ucontext_ia32.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct UContext32 {
    uc_flags: u32,
    uc_link: u32,
    uc_stack: StackT32,
    uc_mcontext: SigContext32,
    uc_sigmask: [u32; 2],
}

/// struct sigframe_ia32 (no SA_SIGINFO); the fpstate follows it.
#[repr(C)]
#[derive(Clone, Copy)]
struct Sigframe32 {
    pretcode: u32,
    sig: u32,
    sc: SigContext32,
    fpstate_unused: [u8; 624],
    extramask: u32,
    retcode: [u8; 8],
}

/// struct rt_sigframe_ia32; the fpstate follows it.
#[repr(C)]
#[derive(Clone, Copy)]
struct RtSigframe32 {
    pretcode: u32,
    sig: u32,
    pinfo: u32,
    puc: u32,
    info: [u8; 128],
    uc: UContext32,
    retcode: [u8; 8],
}

// SAFETY: all of these are #[repr(C)] integers and byte arrays laid out
// without padding (checked below), so every bit pattern is valid.
unsafe impl Pod for SigContext64 {}
unsafe impl Pod for StackT64 {}
unsafe impl Pod for UContext64 {}
unsafe impl Pod for RtSigframe64 {}
unsafe impl Pod for SigContext32 {}
unsafe impl Pod for FpState32 {}
unsafe impl Pod for StackT32 {}
unsafe impl Pod for UContext32 {}
unsafe impl Pod for Sigframe32 {}
unsafe impl Pod for RtSigframe32 {}

// The kernel's sizes and offsets.
const _: () = {
    assert!(size_of::<SigContext64>() == 256);
    assert!(offset_of!(SigContext64, rdi) == 64);
    assert!(offset_of!(SigContext64, rip) == 128);
    assert!(offset_of!(SigContext64, eflags) == 136);
    assert!(offset_of!(SigContext64, cs) == 144);
    assert!(offset_of!(SigContext64, err) == 152);
    assert!(offset_of!(SigContext64, trapno) == 160);
    assert!(offset_of!(SigContext64, oldmask) == 168);
    assert!(offset_of!(SigContext64, cr2) == 176);
    assert!(offset_of!(SigContext64, fpstate) == 184);
    assert!(size_of::<StackT64>() == 24);
    assert!(size_of::<UContext64>() == 304);
    assert!(offset_of!(UContext64, uc_stack) == 16);
    assert!(offset_of!(UContext64, uc_mcontext) == 40);
    assert!(offset_of!(UContext64, uc_sigmask) == 296);
    assert!(size_of::<RtSigframe64>() == 440);
    assert!(offset_of!(RtSigframe64, uc) == 8);
    assert!(offset_of!(RtSigframe64, info) == 312);
    assert!(size_of::<SigContext32>() == 88);
    assert!(offset_of!(SigContext32, edi) == 16);
    assert!(offset_of!(SigContext32, eax) == 44);
    assert!(offset_of!(SigContext32, trapno) == 48);
    assert!(offset_of!(SigContext32, eip) == 56);
    assert!(offset_of!(SigContext32, cs) == 60);
    assert!(offset_of!(SigContext32, eflags) == 64);
    assert!(offset_of!(SigContext32, esp_at_signal) == 68);
    assert!(offset_of!(SigContext32, ss) == 72);
    assert!(offset_of!(SigContext32, fpstate) == 76);
    assert!(offset_of!(SigContext32, oldmask) == 80);
    assert!(offset_of!(SigContext32, cr2) == 84);
    assert!(size_of::<FpState32>() == 624);
    assert!(offset_of!(FpState32, status) == 108);
    assert!(offset_of!(FpState32, magic) == 110);
    assert!(offset_of!(FpState32, fx) == 112);
    assert!(size_of::<StackT32>() == 12);
    assert!(size_of::<UContext32>() == 116);
    assert!(offset_of!(UContext32, uc_mcontext) == 20);
    assert!(offset_of!(UContext32, uc_sigmask) == 108);
    assert!(size_of::<Sigframe32>() == 732);
    assert!(offset_of!(Sigframe32, sc) == 8);
    assert!(offset_of!(Sigframe32, extramask) == 720);
    assert!(offset_of!(Sigframe32, retcode) == 724);
    assert!(size_of::<RtSigframe32>() == 268);
    assert!(offset_of!(RtSigframe32, info) == 16);
    assert!(offset_of!(RtSigframe32, uc) == 144);
    assert!(offset_of!(RtSigframe32, retcode) == 260);
};

/// ucontext uc_flags: the sigcontext's ss is valid and restored strictly.
const UC_SIGCONTEXT_SS: u64 = 2;
const UC_STRICT_RESTORE_SS: u64 = 4;
/// EFLAGS bits sigreturn takes from the frame (FIX_EFLAGS).
const FIX_EFLAGS: u32 = 0x40dd5;
/// EFLAGS bits cleared on handler entry: DF, TF (and RF).
const ENTRY_CLEAR: u32 = 0x1_0500;
/// Selectors of an i386 process on a 64-bit kernel.
const USER32_CS: u16 = 0x23;
const USER_DS: u16 = 0x2b;
const USER_CS: u16 = 0x33;
/// FXSAVE size; the FSAVE header an i386 frame puts before it.
const FX_SIZE: u64 = 512;
const FSAVE_HEADER: u64 = 112;
/// i386 syscall numbers in the frames' legacy return code.
const NR_SIGRETURN_32: u32 = 119;
const NR_RT_SIGRETURN_32: u32 = 173;

/// What delivering one signal needs besides the CPU.
pub struct Delivery<'a> {
    pub sig: usize,
    pub info: &'a SigInfo,
    pub act: &'a GuestSigaction,
    /// The mask the frame saves (restored by sigreturn).
    pub saved_mask: u64,
    pub altstack: &'a mut AltStack,
    pub trap: TrapInfo,
}

/// The frame could not be written or would overflow the alternate stack:
/// the kernel forces SIGSEGV.
#[derive(Debug)]
pub struct BadFrame;

impl From<mem::Fault> for BadFrame {
    fn from(_: mem::Fault) -> Self {
        BadFrame
    }
}

/// The kernel's get_sigframe: where the fpstate and the frame go.
/// Returns (frame address, fpstate address).
fn place(cpu: &CpuState, d: &Delivery, frame_size: u64) -> Result<(u64, u64), BadFrame> {
    let ia32 = cpu.mode == Mode::Bits32;
    let mask = cpu.addr_mask();
    let sp0 = cpu.gpr[4] & mask;
    let nested = d.altstack.on_stack(sp0);
    let mut sp = if ia32 { sp0 } else { sp0.wrapping_sub(128) };
    let mut entering = false;
    if d.act.flags & SA_ONSTACK != 0 && d.altstack.ss_flags(sp) == 0 {
        sp = d.altstack.sp.wrapping_add(d.altstack.size);
        entering = true;
    }
    // fpu__alloc_mathframe: the FXSAVE image 64-byte aligned, the i386
    // FSAVE header just below it.
    let buf_fx = sp.wrapping_sub(FX_SIZE) & !63;
    let fpstate = if ia32 {
        buf_fx.wrapping_sub(FSAVE_HEADER)
    } else {
        buf_fx
    };
    sp = fpstate.wrapping_sub(frame_size);
    sp = if ia32 {
        (sp.wrapping_add(4) & !15).wrapping_sub(4)
    } else {
        (sp & !15).wrapping_sub(8)
    };
    sp &= mask;
    if (nested || entering) && !d.altstack.contains(sp) {
        return Err(BadFrame);
    }
    Ok((sp, fpstate & mask))
}

/// The FXSAVE image of the guest's x87/SSE state (64-bit format, as the
/// kernel's fxsave64).
fn fxsave_image(cpu: &CpuState) -> [u8; 512] {
    fpimage::fxsave_image(cpu, true)
}

/// Loads an FXSAVE image (fxrstor64); a reserved MXCSR bit is a bad frame.
fn fxrstor_image(cpu: &mut CpuState, img: &[u8; 512]) -> Result<(), BadFrame> {
    if fpimage::load_fxsave_image(cpu, img, true) {
        Ok(())
    } else {
        Err(BadFrame)
    }
}

/// The i386 fpstate: the kernel's convert_from_fxsr header and the image.
fn fpstate32(cpu: &CpuState) -> FpState32 {
    let x = &cpu.x87;
    let mut st = [[0u8; 10]; 8];
    for (k, r) in st.iter_mut().enumerate() {
        *r = x.st(k as u32).to_bytes();
    }
    FpState32 {
        cw: x.cw as u32 | 0xffff_0000,
        sw: x.status() as u32 | 0xffff_0000,
        tag: x.tag_word() as u32 | 0xffff_0000,
        ipoff: x.fip as u32,
        cssel: USER32_CS as u32,
        dataoff: x.fdp as u32,
        datasel: cpu.seg[DS] as u32 | 0xffff_0000,
        st,
        status: x.status(),
        magic: 0,
        fx: fxsave_image(cpu),
    }
}

/// Restores the i386 fpstate: x87 from the header (convert_to_fxsr), SSE
/// from the image.
fn restore_fpstate32(cpu: &mut CpuState, f: &FpState32) -> Result<(), BadFrame> {
    fxrstor_image(cpu, &f.fx)?;
    let x = &mut cpu.x87;
    x.cw = fpimage::fix_cw(f.cw as u16);
    x.set_status(f.sw as u16);
    x.set_tag_word(f.tag as u16);
    x.fop = ((f.cssel >> 16) & 0x7ff) as u16;
    x.fip = f.ipoff as u64;
    x.fdp = f.dataoff as u64;
    for k in 0..8 {
        let p = x.phys(k as u32);
        x.regs[p] = F80::from_bytes(&f.st[k]);
    }
    x.update_es();
    Ok(())
}

/// The FPU state a handler starts with (fpu__clear_user_states).
fn reset_fpu(cpu: &mut CpuState) {
    cpu.x87 = X87::default();
    cpu.mxcsr = 0x1f80;
    cpu.xmm = [0; 16];
}

/// Builds the frame for `d` on the guest stack and points the CPU at the
/// handler, as the kernel's setup_rt_frame does.
pub fn setup(cpu: &mut CpuState, d: Delivery) -> Result<(), BadFrame> {
    match cpu.mode {
        Mode::Bits64 => setup64(cpu, d),
        Mode::Bits32 if d.act.flags & SA_SIGINFO != 0 => setup_rt32(cpu, d),
        Mode::Bits32 => setup32(cpu, d),
    }
}

fn sigcontext64(cpu: &CpuState, trap: TrapInfo, mask: u64, fpstate: u64) -> SigContext64 {
    let g = &cpu.gpr;
    SigContext64 {
        r8: g[8],
        r9: g[9],
        r10: g[10],
        r11: g[11],
        r12: g[12],
        r13: g[13],
        r14: g[14],
        r15: g[15],
        rdi: g[7],
        rsi: g[6],
        rbp: g[5],
        rbx: g[3],
        rdx: g[2],
        rax: g[0],
        rcx: g[1],
        rsp: g[4],
        rip: cpu.rip,
        eflags: cpu.flags.get() as u64,
        cs: USER_CS,
        gs: 0,
        fs: 0,
        ss: cpu.seg[SS],
        err: trap.err,
        trapno: trap.trapno,
        oldmask: mask,
        cr2: trap.cr2,
        fpstate,
        reserved1: [0; 8],
    }
}

/// The uc_stack a frame records, and SS_AUTODISARM's reset.
fn save_altstack(altstack: &mut AltStack, sp: u64) -> (u64, u32, u64) {
    let saved = (
        altstack.sp,
        altstack.ss_flags(sp) | (altstack.flags & SS_AUTODISARM),
        altstack.size,
    );
    if altstack.flags & SS_AUTODISARM != 0 {
        *altstack = AltStack::default();
    }
    saved
}

fn setup64(cpu: &mut CpuState, d: Delivery) -> Result<(), BadFrame> {
    let (frame, fpstate) = place(cpu, &d, size_of::<RtSigframe64>() as u64)?;
    if d.act.flags & SA_RESTORER == 0 {
        // x86-64 requires a restorer; the kernel fails the frame.
        return Err(BadFrame);
    }
    mem::write_bytes(fpstate, &fxsave_image(cpu))?;
    let (ss_sp, ss_flags, ss_size) = save_altstack(d.altstack, cpu.gpr[4]);
    let f = RtSigframe64 {
        pretcode: d.act.restorer,
        uc: UContext64 {
            uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            uc_link: 0,
            uc_stack: StackT64 {
                ss_sp,
                ss_flags,
                pad: 0,
                ss_size,
            },
            uc_mcontext: sigcontext64(cpu, d.trap, d.saved_mask, fpstate),
            uc_sigmask: d.saved_mask,
        },
        info: d.info.to_guest(Mode::Bits64),
    };
    mem::write_bytes(frame, bytes_of(&f))?;
    cpu.gpr[7] = d.sig as u64;
    cpu.gpr[0] = 0;
    cpu.gpr[6] = frame + offset_of!(RtSigframe64, info) as u64;
    cpu.gpr[2] = frame + offset_of!(RtSigframe64, uc) as u64;
    cpu.gpr[4] = frame;
    cpu.rip = d.act.handler;
    enter_handler(cpu);
    Ok(())
}

fn sigcontext32(cpu: &CpuState, trap: TrapInfo, mask: u64, fpstate: u64) -> SigContext32 {
    let g = |k: usize| cpu.gpr[k] as u32;
    SigContext32 {
        gs: cpu.seg[GS],
        fs: cpu.seg[FS],
        es: cpu.seg[ES],
        ds: cpu.seg[DS],
        edi: g(7),
        esi: g(6),
        ebp: g(5),
        esp: g(4),
        ebx: g(3),
        edx: g(2),
        ecx: g(1),
        eax: g(0),
        trapno: trap.trapno as u32,
        err: trap.err as u32,
        eip: cpu.rip as u32,
        cs: cpu.seg[CS],
        eflags: cpu.flags.get(),
        esp_at_signal: g(4),
        ss: cpu.seg[SS],
        fpstate: fpstate as u32,
        oldmask: mask as u32,
        cr2: trap.cr2 as u32,
        ..Default::default()
    }
}

/// The legacy return code: `popl %eax; movl $119, %eax; int $0x80`.
fn retcode32() -> [u8; 8] {
    let n = NR_SIGRETURN_32.to_le_bytes();
    [0x58, 0xb8, n[0], n[1], n[2], n[3], 0xcd, 0x80]
}

/// `movl $173, %eax; int $0x80` and a pad byte.
fn rt_retcode32() -> [u8; 8] {
    let n = NR_RT_SIGRETURN_32.to_le_bytes();
    [0xb8, n[0], n[1], n[2], n[3], 0xcd, 0x80, 0]
}

fn setup32(cpu: &mut CpuState, d: Delivery) -> Result<(), BadFrame> {
    let (frame, fpstate) = place(cpu, &d, size_of::<Sigframe32>() as u64)?;
    mem::write_bytes(fpstate, bytes_of(&fpstate32(cpu)))?;
    let restorer = if d.act.flags & SA_RESTORER != 0 {
        d.act.restorer as u32
    } else {
        (frame + offset_of!(Sigframe32, retcode) as u64) as u32
    };
    let f = Sigframe32 {
        pretcode: restorer,
        sig: d.sig as u32,
        sc: sigcontext32(cpu, d.trap, d.saved_mask, fpstate),
        fpstate_unused: [0; 624],
        extramask: (d.saved_mask >> 32) as u32,
        retcode: retcode32(),
    };
    mem::write_bytes(frame, bytes_of(&f))?;
    cpu.gpr[4] = frame;
    cpu.rip = d.act.handler & 0xffff_ffff;
    cpu.gpr[0] = d.sig as u64;
    cpu.gpr[2] = 0;
    cpu.gpr[1] = 0;
    enter_handler(cpu);
    Ok(())
}

fn setup_rt32(cpu: &mut CpuState, d: Delivery) -> Result<(), BadFrame> {
    let (frame, fpstate) = place(cpu, &d, size_of::<RtSigframe32>() as u64)?;
    mem::write_bytes(fpstate, bytes_of(&fpstate32(cpu)))?;
    let restorer = if d.act.flags & SA_RESTORER != 0 {
        d.act.restorer as u32
    } else {
        (frame + offset_of!(RtSigframe32, retcode) as u64) as u32
    };
    let (ss_sp, ss_flags, ss_size) = save_altstack(d.altstack, cpu.gpr[4]);
    let info = frame + offset_of!(RtSigframe32, info) as u64;
    let uc = frame + offset_of!(RtSigframe32, uc) as u64;
    let f = RtSigframe32 {
        pretcode: restorer,
        sig: d.sig as u32,
        pinfo: info as u32,
        puc: uc as u32,
        info: d.info.to_guest(Mode::Bits32),
        uc: UContext32 {
            uc_flags: 0,
            uc_link: 0,
            uc_stack: StackT32 {
                ss_sp: ss_sp as u32,
                ss_flags,
                ss_size: ss_size as u32,
            },
            uc_mcontext: sigcontext32(cpu, d.trap, d.saved_mask, fpstate),
            uc_sigmask: [d.saved_mask as u32, (d.saved_mask >> 32) as u32],
        },
        retcode: rt_retcode32(),
    };
    mem::write_bytes(frame, bytes_of(&f))?;
    cpu.gpr[4] = frame;
    cpu.rip = d.act.handler & 0xffff_ffff;
    cpu.gpr[0] = d.sig as u64;
    cpu.gpr[2] = info;
    cpu.gpr[1] = uc;
    enter_handler(cpu);
    Ok(())
}

/// Handler entry: flat data segments on i386, DF and TF clear, a fresh FPU.
fn enter_handler(cpu: &mut CpuState) {
    if cpu.mode == Mode::Bits32 {
        cpu.load_segment(DS, USER_DS);
        cpu.load_segment(ES, USER_DS);
        cpu.load_segment(SS, USER_DS);
    }
    let f = cpu.flags.get();
    cpu.flags.set(f & !ENTRY_CLEAR);
    reset_fpu(cpu);
}

/// What a sigreturn restored besides the registers.
pub struct Restored {
    /// The signal mask to reinstate.
    pub mask: u64,
    /// rt frames: the alternate stack recorded in uc_stack (sp, flags, size).
    pub altstack: Option<(u64, u32, u64)>,
}

fn read_frame<T: Pod>(at: u64) -> Result<T, BadFrame> {
    let mut buf = vec![0u8; size_of::<T>()];
    mem::read_bytes(at, &mut buf)?;
    from_bytes(&buf).ok_or(BadFrame)
}

fn restore_flags(cpu: &mut CpuState, v: u32) {
    let cur = cpu.flags.get();
    cpu.flags.set((cur & !FIX_EFLAGS) | (v & FIX_EFLAGS));
}

/// rt_sigreturn (both ABIs) and the i386 sigreturn: restores the context
/// the frame at the stack pointer holds.
pub fn sigreturn(cpu: &mut CpuState, rt: bool) -> Result<Restored, BadFrame> {
    match cpu.mode {
        Mode::Bits64 => rt_sigreturn64(cpu),
        Mode::Bits32 if rt => rt_sigreturn32(cpu),
        Mode::Bits32 => sigreturn32(cpu),
    }
}

fn rt_sigreturn64(cpu: &mut CpuState) -> Result<Restored, BadFrame> {
    let frame = cpu.gpr[4].wrapping_sub(8);
    let f: RtSigframe64 = read_frame(frame)?;
    let sc = &f.uc.uc_mcontext;
    if sc.fpstate != 0 {
        let mut img = [0u8; 512];
        mem::read_bytes(sc.fpstate, &mut img)?;
        fxrstor_image(cpu, &img)?;
    } else {
        reset_fpu(cpu);
    }
    let g = &mut cpu.gpr;
    *g = [
        sc.rax, sc.rcx, sc.rdx, sc.rbx, sc.rsp, sc.rbp, sc.rsi, sc.rdi, sc.r8, sc.r9, sc.r10,
        sc.r11, sc.r12, sc.r13, sc.r14, sc.r15,
    ];
    cpu.rip = sc.rip;
    restore_flags(cpu, sc.eflags as u32);
    let st = f.uc.uc_stack;
    Ok(Restored {
        mask: f.uc.uc_sigmask,
        altstack: Some((st.ss_sp, st.ss_flags, st.ss_size)),
    })
}

fn restore_sigcontext32(cpu: &mut CpuState, sc: &SigContext32) -> Result<(), BadFrame> {
    if sc.fpstate != 0 {
        let f: FpState32 = read_frame(sc.fpstate as u64)?;
        restore_fpstate32(cpu, &f)?;
    } else {
        reset_fpu(cpu);
    }
    for (seg, sel) in [(GS, sc.gs), (FS, sc.fs), (ES, sc.es), (DS, sc.ds)] {
        if !cpu.load_segment(seg, sel) {
            cpu.load_segment(seg, 0);
        }
    }
    let regs = [
        sc.eax, sc.ecx, sc.edx, sc.ebx, sc.esp, sc.ebp, sc.esi, sc.edi,
    ];
    for (k, v) in regs.iter().enumerate() {
        cpu.gpr[k] = *v as u64;
    }
    cpu.rip = sc.eip as u64;
    restore_flags(cpu, sc.eflags);
    Ok(())
}

fn sigreturn32(cpu: &mut CpuState) -> Result<Restored, BadFrame> {
    let frame = cpu.gpr[4].wrapping_sub(8) & 0xffff_ffff;
    let f: Sigframe32 = read_frame(frame)?;
    restore_sigcontext32(cpu, &f.sc)?;
    Ok(Restored {
        mask: f.sc.oldmask as u64 | ((f.extramask as u64) << 32),
        altstack: None,
    })
}

fn rt_sigreturn32(cpu: &mut CpuState) -> Result<Restored, BadFrame> {
    let frame = cpu.gpr[4].wrapping_sub(4) & 0xffff_ffff;
    let f: RtSigframe32 = read_frame(frame)?;
    restore_sigcontext32(cpu, &f.uc.uc_mcontext)?;
    let st = f.uc.uc_stack;
    Ok(Restored {
        mask: f.uc.uc_sigmask[0] as u64 | ((f.uc.uc_sigmask[1] as u64) << 32),
        altstack: Some((st.ss_sp as u64, st.ss_flags, st.ss_size as u64)),
    })
}
