/* Klyshko efficiencies of both arms of a pair source (qcal efficiency).
 *
 * The 1 ps cross-correlation of a:b over +-range gives the coincidence peak
 * (qcal_peak.h). Around the delay, a window of full width w (by default
 * +-5 peak sds, qcal_efficiency_window) gives the coincidences C, the
 * accidentals A come from qcorr's three estimates (corrstats.h), and each
 * arm's efficiency is qev_klyshko's (heralding.h): arm b heralded by the
 * singles of a, net of a's dark counts, and arm a by those of b. */
#ifndef QCAL_EFFICIENCY_H
#define QCAL_EFFICIENCY_H

#include <stdint.h>

#include "corrstats.h"
#include "dark.h"
#include "heralding.h"
#include "qcal_peak.h"
#include "qev.h"

typedef struct qcal_efficiency_opts {
    uint16_t a, b;
    int64_t range;      /* +- ps */
    int64_t coarse_bin; /* ps; 0: range / 1000 */
    double k, min_snr;  /* as in qcal_peak.h */
    int64_t resolution; /* the stream's time quantum, ps */
} qcal_efficiency_opts;

typedef struct qcal_efficiency qcal_efficiency;

qcal_efficiency *qcal_efficiency_new(const qcal_efficiency_opts *o);
void qcal_efficiency_free(qcal_efficiency *e);
/* QEV_EINVAL at an event that goes back in time. */
int qcal_efficiency_add(qcal_efficiency *e, const qev_event *ev, size_t n);
uint64_t qcal_efficiency_disorder_at(const qcal_efficiency *e);
/* The coincidence peak; QEV_EINVAL when the range holds fewer than three
 * coarse bins. */
int qcal_efficiency_peak(const qcal_efficiency *e, qcal_peak *out);
/* The default window for a peak of sd width: 2 ceil(5 max(width, 1)) + 1 ps. */
int64_t qcal_efficiency_window(double width);

typedef struct qcal_efficiency_params {
    double delay;             /* t_b - t_a, ps */
    int64_t window;           /* full width, ps */
    int64_t accidental_delay; /* ps, for the delayed estimate */
    int accidentals;          /* qev_coinc_stats_estimate_parse's number */
    int64_t duration;         /* ps; < 0: from the data */
    qcal_rate dark[2];        /* of a and of b; 0 for none */
} qcal_efficiency_params;

/* The histogram half-range, in ps, that the window, delay and accidental
 * delay need. */
int64_t qcal_efficiency_reach(const qcal_efficiency_params *p);

typedef struct qcal_efficiency_result {
    qev_pair_stats st;
    qev_efficiency arm[2]; /* [0]: of a, heralded by b; [1]: of b, heralded by a */
} qcal_efficiency_result;

/* QEV_EINVAL when the reach exceeds the range, QEV_ENOMEM. */
int qcal_efficiency_measure(const qcal_efficiency *e, const qcal_efficiency_params *p,
                            qcal_efficiency_result *out);

#endif
