/* Tracking the delay between two channels over a run (qcal drift).
 *
 * The run is cut into windows of the reference channel's time. In each, the
 * events of the other channel are first corrected by a prediction of the
 * delay, tau(t) = a + b t, from a straight-line fit to the last four windows
 * (qcal_shift does this and keeps the order), so that the peak stays near
 * zero even when a drift of ppm carries it far over a long run. The residual
 * peak of the window's histogram gives its delay to sub-bin precision
 * (qcal_peak.h), mapped back through the prediction. A window without a
 * significant peak is kept in the list but not used. The points are then fit
 * by a continuous piecewise-linear function (qcal_fit.h). */
#ifndef QCAL_DRIFT_H
#define QCAL_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "qcal_fit.h"
#include "qev.h"

typedef struct qcal_drift_opts {
    uint16_t ref, ch;
    int64_t every;      /* window length, ps */
    int64_t range;      /* delays searched around the prediction, +- ps */
    int64_t coarse_bin; /* ps */
    double k, min_snr;
    int64_t resolution;
} qcal_drift_opts;

typedef struct qcal_drift_point {
    int64_t start, end; /* the window, reference time */
    double time;        /* its middle */
    double delay, sigma, snr, counts;
    int used;           /* significant, and away from the ends of the range */
} qcal_drift_point;

typedef struct qcal_drift qcal_drift;

qcal_drift *qcal_drift_new(const qcal_drift_opts *o);
void qcal_drift_free(qcal_drift *d);
/* QEV_EINVAL at an event that goes back in time (see disorder_at). */
int qcal_drift_add(qcal_drift *d, const qev_event *ev, size_t n);
int qcal_drift_finish(qcal_drift *d);
uint64_t qcal_drift_disorder_at(const qcal_drift *d);
const qcal_drift_point *qcal_drift_points(const qcal_drift *d, size_t *n);

/* Fits the used points with k knots spread evenly over them, or, for k = 0,
 * with 2, 3, 5, 9, ... knots until the chi-square is plausible (p >= 0.001),
 * a segment would hold fewer than 4 points, or max_knots is reached.
 * QEV_EINVAL with fewer than two used points. */
int qcal_drift_fit(const qcal_drift_point *p, size_t n, size_t k, size_t max_knots,
                   qcal_spline *out);

/* The clock as a straight line through the used points, tau(t) = offset +
 * drift t: the two-knot fit, its knots (t0, b0) and (t1, b1) turned into
 * the slope (b1 - b0) / (t1 - t0) and the value at t = 0, with the
 * variances carried through the knots' covariance. NAN when the fit fails. */
typedef struct qcal_line {
    double offset, sigma_offset; /* ps */
    double drift, sigma_drift;   /* ppm */
} qcal_line;

qcal_line qcal_drift_line(const qcal_drift_point *p, size_t n);
/* The rms residual of the used points about the fit, weighted by
 * 1/sigma^2 like the fit; NAN without used points. */
double qcal_drift_residual_rms(const qcal_drift_point *p, size_t n, const qcal_spline *fit);

#endif
