/* The simulator's engine: detectors, taggers and time ordering.
 *
 * Channels that share a tagger form a lane. Each lane runs its own copy of
 * the source (seeded alike, so every lane sees the same photons) and walks
 * through true time in chunks. A chunk's photons become candidate clicks
 * (efficiency, delay, jitter) beside the dark counts; candidates are sorted,
 * and those that no later photon can precede pass the dead time in time
 * order, may fire afterpulses and crosstalk (a small heap), and become events
 * on the tagger's clock. The rest wait for the next chunk. Lanes are merged
 * on recorded time, so memory stays bounded by the chunk and by the largest
 * delay, jitter and afterpulse delay, whatever the duration. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"
#include "internal.h"

#define PS_PER_S 1e12
#define NEVER (INT64_MIN / 4)
#define CHUNK_PHOTONS 16384.0

struct sim_heap {
    qev_event *e;
    size_t n, cap;
};

struct sim_array {
    uint32_t w, h;
    size_t n;
    double *eff, *dark, *dark_cum;
    sim_prob *effp;
    int64_t *last;
    double dark_total;
    sim_prob xtalk;
};

struct sim_det {
    int used, perfect, array, jittery;
    uint8_t kind, flags;
    qev_rng rng;
    sim_prob eff, tail;
    int ap_on;
    int64_t ap_left;   /* accepted clicks before the next one that afterpulses */
    double ap_log_q;   /* log(1 - p) */
    double jitter, tail_mean, ap_delay, ap_width;
    int64_t delay, dead, last, neg_bound;
    double dark_gap_ps;
    sim_clock dark;
};

/* Where a port's photons go in a lane of plain detectors: the channel, its
 * delay and its efficiency as a 32-bit threshold (0 for a port of another
 * lane, 2^32 for efficiency 1). */
struct sim_port {
    int64_t delay;
    uint64_t thr32;
    uint16_t ch;
};

struct sim_lane {
    qev_sim_tagger clk;
    double drift;
    int has_clock;
    struct sim_source src;
    struct sim_det det[QEV_SIM_CHANNELS];
    int port_ch[SIM_PORTS];
    struct sim_port port[SIM_PORTS];
    int jitter_any;
    struct sim_arrivals arr;
    qev_event *cand;
    size_t ncand, cand_cap;
    struct sim_heap ap;
    qev_event *out;
    size_t out_n, out_head, out_cap;
    int64_t T, min_delay, neg_bound, bound;
    int done, general;
    qev_rng rng; /* the detectors' thinning and jitter */
};

struct qev_sim {
    qev_sim_config c;
    int status;
    char msg[256];
    struct sim_zig zig;
    struct sim_array arr;
    struct sim_lane *lane[QEV_SIM_TAGGERS];
    int nlanes;
    int64_t chunk_ps, start_ps;
    qev_event *merged;
};

static int sim_fail(qev_sim *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int sim_fail(qev_sim *s, int status, const char *fmt, ...)
{
    if (s->status == QEV_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->msg, sizeof s->msg, fmt, ap);
        va_end(ap);
        s->status = status;
    }
    return status;
}

/* ---- defaults and channels ---- */

void qev_sim_detector_default(qev_sim_detector *d)
{
    *d = (qev_sim_detector){.eff = 1, .tail_frac = 1, .tagger = 1};
}

void qev_sim_config_default(qev_sim_config *c, enum qev_sim_setup setup)
{
    *c = (qev_sim_config){.setup = setup, .seed = 1, .duration_ps = 1000000000000, .rate_hz = 1e5,
                          .split = 0.5, .coherence_ps = 1000, .pump_hz = 1e7,
                          .lifetime_ps = 10000, .width = 32, .height = 32, .measurements = 1,
                          .exposure_ps = 1000000000, .flux_hz = 1e6, .hot_hz = 1e4};
    for (int i = 0; i < QEV_SIM_CHANNELS; i++)
        qev_sim_detector_default(&c->det[i]);
    for (int t = 0; t <= QEV_SIM_TAGGERS; t++)
        c->tagger[t] = (qev_sim_tagger){.res_ps = 1};
}

unsigned qev_sim_channels(enum qev_sim_setup setup)
{
    return setup == QEV_SIM_SPI ? 1u << 0 | 1u << 1 : 1u << 1 | 1u << 2;
}

const char *qev_sim_channel_role(enum qev_sim_setup setup, int channel)
{
    static const char *const roles[][3] = {
        [QEV_SIM_SPDC] = {"sync", "signal", "idler"},
        [QEV_SIM_THERMAL] = {"", "transmitted", "reflected"},
        [QEV_SIM_COHERENT] = {"", "transmitted", "reflected"},
        [QEV_SIM_EMITTER] = {"", "transmitted", "reflected"},
        [QEV_SIM_GHOST] = {"", "bucket", "spad_array"},
        [QEV_SIM_SPI] = {"pattern_marker", "bucket", ""},
    };
    if ((unsigned)setup >= sizeof roles / sizeof *roles || channel < 0 || channel > 2)
        return "";
    return roles[setup][channel];
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int64_t qev_sim_common_quantum(const qev_sim_config *c)
{
    int64_t q = 0;
    unsigned used = qev_sim_channels(c->setup);
    /* markers and syncs are recorded by tagger 1 */
    if (used & 1 || (c->setup == QEV_SIM_SPDC && c->sync))
        q = c->tagger[1].res_ps;
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (used >> ch & 1)
            q = gcd64(c->tagger[c->det[ch].tagger].res_ps, q);
    return q;
}

/* Channel 0 carries markers (spi) and sync (pulsed spdc) on tagger 1. */
static unsigned used_channels(const qev_sim_config *c)
{
    unsigned m = qev_sim_channels(c->setup);
    if (c->setup == QEV_SIM_SPDC && c->rep_hz > 0 && c->sync)
        m |= 1u;
    return m;
}

static int channel_tagger(const qev_sim_config *c, int ch)
{
    return ch == 0 ? 1 : c->det[ch].tagger;
}

/* ---- checking the configuration ---- */

static int bad_prob(double p) { return !(p >= 0 && p <= 1); }
static int bad_rate(double r) { return !(r >= 0 && r <= 1e12); }

static int check_detector(qev_sim *s, int ch, const qev_sim_detector *d)
{
    if (bad_prob(d->eff) || bad_prob(d->tail_frac) || !(d->ap_prob >= 0 && d->ap_prob < 1))
        return sim_fail(s, QEV_EINVAL, "channel %d: a probability is out of [0, 1]", ch);
    if (bad_rate(d->dark_hz))
        return sim_fail(s, QEV_EINVAL, "channel %d: dark rate out of range", ch);
    if (!(d->jitter_ps >= 0 && d->jitter_ps <= 1e9) || !(d->tail_ps >= 0 && d->tail_ps <= 1e9) ||
        !(d->ap_width_ps >= 0 && d->ap_width_ps <= 1e12) || d->dead_ps < 0 ||
        d->dead_ps > 1000000000000 || d->delay_ps > 1000000000000 || d->delay_ps < -1000000000000)
        return sim_fail(s, QEV_EINVAL, "channel %d: a time is out of range", ch);
    if (d->ap_prob > 0 && !(d->ap_delay_ps > 0 && d->ap_delay_ps <= 1e12))
        return sim_fail(s, QEV_EINVAL, "channel %d: afterpulses need a positive delay", ch);
    if (d->tagger < 1 || d->tagger > QEV_SIM_TAGGERS)
        return sim_fail(s, QEV_EINVAL, "channel %d: tagger %d does not exist (1 to %d)", ch,
                        d->tagger, QEV_SIM_TAGGERS);
    return QEV_OK;
}

static int check_taggers(qev_sim *s, const qev_sim_config *c)
{
    for (int t = 1; t <= QEV_SIM_TAGGERS; t++) {
        const qev_sim_tagger *k = &c->tagger[t];
        if (k->res_ps < 1 || k->res_ps > 1000000000000)
            return sim_fail(s, QEV_EINVAL, "tagger %d: resolution out of range", t);
        if (!(fabs(k->drift_ppm) <= 1e4) || k->offset_ps > 1000000000000 ||
            k->offset_ps < -1000000000000)
            return sim_fail(s, QEV_EINVAL, "tagger %d: offset or drift out of range", t);
    }
    return QEV_OK;
}

static int check_source(qev_sim *s, const qev_sim_config *c)
{
    if (c->setup != QEV_SIM_SPI && c->setup != QEV_SIM_EMITTER && !(c->rate_hz > 0 && c->rate_hz <= 1e11))
        return sim_fail(s, QEV_EINVAL, "the rate must be above 0 and at most 1e11 Hz");
    if (bad_prob(c->split))
        return sim_fail(s, QEV_EINVAL, "the splitting ratio must lie in [0, 1]");
    if (c->setup == QEV_SIM_SPDC && c->rep_hz > 0 &&
        (c->rep_hz > 1e11 || c->rate_hz / c->rep_hz > 100 || c->pulse_fwhm_ps < 0))
        return sim_fail(s, QEV_EINVAL, "pulsed: at most 100 pairs per pulse, repetition rate at most 1e11 Hz");
    if (c->setup == QEV_SIM_THERMAL && !(c->coherence_ps > 0 && c->coherence_ps <= 1000000000000))
        return sim_fail(s, QEV_EINVAL, "the coherence time must be positive (at most 1 s)");
    if (c->setup == QEV_SIM_THERMAL && c->thermal_model == QEV_SIM_JUMP && c->coherence_ps < 1000)
        return sim_fail(s, QEV_EINVAL, "the jump model draws every intensity change: below 1 ns of "
                                       "coherence time, use the shot model");
    if (c->setup == QEV_SIM_EMITTER &&
        (!(c->pump_hz > 0 && c->pump_hz <= 1e13) || c->lifetime_ps <= 0 || c->lifetime_ps > 1000000000000))
        return sim_fail(s, QEV_EINVAL, "the emitter needs a positive pump rate and lifetime");
    if (c->setup == QEV_SIM_GHOST &&
        (!c->object || c->width < 1 || c->height < 1 || c->width > 65535 || c->height > 65535 ||
         (uint64_t)c->width * c->height > QEV_SIM_MAX_PIXELS || !(c->blur_px >= 0 && c->blur_px < 1e4) ||
         !(c->beam_px >= 0 && c->beam_px < 1e6) || bad_prob(c->crosstalk) ||
         !(c->pixel_eff_sd >= 0 && c->pixel_eff_sd <= 10) || bad_rate(c->hot_hz) ||
         c->hot_pixels > (uint64_t)c->width * c->height))
        return sim_fail(s, QEV_EINVAL, "ghost imaging: array, object or pixel options out of range");
    if (c->setup == QEV_SIM_SPI && (!c->level || c->measurements < 1 || c->exposure_ps <= 0 ||
                                    !(c->flux_hz >= 0 && c->flux_hz <= 1e11)))
        return sim_fail(s, QEV_EINVAL, "single-pixel imaging: patterns, exposure or flux out of range");
    return QEV_OK;
}

static int check_config(qev_sim *s, const qev_sim_config *c)
{
    if (c->duration_ps < 0 || c->duration_ps > QEV_SIM_MAX_DURATION_PS)
        return sim_fail(s, QEV_EINVAL, "the duration is out of range");
    if (check_taggers(s, c) || check_source(s, c))
        return s->status;
    unsigned used = used_channels(c);
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (used >> ch & 1 && check_detector(s, ch, &c->det[ch]))
            return s->status;
    return QEV_OK;
}

/* ---- the SPAD array of ghost imaging ---- */

static int array_init(qev_sim *s)
{
    const qev_sim_config *c = &s->c;
    const qev_sim_detector *d = &c->det[2];
    struct sim_array *a = &s->arr;
    a->w = c->width;
    a->h = c->height;
    a->n = (size_t)c->width * c->height;
    a->eff = malloc(a->n * sizeof *a->eff);
    a->dark = malloc(a->n * sizeof *a->dark);
    a->dark_cum = malloc(a->n * sizeof *a->dark_cum);
    a->effp = malloc(a->n * sizeof *a->effp);
    if (!a->eff || !a->dark || !a->dark_cum || !a->effp)
        return sim_fail(s, QEV_ENOMEM, "out of memory");
    qev_rng r;
    qev_rng_seed(&r, c->seed ^ 0xA5A5A5A5F00DULL);
    for (size_t p = 0; p < a->n; p++) {
        double f = 1 + c->pixel_eff_sd * sim_normal_cut(&r, &s->zig);
        a->eff[p] = fmin(1, d->eff * fmax(0, f));
        a->effp[p] = sim_prob_make(a->eff[p]);
        a->dark[p] = d->dark_hz;
    }
    /* hot pixels: a partial Fisher-Yates draw of distinct pixels */
    size_t *idx = malloc(a->n * sizeof *idx);
    if (!idx)
        return sim_fail(s, QEV_ENOMEM, "out of memory");
    for (size_t p = 0; p < a->n; p++)
        idx[p] = p;
    for (size_t k = 0; k < c->hot_pixels; k++) {
        size_t j = k + (size_t)sim_below(&r, a->n - k), t = idx[k];
        idx[k] = idx[j];
        idx[j] = t;
        a->dark[idx[k]] = c->hot_hz;
    }
    free(idx);
    double cum = 0;
    for (size_t p = 0; p < a->n; p++)
        a->dark_cum[p] = cum += a->dark[p];
    a->dark_total = cum;
    a->xtalk = sim_prob_make(c->crosstalk);
    return QEV_OK;
}

/* ---- lanes ---- */

/* Each accepted click afterpulses with probability p: the clicks between two
 * that do are geometric, so one draw serves many clicks. */
static int64_t afterpulse_gap(struct sim_det *d)
{
    double g = floor(log(qev_rng_open01(&d->rng)) / d->ap_log_q);
    return g > 1e18 ? (int64_t)1e18 : (int64_t)g;
}

static int64_t det_neg_bound(const qev_sim_detector *d)
{
    return (int64_t)ceil(SIM_NORMAL_CUT * d->jitter_ps) + 1;
}

static int64_t det_span(const qev_sim_detector *d)
{
    double ap = d->ap_width_ps > 0 ? d->ap_delay_ps + SIM_NORMAL_CUT * d->ap_width_ps
                                   : SIM_EXP_CUT * d->ap_delay_ps;
    return llabs(d->delay_ps) + det_neg_bound(d) + (int64_t)(SIM_EXP_CUT * d->tail_ps) + d->dead_ps +
           (d->ap_prob > 0 ? (int64_t)ap : 0);
}

static void det_init(qev_sim *s, struct sim_lane *L, int ch)
{
    const qev_sim_config *c = &s->c;
    const qev_sim_detector *p = &c->det[ch];
    struct sim_det *d = &L->det[ch];
    d->used = 1;
    d->last = NEVER;
    qev_rng_seed(&d->rng, c->seed ^ 0x9E3779B97F4A7C15ull * (uint64_t)(ch + 1));
    if (ch == 0) {
        d->perfect = 1;
        d->kind = c->setup == QEV_SIM_SPI ? QEV_MARKER : QEV_SYNC;
        d->flags = c->setup == QEV_SIM_SPI ? QEV_F_VALUE : 0;
        return;
    }
    d->kind = QEV_PHOTON;
    d->array = c->setup == QEV_SIM_GHOST && ch == 2;
    d->flags = d->array ? QEV_F_PIXEL : 0;
    d->eff = sim_prob_make(p->eff);
    d->ap_on = p->ap_prob > 0;
    d->ap_log_q = log1p(-p->ap_prob);
    if (d->ap_on)
        d->ap_left = afterpulse_gap(d);
    d->tail = sim_prob_make(p->tail_ps > 0 ? p->tail_frac : 0);
    d->jitter = p->jitter_ps;
    d->tail_mean = p->tail_ps;
    d->ap_delay = p->ap_delay_ps;
    d->ap_width = p->ap_width_ps;
    d->delay = p->delay_ps;
    d->dead = p->dead_ps;
    d->neg_bound = det_neg_bound(p);
    d->jittery = d->jitter > 0 || d->tail_mean > 0;
    double dark = d->array ? s->arr.dark_total : p->dark_hz;
    d->dark_gap_ps = dark > 0 ? PS_PER_S / dark : 0;
    d->dark = (sim_clock){s->start_ps, 0};
    if (dark > 0)
        sim_clock_advance(&d->dark, sim_exp(&d->rng, &s->zig) * d->dark_gap_ps);
}

static const int port_channel[SIM_PORTS] = {1, 2, 0, 0};

static int cand_reserve(struct sim_lane *L, size_t more);

static int lane_init(qev_sim *s, struct sim_lane *L, int tagger)
{
    const qev_sim_config *c = &s->c;
    L->clk = c->tagger[tagger];
    qev_rng_seed(&L->rng, c->seed ^ 0x2545F4914F6CDD1Dull * (uint64_t)tagger);
    L->drift = L->clk.drift_ppm * 1e-6;
    L->has_clock = L->clk.offset_ps != 0 || L->drift != 0;
    unsigned used = used_channels(c);
    L->min_delay = INT64_MAX;
    int64_t jitter_bound = 0;
    for (int ch = 0; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1) || channel_tagger(c, ch) != tagger)
            continue;
        det_init(s, L, ch);
        L->general |= L->det[ch].perfect || L->det[ch].array;
        int64_t delay = ch ? c->det[ch].delay_ps : 0;
        L->min_delay = delay < L->min_delay ? delay : L->min_delay;
        jitter_bound = L->det[ch].neg_bound > jitter_bound ? L->det[ch].neg_bound : jitter_bound;
    }
    for (int p = 0; p < SIM_PORTS; p++) {
        int ch = port_channel[p];
        L->port_ch[p] = used >> ch & 1 && channel_tagger(c, ch) == tagger ? ch : -1;
        if (L->port_ch[p] > 0) {
            const struct sim_det *d = &L->det[ch];
            L->port[p] = (struct sim_port){d->delay, (uint64_t)ldexp(c->det[ch].eff, 32), (uint16_t)ch};
            L->jitter_any |= d->jitter > 0 || d->tail_mean > 0;
        }
    }
    if (sim_source_init(&L->src, c, &s->zig, s->start_ps) || cand_reserve(L, 1))
        return sim_fail(s, QEV_ENOMEM, "out of memory");
    L->neg_bound = L->src.neg_spread + jitter_bound;
    L->T = s->start_ps;
    L->bound = NEVER;
    return QEV_OK;
}

static void lane_free(struct sim_lane *L)
{
    if (!L)
        return;
    free(L->arr.a);
    free(L->cand);
    free(L->ap.e);
    free(L->out);
    free(L);
}

/* ---- the chunk step ---- */

static int cand_reserve(struct sim_lane *L, size_t more)
{
    qev_event *e = qev_grow(L->cand, &L->cand_cap, L->ncand + more, sizeof *e, 8192);
    if (!e)
        return QEV_ENOMEM;
    L->cand = e;
    return QEV_OK;
}

static inline int64_t det_jitter(const struct sim_det *d, qev_rng *r, const struct sim_zig *z)
{
    int64_t j = 0;
    if (d->jitter > 0)
        j = sim_round(d->jitter * sim_normal_cut(r, z));
    if (d->tail_mean > 0 && sim_bernoulli(r, d->tail))
        j += (int64_t)(d->tail_mean * sim_exp_cut(r, z));
    return j;
}

static inline size_t pixel_index(const struct sim_array *a, uint32_t aux)
{
    return (size_t)(aux >> 16) * a->w + (aux & 0xFFFF);
}

/* Photons of this lane's channels become candidate clicks: the general case,
 * with markers, sync and the SPAD array. */
static qev_event *route_one(qev_sim *s, struct sim_lane *L, int64_t t, int port, uint32_t aux,
                            qev_event *out)
{
    int ch = L->port_ch[port];
    if (ch < 0)
        return out;
    struct sim_det *d = &L->det[ch];
    if (d->perfect) {
        *out = (qev_event){t, (uint16_t)ch, d->kind, d->flags, d->flags ? aux : 0};
        return out + 1;
    }
    sim_prob eff = d->array ? s->arr.effp[pixel_index(&s->arr, aux)] : d->eff;
    if (!sim_bernoulli(&L->rng, eff))
        return out;
    *out = (qev_event){t + d->delay + det_jitter(d, &L->rng, &s->zig), (uint16_t)ch, QEV_PHOTON,
                       d->flags, d->array ? aux : 0};
    return out + 1;
}

static int lane_route_general(qev_sim *s, struct sim_lane *L)
{
    if (cand_reserve(L, 2 * L->arr.n))
        return QEV_ENOMEM;
    qev_event *out = L->cand + L->ncand;
    for (size_t i = 0; i < L->arr.n; i++) {
        const struct sim_arrival *a = &L->arr.a[i];
        if (a->port == PORT_PAIR) {
            out = route_one(s, L, a->t, PORT_A, a->aux, out);
            out = route_one(s, L, a->t, PORT_B, a->aux, out);
        } else {
            out = route_one(s, L, a->t, a->port, a->aux, out);
        }
    }
    L->ncand = (size_t)(out - L->cand);
    L->arr.n = 0;
    return QEV_OK;
}

/* Plain detectors: thinning without branches first, then delay and jitter
 * for the photons kept. */
static int lane_route(qev_sim *s, struct sim_lane *L)
{
    if (L->general)
        return lane_route_general(s, L);
    if (cand_reserve(L, 2 * L->arr.n))
        return QEV_ENOMEM;
    /* the generator in a local, so that it stays in registers; one draw
     * thins a pair, each photon against a 32-bit threshold */
    qev_rng r = L->rng;
    qev_event *restrict first = L->cand + L->ncand, *restrict out = first;
    const struct sim_port *pa = &L->port[PORT_A], *pb = &L->port[PORT_B];
    for (size_t i = 0; i < L->arr.n; i++) {
        const struct sim_arrival *a = &L->arr.a[i];
        uint64_t w = qev_rng_u64(&r);
        const struct sim_port *p0 = a->port == PORT_PAIR ? pa : &L->port[a->port];
        *out = (qev_event){a->t + p0->delay, p0->ch, QEV_PHOTON, 0, 0};
        out += (w & 0xFFFFFFFFu) < p0->thr32;
        if (a->port == PORT_PAIR) {
            *out = (qev_event){a->t + pb->delay, pb->ch, QEV_PHOTON, 0, 0};
            out += (w >> 32) < pb->thr32;
        }
    }
    if (L->jitter_any)
        for (qev_event *restrict e = first; e < out; e++) {
            const struct sim_det *d = &L->det[e->channel];
            if (d->jittery)
                e->t += det_jitter(d, &r, &s->zig);
        }
    L->rng = r;
    L->ncand = (size_t)(out - L->cand);
    L->arr.n = 0;
    return QEV_OK;
}

static uint32_t dark_pixel(const struct sim_array *a, qev_rng *r)
{
    double u = sim_uniform(r) * a->dark_total;
    size_t lo = 0, hi = a->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->dark_cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return qev_pixel_aux((uint16_t)(lo % a->w), (uint16_t)(lo / a->w));
}

/* Dark counts are few beside the photons: they wait in the heap, which the
 * dead-time pass merges in time order. */
static int heap_push(struct sim_heap *h, qev_event e);

static int lane_darks(qev_sim *s, struct sim_lane *L, int64_t T1)
{
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++) {
        struct sim_det *d = &L->det[ch];
        if (!d->used || d->dark_gap_ps <= 0)
            continue;
        while (d->dark.t < T1 + d->delay) {
            uint32_t aux = d->array ? dark_pixel(&s->arr, &d->rng) : 0;
            if (heap_push(&L->ap, (qev_event){d->dark.t, (uint16_t)ch, QEV_PHOTON, d->flags, aux}))
                return QEV_ENOMEM;
            sim_clock_advance(&d->dark, sim_exp(&d->rng, &s->zig) * d->dark_gap_ps);
        }
    }
    return QEV_OK;
}

static int event_before(const qev_event *a, const qev_event *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->channel != b->channel)
        return a->channel < b->channel;
    return a->aux < b->aux;
}

static int event_cmp(const void *x, const void *y)
{
    const qev_event *a = x, *b = y;
    return event_before(a, b) ? -1 : event_before(b, a);
}

/* Candidates are nearly sorted (jitter moves them little): insertion sort,
 * unless it has to move too much, then a full sort. */
static void sort_candidates(qev_event *e, size_t n)
{
    size_t budget = 8 * n + 64;
    for (size_t i = 1; i < n; i++) {
        if (!event_before(&e[i], &e[i - 1]))
            continue;
        qev_event x = e[i];
        size_t j = i;
        while (j > 0 && event_before(&x, &e[j - 1]) && budget) {
            e[j] = e[j - 1];
            j--;
            budget--;
        }
        e[j] = x;
        if (!budget) {
            qsort(e, n, sizeof *e, event_cmp);
            return;
        }
    }
}

/* ---- the afterpulse and crosstalk heap ---- */

static int heap_push(struct sim_heap *h, qev_event e)
{
    if (h->n == h->cap) {
        qev_event *p = qev_grow(h->e, &h->cap, h->n + 1, sizeof *p, 256);
        if (!p)
            return QEV_ENOMEM;
        h->e = p;
    }
    size_t i = h->n++;
    while (i > 0 && event_before(&e, &h->e[(i - 1) / 2])) {
        h->e[i] = h->e[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->e[i] = e;
    return QEV_OK;
}

static qev_event heap_pop(struct sim_heap *h)
{
    qev_event top = h->e[0], last = h->e[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && event_before(&h->e[c + 1], &h->e[c]))
            c++;
        if (!event_before(&h->e[c], &last))
            break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (h->n)
        h->e[i] = last;
    return top;
}

static int64_t afterpulse_delay(struct sim_det *d, const struct sim_zig *z)
{
    if (d->ap_width <= 0)
        return 1 + (int64_t)(d->ap_delay * sim_exp_cut(&d->rng, z));
    int64_t t;
    do
        t = sim_round(d->ap_delay + d->ap_width * sim_normal_cut(&d->rng, z));
    while (t < 1);
    return t;
}

/* A click fires one of the four neighbours, chosen at random. */
static int crosstalk(qev_sim *s, struct sim_lane *L, struct sim_det *d, const qev_event *e)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    if (!sim_bernoulli(&d->rng, s->arr.xtalk))
        return QEV_OK;
    int k = (int)sim_below(&d->rng, 4);
    long x = (long)(e->aux & 0xFFFF) + dx[k], y = (long)(e->aux >> 16) + dy[k];
    if (x < 0 || y < 0 || x >= (long)s->arr.w || y >= (long)s->arr.h)
        return QEV_OK;
    qev_event n = *e;
    n.aux = qev_pixel_aux((uint16_t)x, (uint16_t)y);
    return heap_push(&L->ap, n);
}

/* Room for one more output event: the consumed head goes, or the buffer
 * grows. */
static int out_make_room(struct sim_lane *L)
{
    if (L->out_head) {
        memmove(L->out, L->out + L->out_head, (L->out_n - L->out_head) * sizeof *L->out);
        L->out_n -= L->out_head;
        L->out_head = 0;
    }
    qev_event *p = qev_grow(L->out, &L->out_cap, L->out_n + 1, sizeof *p, 8192);
    if (!p)
        return QEV_ENOMEM;
    L->out = p;
    return QEV_OK;
}

static inline int out_push(struct sim_lane *L, const qev_event *e)
{
    if (L->out_n == L->out_cap && out_make_room(L))
        return QEV_ENOMEM;
    L->out[L->out_n++] = *e;
    return QEV_OK;
}

/* The tagger's reading of a detector time: its clock, then its quantum. */
__attribute__((always_inline)) static inline int64_t recorded_time(const struct sim_lane *L, int64_t t)
{
    if (L->has_clock)
        t += L->clk.offset_ps + (int64_t)floor((double)t * L->drift);
    int64_t r = L->clk.res_ps;
    if (r > 1) {
        int64_t q = t / r;
        t = (q - (t % r < 0)) * r;
    }
    return t;
}

/* A click that passed the dead time: afterpulse, crosstalk, output. */
__attribute__((always_inline)) static inline int accept_click(qev_sim *s, struct sim_lane *L, struct sim_det *d, qev_event e)
{
    if (d->ap_on && d->ap_left-- == 0) {
        d->ap_left = afterpulse_gap(d);
        qev_event a = e;
        a.t += afterpulse_delay(d, &s->zig);
        if (heap_push(&L->ap, a))
            return QEV_ENOMEM;
    }
    if (d->array && crosstalk(s, L, d, &e))
        return QEV_ENOMEM;
    e.t = recorded_time(L, e.t);
    if (e.t < 0 || e.t >= s->c.duration_ps)
        return QEV_OK;
    return out_push(L, &e);
}

/* One click through the dead time of its detector (or pixel). */
__attribute__((always_inline)) static inline int dead_time_pass(qev_sim *s, struct sim_lane *L, const qev_event *e)
{
    struct sim_det *d = &L->det[e->channel];
    if (d->perfect)
        return accept_click(s, L, d, *e);
    int64_t *last = d->array ? &s->arr.last[pixel_index(&s->arr, e->aux)] : &d->last;
    if (e->t < *last + d->dead)
        return QEV_OK;
    *last = e->t;
    return accept_click(s, L, d, *e);
}

/* The same for a detector with neither pixels nor a perfect channel. */
__attribute__((always_inline)) static inline int plain_pass(qev_sim *s, struct sim_lane *L, const qev_event *e)
{
    struct sim_det *d = &L->det[e->channel];
    if (e->t < d->last + d->dead)
        return QEV_OK;
    d->last = e->t;
    return accept_click(s, L, d, *e);
}

/* Candidates before P pass the dead time, in time order, merged with the
 * darks, afterpulses and crosstalk due before P (the heap). */
static int lane_process(qev_sim *s, struct sim_lane *L, int64_t P)
{
    size_t i = 0, n = L->ncand;
    const qev_event *c = L->cand;
    for (;;) {
        /* the candidates strictly before the heap's first, in a tight loop */
        int64_t stop = L->ap.n && L->ap.e[0].t < P ? L->ap.e[0].t : P;
        size_t heap_n = L->ap.n;
        if (L->general) {
            while (i < n && c[i].t < stop && L->ap.n == heap_n)
                if (dead_time_pass(s, L, &c[i++]))
                    return QEV_ENOMEM;
        } else {
            while (i < n && c[i].t < stop && L->ap.n == heap_n)
                if (plain_pass(s, L, &c[i++]))
                    return QEV_ENOMEM;
        }
        qev_event e;
        if (i < n && c[i].t < P && (!L->ap.n || !event_before(&L->ap.e[0], &c[i])))
            e = c[i++];
        else if (L->ap.n && L->ap.e[0].t < P)
            e = heap_pop(&L->ap);
        else
            break;
        if (dead_time_pass(s, L, &e))
            return QEV_ENOMEM;
    }
    if (i && n > i)
        memmove(L->cand, L->cand + i, (n - i) * sizeof *L->cand);
    L->ncand = n - i;
    return QEV_OK;
}

static int lane_step(qev_sim *s, struct sim_lane *L)
{
    int64_t T1 = L->T + s->chunk_ps;
    if (sim_source_fill(&L->src, T1, &L->arr) || lane_route(s, L) || lane_darks(s, L, T1))
        return sim_fail(s, QEV_ENOMEM, "out of memory");
    sort_candidates(L->cand, L->ncand);
    int64_t P = T1 + L->min_delay - L->neg_bound;
    if (lane_process(s, L, P))
        return sim_fail(s, QEV_ENOMEM, "out of memory");
    L->T = T1;
    L->bound = recorded_time(L, P);
    if (L->bound >= s->c.duration_ps)
        L->done = 1;
    return QEV_OK;
}

/* ---- the handle ---- */

static int64_t start_time(const qev_sim_config *c)
{
    int64_t span = 0, offset = 0;
    unsigned used = used_channels(c);
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (used >> ch & 1 && det_span(&c->det[ch]) > span)
            span = det_span(&c->det[ch]);
    for (int t = 1; t <= QEV_SIM_TAGGERS; t++)
        if (c->tagger[t].offset_ps > offset)
            offset = c->tagger[t].offset_ps;
    return -(sim_source_warmup(c) + span + offset + 1000);
}

static int64_t chunk_length(const qev_sim_config *c)
{
    double rate = sim_source_rate(c);
    unsigned used = used_channels(c);
    for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
        if (used >> ch & 1)
            rate += c->det[ch].dark_hz * (c->setup == QEV_SIM_GHOST && ch == 2 ? c->width * c->height : 1);
    rate += c->hot_pixels * c->hot_hz;
    double ps = CHUNK_PHOTONS / rate * PS_PER_S;
    return ps < 1000 ? 1000 : ps > 1e10 ? 10000000000 : (int64_t)ps;
}

static int make_lanes(qev_sim *s)
{
    unsigned used = used_channels(&s->c);
    for (int t = 1; t <= QEV_SIM_TAGGERS; t++) {
        int any = 0;
        for (int ch = 0; ch < QEV_SIM_CHANNELS; ch++)
            any |= used >> ch & 1 && channel_tagger(&s->c, ch) == t;
        if (!any)
            continue;
        struct sim_lane *L = calloc(1, sizeof *L);
        if (!L)
            return sim_fail(s, QEV_ENOMEM, "out of memory");
        s->lane[s->nlanes++] = L;
        if (lane_init(s, L, t))
            return s->status;
    }
    return QEV_OK;
}

qev_sim *qev_sim_new(const qev_sim_config *c)
{
    qev_sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = *c;
    if (check_config(s, c))
        return s;
    sim_zig_init(&s->zig);
    s->start_ps = start_time(c);
    s->chunk_ps = chunk_length(c);
    if (c->setup == QEV_SIM_GHOST) {
        if (array_init(s))
            return s;
        s->arr.last = malloc(s->arr.n * sizeof *s->arr.last);
        if (!s->arr.last) {
            sim_fail(s, QEV_ENOMEM, "out of memory");
            return s;
        }
        for (size_t p = 0; p < s->arr.n; p++)
            s->arr.last[p] = NEVER;
    }
    make_lanes(s);
    return s;
}

int qev_sim_status(const qev_sim *s) { return s->status; }
const char *qev_sim_error(const qev_sim *s) { return s->msg; }
const double *qev_sim_pixel_eff(const qev_sim *s) { return s->arr.eff; }
const double *qev_sim_pixel_dark(const qev_sim *s) { return s->arr.dark; }

void qev_sim_free(qev_sim *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nlanes; i++)
        lane_free(s->lane[i]);
    free(s->arr.eff);
    free(s->arr.dark);
    free(s->arr.dark_cum);
    free(s->arr.effp);
    free(s->arr.last);
    free(s->merged);
    free(s);
}

/* ---- merging the lanes ---- */

static size_t take(struct sim_lane *L, qev_event *ev, size_t n)
{
    size_t avail = L->out_n - L->out_head, k = avail < n ? avail : n;
    memcpy(ev, L->out + L->out_head, k * sizeof *ev);
    L->out_head += k;
    if (L->out_head == L->out_n)
        L->out_head = L->out_n = 0;
    return k;
}

/* The next event of lane i may go out when no other lane can still produce an
 * earlier one; otherwise the lane that holds things up takes a step. */
static int merge_next(qev_sim *s, qev_event *e)
{
    for (;;) {
        int best = -1, slow = -1;
        for (int i = 0; i < s->nlanes; i++) {
            struct sim_lane *L = s->lane[i];
            if (L->out_head < L->out_n &&
                (best < 0 || event_before(&L->out[L->out_head], &s->lane[best]->out[s->lane[best]->out_head])))
                best = i;
            if (!L->done && (slow < 0 || L->bound < s->lane[slow]->bound))
                slow = i;
        }
        if (best >= 0) {
            const qev_event *h = &s->lane[best]->out[s->lane[best]->out_head];
            int safe = 1;
            for (int i = 0; i < s->nlanes; i++)
                if (i != best && !s->lane[i]->done && h->t >= s->lane[i]->bound)
                    safe = 0;
            if (safe) {
                take(s->lane[best], e, 1);
                return 1;
            }
        }
        if (slow < 0 || lane_step(s, s->lane[slow]))
            return 0;
    }
}

#define MERGE_BLOCK 8192

size_t qev_sim_next(qev_sim *s, const qev_event **ev, size_t max)
{
    if (s->status != QEV_OK || s->nlanes == 0 || max == 0)
        return 0;
    if (s->nlanes == 1) {
        struct sim_lane *L = s->lane[0];
        while (L->out_head == L->out_n && !L->done) {
            L->out_head = L->out_n = 0;
            if (lane_step(s, L))
                return 0;
        }
        size_t k = L->out_n - L->out_head;
        k = k < max ? k : max;
        *ev = L->out + L->out_head;
        L->out_head += k;
        return k;
    }
    if (!s->merged && !(s->merged = malloc(MERGE_BLOCK * sizeof *s->merged))) {
        sim_fail(s, QEV_ENOMEM, "out of memory");
        return 0;
    }
    size_t k = 0, n = max < MERGE_BLOCK ? max : MERGE_BLOCK;
    while (k < n && merge_next(s, s->merged + k))
        k++;
    *ev = s->merged;
    return k;
}

size_t qev_sim_fill(qev_sim *s, qev_event *ev, size_t n)
{
    size_t k = 0;
    while (k < n) {
        const qev_event *p;
        size_t got = qev_sim_next(s, &p, n - k);
        if (!got)
            break;
        memcpy(ev + k, p, got * sizeof *ev);
        k += got;
    }
    return k;
}

const qev_sim_config *qev_sim_config_of(const qev_sim *s) { return &s->c; }
