/* Coarse peak search by contrast, then the iterated centroid. */
#include "qcal_peak.h"
#include "qev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 32
#define MAX_ITERATIONS 200

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double qcal_median(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

double qcal_robust_sd(const double *v, size_t n)
{
    if (n < 2)
        return NAN;
    double m = qcal_median(v, n);
    double *d = malloc(n * sizeof *d);
    if (!d)
        return NAN;
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(v[i] - m);
    double mad = qcal_median(d, n);
    free(d);
    return 1.4826 * mad;
}

/* ---- coarse ---- */

/* Coarse bins of f histogram bins each, from the left; a partial last one is
 * left out. */
struct coarse {
    double *c;
    size_t m, f;
};

static int make_coarse(const uint64_t *h, size_t n, size_t f, struct coarse *co)
{
    co->f = f;
    co->m = n / f;
    co->c = calloc(co->m ? co->m : 1, sizeof *co->c);
    if (!co->c)
        return QEV_ENOMEM;
    for (size_t j = 0; j < co->m; j++) {
        double sum = 0;
        for (size_t i = j * f; i < j * f + f; i++)
            sum += (double)h[i];
        co->c[j] = sum;
    }
    return QEV_OK;
}

static double triple(const struct coarse *co, size_t j)
{
    double a = co->c[j];
    a += j > 0 ? co->c[j - 1] : co->c[j];
    a += j + 1 < co->m ? co->c[j + 1] : co->c[j];
    return a;
}

/* Spread of three-bin sums of the background. */
static double triple_spread(const struct coarse *co)
{
    if (co->m < 8)
        return 0;
    double *t = malloc(co->m * sizeof *t);
    if (!t)
        return 0;
    for (size_t j = 0; j < co->m; j++)
        t[j] = triple(co, j);
    double s = qcal_robust_sd(t, co->m);
    free(t);
    return isfinite(s) ? s : 0;
}

struct candidates {
    size_t at[MAX_CANDIDATES];
    double area[MAX_CANDIDATES];
    size_t n;
};

static void pick_candidates(const struct coarse *co, struct candidates *k)
{
    unsigned char *masked = calloc(co->m ? co->m : 1, 1);
    k->n = 0;
    while (masked && k->n < MAX_CANDIDATES) {
        size_t best = co->m;
        for (size_t j = 0; j < co->m; j++)
            if (!masked[j] && (best == co->m || co->c[j] > co->c[best]))
                best = j;
        if (best == co->m)
            break;
        k->at[k->n] = best;
        k->area[k->n++] = triple(co, best);
        for (size_t j = best > 2 ? best - 2 : 0; j <= best + 2 && j < co->m; j++)
            masked[j] = 1;
    }
    free(masked);
}

/* The best candidate first, and its background and contrast. */
static void contrast(const struct coarse *co, const struct candidates *k, double level,
                     qcal_peak *out)
{
    size_t best = 0;
    for (size_t i = 1; i < k->n; i++)
        if (k->area[i] > k->area[best])
            best = i;
    double bg = 3 * level, spread = fmax(sqrt(bg), triple_spread(co));
    double rep[MAX_CANDIDATES];
    size_t nrep = 0;
    for (size_t i = 0; i < k->n; i++)
        if (i != best && k->area[i] > bg + 5 * spread + 5)
            rep[nrep++] = k->area[i];
    if (nrep >= 2) {
        bg = qcal_median(rep, nrep);
        double s = nrep >= 3 ? qcal_robust_sd(rep, nrep) : 0;
        spread = fmax(sqrt(bg), isfinite(s) ? s : 0);
    }
    double net = k->area[best] - bg;
    double noise = sqrt(spread * spread + fmax(net, 0));
    out->replicas = (int)nrep;
    out->snr = noise > 0 ? net / noise : (net > 0 ? INFINITY : 0);
    size_t j = k->at[best];
    out->coarse_delay = (double)(j * co->f) + 0.5 * (double)(co->f - 1); /* an index */
    out->at_edge = j == 0 || j + 1 == co->m;
}

/* ---- fine ---- */

/* Gaussian variance kept within +-k: 1 - 2 k phi(k) / (2 Phi(k) - 1). */
static double truncation(double k)
{
    double phi = exp(-0.5 * k * k) / sqrt(2 * M_PI), inside = erf(k / sqrt(2));
    double f = 1 - 2 * k * phi / inside;
    return f > 0.05 ? f : 0.05;
}

struct moments {
    double s, m1, m2, raw2;
};

/* Moments of the bins lo..hi (indices) about mu (an index). */
static struct moments window_moments(const uint64_t *h, long lo, long hi, double bg, double mu)
{
    struct moments w = {0, 0, 0, 0};
    for (long i = lo; i <= hi; i++) {
        double c = (double)h[i], net = c - bg, d = (double)i - mu;
        w.s += net;
        w.m1 += net * d;
        w.m2 += net * d * d;
        w.raw2 += c * d * d;
    }
    return w;
}

/* Index space: bin i stands at delay first + i bin + c0, the mean of the
 * integer delays of a bin centred on first + i bin. */
static double bin_offset(int64_t bin) { return 0.5 * (double)(bin - 1) - (double)(bin / 2); }

static void report(qcal_peak *out, const struct moments *w, double mu, double s, double bg,
                   long lo, long hi, int64_t first, const qcal_peak_opts *o)
{
    double b = (double)o->bin, r = (double)(o->resolution > o->bin ? o->resolution : o->bin);
    double sigma = sqrt(w->raw2) / w->s * b;
    if (s * b < r)
        sigma = fmax(sigma, r / sqrt(12));
    out->found = w->s > 0;
    out->delay = (double)first + mu * b + bin_offset(o->bin);
    out->sigma_delay = sigma;
    out->width = s * b;
    out->counts = w->s;
    out->background = bg * (double)(hi - lo + 1);
    out->floor_per_bin = bg;
    out->lo = first + lo * o->bin;
    out->hi = first + hi * o->bin;
}

/* mu and s in index units. */
static int centroid_index(const uint64_t *h, size_t n, int64_t first, double mu, double s,
                          double bg, const qcal_peak_opts *o, qcal_peak *out)
{
    double trunc = truncation(o->k), min_s = 0.5;
    long lo = 0, hi = -1, last = (long)n - 1;
    struct moments w = {0, 0, 0, 0};
    out->found = 0;
    for (int it = 0; it < MAX_ITERATIONS; it++) {
        long nlo = (long)ceil(mu - o->k * fmax(s, min_s));
        long nhi = (long)floor(mu + o->k * fmax(s, min_s));
        nlo = nlo < 0 ? 0 : nlo;
        nhi = nhi > last ? last : nhi;
        if (nhi < nlo)
            return QEV_OK;
        w = window_moments(h, nlo, nhi, bg, mu);
        if (w.s <= 0)
            return QEV_OK;
        double shift = w.m1 / w.s, var = w.m2 / w.s - shift * shift;
        mu += shift;
        s = sqrt(fmax(var, 0) / trunc);
        int settled = nlo == lo && nhi == hi && fabs(shift) < 1e-9;
        lo = nlo;
        hi = nhi;
        if (settled)
            break;
    }
    w = window_moments(h, lo, hi, bg, mu);
    if (w.s > 0)
        report(out, &w, mu, s, bg, lo, hi, first, o);
    /* a window cut by the end of the histogram misses part of the peak */
    out->at_edge |= lo == 0 || hi == last;
    return QEV_OK;
}

int qcal_centroid(const uint64_t *h, size_t n, int64_t first, double mu, double s, double bg,
                  const qcal_peak_opts *o, qcal_peak *out)
{
    memset(out, 0, sizeof *out);
    if (!h || n == 0 || o->bin < 1 || !(o->k > 0))
        return QEV_EINVAL;
    double b = (double)o->bin;
    return centroid_index(h, n, first, (mu - (double)first - bin_offset(o->bin)) / b, s / b, bg,
                          o, out);
}

int qcal_find_peak(const uint64_t *h, size_t n, int64_t first, const qcal_peak_opts *o,
                   qcal_peak *out)
{
    memset(out, 0, sizeof *out);
    if (!h || n == 0 || o->bin < 1 || o->coarse_bin < o->bin || !(o->k > 0))
        return QEV_EINVAL;
    struct coarse co;
    size_t f = (size_t)((o->coarse_bin + o->bin / 2) / o->bin);
    if (make_coarse(h, n, f, &co) != QEV_OK)
        return QEV_ENOMEM;
    if (co.m < 3) {
        free(co.c);
        return QEV_EINVAL;
    }
    double level = qcal_median(co.c, co.m);
    struct candidates k;
    pick_candidates(&co, &k);
    contrast(&co, &k, level, out);
    free(co.c);
    qcal_peak coarse = *out;
    int rc = centroid_index(h, n, first, coarse.coarse_delay, (double)f, level / (double)f, o, out);
    out->snr = coarse.snr;
    out->coarse_delay = (double)first + coarse.coarse_delay * (double)o->bin + bin_offset(o->bin);
    out->replicas = coarse.replicas;
    out->at_edge |= coarse.at_edge;
    return rc;
}

int qcal_find_peak_ladder(const uint64_t *h, size_t n, int64_t first, const qcal_peak_opts *o,
                          double min_snr, qcal_peak *out)
{
    int rc = qcal_find_peak(h, n, first, o, out);
    qcal_peak_opts wider = *o;
    while (rc == QEV_OK && !(out->found && out->snr >= min_snr) &&
           (size_t)(wider.coarse_bin * 4 / o->bin) * 16 <= n) {
        qcal_peak next;
        wider.coarse_bin *= 4;
        if (qcal_find_peak(h, n, first, &wider, &next) != QEV_OK)
            break;
        if (next.found && (!out->found || next.snr > out->snr))
            *out = next;
    }
    return rc;
}

int64_t qcal_coarse_bin(int64_t given, int64_t range, int64_t bin)
{
    int64_t coarse = given ? given : range / 1000;
    return coarse < bin ? bin : coarse;
}
