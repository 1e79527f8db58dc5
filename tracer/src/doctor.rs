//! `tracer doctor`: what this machine allows, found by trying rather than guessing.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::Result;
use aya::programs::{FEntry, KProbe, RawTracePoint, TracePoint};
use aya::{Btf, EbpfLoader};

use crate::capture;
use crate::kernel::hops;
use crate::kernel::ksyms::Ksyms;

fn line(what: &str, status: &str) -> std::io::Result<()> {
    crate::outln!("{what:<22} {status}")
}

pub fn run() -> Result<()> {
    let uts = nix::sys::utsname::uname()?;
    line(
        "kernel",
        &format!(
            "{} {}",
            uts.release().to_string_lossy(),
            uts.machine().to_string_lossy()
        ),
    )?;
    line(
        "BTF",
        if std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
            "yes (/sys/kernel/btf/vmlinux)"
        } else {
            "no"
        },
    )?;
    let lockdown = fs::read_to_string("/sys/kernel/security/lockdown").map_or_else(
        |_| "unknown (no /sys/kernel/security/lockdown)".into(),
        |s| s.trim().to_string(),
    );
    line("lockdown", &lockdown)?;
    // Present when the kernel runs 32-bit programs (CONFIG_IA32_EMULATION, arch/x86/entry/vdso).
    let ia32 = std::path::Path::new("/proc/sys/abi/vsyscall32").exists();
    line(
        "32-bit programs",
        if ia32 {
            "yes (ia32 emulation)"
        } else {
            "no ia32 emulation"
        },
    )?;
    if let Err(e) = capture::check_privileges() {
        line("privileges", "missing")?;
        crate::outln!("  {e}")?;
        crate::outln!("probe kinds            not tried (needs privileges)")?;
        return Ok(());
    }
    line("privileges", "ok")?;
    if let Err(e) = capture::ensure_tracefs() {
        line("tracefs", &format!("unavailable: {e:#}"))?;
    } else {
        line("tracefs", "mounted")?;
    }
    let mut ebpf = EbpfLoader::new().load(capture::ebpf_object())?;
    let tp = (|| -> Result<()> {
        let p: &mut TracePoint = ebpf
            .program_mut("sched_process_exit")
            .ok_or_else(|| anyhow::anyhow!("missing"))?
            .try_into()?;
        p.load()?;
        let link = p.attach("sched", "sched_process_exit")?;
        p.detach(link)?;
        Ok(())
    })();
    line("tracepoint", &verdict(tp))?;
    let raw = (|| -> Result<()> {
        let p: &mut RawTracePoint = ebpf
            .program_mut("sys_enter")
            .ok_or_else(|| anyhow::anyhow!("missing"))?
            .try_into()?;
        p.load()?;
        let link = p.attach("sys_enter")?;
        p.detach(link)?;
        Ok(())
    })();
    line("raw tracepoint", &verdict(raw))?;
    // The flush timer that lets each CPU send its calls in batches (`--batch-kib`).
    let timer = capture::attach_flush_timer(&mut ebpf);
    line(
        "perf event (timer)",
        &match timer {
            Ok(()) => format!(
                "yes (calls are sent in batches of {} KiB per CPU, at least every {} ms)",
                capture::BATCH_KIB,
                capture::FLUSH_EVERY.as_millis()
            ),
            Err(e) => format!("no (each call is sent as it returns: {})", one_line(&e)),
        },
    )?;
    let kp = (|| -> Result<()> {
        let p: &mut KProbe = ebpf
            .program_mut("doctor_kprobe")
            .ok_or_else(|| anyhow::anyhow!("missing"))?
            .try_into()?;
        p.load()?;
        let link = p.attach("__sys_bind", 0)?;
        p.detach(link)?;
        Ok(())
    })();
    line(
        "kprobe",
        &match kp {
            // aya attaches kprobes through the kprobe PMU, which exists only with CONFIG_KPROBES.
            Err(e) if !std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists() => {
                format!(
                    "no (this kernel has no kprobe PMU, CONFIG_KPROBES is off: {})",
                    one_line(&e)
                )
            }
            r => verdict(r),
        },
    )?;
    let fe = (|| -> Result<()> {
        let btf = Btf::from_sys_fs()?;
        let p: &mut FEntry = ebpf
            .program_mut("doctor_fentry")
            .ok_or_else(|| anyhow::anyhow!("missing"))?
            .try_into()?;
        p.load("__sys_bind", &btf)?;
        let link = p.attach()?;
        p.detach(link)?;
        Ok(())
    })();
    line("fentry", &verdict(fe))?;
    // The same choice `tracer record` makes, per function on the call paths.
    let mut ebpf = EbpfLoader::new().load(capture::ebpf_object())?;
    let start = Instant::now();
    let ksyms = Ksyms::load();
    let ksyms_time = start.elapsed();
    let mut links = Vec::new();
    // Uprobes, tried on one wrapper (`bind`) in each C library: the libc step of a journey.
    let libcs = crate::kernel::libc::attach(&mut ebpf, &mut links, &[], &|s| s == "bind");
    let probed: Vec<String> = libcs
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(p, _)| p.display().to_string())
        .collect();
    line(
        "uprobe",
        &if probed.is_empty() {
            "no (no C library's bind() could be probed: journeys start at the kernel)".to_string()
        } else {
            format!("yes (bind() probed in {})", probed.join(", "))
        },
    )?;
    let statuses = hops::attach(&mut ebpf, &ksyms, &mut links);
    crate::kernel::detach_in_parallel(links);
    startup(ksyms_time)?;
    crate::outln!(
        "\nkernel functions on the call paths: {}",
        hops::summary(&statuses)
    )?;
    for s in &statuses {
        match &s.mechanism {
            hops::Mechanism::None(why) => crate::outln!("  {:<30} none: {why}", s.func)?,
            m => match &s.fentry_refused {
                Some(why) => crate::outln!("  {:<30} {} ({why})", s.func, m.name())?,
                None => crate::outln!("  {:<30} {}", s.func, m.name())?,
            },
        }
    }
    Ok(())
}

/// Where `tracer record`'s start-up goes: reading the kernel's symbols and BTF, and loading
/// each program (the verifier's time, mostly, with the instructions it walked).
fn startup(ksyms: Duration) -> Result<()> {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    crate::outln!("\nstart-up of `tracer record` (each program loaded as it loads them):")?;
    crate::outln!("  {:<30} {:>9.1} ms", "/proc/kallsyms", ms(ksyms))?;
    let start = Instant::now();
    let btf = crate::kernel::btf::file_offsets();
    let line = format!("{:.1} ms", ms(start.elapsed()));
    crate::outln!(
        "  {:<30} {:>12}{}",
        "BTF offsets",
        line,
        if btf.is_ok() { "" } else { " (not found)" }
    )?;
    let costs = capture::load_costs()?;
    let mut total = Duration::ZERO;
    for c in &costs {
        total += c.time;
        let verified = c.verified.map_or_else(
            || "instructions verified: not reported (Linux 5.16+)".to_string(),
            |n| format!("{n} instructions verified"),
        );
        crate::outln!("  {:<30} {:>9.1} ms   {verified}", c.name, ms(c.time))?;
    }
    crate::outln!("  {:<30} {:>9.1} ms", "programs, in all", ms(total))?;
    Ok(())
}

fn verdict(r: Result<()>) -> String {
    match r {
        Ok(()) => "yes (loaded and attached)".into(),
        Err(e) => format!("no ({})", one_line(&e)),
    }
}

/// The error without the verifier's log, which `tracer doctor -v` does not need.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = e.chain().map(ToString::to_string).collect();
    parts.dedup();
    let s = parts.join(": ").replace('\n', " ");
    match s.split_once(". Verifier output:") {
        Some((head, _)) => head.to_string(),
        None => s,
    }
}
