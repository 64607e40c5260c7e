/* Coincidence groups: events within a window of each other, after per-channel
 * delays. A group starts at the earliest event not yet used and takes every
 * later event whose corrected time is at most window/2 after it (both ends
 * inclusive: 2 (t - t_first) <= window). It is kept when it spans at least
 * min_fold channels; otherwise only its first event is dropped and the search
 * goes on from the next. Each event is used at most once. */
#ifndef QEV_COINC_H
#define QEV_COINC_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

enum qev_group_time { QEV_GROUP_FIRST, QEV_GROUP_LAST, QEV_GROUP_MEAN };

typedef struct qev_coinc_opts {
    int64_t window;              /* full width, ps */
    unsigned min_fold;           /* channels a group must span, >= 2 */
    const int64_t *delay;        /* 65536 entries: t' = t - delay[channel] */
    const uint8_t *takes_part;   /* 65536 entries: 1 for channels that take part */
    int photons_only;            /* other kinds (sync, markers) do not take part */
    int collapse;                /* one event per group instead of its photons */
    enum qev_group_time group_time;
    uint16_t collapse_channel;
} qev_coinc_opts;

typedef struct qev_coinc_counts {
    uint64_t in, ignored;        /* events read; events of channels not taking part */
    uint64_t grouped, dropped;   /* events in kept groups; events in no kept group */
    uint64_t groups, by_fold[9]; /* kept groups, by fold (8 = 8 or more) */
} qev_coinc_counts;

typedef struct qev_coinc qev_coinc;
/* Receives events in time order. */
typedef int (*qev_coinc_emit)(void *ctx, const qev_event *ev, size_t n);

/* The delays of a search for accidentals only: each channel that takes part,
 * but the herald (the lowest), also counts as `delayed` ps later, which moves
 * its true partners out of the window. out[ch] = delay[ch], less delayed for
 * those channels; both hold 65536 entries. */
void qev_coinc_delay_partners(const int64_t *delay, const uint8_t *takes_part, int64_t delayed,
                              int64_t *out);

qev_coinc *qev_coinc_new(const qev_coinc_opts *o);
void qev_coinc_free(qev_coinc *c);
/* Input must be in time order: QEV_EINVAL at the first event that goes back.
 * sorted: the caller knows ev itself is in order (qev_read_sorted), so only
 * its first event is checked against the events before. */
int qev_coinc_add(qev_coinc *c, const qev_event *ev, size_t n, int sorted, qev_coinc_emit emit,
                  void *ctx);
int qev_coinc_finish(qev_coinc *c, qev_coinc_emit emit, void *ctx);
qev_coinc_counts qev_coinc_get_counts(const qev_coinc *c);
uint64_t qev_coinc_disorder_at(const qev_coinc *c);

#endif
