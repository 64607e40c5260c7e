/* Correlation histograms: a sliding window over the time-ordered stream. Each
 * event pairs with the earlier events still inside the reach of the range,
 * so every pair is counted once, by whichever of its two events comes later. */
#include "corr.h"

#include <stdlib.h>
#include <string.h>

struct time_ring {
    int64_t *t;
    size_t cap, head, len; /* oldest at head; cap a power of two */
};

struct role {
    size_t pair;
    int is_b; /* the event is the pair's B (stop) side */
};

struct slot {
    uint16_t channel;
    struct time_ring ring;
    uint64_t singles;
    struct role roles[8];
    size_t nroles;
};

struct qev_correlator {
    qev_corr_pair *pairs;
    size_t npairs, nbins;
    int64_t bin, half, half_bins, reach;
    enum qev_corr_mode mode;
    int64_t own_from, own_to;
    uint64_t *counts;
    int64_t *pending; /* start-stop: the open start of each pair, or INT64_MIN */
    uint16_t slot_of[65536]; /* 0: channel not correlated; else slot index + 1 */
    struct slot *slots;
    size_t nslots;
    int64_t last_t, first_owned, last_owned;
    uint64_t seen, disorder_at;
};

static int ring_push(struct time_ring *r, int64_t t)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        int64_t *nt = malloc(cap * sizeof *nt);
        if (!nt)
            return QEV_ENOMEM;
        for (size_t i = 0; i < r->len; i++)
            nt[i] = r->t[(r->head + i) & (r->cap - 1)];
        free(r->t);
        r->t = nt;
        r->cap = cap;
        r->head = 0;
    }
    r->t[(r->head + r->len) & (r->cap - 1)] = t;
    r->len++;
    return QEV_OK;
}

static void ring_drop_before(struct time_ring *r, int64_t limit)
{
    while (r->len && r->t[r->head] < limit) {
        r->head = (r->head + 1) & (r->cap - 1);
        r->len--;
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* The bin of tau, or -1 outside the range. */
static inline long bin_of(const qev_correlator *c, int64_t tau)
{
    int64_t k = floor_div(tau + c->half, c->bin);
    if (k < -c->half_bins || k > c->half_bins)
        return -1;
    return (long)(k + c->half_bins);
}

static struct slot *slot_for(qev_correlator *c, uint16_t channel)
{
    if (!c->slot_of[channel]) {
        c->slots[c->nslots].channel = channel;
        c->slot_of[channel] = (uint16_t)++c->nslots;
    }
    return &c->slots[c->slot_of[channel] - 1];
}

static int add_role(struct slot *s, size_t pair, int is_b)
{
    if (s->nroles == sizeof s->roles / sizeof *s->roles)
        return QEV_EINVAL;
    s->roles[s->nroles++] = (struct role){pair, is_b};
    return QEV_OK;
}

static int assign_roles(qev_correlator *c)
{
    for (size_t p = 0; p < c->npairs; p++) {
        int rc = add_role(slot_for(c, c->pairs[p].a), p, 0);
        if (rc == QEV_OK && c->pairs[p].a != c->pairs[p].b)
            rc = add_role(slot_for(c, c->pairs[p].b), p, 1);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

qev_correlator *qev_correlator_new(const qev_corr_pair *pairs, size_t npairs, int64_t bin,
                                   int64_t half_bins, enum qev_corr_mode mode, int64_t own_from,
                                   int64_t own_to)
{
    if (npairs == 0 || bin <= 0 || half_bins < 0 || half_bins > (1 << 26))
        return NULL;
    qev_correlator *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->npairs = npairs;
    c->bin = bin;
    c->half = bin / 2;
    c->half_bins = half_bins;
    c->nbins = (size_t)(2 * half_bins + 1);
    int64_t up = half_bins * bin - c->half + bin - 1, down = half_bins * bin + c->half;
    c->reach = up > down ? up : down;
    c->mode = mode;
    c->own_from = own_from;
    c->own_to = own_to;
    c->last_t = INT64_MIN;
    c->first_owned = INT64_MAX;
    c->last_owned = INT64_MIN;
    c->pairs = malloc(npairs * sizeof *pairs);
    c->counts = calloc(npairs * c->nbins, sizeof *c->counts);
    c->pending = malloc(npairs * sizeof *c->pending);
    c->slots = calloc(2 * npairs, sizeof *c->slots);
    if (!c->pairs || !c->counts || !c->pending || !c->slots) {
        qev_correlator_free(c);
        return NULL;
    }
    memcpy(c->pairs, pairs, npairs * sizeof *pairs);
    for (size_t p = 0; p < npairs; p++)
        c->pending[p] = INT64_MIN;
    if (assign_roles(c) != QEV_OK) {
        qev_correlator_free(c);
        return NULL;
    }
    return c;
}

static inline int owned(const qev_correlator *c, int64_t t)
{
    return t >= c->own_from && t < c->own_to;
}

/* Pairs the event at t with the earlier events of ring; sign is +1 when the
 * event is the B side (tau = t - t_earlier), -1 when it is the A side. */
static void pair_with_earlier(qev_correlator *c, uint64_t *counts, const struct time_ring *r,
                              int64_t t, int sign, int symmetric)
{
    for (size_t i = r->len; i-- > 0;) {
        int64_t te = r->t[(r->head + i) & (r->cap - 1)];
        if (t - te > c->reach)
            break;
        if (!owned(c, te))
            continue;
        long k = bin_of(c, sign * (t - te));
        if (k >= 0)
            counts[k]++;
        if (symmetric && (k = bin_of(c, te - t)) >= 0)
            counts[k]++;
    }
}

static void start_stop(qev_correlator *c, size_t p, int is_b, int64_t t)
{
    if (!is_b) {
        c->pending[p] = t;
        return;
    }
    if (c->pending[p] == INT64_MIN)
        return;
    if (owned(c, c->pending[p])) {
        long k = bin_of(c, t - c->pending[p]);
        if (k >= 0)
            c->counts[p * c->nbins + (size_t)k]++;
    }
    c->pending[p] = INT64_MIN;
}

static int add_event(qev_correlator *c, int64_t t, struct slot *s)
{
    for (size_t i = 0; i < s->nroles; i++) {
        size_t p = s->roles[i].pair;
        uint64_t *counts = c->counts + p * c->nbins;
        const qev_corr_pair *pr = &c->pairs[p];
        if (c->mode == QEV_CORR_START_STOP) {
            start_stop(c, p, s->roles[i].is_b, t);
        } else if (pr->a == pr->b) {
            pair_with_earlier(c, counts, &s->ring, t, 1, 1);
        } else {
            uint16_t other = s->roles[i].is_b ? pr->a : pr->b;
            const struct slot *o = &c->slots[c->slot_of[other] - 1];
            pair_with_earlier(c, counts, &o->ring, t, s->roles[i].is_b ? 1 : -1, 0);
        }
    }
    ring_drop_before(&s->ring, t - c->reach);
    return ring_push(&s->ring, t);
}

int qev_correlator_add(qev_correlator *c, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++, c->seen++) {
        int64_t t = ev[i].t;
        if (t < c->last_t) {
            c->disorder_at = c->seen;
            return QEV_EINVAL;
        }
        c->last_t = t;
        uint16_t idx = c->slot_of[ev[i].channel];
        if (!idx)
            continue;
        struct slot *s = &c->slots[idx - 1];
        if (owned(c, t)) {
            s->singles++;
            c->first_owned = t < c->first_owned ? t : c->first_owned;
            c->last_owned = t;
        }
        int rc = add_event(c, t, s);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

uint64_t qev_correlator_disorder_at(const qev_correlator *c) { return c->disorder_at; }
size_t qev_correlator_bins(const qev_correlator *c) { return c->nbins; }

const uint64_t *qev_correlator_counts(const qev_correlator *c, size_t pair)
{
    return c->counts + pair * c->nbins;
}

uint64_t qev_correlator_singles(const qev_correlator *c, uint16_t channel)
{
    return c->slot_of[channel] ? c->slots[c->slot_of[channel] - 1].singles : 0;
}

void qev_correlator_span(const qev_correlator *c, int64_t *first, int64_t *last)
{
    *first = c->first_owned;
    *last = c->last_owned;
}

void qev_correlator_free(qev_correlator *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->slots && i < c->nslots; i++)
        free(c->slots[i].ring.t);
    free(c->slots);
    free(c->pairs);
    free(c->counts);
    free(c->pending);
    free(c);
}

double qev_corr_expected(uint64_t na, uint64_t nb, int64_t bin, double duration)
{
    return duration > 0 ? (double)na * (double)nb * (double)bin / duration : 0;
}

double qev_corr_expected_edge(uint64_t na, uint64_t nb, int64_t bin, double duration,
                              double tau)
{
    double left = duration - (tau < 0 ? -tau : tau);
    return duration > 0 && left > 0
               ? (double)na * (double)nb * (double)bin * left / (duration * duration)
               : 0;
}
