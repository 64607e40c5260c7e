/* The delays of channels against a reference channel (qcal delays), from
 * the peaks of their cross-correlations (qcal_peak.h).
 *
 * The first pass bins +-range for every pair within QCAL_DELAYS_BIN_BUDGET
 * bins in all, at 1 ps when they fit. With wider bins, a second pass over
 * the same stream correlates at 1 ps within a few peak widths of each first
 * estimate, the channels shifted there first (qcal_shift.h), and keeps the
 * first pass's significance. A delay is significant when its peak was
 * found, reaches min_snr and lies away from the ends of the range. */
#ifndef QCAL_DELAYS_H
#define QCAL_DELAYS_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "qcal_peak.h"
#include "qev.h"

#define QCAL_DELAYS_MAX 31
#define QCAL_DELAYS_BIN_BUDGET (INT64_C(1) << 22)

/* The channels to calibrate against ref: those f selects, or, when f takes
 * any channel, those with photons among ev. QEV_EINVAL for more than
 * QCAL_DELAYS_MAX. */
int qcal_delays_channels(const qev_event *ev, size_t n, uint16_t ref, const qev_filter *f,
                         uint16_t out[QCAL_DELAYS_MAX], size_t *nout);

typedef struct qcal_delays_opts {
    uint16_t ref;
    const uint16_t *channels;
    size_t n;           /* 1 to QCAL_DELAYS_MAX */
    int64_t range;      /* +- ps */
    int64_t coarse_bin; /* ps; 0: range / 1000 */
    double k, min_snr;  /* as in qcal_peak.h */
    int64_t resolution; /* the stream's time quantum, ps */
} qcal_delays_opts;

typedef struct qcal_delay {
    uint16_t ch;
    qcal_peak pk;  /* delay = t_ch - t_ref */
    int64_t shift; /* the second pass's shift of ch */
    int significant;
} qcal_delay;

/* The first pass's bin and half range in bins. */
void qcal_delays_binning(int64_t range, size_t n, int64_t *bin, int64_t *half);

typedef struct qcal_delays qcal_delays;

qcal_delays *qcal_delays_new(const qcal_delays_opts *o);
void qcal_delays_free(qcal_delays *d);
/* The first pass: QEV_EINVAL at an event that goes back in time. */
int qcal_delays_add(qcal_delays *d, const qev_event *ev, size_t n);
uint64_t qcal_delays_disorder_at(const qcal_delays *d);
/* QEV_EINVAL when the range holds fewer than three coarse bins. */
int qcal_delays_finish(qcal_delays *d);
/* The first pass's bin, ps: a second pass refines bins wider than 1 ps. */
int64_t qcal_delays_bin(const qcal_delays *d);

/* The second pass over the same events. QEV_EINVAL at an event that goes
 * back in time, QEV_ECORRUPT should the shifted events not come out in
 * order, QEV_ENOMEM. */
int qcal_delays_refine_start(qcal_delays *d);
int qcal_delays_refine_add(qcal_delays *d, const qev_event *ev, size_t n);
int qcal_delays_refine_finish(qcal_delays *d);

/* The delays, in the order of the channels, judged significant or not. */
const qcal_delay *qcal_delays_result(const qcal_delays *d, size_t *n);

#endif
