//! The shared memory lesson: `tracer demo shm`, a child writing a string into a System V
//! segment and its parent reading it. The point is in what the trace does not show: no system
//! call carries the string, where the pipe lesson's message went through `write` and `read`
//! and was copied twice by the kernel.
//!
//! Kernel facts (ipc/shm.c, Linux 6.1 and 6.18): `shmget` is `ksys_shmget` -> `ipcget` ->
//! `newseg`, which backs the segment with a file of the kernel's internal tmpfs
//! (`shmem_kernel_file_setup`, mm/shmem.c); no page is allocated yet. `shmat` is `do_shmat`,
//! which maps that file into the caller's address space as a shared mapping (`do_mmap`, whose
//! file operation is `shm_mmap`). The first store to the mapping faults (`handle_mm_fault` ->
//! `shmem_fault`), which puts the page in the segment's file; a later `shmat` by any process
//! maps the same page. `shmdt` is `ksys_shmdt`; `IPC_RMID` goes through `shmctl_down` to
//! `do_shm_rmid`, and `shm_destroy` frees the segment when the last process detaches.

use serde_json::Value;

use super::values::{absent, call_line, get, ret_addr as addr, source, text};
use super::{Ctx, Lesson, Step};

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let shmget = run.and_then(|r| r.find(|c| c["syscall"] == "shmget"));
    let parent = shmget.map(|c| c["pid"].clone());
    let by = |name: &str, parent_side: bool| -> Option<&Value> {
        run?.all(|c| c["syscall"] == name && (Some(&c["pid"]) == parent.as_ref()) == parent_side)
            .first()
            .copied()
    };
    let (c_at, c_dt) = (by("shmat", false), by("shmdt", false));
    let (p_at, p_dt) = (by("shmat", true), by("shmdt", true));
    let rmid =
        run.and_then(|r| r.find(|c| c["syscall"] == "shmctl" && c["args"]["cmd"] == "IPC_RMID"));

    // The calls the child made while attached, and the calls that carried the string (the
    // demo's own reports on fd 1 aside).
    let window = |at: Option<&Value>, dt: Option<&Value>| -> Vec<String> {
        let (Some(r), Some(at), Some(dt)) = (run, at, dt) else {
            return Vec::new();
        };
        let (from, to) = (at["ts_ns"].as_u64(), dt["ts_ns"].as_u64());
        r.all(|c| c["pid"] == at["pid"] && c["ts_ns"].as_u64() > from && c["ts_ns"].as_u64() < to)
            .iter()
            .map(|c| {
                format!(
                    "{}({}, ...)",
                    c["syscall"].as_str().unwrap_or("?"),
                    c["args"]["fd"]
                        .as_i64()
                        .map_or_else(String::new, |f| f.to_string())
                )
            })
            .collect()
    };
    let between = window(c_at, c_dt);
    let between = match (run.is_some(), between.is_empty(), lang) {
        (false, _, _) => absent(lang),
        (true, true, super::Lang::En) => "none".to_string(),
        (true, true, super::Lang::Zh) => "没有".to_string(),
        (true, false, _) => between.join(", "),
    };
    let carried = run.map(|r| {
        r.all(|c| c["args"]["fd"] != 1 && c.to_string().contains("hello via shared memory"))
            .len()
    });
    let carried = carried.map_or_else(|| absent(lang), |n| n.to_string());
    let calls = run.map(|r| {
        ["shmget", "shmat", "shmdt", "shmctl"]
            .iter()
            .map(|n| format!("{n} x{}", r.all(|c| c["syscall"] == *n).len()))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let calls = calls.unwrap_or_else(|| absent(lang));

    let id = get(ctx, shmget, "/ret");
    let size = get(ctx, shmget, "/args/size");
    let ppid = get(ctx, shmget, "/pid");
    let cpid = get(ctx, c_at, "/pid");
    let (ca, pa) = (addr(ctx, c_at), addr(ctx, p_at));
    let same = match (
        c_at.and_then(|c| c["ret"].as_u64()),
        p_at.and_then(|c| c["ret"].as_u64()),
    ) {
        (Some(a), Some(b)) if a == b => t!(
            lang,
            "  The same address in both processes here, because the child had the same free hole \
             in its copy of the parent's address space; it need not be: an address is private to a \
             process, only the page behind it is shared.",
            "  这里两个进程拿到的地址相同，因为子进程的地址空间是父进程的副本，同一个空洞都空着；\
             但这并非必然：地址是每个进程私有的，共享的只是地址背后的那一页。"
        ),
        _ => t!(
            lang,
            "  An address is private to a process: the two may differ; only the page behind them is shared.",
            "  地址是每个进程私有的：两个地址可以不同；共享的只是它们背后的那一页。"
        ),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "shmget: a segment, not yet memory", "shmget：一个段，还不是内存"),
        lines: vec![
            call_line(ctx, shmget, "shmget", &format!("IPC_PRIVATE, {size}, IPC_CREAT|0600")),
            text(t!(
                lang,
                "  IPC_PRIVATE always makes a new segment; its id {id} is what the child, forked later, \
                 will use. Like a message queue, it lives in the kernel's IPC table, not in the process.",
                "  IPC_PRIVATE 总是创建一个新段；它的 id {id} 就是稍后 fork 出的子进程要用的。\
                 和消息队列一样，它存在于内核的 IPC 表里，而不在进程里。"
            )),
            ctx.path_func(
                shmget,
                "ksys_shmget",
                t!(lang, "ipc/shm.c: shmget's body", "ipc/shm.c：shmget 的主体"),
            ),
            ctx.func(
                "newseg",
                t!(
                    lang,
                    "makes struct shmid_kernel for {size} bytes",
                    "为 {size} 字节创建 struct shmid_kernel"
                ),
            ),
            ctx.func(
                "shmem_kernel_file_setup",
                t!(
                    lang,
                    "mm/shmem.c: a file in the kernel's internal tmpfs backs the segment; no page yet",
                    "mm/shmem.c：由内核内部 tmpfs 中的一个文件来承载这个段；此时还没有分配页"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "shmat: the segment appears in the child's memory", "shmat：段出现在子进程的内存里"),
        lines: vec![
            call_line(ctx, c_at, "shmat", &format!("{id}, NULL, 0")),
            text(t!(
                lang,
                "  The child (pid {cpid}) gets the address {ca}: with NULL the kernel chooses where.",
                "  子进程（pid {cpid}）得到地址 {ca}：传入 NULL 时由内核选择位置。"
            )),
            ctx.path_func(
                c_at,
                "do_shmat",
                t!(
                    lang,
                    "ipc/shm.c: maps the segment's file into the caller's address space, MAP_SHARED",
                    "ipc/shm.c：把段的文件以 MAP_SHARED 方式映射进调用者的地址空间"
                ),
            ),
            ctx.func(
                "do_mmap",
                t!(lang, "the same work as mmap(2)", "与 mmap(2) 做的是同一件事"),
            ),
            ctx.func(
                "shm_mmap",
                t!(lang, "the segment file's mmap operation", "段文件的 mmap 操作"),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The child writes with plain stores", "子进程用普通的存储指令写入"),
        lines: vec![
            text(t!(
                lang,
                "  memcpy(addr, \"hello via shared memory\", 24): ordinary instructions, no system call. \
                 The child's recorded calls between its shmat and shmdt: {between}.",
                "  memcpy(addr, \"hello via shared memory\", 24)：普通指令，不是系统调用。\
                 子进程在 shmat 与 shmdt 之间被记录的调用：{between}。"
            )),
            text(t!(
                lang,
                "  (a write to fd 1 is the demo printing its report to the terminal, not the data path)",
                "  （写 fd 1 是演示程序把报告打印到终端，不是数据的通路）"
            )),
            ctx.func(
                "handle_mm_fault",
                t!(
                    lang,
                    "the first store finds no page yet: a page fault, not a system call",
                    "第一次存储时还没有页：发生缺页异常，而不是系统调用"
                ),
            ),
            ctx.func(
                "shmem_fault",
                t!(
                    lang,
                    "mm/shmem.c: allocates the page into the segment's file and maps it",
                    "mm/shmem.c：为段的文件分配这一页并映射进来"
                ),
            ),
            call_line(ctx, c_dt, "shmdt", &ca),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The parent attaches and reads", "父进程挂接并读取"),
        lines: vec![
            text(t!(
                lang,
                "  The parent (pid {ppid}) waits for the child to exit (waitpid): that is the only \
                 synchronisation; then:",
                "  父进程（pid {ppid}）等子进程退出（waitpid）：这是唯一的同步手段；然后："
            )),
            call_line(ctx, p_at, "shmat", &format!("{id}, NULL, 0")),
            text(t!(
                lang,
                "  at {pa}, the page the child wrote: the string is simply there, read with plain loads.",
                "  地址 {pa} 上就是子进程写过的那一页：字符串就在那里，用普通的读取指令即可读到。"
            )),
            text(same),
            call_line(ctx, p_dt, "shmdt", &pa),
            ctx.path_func(
                p_dt,
                "ksys_shmdt",
                t!(
                    lang,
                    "unmaps the segment; the segment itself stays",
                    "解除映射；段本身仍然存在"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "Compared with the pipe lesson", "与管道一课对比"),
        lines: vec![
            text(if ctx.run.is_some() {
                t!(
                    lang,
                    "  The shared memory calls of this run: {calls}. Recorded calls that carried the string: {carried}.",
                    "  本次运行中的共享内存调用：{calls}。携带了那个字符串的调用：{carried} 个。"
                )
            } else {
                t!(
                    lang,
                    "  The shared memory calls of your run: {calls}. Recorded calls that carried the string: {carried}.",
                    "  你的运行中的共享内存调用：{calls}。携带了那个字符串的调用：{carried} 个。"
                )
            }),
            text(t!(
                lang,
                "  pipe: every message is a write() and a read(); the kernel copies the bytes twice \
                 (copy_page_from_iter into the pipe, copy_page_to_iter out of it).",
                "  管道：每条消息都要一次 write() 和一次 read()；内核把字节复制两次\
                 （copy_page_from_iter 进管道，copy_page_to_iter 出管道）。"
            )),
            text(t!(
                lang,
                "  shared memory: the system calls only set up and tear down; the kernel copies nothing: the \
                 child stores the bytes once into a page both processes map. This is the lesson: the fastest IPC, \
                 because the kernel is out of the data path.",
                "  共享内存：系统调用只负责建立和拆除；内核什么也不复制：子进程只把字节\
                 存储一次，存进两个进程都映射着的那一页。这就是本课的重点：最快的 IPC，因为内核不在数据通路上。"
            )),
            text(t!(
                lang,
                "  The price: the kernel does not say when the data is ready. Here waitpid does; usually \
                 a semaphore (tracer demo semaphore) or a futex.",
                "  代价：内核不会告诉你数据何时就绪。这里靠 waitpid；通常要用信号量（tracer demo semaphore）或 futex。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(
            lang,
            "IPC_RMID: the segment outlives its users until removed",
            "IPC_RMID：段在被删除之前比使用它的进程活得更久"
        ),
        lines: vec![
            call_line(ctx, rmid, "shmctl", &format!("{id}, IPC_RMID, NULL")),
            ctx.func(
                "shmctl_down",
                t!(
                    lang,
                    "ipc/shm.c: commands that need ownership",
                    "ipc/shm.c：需要属主权限的命令"
                ),
            ),
            ctx.func(
                "do_shm_rmid",
                t!(
                    lang,
                    "marks the segment destroyed; a process still attached keeps its mapping",
                    "把段标记为已销毁；仍挂接着的进程继续保有它的映射"
                ),
            ),
            ctx.func(
                "shm_destroy",
                t!(
                    lang,
                    "frees the pages when the last process detaches",
                    "最后一个进程分离时释放这些页"
                ),
            ),
            text(t!(
                lang,
                "  Without IPC_RMID segment {id} and its page would outlive both processes (ipcs -m shows it).",
                "  没有 IPC_RMID，段 {id} 和它的页会在两个进程结束后继续存在（ipcs -m 可以看到）。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "System V shared memory: no copy through the kernel",
            "System V 共享内存：数据不经内核复制"
        ),
        source: source(ctx, "shm", &["shm"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo shm` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"key":"IPC_PRIVATE","shmflg":"IPC_CREAT|0600","size":4096},"dur_ns":20460,"kernel_path":[{"func":"__x64_sys_shmget","observed":false},{"func":"ksys_shmget","observed":false}],"pid":18834,"ret":2,"syscall":"shmget","ts_ns":2054362566942,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"shmget: segment id 2, 4096 bytes","len":33,"truncated":true},"count":33,"fd":1},"dur_ns":16765,"kernel_path":[{"func":"__x64_sys_write","observed":false}],"pid":18834,"ret":33,"syscall":"write","ts_ns":2054362602885,"type":"syscall"}"#,
        r#"{"child":18835,"pid":18834,"thread":false,"ts_ns":2054362780999,"type":"fork"}"#,
        r#"{"args":{"shmaddr":"NULL","shmflg":"0","shmid":2},"dur_ns":28332,"kernel_path":[{"func":"__x64_sys_shmat","observed":false},{"func":"do_shmat","observed":false}],"pid":18835,"ret":140144819712000,"syscall":"shmat","ts_ns":2054364297421,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"child: wrote \\\"hello via shared m","len":39,"truncated":true},"count":39,"fd":1},"dur_ns":16955,"kernel_path":[{"func":"__x64_sys_write","observed":false}],"pid":18835,"ret":39,"syscall":"write","ts_ns":2054364431790,"type":"syscall"}"#,
        r#"{"args":{"shmaddr":"0x7f7602323000"},"dur_ns":16875,"kernel_path":[{"func":"__x64_sys_shmdt","observed":false},{"func":"ksys_shmdt","observed":false}],"pid":18835,"ret":0,"syscall":"shmdt","ts_ns":2054364476646,"type":"syscall"}"#,
        r#"{"pid":18835,"ts_ns":2054364517567,"type":"exit"}"#,
        r#"{"args":{"shmaddr":"NULL","shmflg":"0","shmid":2},"dur_ns":38176,"kernel_path":[{"func":"__x64_sys_shmat","observed":false},{"func":"do_shmat","observed":false}],"pid":18834,"ret":140144819712000,"syscall":"shmat","ts_ns":2054364927309,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"parent: read \\\"hello via shared m","len":39,"truncated":true},"count":39,"fd":1},"dur_ns":5689,"kernel_path":[{"func":"__x64_sys_write","observed":false}],"pid":18834,"ret":39,"syscall":"write","ts_ns":2054364983512,"type":"syscall"}"#,
        r#"{"args":{"shmaddr":"0x7f7602323000"},"dur_ns":11187,"kernel_path":[{"func":"__x64_sys_shmdt","observed":false},{"func":"ksys_shmdt","observed":false}],"pid":18834,"ret":0,"syscall":"shmdt","ts_ns":2054365014688,"type":"syscall"}"#,
        r#"{"args":{"buf":"NULL","cmd":"IPC_RMID","shmid":2},"dur_ns":3926,"kernel_path":[{"func":"__x64_sys_shmctl","observed":false}],"pid":18834,"ret":0,"syscall":"shmctl","ts_ns":2054365047887,"type":"syscall"}"#,
        r#"{"args":{"buf":{"data":"shmctl(IPC_RMID): segment remove","len":34,"truncated":true},"count":34,"fd":1},"dur_ns":50285,"kernel_path":[{"func":"__x64_sys_write","observed":false}],"pid":18834,"ret":34,"syscall":"write","ts_ns":2054365086995,"type":"syscall"}"#,
        r#"{"pid":18834,"ts_ns":2054365224970,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "ksys_shmget",
            "newseg",
            "shmem_kernel_file_setup",
            "do_shmat",
            "do_mmap",
            "shm_mmap",
            "handle_mm_fault",
            "shmem_fault",
            "ksys_shmdt",
            "shmctl_down",
            "do_shm_rmid",
            "shm_destroy",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 18834  shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600) = 2",
                "pid 18835  shmat(2, NULL, 0) = 0x7f7602323000",
                "pid 18835  shmdt(0x7f7602323000) = 0",
                "pid 18834  shmat(2, NULL, 0) = 0x7f7602323000",
                "pid 18834  shmctl(2, IPC_RMID, NULL) = 0",
                "0x7f7602323000",
                "write(1, ...)",
                "shmget x1, shmat x2, shmdt x2, shmctl x1",
                ". do_shmat",
            ],
        );
        assert!(en.contains("carried the string: 0."), "{en}");
        assert!(zh.contains("携带了那个字符串的调用：0 个"), "{zh}");
        assert!(en.contains("The same address in both processes"), "{en}");
    }
}
