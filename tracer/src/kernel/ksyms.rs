//! The running kernel's function symbols (`/proc/kallsyms`): which functions exist here (a
//! function missing from it was inlined or renamed in this build), and which function an
//! address belongs to.

use std::collections::HashMap;

#[derive(Default)]
pub struct Ksyms {
    by_name: HashMap<String, u64>,
    /// Text symbols sorted by address.
    sorted: Vec<(u64, String)>,
}

impl Ksyms {
    pub fn load() -> Ksyms {
        std::fs::read_to_string("/proc/kallsyms")
            .map_or_else(|_| Ksyms::default(), |t| Ksyms::parse(&t))
    }

    /// Lines of `address type name [module]`; only text (function) symbols are kept.
    pub fn parse(text: &str) -> Ksyms {
        let mut by_name = HashMap::new();
        let mut sorted = Vec::new();
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let (Some(addr), Some(kind), Some(name)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            if !matches!(kind, "t" | "T") {
                continue;
            }
            let Ok(addr) = u64::from_str_radix(addr, 16) else {
                continue;
            };
            by_name.entry(name.to_string()).or_insert(addr);
            sorted.push((addr, name.to_string()));
        }
        sorted.sort_unstable();
        Ksyms { by_name, sorted }
    }

    /// From `(address, name)` pairs, e.g. the symbols a recording's header carries, so that
    /// journeys are built without this machine's `/proc/kallsyms`. An address of 0 marks a
    /// function that exists but whose address was hidden.
    pub fn from_pairs<S: Into<String>>(pairs: impl IntoIterator<Item = (u64, S)>) -> Ksyms {
        let mut by_name = HashMap::new();
        let mut sorted = Vec::new();
        for (addr, name) in pairs {
            let name = name.into();
            by_name.entry(name.clone()).or_insert(addr);
            sorted.push((addr, name));
        }
        sorted.sort_unstable();
        Ksyms { by_name, sorted }
    }

    pub fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The address of `name`; `None` without it, or when addresses are hidden (all zero, as
    /// `kptr_restrict` shows them to unprivileged readers).
    pub fn addr(&self, name: &str) -> Option<u64> {
        self.by_name.get(name).copied().filter(|a| *a != 0)
    }

    /// The function containing `addr` (probes may report an address a few bytes into the
    /// function, after its `endbr64`).
    pub fn name_at(&self, addr: u64) -> Option<&str> {
        let i = self.sorted.partition_point(|(a, _)| *a <= addr);
        let (start, name) = self.sorted.get(i.checked_sub(1)?)?;
        (addr - start < 64).then_some(name.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
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
    fn hidden_addresses() {
        let k = Ksyms::parse("0000000000000000 T __sys_bind\n");
        assert!(k.has("__sys_bind"));
        assert_eq!(k.addr("__sys_bind"), None);
    }
}
