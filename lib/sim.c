/* Simulated acquisitions: independent Poisson channels. */
#include "sim.h"

#include <math.h>

int qev_poisson_init(qev_poisson *p, const double *rates, const uint16_t *channels, size_t n,
                     int64_t resolution_ps, uint64_t seed)
{
    if (n == 0 || n > QEV_SIM_MAX_CHANNELS || resolution_ps <= 0)
        return QEV_EINVAL;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(rates[i] > 0) || !isfinite(rates[i]))
            return QEV_EINVAL;
        total += rates[i];
    }
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += rates[i];
        p->channel[i] = channels[i];
        p->threshold[i] = i + 1 == n ? UINT64_MAX : (uint64_t)ldexp(acc / total, 64);
    }
    p->nch = n;
    p->resolution_ps = resolution_ps;
    p->mean_gap_ticks = 1e12 / total / (double)resolution_ps;
    p->tick = 0;
    p->frac = 0;
    qev_rng_seed(&p->rng, seed);
    return QEV_OK;
}

static uint16_t pick_channel(qev_poisson *p)
{
    if (p->nch == 1)
        return p->channel[0];
    uint64_t u = qev_rng_u64(&p->rng);
    size_t i = 0;
    while (u >= p->threshold[i] && i + 1 < p->nch)
        i++;
    return p->channel[i];
}

size_t qev_poisson_fill(qev_poisson *p, qev_event *ev, size_t n)
{
    const double last_tick = (double)(INT64_MAX / p->resolution_ps);
    for (size_t i = 0; i < n; i++) {
        p->frac += qev_rng_exp(&p->rng) * p->mean_gap_ticks;
        double whole = floor(p->frac);
        if (whole >= last_tick - (double)p->tick)
            return i; /* the next event lies beyond the last representable time */
        p->tick += (int64_t)whole;
        p->frac -= whole;
        ev[i] = (qev_event){p->tick * p->resolution_ps, pick_channel(p), QEV_PHOTON, 0, 0};
    }
    return n;
}
