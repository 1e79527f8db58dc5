//! The functions of one mapped file (a program, a library, the vDSO), read once from its ELF
//! symbol tables, and the lookup from a file offset to `function + offset`.

use std::sync::OnceLock;

use object::{Object as _, ObjectSegment as _, ObjectSymbol as _, SymbolKind};

/// A loadable segment: file bytes `off..off + len` are mapped at ELF address `vaddr`.
#[derive(Debug, Clone, Copy)]
struct Segment {
    off: u64,
    len: u64,
    vaddr: u64,
}

#[derive(Debug)]
struct Func {
    addr: u64,
    /// 0 when the symbol table does not say (hand-written assembly).
    size: u64,
    /// As the symbol table has it (mangled, for Rust and C++).
    name: Box<str>,
    /// As a frame shows it (`demangle::shown`: demangled, cut, escaped), made when a frame
    /// first lands in the function: once per symbol, and only for those that are looked up
    /// (a C++ library has tens of thousands).
    shown: OnceLock<Box<str>>,
}

impl Func {
    fn new(addr: u64, size: u64, name: &str) -> Func {
        Func {
            addr,
            size,
            name: name.into(),
            shown: OnceLock::new(),
        }
    }
}

/// One file's functions, sorted by address.
#[derive(Debug)]
pub struct Symbols {
    segments: Vec<Segment>,
    funcs: Vec<Func>,
}

/// Of two names for one address (`bind` and `__bind`), the one a program calls: fewer leading
/// underscores, then the shorter.
fn preference(name: &str) -> (usize, usize) {
    (name.len() - name.trim_start_matches('_').len(), name.len())
}

/// By address, one name per address.
fn sort(funcs: &mut Vec<Func>) {
    funcs.sort_by_key(|f| (f.addr, preference(&f.name)));
    funcs.dedup_by_key(|f| f.addr);
}

impl Symbols {
    /// `None` when `data` is not an ELF file `object` can read.
    pub fn parse(data: &[u8]) -> Option<Symbols> {
        let file = object::File::parse(data).ok()?;
        let segments = file
            .segments()
            .map(|s| {
                let (off, len) = s.file_range();
                Segment {
                    off,
                    len,
                    vaddr: s.address(),
                }
            })
            .collect();
        // The full table when the file kept it (an unstripped program), and the dynamic one
        // (what a stripped shared library like Debian's libc.so.6 keeps) in any case.
        let mut funcs: Vec<Func> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok().filter(|n| !n.is_empty())?;
                Some(Func::new(s.address(), s.size(), name))
            })
            .collect();
        sort(&mut funcs);
        Some(Symbols { segments, funcs })
    }

    /// The ELF address of file offset `off`, through the segment that maps it.
    pub fn vaddr_of(&self, off: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|s| s.off <= off && off - s.off < s.len)
            .map(|s| s.vaddr + (off - s.off))
    }

    /// The function containing ELF address `vaddr`, and how far into it: the nearest function
    /// at or below it, unless its size says it ended before. Named as a frame shows it
    /// (demangled, cut and escaped: `demangle::shown`), which is made once per function.
    pub fn at(&self, vaddr: u64) -> Option<(&str, u64)> {
        let i = self
            .funcs
            .partition_point(|f| f.addr <= vaddr)
            .checked_sub(1)?;
        let f = &self.funcs[i];
        let off = vaddr - f.addr;
        (f.size == 0 || off < f.size).then(|| {
            (
                &**f.shown.get_or_init(|| super::demangle::shown(&f.name)),
                off,
            )
        })
    }

    #[cfg(test)]
    pub fn from_parts(segments: &[(u64, u64, u64)], funcs: &[(u64, u64, &str)]) -> Symbols {
        let mut funcs: Vec<Func> = funcs
            .iter()
            .map(|&(addr, size, name)| Func::new(addr, size, name))
            .collect();
        sort(&mut funcs);
        Symbols {
            segments: segments
                .iter()
                .map(|&(off, len, vaddr)| Segment { off, len, vaddr })
                .collect(),
            funcs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_the_function_that_holds_it() {
        let s = Symbols::from_parts(
            &[(0x1000, 0x2000, 0x401000)],
            &[
                (0x401000, 0x20, "__bind"),
                (0x401000, 0x20, "bind"),
                (0x401040, 0, "asm_stub"),
                (0x401100, 0x10, "main"),
            ],
        );
        assert_eq!(s.at(0x401000), Some(("bind", 0)), "the name programs call");
        assert_eq!(s.at(0x40101b), Some(("bind", 0x1b)));
        assert_eq!(
            s.at(0x401020),
            None,
            "past bind's end, before the next function"
        );
        assert_eq!(
            s.at(0x4010ff),
            Some(("asm_stub", 0xbf)),
            "no size: up to the next"
        );
        assert_eq!(s.at(0x40110f), Some(("main", 0xf)));
        assert_eq!(s.at(0x400fff), None, "below every function");
        assert_eq!(s.vaddr_of(0x101b), Some(0x40101b));
        assert_eq!(s.vaddr_of(0x3000), None, "outside every segment");
        assert_eq!(s.vaddr_of(0xfff), None);
    }

    #[test]
    fn a_function_is_named_demangled_and_once() {
        let s = Symbols::from_parts(
            &[(0x1000, 0x2000, 0x401000)],
            &[
                (
                    0x401000,
                    0x400,
                    "_ZN6tracer4demo10socketcall4ia323run17h11c246f63fec8220E",
                ),
                (0x401400, 0x100, "_ZNSt6vectorIiSaIiEE9push_backERKi"),
                (0x401500, 0x100, "_ZN\u{1b}[2J"),
            ],
        );
        let (a, off) = s.at(0x4012bb).unwrap();
        assert_eq!((a, off), ("tracer::demo::socketcall::ia32::run", 0x2bb));
        // The second lookup in the function is given the same text, not a new one.
        let (b, _) = s.at(0x401010).unwrap();
        assert!(std::ptr::eq(a, b));
        assert_eq!(
            s.at(0x401410),
            Some((
                "std::vector<int, std::allocator<int> >::push_back(int const&)",
                0x10
            ))
        );
        assert_eq!(s.at(0x401501), Some(("_ZN\\33[2J", 1)));
    }

    #[test]
    fn this_programs_own_file_parses() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let s = Symbols::parse(&exe).expect("an ELF file");
        assert!(!s.funcs.is_empty());
        assert!(s.funcs.windows(2).all(|w| w[0].addr < w[1].addr));
        assert!(Symbols::parse(b"not an ELF file").is_none());
    }
}
