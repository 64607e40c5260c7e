/* Dead time of every channel from the shortest intervals between its
 * photons (qcal deadtime): each channel keeps its 2k shortest intervals,
 * and qcal_deadtime (qcal_fit.h) turns them into tau and sigma. */
#ifndef QCAL_DEADTIME_H
#define QCAL_DEADTIME_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "qev.h"

typedef struct qcal_deadtimes qcal_deadtimes;

/* k: the rank, --rank (the k-th and 2k-th shortest intervals). */
qcal_deadtimes *qcal_deadtimes_new(size_t k);
void qcal_deadtimes_free(qcal_deadtimes *d);
/* Takes the photons of the channels f selects. QEV_EINVAL when a channel
 * goes back in time (qcal_deadtimes_disorder_channel), QEV_ENOMEM. */
int qcal_deadtimes_add(qcal_deadtimes *d, const qev_event *ev, size_t n, const qev_filter *f);
uint16_t qcal_deadtimes_disorder_channel(const qcal_deadtimes *d);
/* Whether channel ch had a photon. */
int qcal_deadtimes_seen(const qcal_deadtimes *d, uint16_t ch);

typedef struct qcal_deadtime_result {
    double tau, sigma; /* ps */
    uint64_t intervals;
} qcal_deadtime_result;

/* Once per channel (it spends the channel's intervals). QEV_EINVAL with
 * fewer than 2k intervals, QEV_END for a channel without photons. */
int qcal_deadtimes_result(qcal_deadtimes *d, uint16_t ch, int64_t resolution,
                          qcal_deadtime_result *out);

#endif
