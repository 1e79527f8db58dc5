//! Escaping what traced programs (and recordings) chose before it reaches a terminal or a text
//! file: tracer runs as root and prints names an unprivileged process picked, so a `comm` set
//! with `prctl(PR_SET_NAME)`, an exec'd file name or a recording's header must not carry an
//! escape sequence to root's terminal (a changed title, fake lines) or a newline into a log.
//!
//! The rules follow strace's for strings (strace/src/util.c `string_quote`): printable
//! characters as they are, `\\` for a backslash and `\"` for a quote, `\t \n \v \f \r`, other control bytes in
//! octal (`\33` for ESC, three digits when a digit follows), and, since names are shown as
//! UTF-8 here, bytes that are not UTF-8 as `\xNN` and Unicode's own controls (C1, bidi
//! overrides, zero-width marks, which a terminal or a reader acts on) as `\u{202e}`.
//! docs/trace-format.md says where this differs from strace.

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// A name (or any text a traced program chose), escaped.
pub fn name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    name_into(bytes, &mut out);
    out
}

/// [`name`], appended to `out`.
pub fn name_into(bytes: &[u8], out: &mut String) {
    escape_into(bytes, out, true);
}

/// `quote`: escape `"` too, for text that is shown between quotes.
fn escape_into(bytes: &[u8], out: &mut String, quote: bool) {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut chars = valid.chars().peekable();
        while let Some(c) = chars.next() {
            let next_is_digit = match chars.peek() {
                Some(n) => n.is_ascii_digit(),
                // The invalid bytes that follow are written as \xNN: never a digit.
                None => false,
            };
            if c == '"' && !quote {
                out.push(c);
            } else {
                push_char(c, next_is_digit, out);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

fn push_char(c: char, next_is_digit: bool, out: &mut String) {
    match c {
        '\\' => out.push_str("\\\\"),
        // Names are often shown in quotes (`+++ exec "..." +++`): one must not end them.
        '"' => out.push_str("\\\""),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\x0b' => out.push_str("\\v"),
        '\x0c' => out.push_str("\\f"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            if next_is_digit {
                let _ = write!(out, "\\{:03o}", c as u32);
            } else {
                let _ = write!(out, "\\{:o}", c as u32);
            }
        }
        c if is_unicode_control(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Characters a terminal or a reader acts on rather than shows: the C1 controls (U+0080 to
/// U+009F; U+009B is CSI on terminals that take 8-bit controls), and Unicode's format
/// characters that reorder or hide text (bidi embeddings, overrides and isolates, zero-width
/// marks, the line and paragraph separators, the BOM).
fn is_unicode_control(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}')
}

/// A string that is probably harmless (a path given on tracer's own command line, a kernel
/// release, a recording's header), escaped all the same but for its quotes (it is not shown
/// between quotes): borrowed when nothing needed escaping.
pub fn str(s: &str) -> Cow<'_, str> {
    if s.chars()
        .all(|c| !(c == '\\' || (c as u32) < 0x20 || c == '\x7f' || is_unicode_control(c)))
    {
        Cow::Borrowed(s)
    } else {
        let mut out = String::with_capacity(s.len() + 8);
        escape_into(s.as_bytes(), &mut out, false);
        Cow::Owned(out)
    }
}

/// A text a recording carries that tracer escaped as it wrote it (a user frame's function and
/// file): kept as it is when nothing in it is a control character, so replay shows what the
/// live run showed (escaping it again doubled each backslash); anything else, which only a
/// crafted file holds, escaped like any text from a recording.
pub fn recorded(s: &str) -> Cow<'_, str> {
    if s.chars()
        .all(|c| !((c as u32) < 0x20 || c == '\x7f' || is_unicode_control(c)))
    {
        Cow::Borrowed(s)
    } else {
        str(s)
    }
}

/// A path, escaped (its bytes need not be UTF-8).
pub fn path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    name(p.as_os_str().as_bytes())
}

#[cfg(test)]
/// True when `s` holds nothing a terminal would act on: what every renderer's output must be
/// (tests assert it of every line tracer writes from hostile input).
pub fn is_inert(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\n' || !((c as u32) < 0x20 || c == '\x7f' || is_unicode_control(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_text_is_escaped_once() {
        for raw in ["lib\x1b]0;x\x07.so", "a\\b", "back\\slash\u{202e}", "plain"] {
            let written = str(raw);
            // What tracer wrote is shown as it is: no backslash doubled on replay.
            assert_eq!(recorded(&written), written);
            assert!(is_inert(&recorded(&written)));
        }
        // A crafted recording's raw control bytes are escaped.
        assert_eq!(recorded("a\x1bb"), "a\\33b");
        assert!(is_inert(&recorded("x\u{202e}y\n")));
    }

    #[test]
    fn as_strace_writes_them() {
        assert_eq!(name(b"plain-name_1.2"), "plain-name_1.2");
        assert_eq!(name(b"a\x1b]0;owned\x07b"), "a\\33]0;owned\\7b");
        // Three digits when a digit follows, so that the escape is not read as longer.
        assert_eq!(name(b"\x1b1"), "\\0331");
        assert_eq!(name(b"\t\n\x0b\x0c\r\\"), "\\t\\n\\v\\f\\r\\\\");
        assert_eq!(name(b"a\" +++ forged"), "a\\\" +++ forged");
        assert_eq!(name(b"\x7f\x00"), "\\177\\0");
    }

    #[test]
    fn utf8_is_kept_and_the_rest_is_hex() {
        assert_eq!(name("服务器".as_bytes()), "服务器");
        assert_eq!(name(b"a\xffb\xc3"), "a\\xffb\\xc3");
        // C1 CSI, a right-to-left override, a zero-width space.
        assert_eq!(
            name("x\u{9b}2Jy\u{202e}z\u{200b}".as_bytes()),
            "x\\u{9b}2Jy\\u{202e}z\\u{200b}"
        );
    }

    /// Every byte value, alone and between others: the escaped form never holds a byte a
    /// terminal acts on, and only ASCII escapes stand for what was removed.
    #[test]
    fn no_byte_value_survives_raw() {
        for b in 0..=255u8 {
            for input in [vec![b], vec![b'a', b, b'1'], vec![b, b, 0xc2, b]] {
                let s = name(&input);
                assert!(is_inert(&s), "{input:?} -> {s:?}");
                assert!(!s.contains('\n'), "{input:?} -> {s:?}");
            }
        }
        // Every two-byte sequence, which covers the C1 controls as UTF-8 (c2 80..c2 9f).
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let s = name(&[a, b]);
                assert!(is_inert(&s) && !s.contains('\n'), "{a:#x} {b:#x} -> {s:?}");
            }
        }
    }

    #[test]
    fn str_borrows_what_is_clean() {
        assert!(matches!(str("6.18.44"), Cow::Borrowed(_)));
        assert_eq!(str("a\u{1b}b"), "a\\33b");
        assert_eq!(str("command \"x\u{1b}\""), "command \"x\\33\"");
    }
}
