/* A child forked without an exec that connects through the C library and exits at once, while
 * its parent waits: the parent makes no call from the C library before the child's (its fork
 * and wait are its own `syscall` instructions), so the first of the C library's addresses
 * tracer names is the gone child's. tests/userip.rs records it and checks that the child's
 * connect is named in libc.so.6 all the same (2026-12-04: the failed read of the file through
 * the gone child was kept as the file's symbols, and every later call in libc.so.6, the
 * parent's too, showed a bare address). */
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static long raw(long nr, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv)
{
    /* clone(SIGCHLD, 0, ...): a fork (x86_64 syscall 56). */
    long pid = raw(56, SIGCHLD, 0, 0, 0);
    if (pid == 0) {
        struct sockaddr_un a;
        memset(&a, 0, sizeof a);
        a.sun_family = AF_UNIX;
        /* An abstract address nobody listens on: refused, nothing to clean up. */
        strncpy(a.sun_path + 1, argc > 1 ? argv[1] : "tracer-userip-fork", sizeof a.sun_path - 2);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
        _exit(0);
    }
    /* wait4(pid, NULL, 0, NULL) (x86_64 syscall 61). */
    raw(61, pid, 0, 0, 0);
    /* The parent stays a moment: its file is there to be read, as the demo's parent's was. */
    usleep(1000 * 1000);
    return 0;
}
