/* qstat's statistics as mergeable partial results. Inside a shard, relations
 * between consecutive owned events (gaps, steps back, smallest intervals) are
 * counted there; the first and last owned event of every shard, overall and
 * per channel, let the merge count the relations across shard boundaries. */
#include "partial.h"
#include "stats.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int put(qev_partial *p, enum qev_merge_rule rule, const int64_t *v, size_t n,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int put(qev_partial *p, enum qev_merge_rule rule, const int64_t *v, size_t n,
               const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return qev_partial_set(p, name, rule, v, n);
}

static int put_shard(qev_partial *p, const qev_stats *s)
{
    int64_t sh = s->shard, first_back = s->backwards ? (int64_t)s->first_backwards : -1;
    int64_t span[5] = {s->tmin, s->tmax, (int64_t)s->events, s->first, s->prev};
    int64_t gaps[2 * QEV_STATS_GAPS_KEPT], longest[2] = {s->longest.start, s->longest.length};
    size_t kept = s->gaps < QEV_STATS_GAPS_KEPT ? (size_t)s->gaps : QEV_STATS_GAPS_KEPT;
    for (size_t i = 0; i < kept; i++) {
        gaps[2 * i] = s->first_gaps[i].start;
        gaps[2 * i + 1] = s->first_gaps[i].length;
    }
    int rc = put(p, QEV_MERGE_SUM, span, 5, "shard.%" PRId64 ".span", sh);
    if (rc == QEV_OK && kept)
        rc = put(p, QEV_MERGE_SUM, gaps, 2 * kept, "shard.%" PRId64 ".gaps", sh);
    if (rc == QEV_OK)
        rc = put(p, QEV_MERGE_SUM, longest, 2, "shard.%" PRId64 ".longest", sh);
    if (rc == QEV_OK)
        rc = put(p, QEV_MERGE_SUM, &first_back, 1, "shard.%" PRId64 ".first_backwards", sh);
    return rc;
}

static int put_channels(qev_partial *p, const qev_stats *s)
{
    int rc = QEV_OK;
    for (size_t c = 0; rc == QEV_OK && c < 65536; c++) {
        const qev_channel_stats *ch = &s->channel[c];
        if (!ch->events)
            continue;
        int64_t events = (int64_t)ch->events, span[2] = {ch->first, ch->last};
        rc = put(p, QEV_MERGE_SUM, &events, 1, "ch.%zu.events", c);
        if (rc == QEV_OK)
            rc = put(p, QEV_MERGE_MIN, &ch->min_interval, 1, "ch.%zu.min_interval", c);
        if (rc == QEV_OK)
            rc = put(p, QEV_MERGE_SUM, span, 2, "ch.%zu.shard.%" PRId64, c, s->shard);
    }
    return rc;
}

qev_partial *qev_stats_to_partial(const qev_stats *s, int ok, uint64_t segments,
                                  uint64_t trailers, uint64_t blocks)
{
    qev_partial *p = qev_partial_new("qstat");
    int64_t kinds[256];
    for (int k = 0; k < 256; k++)
        kinds[k] = (int64_t)s->kinds[k];
    int good = p && qev_partial_set1(p, "shards", QEV_MERGE_SAME, s->shards) == QEV_OK &&
               qev_partial_set1(p, "gap_threshold_ps", QEV_MERGE_SAME, s->gap_threshold) == QEV_OK &&
               qev_partial_set1(p, "events", QEV_MERGE_SUM, (int64_t)s->events) == QEV_OK &&
               qev_partial_set(p, "kinds", QEV_MERGE_SUM, kinds, 256) == QEV_OK &&
               qev_partial_set1(p, "gaps_inside", QEV_MERGE_SUM, (int64_t)s->gaps) == QEV_OK &&
               qev_partial_set1(p, "backwards_inside", QEV_MERGE_SUM, (int64_t)s->backwards) == QEV_OK &&
               qev_partial_set1(p, "damaged", QEV_MERGE_SUM, !ok) == QEV_OK &&
               qev_partial_set1(p, "segments", QEV_MERGE_SUM, (int64_t)segments) == QEV_OK &&
               qev_partial_set1(p, "trailers", QEV_MERGE_SUM, (int64_t)trailers) == QEV_OK &&
               qev_partial_set1(p, "blocks", QEV_MERGE_SUM, (int64_t)blocks) == QEV_OK;
    if (good && s->events)
        good = put_shard(p, s) == QEV_OK && put_channels(p, s) == QEV_OK;
    if (!good) {
        qev_partial_free(p);
        return NULL;
    }
    return p;
}

/* ---- back from a partial ---- */

/* An entry of exactly n values, or NULL. */
static const int64_t *get_n(const qev_partial *p, const char *name, size_t n)
{
    size_t have;
    const int64_t *v = qev_partial_get(p, name, &have);
    return v && have == n ? v : NULL;
}

struct rebuild {
    qev_stats *s;
    uint64_t boundary_gaps, boundary_back, before;
    int have_first_back;
};

/* Lists a gap in time order; the list index counts the gaps met so far. */
static void list_gap(qev_stats *s, uint64_t *listed, int64_t start, int64_t length)
{
    if (*listed < QEV_STATS_GAPS_KEPT)
        s->first_gaps[*listed] = (qev_gap){start, length};
    (*listed)++;
    if (length > s->longest.length)
        s->longest = (qev_gap){start, length};
}

static void first_back(struct rebuild *b, uint64_t index)
{
    if (!b->have_first_back) {
        b->s->first_backwards = index;
        b->have_first_back = 1;
    }
}

/* The step from the previous shard's last event to this shard's first. */
static void cross_boundary(struct rebuild *b, uint64_t *listed, int64_t prev_last, int64_t first)
{
    if (first < prev_last) {
        b->boundary_back++;
        first_back(b, b->before);
    } else if (first - prev_last > b->s->gap_threshold) {
        b->boundary_gaps++;
        list_gap(b->s, listed, prev_last, first - prev_last);
    }
}

static void inside_shard(struct rebuild *b, uint64_t *listed, const qev_partial *p, int64_t sh)
{
    char name[64];
    size_t n;
    snprintf(name, sizeof name, "shard.%" PRId64 ".gaps", sh);
    const int64_t *g = qev_partial_get(p, name, &n);
    for (size_t i = 0; g && i + 1 < n; i += 2)
        list_gap(b->s, listed, g[i], g[i + 1]);
    snprintf(name, sizeof name, "shard.%" PRId64 ".longest", sh);
    const int64_t *l = get_n(p, name, 2);
    if (l && l[1] > b->s->longest.length)
        b->s->longest = (qev_gap){l[0], l[1]};
    snprintf(name, sizeof name, "shard.%" PRId64 ".first_backwards", sh);
    int64_t fb = qev_partial_get1(p, name, -1);
    if (fb >= 0)
        first_back(b, b->before + (uint64_t)fb);
}

/* span of a shard: tmin, tmax, events, first and last event. Gaps and steps
 * back, shard by shard in time order, each boundary before
 * its shard's own. A shard lists at most the first few of its gaps, so the
 * running list index can only fall behind the true one once the list is full. */
static void order_facts(qev_stats *s, const qev_partial *p)
{
    struct rebuild b = {s, 0, 0, 0, 0};
    uint64_t listed = 0;
    int64_t prev_last = INT64_MIN;
    int any = 0;
    for (int64_t sh = 0; sh < s->shards; sh++) {
        char name[64];
        snprintf(name, sizeof name, "shard.%" PRId64 ".span", sh);
        const int64_t *span = get_n(p, name, 5);
        if (!span)
            continue;
        if (any)
            cross_boundary(&b, &listed, prev_last, span[3]);
        inside_shard(&b, &listed, p, sh);
        prev_last = span[4];
        b.before += (uint64_t)span[2];
        any = 1;
    }
    s->gaps = b.boundary_gaps + (uint64_t)qev_partial_get1(p, "gaps_inside", 0);
    s->backwards = b.boundary_back + (uint64_t)qev_partial_get1(p, "backwards_inside", 0);
}

/* One channel: its counts, and its smallest interval including the steps
 * from one shard's last event of the channel to the next shard's first. */
static void channel_row(const qev_partial *p, unsigned c, int64_t shards, qev_channel_row *row)
{
    char name[64];
    snprintf(name, sizeof name, "ch.%u.events", c);
    row->channel = (uint16_t)c;
    row->s.events = (uint64_t)qev_partial_get1(p, name, 0);
    snprintf(name, sizeof name, "ch.%u.min_interval", c);
    row->s.min_interval = qev_partial_get1(p, name, INT64_MAX);
    row->s.first = INT64_MAX;
    row->s.last = INT64_MIN;
    for (int64_t sh = 0; sh < shards; sh++) {
        snprintf(name, sizeof name, "ch.%u.shard.%" PRId64, c, sh);
        const int64_t *span = get_n(p, name, 2);
        if (!span)
            continue;
        if (row->s.last != INT64_MIN && span[0] >= row->s.last &&
            span[0] - row->s.last < row->s.min_interval)
            row->s.min_interval = span[0] - row->s.last;
        row->s.first = row->s.first == INT64_MAX ? span[0] : row->s.first;
        row->s.last = span[1];
    }
}

/* Marks the channels that have an events count; returns how many. */
static size_t mark_channels(const qev_partial *p, uint8_t *seen)
{
    size_t n = 0;
    for (size_t i = 0; i < qev_partial_count(p); i++) {
        unsigned c;
        char tail[16];
        if (sscanf(qev_partial_name(p, i), "ch.%u.%15s", &c, tail) == 2 && c < 65536 &&
            strcmp(tail, "events") == 0 && !seen[c]) {
            seen[c] = 1;
            n++;
        }
    }
    return n;
}

static int channel_rows(const qev_partial *p, int64_t shards, qev_channel_row **rows, size_t *n)
{
    uint8_t *seen = calloc(65536, 1); /* 64 KiB: too much for a small thread's stack */
    *n = seen ? mark_channels(p, seen) : 0;
    *rows = seen ? malloc((*n ? *n : 1) * sizeof **rows) : NULL;
    if (*rows) {
        size_t k = 0;
        for (unsigned c = 0; c < 65536; c++)
            if (seen[c])
                channel_row(p, c, shards, &(*rows)[k++]);
    }
    free(seen);
    return *rows ? QEV_OK : QEV_ENOMEM;
}

int qev_stats_from_partial(const qev_partial *p, qev_stats *s, qev_channel_row **rows,
                           size_t *nrows, int *ok, uint64_t *segments, uint64_t *trailers,
                           uint64_t *blocks, char *why, size_t cap)
{
    static const char *const need[] = {"shards", "gap_threshold_ps", "events", "kinds"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (strcmp(qev_partial_kind(p), "qstat") != 0 || !qev_partial_get(p, need[i], NULL)) {
            snprintf(why, cap, "not a qstat partial result (no %s)", need[i]);
            return QEV_EFORMAT;
        }
    memset(s, 0, sizeof *s);
    s->shards = qev_partial_get1(p, "shards", 1);
    if (s->shards < 1 || s->shards > 1000000) {
        snprintf(why, cap, "a qstat partial of %" PRId64 " shards", s->shards);
        return QEV_EFORMAT;
    }
    s->gap_threshold = qev_partial_get1(p, "gap_threshold_ps", 0);
    s->events = (uint64_t)qev_partial_get1(p, "events", 0);
    size_t nk;
    const int64_t *kinds = qev_partial_get(p, "kinds", &nk);
    for (size_t k = 0; k < nk && k < 256; k++)
        s->kinds[k] = (uint64_t)kinds[k];
    s->tmin = INT64_MAX;
    s->tmax = INT64_MIN;
    for (int64_t sh = 0; sh < s->shards; sh++) {
        char name[64];
        snprintf(name, sizeof name, "shard.%" PRId64 ".span", sh);
        const int64_t *span = get_n(p, name, 5);
        if (span) {
            s->tmin = span[0] < s->tmin ? span[0] : s->tmin;
            s->tmax = span[1] > s->tmax ? span[1] : s->tmax;
        }
    }
    order_facts(s, p);
    *ok = qev_partial_get1(p, "damaged", 0) == 0;
    *segments = (uint64_t)qev_partial_get1(p, "segments", 0);
    *trailers = (uint64_t)qev_partial_get1(p, "trailers", 0);
    *blocks = (uint64_t)qev_partial_get1(p, "blocks", 0);
    return channel_rows(p, s->shards, rows, nrows);
}
