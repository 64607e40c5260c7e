/* A time series of correlations, one owning correlator per interval. */
#include "series.h"

#include <stdlib.h>

struct qev_corr_series {
    const qev_corr_pair *pairs;
    size_t npairs;
    int64_t half, every, start;
    qev_correlator *cur, *next; /* next: the following interval, once an event reaches it */
    int started;
    uint64_t disorder_at;
};

qev_corr_series *qev_corr_series_new(const qev_corr_pair *pairs, size_t npairs,
                                     int64_t half_bins, int64_t every)
{
    if (every <= half_bins + 1)
        return NULL;
    qev_corr_series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    *s = (qev_corr_series){.pairs = pairs, .npairs = npairs, .half = half_bins, .every = every};
    return s;
}

static qev_correlator *interval_correlator(const qev_corr_series *s, int64_t from)
{
    return qev_correlator_new(s->pairs, s->npairs, 1, s->half, QEV_CORR_ALL, from,
                              from + s->every);
}

static int feed(qev_corr_series *s, qev_correlator *c, const qev_event *ev, size_t n)
{
    if (n && qev_correlator_add(c, ev, n) != QEV_OK) {
        s->disorder_at = qev_correlator_disorder_at(c);
        return QEV_EINVAL;
    }
    return QEV_OK;
}

/* Hands out the current interval, ending at end, and moves on to the next. */
static int next_interval(qev_corr_series *s, int64_t end, qev_corr_interval_fn fn, void *ctx)
{
    int rc = fn(ctx, s->cur, s->start, end);
    qev_correlator_free(s->cur);
    s->start += s->every;
    s->cur = s->next ? s->next : interval_correlator(s, s->start);
    s->next = NULL;
    return rc != QEV_OK ? rc : s->cur ? QEV_OK : QEV_ENOMEM;
}

/* The first interval is the multiple of `every` at or before t. */
static int start_at(qev_corr_series *s, int64_t t)
{
    s->start = t - (t % s->every + s->every) % s->every;
    s->cur = interval_correlator(s, s->start);
    s->started = 1;
    return s->cur ? QEV_OK : QEV_ENOMEM;
}

int qev_corr_series_add(qev_corr_series *s, const qev_event *ev, size_t n,
                        qev_corr_interval_fn fn, void *ctx)
{
    int64_t reach = s->half + 1;
    size_t i = 0;
    int rc = QEV_OK;
    while (rc == QEV_OK && i < n) {
        if (!s->started && (rc = start_at(s, ev[i].t)) != QEV_OK)
            break;
        int64_t end = s->start + s->every;
        size_t inside = i, near;
        while (inside < n && ev[inside].t < end)
            inside++;
        near = inside;
        while (near < n && ev[near].t < end + reach)
            near++;
        rc = feed(s, s->cur, ev + i, near - i);
        if (rc == QEV_OK && near > inside && !s->next && !(s->next = interval_correlator(s, end)))
            rc = QEV_ENOMEM;
        if (rc == QEV_OK && s->next)
            rc = feed(s, s->next, ev + inside, near - inside);
        i = near;
        if (rc == QEV_OK && i < n)
            rc = next_interval(s, end, fn, ctx);
    }
    return rc;
}

static int64_t after_last_owned(const qev_correlator *c, int64_t start, int64_t end)
{
    int64_t first, last;
    qev_correlator_span(c, &first, &last);
    return last >= start && last + 1 < end ? last + 1 : end;
}

int qev_corr_series_finish(qev_corr_series *s, qev_corr_interval_fn fn, void *ctx)
{
    if (!s->started)
        return QEV_OK;
    int64_t end = s->start + s->every;
    int rc;
    if (!s->next) {
        rc = next_interval(s, after_last_owned(s->cur, s->start, end), fn, ctx);
    } else {
        rc = next_interval(s, end, fn, ctx);
        if (rc == QEV_OK) {
            int64_t first, last;
            qev_correlator_span(s->cur, &first, &last);
            rc = next_interval(s, last >= s->start ? last + 1 : s->start, fn, ctx);
        }
    }
    qev_correlator_free(s->cur);
    s->cur = NULL;
    return rc;
}

uint64_t qev_corr_series_disorder_at(const qev_corr_series *s) { return s->disorder_at; }

void qev_corr_series_free(qev_corr_series *s)
{
    if (!s)
        return;
    qev_correlator_free(s->cur);
    qev_correlator_free(s->next);
    free(s);
}
