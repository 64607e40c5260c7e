/* Cross- and auto-correlation histograms of time-ordered photon streams.
 *
 * Pairs are multi-start multi-stop: every event of channel A pairs with every
 * event of channel B whose delay tau = t_B - t_A lies in the range. Bins are
 * half-open, of integer width b, centred on multiples of b: bin k holds
 * kb - b/2 <= tau < kb + b/2 (b/2 rounded down), for -K <= k <= K. Memory is
 * bounded by the events inside one range, never by the length of the stream. */
#ifndef QEV_CORR_H
#define QEV_CORR_H

#include <stddef.h>
#include <stdint.h>

#include "qev.h"

enum qev_corr_mode {
    QEV_CORR_ALL = 0,    /* every pair */
    QEV_CORR_START_STOP, /* only the first B after each A (lifetime histograms) */
};

typedef struct qev_corr_pair {
    uint16_t a, b; /* a == b: auto-correlation without the self-pairs */
} qev_corr_pair;

typedef struct qev_correlator qev_correlator;

/* The most bins a histogram has on each side of zero delay. */
#define QEV_CORR_MAX_HALF_BINS (INT64_C(1) << 26)

/* bin > 0 and half_bins >= 0 give 2 half_bins + 1 bins. Counts only pairs whose
 * earlier event lies in [own_from, own_to), and singles in that interval, so
 * shards of one acquisition that overlap by the range add up exactly. */
qev_correlator *qev_correlator_new(const qev_corr_pair *pairs, size_t npairs, int64_t bin,
                                   int64_t half_bins, enum qev_corr_mode mode, int64_t own_from,
                                   int64_t own_to);
/* Events must come in time order: QEV_EINVAL at the first that goes back. */
int qev_correlator_add(qev_correlator *c, const qev_event *ev, size_t n);
/* Index of the event (counted from the first added) that went back. */
uint64_t qev_correlator_disorder_at(const qev_correlator *c);
size_t qev_correlator_bins(const qev_correlator *c);
const uint64_t *qev_correlator_counts(const qev_correlator *c, size_t pair);
/* Owned events of a channel. */
uint64_t qev_correlator_singles(const qev_correlator *c, uint16_t channel);
/* Time of the first and last owned event (INT64_MAX/INT64_MIN before any). */
void qev_correlator_span(const qev_correlator *c, int64_t *first, int64_t *last);
void qev_correlator_free(qev_correlator *c);

/* Normalisation (docs/conventions.md section 2.2): the accidental expectation of bin k for a
 * duration T, and the same corrected for the edges of a finite record. */
double qev_corr_expected(uint64_t na, uint64_t nb, int64_t bin, double duration);
double qev_corr_expected_edge(uint64_t na, uint64_t nb, int64_t bin, double duration,
                              double tau);

#endif
