//! The running kernel's function symbols (`/proc/kallsyms`): which functions exist here (a
//! function missing from it was inlined or renamed in this build), and which function an
//! address belongs to.

use std::io::BufRead as _;

/// One symbol: its address and its name's place in [`Ksyms::names`].
#[derive(Clone, Copy)]
struct Sym {
    addr: u64,
    off: u32,
    len: u32,
}

/// About 120,000 function symbols on a 6.18 kernel, kept compact: the names in one string,
/// 16 bytes per symbol and two sorted index arrays (about 5 MiB, against over 30 MiB for a
/// `HashMap<String, u64>` plus a `Vec<(u64, String)>`, which made most of tracer's memory).
#[derive(Default)]
pub struct Ksyms {
    names: String,
    /// In the order they were read.
    syms: Vec<Sym>,
    /// Indices into `syms`, by name (for equal names, in reading order).
    by_name: Vec<u32>,
    /// Indices into `syms`, by address.
    by_addr: Vec<u32>,
}

impl Ksyms {
    pub fn load() -> Ksyms {
        let Ok(f) = std::fs::File::open("/proc/kallsyms") else {
            return Ksyms::default();
        };
        let mut b = Builder::default();
        let mut r = std::io::BufReader::with_capacity(1 << 16, f);
        let mut line = String::new();
        while r.read_line(&mut line).is_ok_and(|n| n > 0) {
            b.line(&line);
            line.clear();
        }
        b.finish()
    }

    #[cfg(test)]
    pub fn parse(text: &str) -> Ksyms {
        let mut b = Builder::default();
        for line in text.lines() {
            b.line(line);
        }
        b.finish()
    }

    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (u64, S)>) -> Ksyms {
        let mut b = Builder::default();
        for (addr, name) in pairs {
            b.push(addr, &name.into());
        }
        b.finish()
    }

    fn name(&self, i: u32) -> &str {
        let s = self.syms[i as usize];
        &self.names[s.off as usize..(s.off + s.len) as usize]
    }

    /// The first symbol read with this name.
    fn find(&self, name: &str) -> Option<Sym> {
        let i = self.by_name.partition_point(|&i| self.name(i) < name);
        let &idx = self.by_name.get(i)?;
        (self.name(idx) == name).then(|| self.syms[idx as usize])
    }

    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The address of `name` (`None` when hidden by kptr_restrict, i.e. 0).
    pub fn addr(&self, name: &str) -> Option<u64> {
        self.find(name).map(|s| s.addr).filter(|a| *a != 0)
    }

    /// The function `addr` is in (at most 64 bytes past its start: the probes report the
    /// function's first instructions).
    pub fn name_at(&self, addr: u64) -> Option<&str> {
        let i = self
            .by_addr
            .partition_point(|&i| self.syms[i as usize].addr <= addr);
        let idx = *self.by_addr.get(i.checked_sub(1)?)?;
        let start = self.syms[idx as usize].addr;
        (addr - start < 64).then(|| self.name(idx))
    }

    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }
}

#[derive(Default)]
struct Builder {
    k: Ksyms,
}

impl Builder {
    /// A kallsyms line: `ffffffff81e2b100 T __sys_bind` (modules add `\t[module]`); only text
    /// symbols (`t`, `T`) are kept.
    fn line(&mut self, line: &str) {
        let mut it = line.split_whitespace();
        let (Some(addr), Some(kind), Some(name)) = (it.next(), it.next(), it.next()) else {
            return;
        };
        if !matches!(kind, "t" | "T") {
            return;
        }
        if let Ok(addr) = u64::from_str_radix(addr, 16) {
            self.push(addr, name);
        }
    }

    fn push(&mut self, addr: u64, name: &str) {
        let (Ok(off), Ok(len)) = (u32::try_from(self.k.names.len()), u32::try_from(name.len()))
        else {
            return;
        };
        self.k.names.push_str(name);
        self.k.syms.push(Sym { addr, off, len });
    }

    fn finish(self) -> Ksyms {
        let mut k = self.k;
        let n = u32::try_from(k.syms.len()).unwrap_or(u32::MAX);
        let mut by_name: Vec<u32> = (0..n).collect();
        // Stable: for a name read twice, the first one read comes first.
        by_name.sort_by(|&a, &b| k.name(a).cmp(k.name(b)));
        let mut by_addr: Vec<u32> = (0..n).collect();
        by_addr.sort_by(|&a, &b| {
            let (sa, sb) = (k.syms[a as usize], k.syms[b as usize]);
            sa.addr.cmp(&sb.addr).then_with(|| k.name(a).cmp(k.name(b)))
        });
        k.names.shrink_to_fit();
        k.syms.shrink_to_fit();
        k.by_name = by_name;
        k.by_addr = by_addr;
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ffffffff81e2b0f0 T __pfx___sys_bind
ffffffff81e2b100 T __sys_bind
ffffffff81e2b200 t unix_bind
ffffffff82000000 D sys_call_table_data
ffffffffc0000000 t mod_func\t[some_module]
";

    #[test]
    fn lookups() {
        let k = Ksyms::parse(TEXT);
        assert!(k.has("__sys_bind"));
        assert!(
            !k.has("sys_call_table_data"),
            "data symbols are not functions"
        );
        assert_eq!(k.addr("unix_bind"), Some(0xffff_ffff_81e2_b200));
        assert_eq!(k.name_at(0xffff_ffff_81e2_b104), Some("__sys_bind"));
        assert_eq!(k.name_at(0xffff_ffff_81e2_b100), Some("__sys_bind"));
        assert_eq!(
            k.name_at(0xffff_ffff_81e2_b1f0),
            None,
            "too far into a function"
        );
        assert_eq!(k.name_at(1), None);
        assert!(k.has("mod_func"));
    }

    #[test]
    fn from_pairs_equals_parse() {
        let parsed = Ksyms::parse(TEXT);
        let k = Ksyms::from_pairs([
            (0xffff_ffff_81e2_b200, "unix_bind"),
            (0xffff_ffff_81e2_b100, "__sys_bind"),
        ]);
        assert_eq!(k.addr("unix_bind"), parsed.addr("unix_bind"));
        assert_eq!(k.name_at(0xffff_ffff_81e2_b104), Some("__sys_bind"));
        assert!(!k.has("mod_func"));
    }

    #[test]
    fn a_name_read_twice_keeps_its_first_address() {
        let k =
            Ksyms::parse("ffffffff81000200 t dup\nffffffff81000100 t dup\nffffffff81000000 T a\n");
        assert_eq!(k.addr("dup"), Some(0xffff_ffff_8100_0200));
        assert_eq!(k.name_at(0xffff_ffff_8100_0110), Some("dup"));
        assert_eq!(k.name_at(0xffff_ffff_8100_0008), Some("a"));
        assert!(!k.has("du") && !k.has("dupe") && !k.has(""));
    }

    #[test]
    fn hidden_addresses() {
        let k = Ksyms::parse("0000000000000000 T __sys_bind\n");
        assert!(k.has("__sys_bind"));
        assert_eq!(k.addr("__sys_bind"), None);
    }
}
