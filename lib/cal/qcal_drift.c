/* Windows of the run, each with its own corrector and correlator; a window
 * is fed every event that can pair into it and is closed once the input has
 * passed it. */
#include "qcal_drift.h"
#include "corr.h"
#include "internal.h"
#include "qcal_peak.h"
#include "qcal_shift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HIST_BINS (1 << 18)
#define PREDICT_POINTS 4 /* few, so that a change of drift is followed at once */

struct window {
    int64_t start, end, in_from, in_to;
    double b;
    qcal_shift *eng;
    qev_correlator *c;
};

struct qcal_drift {
    qcal_drift_opts o;
    qev_corr_pair pair;
    int64_t bin, half;
    struct window *open;
    size_t nopen, capopen;
    int64_t next_start, last_t;
    int started;
    qcal_drift_point *pts;
    size_t npts, cappts;
    uint64_t seen, disorder_at;
};

qcal_drift *qcal_drift_new(const qcal_drift_opts *o)
{
    if (o->ref == o->ch || o->every <= 0 || o->range <= 0 || o->coarse_bin <= 0 || !(o->k > 0))
        return NULL;
    qcal_drift *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->o = *o;
    d->pair = (qev_corr_pair){o->ref, o->ch};
    int64_t bins = 2 * o->range + 1;
    d->bin = bins > MAX_HIST_BINS ? (bins + MAX_HIST_BINS - 1) / MAX_HIST_BINS : 1;
    d->half = (o->range + d->bin - 1) / d->bin;
    if (d->o.coarse_bin < d->bin)
        d->o.coarse_bin = d->bin;
    d->last_t = INT64_MIN;
    return d;
}

static void drop_window(struct window *w)
{
    qcal_shift_free(w->eng);
    qev_correlator_free(w->c);
    w->eng = NULL;
    w->c = NULL;
}

void qcal_drift_free(qcal_drift *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nopen; i++)
        drop_window(&d->open[i]);
    free(d->open);
    free(d->pts);
    free(d);
}

/* ---- the prediction: a weighted line through the latest used windows ---- */

static void predict(const qcal_drift *d, double *a, double *b)
{
    double sw = 0, st = 0, sy = 0;
    size_t used = 0, from = d->npts > PREDICT_POINTS ? d->npts - PREDICT_POINTS : 0;
    *a = 0;
    *b = 0;
    for (size_t i = from; i < d->npts; i++) {
        const qcal_drift_point *p = &d->pts[i];
        if (!p->used)
            continue;
        double w = 1 / (p->sigma * p->sigma);
        sw += w;
        st += w * p->time;
        sy += w * p->delay;
        used++;
    }
    if (used == 0)
        return;
    double tm = st / sw, ym = sy / sw, stt = 0, sty = 0;
    for (size_t i = from; i < d->npts && used > 1; i++) {
        const qcal_drift_point *p = &d->pts[i];
        if (!p->used)
            continue;
        double w = 1 / (p->sigma * p->sigma);
        stt += w * (p->time - tm) * (p->time - tm);
        sty += w * (p->time - tm) * (p->delay - ym);
    }
    *b = stt > 0 ? sty / stt : 0;
    if (!(fabs(*b) < 1e-3)) /* no clock is that wrong: the fit is noise */
        *b = 0;
    *a = ym - *b * tm;
}

/* ---- windows ---- */

static int set_prediction(qcal_shift *eng, uint16_t ch, double a, double b, int64_t from,
                          int64_t to)
{
    if (b == 0)
        return qcal_shift_set_delay(eng, ch, (int64_t)llround(a));
    int64_t ref[2] = {from, to}, rec[2];
    for (int i = 0; i < 2; i++)
        rec[i] = ref[i] + (int64_t)llround(a + b * (double)ref[i]);
    return qcal_shift_set_clock(eng, ch, rec, ref, 2);
}

static int open_window(qcal_drift *d)
{
    if (d->nopen == d->capopen) {
        struct window *w = qev_grow(d->open, &d->capopen, d->nopen + 1, sizeof *w, 4);
        if (!w)
            return QEV_ENOMEM;
        d->open = w;
    }
    double a, b;
    predict(d, &a, &b);
    struct window *w = &d->open[d->nopen];
    memset(w, 0, sizeof *w);
    w->start = d->next_start;
    w->end = w->start + d->o.every;
    w->b = b;
    int64_t lo = w->start - d->o.range, hi = w->end + d->o.range;
    int64_t p = (int64_t)ceil(fmax(fabs(a + b * (double)lo), fabs(a + b * (double)hi)));
    w->in_from = lo - p - 2;
    w->in_to = hi + p + 2;
    w->eng = qcal_shift_new();
    w->c = qev_correlator_new(&d->pair, 1, d->bin, d->half, QEV_CORR_ALL, w->start, w->end);
    if (!w->eng || !w->c ||
        set_prediction(w->eng, d->o.ch, a, b, w->in_from - 1, w->in_to + 1) != QEV_OK) {
        drop_window(w);
        return QEV_ENOMEM;
    }
    d->nopen++;
    d->next_start = w->end;
    return QEV_OK;
}

static int feed(struct window *w, const qev_event *ev, size_t n)
{
    const qev_event *out;
    int rc = n ? qcal_shift_add(w->eng, ev, n) : qcal_shift_finish(w->eng);
    size_t k = qcal_shift_ready(w->eng, &out);
    if (rc == QEV_OK && k)
        rc = qev_correlator_add(w->c, out, k);
    return rc;
}

static int add_point(qcal_drift *d, const qcal_drift_point *p)
{
    if (d->npts == d->cappts) {
        size_t cap = d->cappts ? 2 * d->cappts : 256;
        qcal_drift_point *q = realloc(d->pts, cap * sizeof *q);
        if (!q)
            return QEV_ENOMEM;
        d->pts = q;
        d->cappts = cap;
    }
    d->pts[d->npts++] = *p;
    return QEV_OK;
}

/* The last window ends with the data. */
static void measure(const qcal_drift *d, const struct window *w, int last, qcal_drift_point *p)
{
    qcal_peak_opts po = {d->bin, d->o.coarse_bin, d->o.k, d->o.resolution};
    qcal_peak pk;
    int64_t end = last && d->last_t + 1 < w->end ? d->last_t + 1 : w->end;
    memset(p, 0, sizeof *p);
    p->start = w->start;
    p->end = end;
    p->time = 0.5 * ((double)w->start + (double)end);
    if (qcal_find_peak_ladder(qev_correlator_counts(w->c, 0), qev_correlator_bins(w->c),
                              -d->half * d->bin, &po, d->o.min_snr, &pk) != QEV_OK ||
        !pk.found)
        return;
    p->snr = pk.snr;
    p->counts = pk.counts;
    p->delay = qcal_shift_inverse(w->eng, d->o.ch, p->time + pk.delay) - p->time;
    p->sigma = pk.sigma_delay * (1 + w->b);
    p->used = pk.snr >= d->o.min_snr && !pk.at_edge && p->sigma > 0;
}

static int close_window(qcal_drift *d, size_t i, int last)
{
    struct window w = d->open[i];
    memmove(&d->open[i], &d->open[i + 1], (d->nopen - i - 1) * sizeof w);
    d->nopen--;
    int rc = feed(&w, NULL, 0);
    qcal_drift_point p;
    if (rc == QEV_OK && w.end > w.start && w.start <= d->last_t) {
        measure(d, &w, last, &p);
        rc = add_point(d, &p);
    }
    drop_window(&w);
    return rc;
}

/* ---- the stream ---- */

static int close_before(qcal_drift *d, int64_t t)
{
    for (size_t i = 0; i < d->nopen;) {
        if (d->open[i].in_to < t) {
            int rc = close_window(d, i, 0);
            if (rc != QEV_OK)
                return rc;
        } else {
            i++;
        }
    }
    return QEV_OK;
}

/* The input reach of the next window, from the current prediction. */
static int64_t next_in_from(const qcal_drift *d)
{
    double a, b;
    predict(d, &a, &b);
    int64_t lo = d->next_start - d->o.range;
    return lo - (int64_t)ceil(fabs(a + b * (double)lo)) - 2;
}

static int open_until(qcal_drift *d, int64_t t)
{
    if (!d->started) {
        d->next_start = t;
        d->started = 1;
    }
    if (d->nopen == 0 && next_in_from(d) + d->o.every < t) { /* a gap: skip empty windows */
        int64_t skip = (t - next_in_from(d)) / d->o.every - 1;
        d->next_start += skip > 0 ? skip * d->o.every : 0;
    }
    while (next_in_from(d) <= t) {
        int rc = open_window(d);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

static int64_t horizon(const qcal_drift *d)
{
    int64_t h = next_in_from(d) - 1;
    for (size_t i = 0; i < d->nopen; i++)
        h = d->open[i].in_to < h ? d->open[i].in_to : h;
    return h;
}

static int feed_open(qcal_drift *d, const qev_event *ev, size_t n)
{
    for (size_t w = 0; w < d->nopen; w++) {
        int rc = feed(&d->open[w], ev, n);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

int qcal_drift_add(qcal_drift *d, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n;) {
        int64_t t = ev[i].t;
        int rc = close_before(d, t);
        if (rc == QEV_OK)
            rc = open_until(d, t);
        if (rc != QEV_OK)
            return rc;
        int64_t limit = horizon(d);
        size_t j = i;
        while (j < n && ev[j].t <= limit && ev[j].t >= d->last_t)
            d->last_t = ev[j++].t;
        if (j < n && ev[j].t < d->last_t) {
            d->disorder_at = d->seen + j;
            return QEV_EINVAL;
        }
        if ((rc = feed_open(d, ev + i, j - i)) != QEV_OK)
            return rc;
        i = j;
    }
    d->seen += n;
    return QEV_OK;
}

int qcal_drift_finish(qcal_drift *d)
{
    while (d->nopen) {
        int rc = close_window(d, 0, 1);
        if (rc != QEV_OK)
            return rc;
    }
    return QEV_OK;
}

uint64_t qcal_drift_disorder_at(const qcal_drift *d) { return d->disorder_at; }

const qcal_drift_point *qcal_drift_points(const qcal_drift *d, size_t *n)
{
    *n = d->npts;
    return d->pts;
}

/* ---- the fit ---- */

static int fit_with(const double *t, const double *y, const double *s, size_t n, size_t k,
                    qcal_spline *out)
{
    double *knots = malloc(k * sizeof *knots);
    if (!knots)
        return QEV_ENOMEM;
    for (size_t j = 0; j < k; j++)
        knots[j] = t[0] + (t[n - 1] - t[0]) * (double)j / (double)(k - 1);
    int rc = qcal_spline_fit(t, y, s, n, knots, k, out);
    free(knots);
    return rc;
}

static int fit_auto(const double *t, const double *y, const double *s, size_t n, size_t max_k,
                    qcal_spline *out)
{
    int rc = fit_with(t, y, s, n, 2, out);
    for (size_t k = 3; rc == QEV_OK && k <= max_k && n / (k - 1) >= 4; k = 2 * k - 1) {
        if (qcal_chi2_pvalue(out->chi2, out->ndf) >= 1e-3)
            break;
        qcal_spline next;
        if (fit_with(t, y, s, n, k, &next) != QEV_OK)
            break;
        qcal_spline_free(out);
        *out = next;
    }
    return rc;
}

int qcal_drift_fit(const qcal_drift_point *p, size_t n, size_t k, size_t max_knots,
                   qcal_spline *out)
{
    double *t = malloc((n ? n : 1) * sizeof *t), *y = malloc((n ? n : 1) * sizeof *y);
    double *s = malloc((n ? n : 1) * sizeof *s);
    size_t m = 0;
    int rc = t && y && s ? QEV_OK : QEV_ENOMEM;
    for (size_t i = 0; rc == QEV_OK && i < n; i++)
        if (p[i].used) {
            t[m] = p[i].time;
            y[m] = p[i].delay;
            s[m++] = p[i].sigma;
        }
    memset(out, 0, sizeof *out);
    if (rc == QEV_OK && (m < 2 || t[m - 1] <= t[0]))
        rc = QEV_EINVAL;
    if (rc == QEV_OK)
        rc = k >= 2 ? fit_with(t, y, s, m, k, out) : fit_auto(t, y, s, m, max_knots, out);
    free(t);
    free(y);
    free(s);
    return rc;
}

qcal_line qcal_drift_line(const qcal_drift_point *p, size_t n)
{
    qcal_spline s;
    qcal_line l = {NAN, NAN, NAN, NAN};
    if (qcal_drift_fit(p, n, 2, 2, &s) != QEV_OK)
        return l;
    double t0 = s.knot[0], t1 = s.knot[1], dt = t1 - t0;
    double c00 = s.cov[0], c01 = s.cov[1], c11 = s.cov[3];
    double slope = (s.beta[1] - s.beta[0]) / dt;
    double var_slope = (c00 + c11 - 2 * c01) / (dt * dt);
    /* offset = b0 - t0 slope = b0 (1 + t0/dt) - b1 t0/dt */
    double u = 1 + t0 / dt, v = -t0 / dt;
    l.offset = s.beta[0] - t0 * slope;
    l.sigma_offset = sqrt(fmax(u * u * c00 + v * v * c11 + 2 * u * v * c01, 0));
    l.drift = slope * 1e6;
    l.sigma_drift = sqrt(fmax(var_slope, 0)) * 1e6;
    qcal_spline_free(&s);
    return l;
}

double qcal_drift_residual_rms(const qcal_drift_point *p, size_t n, const qcal_spline *fit)
{
    double sum = 0, weights = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].used) {
            double r = p[i].delay - qcal_spline_eval(fit, p[i].time);
            double w = 1 / (p[i].sigma * p[i].sigma);
            sum += w * r * r;
            weights += w;
        }
    return weights > 0 ? sqrt(sum / weights) : NAN;
}
