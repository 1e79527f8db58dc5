/* A 32-bit program for tracer's ia32 tests: glibc issues its socket calls through
 * socketcall(2) and its SysV IPC calls through ipc(2), entering the kernel through the vDSO's
 * __kernel_vsyscall (sysenter on Intel, syscall on AMD) or int 0x80. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg { long mtype; char mtext[16]; };

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("bind"); return 1; }
    close(fd);
    unlink(argv[1]);

    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) { perror("msgget"); return 1; }
    struct msg m = { 7, "ia32 hello" };
    if (msgsnd(q, &m, strlen(m.mtext), 0) != 0) { perror("msgsnd"); return 1; }
    struct msg r;
    memset(&r, 0, sizeof r);
    if (msgrcv(q, &r, sizeof r.mtext, 7, 0) < 0) { perror("msgrcv"); return 1; }
    msgctl(q, IPC_RMID, NULL);
    printf("received %s\n", r.mtext);
    return 0;
}
