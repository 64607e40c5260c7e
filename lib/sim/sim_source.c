/* Light sources of the simulator: each emits photons towards ports, in
 * base-time order (a photon may come up to neg_spread before its base time
 * and any time after it). */
#include <stdlib.h>

#include "sim_int.h"

#define PS_PER_S 1e12

/* ---- counting distributions ---- */

/* Inversion of Poisson(m) from n on, p being P(n): the first count whose
 * cumulative probability reaches u. */
static uint64_t poisson_invert(double m, double p, double u, uint64_t n)
{
    double cum = p;
    while (u > cum && p > 0) {
        n++;
        p *= m / (double)n;
        cum += p;
    }
    return n;
}

/* Poisson(m): inversion for small means, Hormann's transformed rejection
 * (PTRS, 1993) for large ones. */
static uint64_t poisson_draw(qev_rng *r, double m)
{
    if (m < 30)
        return poisson_invert(m, exp(-m), sim_uniform(r), 0);
    double b = 0.931 + 2.53 * sqrt(m), a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = sim_uniform(r) - 0.5, v = sim_uniform(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + m + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <= -m + k * log(m) - lgamma(k + 1))
            return (uint64_t)k;
    }
}

/* At least one: Poisson(m) given n >= 1. */
static uint64_t poisson_positive(qev_rng *r, double m)
{
    if (m >= 30) {
        uint64_t n;
        while ((n = poisson_draw(r, m)) == 0)
            ;
        return n;
    }
    return poisson_invert(m, m * exp(-m), sim_uniform(r) * -expm1(-m), 1);
}

/* Geometric on 0, 1, ...: P(g) = (1 - q) q^g. */
static uint64_t geometric_draw(qev_rng *r, double q)
{
    if (q <= 0)
        return 0;
    double g = floor(log(qev_rng_open01(r)) / log(q));
    return g > 1e18 ? (uint64_t)1e18 : (uint64_t)g;
}

/* Pairs in one pulse with mean m: Poisson, or Bose-Einstein (thermal). */
static uint64_t pairs_draw(struct sim_source *s, int positive)
{
    double m = s->pairs_mean;
    if (s->c->pair_stats == QEV_SIM_THERMAL_STATS)
        return (uint64_t)positive + geometric_draw(&s->rng, m / (1 + m));
    return positive ? poisson_positive(&s->rng, m) : poisson_draw(&s->rng, m);
}

/* ---- set-up ---- */

double sim_source_rate(const qev_sim_config *c)
{
    switch (c->setup) {
    case QEV_SIM_SPDC:
    case QEV_SIM_GHOST:
        return 2 * c->rate_hz;
    case QEV_SIM_EMITTER:
        return 1 / (1 / c->pump_hz + (double)c->lifetime_ps / PS_PER_S);
    case QEV_SIM_SPI:
        return c->flux_hz + PS_PER_S / (double)c->exposure_ps;
    default:
        return c->rate_hz;
    }
}

int64_t sim_source_warmup(const qev_sim_config *c)
{
    switch (c->setup) {
    case QEV_SIM_THERMAL:
        return c->thermal_model == QEV_SIM_SHOT ? (int64_t)(SIM_EXP_CUT * (double)c->coherence_ps) : 0;
    case QEV_SIM_EMITTER:
        return (int64_t)(40 / (c->pump_hz / PS_PER_S + 1 / (double)c->lifetime_ps));
    case QEV_SIM_SPDC:
        return c->rep_hz > 0 ? (int64_t)(2 * PS_PER_S / c->rep_hz) + 4 * c->pulse_fwhm_ps : 0;
    default:
        return 0;
    }
}

static double thermal_draw_gap(struct sim_source *s);

static int64_t pulse_time(const struct sim_source *s, uint64_t k)
{
    return s->first_pulse_ps + (int64_t)llroundl((long double)k * s->period_ps);
}

static void init_pulsed(struct sim_source *s, int64_t start_ps)
{
    const qev_sim_config *c = s->c;
    s->period_ps = (long double)PS_PER_S / c->rep_hz;
    s->first_pulse_ps = (int64_t)(floorl((long double)start_ps / s->period_ps) * s->period_ps);
    s->pairs_mean = c->rate_hz / c->rep_hz;
    s->p_empty = c->pair_stats == QEV_SIM_THERMAL_STATS ? 1 / (1 + s->pairs_mean) : exp(-s->pairs_mean);
    s->sigma_ps = (double)c->pulse_fwhm_ps / (2 * sqrt(2 * log(2.0)));
    s->neg_spread = (int64_t)ceil(SIM_NORMAL_CUT * s->sigma_ps) + 1;
    s->pulse = 0;
    if (!c->sync) /* the first pulse with a pair */
        s->pulse = geometric_draw(&s->rng, s->p_empty);
    s->clk.t = pulse_time(s, s->pulse);
}

int sim_source_init(struct sim_source *s, const qev_sim_config *c, const struct sim_zig *zig,
                    int64_t start_ps)
{
    *s = (struct sim_source){.c = c, .zig = zig};
    /* The source's own stream: the same in every lane. */
    qev_rng_seed(&s->rng, c->seed ^ 0x5DEECE66Dull);
    s->clk.t = start_ps;
    s->mean_gap_ps = PS_PER_S / sim_source_rate(c);
    switch (c->setup) {
    case QEV_SIM_SPDC:
    case QEV_SIM_GHOST:
        s->mean_gap_ps = PS_PER_S / c->rate_hz;
        if (c->setup == QEV_SIM_SPDC && c->rep_hz > 0) {
            init_pulsed(s, start_ps);
            return QEV_OK;
        }
        s->npix = (uint64_t)c->width * c->height;
        break;
    case QEV_SIM_THERMAL:
        s->switch_hz = 2 * PS_PER_S / (double)c->coherence_ps;
        s->cluster_mean = c->rate_hz * (double)c->coherence_ps / PS_PER_S;
        s->p_cluster = -expm1(-s->cluster_mean);
        s->level = sim_exp(&s->rng, s->zig);
        sim_clock_advance(&s->clk, thermal_draw_gap(s));
        return QEV_OK;
    case QEV_SIM_SPI:
        return QEV_OK;
    default:
        break;
    }
    sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) * s->mean_gap_ps);
    return QEV_OK;
}

/* ---- the sources ---- */

static int to_splitter(struct sim_source *s, int64_t t, struct sim_arrivals *out)
{
    uint8_t port = sim_uniform(&s->rng) < s->c->split ? PORT_A : PORT_B;
    return sim_arrivals_push(out, t, port, 0);
}

/* The hot loop of CW pairs: generator and clock in locals (registers). */
static int fill_pairs_cw(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    qev_rng r = s->rng;
    sim_clock clk = s->clk;
    int rc = QEV_OK;
    while (clk.t < until) {
        if (out->n == out->cap && sim_arrivals_grow(out)) {
            rc = QEV_ENOMEM;
            break;
        }
        out->a[out->n++] = (struct sim_arrival){clk.t, 0, PORT_PAIR};
        sim_clock_advance(&clk, sim_exp(&r, s->zig) * s->mean_gap_ps);
    }
    s->rng = r;
    s->clk = clk;
    return rc;
}

static void pulsed_next(struct sim_source *s)
{
    s->pulse += 1 + (s->c->sync ? 0 : geometric_draw(&s->rng, s->p_empty));
    s->clk.t = pulse_time(s, s->pulse);
}

static int fill_pairs_pulsed(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    while (s->clk.t < until) {
        int64_t t0 = s->clk.t;
        if (s->c->sync && sim_arrivals_push(out, t0, PORT_SYNC, 0))
            return QEV_ENOMEM;
        uint64_t n = pairs_draw(s, !s->c->sync);
        for (uint64_t i = 0; i < n; i++) {
            int64_t t = t0 + sim_round(s->sigma_ps * sim_normal_cut(&s->rng, s->zig));
            if (sim_arrivals_push(out, t, PORT_PAIR, 0))
                return QEV_ENOMEM;
        }
        pulsed_next(s);
    }
    return QEV_OK;
}

static int fill_poisson_split(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    while (s->clk.t < until) {
        if (to_splitter(s, s->clk.t, out))
            return QEV_ENOMEM;
        sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) * s->mean_gap_ps);
    }
    return QEV_OK;
}

/* Two-level emitter: from the ground state, excitation after Exp(1/pump),
 * emission after Exp(T1) more; g2(tau) = 1 - exp(-(pump + 1/T1)|tau|). */
static int fill_emitter(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    double excite_ps = PS_PER_S / s->c->pump_hz, t1 = (double)s->c->lifetime_ps;
    while (s->clk.t < until) {
        if (to_splitter(s, s->clk.t, out))
            return QEV_ENOMEM;
        sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) * excite_ps + sim_exp(&s->rng, s->zig) * t1);
    }
    return QEV_OK;
}

/* ---- thermal light ----
 * shot: a Poisson cluster process. Clusters start at rate 1/tau_c, each with
 * Poisson(R tau_c) photons delayed by Exp(mean tau_c / 2) from its start:
 * g2(tau) = 1 + exp(-2|tau|/tau_c) exactly. Only clusters with photons are
 * drawn, at rate (1 - exp(-R tau_c)) / tau_c.
 * jump: the intensity is R X, X ~ Exp(1) redrawn at rate 2/tau_c: the same
 * g2, and Bose-Einstein counts in windows short against tau_c. */

static double thermal_draw_gap(struct sim_source *s)
{
    double tc = (double)s->c->coherence_ps;
    if (s->c->thermal_model == QEV_SIM_SHOT)
        return sim_exp(&s->rng, s->zig) * tc / s->p_cluster;
    double photon = s->c->rate_hz * s->level / PS_PER_S, total = photon + s->switch_hz / PS_PER_S;
    return sim_exp(&s->rng, s->zig) / total;
}

static int fill_thermal_shot(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    double half = (double)s->c->coherence_ps / 2;
    while (s->clk.t < until) {
        uint64_t n = poisson_positive(&s->rng, s->cluster_mean);
        for (uint64_t i = 0; i < n; i++)
            if (to_splitter(s, s->clk.t + (int64_t)(sim_exp_cut(&s->rng, s->zig) * half), out))
                return QEV_ENOMEM;
        sim_clock_advance(&s->clk, thermal_draw_gap(s));
    }
    return QEV_OK;
}

static int fill_thermal_jump(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    while (s->clk.t < until) {
        double photon = s->c->rate_hz * s->level;
        if (sim_uniform(&s->rng) * (photon + s->switch_hz) < photon) {
            if (to_splitter(s, s->clk.t, out))
                return QEV_ENOMEM;
        } else {
            s->level = sim_exp(&s->rng, s->zig);
        }
        sim_clock_advance(&s->clk, thermal_draw_gap(s));
    }
    return QEV_OK;
}

/* ---- heralded ghost imaging ----
 * A pair is born at a point of the object plane (uniform, or a Gaussian pump
 * profile); the idler passes the object with its transmission there and goes
 * to the bucket (port A); the signal lands on the array at the same pixel
 * moved by the blur (port B, aux = pixel), or misses it. */

static int ghost_pixel(struct sim_source *s, double *x, double *y)
{
    const qev_sim_config *c = s->c;
    if (c->beam_px <= 0) {
        uint64_t p = sim_below(&s->rng, s->npix);
        *x = (double)(p % c->width);
        *y = (double)(p / c->width);
        return 1;
    }
    *x = floor(c->width / 2.0 + c->beam_px * sim_normal_cut(&s->rng, s->zig));
    *y = floor(c->height / 2.0 + c->beam_px * sim_normal_cut(&s->rng, s->zig));
    return *x >= 0 && *x < c->width && *y >= 0 && *y < c->height;
}

static int ghost_pair(struct sim_source *s, struct sim_arrivals *out)
{
    const qev_sim_config *c = s->c;
    double x, y;
    if (!ghost_pixel(s, &x, &y))
        return QEV_OK;
    float tr = c->object[(size_t)y * c->width + (size_t)x];
    if (sim_uniform(&s->rng) < tr && sim_arrivals_push(out, s->clk.t, PORT_A, 0))
        return QEV_ENOMEM;
    if (c->blur_px > 0) {
        x += round(c->blur_px * sim_normal_cut(&s->rng, s->zig));
        y += round(c->blur_px * sim_normal_cut(&s->rng, s->zig));
    }
    if (x < 0 || x >= c->width || y < 0 || y >= c->height)
        return QEV_OK;
    return sim_arrivals_push(out, s->clk.t, PORT_B, qev_pixel_aux((uint16_t)x, (uint16_t)y));
}

static int fill_ghost(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    while (s->clk.t < until) {
        if (ghost_pair(s, out))
            return QEV_ENOMEM;
        sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) * s->mean_gap_ps);
    }
    return QEV_OK;
}

/* ---- single-pixel imaging ----
 * Measurement m lasts [m E, (m + 1) E), E the exposure; a marker with value
 * m mod M opens it, and the bucket receives a Poisson stream of rate
 * flux * level(m mod M). After M measurements the sequence starts again. */

static void spi_open(struct sim_source *s)
{
    const qev_sim_config *c = s->c;
    s->meas_rate = c->flux_hz * c->level(c->level_ctx, s->meas % c->measurements) / PS_PER_S;
}

static int fill_spi(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    const qev_sim_config *c = s->c;
    for (;;) {
        int64_t start = (int64_t)s->meas * c->exposure_ps, end = start + c->exposure_ps;
        if (!s->opened) {
            if (start >= until)
                return QEV_OK;
            spi_open(s);
            if (sim_arrivals_push(out, start, PORT_MARKER, (uint32_t)(s->meas % c->measurements)))
                return QEV_ENOMEM;
            s->opened = 1;
            s->clk = (sim_clock){start, 0};
            if (s->meas_rate > 0)
                sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) / s->meas_rate);
            else
                s->clk.t = end;
        }
        if (s->clk.t >= end) { /* memoryless: the next measurement starts afresh */
            s->meas++;
            s->opened = 0;
            continue;
        }
        if (s->clk.t >= until)
            return QEV_OK;
        if (sim_arrivals_push(out, s->clk.t, PORT_A, 0))
            return QEV_ENOMEM;
        sim_clock_advance(&s->clk, sim_exp(&s->rng, s->zig) / s->meas_rate);
    }
}

int sim_source_fill(struct sim_source *s, int64_t until, struct sim_arrivals *out)
{
    const qev_sim_config *c = s->c;
    switch (c->setup) {
    case QEV_SIM_SPDC:
        return c->rep_hz > 0 ? fill_pairs_pulsed(s, until, out) : fill_pairs_cw(s, until, out);
    case QEV_SIM_COHERENT:
        return fill_poisson_split(s, until, out);
    case QEV_SIM_THERMAL:
        return c->thermal_model == QEV_SIM_SHOT ? fill_thermal_shot(s, until, out)
                                                : fill_thermal_jump(s, until, out);
    case QEV_SIM_EMITTER:
        return fill_emitter(s, until, out);
    case QEV_SIM_GHOST:
        return fill_ghost(s, until, out);
    case QEV_SIM_SPI:
        return fill_spi(s, until, out);
    }
    return QEV_EINVAL;
}
