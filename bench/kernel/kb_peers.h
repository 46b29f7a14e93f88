/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The strongest peers as kb_speed tracers, run as a user runs them (their
 * own tools, their own consumers writing to /tmp, a tmpfs in the guest):
 *
 *   lttng      LTTng 2.13's kernel tracer (lttng-modules built for the
 *              guest kernel by bench/kernel/peers_prep.sh): a session with
 *              x86_exceptions_page_fault_user and the mmap, munmap, brk and
 *              mprotect syscalls (entry + exit), `lttng track -k --pid`,
 *              default kernel channel; lttng-consumerd writes the CTF trace.
 *              Stopped with `lttng stop` (waits for the consumer to flush)
 *              and `lttng destroy`.
 *   bpftrace   bpftrace 0.17: the same tracepoints filtered by pid, one
 *              printf per event (timestamp, address/arguments), `-o FILE`;
 *              stopped with SIGINT (it drains its perf buffers and exits).
 *
 * The same events as kb_ftrace.c's, so a row compares the mechanisms.  The
 * case script says what it provides in $KB_LTTNG_NA / $KB_BPFTRACE_NA:
 * unset, the peer is left out (cases that do not stage the peers, e.g.
 * follow_bench.sh); empty, it runs; else the reason it cannot (no module
 * for this kernel, no BTF), and kb_speed prints "n/a" and the reason.
 */
#ifndef KB_PEERS_H
#define KB_PEERS_H

#include <stdint.h>
#include <sys/types.h>

enum kb_peer { KB_LTTNG, KB_BPFTRACE };

struct kb_peer_run {
	enum kb_peer peer;
	pid_t sessiond;		/* lttng: the session daemon we started */
	pid_t bt;		/* bpftrace */
	char out[128];		/* lttng: trace directory; bpftrace: file */
};

struct kb_peer_result {
	uint64_t events;	/* bpftrace: lines; lttng: 0 (counted on the
				 * host by babeltrace2, speed_bench.host.sh) */
	uint64_t lost;		/* bpftrace: "Lost N events" */
	uint64_t bytes;		/* what the consumer wrote */
	uint64_t cpu_ns;	/* the consumer's CPU (bpftrace; lttng: the
				 * session daemon and consumerd, at their exit) */
};

/* Did the case script set @p up (or say why it could not)? */
int kb_peer_wanted(enum kb_peer p);
/* NULL if @p can run here, else why not (from the case script). */
const char *kb_peer_na(enum kb_peer p);
/* Set up and start tracing @pid (untimed).  0 or -errno. */
int kb_peer_start(struct kb_peer_run *r, enum kb_peer p, int pid);
/*
 * Stop tracing and wait until the peer's output is complete (timed).
 */
int kb_peer_stop(struct kb_peer_run *r, struct kb_peer_result *res);
/*
 * Untimed, after kb_peer_stop(): the session daemon's exit; lttng's trace
 * is moved to ./lttng-@tag (babeltrace2 counts it on the host), bpftrace's
 * first lines are kept in ./bpftrace-@tag.head, its file deleted.
 */
void kb_peer_cleanup(struct kb_peer_run *r, const char *tag);

#endif /* KB_PEERS_H */
