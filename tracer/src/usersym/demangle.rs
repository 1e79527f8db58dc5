//! Function names as `perf`, `gdb`, `addr2line` and `strace -k` show them: a Rust or C++
//! symbol demangled (`tracer::demo::socketcall::ia32::run`, not
//! `_ZN6tracer4demo10socketcall4ia323run17h0123456789abcdefE`), cut to [`SHOWN_MAX`] bytes and
//! escaped. Each file's names are turned into this once per symbol, when a frame first lands in
//! it (`elf::Symbols::at`), and a recording carries the result.
//!
//! - Rust, legacy (`_ZN...17h<hash>E`) and v0 (`_R...`): rustc-demangle's alternate form
//!   (`{:#}`), without the legacy hash and v0's crate disambiguators, as `perf` and
//!   `addr2line` print them.
//! - C++ (Itanium ABI, `_Z...`): cpp_demangle, with the parameter types, as `c++filt` prints
//!   them (`std::vector<int, std::allocator<int> >::push_back(int const&)`).
//! - Anything else, and any name either demangler refuses (a symbol table is the traced
//!   program's to write: it can hold any bytes), as it is.
//!
//! Only names with those prefixes are given to a demangler: cpp_demangle also reads a bare
//! type, so a C function named `f` would otherwise be shown as `float`.

use std::fmt::{self, Write as _};

/// The longest name shown, in bytes before escaping, `...` included: a C++ template's name can
/// demangle to kilobytes (and a hostile file's to far more), and it is one step of a line.
pub const SHOWN_MAX: usize = 256;

/// What ends a name that was cut.
const CUT: &str = "...";

/// What a frame shows for the symbol `raw`: demangled when it is a Rust or C++ name that parses,
/// else `raw`; cut to [`SHOWN_MAX`] bytes on a character boundary (ending with `...`); escaped.
pub fn shown(raw: &str) -> Box<str> {
    let text = demangled(raw).unwrap_or_else(|| {
        let mut b = Bounded::default();
        // An error is only the bound, which `finish` marks.
        let _ = b.write_str(raw);
        b
    });
    escaped(&text.finish())
}

/// A recording's function name, as the frame shows it: a recording made before tracer demangled
/// names carries the mangled one, shown as a new recording would show it; any other name is
/// the text tracer wrote, escaped again only if it holds a control character (a crafted file:
/// [`crate::escape::recorded`]; the recorder already cut it).
pub fn recorded(func: &str) -> Box<str> {
    match demangled(func) {
        Some(text) => escaped(&text.finish()),
        None => crate::escape::recorded(func).into_owned().into_boxed_str(),
    }
}

fn escaped(s: &str) -> Box<str> {
    crate::escape::str(s).into_owned().into_boxed_str()
}

/// `raw` demangled, at most [`SHOWN_MAX`] bytes of it; `None` when it is no Rust or C++ name
/// that its demangler accepts.
fn demangled(raw: &str) -> Option<Bounded> {
    // The legacy Rust form is a valid C++ name too (`...::h0123456789abcdef` to cpp_demangle):
    // Rust first, as addr2line does.
    if (raw.starts_with("_ZN") || raw.starts_with("_R"))
        && let Ok(d) = rustc_demangle::try_demangle(raw)
    {
        let mut out = Bounded::default();
        // try_demangle parsed the whole name: an error here is only the bound (rustc-demangle
        // passes the writer's error up, and writes `{size limit reached}` past its own 1 MB).
        let _ = write!(out, "{d:#}");
        return Some(out);
    }
    if !raw.starts_with("_Z") {
        return None;
    }
    let sym = cpp_demangle::BorrowedSymbol::new(raw.as_bytes()).ok()?;
    let mut out = Bounded::default();
    // Writing stops at the bound (the writer's error ends the walk); any other error (its
    // recursion limit) leaves the raw name.
    match sym.structured_demangle(&mut out, &cpp_demangle::DemangleOptions::default()) {
        Ok(()) => Some(out),
        Err(fmt::Error) if out.cut => Some(out),
        Err(fmt::Error) => None,
    }
}

/// Text written up to [`SHOWN_MAX`] bytes: a write past it keeps what fits (on a character
/// boundary), marks the text cut and fails, which ends a demangler's output early.
#[derive(Default)]
struct Bounded {
    text: String,
    cut: bool,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Err(fmt::Error);
        }
        if self.text.len() + s.len() <= SHOWN_MAX {
            self.text.push_str(s);
            return Ok(());
        }
        let room = SHOWN_MAX - self.text.len();
        self.text.push_str(&s[..s.floor_char_boundary(room)]);
        self.cut = true;
        Err(fmt::Error)
    }
}

impl Bounded {
    /// The text; when cut, the most of it that fits before `...` in [`SHOWN_MAX`] bytes.
    fn finish(mut self) -> String {
        if self.cut {
            let at = self.text.floor_char_boundary(SHOWN_MAX - CUT.len());
            self.text.truncate(at);
            self.text.push_str(CUT);
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_legacy_names_lose_their_hash() {
        // rustc 1.95's legacy mangling of tracer's own function (and of a generic method).
        assert_eq!(
            &*shown("_ZN6tracer4demo10socketcall4ia323run17h11c246f63fec8220E"),
            "tracer::demo::socketcall::ia32::run"
        );
        assert_eq!(
            &*shown("_ZN6tracer4demo10socketcall4ia3210W$LT$T$GT$3get17h4fc7eb082d002c96E"),
            "tracer::demo::socketcall::ia32::W<T>::get"
        );
        // LLVM's suffix of a function it cloned goes too.
        assert_eq!(
            &*shown("_ZN3std2rt10lang_start17h0123456789abcdefE.llvm.123"),
            "std::rt::lang_start"
        );
    }

    #[test]
    fn rust_v0_names_lose_their_crate_disambiguators() {
        // The same functions mangled with `-C symbol-mangling-version=v0`.
        assert_eq!(
            &*shown("_RNvNtNtNtCs9rcguvL3NSZ_6tracer4demo10socketcall4ia323run"),
            "tracer::demo::socketcall::ia32::run"
        );
        assert_eq!(
            &*shown("_RNvMNtNtNtCs9rcguvL3NSZ_6tracer4demo10socketcall4ia32INtB2_1WhE3getB8_"),
            "<tracer::demo::socketcall::ia32::W<u8>>::get"
        );
    }

    #[test]
    fn cpp_names_as_cxxfilt_prints_them() {
        // g++ 14's `std::vector<int>::push_back`, and a template method of a class template
        // instantiated with std::string (what c++filt prints for each).
        assert_eq!(
            &*shown("_ZNSt6vectorIiSaIiEE9push_backERKi"),
            "std::vector<int, std::allocator<int> >::push_back(int const&)"
        );
        assert_eq!(
            &*shown(
                "_ZN3net5TableINSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEiE4bindERKS6_i"
            ),
            "net::Table<std::__cxx11::basic_string<char, std::char_traits<char>, \
             std::allocator<char> >, int>::bind(std::__cxx11::basic_string<char, \
             std::char_traits<char>, std::allocator<char> > const&, int)"
        );
        assert_eq!(&*shown("_Z4mainv"), "main()");
    }

    #[test]
    fn c_names_and_garbage_stay_as_they_are() {
        for name in [
            "bind",
            "__kernel_vsyscall",
            // A C function whose name cpp_demangle would read as a type (`float`).
            "f",
            "Rfoo",
            // Mangled-looking and broken: cut short, a bad length, trailing junk.
            "_ZN",
            "_ZN6tracer4demo",
            "_ZN99tracerE",
            "_ZN3fooE_garbage!",
            "_R",
            "_RNvC",
            "_Z",
            "_Zx",
        ] {
            assert_eq!(&*shown(name), name);
        }
        // Broken and hostile: escaped as the raw name.
        assert_eq!(&*shown("_ZN3fo\u{1b}]0;pwnedE"), "_ZN3fo\\33]0;pwnedE");
        assert_eq!(&*shown("_Z3foo\u{202e}v"), "_Z3foo\\u{202e}v");
    }

    /// A mangled name can spell any character (legacy Rust's `$u..$`, v0's punycode): what it
    /// demangles to is escaped like any other text from a traced program.
    #[test]
    fn what_a_name_demangles_to_is_escaped() {
        // A right-to-left override: `evil::a` then, reversed on a terminal, what follows.
        let s = shown("_ZN4evil9a$u202e$b17h0123456789abcdefE");
        assert!(crate::escape::is_inert(&s), "{s:?}");
        assert_eq!(&*s, "evil::a\\u{202e}b");
        // A control character rustc-demangle refuses to spell: the raw name, as it is.
        let s = shown("_ZN4evil6a$u1b$b17h0123456789abcdefE");
        assert_eq!(&*s, "_ZN4evil6a$u1b$b17h0123456789abcdefE");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        // Legacy Rust, 40 path components of 10 bytes: 438 bytes demangled.
        let mut long = String::from("_ZN");
        for _ in 0..40 {
            long.push_str("10abcdefghij");
        }
        long.push('E');
        let s = shown(&long);
        assert_eq!(s.len(), SHOWN_MAX, "{s}");
        assert!(
            s.starts_with("abcdefghij::abcdefghij::") && s.ends_with("..."),
            "{s}"
        );

        // C++ whose template argument repeats through substitutions (g++'s
        // `f(A<B<C<D<int>>>>, ...)` of 14 parameters): 66 bytes mangled, 307 demangled.
        let nested = "_Z1fI1AI1BI1CI1DIiEEEEEvT_S8_S8_S8_S8_S8_S8_S8_S8_S8_S8_S8_S8_S8_";
        let s = shown(nested);
        assert!(s.len() <= SHOWN_MAX && s.ends_with("..."), "{s}");
        assert!(s.starts_with("void f<A<B<C<D<int> > > > >("), "{s}");

        // A raw name of two-byte characters: never split inside one.
        let raw = "é".repeat(200);
        let s = shown(&raw);
        assert!(s.len() <= SHOWN_MAX && s.ends_with("..."), "{s}");
        assert_eq!(s.trim_end_matches('.'), "é".repeat(126));

        // Exactly the limit is not cut.
        let exact = "x".repeat(SHOWN_MAX);
        assert_eq!(&*shown(&exact), exact);
        assert_eq!(shown(&format!("{exact}y")).len(), SHOWN_MAX);
    }

    /// A hostile file's names: every prefix of real mangled names, and bytes mixed in, give
    /// some text and no panic.
    #[test]
    fn no_name_panics() {
        let names = [
            "_ZN6tracer4demo10socketcall4ia323run17h11c246f63fec8220E",
            "_RNvMNtNtNtCs9rcguvL3NSZ_6tracer4demo10socketcall4ia32INtB2_1WhE3getB8_",
            "_ZN3net5TableINSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEiE4bindERKS6_i",
        ];
        for n in names {
            for end in 0..=n.len() {
                let _ = shown(&n[..end]);
                let _ = recorded(&n[..end]);
                for junk in ["\u{0}", "\u{1b}", "E", "S_", "T_", "I", "é"] {
                    let s = shown(&format!("{}{junk}{}", &n[..end], &n[end..]));
                    assert!(crate::escape::is_inert(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn a_recordings_names_are_demangled_once() {
        // An older recording's mangled name.
        assert_eq!(
            &*recorded("_ZN6tracer4demo10socketcall4ia323run17h11c246f63fec8220E"),
            "tracer::demo::socketcall::ia32::run"
        );
        // A newer one's, already demangled (and escaped): as it is, escaped again as today.
        assert_eq!(
            &*recorded("tracer::demo::socketcall::ia32::run"),
            "tracer::demo::socketcall::ia32::run"
        );
        assert_eq!(&*recorded("bind"), "bind");
        assert_eq!(&*recorded("a\u{1b}b"), "a\\33b");
    }
}
