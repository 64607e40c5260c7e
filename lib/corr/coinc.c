/* Coincidence groups over delay-corrected events (see coinc.h for the rule). */
#include "coinc.h"
#include "internal.h"
#include "reorder.h"

#include <stdlib.h>
#include <string.h>

#define OUT_CHUNK 4096

struct qev_coinc {
    qev_coinc_opts o;
    int64_t max_delay, last_t;
    int one_delay; /* every channel taking part has the same delay: order kept */
    int64_t tail_t;  /* the last pending event's time, and whether the one */
    int tail_alone;  /* before it lies beyond half the window */
    qev_reorder *order;
    qev_event *pending; /* corrected, in time order; [head, len) waits for its window */
    size_t head, len, cap;
    qev_event out[OUT_CHUNK];
    size_t nout;
    qev_coinc_counts counts;
    uint64_t disorder_at;
};

void qev_coinc_delay_partners(const int64_t *delay, const uint8_t *takes_part, int64_t delayed,
                              int64_t *out)
{
    int herald = -1;
    for (size_t ch = 0; ch < 65536; ch++) {
        out[ch] = delay[ch];
        if (!takes_part[ch])
            continue;
        if (herald < 0)
            herald = (int)ch;
        else
            out[ch] -= delayed; /* t - (d - D) = t - d + D: later by D */
    }
}

qev_coinc *qev_coinc_new(const qev_coinc_opts *o)
{
    if (o->window < 0 || o->min_fold < 1)
        return NULL;
    qev_coinc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *o;
    c->max_delay = INT64_MIN;
    int64_t min_delay = INT64_MAX;
    for (size_t ch = 0; ch < 65536; ch++) {
        if (!o->takes_part[ch])
            continue;
        c->max_delay = o->delay[ch] > c->max_delay ? o->delay[ch] : c->max_delay;
        min_delay = o->delay[ch] < min_delay ? o->delay[ch] : min_delay;
    }
    c->one_delay = min_delay == c->max_delay;
    c->last_t = INT64_MIN;
    c->tail_t = INT64_MIN;
    c->tail_alone = 1;
    c->order = qev_reorder_new();
    if (!c->order) {
        free(c);
        return NULL;
    }
    return c;
}

void qev_coinc_free(qev_coinc *c)
{
    if (!c)
        return;
    qev_reorder_free(c->order);
    free(c->pending);
    free(c);
}

static int flush_out(qev_coinc *c, qev_coinc_emit emit, void *ctx)
{
    int rc = c->nout ? emit(ctx, c->out, c->nout) : QEV_OK;
    c->nout = 0;
    return rc;
}

static int put_out(qev_coinc *c, const qev_event *e, qev_coinc_emit emit, void *ctx)
{
    if (c->nout == OUT_CHUNK && flush_out(c, emit, ctx) != QEV_OK)
        return QEV_EIO;
    c->out[c->nout++] = *e;
    return QEV_OK;
}

static unsigned distinct_channels(const qev_event *ev, size_t m)
{
    unsigned fold = 0;
    for (size_t i = 0; i < m; i++) {
        size_t j = 0;
        while (j < i && ev[j].channel != ev[i].channel)
            j++;
        fold += j == i;
    }
    return fold;
}

static int64_t group_time(const qev_coinc *c, const qev_event *ev, size_t m)
{
    if (c->o.group_time == QEV_GROUP_FIRST)
        return ev[0].t;
    if (c->o.group_time == QEV_GROUP_LAST)
        return ev[m - 1].t;
    __int128 sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += ev[i].t;
    __int128 q = sum / (__int128)m;
    return (int64_t)(q * (__int128)m > sum ? q - 1 : q); /* the floor, for any sign */
}

static int emit_group(qev_coinc *c, const qev_event *ev, size_t m, unsigned fold,
                      qev_coinc_emit emit, void *ctx)
{
    c->counts.groups++;
    c->counts.by_fold[fold < 8 ? fold : 8]++;
    c->counts.grouped += m;
    if (c->o.collapse) {
        qev_event e = {group_time(c, ev, m), c->o.collapse_channel, QEV_PHOTON, QEV_F_VALUE, fold};
        return put_out(c, &e, emit, ctx);
    }
    for (size_t i = 0; i < m; i++) {
        qev_event e = ev[i];
        e.flags = (uint8_t)((e.flags & ~QEV_F_GROUP) | (i == 0 ? QEV_F_GROUP : 0));
        if (put_out(c, &e, emit, ctx) != QEV_OK)
            return QEV_EIO;
    }
    return QEV_OK;
}

/* The end of the pending events whose windows have closed: every event that
 * could still join them has time >= bound. */
static size_t closed_end(const qev_coinc *c, int64_t bound)
{
    size_t end = c->len;
    if (bound == INT64_MAX)
        return end;
    while (end > c->head && 2 * (bound - c->pending[end - 1].t) <= c->o.window)
        end--;
    return end;
}

/* Drops, from head on, the events whose successor lies beyond half the window:
 * such a group spans one channel. A tight loop, because at common rates and
 * windows nearly every event is one of these. */
static void drop_lone(qev_coinc *c, size_t end)
{
    const qev_event *p = c->pending;
    size_t h = c->head, last = c->len - 1;
    if (c->o.min_fold < 2)
        return;
    while (h < end && (h == last || 2 * (p[h + 1].t - p[h].t) > c->o.window))
        h++;
    c->counts.dropped += h - c->head;
    c->head = h;
}

static int form_groups(qev_coinc *c, int64_t bound, qev_coinc_emit emit, void *ctx)
{
    size_t end = closed_end(c, bound);
    for (drop_lone(c, end); c->head < end; drop_lone(c, end)) {
        const qev_event *g = &c->pending[c->head];
        size_t m = 1;
        while (c->head + m < c->len && 2 * (g[m].t - g[0].t) <= c->o.window)
            m++;
        unsigned fold = distinct_channels(g, m);
        if (fold >= c->o.min_fold) {
            if (emit_group(c, g, m, fold, emit, ctx) != QEV_OK)
                return QEV_EIO;
            c->head += m;
        } else {
            c->counts.dropped++;
            c->head++;
        }
    }
    return QEV_OK;
}

/* Room for need more pending events, dropping the used ones first. */
static int pending_room(qev_coinc *c, size_t need)
{
    if (c->head) {
        memmove(c->pending, c->pending + c->head, (c->len - c->head) * sizeof *c->pending);
        c->len -= c->head;
        c->head = 0;
    }
    qev_event *p = qev_grow(c->pending, &c->cap, c->len + need, sizeof *p, 4096);
    if (!p)
        return QEV_ENOMEM;
    c->pending = p;
    return QEV_OK;
}

/* Moves the re-ordered events earlier than bound to the pending list. */
static int move_ready(qev_coinc *c, int64_t bound)
{
    for (;;) {
        if (pending_room(c, 1024) != QEV_OK)
            return QEV_ENOMEM;
        size_t got = qev_reorder_pop_before(c->order, bound, c->pending + c->len, c->cap - c->len);
        c->len += got;
        if (got == 0)
            return QEV_OK;
    }
}

static int takes_part(const qev_coinc *c, const qev_event *e)
{
    return c->o.takes_part[e->channel] && (!c->o.photons_only || e->kind == QEV_PHOTON);
}

/* From ev[i] on, the events that take part and each lie beyond half the
 * window from the one before (from prev_t, uncorrected, for the first): each
 * pushes out the one before it. Returns where the run ends. A plain loop,
 * because at common rates and windows nearly every event is in such a run. */
static size_t lone_run(const qev_coinc *c, const qev_event *ev, size_t i, size_t n,
                       int64_t prev_t, uint64_t half)
{
    while (i < n && takes_part(c, &ev[i]) && (uint64_t)ev[i].t - (uint64_t)prev_t > half)
        prev_t = ev[i++].t;
    return i;
}

/* One delay for all: the corrected events stay in order and go straight to
 * the pending list. The last pending event gives way when it lies beyond half
 * the window from both neighbours: it could only be dropped, and leaving it
 * out changes no group, so lone events never pile up. Locals keep the loop's
 * state out of memory, where the stores to the list would alias it. */
static void take_in_order(qev_coinc *c, const qev_event *ev, size_t n)
{
    uint64_t half = (uint64_t)(c->o.window / 2);
    int64_t tail_t = c->tail_t;
    int tail_alone = c->tail_alone, may_drop = c->o.min_fold > 1;
    /* the last pending event may give way only if it is not used up yet; a
     * flag, not a comparison with len, keeps len's chain one addition long */
    int tail_open = c->len > c->head;
    size_t len = c->len, ignored = 0, dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (tail_open & tail_alone & may_drop) {
            size_t end = lone_run(c, ev, i, n, tail_t + c->max_delay, half);
            if (end > i) {
                dropped += end - i;
                i = end - 1;
                c->pending[len - 1] = ev[i];
                c->pending[len - 1].t = tail_t = ev[i].t - c->max_delay;
                continue;
            }
        }
        if (!takes_part(c, &ev[i])) {
            ignored++;
            continue;
        }
        int64_t t = ev[i].t - c->max_delay;
        int far = (uint64_t)t - (uint64_t)tail_t > half; /* t >= tail_t: a distance */
        size_t drop = (size_t)(tail_open & tail_alone & far & may_drop);
        size_t at = len - drop;
        dropped += drop;
        tail_open = 1;
        c->pending[at] = ev[i]; /* built in place: a copy on the stack stalls the store */
        c->pending[at].t = t;
        tail_t = t;
        tail_alone = far;
        len = at + 1;
    }
    c->tail_t = tail_t;
    c->tail_alone = tail_alone;
    c->len = len;
    c->counts.ignored += ignored;
    c->counts.dropped += dropped;
}

/* Events of channels taking part, corrected for their delays, into the
 * re-ordering heap. */
static int take_reordered(qev_coinc *c, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!takes_part(c, &ev[i])) {
            c->counts.ignored++;
            continue;
        }
        qev_event e = ev[i];
        e.t -= c->o.delay[e.channel];
        if (qev_reorder_push(c->order, &e) != QEV_OK)
            return QEV_ENOMEM;
    }
    return QEV_OK;
}

/* How many events from the start keep time order after last. A block in
 * order by its coding (sorted) can go back only at its first event. */
static size_t first_disorder(const qev_event *ev, size_t n, int64_t last, int sorted)
{
    if (sorted)
        return n && ev[0].t < last ? 0 : n;
    size_t i = 0;
    for (; i < n && ev[i].t >= last; i++)
        last = ev[i].t;
    return i;
}

static int take_block(qev_coinc *c, const qev_event *ev, size_t n, int sorted)
{
    size_t ordered = first_disorder(ev, n, c->last_t, sorted);
    if (ordered < n) {
        c->disorder_at = c->counts.in + ordered;
        return QEV_EINVAL;
    }
    if (n)
        c->last_t = ev[n - 1].t;
    if (c->one_delay) {
        if (pending_room(c, n) != QEV_OK)
            return QEV_ENOMEM;
        take_in_order(c, ev, n);
    } else if (take_reordered(c, ev, n) != QEV_OK) {
        return QEV_ENOMEM;
    }
    c->counts.in += n;
    return QEV_OK;
}

int qev_coinc_add(qev_coinc *c, const qev_event *ev, size_t n, int sorted, qev_coinc_emit emit,
                  void *ctx)
{
    int rc = take_block(c, ev, n, sorted);
    if (rc != QEV_OK)
        return rc;
    if (n == 0)
        return QEV_OK;
    int64_t bound = c->last_t - c->max_delay; /* no later input is corrected below this */
    if (!c->one_delay && move_ready(c, bound) != QEV_OK)
        return QEV_ENOMEM;
    return form_groups(c, bound, emit, ctx);
}

int qev_coinc_finish(qev_coinc *c, qev_coinc_emit emit, void *ctx)
{
    if (move_ready(c, INT64_MAX) != QEV_OK)
        return QEV_ENOMEM;
    if (form_groups(c, INT64_MAX, emit, ctx) != QEV_OK)
        return QEV_EIO;
    return flush_out(c, emit, ctx);
}

qev_coinc_counts qev_coinc_get_counts(const qev_coinc *c) { return c->counts; }
uint64_t qev_coinc_disorder_at(const qev_coinc *c) { return c->disorder_at; }
