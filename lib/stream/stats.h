/* Stream statistics: counts and rates per channel, time range, the smallest
 * interval per channel, gaps and timestamps that go backwards. */
#ifndef QEV_STATS_H
#define QEV_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

#define QEV_STATS_GAPS_KEPT 10

typedef struct qev_channel_stats {
    uint64_t events;
    int64_t first, last, min_interval; /* min_interval: INT64_MAX until two events */
} qev_channel_stats;

typedef struct qev_gap {
    int64_t start, length;
} qev_gap;

typedef struct qev_stats {
    qev_channel_stats *channel; /* 65536 entries */
    uint64_t events, kinds[256];
    int64_t tmin, tmax;
    int64_t gap_threshold;
    uint64_t gaps;
    qev_gap longest, first_gaps[QEV_STATS_GAPS_KEPT];
    uint64_t backwards, first_backwards; /* index of the first event that went back */
    int64_t prev, first; /* the last and the first event counted */
    int in_order_state; /* 0 until the first event of a segment */
    /* Sharding: only events in [own_from, own_to) count, and relations
     * between two of them; shard (from 0) of shards places the facts that
     * cross shard boundaries when results merge. */
    int64_t own_from, own_to;
    int64_t shard, shards;
} qev_stats;

int qev_stats_init(qev_stats *s, int64_t gap_threshold);
void qev_stats_free(qev_stats *s);
/* A new segment restarts the order checks: segments may restart their time. */
void qev_stats_segment(qev_stats *s);
void qev_stats_add(qev_stats *s, const qev_event *ev, size_t n);
/* Time range in ps; 0 without two events. */
int64_t qev_stats_span(const qev_stats *s);

/* Counts only the events a shard owns (defaults: all; shard 0 of 1). */
void qev_stats_own(qev_stats *s, int64_t from, int64_t to, int64_t shard, int64_t shards);

/* The channels that saw events, in channel order, as one array to keep after
 * qev_stats_free. */
typedef struct qev_channel_row {
    uint16_t channel;
    qev_channel_stats s;
} qev_channel_row;
int qev_stats_rows(const qev_stats *s, qev_channel_row **rows, size_t *n);

/* The statistics as a mergeable partial result (lib/stream/partial.h), and back:
 * shards of one stream merge to the statistics of the whole, exactly. ok is
 * 1 for an input read whole; segments, trailers and blocks come from the
 * reader. */
struct qev_partial;
struct qev_partial *qev_stats_to_partial(const qev_stats *s, int ok, uint64_t segments,
                                         uint64_t trailers, uint64_t blocks);
/* Rebuilds the statistics (s->channel unused: rows hold the channels). */
int qev_stats_from_partial(const struct qev_partial *p, qev_stats *s, qev_channel_row **rows,
                           size_t *nrows, int *ok, uint64_t *segments, uint64_t *trailers,
                           uint64_t *blocks, char *why, size_t cap);

/* Quickcheck: one bit per class of failure, so that a script can tell a cut
 * copy from a damaged or disordered one. read_status is the reader's final
 * status (QEV_END for an input read whole). */
enum qev_check_failure {
    QEV_CHECK_TRUNCATED = 4,    /* the input ends before its trailer */
    QEV_CHECK_DAMAGED = 8,      /* a checksum or the content does not match */
    QEV_CHECK_OUT_OF_ORDER = 16, /* timestamps go backwards within a segment */
    QEV_CHECK_BAD_HEADER = 32,  /* not a QEV stream, a malformed frame or an unknown version */
    QEV_CHECK_UNREADABLE = 64,  /* missing, unreadable, or out of memory */
};
int qev_check_failures(int read_status, const qev_stats *s);

/* Rates per channel in successive intervals [k*width, (k+1)*width). */
typedef struct qev_series qev_series;
typedef void (*qev_series_emit)(void *ctx, int64_t start, int64_t end, const uint16_t *channels,
                                const uint64_t *counts, size_t nchannels);
qev_series *qev_series_new(int64_t width, qev_series_emit emit, void *ctx);
/* QEV_EINVAL when an event lies before the current interval. */
int qev_series_add(qev_series *s, const qev_event *ev, size_t n);
void qev_series_finish(qev_series *s);
void qev_series_free(qev_series *s);

#endif
