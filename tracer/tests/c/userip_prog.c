/* Two binds of UNIX sockets: one through the C library's bind(), one issued by this program's
 * own `syscall` instruction (raw_bind below; `int $0x80` with socketcall when built with
 * -m32). tests/userip.rs records it, linked dynamically, statically and as a 32-bit program,
 * and checks where each call is said to have been made. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

__attribute__((noinline)) long raw_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    long ret;
#if defined(__x86_64__)
    /* bind is x86_64 syscall 49 (arch/x86/entry/syscalls/syscall_64.tbl). */
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(49L), "D"((long)fd), "S"(addr), "d"((long)len)
                     : "rcx", "r11", "memory");
#else
    /* ia32 socketcall (102, arch/x86/entry/syscalls/syscall_32.tbl) with SYS_BIND (2,
     * include/uapi/linux/net.h) and the argument array. */
    unsigned long args[3] = {(unsigned long)fd, (unsigned long)addr, (unsigned long)len};
    __asm__ volatile("int $0x80" : "=a"(ret) : "0"(102L), "b"(2L), "c"(args) : "memory");
#endif
    return ret;
}

static int bound(const char *path, int raw)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    /* An abstract address (a leading NUL): nothing to clean up. */
    strncpy(a.sun_path + 1, path, sizeof a.sun_path - 2);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    long r = raw ? raw_bind(fd, (struct sockaddr *)&a, sizeof a)
                 : bind(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return r == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *tag = argc > 1 ? argv[1] : "tracer-userip";
    char name[100];
    snprintf(name, sizeof name, "%s-libc", tag);
    if (bound(name, 0) != 0)
        return 1;
    snprintf(name, sizeof name, "%s-raw", tag);
    if (bound(name, 1) != 0)
        return 2;
    /* tracer names an address against /proc/PID/maps when it reads the call's record (the
     * ring is drained at least every 20 ms): a process already gone by then keeps the bare
     * address. Staying a moment makes the test about naming, not about that race. (Its
     * failures under load, 2026-12-04, were not that race: tracer had read this program's
     * maps before the loader mapped the C library and did not read them again for 100 ms;
     * usersym now reads them again whenever they predate the call.) */
    usleep(2000 * 1000);
    return 0;
}
