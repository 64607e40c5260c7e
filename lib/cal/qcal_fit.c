/* Weighted piecewise-linear least squares, order statistics, robust rules. */
#include "qcal_fit.h"
#include "qcal_peak.h"
#include "qev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- splines ---- */

/* The segment of t: knots j and j + 1 (end segments extend). */
static size_t segment(const double *knot, size_t k, double t)
{
    size_t j = 0;
    while (j + 2 < k && t >= knot[j + 1])
        j++;
    return j;
}

static void hat_weights(const double *knot, size_t k, double t, size_t *j, double *wj,
                        double *wj1)
{
    *j = segment(knot, k, t);
    double u = (t - knot[*j]) / (knot[*j + 1] - knot[*j]);
    *wj = 1 - u;
    *wj1 = u;
}

/* Cholesky factorisation in place (lower triangle); 0 when not positive. */
static int cholesky(double *a, size_t k)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = a[i * k + j];
            for (size_t p = 0; p < j; p++)
                s -= a[i * k + p] * a[j * k + p];
            if (i == j) {
                if (!(s > 0))
                    return 0;
                a[i * k + i] = sqrt(s);
            } else {
                a[i * k + j] = s / a[j * k + j];
            }
        }
    return 1;
}

/* Solves L L^T x = b in place. */
static void cholesky_solve(const double *l, size_t k, double *b)
{
    for (size_t i = 0; i < k; i++) {
        for (size_t p = 0; p < i; p++)
            b[i] -= l[i * k + p] * b[p];
        b[i] /= l[i * k + i];
    }
    for (size_t i = k; i-- > 0;) {
        for (size_t p = i + 1; p < k; p++)
            b[i] -= l[p * k + i] * b[p];
        b[i] /= l[i * k + i];
    }
}

static void normal_equations(const double *t, const double *y, const double *sigma, size_t n,
                             const double *knot, size_t k, double *a, double *b)
{
    memset(a, 0, k * k * sizeof *a);
    memset(b, 0, k * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        size_t j;
        double w0, w1, w = 1 / (sigma[i] * sigma[i]);
        hat_weights(knot, k, t[i], &j, &w0, &w1);
        a[j * k + j] += w * w0 * w0;
        a[(j + 1) * k + j + 1] += w * w1 * w1;
        a[j * k + j + 1] += w * w0 * w1;
        a[(j + 1) * k + j] += w * w0 * w1;
        b[j] += w * w0 * y[i];
        b[j + 1] += w * w1 * y[i];
    }
}

static int invert(double *l, size_t k, double *cov)
{
    double *col = malloc(k * sizeof *col);
    if (!col)
        return QEV_ENOMEM;
    for (size_t c = 0; c < k; c++) {
        memset(col, 0, k * sizeof *col);
        col[c] = 1;
        cholesky_solve(l, k, col);
        for (size_t r = 0; r < k; r++)
            cov[r * k + c] = col[r];
    }
    free(col);
    return QEV_OK;
}

static int checks(const double *sigma, size_t n, const double *knots, size_t k)
{
    if (k < 2 || n < k)
        return QEV_EINVAL;
    for (size_t j = 1; j < k; j++)
        if (!(knots[j] > knots[j - 1]))
            return QEV_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(sigma[i] > 0))
            return QEV_EINVAL;
    return QEV_OK;
}

int qcal_spline_fit(const double *t, const double *y, const double *sigma, size_t n,
                    const double *knots, size_t k, qcal_spline *out)
{
    memset(out, 0, sizeof *out);
    if (checks(sigma, n, knots, k) != QEV_OK)
        return QEV_EINVAL;
    out->k = k;
    out->knot = malloc(k * sizeof *out->knot);
    out->beta = malloc(k * sizeof *out->beta);
    out->cov = malloc(k * k * sizeof *out->cov);
    double *a = malloc(k * k * sizeof *a);
    int rc = out->knot && out->beta && out->cov && a ? QEV_OK : QEV_ENOMEM;
    if (rc == QEV_OK) {
        memcpy(out->knot, knots, k * sizeof *knots);
        normal_equations(t, y, sigma, n, knots, k, a, out->beta);
        rc = cholesky(a, k) ? QEV_OK : QEV_ECORRUPT;
    }
    if (rc == QEV_OK) {
        cholesky_solve(a, k, out->beta);
        rc = invert(a, k, out->cov);
    }
    free(a);
    if (rc != QEV_OK) {
        qcal_spline_free(out);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        double r = (y[i] - qcal_spline_eval(out, t[i])) / sigma[i];
        out->chi2 += r * r;
    }
    out->ndf = n - k;
    return QEV_OK;
}

double qcal_spline_eval(const qcal_spline *s, double t)
{
    size_t j;
    double w0, w1;
    hat_weights(s->knot, s->k, t, &j, &w0, &w1);
    return w0 * s->beta[j] + w1 * s->beta[j + 1];
}

double qcal_spline_sigma(const qcal_spline *s, double t)
{
    size_t j;
    double w0, w1;
    hat_weights(s->knot, s->k, t, &j, &w0, &w1);
    size_t k = s->k;
    double v = w0 * w0 * s->cov[j * k + j] + w1 * w1 * s->cov[(j + 1) * k + j + 1] +
               2 * w0 * w1 * s->cov[j * k + j + 1];
    return sqrt(fmax(v, 0));
}

void qcal_spline_free(qcal_spline *s)
{
    free(s->knot);
    free(s->beta);
    free(s->cov);
    memset(s, 0, sizeof *s);
}

double qcal_chi2_pvalue(double chi2, size_t ndf)
{
    if (ndf == 0)
        return 1;
    double k = (double)ndf, z = (cbrt(chi2 / k) - (1 - 2 / (9 * k))) / sqrt(2 / (9 * k));
    return 0.5 * erfc(z / sqrt(2));
}

/* ---- the smallest values ---- */

int qcal_smallest_init(qcal_smallest *s, size_t keep)
{
    s->n = 0;
    s->cap = keep;
    s->v = malloc((keep ? keep : 1) * sizeof *s->v);
    return s->v ? QEV_OK : QEV_ENOMEM;
}

void qcal_smallest_free(qcal_smallest *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static void sift_down(int64_t *v, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, big = i;
        if (l < n && v[l] > v[big])
            big = l;
        if (l + 1 < n && v[l + 1] > v[big])
            big = l + 1;
        if (big == i)
            return;
        int64_t t = v[i];
        v[i] = v[big];
        v[big] = t;
        i = big;
    }
}

void qcal_smallest_add(qcal_smallest *s, int64_t x)
{
    if (s->n < s->cap) {
        size_t i = s->n++;
        s->v[i] = x;
        while (i > 0 && s->v[(i - 1) / 2] < s->v[i]) {
            int64_t t = s->v[i];
            s->v[i] = s->v[(i - 1) / 2];
            s->v[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (s->cap && x < s->v[0]) {
        s->v[0] = x;
        sift_down(s->v, s->n, 0);
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

const int64_t *qcal_smallest_sorted(qcal_smallest *s, size_t *n)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_i64);
    *n = s->n;
    return s->v;
}

int qcal_deadtime(const int64_t *d, size_t n, size_t k, int64_t resolution,
                  uint64_t intervals, double mean, double *tau, double *sigma)
{
    if (k < 1 || n < 2 * k || intervals < n)
        return QEV_EINVAL;
    double r = (double)(resolution > 0 ? resolution : 1);
    *tau = 2 * (double)d[k - 1] - (double)d[2 * k - 1];
    double g = fmax(mean - *tau, 0) / (double)intervals;
    *sigma = sqrt(2 * (double)k * g * g + (r > 1 ? r * r / 12 : 0));
    return QEV_OK;
}

double qcal_hot_threshold(const double *counts, size_t n, double z, double *median)
{
    double m = qcal_median(counts, n), s = qcal_robust_sd(counts, n);
    double poisson = sqrt(fmax(m, 1));
    *median = m;
    return m + z * fmax(isfinite(s) ? s : 0, poisson);
}
