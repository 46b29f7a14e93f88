/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much longer than on a stock kernel a guest program may wait: the
 * harness sets KMR_TIME_SCALE (4 on the debug kernel, whose KASAN and
 * lockdep make everything slower); unset or below 1 means 1.  One reading
 * for every guest program's deadlines.
 */
#ifndef KMR_GUEST_TIME_SCALE_H
#define KMR_GUEST_TIME_SCALE_H

#include <stdlib.h>

static inline double kmr_time_scale(void)
{
	const char *s = getenv("KMR_TIME_SCALE");
	double f = s ? atof(s) : 1;

	return f >= 1 ? f : 1;
}

#endif
