/* Coincidence statistics' parameters from per-channel settings. */
#include "stats_params.h"

#include <math.h>

void qev_coinc_stats_params_set(qev_coinc_stats_params *sp, const qev_corr_pair *pairs, size_t npairs,
                          int64_t window, int64_t resolution, const int64_t *delay,
                          const double *dark_hz)
{
    sp->window = window;
    sp->resolution = resolution > 0 ? resolution : 1;
    for (size_t i = 0; i < npairs; i++) {
        sp->delay[i] = delay[pairs[i].b] - delay[pairs[i].a];
        sp->dark_a_uhz[i] = (int64_t)llround(dark_hz[pairs[i].a] * 1e6);
        sp->dark_b_uhz[i] = (int64_t)llround(dark_hz[pairs[i].b] * 1e6);
    }
}
