/* Per-channel corrections with bounded reordering: a few lanes, each a queue
 * of events in time order, take every event that does not go back within
 * them (lane 0 also those that go back a few places, slid into place); the
 * reorder heap takes the rest; all are merged at the bound. With
 * per-channel shifts each channel stays in order, so a lane per group of
 * channels suffices and the heap is the exception. When lane 0 alone has
 * events ready, they are handed out from it without a copy. */
#include "qcal_shift.h"
#include "internal.h"
#include "reorder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MODE_CLOCK = 1, MODE_MASK = 2 };

struct clock {
    size_t n, cur;
    int64_t *rec, *ref;
    double *slope_m1; /* per segment: slope - 1 */
};

#define LANES 8

struct lane {
    qev_event *e;
    size_t head, n, cap;
    int64_t last; /* time of the latest event queued */
};

struct qcal_shift {
    int64_t delay[65536];
    uint8_t mode[65536];
    uint16_t rename[65536];
    uint16_t clock_of[65536]; /* index + 1 into clocks */
    struct clock *clocks;
    size_t nclocks;
    int64_t max_delay; /* the largest delay set, at least 0 */
    uint64_t *mask;    /* open addressing of (ch << 32 | aux) + 1 */
    size_t mask_n, mask_cap;
    qev_reorder *heap;
    struct lane lane[LANES];
    size_t nlanes;    /* lanes used so far */
    struct lane merged; /* merged events not yet handed out */
    size_t batch;       /* events are handed out in multiples of this */
    qev_event *tmp;
    const qev_event *ready; /* a lane's prefix, or merged's */
    size_t nout, tcap;
    int64_t last_in;
    uint64_t seen, disorder_at, masked;
};

qcal_shift *qcal_shift_new(void)
{
    qcal_shift *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->heap = qev_reorder_new();
    if (!s->heap) {
        free(s);
        return NULL;
    }
    for (size_t ch = 0; ch < 65536; ch++)
        s->rename[ch] = (uint16_t)ch;
    for (size_t i = 0; i < LANES; i++)
        s->lane[i].last = INT64_MIN;
    s->nlanes = 1;
    s->batch = 1;
    s->last_in = INT64_MIN;
    return s;
}

void qcal_shift_free(qcal_shift *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nclocks; i++) {
        free(s->clocks[i].rec);
        free(s->clocks[i].ref);
        free(s->clocks[i].slope_m1);
    }
    free(s->clocks);
    free(s->mask);
    qev_reorder_free(s->heap);
    for (size_t i = 0; i < LANES; i++)
        free(s->lane[i].e);
    free(s->merged.e);
    free(s->tmp);
    free(s);
}

int qcal_shift_set_delay(qcal_shift *s, uint16_t ch, int64_t delay)
{
    if (delay > INT64_C(1) << 60 || delay < -(INT64_C(1) << 60))
        return QEV_EINVAL;
    s->delay[ch] = delay;
    s->mode[ch] &= (uint8_t)~MODE_CLOCK;
    if (delay > s->max_delay)
        s->max_delay = delay;
    return QEV_OK;
}

/* ---- clocks ---- */

static int clock_points_valid(const int64_t *rec, const int64_t *ref, size_t n)
{
    if (n < 2)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if (rec[k] <= rec[k - 1] || ref[k] <= ref[k - 1])
            return 0;
        double slope = (double)(ref[k] - ref[k - 1]) / (double)(rec[k] - rec[k - 1]);
        if (!(slope > 0.5 && slope < 2))
            return 0;
    }
    return 1;
}

static int fill_clock(struct clock *c, const int64_t *rec, const int64_t *ref, size_t n)
{
    c->n = n;
    c->cur = 0;
    c->rec = malloc(n * sizeof *rec);
    c->ref = malloc(n * sizeof *ref);
    c->slope_m1 = malloc(n * sizeof *c->slope_m1);
    if (!c->rec || !c->ref || !c->slope_m1)
        return QEV_ENOMEM;
    memcpy(c->rec, rec, n * sizeof *rec);
    memcpy(c->ref, ref, n * sizeof *ref);
    for (size_t k = 0; k + 1 < n; k++) {
        double dr = (double)(rec[k + 1] - rec[k]), dt = (double)(ref[k + 1] - ref[k]);
        c->slope_m1[k] = (dt - dr) / dr;
    }
    return QEV_OK;
}

int qcal_shift_set_clock(qcal_shift *s, uint16_t ch, const int64_t *rec, const int64_t *ref,
                         size_t n)
{
    if (!clock_points_valid(rec, ref, n))
        return QEV_EINVAL;
    size_t i = s->clock_of[ch] ? s->clock_of[ch] - 1u : s->nclocks;
    if (i == s->nclocks) {
        struct clock *c = realloc(s->clocks, (s->nclocks + 1) * sizeof *c);
        if (!c)
            return QEV_ENOMEM;
        s->clocks = c;
        memset(&c[s->nclocks++], 0, sizeof *c);
    } else {
        free(s->clocks[i].rec);
        free(s->clocks[i].ref);
        free(s->clocks[i].slope_m1);
    }
    s->clock_of[ch] = (uint16_t)(i + 1);
    s->delay[ch] = 0;
    s->mode[ch] |= MODE_CLOCK;
    return fill_clock(&s->clocks[i], rec, ref, n);
}

/* To the nearest integer, halves away from zero, as llround, inline. */
static inline int64_t nearest(double x) { return (int64_t)(x + (x < 0 ? -0.5 : 0.5)); }

static inline int64_t segment_map(const struct clock *c, size_t k, int64_t t)
{
    int64_t d = t - c->rec[k];
    return c->ref[k] + d + nearest((double)d * c->slope_m1[k]);
}

/* The segment of recorded time t, by bisection. */
static size_t find_segment(const int64_t *x, size_t n, int64_t t)
{
    size_t lo = 0, hi = n - 2;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (x[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Events come in time order: the segment only moves forward. */
static inline int64_t clock_forward(struct clock *c, int64_t t)
{
    while (c->cur + 2 < c->n && t >= c->rec[c->cur + 1])
        c->cur++;
    return segment_map(c, c->cur, t);
}

int64_t qcal_shift_map(const qcal_shift *s, uint16_t ch, int64_t t)
{
    if (!(s->mode[ch] & MODE_CLOCK))
        return t - s->delay[ch];
    const struct clock *c = &s->clocks[s->clock_of[ch] - 1];
    return segment_map(c, find_segment(c->rec, c->n, t), t);
}

double qcal_shift_inverse(const qcal_shift *s, uint16_t ch, double t)
{
    if (!(s->mode[ch] & MODE_CLOCK))
        return t + (double)s->delay[ch];
    const struct clock *c = &s->clocks[s->clock_of[ch] - 1];
    size_t k = find_segment(c->ref, c->n, (int64_t)floor(t));
    return (double)c->rec[k] + (t - (double)c->ref[k]) / (1 + c->slope_m1[k]);
}

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

int64_t qcal_shift_reach(const qcal_shift *s, int64_t from, int64_t to)
{
    int64_t reach = 0;
    for (size_t ch = 0; ch < 65536; ch++)
        if (abs64(s->delay[ch]) > reach)
            reach = abs64(s->delay[ch]);
    for (size_t i = 0; i < s->nclocks; i++) {
        const struct clock *c = &s->clocks[i];
        for (size_t k = 0; k < c->n + 2; k++) {
            int64_t t = k == c->n ? from : k == c->n + 1 ? to : c->rec[k];
            if (t < from || t > to)
                continue;
            size_t seg = find_segment(c->rec, c->n, t);
            int64_t d = abs64(segment_map(c, seg, t) - t);
            reach = d > reach ? d : reach;
        }
    }
    return reach;
}

/* ---- pixel masks ---- */

static uint64_t mask_key(uint16_t ch, uint32_t aux) { return ((uint64_t)ch << 32 | aux) + 1; }

static size_t mask_slot(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static int mask_grow(qcal_shift *s)
{
    size_t cap = s->mask_cap ? 2 * s->mask_cap : 1024;
    uint64_t *m = calloc(cap, sizeof *m);
    if (!m)
        return QEV_ENOMEM;
    for (size_t i = 0; i < s->mask_cap; i++) {
        if (!s->mask[i])
            continue;
        size_t h = mask_slot(s->mask[i], cap);
        while (m[h])
            h = (h + 1) & (cap - 1);
        m[h] = s->mask[i];
    }
    free(s->mask);
    s->mask = m;
    s->mask_cap = cap;
    return QEV_OK;
}

static int masked(const qcal_shift *s, uint16_t ch, uint32_t aux)
{
    uint64_t key = mask_key(ch, aux);
    for (size_t h = mask_slot(key, s->mask_cap); s->mask[h]; h = (h + 1) & (s->mask_cap - 1))
        if (s->mask[h] == key)
            return 1;
    return 0;
}

int qcal_shift_mask_pixel(qcal_shift *s, uint16_t ch, uint32_t aux)
{
    if (2 * (s->mask_n + 1) > s->mask_cap && mask_grow(s) != QEV_OK)
        return QEV_ENOMEM;
    if (masked(s, ch, aux))
        return QEV_OK;
    uint64_t key = mask_key(ch, aux);
    size_t h = mask_slot(key, s->mask_cap);
    while (s->mask[h])
        h = (h + 1) & (s->mask_cap - 1);
    s->mask[h] = key;
    s->mask_n++;
    s->mode[ch] |= MODE_MASK;
    return QEV_OK;
}

int qcal_shift_rename(qcal_shift *s, uint16_t ch, uint16_t to)
{
    s->rename[ch] = to;
    return QEV_OK;
}

/* ---- the stream ---- */

static int grow(qev_event **buf, size_t *cap, size_t need)
{
    qev_event *p = qev_grow(*buf, cap, need, sizeof *p, 4096);
    if (!p)
        return QEV_ENOMEM;
    *buf = p;
    return QEV_OK;
}

/* Lane 0 and merged keep room for a few batches beyond what waits in them,
 * so that the part of a batch left waiting moves to the front only once in
 * several batches; side lanes are emptied at each release and need less. */
enum { SIDE_SLACK = 2, BATCH_SLACK = 3 };

static int lane_room(struct lane *l, size_t n, size_t slack)
{
    if (l->head + l->n + n <= l->cap)
        return QEV_OK;
    if (l->head) {
        memmove(l->e, l->e + l->head, l->n * sizeof *l->e);
        l->head = 0;
    }
    size_t cap = slack * (l->n + n);
    if (cap <= l->cap)
        return QEV_OK;
    qev_event *e = realloc(l->e, cap * sizeof *e);
    if (!e)
        return QEV_ENOMEM;
    l->e = e;
    l->cap = cap;
    return QEV_OK;
}

static void lane_consume(struct lane *l, size_t k)
{
    l->head += k;
    l->n -= k;
}

/* The bound below which no later input can land. */
static int64_t bound(qcal_shift *s)
{
    if (s->last_in == INT64_MIN)
        return INT64_MIN;
    int64_t b = s->last_in - s->max_delay;
    for (size_t i = 0; i < s->nclocks; i++) {
        int64_t t = clock_forward(&s->clocks[i], s->last_in);
        b = t < b ? t : b;
    }
    return b - 2; /* rounding to the nearest ps, on either side of a knot */
}

/* The first event at or after b of n in time order. */
static size_t count_before(const qev_event *q, size_t n, int64_t b)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q[mid].t < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct source {
    const qev_event *p;
    size_t n;
};

/* Two sources, the common case of a shifted group of channels. When b is
 * sparse, a is copied in runs up to each of b's events. */
static size_t merge2(struct source a, struct source b, qev_event *out)
{
    size_t o = 0, ia = 0, ib = 0;
    if (b.n * 16 < a.n)
        for (; ib < b.n; ib++) {
            size_t run = count_before(a.p + ia, a.n - ia, b.p[ib].t + 1);
            memcpy(out + o, a.p + ia, run * sizeof *out);
            o += run;
            ia += run;
            out[o++] = b.p[ib];
        }
    while (ia < a.n && ib < b.n)
        out[o++] = b.p[ib].t < a.p[ia].t ? b.p[ib++] : a.p[ia++];
    memcpy(out + o, a.p + ia, (a.n - ia) * sizeof *out);
    o += a.n - ia;
    memcpy(out + o, b.p + ib, (b.n - ib) * sizeof *out);
    return o + b.n - ib;
}

/* A merge of sources in time order; ties go to the earlier source. */
static size_t merge(struct source *src, size_t ns, qev_event *out)
{
    if (ns == 2)
        return merge2(src[0], src[1], out);
    size_t o = 0;
    while (ns > 1) {
        size_t m = 0;
        for (size_t i = 1; i < ns; i++)
            if (src[i].p->t < src[m].p->t)
                m = i;
        out[o++] = *src[m].p++;
        if (--src[m].n == 0) {
            memmove(&src[m], &src[m + 1], (ns - m - 1) * sizeof *src);
            ns--;
        }
    }
    if (ns) {
        memcpy(out + o, src[0].p, src[0].n * sizeof *out);
        o += src[0].n;
    }
    return o;
}

/* Hands out the first k events of a lane (a side lane or merged). */
static void hand_out(qcal_shift *s, struct lane *l, size_t k)
{
    s->ready = l->e + l->head;
    s->nout = k;
    lane_consume(l, k);
}

/* Merges the sources onto the end of merged, consuming the lanes'
 * prefixes (the heap's were popped already). */
static int merge_sources(qcal_shift *s, struct source *src, const size_t *lane_of, size_t ns,
                         size_t total)
{
    if (lane_room(&s->merged, total, BATCH_SLACK) != QEV_OK)
        return QEV_ENOMEM;
    struct lane *m = &s->merged;
    struct source keep[LANES + 1];
    memcpy(keep, src, ns * sizeof *src);
    m->n += merge(keep, ns, m->e + m->head + m->n);
    for (size_t i = 0; i < ns; i++)
        if (lane_of[i] < LANES)
            lane_consume(&s->lane[lane_of[i]], src[i].n);
    return QEV_OK;
}

/* What merged lacks of a whole batch, copied from the one lane that has
 * events ready, so that the next batch can again come straight from it. */
static int top_up(qcal_shift *s, struct lane *l, size_t k, size_t batch)
{
    size_t take = batch - s->merged.n < k ? batch - s->merged.n : k;
    if (lane_room(&s->merged, take, BATCH_SLACK) != QEV_OK)
        return QEV_ENOMEM;
    memcpy(s->merged.e + s->merged.head + s->merged.n, l->e + l->head, take * sizeof *l->e);
    s->merged.n += take;
    lane_consume(l, take);
    return QEV_OK;
}

/* The events before b, in whole batches unless final, in time order: a
 * lane's own prefix, without a copy, when it alone has any and nothing
 * merged waits; else a merge of the lanes and the heap. */
static int release(qcal_shift *s, int64_t b, int final)
{
    size_t batch = final ? 1 : s->batch, waiting = qev_reorder_size(s->heap);
    size_t ns = 0, total = 0, lane_of[LANES + 1];
    struct source src[LANES + 1];
    s->nout = 0;
    if (grow(&s->tmp, &s->tcap, waiting + 1) != QEV_OK)
        return QEV_ENOMEM;
    for (size_t i = 0; i < s->nlanes; i++) {
        struct lane *l = &s->lane[i];
        size_t k = count_before(l->e + l->head, l->n, b);
        if (k) {
            lane_of[ns] = i;
            src[ns++] = (struct source){l->e + l->head, k};
            total += k;
        }
    }
    size_t nh = qev_reorder_pop_before(s->heap, b, s->tmp, waiting);
    if (nh) {
        lane_of[ns] = LANES;
        src[ns++] = (struct source){s->tmp, nh};
        total += nh;
    }
    int one_lane = ns == 1 && lane_of[0] < LANES, rc = QEV_OK;
    if (one_lane && s->merged.n == 0)
        hand_out(s, &s->lane[lane_of[0]], total - total % batch);
    else if (one_lane && s->merged.n < batch)
        rc = top_up(s, &s->lane[lane_of[0]], total, batch);
    else if (ns)
        rc = merge_sources(s, src, lane_of, ns, total);
    if (s->merged.n >= batch)
        hand_out(s, &s->merged, s->merged.n - s->merged.n % batch);
    return rc;
}

/* The corrected copy of in at out; 0 for a masked pixel. Reads only from
 * in, so the copy's stores never wait on its own loads. */
static inline int correct(qcal_shift *s, const qev_event *in, qev_event *out)
{
    uint16_t ch = in->channel;
    uint8_t m = s->mode[ch];
    int64_t t = in->t - s->delay[ch];
    if (__builtin_expect(m != 0, 0)) {
        if ((m & MODE_MASK) && (in->flags & QEV_F_PIXEL) && masked(s, ch, in->aux))
            return 0;
        if (m & MODE_CLOCK)
            t = clock_forward(&s->clocks[s->clock_of[ch] - 1], in->t);
    }
    *out = *in;
    out->t = t;
    out->channel = s->rename[ch];
    return 1;
}

/* An event that went back too far within lane 0: the first other lane it
 * keeps in order, or the heap. */
static int side_lane(qcal_shift *s, const qev_event *e)
{
    for (size_t i = 1; i < LANES; i++) {
        struct lane *l = &s->lane[i];
        if (i < s->nlanes && e->t < l->last)
            continue;
        if (lane_room(l, 1, SIDE_SLACK) != QEV_OK)
            return QEV_ENOMEM;
        l->e[l->head + l->n++] = *e;
        l->last = e->t;
        s->nlanes = i + 1 > s->nlanes ? i + 1 : s->nlanes;
        return QEV_OK;
    }
    return qev_reorder_push(s->heap, e);
}

/* How far back an event may be slid into place within lane 0: a small
 * per-channel shift puts an event only a few places back, and sliding it
 * there costs less than merging a side lane. */
enum { SLIDE_REACH = 32 };

/* An event that goes back within lane 0 slides into place there when it
 * is near. One that went to a side lane had SLIDE_REACH later events of
 * lane 0 ahead of it, which still wait, so a later event that ties with it
 * goes aside too: the merge, which puts lane 0 first on a tie, keeps the
 * order of arrival. */
static int slides(const qev_event *q, size_t qn, int64_t t)
{
    return qn < SLIDE_REACH || q[qn - SLIDE_REACH].t <= t;
}

/* Moves q[qn] back past the events later than it; equal times keep their
 * order. */
static void slide_back(qev_event *q, size_t qn)
{
    qev_event e = q[qn];
    size_t j = qn;
    for (; j > 0 && q[j - 1].t > e.t; j--)
        q[j] = q[j - 1];
    q[j] = e;
}

/* Each event is corrected in lane 0's next slot, which it keeps when it does
 * not go back; copying whole events (never rebuilding one from its fields)
 * keeps the loop at memory speed. */
int qcal_shift_add(qcal_shift *s, const qev_event *ev, size_t n)
{
    struct lane *l0 = &s->lane[0];
    s->nout = 0;
    if (lane_room(l0, n, BATCH_SLACK) != QEV_OK)
        return QEV_ENOMEM;
    qev_event *q = l0->e + l0->head;
    size_t qn = l0->n;
    int64_t last_in = s->last_in, last0 = l0->last;
    int rc = QEV_OK;
    for (size_t i = 0; i < n && rc == QEV_OK; i++) {
        if (ev[i].t < last_in) {
            s->disorder_at = s->seen + i;
            rc = QEV_EINVAL;
            break;
        }
        last_in = ev[i].t;
        qev_event *e = &q[qn];
        if (!correct(s, &ev[i], e)) {
            s->masked++;
        } else if (e->t >= last0) {
            last0 = e->t;
            qn++;
        } else if (slides(q, qn, e->t)) {
            slide_back(q, qn);
            qn++;
        } else {
            rc = side_lane(s, e);
        }
    }
    l0->n = qn;
    l0->last = last0;
    if (rc != QEV_OK)
        return rc;
    s->seen += n;
    s->last_in = last_in;
    return release(s, bound(s), 0);
}

int qcal_shift_finish(qcal_shift *s)
{
    int rc = release(s, INT64_MAX, 1);
    s->last_in = INT64_MIN; /* ready for a stream that starts again */
    for (size_t i = 0; i < LANES; i++)
        s->lane[i].last = INT64_MIN;
    for (size_t i = 0; i < s->nclocks; i++)
        s->clocks[i].cur = 0;
    return rc;
}

int qcal_shift_set_batch(qcal_shift *s, size_t events)
{
    if (events == 0)
        return QEV_EINVAL;
    s->batch = events;
    return QEV_OK;
}

size_t qcal_shift_ready(qcal_shift *s, const qev_event **ev)
{
    *ev = s->ready;
    return s->nout;
}

uint64_t qcal_shift_disorder_at(const qcal_shift *s) { return s->disorder_at; }
uint64_t qcal_shift_masked(const qcal_shift *s) { return s->masked; }
size_t qcal_shift_pending(const qcal_shift *s)
{
    size_t n = qev_reorder_size(s->heap) + s->merged.n;
    for (size_t i = 0; i < s->nlanes; i++)
        n += s->lane[i].n;
    return n;
}
