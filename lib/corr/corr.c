/* Correlation histograms over a time-ordered stream, a block at a time.
 *
 * The events of correlated channels are copied, in stream order, into a work
 * array that also keeps the tail of the previous blocks still within reach.
 * Each new event looks back over the earlier ones within the reach of the
 * range, so each pair is counted exactly once, by its later event (ties by
 * stream order). Memory is bounded by the events inside one range. */
#include "corr.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 32
#define MAX_LINKS 4

/* What a (later, earlier) pair of slots contributes to: a pair's histogram,
 * with tau = sign (t_later - t_earlier). */
struct link {
    uint16_t pair;
    int8_t sign;
};

struct links {
    uint8_t n;
    struct link l[MAX_LINKS];
};

struct qev_correlator {
    qev_corr_pair *pairs;
    size_t npairs, nbins;
    int64_t bin, half, half_bins, reach, offset;
    uint64_t magic;
    enum qev_corr_mode mode;
    int64_t own_from, own_to;
    int owns_all;
    uint64_t *counts; /* the pairs' histograms, then a spare bin */
    size_t spare;
    int64_t *pending; /* start-stop: the open start of each pair, or INT64_MIN */
    uint8_t slot_of[65536]; /* 0: channel not correlated; else its slot */
    uint16_t channel_of[MAX_SLOTS + 1];
    size_t nslots;
    struct links links[MAX_SLOTS + 1][MAX_SLOTS + 1];
    uint64_t singles[MAX_SLOTS + 1];
    int64_t *wt; /* work array: times and slots, stream order */
    uint8_t *ws;
    size_t wlen, wcap;
    int64_t last_t, first_owned, last_owned;
    uint64_t seen, disorder_at;
};

/* The bin of tau, or -1 outside the range. u = tau + K b + b/2 is never
 * negative for the delays the look-back sees; while it stays below 2^32 a
 * multiplication by a 64-bit reciprocal divides exactly (Granlund and
 * Montgomery), and beyond that a real division does. */
static inline long bin_of(const qev_correlator *c, int64_t tau)
{
    int64_t u = tau + c->offset;
    if (u < 0)
        return -1;
    uint64_t k = (uint64_t)u;
    if (c->magic && k < (UINT64_C(1) << 32))
        k = (uint64_t)(((unsigned __int128)k * c->magic) >> 64);
    else if (c->magic)
        k /= (uint64_t)c->bin;
    return k < c->nbins ? (long)k : -1;
}

static inline int owned(const qev_correlator *c, int64_t t)
{
    return c->owns_all || (t >= c->own_from && t < c->own_to);
}

static int slot_for(qev_correlator *c, uint16_t channel)
{
    if (!c->slot_of[channel]) {
        if (c->nslots == MAX_SLOTS)
            return 0;
        c->slot_of[channel] = (uint8_t)++c->nslots;
        c->channel_of[c->nslots] = channel;
    }
    return c->slot_of[channel];
}

static int add_link(qev_correlator *c, int later, int earlier, size_t pair, int sign)
{
    struct links *l = &c->links[later][earlier];
    if (!later || !earlier || l->n == MAX_LINKS)
        return QEV_EINVAL;
    l->l[l->n++] = (struct link){(uint16_t)pair, (int8_t)sign};
    return QEV_OK;
}

static int build_links(qev_correlator *c)
{
    for (size_t p = 0; p < c->npairs; p++) {
        int a = slot_for(c, c->pairs[p].a), b = slot_for(c, c->pairs[p].b);
        int rc = add_link(c, b, a, p, 1);
        if (rc == QEV_OK)
            rc = add_link(c, a, b, p, -1);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

qev_correlator *qev_correlator_new(const qev_corr_pair *pairs, size_t npairs, int64_t bin,
                                   int64_t half_bins, enum qev_corr_mode mode, int64_t own_from,
                                   int64_t own_to)
{
    if (npairs == 0 || npairs > 65535 || bin <= 0 || half_bins < 0 ||
        half_bins > QEV_CORR_MAX_HALF_BINS)
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
    c->offset = half_bins * bin + c->half;
    c->magic = bin > 1 ? UINT64_MAX / (uint64_t)bin + 1 : 0; /* 0: bins of 1 ps */
    c->mode = mode;
    c->own_from = own_from;
    c->own_to = own_to;
    c->owns_all = own_from == INT64_MIN && own_to == INT64_MAX;
    c->last_t = INT64_MIN;
    c->first_owned = INT64_MAX;
    c->last_owned = INT64_MIN;
    c->pairs = malloc(npairs * sizeof *pairs);
    c->spare = npairs * c->nbins;
    c->counts = calloc(c->spare + 1, sizeof *c->counts);
    c->pending = malloc(npairs * sizeof *c->pending);
    if (!c->pairs || !c->counts || !c->pending) {
        qev_correlator_free(c);
        return NULL;
    }
    memcpy(c->pairs, pairs, npairs * sizeof *pairs);
    for (size_t p = 0; p < npairs; p++)
        c->pending[p] = INT64_MIN;
    if (build_links(c) != QEV_OK) {
        qev_correlator_free(c);
        return NULL;
    }
    return c;
}

/* ---- the block's correlated events into the work array ---- */

static int make_room(qev_correlator *c, size_t n)
{
    if (c->wlen + n <= c->wcap)
        return QEV_OK;
    size_t tcap = c->wcap, scap = c->wcap;
    int64_t *wt = qev_grow(c->wt, &tcap, c->wlen + n, sizeof *wt, 4096);
    if (wt)
        c->wt = wt;
    uint8_t *ws = qev_grow(c->ws, &scap, c->wlen + n, sizeof *ws, 4096);
    if (ws)
        c->ws = ws;
    if (!wt || !ws)
        return QEV_ENOMEM;
    c->wcap = tcap;
    return QEV_OK;
}

/* How many of n slots are this one: a loop gcc vectorises, cheaper than a
 * tally per event while there are few slots. */
static uint64_t count_slot(const uint8_t *ws, size_t n, uint8_t slot)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += ws[i] == slot;
    return total;
}

/* The same for a correlator that owns only a time span. */
static void count_owned_singles(qev_correlator *c, size_t from)
{
    for (size_t i = from; i < c->wlen; i++) {
        if (!owned(c, c->wt[i]))
            continue;
        c->singles[c->ws[i]]++;
        c->first_owned = c->wt[i] < c->first_owned ? c->wt[i] : c->first_owned;
        c->last_owned = c->wt[i];
    }
}

/* Events per slot, and the first and last time, of the events appended from
 * index `from` on. With many slots, four interleaved tallies keep consecutive
 * increments of one slot from waiting on each other. */
static void count_singles(qev_correlator *c, size_t from)
{
    if (!c->owns_all) {
        count_owned_singles(c, from);
        return;
    }
    size_t n = c->wlen - from;
    const uint8_t *ws = c->ws + from;
    if (c->nslots <= 4) {
        for (size_t slot = 1; slot <= c->nslots; slot++)
            c->singles[slot] += count_slot(ws, n, (uint8_t)slot);
    } else {
        uint64_t tally[4][MAX_SLOTS + 1] = {{0}};
        size_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; k++)
                tally[k][ws[i + (size_t)k]]++;
        for (; i < n; i++)
            tally[0][ws[i]]++;
        for (size_t slot = 1; slot <= c->nslots; slot++)
            c->singles[slot] += tally[0][slot] + tally[1][slot] + tally[2][slot] + tally[3][slot];
    }
    if (n > 0) {
        c->first_owned = c->wt[from] < c->first_owned ? c->wt[from] : c->first_owned;
        c->last_owned = c->wt[c->wlen - 1];
    }
}

/* Copies the events of correlated channels, checking the order of all. */
static int append_block(qev_correlator *c, const qev_event *ev, size_t n)
{
    if (make_room(c, n) != QEV_OK)
        return QEV_ENOMEM;
    size_t from = c->wlen, w = from;
    int64_t last = c->last_t;
    for (size_t i = 0; i < n; i++) {
        int64_t t = ev[i].t;
        if (t < last) {
            c->disorder_at = c->seen + i;
            return QEV_EINVAL;
        }
        last = t;
        uint8_t slot = c->slot_of[ev[i].channel];
        c->wt[w] = t;
        c->ws[w] = slot;
        w += slot != 0;
    }
    c->seen += n;
    c->last_t = last;
    c->wlen = w;
    count_singles(c, from);
    return QEV_OK;
}

/* ---- pairs ---- */

/* The first link counts without a branch: a pair of slots with no link, or
 * an earlier event the shard does not own, counts in the spare bin past the
 * histograms. Whether it counts is as unpredictable as the stream. */
static inline void count_links(qev_correlator *c, const struct links *l, int64_t d, int counts)
{
    long b = bin_of(c, l->l[0].sign * d);
    size_t first = (size_t)l->l[0].pair * c->nbins + (size_t)b;
    size_t mask = (size_t)0 - (size_t)(counts & (b >= 0)); /* a select gcc cannot branch on */
    c->counts[(first & mask) | (c->spare & ~mask)]++;
    for (uint8_t k = 1; counts && k < l->n; k++) {
        b = bin_of(c, l->l[k].sign * d);
        if (b >= 0)
            c->counts[(size_t)l->l[k].pair * c->nbins + (size_t)b]++;
    }
}

/* Pairs the event at i with the earlier ones from j down, within reach. */
static void look_back_from(qev_correlator *c, size_t i, size_t j)
{
    int64_t t = c->wt[i];
    const struct links *row = c->links[c->ws[i]];
    while (j-- > 0) {
        int64_t d = t - c->wt[j];
        if (d > c->reach)
            break;
        const struct links *l = &row[c->ws[j]];
        count_links(c, l, d, (l->n != 0) & owned(c, c->wt[j]));
    }
}

/* At common rates most events have no earlier one within reach. A branch-free
 * pass lists those that do, so the look-back's unpredictable exit is taken
 * only for them. */
static void look_back(qev_correlator *c, size_t from)
{
    enum { CHUNK = 512 };
    size_t near[CHUNK];
    size_t i = from ? from : 1;
    while (i < c->wlen) {
        size_t end = c->wlen - i < CHUNK ? c->wlen : i + CHUNK, n = 0;
        for (; i < end; i++) {
            near[n] = i;
            n += c->wt[i] - c->wt[i - 1] <= c->reach;
        }
        for (size_t k = 0; k < n; k++)
            look_back_from(c, near[k], near[k]);
    }
}

/* Keeps only the events the next block can reach. */
static void trim(qev_correlator *c)
{
    size_t keep = c->wlen;
    while (keep > 0 && c->wt[keep - 1] >= c->last_t - c->reach)
        keep--;
    memmove(c->wt, c->wt + keep, (c->wlen - keep) * sizeof *c->wt);
    memmove(c->ws, c->ws + keep, c->wlen - keep);
    c->wlen -= keep;
}

/* ---- start-stop, event by event ---- */

static void start_stop(qev_correlator *c, size_t from)
{
    for (size_t i = from; i < c->wlen; i++) {
        uint16_t channel = c->channel_of[c->ws[i]];
        int64_t t = c->wt[i];
        for (size_t p = 0; p < c->npairs; p++) {
            if (channel == c->pairs[p].a) {
                c->pending[p] = t;
            } else if (channel == c->pairs[p].b && c->pending[p] != INT64_MIN) {
                long k = owned(c, c->pending[p]) ? bin_of(c, t - c->pending[p]) : -1;
                if (k >= 0)
                    c->counts[p * c->nbins + (size_t)k]++;
                c->pending[p] = INT64_MIN;
            }
        }
    }
}

int qev_correlator_add(qev_correlator *c, const qev_event *ev, size_t n)
{
    size_t from = c->wlen;
    int rc = append_block(c, ev, n);
    if (rc != QEV_OK)
        return rc;
    if (c->mode == QEV_CORR_START_STOP)
        start_stop(c, from);
    else
        look_back(c, from);
    trim(c);
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
    return c->singles[c->slot_of[channel]] * (c->slot_of[channel] != 0);
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
    free(c->wt);
    free(c->ws);
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
