//! SSE/SSE2/SSE3/SSE4.1 floating-point instructions on xmm registers:
//! arithmetic, min/max, sqrt, compares, conversions, horizontal and dot
//! products, rounding, blends and inserts. Semantics come from `fp::sse`;
//! an unmasked exception sets the MXCSR flags, leaves the destination and
//! raises #XM (SIGFPE).

use crate::fp::approx;
use crate::fp::sse::{self, Env, Kind, Op};
use crate::fp::Rc;
use crate::interp::{Exec, Exit, Res};
use crate::mem;
use iced_x86::{Instruction, Mnemonic, OpKind};
use std::cmp::Ordering;

fn lane(v: u128, k: Kind, n: u32) -> u64 {
    let w = k.width();
    ((v >> (n * w)) as u64) & (u64::MAX >> (64 - w))
}

fn set_lane(v: u128, k: Kind, n: u32, x: u64) -> u128 {
    let w = k.width();
    let m = (u64::MAX >> (64 - w)) as u128;
    (v & !(m << (n * w))) | (((x as u128) & m) << (n * w))
}

/// Runs `f` with a fresh flag set and merges its flags into `env`.
fn with<T>(env: &mut Env, f: impl FnOnce(&mut Env) -> T) -> T {
    let mut e = Env { flags: 0, ..*env };
    let r = f(&mut e);
    env.flags |= e.flags;
    r
}

impl Exec {
    /// Stores the raised flags in MXCSR; an unmasked one raises #XM.
    fn sse_flags(&mut self, env: &Env) -> Res {
        self.cpu.mxcsr |= env.flags as u32;
        self.simd_trap(env.unmasked())
    }

    /// An unmasked SIMD exception: #XM, reported as SIGFPE with the code
    /// the kernel derives from MXCSR.
    pub(crate) fn simd_trap(&mut self, unmasked: u8) -> Res {
        if unmasked != 0 {
            let code = super::x87::fpe_code(unmasked as u16);
            self.cpu.x87.fp_trap = Some((code, 19));
            return Err(Exit::DivideError);
        }
        Ok(())
    }

    /// The second operand: a full xmm/m128 (aligned) for packed forms, the
    /// low element (or memory of its size) for scalar ones.
    fn fp_src(&mut self, i: &Instruction, n: u32, packed: bool, k: Kind) -> Result<u128, Exit> {
        if packed {
            self.src128(i, n, true)
        } else {
            self.src_low(i, n, k.width() / 8)
        }
    }

    /// Lane-wise `dst = f(dst, src)` over all lanes (packed) or lane 0.
    fn fp_binary(
        &mut self,
        i: &Instruction,
        k: Kind,
        packed: bool,
        f: impl Fn(u64, u64, &mut Env) -> u64,
    ) -> Res {
        let dst = i.op0_register();
        let a = self.xmm(dst);
        let b = self.fp_src(i, 1, packed, k)?;
        let n = if packed { 128 / k.width() } else { 1 };
        let mut env = Env::new(self.cpu.mxcsr);
        let mut r = a;
        for l in 0..n {
            let x = with(&mut env, |e| f(lane(a, k, l), lane(b, k, l), e));
            r = set_lane(r, k, l, x);
        }
        self.sse_flags(&env)?;
        self.set_xmm(dst, r);
        Ok(())
    }

    /// Handles the SSE floating-point mnemonics; `None` for others.
    pub(crate) fn sse_fp(&mut self, i: &Instruction) -> Option<Res> {
        use Mnemonic::*;
        let m = i.mnemonic();
        let kind = |m: Mnemonic| -> (Kind, bool) {
            match m {
                Addps | Subps | Mulps | Divps | Minps | Maxps | Sqrtps | Cmpps => (Kind::S, true),
                Addss | Subss | Mulss | Divss | Minss | Maxss | Sqrtss | Cmpss => (Kind::S, false),
                Addpd | Subpd | Mulpd | Divpd | Minpd | Maxpd | Sqrtpd | Cmppd => (Kind::D, true),
                _ => (Kind::D, false),
            }
        };
        let r = match m {
            Addps | Addss | Addpd | Addsd | Subps | Subss | Subpd | Subsd | Mulps | Mulss
            | Mulpd | Mulsd | Divps | Divss | Divpd | Divsd => {
                let (k, packed) = kind(m);
                let op = match m {
                    Addps | Addss | Addpd | Addsd => Op::Add,
                    Subps | Subss | Subpd | Subsd => Op::Sub,
                    Mulps | Mulss | Mulpd | Mulsd => Op::Mul,
                    _ => Op::Div,
                };
                self.fp_binary(i, k, packed, |a, b, e| sse::binop(k, op, a, b, e))
            }
            Minps | Minss | Minpd | Minsd | Maxps | Maxss | Maxpd | Maxsd => {
                let (k, packed) = kind(m);
                let max = matches!(m, Maxps | Maxss | Maxpd | Maxsd);
                self.fp_binary(i, k, packed, |a, b, e| sse::minmax(k, max, a, b, e))
            }
            Sqrtps | Sqrtss | Sqrtpd | Sqrtsd => {
                let (k, packed) = kind(m);
                self.fp_binary(i, k, packed, |_, b, e| sse::sqrt(k, b, e))
            }
            Rcpps | Rcpss | Rsqrtps | Rsqrtss => {
                let packed = matches!(m, Rcpps | Rsqrtps);
                let rsqrt = matches!(m, Rsqrtps | Rsqrtss);
                self.fp_binary(i, Kind::S, packed, |_, b, _| {
                    let b = b as u32;
                    (if rsqrt {
                        approx::rsqrt(b)
                    } else {
                        approx::rcp(b)
                    }) as u64
                })
            }
            Cmpps | Cmpss | Cmppd | Cmpsd => {
                let (k, packed) = kind(m);
                let pred = i.immediate8();
                let ones = u64::MAX >> (64 - k.width());
                self.fp_binary(i, k, packed, |a, b, e| {
                    if sse::cmp_pred(k, pred, a, b, e) {
                        ones
                    } else {
                        0
                    }
                })
            }
            Comiss | Ucomiss | Comisd | Ucomisd => self.comis(i),
            Addsubps | Addsubpd | Haddps | Haddpd | Hsubps | Hsubpd => self.horizontal(i),
            Roundps | Roundpd | Roundss | Roundsd => {
                let (k, packed) = match m {
                    Roundps => (Kind::S, true),
                    Roundpd => (Kind::D, true),
                    Roundss => (Kind::S, false),
                    _ => (Kind::D, false),
                };
                let imm = i.immediate8();
                let quiet = imm & 8 != 0;
                let mx = self.cpu.mxcsr;
                let rc = if imm & 4 != 0 {
                    Rc::from_bits(mx >> 13)
                } else {
                    Rc::from_bits(imm as u32)
                };
                self.fp_binary(i, k, packed, |_, b, e| sse::round_int(k, b, rc, quiet, e))
            }
            Dpps | Dppd => self.dot(i),
            _ => return self.sse_convert(i),
        };
        Some(r)
    }

    fn comis(&mut self, i: &Instruction) -> Res {
        use crate::flags::{AF, CF, OF, PF, SF, ZF};
        use Mnemonic::*;
        let m = i.mnemonic();
        let k = if matches!(m, Comiss | Ucomiss) {
            Kind::S
        } else {
            Kind::D
        };
        let a = lane(self.xmm(i.op0_register()), k, 0);
        let b = lane(self.fp_src(i, 1, false, k)?, k, 0);
        let mut env = Env::new(self.cpu.mxcsr);
        let o = sse::compare(k, a, b, matches!(m, Comiss | Comisd), &mut env);
        self.sse_flags(&env)?;
        let f = match o {
            Some(Ordering::Greater) => 0,
            Some(Ordering::Less) => CF,
            Some(Ordering::Equal) => ZF,
            None => ZF | PF | CF,
        };
        self.cpu.flags.set_some(CF | PF | AF | ZF | SF | OF, f);
        Ok(())
    }

    fn horizontal(&mut self, i: &Instruction) -> Res {
        use Mnemonic::*;
        let m = i.mnemonic();
        let k = if matches!(m, Addsubps | Haddps | Hsubps) {
            Kind::S
        } else {
            Kind::D
        };
        let dst = i.op0_register();
        let a = self.xmm(dst);
        let b = self.src128(i, 1, true)?;
        let n = 128 / k.width();
        let mut env = Env::new(self.cpu.mxcsr);
        let mut r = 0u128;
        for l in 0..n {
            let (x, y, op) = match m {
                Addsubps | Addsubpd => (
                    lane(a, k, l),
                    lane(b, k, l),
                    if l % 2 == 0 { Op::Sub } else { Op::Add },
                ),
                _ => {
                    let src = if l < n / 2 { a } else { b };
                    let j = (l % (n / 2)) * 2;
                    let op = if matches!(m, Haddps | Haddpd) {
                        Op::Add
                    } else {
                        Op::Sub
                    };
                    (lane(src, k, j), lane(src, k, j + 1), op)
                }
            };
            let v = with(&mut env, |e| sse::binop(k, op, x, y, e));
            r = set_lane(r, k, l, v);
        }
        self.sse_flags(&env)?;
        self.set_xmm(dst, r);
        Ok(())
    }

    fn dot(&mut self, i: &Instruction) -> Res {
        let k = if i.mnemonic() == Mnemonic::Dpps {
            Kind::S
        } else {
            Kind::D
        };
        let dst = i.op0_register();
        let a = self.xmm(dst);
        let b = self.src128(i, 1, true)?;
        let imm = i.immediate8() as u32;
        let n = 128 / k.width();
        let mut env = Env::new(self.cpu.mxcsr);
        let zero = 0u64;
        let mut t = [0u64; 4];
        for l in 0..n {
            t[l as usize] = if imm & (16 << l) != 0 {
                with(&mut env, |e| {
                    sse::binop(k, Op::Mul, lane(a, k, l), lane(b, k, l), e)
                })
            } else {
                zero
            };
        }
        let sum = if n == 4 {
            let s0 = with(&mut env, |e| sse::binop(k, Op::Add, t[0], t[1], e));
            let s1 = with(&mut env, |e| sse::binop(k, Op::Add, t[2], t[3], e));
            with(&mut env, |e| sse::binop(k, Op::Add, s0, s1, e))
        } else {
            with(&mut env, |e| sse::binop(k, Op::Add, t[0], t[1], e))
        };
        self.sse_flags(&env)?;
        let mut r = 0u128;
        for l in 0..n {
            if imm & (1 << l) != 0 {
                r = set_lane(r, k, l, sum);
            }
        }
        self.set_xmm(dst, r);
        Ok(())
    }

    /// Conversions, blends, inserts and duplicating moves; `None` for
    /// mnemonics that are not SSE floating point.
    fn sse_convert(&mut self, i: &Instruction) -> Option<Res> {
        use Mnemonic::*;
        let m = i.mnemonic();
        let r = match m {
            Cvtsi2ss | Cvtsi2sd => (|| {
                let k = if m == Cvtsi2ss { Kind::S } else { Kind::D };
                let size = self.op_size(i, 1);
                let v = self.read_op(i, 1, size)?;
                let v = if size == 4 { v as i32 as i64 } else { v as i64 };
                let mut env = Env::new(self.cpu.mxcsr);
                let x = sse::from_i(k, v, &mut env);
                self.sse_flags(&env)?;
                let dst = i.op0_register();
                let r = set_lane(self.xmm(dst), k, 0, x);
                self.set_xmm(dst, r);
                Ok(())
            })(),
            Cvtss2si | Cvttss2si | Cvtsd2si | Cvttsd2si => (|| {
                let k = if matches!(m, Cvtss2si | Cvttss2si) {
                    Kind::S
                } else {
                    Kind::D
                };
                let trunc = matches!(m, Cvttss2si | Cvttsd2si);
                let bits = i.op0_register().size() as u32 * 8;
                let a = lane(self.fp_src(i, 1, false, k)?, k, 0);
                let mut env = Env::new(self.cpu.mxcsr);
                let x = sse::to_i(k, a, bits, trunc, &mut env);
                self.sse_flags(&env)?;
                self.cpu.set_reg(i.op0_register(), x);
                Ok(())
            })(),
            Cvtss2sd | Cvtsd2ss => (|| {
                let (from, to) = if m == Cvtss2sd {
                    (Kind::S, Kind::D)
                } else {
                    (Kind::D, Kind::S)
                };
                let a = lane(self.fp_src(i, 1, false, from)?, from, 0);
                let mut env = Env::new(self.cpu.mxcsr);
                let x = sse::convert(from, to, a, &mut env);
                self.sse_flags(&env)?;
                let dst = i.op0_register();
                let r = set_lane(self.xmm(dst), to, 0, x);
                self.set_xmm(dst, r);
                Ok(())
            })(),
            Cvtps2pd | Cvtpd2ps | Cvtdq2ps | Cvtps2dq | Cvttps2dq | Cvtdq2pd | Cvtpd2dq
            | Cvttpd2dq => (|| {
                // Sources of 64 bits: cvtps2pd and cvtdq2pd.
                let src = if matches!(m, Cvtps2pd | Cvtdq2pd) {
                    self.src_low(i, 1, 8)?
                } else {
                    self.src128(i, 1, true)?
                };
                let mut env = Env::new(self.cpu.mxcsr);
                let mut r = 0u128;
                let (n, from, to) = match m {
                    Cvtps2pd => (2, Kind::S, Kind::D),
                    Cvtpd2ps => (2, Kind::D, Kind::S),
                    Cvtdq2ps | Cvtps2dq | Cvttps2dq => (4, Kind::S, Kind::S),
                    _ => (2, Kind::D, Kind::S),
                };
                for l in 0..n {
                    let x = match m {
                        Cvtps2pd | Cvtpd2ps => {
                            let a = lane(src, from, l);
                            with(&mut env, |e| sse::convert(from, to, a, e))
                        }
                        Cvtdq2ps => {
                            let v = lane(src, Kind::S, l) as u32 as i32 as i64;
                            with(&mut env, |e| sse::from_i(Kind::S, v, e))
                        }
                        Cvtdq2pd => {
                            let v = lane(src, Kind::S, l) as u32 as i32 as i64;
                            with(&mut env, |e| sse::from_i(Kind::D, v, e))
                        }
                        _ => {
                            let trunc = matches!(m, Cvttps2dq | Cvttpd2dq);
                            let a = lane(src, from, l);
                            with(&mut env, |e| sse::to_i(from, a, 32, trunc, e))
                        }
                    };
                    let out = if m == Cvtdq2pd { Kind::D } else { to };
                    r = set_lane(r, out, l, x);
                }
                self.sse_flags(&env)?;
                self.set_xmm(i.op0_register(), r);
                Ok(())
            })(),
            Movddup | Movshdup | Movsldup => (|| {
                let v = if m == Movddup {
                    self.src_low(i, 1, 8)?
                } else {
                    self.src128(i, 1, true)?
                };
                let r = match m {
                    Movddup => (v & u64::MAX as u128) | (v << 64),
                    Movshdup => {
                        let (x, y) = ((v >> 32) as u32 as u128, (v >> 96) as u32 as u128);
                        x | (x << 32) | (y << 64) | (y << 96)
                    }
                    _ => {
                        let (x, y) = (v as u32 as u128, (v >> 64) as u32 as u128);
                        x | (x << 32) | (y << 64) | (y << 96)
                    }
                };
                self.set_xmm(i.op0_register(), r);
                Ok(())
            })(),
            Blendps | Blendpd | Blendvps | Blendvpd => (|| {
                let k = if matches!(m, Blendps | Blendvps) {
                    Kind::S
                } else {
                    Kind::D
                };
                let dst = i.op0_register();
                let (a, b) = (self.xmm(dst), self.src128(i, 1, true)?);
                let mask = self.cpu.xmm[0];
                let mut r = a;
                for l in 0..128 / k.width() {
                    let pick = if matches!(m, Blendps | Blendpd) {
                        i.immediate8() >> l & 1 != 0
                    } else {
                        lane(mask, k, l) >> (k.width() - 1) != 0
                    };
                    if pick {
                        r = set_lane(r, k, l, lane(b, k, l));
                    }
                }
                self.set_xmm(dst, r);
                Ok(())
            })(),
            Insertps => (|| {
                let imm = i.immediate8() as u32;
                let dst = i.op0_register();
                let v = if i.op1_kind() == OpKind::Memory {
                    mem::read_u32(self.ea(i))? as u64
                } else {
                    lane(self.xmm(i.op1_register()), Kind::S, imm >> 6)
                };
                let mut r = set_lane(self.xmm(dst), Kind::S, (imm >> 4) & 3, v);
                for l in 0..4 {
                    if imm & (1 << l) != 0 {
                        r = set_lane(r, Kind::S, l, 0);
                    }
                }
                self.set_xmm(dst, r);
                Ok(())
            })(),
            Extractps => (|| {
                let v = lane(
                    self.xmm(i.op1_register()),
                    Kind::S,
                    i.immediate8() as u32 & 3,
                );
                if i.op0_kind() == OpKind::Memory {
                    mem::write_u32(self.ea(i), v as u32)?;
                } else {
                    self.cpu.set_reg(i.op0_register(), v);
                }
                Ok(())
            })(),
            _ => return None,
        };
        Some(r)
    }
}
