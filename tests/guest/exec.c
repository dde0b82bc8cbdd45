/*
 * execve and its kin: arguments and environment passed exactly, the pid kept,
 * close-on-exec descriptors closed and the others kept with their offsets,
 * handlers reset to the default while ignored signals and the mask stay,
 * the other threads gone (exec from a non-main thread too), #! scripts with
 * and without an argument and nested, execveat with a directory and with
 * AT_EMPTY_PATH (fexecve), posix_spawn, vfork's order (the child runs, in
 * the parent's memory, before the parent goes on), and the errors: ENOENT,
 * EACCES (not executable, a directory), ENOEXEC, E2BIG, EFAULT. The program
 * runs itself again in a role named by argv[1].
 */
#include "common.h"
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <sys/wait.h>

extern char **environ;
static char self[4096];

static int run_and_wait(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		die_setup("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* fork, then execve argv (self when path is NULL) in the child; its exit code. */
static int spawn(const char *path, char *const argv[], char *const envp[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execve(path ? path : self, argv, envp ? envp : environ);
		_exit(100 + errno);
	}
	return run_and_wait(pid);
}

/* ---- the roles of the exec'd program */

static int role_args(int argc, char **argv)
{
	printf("  argc %d\n", argc);
	for (int i = 2; i < argc; i++)
		show("  arg", argv[i], (long)strlen(argv[i]));
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "ALTO_", 5))
			show("  env", *e, (long)strlen(*e));
	return 0;
}

/* argv: fds to check; prints which are open and where their offsets are. */
static int role_fds(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		int fd = atoi(argv[i]);
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0)
			printf("  fd %d: %s\n", fd, errname(errno));
		else
			printf("  fd %d: open, FD_CLOEXEC %d, offset %ld\n", fd, flags & FD_CLOEXEC,
			       (long)lseek(fd, 0, SEEK_CUR));
	}
	return 0;
}

static const char *disposition(int sig)
{
	struct sigaction sa;

	sigaction(sig, NULL, &sa);
	return sa.sa_handler == SIG_DFL ? "default" :
	       sa.sa_handler == SIG_IGN ? "ignored" :
					  "a handler";
}

static int role_signals(int argc, char **argv)
{
	sigset_t set;

	sigprocmask(SIG_BLOCK, NULL, &set);
	printf("  SIGUSR1: %s\n  SIGUSR2: %s\n  SIGTERM: %s\n", disposition(SIGUSR1),
	       disposition(SIGUSR2), disposition(SIGTERM));
	check("  SIGINT still blocked", sigismember(&set, SIGINT));
	check("  SIGQUIT not blocked", !sigismember(&set, SIGQUIT));
	stack_t ss;
	sigaltstack(NULL, &ss);
	check("  no alternate stack", ss.ss_flags & SS_DISABLE);
	return 0;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int role_threads(int argc, char **argv)
{
	printf("  threads in the new image: %d\n", count_tasks());
	check("  the pid is the one before", getpid() == atoi(argv[2]));
	check("  the thread id is the pid", syscall(SYS_gettid) == getpid());
	return 0;
}

/* ---- the checks */

static void arguments(void)
{
	char *argv[] = { "argv0", "args", "one", "", "two words", "new\nline", NULL };
	char *envp[] = { "ALTO_A=1", "ALTO_EMPTY=", "IGNORED=x", "ALTO_B=a=b", NULL };

	printf("execve with arguments and an environment:\n");
	spawn(NULL, argv, envp);
	char *none[] = { NULL };
	printf("execve with an empty environment:\n");
	char *argv2[] = { "x", "args", NULL };
	spawn(NULL, argv2, none);
}

static void descriptors(void)
{
	char path[] = "/tmp/alto-exec-XXXXXX";
	int keep = mkstemp(path);
	int gone = open(path, O_RDONLY | O_CLOEXEC);
	int later = open(path, O_RDONLY);

	if (keep < 0 || gone < 0 || later < 0 || write(keep, "0123456789", 10) != 10)
		die_setup("files");
	unlink(path);
	fcntl(later, F_SETFD, FD_CLOEXEC);
	lseek(gone, 3, SEEK_SET);
	char a[16], b[16], c[16];
	snprintf(a, sizeof(a), "%d", keep);
	snprintf(b, sizeof(b), "%d", gone);
	snprintf(c, sizeof(c), "%d", later);
	char *argv[] = { "x", "fds", a, b, c, NULL };
	printf("descriptors across execve (kept at offset 10, O_CLOEXEC, FD_CLOEXEC set later):\n");
	spawn(NULL, argv, NULL);
	close(keep);
	close(gone);
	close(later);
}

static void on_usr1(int sig)
{
}

static void signals(void)
{
	printf("signals across execve (a handler, an ignored one, a blocked one):\n");
	pid_t pid = fork();

	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		sigaction(SIGUSR1, &sa, NULL);
		signal(SIGUSR2, SIG_IGN);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536 };
		sigaltstack(&ss, NULL);
		char *argv[] = { "x", "signals", NULL };
		execv(self, argv);
		_exit(99);
	}
	run_and_wait(pid);
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *exec_from_thread(void *arg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	char *argv[] = { "x", "threads", pid, NULL };
	execv(self, argv);
	_exit(98);
}

static void threads(void)
{
	printf("execve from one of five threads:\n");
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;
		for (int i = 0; i < 3; i++)
			pthread_create(&t, NULL, sleeper, NULL);
		pthread_create(&t, NULL, exec_from_thread, NULL);
		for (;;)
			pause();
	}
	run_and_wait(pid);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die_setup(path);
	close(fd);
}

static void scripts(void)
{
	char text[5000];

	snprintf(text, sizeof(text), "#!%s args\n", self);
	write_file("plain", text, 0755);
	snprintf(text, sizeof(text), "#!  %s   args   with spaces  \n", self);
	write_file("spaces", text, 0755);
	write_file("nested", "#!./plain\n", 0755);
	write_file("noexec", text, 0644);
	write_file("empty", "#!\n", 0755);
	write_file("garbage",
		   "\x7f"
		   "ELF but not really",
		   0755);
	write_file("text", "just some text\n", 0755);
	char *argv[] = { "./plain", "first", NULL };
	printf("a #! script:\n");
	spawn("./plain", argv, NULL);
	printf("a #! line with its argument padded:\n");
	spawn("./spaces", argv, NULL);
	printf("a script whose interpreter is a script:\n");
	char *argv2[] = { "./nested", "x", NULL };
	spawn("./nested", argv2, NULL);
	int r = spawn("./noexec", argv, NULL);
	printf("a script without the execute bit: %s\n", errname(r - 100));
	r = spawn("./empty", argv, NULL);
	printf("a #! line without an interpreter: %s\n", errname(r - 100));
	r = spawn("./garbage", argv, NULL);
	printf("a file that is not ELF: %s\n", errname(r - 100));
	r = spawn("./text", argv, NULL);
	printf("a text file: %s\n", errname(r - 100));
	r = spawn("./missing", argv, NULL);
	printf("a missing file: %s\n", errname(r - 100));
	r = spawn("/tmp", argv, NULL);
	printf("a directory: %s\n", errname(r - 100));
	for (const char *f = "plain\0spaces\0nested\0noexec\0empty\0garbage\0text\0"; *f;
	     f += strlen(f) + 1)
		unlink(f);
}

static void errors(void)
{
	size_t big = 3 << 20;
	char *huge = malloc(big);
	pid_t pid = fork();

	if (pid == 0) {
		memset(huge, 'a', big - 1);
		huge[big - 1] = 0;
		char *argv[] = { "x", huge, NULL };
		execv(self, argv);
		printf("an argument of 3 MiB: %s\n", errname(errno));
		uintptr_t volatile bad = 8;
		syscall(SYS_execve, self, (char **)bad, environ);
		printf("argv at a bad address: %s\n", errname(errno));
		syscall(SYS_execve, (char *)bad, (char *[]){ "x", NULL }, environ);
		printf("a path at a bad address: %s\n", errname(errno));
		_exit(0);
	}
	run_and_wait(pid);
	free(huge);
}

static void at_variants(void)
{
	char dir[4096], *slash;

	strcpy(dir, self);
	slash = strrchr(dir, '/');
	*slash = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int ffd = open(self, O_RDONLY | O_CLOEXEC);
	printf("execveat relative to a directory descriptor:\n");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "x", "args", "execveat from a directory", NULL };
		syscall(SYS_execveat, dfd, slash + 1, argv, environ, 0);
		_exit(100 + errno);
	}
	run_and_wait(pid);
	printf("fexecve (execveat with AT_EMPTY_PATH):\n");
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "x", "args", "fexecve", NULL };
		fexecve(ffd, argv, environ);
		_exit(100 + errno);
	}
	run_and_wait(pid);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "x", NULL };
		syscall(SYS_execveat, ffd, "", argv, environ, 0);
		printf("execveat of \"\" without AT_EMPTY_PATH: %s\n", errname(errno));
		_exit(0);
	}
	run_and_wait(pid);
	close(dfd);
	close(ffd);
}

static void with_spawn(void)
{
	char *argv[] = { "x", "args", "from posix_spawn", NULL };
	pid_t pid;

	printf("posix_spawn:\n");
	int r = posix_spawn(&pid, self, NULL, NULL, argv, environ);
	printf("  exit code %d, posix_spawn returned %d\n", run_and_wait(pid), r);
	r = posix_spawn(&pid, "/alto-no-such-file", NULL, NULL, argv, environ);
	printf("posix_spawn of a missing file: %s\n", errname(r));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 7, "/dev/null", O_RDONLY, 0);
	char *argv2[] = { "x", "fds", "7", NULL };
	printf("posix_spawn with a file action opening fd 7:\n");
	posix_spawn(&pid, self, &fa, NULL, argv2, environ);
	run_and_wait(pid);
	posix_spawn_file_actions_destroy(&fa);
}

static void vfork_order(void)
{
	static volatile char log[8];
	static volatile int n;
	volatile int shared = 1;

	pid_t pid = vfork();
	if (pid == 0) {
		log[n++] = 'c';
		shared = 2; /* vfork: the parent's own memory */
		_exit(5);
	}
	log[n++] = 'p';
	int status;
	waitpid(pid, &status, 0);
	printf("vfork: the child ran first: %s, its write seen: %s, status %d\n",
	       log[0] == 'c' && log[1] == 'p' ? "yes" : "no", shared == 2 ? "yes" : "no",
	       WEXITSTATUS(status));
	printf("vfork then execve:\n");
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "x", "args", "after vfork", NULL };
		execv(self, argv);
		_exit(1);
	}
	run_and_wait(pid);
}

int main(int argc, char **argv)
{
	setup();
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		die_setup("readlink");
	if (argc > 1) {
		if (!strcmp(argv[1], "args"))
			return role_args(argc, argv);
		if (!strcmp(argv[1], "fds"))
			return role_fds(argc, argv);
		if (!strcmp(argv[1], "signals"))
			return role_signals(argc, argv);
		if (!strcmp(argv[1], "threads"))
			return role_threads(argc, argv);
		/* A #! script runs us with the script's argument, its path, its argv. */
		printf("  run as an interpreter: argc %d, argv[1] %s, then %s%s\n", argc, argv[1],
		       argc > 2 ? argv[2] : "-", argc > 3 ? " and more" : "");
		return 0;
	}
	scratch_enter();
	arguments();
	descriptors();
	signals();
	threads();
	scripts();
	errors();
	at_variants();
	with_spawn();
	vfork_order();
	scratch_leave();
	return 0;
}
