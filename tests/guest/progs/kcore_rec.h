/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest test reader for the kmemrec core (kcore_*.c): a session on
 * /dev/kmemrec whose calls return -errno (the tests check errors), the ring
 * reader with the dense-seq merge, and a model that applies the records to
 * a shadow of the target's VMAs and page tables for comparison with
 * /proc/<pid>/maps and /proc/<pid>/pagemap.  Independent of format/ and
 * recorder/ on purpose: the module is checked against the kernel's own view.
 */
#ifndef KCORE_REC_H
#define KCORE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <kmemrec/abi.h>

struct kc_sess {
	int fd;
	struct kmr_attach at;		/* as ATTACH returned it */
	struct kmr_ctl *ctl;		/* control area, read-write */
	const uint8_t *data;		/* rings, read-only */
	uint64_t *pos;			/* consumer position per ring */
	uint64_t last;			/* last seq delivered */
	uint64_t delivered;
	uint64_t pads;
};

/* Every call below returns 0 (or a count) or -errno. */
int kc_open(struct kc_sess *k);
int kc_ioctl(struct kc_sess *k, unsigned long cmd, void *arg);
/* ATTACH with @a (pid, range, mask, sizes); then map both parts. */
int kc_attach(struct kc_sess *k, const struct kmr_attach *a);
int kc_map(struct kc_sess *k);
void kc_close(struct kc_sess *k);
/* Open, ATTACH (@ring_size 0 = default) and map, or die. */
void kc_session(struct kc_sess *k, int pid, uint64_t ring_size, uint64_t mask);

/* One record, from ring @ring (records of one ring are in time order). */
typedef void (*kc_rec_fn)(const struct kmr_event *ev, uint32_t ring,
			  void *priv);

/*
 * Deliver, in seq order, every record that is available now and follows
 * the last one delivered, releasing ring space as it goes.  Returns the
 * number delivered, or -EBADMSG on a malformed ring (printed to stderr).
 */
long kc_drain(struct kc_sess *k, kc_rec_fn fn, void *priv);
/* Bytes written but not yet consumed, all rings. */
uint64_t kc_pending(const struct kc_sess *k);
/*
 * START while another thread drains (a snapshot can exceed the rings).
 * Returns START's result.
 */
int kc_start_draining(struct kc_sess *k, kc_rec_fn fn, void *priv);
/* After STOP or EXIT: drain everything; fail unless the stream is whole. */
int kc_drain_final(struct kc_sess *k, kc_rec_fn fn, void *priv);

/* ---- the model ---- */
struct km_vma {
	uint64_t start, end, pgoff, ino;
	uint32_t dev, vm_flags, flags;
	char name[KMR_NAME_MAX + 1];
};

struct km_model {
	struct km_vma *vma;		/* sorted by start */
	size_t nvma, capvma;
	uint64_t *pvpn, *pent;		/* open addressing: vpn+1 -> entry */
	size_t cap, npte;
	/* open VMA window */
	uint64_t win_seq;
	uint32_t win_left;
	/*
	 * Windows that closed short while the model looked whole: the VMA
	 * records were dropped on another CPU's ring, whose LOST record
	 * takes its seq only when that ring writes next, so it can come
	 * later in seq order.  A LOST reporting VMA drops from before the
	 * window closed explains them; km_compare() counts the rest.
	 */
	struct {
		uint64_t seq, closed_ns;
		uint32_t left;
	} short_win[32];
	uint32_t nshort;
	/* what the stream said */
	uint64_t lost, lost_records;
	bool unknown;			/* between a LOST and the next resync */
	bool lost_in_snapshot;		/* a LOST came after the last BEGIN */
	int in_snapshot;		/* cause + 1 while inside one */
	uint64_t snapshots[3];		/* ENDs seen per cause */
	uint64_t snap_vmas, snap_ptes;	/* counts seen in the last snapshot */
	uint64_t end_vmas, end_ptes;	/* counts its END announced */
	uint64_t exits, execs, forks;
	int exit_code;
	uint32_t exit_flags;
	uint64_t kinds[KMR_EV_NR_KINDS];
	uint64_t prev_time[64];		/* per ring: time of its last record */
	FILE *dump;			/* print every record here when set */
};

void km_init(struct km_model *m);
void km_free(struct km_model *m);
/* kc_rec_fn: apply one record (priv is the model). */
void km_apply(const struct kmr_event *ev, uint32_t ring, void *priv);
/* The entry of @vaddr (4 KiB page), 0 if none. */
uint64_t km_pte(const struct km_model *m, uint64_t vaddr);
/*
 * Compare the model with /proc/<pid>/maps and pagemap (run as root for
 * pfns).  Prints up to @max_print differences to stderr, returns their
 * number; *@pages gets the number of present pages compared.
 */
long km_compare(const struct km_model *m, int pid, int max_print,
		uint64_t *pages);
/* One record as a line of text. */
void km_print(FILE *f, const struct kmr_event *ev);

/* printf to stderr and exit(1). */
void kc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						  noreturn));
/* CLOCK_MONOTONIC in ns. */
uint64_t kc_now(void);

#endif /* KCORE_REC_H */
