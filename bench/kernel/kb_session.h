/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal kmemrec session for the kernel benchmarks: attach, map, start,
 * and a drain that walks every record (kind and size) without decoding
 * further, so the figures are the module's cost plus the least a reader
 * has to do.  The ring access is tests/support/kring.h's.
 */
#ifndef KB_SESSION_H
#define KB_SESSION_H

#include <stdint.h>
#include <kmemrec/abi.h>

struct kb_session {
	int fd;
	struct kmr_attach at;
	struct kmr_ctl *ctl;
	const uint8_t *data;
	uint64_t records;	/* walked so far */
	uint64_t bytes;
};

/* Attach to @pid with @mask (0 = all), @ring_size bytes per CPU; start. */
int kb_open(struct kb_session *s, int pid, uint64_t mask, uint64_t ring_size,
	    uint64_t watermark);
/* Walk every record written so far; returns how many. */
uint64_t kb_drain(struct kb_session *s);
/* Block until the watermark or @ms passes (poll), then drain. */
uint64_t kb_wait_drain(struct kb_session *s, int ms);
/* Records dropped so far (all rings). */
uint64_t kb_lost(const struct kb_session *s);
void kb_close(struct kb_session *s);

#endif /* KB_SESSION_H */
