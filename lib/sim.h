/* Simulated acquisitions. */
#ifndef QEV_SIM_H
#define QEV_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"
#include "rng.h"

#define QEV_SIM_MAX_CHANNELS 256

/* Independent Poisson channels, merged: gaps of the merged process are
 * exponential with the total rate, each event's channel drawn in proportion
 * to the channel rates, and times floored to the resolution. */
typedef struct qev_poisson {
    size_t nch;
    uint16_t channel[QEV_SIM_MAX_CHANNELS];
    uint64_t threshold[QEV_SIM_MAX_CHANNELS]; /* cumulative share of 2^64 */
    double mean_gap_ticks;
    int64_t resolution_ps;
    int64_t tick;
    double frac;
    qev_rng rng;
} qev_poisson;

/* rates in Hz (> 0); channels numbered as given. QEV_EINVAL on bad input. */
int qev_poisson_init(qev_poisson *p, const double *rates, const uint16_t *channels, size_t n,
                     int64_t resolution_ps, uint64_t seed);
/* Fills ev with the next n events, in time order. Returns fewer when time would
 * pass the largest int64 picosecond, and then the process has ended. */
size_t qev_poisson_fill(qev_poisson *p, qev_event *ev, size_t n);

#endif
