/* A time series of correlations: one 1 ps histogram per interval of a fixed
 * length, aligned to multiples of it. Each interval's correlator owns only
 * its interval but also sees the events up to its reach past the end, so a
 * pair belongs to the interval of its earlier event and the intervals add up
 * to the whole run. Intervals with no events still give a row. */
#ifndef QEV_SERIES_H
#define QEV_SERIES_H

#include "corr.h"

typedef struct qev_corr_series qev_corr_series;

/* Receives each interval [start, end) in turn, with its correlator; the last
 * ends one ps after its last owned event. A status other than QEV_OK stops
 * the series and is returned. */
typedef int (*qev_corr_interval_fn)(void *ctx, const qev_correlator *c, int64_t start,
                                    int64_t end);

/* Intervals of `every` ps, histograms of 2 half_bins + 1 bins of 1 ps counting
 * every pair. NULL without memory, or unless every > half_bins + 1 (the reach
 * of a pair, so that only the next interval shares an interval's events). */
qev_corr_series *qev_corr_series_new(const qev_corr_pair *pairs, size_t npairs,
                                     int64_t half_bins, int64_t every);
/* Events in time order: QEV_EINVAL at one that goes back (see
 * qev_corr_series_disorder_at), QEV_ENOMEM, or the interval function's status. */
int qev_corr_series_add(qev_corr_series *s, const qev_event *ev, size_t n,
                        qev_corr_interval_fn fn, void *ctx);
/* Hands out the intervals still open. */
int qev_corr_series_finish(qev_corr_series *s, qev_corr_interval_fn fn, void *ctx);
/* After QEV_EINVAL: the event that went back, counted from the first its
 * interval's correlator was given. */
uint64_t qev_corr_series_disorder_at(const qev_corr_series *s);
void qev_corr_series_free(qev_corr_series *s);

#endif
