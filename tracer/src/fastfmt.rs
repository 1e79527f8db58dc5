//! Numbers and padded fields appended to a `String` without `core::fmt` (its `write!` costs
//! a formatter and a dynamic call per piece): the text export formats a call in a few hundred
//! nanoseconds, and these are most of its pieces.

/// `n` in decimal.
pub fn u64_into(s: &mut String, n: u64) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// `n` in decimal, with its sign.
pub fn i64_into(s: &mut String, n: i64) {
    s.push_str(itoa::Buffer::new().format(n));
}

/// `n` as `{:#x}` writes it: `0x`, then lowercase hexadecimal digits.
pub fn hex_into(s: &mut String, n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 18];
    let mut at = buf.len();
    let mut rest = n;
    loop {
        at -= 1;
        buf[at] = DIGITS[(rest & 0xf) as usize];
        rest >>= 4;
        if rest == 0 {
            break;
        }
    }
    buf[at - 2..at].copy_from_slice(b"0x");
    // ASCII digits and "0x".
    s.push_str(std::str::from_utf8(&buf[at - 2..]).unwrap_or_default());
}

/// `n` right-aligned in `width` columns (`{:>width$}`).
pub fn u64_right(s: &mut String, n: u64, width: usize) {
    let mut b = itoa::Buffer::new();
    let t = b.format(n);
    spaces(s, width.saturating_sub(t.len()));
    s.push_str(t);
}

/// `n` with leading zeros to `width` digits (`{:0width$}`).
pub fn u64_zeros(s: &mut String, n: u64, width: usize) {
    let mut b = itoa::Buffer::new();
    let t = b.format(n);
    for _ in t.len()..width {
        s.push('0');
    }
    s.push_str(t);
}

/// `t` left-aligned in `width` columns (`{:<width$}`, counted in characters as `format!`).
pub fn str_left(s: &mut String, t: &str, width: usize) {
    s.push_str(t);
    let n = if t.is_ascii() {
        t.len()
    } else {
        t.chars().count()
    };
    spaces(s, width.saturating_sub(n));
}

fn spaces(s: &mut String, n: usize) {
    const PAD: &str = "                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(PAD.len());
        s.push_str(&PAD[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_is_what_format_writes() {
        for n in [0u64, 7, 42, 1_234_567, 99_999_999, u64::MAX] {
            let mut s = String::new();
            u64_right(&mut s, n, 7);
            u64_zeros(&mut s, n, 6);
            u64_into(&mut s, n);
            assert_eq!(s, format!("{n:>7}{n:06}{n}"));
        }
        for n in [0i64, -1, -4095, i64::MIN, i64::MAX] {
            let mut s = String::new();
            i64_into(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        for t in ["", "tbench", "a-very-long-thread-name", "名前"] {
            let mut s = String::new();
            str_left(&mut s, t, 15);
            assert_eq!(s, format!("{t:<15}"));
        }
        let mut s = String::new();
        u64_right(&mut s, 5, 40);
        assert_eq!(s, format!("{:>40}", 5));
        for n in [0u64, 1, 0xf, 0x10, 0x7ffd_1234_abcd, u64::MAX] {
            let mut s = String::new();
            hex_into(&mut s, n);
            assert_eq!(s, format!("{n:#x}"));
        }
    }
}
