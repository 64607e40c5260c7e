/* The simulator's internals, shared by lib/sim*.c. */
#ifndef QEV_SIM_INT_H
#define QEV_SIM_INT_H

#include <math.h>

#include "rng.h"
#include "sim.h"

/* Gaussian and exponential draws are cut where the probability of a larger
 * one is below 1e-15, so that the reorder buffers have a known bound. */
#define SIM_NORMAL_CUT 8.0
#define SIM_EXP_CUT 35.0

/* Ziggurat tables for the normal distribution (256 layers of equal area). */
struct sim_zig {
    double x[257], f[257];   /* normal */
    double ex[257], ef[257]; /* exponential */
};
void sim_zig_init(struct sim_zig *z);

static inline double sim_uniform(qev_rng *r) { return (double)(qev_rng_u64(r) >> 11) * 0x1.0p-53; }

/* The ziggurats' slow paths, rare (about 1 % of draws): kept out of line. */
__attribute__((noinline)) static double sim_normal_slow(qev_rng *r, const struct sim_zig *z, uint64_t w)
{
    for (;;) {
        unsigned i = (unsigned)(w & 255);
        int neg = (w & 256) != 0;
        double u = (double)(w >> 11) * 0x1.0p-53 * z->x[i];
        if (u < z->x[i + 1])
            return neg ? -u : u;
        if (i == 0) { /* the tail beyond x[1], by Marsaglia's exponential method */
            double a, b;
            do {
                a = qev_rng_exp(r) / z->x[1];
                b = qev_rng_exp(r);
            } while (b + b < a * a);
            return neg ? -(z->x[1] + a) : z->x[1] + a;
        }
        double y = z->f[i] + sim_uniform(r) * (z->f[i + 1] - z->f[i]);
        if (y < exp(-0.5 * u * u))
            return neg ? -u : u;
        w = qev_rng_u64(r);
    }
}

__attribute__((noinline)) static double sim_exp_slow(qev_rng *r, const struct sim_zig *z, uint64_t w)
{
    for (;;) {
        unsigned i = (unsigned)(w & 255);
        double u = (double)(w >> 11) * 0x1.0p-53 * z->ex[i];
        if (u < z->ex[i + 1])
            return u;
        if (i == 0) /* the tail beyond r is r plus an exponential */
            return z->ex[1] + qev_rng_exp(r);
        double y = z->ef[i] + sim_uniform(r) * (z->ef[i + 1] - z->ef[i]);
        if (y < exp(-u))
            return u;
        w = qev_rng_u64(r);
    }
}

/* Standard normal: the fast path of the ziggurat takes one draw. */
__attribute__((always_inline)) static inline double sim_normal(qev_rng *r, const struct sim_zig *z)
{
    uint64_t w = qev_rng_u64(r);
    unsigned i = (unsigned)(w & 255);
    double u = (double)(w >> 11) * 0x1.0p-53 * z->x[i];
    if (u < z->x[i + 1])
        return w & 256 ? -u : u;
    return sim_normal_slow(r, z, w);
}

/* Exponential with mean 1, by the ziggurat. */
__attribute__((always_inline)) static inline double sim_exp(qev_rng *r, const struct sim_zig *z)
{
    uint64_t w = qev_rng_u64(r);
    unsigned i = (unsigned)(w & 255);
    double u = (double)(w >> 11) * 0x1.0p-53 * z->ex[i];
    if (u < z->ex[i + 1])
        return u;
    return sim_exp_slow(r, z, w);
}

/* Exponential with mean 1, resampled beyond SIM_EXP_CUT. */
static inline double sim_exp_cut(qev_rng *r, const struct sim_zig *z)
{
    for (;;) {
        double e = sim_exp(r, z);
        if (e <= SIM_EXP_CUT)
            return e;
    }
}

/* Normal, resampled beyond SIM_NORMAL_CUT standard deviations. */
static inline double sim_normal_cut(qev_rng *r, const struct sim_zig *z)
{
    for (;;) {
        double g = sim_normal(r, z);
        if (fabs(g) <= SIM_NORMAL_CUT)
            return g;
    }
}

/* Bernoulli draws compare a 64-bit word with a threshold. */
typedef struct sim_prob {
    uint64_t thr;
    int always;
} sim_prob;
static inline sim_prob sim_prob_make(double p)
{
    sim_prob b = {0, p >= 1};
    if (p > 0 && p < 1)
        b.thr = (uint64_t)ldexp(p, 64);
    return b;
}
static inline int sim_bernoulli(qev_rng *r, sim_prob b)
{
    return b.always || qev_rng_u64(r) < b.thr;
}
/* Uniform integer in [0, n). */
static inline uint64_t sim_below(qev_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)qev_rng_u64(r) * n) >> 64);
}

/* A Poisson process in integer picoseconds: a whole part and a fraction, so
 * that rounding never drifts. */
typedef struct sim_clock {
    int64_t t;
    double frac;
} sim_clock;
static inline void sim_clock_advance(sim_clock *c, double dt)
{
    c->frac += dt; /* never negative: truncation is the floor */
    if (c->frac > 0x1p62) /* past any duration: keep the sum in range */
        c->frac = 0x1p62;
    int64_t whole = (int64_t)c->frac;
    c->t += whole;
    c->frac -= (double)whole;
}

/* Round to nearest: one instruction where SSE2 has it. */
#ifdef __SSE2__
#include <emmintrin.h>
static inline int64_t sim_round(double x) { return _mm_cvtsd_si64(_mm_set_sd(x)); }
#else
static inline int64_t sim_round(double x) { return (int64_t)llround(x); }
#endif

/* Ports: where the source sends a photon. */
enum { PORT_A, PORT_B, PORT_SYNC, PORT_MARKER, SIM_PORTS, PORT_PAIR = SIM_PORTS };
/* PORT_PAIR: one photon to A and one to B at the same time (a pair). */

struct sim_arrival {
    int64_t t;
    uint32_t aux;
    uint8_t port;
};

struct sim_arrivals {
    struct sim_arrival *a;
    size_t n, cap;
};
int sim_arrivals_grow(struct sim_arrivals *v);
static inline int sim_arrivals_push(struct sim_arrivals *v, int64_t t, uint8_t port, uint32_t aux)
{
    if (v->n == v->cap && sim_arrivals_grow(v))
        return QEV_ENOMEM;
    v->a[v->n++] = (struct sim_arrival){t, aux, port};
    return QEV_OK;
}

/* One copy of the source. Every lane runs its own, seeded alike, so that all
 * lanes see the same photons while each keeps to its own clock. */
struct sim_source {
    const qev_sim_config *c;
    const struct sim_zig *zig;
    qev_rng rng;
    sim_clock clk;
    double mean_gap_ps;
    /* pulsed SPDC */
    long double period_ps;
    uint64_t pulse;
    int64_t first_pulse_ps;
    double pairs_mean, p_empty, sigma_ps;
    /* thermal */
    double level, switch_hz, cluster_mean, p_cluster;
    /* single-pixel imaging */
    uint64_t meas;
    double meas_rate;
    int opened;
    /* ghost imaging */
    uint64_t npix;
    int64_t neg_spread; /* photons come at most this much before their base time */
};
int sim_source_init(struct sim_source *s, const qev_sim_config *c, const struct sim_zig *zig,
                    int64_t start_ps);
/* Appends the photons whose base time is before until. */
int sim_source_fill(struct sim_source *s, int64_t until, struct sim_arrivals *out);
/* How long before time 0 the source must start to be stationary at 0. */
int64_t sim_source_warmup(const qev_sim_config *c);
/* Mean photons per second over all ports, for sizing the chunks. */
double sim_source_rate(const qev_sim_config *c);

#endif
