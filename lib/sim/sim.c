/* Simulated acquisitions: independent Poisson channels. */
#include "sim.h"
#include "internal.h"

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

size_t qev_poisson_fill_before(qev_poisson *p, qev_event *ev, size_t n, int64_t end)
{
    size_t got = qev_poisson_fill(p, ev, n), keep = got;
    while (keep && ev[keep - 1].t >= end)
        keep--;
    return keep;
}

/* ---- distributions shared by the physical simulator ---- */

#include <stdlib.h>

#include "sim_int.h"

/* Marsaglia and Tsang's ziggurat with 256 layers: r is where the base layer
 * meets the tail, v the area of each layer under exp(-x^2/2). */
void sim_zig_init(struct sim_zig *z)
{
    const double r = 3.6541528853610088, v = 4.92867323399e-3;
    z->x[0] = v / exp(-0.5 * r * r);
    z->x[1] = r;
    for (int i = 1; i < 255; i++)
        z->x[i + 1] = sqrt(-2 * log(v / z->x[i] + exp(-0.5 * z->x[i] * z->x[i])));
    z->x[256] = 0;
    for (int i = 0; i <= 256; i++)
        z->f[i] = exp(-0.5 * z->x[i] * z->x[i]);
    /* the exponential's: r and v for exp(-x) */
    const double er = 7.69711747013104972, ev = 3.949659822581572e-3;
    z->ex[0] = ev / exp(-er);
    z->ex[1] = er;
    for (int i = 1; i < 255; i++)
        z->ex[i + 1] = -log(ev / z->ex[i] + exp(-z->ex[i]));
    z->ex[256] = 0;
    for (int i = 0; i <= 256; i++)
        z->ef[i] = exp(-z->ex[i]);
}


int sim_arrivals_grow(struct sim_arrivals *v)
{
    struct sim_arrival *a = qev_grow(v->a, &v->cap, v->n + 1, sizeof *a, 4096);
    if (!a)
        return QEV_ENOMEM;
    v->a = a;
    return QEV_OK;
}
