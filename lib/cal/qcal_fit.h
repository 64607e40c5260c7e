/* Fits and estimators behind qcal drift, qcal deadtime and qcal dark. */
#ifndef QCAL_FIT_H
#define QCAL_FIT_H

#include <stddef.h>
#include <stdint.h>

/* ---- continuous piecewise-linear fits ----
 *
 * y(t) = sum_j beta_j phi_j(t), phi_j the hat function of knot j (1 at knot
 * j, 0 at its neighbours; the end segments extend). Weighted least squares
 * with weights 1/sigma^2; the covariance of beta is the inverse of the
 * normal matrix. Two knots give a straight line. */
typedef struct qcal_spline {
    size_t k;
    double *knot, *beta, *cov; /* k, k, k*k */
    double chi2;
    size_t ndf;
} qcal_spline;

/* QEV_EINVAL when there are fewer points than knots or the knots do not
 * increase; QEV_ECORRUPT when the normal matrix is singular (a segment with
 * no point). */
int qcal_spline_fit(const double *t, const double *y, const double *sigma, size_t n,
                    const double *knots, size_t k, qcal_spline *out);
double qcal_spline_eval(const qcal_spline *s, double t);
/* The value at t and its standard error from the covariance. */
double qcal_spline_sigma(const qcal_spline *s, double t);
void qcal_spline_free(qcal_spline *s);
/* The probability of a chi-square of at least chi2 with ndf degrees of
 * freedom (Wilson-Hilferty). */
double qcal_chi2_pvalue(double chi2, size_t ndf);

/* ---- the smallest values of a stream (dead time) ---- */

typedef struct qcal_smallest {
    int64_t *v; /* a max-heap of the kept values */
    size_t n, cap;
} qcal_smallest;

int qcal_smallest_init(qcal_smallest *s, size_t keep);
void qcal_smallest_free(qcal_smallest *s);
static inline int qcal_smallest_wants(const qcal_smallest *s, int64_t x)
{
    return s->n < s->cap || x < s->v[0];
}
void qcal_smallest_add(qcal_smallest *s, int64_t x);
/* The kept values in increasing order (sorts in place; the heap is spent). */
const int64_t *qcal_smallest_sorted(qcal_smallest *s, size_t *n);

/* Dead time from the smallest intervals d_(1) <= ... <= d_(2k) of N
 * intervals of mean m. Above a non-paralysable dead time tau the intervals of
 * a Poisson input are tau + Exp(lambda), so the spacings of the lowest order
 * statistics are independent exponentials of mean g = 1/(N lambda):
 * tau = 2 d_(k) - d_(2k) is unbiased (k - 1 shorter glitches do not move
 * it), with variance 2 k g^2, and g = (m - tau) / N. The quantum r adds
 * r^2/12. QEV_EINVAL with fewer than 2k intervals. */
int qcal_deadtime(const int64_t *sorted, size_t n, size_t k, int64_t resolution,
                  uint64_t intervals, double mean, double *tau, double *sigma);

/* ---- hot pixels ---- */

/* A pixel is hot when its count exceeds m + z s, m the median pixel count
 * and s the larger of 1.4826 MAD and sqrt(max(m, 1)) (the Poisson spread of
 * the median pixel). Returns the threshold. */
double qcal_hot_threshold(const double *counts, size_t n, double z, double *median);

#endif
