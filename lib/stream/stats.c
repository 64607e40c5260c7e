/* Stream statistics and rate time series. */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

int qev_stats_init(qev_stats *s, int64_t gap_threshold)
{
    memset(s, 0, sizeof *s);
    s->channel = calloc(65536, sizeof *s->channel);
    if (!s->channel)
        return QEV_ENOMEM;
    s->tmin = INT64_MAX;
    s->tmax = INT64_MIN;
    s->gap_threshold = gap_threshold;
    qev_stats_own(s, INT64_MIN, INT64_MAX, 0, 1);
    return QEV_OK;
}

void qev_stats_own(qev_stats *s, int64_t from, int64_t to, int64_t shard, int64_t shards)
{
    s->own_from = from;
    s->own_to = to;
    s->shard = shard;
    s->shards = shards;
}

void qev_stats_free(qev_stats *s)
{
    free(s->channel);
    s->channel = NULL;
}

void qev_stats_segment(qev_stats *s)
{
    s->in_order_state = 0;
    for (size_t c = 0; c < 65536; c++)
        s->channel[c].last = INT64_MIN;
}

int64_t qev_stats_span(const qev_stats *s)
{
    return s->events > 1 ? s->tmax - s->tmin : 0;
}

static void note_gap(qev_stats *s, int64_t start, int64_t length)
{
    if (s->gaps < QEV_STATS_GAPS_KEPT)
        s->first_gaps[s->gaps] = (qev_gap){start, length};
    s->gaps++;
    if (length > s->longest.length)
        s->longest = (qev_gap){start, length};
}

static void note_order(qev_stats *s, int64_t t)
{
    if (s->in_order_state) {
        if (t < s->prev) {
            if (s->backwards++ == 0)
                s->first_backwards = s->events;
        } else if (t - s->prev > s->gap_threshold) {
            note_gap(s, s->prev, t - s->prev);
        }
    }
    s->in_order_state = 1;
    s->prev = t;
}

static void note_channel(qev_channel_stats *c, int64_t t)
{
    if (c->events == 0) {
        c->first = t;
        c->min_interval = INT64_MAX;
    } else if (c->last != INT64_MIN && t >= c->last && t - c->last < c->min_interval) {
        c->min_interval = t - c->last;
    }
    c->events++;
    c->last = t;
}

void qev_stats_add(qev_stats *s, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = ev[i].t;
        if (t < s->own_from || t >= s->own_to)
            continue;
        if (s->events == 0)
            s->first = t;
        note_order(s, t);
        note_channel(&s->channel[ev[i].channel], t);
        s->kinds[ev[i].kind]++;
        if (t < s->tmin)
            s->tmin = t;
        if (t > s->tmax)
            s->tmax = t;
        s->events++;
    }
}

int qev_stats_rows(const qev_stats *s, qev_channel_row **rows, size_t *n)
{
    size_t count = 0;
    for (size_t c = 0; c < 65536; c++)
        count += s->channel[c].events != 0;
    *rows = malloc((count ? count : 1) * sizeof **rows);
    if (!*rows)
        return QEV_ENOMEM;
    *n = 0;
    for (size_t c = 0; c < 65536; c++)
        if (s->channel[c].events)
            (*rows)[(*n)++] = (qev_channel_row){(uint16_t)c, s->channel[c]};
    return QEV_OK;
}

/* ---- rate time series ---- */

struct qev_series {
    int64_t width, start, last;
    int started;
    uint16_t channels[65536];
    uint64_t counts[65536], row[65536];
    uint8_t seen[65536];
    size_t nchannels;
    qev_series_emit emit;
    void *ctx;
};

qev_series *qev_series_new(int64_t width, qev_series_emit emit, void *ctx)
{
    if (width <= 0)
        return NULL;
    qev_series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->width = width;
    s->emit = emit;
    s->ctx = ctx;
    return s;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* Keeps the list of channels seen sorted, so rows come out in channel order. */
static void add_channel(qev_series *s, uint16_t ch)
{
    size_t i = s->nchannels;
    while (i > 0 && s->channels[i - 1] > ch) {
        s->channels[i] = s->channels[i - 1];
        i--;
    }
    s->channels[i] = ch;
    s->nchannels++;
    s->seen[ch] = 1;
}

static void close_interval(qev_series *s)
{
    for (size_t i = 0; i < s->nchannels; i++) {
        s->row[i] = s->counts[s->channels[i]];
        s->counts[s->channels[i]] = 0;
    }
    s->emit(s->ctx, s->start, s->start + s->width, s->channels, s->row, s->nchannels);
    s->start += s->width;
}

int qev_series_add(qev_series *s, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = ev[i].t;
        if (!s->started) {
            s->start = floor_div(t, s->width) * s->width;
            s->started = 1;
        }
        if (t < s->start)
            return QEV_EINVAL;
        while (t >= s->start + s->width)
            close_interval(s);
        if (!s->seen[ev[i].channel])
            add_channel(s, ev[i].channel);
        s->counts[ev[i].channel]++;
        s->last = t;
    }
    return QEV_OK;
}

/* The last interval ends after the last event, so its rate is not diluted by
 * time the stream did not cover. */
void qev_series_finish(qev_series *s)
{
    if (!s->started)
        return;
    if (s->last + 1 < s->start + s->width)
        s->width = s->last + 1 - s->start;
    close_interval(s);
}

void qev_series_free(qev_series *s) { free(s); }

static int read_failure_class(int read_status)
{
    switch (read_status) {
    case QEV_END:
        return 0;
    case QEV_ETRUNC:
        return QEV_CHECK_TRUNCATED;
    case QEV_ECORRUPT:
        return QEV_CHECK_DAMAGED;
    case QEV_EFORMAT:
    case QEV_EVERSION:
        return QEV_CHECK_BAD_HEADER;
    default:
        return QEV_CHECK_UNREADABLE;
    }
}

int qev_check_failures(int read_status, const qev_stats *s)
{
    return read_failure_class(read_status) | (s->backwards ? QEV_CHECK_OUT_OF_ORDER : 0);
}
