// SPDX-License-Identifier: GPL-2.0
/*
 * LTTng and bpftrace for kb_speed (see kb_peers.h).  Both are driven by
 * their own command-line tools, found on PATH (the case script puts them
 * there with their shared libraries).  Their chatter goes to ./peers.log.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kb_peers.h"
#include "kb_recorder.h"	/* kb_rusage_ns() */
#include "kb_spawn.h"

#define LT_SESSION	"kbspeed"
#define LT_DIR		"/tmp/kb_lttng"
#define LT_PIDFILE	"/var/run/lttng/lttng-sessiond.pid"
#define BT_FILE		"/tmp/kb_bpftrace.txt"
#define PEERS_LOG	"peers.log"

int kb_peer_wanted(enum kb_peer p)
{
	return getenv(p == KB_LTTNG ? "KB_LTTNG_NA" : "KB_BPFTRACE_NA") != NULL;
}

const char *kb_peer_na(enum kb_peer p)
{
	const char *why = getenv(p == KB_LTTNG ? "KB_LTTNG_NA" : "KB_BPFTRACE_NA");

	return why && *why ? why : NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* kb_spawn() with stdout and stderr appended to peers.log. */
static pid_t spawn(char *const argv[])
{
	int fd = open(PEERS_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0644);
	pid_t pid = kb_spawn(argv, fd, fd);
	int err = errno;

	if (fd >= 0)
		close(fd);
	errno = err;
	return pid;
}

/* Run @argv to its end: 0 if it exited 0, else -EIO. */
static int run_cmd(char *const argv[])
{
	pid_t pid = spawn(argv);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "kb_speed: %s %s failed (status %#x), see %s\n",
			argv[0], argv[1] ? argv[1] : "", st, PEERS_LOG);
		return -EIO;
	}
	return 0;
}

/* utime + stime of @pid from /proc (clock ticks, 10 ms in the guest). */
static uint64_t proc_cpu_ns(pid_t pid)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / sysconf(_SC_CLK_TCK));
}

/* CPU time of the processes named @comm (lttng-consumerd: not our child). */
static uint64_t comm_cpu_ns(const char *comm)
{
	char path[300], name[64];
	struct dirent *de;
	uint64_t ns = 0;
	DIR *d = opendir("/proc");
	FILE *f;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) &&
		    !strncmp(name, comm, strcspn(name, "\n")) &&
		    strcspn(name, "\n") == strlen(comm))
			ns += proc_cpu_ns(atoi(de->d_name));
		fclose(f);
	}
	closedir(d);
	return ns;
}

static uint64_t lt_cpu_ns(const struct kb_peer_run *r)
{
	/* comm is cut at 15 characters */
	return proc_cpu_ns(r->sessiond) + comm_cpu_ns("lttng-consumerd");
}

static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F)
		tree_bytes += st->st_size;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* LTTng                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A fresh session daemon per run (untimed), so nothing of LTTng is around
 * while the other modes run.  --kmod-probes: load only the probe module
 * of the events we enable (the syscall tracer is in lttng-tracer.ko);
 * -d returns once the daemon accepts commands.
 */
static int lt_start(struct kb_peer_run *r, int pid)
{
	char *sessiond[] = { "lttng-sessiond", "--daemonize",
			     "--kmod-probes=x86-exceptions", NULL };
	char *create[] = { "lttng", "create", LT_SESSION, "--output=" LT_DIR, NULL };
	char *ev_fault[] = { "lttng", "enable-event", "--kernel",
			     "--session=" LT_SESSION,
			     "x86_exceptions_page_fault_user", NULL };
	char *ev_sys[] = { "lttng", "enable-event", "--kernel",
			   "--session=" LT_SESSION, "--syscall",
			   "mmap,munmap,brk,mprotect", NULL };
	char pidopt[32];
	char *track[] = { "lttng", "track", "--kernel", "--session=" LT_SESSION,
			  pidopt, NULL };
	char *start[] = { "lttng", "start", LT_SESSION, NULL };
	FILE *f;
	int ret;

	snprintf(r->out, sizeof(r->out), LT_DIR);
	snprintf(pidopt, sizeof(pidopt), "--pid=%d", pid);
	ret = run_cmd(sessiond);
	if (ret)
		return ret;
	f = fopen(LT_PIDFILE, "r");
	if (!f || fscanf(f, "%d", &r->sessiond) != 1) {
		fprintf(stderr, "kb_speed: no pid in " LT_PIDFILE "\n");
		if (f)
			fclose(f);
		return -EIO;
	}
	fclose(f);
	ret = run_cmd(create);
	if (!ret)
		ret = run_cmd(ev_fault);
	if (!ret)
		ret = run_cmd(ev_sys);
	if (!ret)
		ret = run_cmd(track);
	if (!ret)
		ret = run_cmd(start);
	return ret;
}

static int lt_stop(struct kb_peer_run *r, struct kb_peer_result *res)
{
	/* stop waits until the consumer has written every sub-buffer */
	char *stop[] = { "lttng", "stop", LT_SESSION, NULL };
	char *destroy[] = { "lttng", "destroy", LT_SESSION, NULL };
	int ret = run_cmd(stop);

	if (!ret)
		ret = run_cmd(destroy);
	tree_bytes = 0;
	nftw(r->out, add_size, 16, FTW_PHYS);
	res->bytes = tree_bytes;
	return ret;
}

static void lt_cleanup(struct kb_peer_run *r, const char *tag)
{
	char dst[160];
	char *mv[] = { "mv", r->out, dst, NULL };
	char *rm[] = { "rm", "-rf", dst, NULL };

	/* the daemon's exit takes consumerd with it (and unloads modules) */
	if (r->sessiond > 0) {
		kill(r->sessiond, SIGTERM);
		for (int i = 0; i < 600 && !kill(r->sessiond, 0); i++)
			sleep_ms(100);
	}
	snprintf(dst, sizeof(dst), "lttng-%s", tag);
	run_cmd(rm);
	run_cmd(mv);	/* to the results: babeltrace2 counts on the host */
}

/* ------------------------------------------------------------------------ */
/* bpftrace                                                                 */
/* ------------------------------------------------------------------------ */

/* One line per event, the fields ftrace's events record, and a timestamp. */
static const char bt_prog[] =
	"BEGIN { print(\"ready\"); }\n"
	"tracepoint:exceptions:page_fault_user /pid == %1$d/ { printf(\"%%llu F %%lx %%lx %%lx\\n\", nsecs, args->address, args->ip, args->error_code); }\n"
	"tracepoint:syscalls:sys_enter_mmap /pid == %1$d/ { printf(\"%%llu mmap %%lx %%lx %%lx %%lx %%ld %%lx\\n\", nsecs, args->addr, args->len, args->prot, args->flags, args->fd, args->off); }\n"
	"tracepoint:syscalls:sys_exit_mmap /pid == %1$d/ { printf(\"%%llu mmap= %%lx\\n\", nsecs, args->ret); }\n"
	"tracepoint:syscalls:sys_enter_munmap /pid == %1$d/ { printf(\"%%llu munmap %%lx %%lx\\n\", nsecs, args->addr, args->len); }\n"
	"tracepoint:syscalls:sys_exit_munmap /pid == %1$d/ { printf(\"%%llu munmap= %%ld\\n\", nsecs, args->ret); }\n"
	"tracepoint:syscalls:sys_enter_brk /pid == %1$d/ { printf(\"%%llu brk %%lx\\n\", nsecs, args->brk); }\n"
	"tracepoint:syscalls:sys_exit_brk /pid == %1$d/ { printf(\"%%llu brk= %%lx\\n\", nsecs, args->ret); }\n"
	"tracepoint:syscalls:sys_enter_mprotect /pid == %1$d/ { printf(\"%%llu mprotect %%lx %%lx %%lx\\n\", nsecs, args->start, args->len, args->prot); }\n"
	"tracepoint:syscalls:sys_exit_mprotect /pid == %1$d/ { printf(\"%%llu mprotect= %%ld\\n\", nsecs, args->ret); }\n";

static int file_has_line(const char *path, const char *line)
{
	char buf[256];
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof(buf), f))
		found = !strcmp(buf, line);
	fclose(f);
	return found;
}

static uint64_t bt_cpu0;

static int bt_start(struct kb_peer_run *r, int pid)
{
	char prog[sizeof(bt_prog) + 64];
	char *argv[] = { "bpftrace", "-o", BT_FILE, "-e", prog, NULL };
	int i, st;

	snprintf(r->out, sizeof(r->out), BT_FILE);
	snprintf(prog, sizeof(prog), bt_prog, pid);
	unlink(BT_FILE);
	r->bt = spawn(argv);
	if (r->bt < 0)
		return -errno;
	/*
	 * BEGIN runs once every probe is attached.  Its print() ends with
	 * std::endl, which flushes -o's stream (printf() output is flushed
	 * only when the buffer fills).  Compiling the program (LLVM) takes a
	 * while in the guest: up to 10 min.
	 */
	for (i = 0; i < 6000; i++) {
		if (file_has_line(BT_FILE, "ready\n")) {
			bt_cpu0 = proc_cpu_ns(r->bt);
			return 0;
		}
		if (waitpid(r->bt, &st, WNOHANG) == r->bt) {
			fprintf(stderr, "kb_speed: bpftrace exited (status %#x), see %s\n",
				st, PEERS_LOG);
			return -EIO;
		}
		sleep_ms(100);
	}
	fprintf(stderr, "kb_speed: bpftrace did not start\n");
	kill(r->bt, SIGKILL);
	waitpid(r->bt, NULL, 0);
	return -ETIMEDOUT;
}

static int bt_stop(struct kb_peer_run *r, struct kb_peer_result *res)
{
	unsigned long long n;
	struct rusage ru;
	struct stat sb;
	char buf[256];
	int st;
	FILE *f;

	kill(r->bt, SIGINT);	/* Ctrl-C: detach, drain, exit */
	if (wait4(r->bt, &st, 0, &ru) < 0)
		return -errno;
	res->cpu_ns = kb_rusage_ns(&ru) - bt_cpu0;
	if (!stat(BT_FILE, &sb))
		res->bytes = sb.st_size;
	f = fopen(BT_FILE, "r");
	if (!f)
		return -errno;
	/* event lines start with their timestamp; "Lost N events" */
	while (fgets(buf, sizeof(buf), f)) {
		if (buf[0] >= '0' && buf[0] <= '9')
			res->events++;
		else if (sscanf(buf, "Lost %llu events", &n) == 1)
			res->lost += n;
	}
	fclose(f);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "kb_speed: bpftrace failed (status %#x)\n", st);
		return -EIO;
	}
	return 0;
}

static void bt_cleanup(struct kb_peer_run *r, const char *tag)
{
	char dst[160], buf[256];
	FILE *in = fopen(r->out, "r"), *out;
	int i;

	/* keep its first lines, to show what it recorded */
	snprintf(dst, sizeof(dst), "bpftrace-%s.head", tag);
	out = fopen(dst, "w");
	for (i = 0; in && out && i < 20 && fgets(buf, sizeof(buf), in); i++)
		fputs(buf, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	unlink(r->out);
}

/* ------------------------------------------------------------------------ */

static uint64_t lt_cpu0;

int kb_peer_start(struct kb_peer_run *r, enum kb_peer p, int pid)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->peer = p;
	if (p == KB_BPFTRACE)
		return bt_start(r, pid);
	ret = lt_start(r, pid);
	lt_cpu0 = lt_cpu_ns(r);
	return ret;
}

int kb_peer_stop(struct kb_peer_run *r, struct kb_peer_result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	if (r->peer == KB_BPFTRACE)
		return bt_stop(r, res);
	ret = lt_stop(r, res);
	res->cpu_ns = lt_cpu_ns(r) - lt_cpu0;
	return ret;
}

void kb_peer_cleanup(struct kb_peer_run *r, const char *tag)
{
	if (r->peer == KB_BPFTRACE)
		bt_cleanup(r, tag);
	else
		lt_cleanup(r, tag);
}
