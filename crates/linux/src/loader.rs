//! The ELF loader: validates the program, maps its PT_LOAD segments (and its
//! PT_INTERP interpreter), and builds the initial stack exactly as the kernel
//! does: argc, argv, envp, auxv, strings, AT_RANDOM bytes.

use crate::mm::{page_down, page_up, AddressSpace, PAGE, STACK_SIZE, STACK_TOP32};
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;
use x86run_cpu::{mem, Mode};

const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const EM_386: u16 = 3;
const EM_X86_64: u16 = 62;

/// Why a program could not be loaded, with the exit status a shell gives.
#[derive(Debug)]
pub struct LoadError {
    pub msg: String,
    pub status: i32,
}

impl LoadError {
    fn bad(path: &str, what: &str) -> Self {
        LoadError {
            msg: format!("{path}: {what}"),
            status: 126,
        }
    }
}

/// A program file's bytes: mapped where the file can be (a read copied
/// the whole file, the dynamic linker's 200 KiB say, into fresh pages at
/// every start-up, only for its headers and the odd unaligned segment to
/// be used), else read (a pipe, a FUSE file without mmap support).
pub enum ProgramBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for ProgramBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ProgramBytes::Mapped(m) => m,
            ProgramBytes::Read(v) => v,
        }
    }
}

/// Maps a program file, mapping I/O errors to shell-like messages.
pub fn read_program(path: &str) -> Result<ProgramBytes, LoadError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(LoadError::bad(path, "is a directory")),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError {
                msg: format!("{path}: No such file or directory"),
                status: 127,
            })
        }
        Err(e) => return Err(LoadError::bad(path, &e.to_string())),
    }
    let mut file = std::fs::File::open(path).map_err(|e| LoadError::bad(path, &e.to_string()))?;
    // SAFETY: a private read-only mapping, only read while loading. A file
    // truncated meanwhile by another process would make that read a host
    // SIGBUS (x86run then stops on it), where a read() saw a short file.
    if let Ok(m) = unsafe { memmap2::MmapOptions::new().map_copy_read_only(&file) } {
        return Ok(ProgramBytes::Mapped(m));
    }
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut data)
        .map_err(|e| LoadError::bad(path, &e.to_string()))?;
    Ok(ProgramBytes::Read(data))
}

/// Guest mode from the ELF identification and machine fields.
pub fn guest_mode(path: &str, data: &[u8]) -> Result<Mode, LoadError> {
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(LoadError::bad(path, "not an ELF file"));
    }
    if data.len() < 20 {
        return Err(LoadError::bad(path, "truncated ELF header"));
    }
    if data[5] != 1 {
        return Err(LoadError::bad(path, "not a little-endian ELF file"));
    }
    let machine = u16::from_le_bytes([data[18], data[19]]);
    match (data[4], machine) {
        (ELFCLASS32, EM_386) => Ok(Mode::Bits32),
        (ELFCLASS64, EM_X86_64) => Ok(Mode::Bits64),
        (c, m) => Err(LoadError::bad(
            path,
            &format!(
                "wrong architecture: {}-bit ELF for machine {} (x86run runs i386 and x86-64 programs)",
                if c == ELFCLASS64 { 64 } else { 32 },
                machine_name(m)
            ),
        )),
    }
}

fn machine_name(m: u16) -> String {
    match m {
        EM_386 => "i386".into(),
        EM_X86_64 => "x86-64".into(),
        183 => "AArch64".into(),
        40 => "ARM".into(),
        243 => "RISC-V".into(),
        21 => "PowerPC64".into(),
        22 => "s390".into(),
        8 => "MIPS".into(),
        other => format!("{other}"),
    }
}

/// One loadable segment, in file terms.
#[derive(Clone, Copy, Debug)]
struct Segment {
    vaddr: u64,
    memsz: u64,
    offset: u64,
    filesz: u64,
    flags: u32,
}

/// What the loader learned about an image.
#[derive(Debug)]
struct Parsed {
    is_dyn: bool,
    entry: u64,
    phoff: u64,
    phentsize: u64,
    phnum: u64,
    segments: Vec<Segment>,
    interp: Option<String>,
    /// p_vaddr of PT_PHDR, if present.
    phdr_vaddr: Option<u64>,
}

fn parse<E: FileHeader<Endian = Endianness>>(path: &str, data: &[u8]) -> Result<Parsed, LoadError> {
    let hdr =
        E::parse(data).map_err(|_| LoadError::bad(path, "truncated or corrupt ELF header"))?;
    let endian = hdr
        .endian()
        .map_err(|_| LoadError::bad(path, "bad ELF byte order"))?;
    let ty = hdr.e_type(endian);
    if ty != elf::ET_EXEC && ty != elf::ET_DYN {
        return Err(LoadError::bad(
            path,
            "not an executable ELF file (neither ET_EXEC nor ET_DYN)",
        ));
    }
    let phdrs = hdr
        .program_headers(endian, data)
        .map_err(|_| LoadError::bad(path, "truncated or corrupt ELF program headers"))?;
    if phdrs.is_empty() {
        return Err(LoadError::bad(path, "ELF file has no program headers"));
    }
    let mut segments = Vec::new();
    let mut interp = None;
    let mut phdr_vaddr = None;
    for ph in phdrs {
        match ph.p_type(endian) {
            elf::PT_LOAD => {
                let s = Segment {
                    vaddr: ph.p_vaddr(endian).into(),
                    memsz: ph.p_memsz(endian).into(),
                    offset: ph.p_offset(endian).into(),
                    filesz: ph.p_filesz(endian).into(),
                    flags: ph.p_flags(endian).0,
                };
                let file_end = s.offset.checked_add(s.filesz);
                if s.filesz > s.memsz || file_end.is_none_or(|e| e > data.len() as u64) {
                    return Err(LoadError::bad(path, "truncated or corrupt ELF segment"));
                }
                if s.vaddr.checked_add(s.memsz).is_none() {
                    return Err(LoadError::bad(path, "corrupt ELF segment address"));
                }
                segments.push(s);
            }
            elf::PT_INTERP => {
                let bytes = ph
                    .data(endian, data)
                    .map_err(|_| LoadError::bad(path, "truncated ELF interpreter path"))?;
                let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                interp = Some(String::from_utf8_lossy(&bytes[..end]).into_owned());
            }
            elf::PT_PHDR => phdr_vaddr = Some(ph.p_vaddr(endian).into()),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(LoadError::bad(path, "ELF file has no loadable segments"));
    }
    Ok(Parsed {
        is_dyn: ty == elf::ET_DYN,
        entry: hdr.e_entry(endian).into(),
        phoff: hdr.e_phoff(endian).into(),
        phentsize: hdr.e_phentsize(endian) as u64,
        phnum: hdr.e_phnum(endian) as u64,
        segments,
        interp,
        phdr_vaddr,
    })
}

fn parse_any(path: &str, data: &[u8], mode: Mode) -> Result<Parsed, LoadError> {
    match mode {
        Mode::Bits32 => parse::<elf::FileHeader32<Endianness>>(path, data),
        Mode::Bits64 => parse::<elf::FileHeader64<Endianness>>(path, data),
    }
}

/// A mapped image.
struct Mapped {
    base: u64,
    entry: u64,
    phdr: u64,
    end: u64,
}

fn prot_of(flags: u32) -> i32 {
    let mut p = 0;
    if flags & elf::PF_R.0 != 0 {
        p |= libc::PROT_READ;
    }
    if flags & elf::PF_W.0 != 0 {
        p |= libc::PROT_WRITE;
    }
    if flags & elf::PF_X.0 != 0 {
        // The decoder reads guest code; PROT_EXEC only keeps the host's
        // view (/proc/self/maps) as the guest expects it.
        p |= libc::PROT_READ | libc::PROT_EXEC;
    }
    p
}

/// Maps an image's segments: file-backed (private) where the file offset
/// and address agree modulo the page size, as the kernel maps them, so that
/// /proc/self/maps names the file; copied into anonymous memory otherwise.
fn map_image(
    path: &str,
    host_file: &str,
    data: &[u8],
    p: &Parsed,
    mm: &mut AddressSpace,
    dyn_hint: u64,
) -> Result<Mapped, LoadError> {
    let lo = page_down(p.segments.iter().map(|s| s.vaddr).min().unwrap_or(0));
    let hi = page_up(
        p.segments
            .iter()
            .map(|s| s.vaddr + s.memsz)
            .max()
            .unwrap_or(0),
    );
    let span = hi - lo;
    if span == 0 {
        return Err(LoadError::bad(path, "ELF segments are empty"));
    }
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let nomem =
        |e: i64| LoadError::bad(path, &format!("cannot map program segments (error {})", -e));
    let base = if p.is_dyn {
        let at = mm.map_anon(dyn_hint, span, rw).map_err(nomem)?;
        at - lo
    } else {
        if mm.low4g && hi > crate::mm::TOP32 {
            return Err(LoadError::bad(path, "segments lie above 4 GiB"));
        }
        mm.map_fixed_anon(lo, span, rw).map_err(nomem)?;
        0
    };
    let file = std::fs::File::open(host_file).ok();
    // End of the pages mapped from the file so far (segments sharing a page
    // with an earlier one are copied into it instead).
    let mut mapped_to = 0;
    for s in &p.segments {
        let at = base + s.vaddr;
        let (page, file_page) = (page_down(at), page_down(s.offset));
        let congruent = at - page == s.offset - file_page;
        let from_file = match &file {
            Some(f) if congruent && s.filesz > 0 && page >= mapped_to => {
                use std::os::fd::AsRawFd;
                let len = page_up(at + s.filesz) - page;
                let flags = libc::MAP_PRIVATE | libc::MAP_FIXED;
                mm.mmap(page, len, rw, flags, f.as_raw_fd(), file_page) == page as i64
            }
            _ => false,
        };
        if from_file {
            mapped_to = page_up(at + s.filesz);
            // The rest of the last file page belongs to bss: zero it.
            let tail = mapped_to - (at + s.filesz);
            mem::write_bytes(at + s.filesz, &vec![0u8; tail as usize])
                .map_err(|_| LoadError::bad(path, "cannot clear program bss"))?;
        } else {
            let src = &data[s.offset as usize..(s.offset + s.filesz) as usize];
            mem::write_bytes(at, src)
                .map_err(|_| LoadError::bad(path, "cannot write program segment"))?;
        }
    }
    for s in &p.segments {
        let start = page_down(base + s.vaddr);
        let end = page_up(base + s.vaddr + s.memsz);
        mm.mprotect(start, end - start, prot_of(s.flags));
    }
    // Where the program headers are in memory.
    let phdr = match p.phdr_vaddr {
        Some(v) => base + v,
        None => p
            .segments
            .iter()
            .find(|s| p.phoff >= s.offset && p.phoff < s.offset + s.filesz)
            .map(|s| base + s.vaddr + (p.phoff - s.offset))
            .unwrap_or(0),
    };
    Ok(Mapped {
        base,
        entry: base + p.entry,
        phdr,
        end: base + hi,
    })
}

/// Everything the process needs after loading.
pub struct Loaded {
    pub mode: Mode,
    pub entry: u64,
    pub sp: u64,
    /// The auxiliary vector given to the guest (for /proc/self/auxv).
    pub auxv: Vec<(u64, u64)>,
}

/// The i386 system-call entry x86run provides in place of the kernel's
/// vDSO `__kernel_vsyscall` (AT_SYSINFO): `int $0x80; ret`.
const VSYSCALL32: [u8; 3] = [0xcd, 0x80, 0xc3];

/// Maps the page holding the i386 system-call entry; returns its address.
fn map_vsyscall32(mm: &mut AddressSpace) -> Option<u64> {
    let at = mm
        .map_anon(0, PAGE, libc::PROT_READ | libc::PROT_WRITE)
        .ok()?;
    mem::write_bytes(at, &VSYSCALL32).ok()?;
    mm.mprotect(at, PAGE, libc::PROT_READ | libc::PROT_EXEC);
    Some(at)
}

/// Options for building the initial stack.
pub struct ExecArgs<'a> {
    pub path: &'a str,
    pub argv: &'a [Vec<u8>],
    pub envp: &'a [Vec<u8>],
    /// Resolves a guest path (the program, its PT_INTERP) to a host path.
    pub interp_path: &'a dyn Fn(&str) -> String,
}

/// Loads the program into a fresh address space and builds its stack.
pub fn load(
    data: &[u8],
    mode: Mode,
    args: &ExecArgs,
    mm: &mut AddressSpace,
) -> Result<Loaded, LoadError> {
    let path = args.path;
    let p = parse_any(path, data, mode)?;
    let wsize: u64 = if mode == Mode::Bits32 { 4 } else { 8 };
    let rand_pages = crate::mm::random_u64() % 256;
    let exe_hint = match mode {
        Mode::Bits32 => 0x5655_5000 + rand_pages * PAGE,
        Mode::Bits64 => 0x5555_5555_4000 + rand_pages * PAGE,
    };
    let exe_file = (args.interp_path)(path);
    let exe = map_image(path, &exe_file, data, &p, mm, exe_hint)?;
    mm.init_brk(exe.end);

    let (entry, interp_base) = match &p.interp {
        Some(ip) => {
            let host = (args.interp_path)(ip);
            let idata = read_program(&host).map_err(|e| LoadError {
                msg: format!("{path}: cannot load interpreter {ip}: {}", e.msg),
                status: 126,
            })?;
            if guest_mode(&host, &idata)? != mode {
                return Err(LoadError::bad(
                    path,
                    &format!("interpreter {ip} is for another architecture"),
                ));
            }
            let ipar = parse_any(&host, &idata, mode)?;
            let hint = match mode {
                Mode::Bits32 => 0,
                Mode::Bits64 => 0x7f00_0000_0000 + rand_pages * PAGE * 16,
            };
            let im = map_image(&host, &host, &idata, &ipar, mm, hint)?;
            (im.entry, im.base)
        }
        None => (exe.entry, 0),
    };

    // The stack.
    let stack_lo = match mode {
        Mode::Bits32 => {
            let top = STACK_TOP32 - (crate::mm::random_u64() % 64) * PAGE;
            mm.map_fixed_anon(
                top - STACK_SIZE,
                STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        }
        Mode::Bits64 => mm.map_anon(0, STACK_SIZE, libc::PROT_READ | libc::PROT_WRITE),
    }
    .map_err(|e| LoadError::bad(path, &format!("cannot map the stack (error {})", -e)))?;
    let stack_top = stack_lo + STACK_SIZE;
    mm.stack = (stack_lo, stack_top);

    let mut sp = stack_top;
    let fault = |_| LoadError::bad(path, "cannot write the initial stack");
    let put_str = |sp: &mut u64, s: &[u8]| -> Result<u64, LoadError> {
        *sp -= s.len() as u64 + 1;
        mem::write_bytes(*sp, s).map_err(fault)?;
        mem::write_u8(*sp + s.len() as u64, 0).map_err(fault)?;
        Ok(*sp)
    };
    sp -= wsize; // end marker, as the kernel leaves
    let execfn = put_str(&mut sp, path.as_bytes())?;
    let mut env_ptrs = Vec::new();
    for e in args.envp.iter().rev() {
        env_ptrs.push(put_str(&mut sp, e)?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::new();
    for a in args.argv.iter().rev() {
        arg_ptrs.push(put_str(&mut sp, a)?);
    }
    arg_ptrs.reverse();
    let platform = put_str(
        &mut sp,
        if mode == Mode::Bits32 {
            b"i686"
        } else {
            b"x86_64"
        },
    )?;
    sp &= !15;
    sp -= 16;
    let random = sp;
    let rnd = [
        crate::mm::random_u64().to_le_bytes(),
        crate::mm::random_u64().to_le_bytes(),
    ]
    .concat();
    mem::write_bytes(random, &rnd).map_err(fault)?;

    // SAFETY-free ids: getuid and friends never fail.
    let ids = [
        crate::host::syscall6(libc::SYS_getuid as u64, [0; 6]) as u64,
        crate::host::syscall6(libc::SYS_geteuid as u64, [0; 6]) as u64,
        crate::host::syscall6(libc::SYS_getgid as u64, [0; 6]) as u64,
        crate::host::syscall6(libc::SYS_getegid as u64, [0; 6]) as u64,
    ];
    let hwcap = x86run_cpu::cpuid::leaf1_edx(mode) as u64;
    let mut auxv: Vec<(u64, u64)> = Vec::new();
    if mode == Mode::Bits32 {
        if let Some(at) = map_vsyscall32(mm) {
            auxv.push((32, at)); // AT_SYSINFO
        }
    }
    auxv.extend([
        (libc::AT_HWCAP, hwcap),
        (libc::AT_PAGESZ, PAGE),
        (libc::AT_CLKTCK, 100),
        (libc::AT_PHDR, exe.phdr),
        (libc::AT_PHENT, p.phentsize),
        (libc::AT_PHNUM, p.phnum),
        (libc::AT_BASE, interp_base),
        (libc::AT_FLAGS, 0),
        (libc::AT_ENTRY, exe.entry),
        (libc::AT_UID, ids[0]),
        (libc::AT_EUID, ids[1]),
        (libc::AT_GID, ids[2]),
        (libc::AT_EGID, ids[3]),
        (libc::AT_SECURE, 0),
        (libc::AT_RANDOM, random),
        (libc::AT_HWCAP2, 0),
        (libc::AT_EXECFN, execfn),
        (libc::AT_PLATFORM, platform),
        (51, 2048), // AT_MINSIGSTKSZ
        (libc::AT_NULL, 0),
    ]);
    let words = 1 + arg_ptrs.len() + 1 + env_ptrs.len() + 1 + auxv.len() * 2;
    sp -= words as u64 * wsize;
    sp &= !15;
    let mut at = sp;
    let mut put = |v: u64| -> Result<(), LoadError> {
        mem::write(at, wsize as u32, v).map_err(fault)?;
        at += wsize;
        Ok(())
    };
    put(arg_ptrs.len() as u64)?;
    for a in &arg_ptrs {
        put(*a)?;
    }
    put(0)?;
    for e in &env_ptrs {
        put(*e)?;
    }
    put(0)?;
    for (k, v) in &auxv {
        put(*k)?;
        put(*v)?;
    }
    Ok(Loaded {
        mode,
        entry,
        sp,
        auxv,
    })
}
