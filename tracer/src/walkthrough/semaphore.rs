//! The semaphore lesson: `tracer demo semaphore`, a System V semaphore used as a lock by a
//! child and then its parent: P (`sem_op = -1`) and V (`+1`), both with `SEM_UNDO`, the flag
//! that makes the kernel give the lock back if its holder dies.
//!
//! Kernel facts (ipc/sem.c, Linux 6.1 and 6.18): `semget` is `ksys_semget` -> `ipcget` ->
//! `newary`. `semctl(SETVAL)` is `semctl_setval`. `semop` (glibc: `semtimedop(..., NULL)`) is
//! `__do_semtimedop`: with `SEM_UNDO` it first finds or makes the process's undo entry for the
//! set (`find_alloc_undo`, inlined), then `perform_atomic_semop` applies all operations or
//! none; an operation that cannot proceed (the value would go below 0) puts the caller to sleep
//! on the set's queue, and every change runs `update_queue` to wake those that now can. Each
//! `SEM_UNDO` operation subtracts its `sem_op` from the process's `semadj`; at exit `exit_sem`
//! adds `semadj` back. `IPC_RMID` (`semctl_down` -> `freeary`) wakes sleepers with `EIDRM`.

use serde_json::Value;

use super::values::{absent, call_line, get, source, text};
use super::{Ctx, Lesson, Step};

/// `semtimedop(id, [{num, op, flags}], n, NULL)` as the trace shows it.
fn semop_args(ctx: &Ctx, c: Option<&Value>, id: &str) -> String {
    format!(
        "{id}, [{{{}, {}, {}}}], {}, NULL",
        get(ctx, c, "/args/sops/0/sem_num"),
        get(ctx, c, "/args/sops/0/sem_op"),
        get(ctx, c, "/args/sops/0/sem_flg"),
        get(ctx, c, "/args/nsops")
    )
}

#[allow(clippy::too_many_lines, reason = "one lesson, told in order")]
pub fn lesson(ctx: &Ctx) -> Lesson {
    let lang = ctx.lang;
    let run = ctx.run;
    let semget = run.and_then(|r| r.find(|c| c["syscall"] == "semget"));
    let setval =
        run.and_then(|r| r.find(|c| c["syscall"] == "semctl" && c["args"]["cmd"] == "SETVAL"));
    let rmid =
        run.and_then(|r| r.find(|c| c["syscall"] == "semctl" && c["args"]["cmd"] == "IPC_RMID"));
    let parent = semget.map(|c| c["pid"].clone());
    let ops: Vec<&Value> = run
        .map(|r| r.all(|c| c["syscall"] == "semtimedop" || c["syscall"] == "semop"))
        .unwrap_or_default();
    let side = |parent_side: bool| -> Vec<&Value> {
        ops.iter()
            .filter(|c| (Some(&c["pid"]) == parent.as_ref()) == parent_side)
            .copied()
            .collect()
    };
    let (child_ops, parent_ops) = (side(false), side(true));

    // The semaphore's value after each operation, replayed from SETVAL's value.
    // The union semun arrives by value in a 64-bit register; SETVAL reads its `int val`, the
    // low 32 bits (the rest is whatever the register held).
    let raw = setval.and_then(|c| c["args"]["arg"].as_str());
    let initial = raw
        .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .and_then(|a| u32::try_from(a & 0xffff_ffff).ok())
        .map(|v| i64::from(i32::from_ne_bytes(v.to_ne_bytes())));
    let raw = raw.map_or_else(|| absent(lang), String::from);
    let mut value = initial;
    let mut after = Vec::new();
    for c in child_ops.iter().chain(&parent_ops) {
        let before = value;
        value = value
            .zip(c.pointer("/args/sops/0/sem_op").and_then(Value::as_i64))
            .map(|(v, d)| v + d);
        after.push((before, value));
    }
    let step = |i: usize| -> String {
        match after.get(i) {
            Some((Some(a), Some(b))) => format!("{a} -> {b}"),
            _ => absent(lang),
        }
    };

    let id = get(ctx, semget, "/ret");
    let init = initial.map_or_else(|| absent(lang), |v| v.to_string());
    let (ppid, cpid) = (
        get(ctx, semget, "/pid"),
        get(ctx, child_ops.first().copied(), "/pid"),
    );
    let op_line = |c: Option<&Value>| call_line(ctx, c, "semtimedop", &semop_args(ctx, c, &id));
    let (cp, cv) = (child_ops.first().copied(), child_ops.get(1).copied());
    let (pp, pv) = (parent_ops.first().copied(), parent_ops.get(1).copied());
    let held = match (
        cp.and_then(|c| c["ts_ns"].as_u64()),
        cv.and_then(|c| c["ts_ns"].as_u64()),
    ) {
        (Some(a), Some(b)) if b > a => t!(
            lang,
            "  The child held the lock for {} us, between the two calls.",
            "  子进程在两次调用之间持有锁 {} 微秒。",
            (b - a) / 1000
        ),
        _ if ctx.run.is_some() => t!(
            lang,
            "  The run did not record both calls.",
            "  本次运行没有同时记录到这两次调用。"
        ),
        _ => t!(
            lang,
            "  With a recorded run, this line says how long the child held the lock.",
            "  有了录制的运行，这一行会说明子进程持有锁多久。"
        ),
    };

    let mut steps = Vec::new();

    steps.push(Step {
        title: t!(lang, "semget and SETVAL: a lock, unlocked", "semget 与 SETVAL：一把开着的锁"),
        lines: vec![
            call_line(
                ctx,
                semget,
                "semget",
                &format!("IPC_PRIVATE, {}, IPC_CREAT|0600", get(ctx, semget, "/args/nsems")),
            ),
            text(t!(
                lang,
                "  A set of {} semaphore, id {id}. Like a message queue it belongs to the kernel's IPC \
                 table; IPC_PRIVATE means a new set no key can find, yet the id is no secret: any \
                 process with permission may use it, and ipcs lists it.",
                "  一个含 {} 个信号量的集合，id 为 {id}。和消息队列一样，它属于内核的 IPC 表；\
                 IPC_PRIVATE 表示新建一个任何键都找不到的集合，但这个 id 并不保密：任何有权限的\
                 进程都能使用它，ipcs 也会列出它。",
                get(ctx, semget, "/args/nsems")
            )),
            ctx.path_func(
                semget,
                "ksys_semget",
                t!(lang, "ipc/sem.c: semget's body", "ipc/sem.c：semget 的主体"),
            ),
            ctx.func(
                "newary",
                t!(lang, "allocates the set; every value starts at 0", "分配信号量集；每个值初始为 0"),
            ),
            call_line(ctx, setval, "semctl", &format!("{id}, 0, SETVAL, {{.val = {init}}}")),
            ctx.func(
                "semctl_setval",
                t!(
                    lang,
                    "sets semaphore 0 to {init}: one process may pass",
                    "把 0 号信号量设为 {init}：允许一个进程通过"
                ),
            ),
            text(t!(
                lang,
                "  The fourth argument is a union semun, which the caller must declare itself. It is \
                 passed by value: the register held {raw}, and SETVAL reads only its int val, the low \
                 32 bits.",
                "  第四个参数是 union semun，调用者必须自己声明它。它按值传递：寄存器里是 {raw}，\
                 而 SETVAL 只读取其中的 int val，即低 32 位。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The child's P: take the lock", "子进程的 P 操作：拿锁"),
        lines: vec![
            op_line(cp),
            text(t!(
                lang,
                "  pid {cpid} (the child): sem_op -1 waits until the value is at least 1, then subtracts \
                 it: value {}. Had the value been 0, the call would have slept here.",
                "  pid {cpid}（子进程）：sem_op -1 等到值至少为 1 再减去它：值 {}。\
                 如果值是 0，调用就会在这里睡眠。",
                step(0)
            )),
            text(t!(
                lang,
                "  glibc's semop(id, sops, 1) is semtimedop(id, sops, 1, NULL): no timeout.",
                "  glibc 的 semop(id, sops, 1) 就是 semtimedop(id, sops, 1, NULL)：没有超时。"
            )),
            ctx.path_func(
                cp,
                "__do_semtimedop",
                t!(lang, "ipc/sem.c: semop's body", "ipc/sem.c：semop 的主体"),
            ),
            ctx.func(
                "perform_atomic_semop",
                t!(
                    lang,
                    "applies all the operations of the call or none of them",
                    "要么执行这次调用的全部操作，要么一个都不执行"
                ),
            ),
            text(t!(
                lang,
                "  SEM_UNDO: the kernel also records semadj = +1 for the child on this set: what to add \
                 back if the child exits now.",
                "  SEM_UNDO：内核同时为子进程在这个集合上记下 semadj = +1：子进程若此刻退出，要加回去的量。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The child's V: give it back", "子进程的 V 操作：还锁"),
        lines: vec![
            op_line(cv),
            text(t!(
                lang,
                "  sem_op +1: value {}; semadj goes back to 0. The critical section was between the two calls.",
                "  sem_op +1：值 {}；semadj 回到 0。临界区就在这两次调用之间。",
                step(1)
            )),
            text(held),
            ctx.func(
                "update_queue",
                t!(
                    lang,
                    "wakes the processes sleeping on the set whose operations can now proceed",
                    "唤醒在该集合上睡眠、现在可以继续执行的进程"
                ),
            ),
        ],
    });

    steps.push(Step {
        title: t!(lang, "SEM_UNDO: the lock survives a crash", "SEM_UNDO：持锁者崩溃，锁也不会丢"),
        lines: vec![
            ctx.func(
                "exit_sem",
                t!(
                    lang,
                    "runs when a process exits: adds its semadj back to each semaphore",
                    "进程退出时运行：把它的 semadj 加回到每个信号量上"
                ),
            ),
            text(t!(
                lang,
                "  The child exited with semadj 0, so nothing changed. Had it been killed between P and V, \
                 exit_sem would have added +1 back and the lock would be free again. Without SEM_UNDO the \
                 value would stay 0 and every later P would sleep forever. This is the lesson.",
                "  子进程退出时 semadj 为 0，所以什么也没变。如果它在 P 和 V 之间被杀死，exit_sem 会把 +1 \
                 加回去，锁就又空出来了。没有 SEM_UNDO，值会停在 0，之后的每个 P 都会永远睡下去。\
                 这就是本课的重点。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "The parent's turn", "轮到父进程"),
        lines: vec![
            text(t!(
                lang,
                "  pid {ppid} (the parent) waited for the child (waitpid), then:",
                "  pid {ppid}（父进程）先等待子进程（waitpid），然后："
            )),
            op_line(pp),
            text(t!(lang, "    P: value {}", "    P：值 {}", step(2))),
            op_line(pv),
            text(t!(lang, "    V: value {}", "    V：值 {}", step(3))),
            text(t!(
                lang,
                "  With the two processes running at once, the second P would sleep until the first V: \
                 that is the mutual exclusion.",
                "  如果两个进程同时运行，后一个 P 会一直睡到前一个 V：这就是互斥。"
            )),
        ],
    });

    steps.push(Step {
        title: t!(lang, "IPC_RMID", "用 IPC_RMID 删除"),
        lines: vec![
            call_line(ctx, rmid, "semctl", &format!("{id}, 0, IPC_RMID")),
            ctx.func(
                "semctl_down",
                t!(lang, "ipc/sem.c: commands that need ownership", "ipc/sem.c：需要属主权限的命令"),
            ),
            ctx.func(
                "freeary",
                t!(
                    lang,
                    "wakes every sleeper with EIDRM and frees the set and its undo entries",
                    "以 EIDRM 唤醒所有睡眠者，释放信号量集和它的 undo 记录"
                ),
            ),
            text(t!(
                lang,
                "  As with message queues and shared memory, exiting does not remove the set: only IPC_RMID does.",
                "  和消息队列、共享内存一样，进程退出不会删除信号量集：只有 IPC_RMID 会。"
            )),
        ],
    });

    Lesson {
        title: t!(
            lang,
            "A System V semaphore as a lock: P, V and SEM_UNDO",
            "把 System V 信号量当锁用：P、V 与 SEM_UNDO"
        ),
        source: source(ctx, "semaphore", &["semaphore"]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walkthrough::values::testing;

    /// From a real recording (`tracer demo semaphore` on 6.18), trimmed.
    const RUN: &[&str] = &[
        r#"{"args":{"key":"IPC_PRIVATE","nsems":1,"semflg":"IPC_CREAT|0600"},"dur_ns":6420,"kernel_path":[{"func":"ksys_semget","observed":false}],"pid":21857,"ret":4,"syscall":"semget","ts_ns":3665317747150,"type":"syscall"}"#,
        r#"{"args":{"arg":"0x1","cmd":"SETVAL","semid":4,"semnum":0},"dur_ns":2614,"pid":21857,"ret":0,"syscall":"semctl","ts_ns":3665317817394,"type":"syscall"}"#,
        r#"{"child":21859,"pid":21857,"thread":false,"ts_ns":3665317951773,"type":"fork"}"#,
        r#"{"args":{"nsops":1,"semid":4,"sops":[{"sem_flg":"SEM_UNDO","sem_num":0,"sem_op":-1}],"timeout":"NULL"},"dur_ns":6850,"kernel_path":[{"func":"__do_semtimedop","observed":false}],"pid":21859,"ret":0,"syscall":"semtimedop","ts_ns":3665318064405,"type":"syscall"}"#,
        r#"{"args":{"nsops":1,"semid":4,"sops":[{"sem_flg":"SEM_UNDO","sem_num":0,"sem_op":1}],"timeout":"NULL"},"dur_ns":1423,"kernel_path":[{"func":"__do_semtimedop","observed":false}],"pid":21859,"ret":0,"syscall":"semtimedop","ts_ns":3665318108860,"type":"syscall"}"#,
        r#"{"pid":21859,"ts_ns":3665318129040,"type":"exit"}"#,
        r#"{"args":{"nsops":1,"semid":4,"sops":[{"sem_flg":"SEM_UNDO","sem_num":0,"sem_op":-1}],"timeout":"NULL"},"dur_ns":5108,"kernel_path":[{"func":"__do_semtimedop","observed":false}],"pid":21857,"ret":0,"syscall":"semtimedop","ts_ns":3665318287050,"type":"syscall"}"#,
        r#"{"args":{"nsops":1,"semid":4,"sops":[{"sem_flg":"SEM_UNDO","sem_num":0,"sem_op":1}],"timeout":"NULL"},"dur_ns":1593,"kernel_path":[{"func":"__do_semtimedop","observed":false}],"pid":21857,"ret":0,"syscall":"semtimedop","ts_ns":3665318311416,"type":"syscall"}"#,
        r#"{"args":{"arg":"0x0","cmd":"IPC_RMID","semid":4,"semnum":0},"dur_ns":14702,"pid":21857,"ret":0,"syscall":"semctl","ts_ns":3665318328021,"type":"syscall"}"#,
        r#"{"pid":21857,"ts_ns":3665318391255,"type":"exit"}"#,
    ];

    #[test]
    fn the_lesson_carries_the_values_of_the_run() {
        let k = testing::ksyms(&[
            "ksys_semget",
            "newary",
            "semctl_setval",
            "__do_semtimedop",
            "perform_atomic_semop",
            "update_queue",
            "exit_sem",
            "semctl_down",
            "freeary",
        ]);
        let (en, zh) = testing::check(
            lesson,
            &testing::run(RUN),
            &k,
            &[
                "pid 21857  semget(IPC_PRIVATE, 1, IPC_CREAT|0600) = 4",
                "pid 21857  semctl(4, 0, SETVAL, {.val = 1}) = 0",
                "pid 21859  semtimedop(4, [{0, -1, SEM_UNDO}], 1, NULL) = 0",
                "pid 21859  semtimedop(4, [{0, 1, SEM_UNDO}], 1, NULL) = 0",
                "pid 21857  semtimedop(4, [{0, -1, SEM_UNDO}], 1, NULL) = 0",
                "pid 21857  semctl(4, 0, IPC_RMID) = 0",
                "1 -> 0",
                "0 -> 1",
                "44",
            ],
        );
        assert!(en.contains("A set of 1 semaphore, id 4."), "{en}");
        assert!(zh.contains("一个含 1 个信号量的集合，id 为 4。"), "{zh}");
        assert!(en.contains("held the lock for 44 us"), "{en}");
    }

    #[test]
    fn setval_reads_the_low_32_bits_of_the_register() {
        let lines: Vec<String> = RUN
            .iter()
            .map(|l| l.replace("\"0x1\"", "\"0x7ffd00000001\""))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let k = testing::ksyms(&[]);
        let (en, _) = testing::check(
            lesson,
            &testing::run(&lines),
            &k,
            &["SETVAL, {.val = 1}", "1 -> 0"],
        );
        assert!(en.contains("the register held 0x7ffd00000001"), "{en}");
    }
}
