/* The parameters of coincidence statistics (corrstats.h) from per-channel
 * settings: channel delays, dark count rates and the stream's quantum. */
#ifndef QEV_STATS_PARAMS_H
#define QEV_STATS_PARAMS_H

#include "corrstats.h"

/* Sets the window, the resolution (1 when unknown, i.e. <= 0), and for each
 * of npairs (at most 16) pairs the delay d = delay[b] - delay[a] and the dark
 * rates of its channels in micro-hertz, rounded, so that shards merge
 * exactly. delay and dark_hz hold 65536 entries, by channel. The accidental
 * delay and the estimate in use are left as they are. */
void qev_coinc_stats_params_set(qev_coinc_stats_params *sp, const qev_corr_pair *pairs, size_t npairs,
                          int64_t window, int64_t resolution, const int64_t *delay,
                          const double *dark_hz);

#endif
