//! AES-NI round primitives (AESENC, AESENCLAST, AESDEC, AESDECLAST, AESIMC,
//! AESKEYGENASSIST) on 128-bit state values, byte 0 = the low byte.

use iced_x86::Mnemonic;

/// Multiplication by x in GF(2^8).
fn xt(b: u8) -> u8 {
    (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 }
}

fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        a = xt(a);
        b >>= 1;
    }
    r
}

/// The S-box entry: multiplicative inverse and affine map.
fn sbox_calc(x: u8) -> u8 {
    let mut inv = 0u8;
    if x != 0 {
        // x^254 is the inverse.
        let mut r = 1u8;
        let mut p = x;
        let mut e = 254u32;
        while e != 0 {
            if e & 1 != 0 {
                r = gmul(r, p);
            }
            p = gmul(p, p);
            e >>= 1;
        }
        inv = r;
    }
    inv ^ inv.rotate_left(1) ^ inv.rotate_left(2) ^ inv.rotate_left(3) ^ inv.rotate_left(4) ^ 0x63
}

/// The S-box and its inverse as tables, computed once.
fn tables() -> &'static ([u8; 256], [u8; 256]) {
    static T: std::sync::OnceLock<([u8; 256], [u8; 256])> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut f = [0u8; 256];
        let mut b = [0u8; 256];
        for x in 0..=255u8 {
            let y = sbox_calc(x);
            f[x as usize] = y;
            b[y as usize] = x;
        }
        (f, b)
    })
}

fn sbox(x: u8) -> u8 {
    tables().0[x as usize]
}

fn inv_sbox(y: u8) -> u8 {
    tables().1[y as usize]
}

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

fn shift_rows(s: [u8; 16], inv: bool) -> [u8; 16] {
    let mut r = [0u8; 16];
    for c in 0..4 {
        for row in 0..4 {
            let src = if inv {
                (c + 4 - row) % 4
            } else {
                (c + row) % 4
            };
            r[4 * c + row] = s[4 * src + row];
        }
    }
    r
}

fn mix(s: [u8; 16], m: [u8; 4]) -> [u8; 16] {
    let mut r = [0u8; 16];
    for c in 0..4 {
        for row in 0..4 {
            let mut v = 0;
            for k in 0..4 {
                v ^= gmul(m[(k + 4 - row) % 4], s[4 * c + k]);
            }
            r[4 * c + row] = v;
        }
    }
    r
}

/// One encryption or decryption round with round key `key`.
pub(crate) fn round(m: Mnemonic, state: u128, key: u128) -> u128 {
    let s = bytes(state);
    let r = match m {
        Mnemonic::Aesenc | Mnemonic::Aesenclast => {
            let mut t = shift_rows(s, false);
            for b in t.iter_mut() {
                *b = sbox(*b);
            }
            if m == Mnemonic::Aesenc {
                t = mix(t, [2, 3, 1, 1]);
            }
            t
        }
        _ => {
            let mut t = shift_rows(s, true);
            for b in t.iter_mut() {
                *b = inv_sbox(*b);
            }
            if m == Mnemonic::Aesdec {
                t = mix(t, [14, 11, 13, 9]);
            }
            t
        }
    };
    u128::from_le_bytes(r) ^ key
}

pub(crate) fn inv_mix_columns(v: u128) -> u128 {
    u128::from_le_bytes(mix(bytes(v), [14, 11, 13, 9]))
}

pub(crate) fn keygen_assist(v: u128, rcon: u8) -> u128 {
    let w = |k: u32| (v >> (32 * k)) as u32;
    let sub = |x: u32| u32::from_le_bytes(x.to_le_bytes().map(sbox));
    let (x1, x3) = (sub(w(1)), sub(w(3)));
    let r = rcon as u32;
    (x1 as u128)
        | (((x1.rotate_right(8) ^ r) as u128) << 32)
        | ((x3 as u128) << 64)
        | (((x3.rotate_right(8) ^ r) as u128) << 96)
}
