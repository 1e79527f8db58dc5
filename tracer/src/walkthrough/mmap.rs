//! The mmap lesson: `tracer demo mmap`, a parent and a child mapping the same file with
//! `MAP_SHARED`. The child's stores into its mapping are in the parent's mapping too, because
//! both map the same page of the page cache; no `read` or `write` moves the data.
//!
//! Kernel facts (mm/, Linux 6.1 and 6.18): `mmap` is `ksys_mmap_pgoff` -> `vm_mmap_pgoff` ->
//! `do_mmap` -> `mmap_region`, which records the range (a VMA) and calls the file's `mmap`
//! operation; no page is mapped yet. The first access faults: `handle_mm_fault` -> `do_fault`
//! -> the file's fault handler, `filemap_fault` (mm/filemap.c) for ordinary files, which finds
//! or reads the file's page in the page cache and maps it. Both processes' faults map that one
//! page (a store: `do_fault` -> `do_shared_fault` -> `__do_fault` -> `filemap_fault`). With
//! `MAP_PRIVATE` the first store to a page not yet mapped goes `do_fault` -> `do_cow_fault` and
//! gets a private copy; `do_wp_page` is a store to a page already mapped read-only (mm/memory.c
//! `do_fault` and `do_wp_page`, Linux 6.1 and 7.2). `munmap` is `__vm_munmap`; dirty pages reach the file by writeback.

use serde_json::Value;

use super::values::{absent, call_line, get, ret_addr as addr, source, text};
use super::{Ctx, Lesson, Step};

/// The demo's report line written by `call`, quoted, without its newline.
fn quote(ctx: &Ctx, call: Option<&Value>) -> String {
    call.and_then(|c| c["args"]["buf"]["data"].as_str())
        .map_or_else(
            || absent(ctx.lang),
            |d| format!("\"{}\"", d.trim_end_matches("\\n")),
        )
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let maps: Vec<&Value> = run
        .map(|r| r.all(|c| c["syscall"] == "mmap" && c["args"]["flags"] == "MAP_SHARED"))
        .unwrap_or_default();
    // The parent is the process that forked.
    let fork = run.and_then(|r| {
        r.records
            .iter()
            .find(|f| f["type"] == "fork" && f["thread"] != true)
    });
    let parent = fork.map(|f| f["pid"].clone());
    let is_parent = |c: &Value| Some(&c["pid"]) == parent.as_ref();
    let p_map = maps.iter().find(|c| is_parent(c)).copied();
    let c_map = maps.iter().find(|c| !is_parent(c)).copied();
    let unmap_of = |m: Option<&Value>| -> Option<&Value> {
        let m = m?;
        let a = m["ret"].as_u64().map(|a| format!("{a:#x}"))?;
        run?.find(|c| {
            c["syscall"] == "munmap" && c["pid"] == m["pid"] && c["args"]["addr"] == a.as_str()
        })
    };
    let (p_unmap, c_unmap) = (unmap_of(p_map), unmap_of(c_map));
    let report = |needle: &str| -> Option<&Value> {
        run?.all(|c| {
            c["syscall"] == "write"
                && c["args"]["fd"] == 1
                && c["args"]["buf"]["data"]
                    .as_str()
                    .is_some_and(|d| d.contains(needle))
        })
        .first()
        .copied()
    };
    let created = report("created ");
    let wrote = report("child: wrote");
    let read = report("parent: read");
    let unlink = run.and_then(|r| r.find(|c| c["syscall"] == "unlink"));
    // What the child's report says it wrote: the text between the first two escaped quotes.
    let message = wrote
        .and_then(|c| c["args"]["buf"]["data"].as_str())
        .and_then(|d| d.split("\\\"").nth(1))
        .map_or_else(|| absent(lang), |m| format!("\"{m}\""));
    let size = created
        .and_then(|c| c["args"]["buf"]["data"].as_str())
        .and_then(|d| d.split('(').nth(1))
        .and_then(|d| d.split(' ').next())
        .map_or_else(|| absent(lang), String::from);
    let between = |m: Option<&Value>, u: Option<&Value>| -> String {
        let (Some(r), Some(m), Some(u)) = (run, m, u) else {
            return absent(lang);
        };
        let calls: Vec<String> = r
            .all(|c| {
                c["pid"] == m["pid"]
                    && c["ts_ns"].as_u64() > m["ts_ns"].as_u64()
                    && c["ts_ns"].as_u64() < u["ts_ns"].as_u64()
            })
            .iter()
            .map(|c| {
                format!(
                    "{}({})",
                    c["syscall"].as_str().unwrap_or("?"),
                    c["args"]["fd"]
                )
            })
            .collect();
        if calls.is_empty() {
            t!(lang, "none", "没有")
        } else {
            calls.join(", ")
        }
    };
    let child_calls = between(c_map, c_unmap);
    let order = match (
        p_map.and_then(|c| c["ts_ns"].as_u64()),
        wrote.and_then(|c| c["ts_ns"].as_u64()),
    ) {
        (Some(m), Some(w)) if m < w => t!(
            lang,
            "  In this run the parent mapped the file before the child wrote: the data appeared in a \
             mapping that already existed.",
            "  本次运行中，父进程在子进程写入之前就映射了文件：数据出现在一个早已存在的映射里。"
        ),
        (Some(_), Some(_)) => t!(
            lang,
            "  In this run the parent mapped the file after the child wrote: its fault found the page \
             the child had filled.",
            "  本次运行中，父进程在子进程写入之后才映射文件：它的缺页处理找到了子进程填好的那一页。"
        ),
        _ => format!("  {}", absent(lang)),
    };

    let fd = get(ctx, p_map, "/args/fd");
    let (pa, ca) = (addr(ctx, p_map), addr(ctx, c_map));
    let (ppid, cpid) = (get(ctx, p_map, "/pid"), get(ctx, c_map, "/pid"));
    let map_line = |c: Option<&Value>| {
        call_line(
            ctx,
            c,
            "mmap",
            &format!(
                "NULL, {}, {}, {}, {}, 0",
                get(ctx, c, "/args/length"),
                get(ctx, c, "/args/prot"),
                get(ctx, c, "/args/flags"),
                get(ctx, c, "/args/fd")
            ),
        )
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "A file of one page", "一个一页大小的文件"),
        lines: vec![
            text(t!(
                lang,
                "  open(shared.dat, O_RDWR|O_CREAT|O_EXCL, 0600) = {fd}, then ftruncate({fd}, {size}): the \
                 demo reported {}.",
                "  open(shared.dat, O_RDWR|O_CREAT|O_EXCL, 0600) = {fd}，然后 ftruncate({fd}, {size})：\
                 演示程序报告 {}。",
                quote(ctx, created)
            )),
            text(t!(
                lang,
                "  The size comes first: touching a mapping beyond the end of the file raises SIGBUS. \
                 (This lesson does not show the openat and ftruncate calls.)",
                "  先定大小：访问超出文件末尾的映射会引发 SIGBUS。（本课不展示 openat 和 ftruncate 调用。）"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "mmap MAP_SHARED in both processes", "两个进程都以 MAP_SHARED 映射"),
        lines: vec![
            map_line(p_map),
            map_line(c_map),
            text(t!(
                lang,
                "  pid {ppid} (the parent) got {pa}, pid {cpid} (the child) got {ca}: each its own range \
                 of addresses over the same {size} bytes of the file.",
                "  pid {ppid}（父进程）得到 {pa}，pid {cpid}（子进程）得到 {ca}：各自有一段自己的地址，\
                 对应文件中同样的 {size} 字节。"
            )),
            ctx.func(
                "ksys_mmap_pgoff",
                t!(lang, "mm/mmap.c: mmap's body", "mm/mmap.c：mmap 的主体"),
            ),
            ctx.func(
                "do_mmap",
                t!(lang, "checks prot, flags and the file's mode", "检查 prot、flags 以及文件的打开方式"),
            ),
            ctx.func(
                "mmap_region",
                t!(
                    lang,
                    "records the range (a VMA) and calls the file's mmap operation; no page is mapped yet",
                    "记录这段地址（一个 VMA）并调用文件的 mmap 操作；此时还没有映射任何页"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The child writes with plain stores", "子进程用普通的存储指令写入"),
        lines: vec![
            text(t!(
                lang,
                "  The child copies {message} to {ca}: no system call. Its recorded calls between its mmap \
                 and munmap: {child_calls} (fd 1 is the demo's report to the terminal).",
                "  子进程把 {message} 复制到 {ca}：没有系统调用。它在 mmap 和 munmap 之间被记录的调用：\
                 {child_calls}（fd 1 是演示程序打印到终端的报告）。"
            )),
            ctx.func(
                "handle_mm_fault",
                t!(lang, "the first store faults: no page mapped yet", "第一次存储引发缺页：还没有映射任何页"),
            ),
            ctx.func(
                "do_fault",
                t!(lang, "a file-backed range: ask the file", "文件映射的区域：向文件要页"),
            ),
            ctx.inlined(
                "do_shared_fault",
                t!(
                    lang,
                    "mm/memory.c: a store into a MAP_SHARED range gets the file's own page (via __do_fault)",
                    "mm/memory.c：对 MAP_SHARED 区域的存储拿到的是文件自己的页（经由 __do_fault）"
                ),
            ),
            ctx.func(
                "filemap_fault",
                t!(
                    lang,
                    "mm/filemap.c: the file's page in the page cache is mapped into the child, writable",
                    "mm/filemap.c：把文件在页缓存中的那一页以可写方式映射给子进程"
                ),
            ),
            call_line(ctx, c_unmap, "munmap", &format!("{ca}, {}", get(ctx, c_unmap, "/args/length"))),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The parent sees it in its own mapping", "父进程在自己的映射里看到它"),
        lines: vec![
            text(t!(
                lang,
                "  The parent waits for the child, then reads {pa}; its report: {}",
                "  父进程等子进程结束，然后读取 {pa}；它的报告：{}",
                quote(ctx, read)
            )),
            text(order),
            text(t!(
                lang,
                "  This is the lesson: MAP_SHARED mappings of one file share its page-cache pages, so a \
                 store by one process is a load away for the other, and ends up in the file. The shm \
                 lesson's segment is the same thing on a file nobody can open.",
                "  这就是本课的重点：同一个文件的 MAP_SHARED 映射共享它在页缓存中的页，所以一个进程的存储，\
                 另一个进程一次读取就能看到，而且最终会写进文件。shm 一课中的段其实是同一回事，\
                 只不过用的是一个谁也打不开的文件。"
            )),
            ctx.inlined(
                "do_cow_fault",
                t!(
                    lang,
                    "with MAP_PRIVATE, the child's first store (no page mapped yet) would go do_fault -> \
                     do_cow_fault (mm/memory.c) and get a private copy: the parent would see nothing",
                    "如果是 MAP_PRIVATE，子进程的第一次存储（此时还没有映射页）会走 do_fault -> \
                     do_cow_fault（mm/memory.c），得到一份私有副本：父进程什么也看不到"
                ),
            ),
            ctx.func(
                "do_wp_page",
                t!(
                    lang,
                    "a store to a page already mapped read-only (MAP_PRIVATE after a read, or memory \
                     shared copy-on-write after fork) copies it here",
                    "对已经以只读方式映射的页的存储（读过之后的 MAP_PRIVATE 页，或 fork 之后写时复制共享的\
                     内存）在这里复制"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "munmap, close, unlink", "munmap、close、unlink"),
        lines: vec![
            call_line(ctx, p_unmap, "munmap", &format!("{pa}, {}", get(ctx, p_unmap, "/args/length"))),
            ctx.func(
                "__vm_munmap",
                t!(lang, "removes the range from the address space", "把这段地址从地址空间中移除"),
            ),
            call_line(ctx, unlink, "unlink", &get(ctx, unlink, "/args/pathname")),
            text(t!(
                lang,
                "  The dirty page is written to the file by writeback (or msync); the mapping outlives \
                 close(fd) and needs no descriptor once made.",
                "  脏页由回写机制（或 msync）写入文件；映射一旦建立就不再需要描述符，close(fd) 之后依然有效。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "mmap MAP_SHARED: two processes, one page of a file",
            "mmap MAP_SHARED：两个进程，文件的同一页"
        ),
        source: source(ctx, "mmap", &["mmap"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo mmap` with `-s 256` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"fd":3},"dur_ns":21662,"pid":27713,"ret":0,"syscall":"close","ts_ns":4991317226251,"type":"syscall"}"#,
        r#"{"args":{"addr":"0x7f06087b6000","length":49311},"dur_ns":45327,"pid":27713,"ret":0,"syscall":"munmap","ts_ns":4991317565954,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":14131,"pid":27713,"ret":0,"syscall":"close","ts_ns":4991318076400,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"created /tmp/tracer-demo-mmap-27713/shared.dat (4096 bytes)\\n","len":60},"count":60,"fd":1},"dur_ns":4106,"pid":27713,"ret":60,"syscall":"write","ts_ns":4991318627948,"type":"syscall"}"#,
        r#"{"child":27715,"pid":27713,"thread":false,"ts_ns":4991318746663,"type":"fork"}"#,
        r#"{"args":{"addr":"NULL","fd":3,"flags":"MAP_SHARED","length":4096,"offset":"0x0","prot":"PROT_READ|PROT_WRITE"},"dur_ns":8062,"pid":27713,"ret":139663888871424,"syscall":"mmap","ts_ns":4991318765091,"type":"syscall"}"#,
        r#"{"args":{"addr":"NULL","fd":3,"flags":"MAP_SHARED","length":4096,"offset":"0x0","prot":"PROT_READ|PROT_WRITE"},"dur_ns":6850,"pid":27715,"ret":139663888871424,"syscall":"mmap","ts_ns":4991318818400,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"child: wrote \\\"hello via a shared file mapping\\\" into its mapping at 0x7f06087bf000\\n","len":82},"count":82,"fd":1},"dur_ns":5718,"pid":27715,"ret":82,"syscall":"write","ts_ns":4991318909485,"type":"syscall"}"#,
        r#"{"args":{"addr":"0x7f06087bf000","length":4096},"dur_ns":10115,"pid":27715,"ret":0,"syscall":"munmap","ts_ns":4991318918989,"type":"syscall"}"#,
        r#"{"pid":27715,"ts_ns":4991318950405,"type":"exit"}"#,
        r#"{"args":{"buf":{"data":"parent: read \\\"hello via a shared file mapping\\\" from its own mapping at 0x7f06087bf000\\n","len":86},"count":86,"fd":1},"dur_ns":21882,"pid":27713,"ret":86,"syscall":"write","ts_ns":4991319180727,"type":"syscall"}"#,
        r#"{"args":{"addr":"0x7f06087bf000","length":4096},"dur_ns":170142,"pid":27713,"ret":0,"syscall":"munmap","ts_ns":4991319226865,"type":"syscall"}"#,
        r#"{"args":{"fd":3},"dur_ns":13661,"pid":27713,"ret":0,"syscall":"close","ts_ns":4991319426931,"type":"syscall"}"#,
        r#"{"args":{"pathname":"/tmp/tracer-demo-mmap-27713/shared.dat"},"dur_ns":78846,"pid":27713,"ret":0,"syscall":"unlink","ts_ns":4991320199296,"type":"syscall"}"#,
        r#"{"args":{"addr":"0x7f06087c0000","length":12288},"dur_ns":49363,"pid":27713,"ret":0,"syscall":"munmap","ts_ns":4991324130230,"type":"syscall"}"#,
        r#"{"pid":27713,"ts_ns":4991324261444,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "ksys_mmap_pgoff",
            "do_mmap",
            "mmap_region",
            "handle_mm_fault",
            "do_fault",
            "filemap_fault",
            "do_wp_page",
            "__vm_munmap",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 27713  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x7f06087bf000",
                "pid 27715  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0) = 0x7f06087bf000",
                "pid 27715  munmap(0x7f06087bf000, 4096) = 0",
                "pid 27713  munmap(0x7f06087bf000, 4096) = 0",
                "\"hello via a shared file mapping\"",
                "write(1)",
                "ftruncate(3, 4096)",
                "unlink(/tmp/tracer-demo-mmap-27713/shared.dat) = 0",
            ],
        );
        assert!(
            en.contains("the parent mapped the file before the child wrote"),
            "{en}"
        );
        assert!(zh.contains("父进程在子进程写入之前就映射了文件"), "{zh}");
    }
}
