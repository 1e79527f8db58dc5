//! The functions of one mapped file (a program, a library, the vDSO), read once from its ELF
//! symbol tables, and the lookup from a file offset to `function + offset`.

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
    name: Box<str>,
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
                Some(Func {
                    addr: s.address(),
                    size: s.size(),
                    name: name.into(),
                })
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
    /// at or below it, unless its size says it ended before.
    pub fn at(&self, vaddr: u64) -> Option<(&str, u64)> {
        let i = self
            .funcs
            .partition_point(|f| f.addr <= vaddr)
            .checked_sub(1)?;
        let f = &self.funcs[i];
        let off = vaddr - f.addr;
        (f.size == 0 || off < f.size).then_some((&*f.name, off))
    }

    #[cfg(test)]
    pub fn from_parts(segments: &[(u64, u64, u64)], funcs: &[(u64, u64, &str)]) -> Symbols {
        let mut funcs: Vec<Func> = funcs
            .iter()
            .map(|&(addr, size, name)| Func {
                addr,
                size,
                name: name.into(),
            })
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
    fn this_programs_own_file_parses() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        let s = Symbols::parse(&exe).expect("an ELF file");
        assert!(!s.funcs.is_empty());
        assert!(s.funcs.windows(2).all(|w| w[0].addr < w[1].addr));
        assert!(Symbols::parse(b"not an ELF file").is_none());
    }
}
