/* A program whose calls are the same on every run, for comparing `tracer record -c` with
 * `strace -c`: failed opens and accesses (errors), a pipe written by a child and read by its
 * parent only once the child has exited (the reads' count does not depend on scheduling), and
 * no signal handler (no call is interrupted and restarted). */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	char buf[3];
	if (pipe(p) != 0)
		return 1;
	for (int i = 0; i < 5; i++)
		open("/nonexistent/tracer-summary", O_RDONLY);
	for (int i = 0; i < 2; i++)
		access("/nonexistent/tracer-summary", F_OK);
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		for (int i = 0; i < 3; i++)
			if (write(p[1], "abc", 3) != 3)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	int status;
	if (waitpid(child, &status, 0) != child || status != 0)
		return 1;
	/* 9 bytes waiting, the writer gone: three reads of 3, then end of file. */
	while (read(p[0], buf, sizeof buf) > 0)
		;
	close(p[0]);
	getppid();
	return 0;
}
