/* Heralded ghost imaging: tallies, accidentals, flat field, Richardson-Lucy. */
#include "internal.h"
#include "recon_herald.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tallies ---- */

int qev_tally_init(qev_tally *t, uint32_t width, uint32_t height, int64_t own_from,
                   int64_t own_to)
{
    *t = (qev_tally){.width = width, .height = height, .own_from = own_from, .own_to = own_to,
                     .first = INT64_MAX, .last = INT64_MIN};
    if (!width || !height)
        return QEV_EINVAL;
    t->count = calloc((size_t)width * height, sizeof *t->count);
    return t->count ? QEV_OK : QEV_ENOMEM;
}

void qev_tally_free(qev_tally *t)
{
    free(t->count);
    t->count = NULL;
}

static int outside(const qev_tally *t, const qev_event *e, uint64_t index, char *why, size_t cap)
{
    return qev_why(why, cap, QEV_EINVAL, "event %llu: pixel (%u, %u) is outside the %ux%u image",
                (unsigned long long)index, qev_pixel_x(e), qev_pixel_y(e), t->width, t->height);
}

/* What a block of n events added; owned carries over to the next block. */
static int tally_close(qev_tally *t, int owned, uint64_t groups, uint64_t photons, size_t n)
{
    t->owned = owned;
    t->groups += groups;
    t->photons += photons;
    t->events += n;
    return QEV_OK;
}

/* A whole stream owns every group: no times to compare. */
static int tally_all_groups(qev_tally *t, const qev_event *ev, size_t n, char *why, size_t cap)
{
    const uint32_t w = t->width, h = t->height;
    uint64_t groups = 0, photons = 0;
    int started = t->owned;
    for (size_t i = 0; i < n; i++) {
        const qev_event *e = &ev[i];
        uint8_t f = e->flags;
        groups += (f & QEV_F_GROUP) != 0;
        started |= (f & QEV_F_GROUP) != 0;
        if (!(f & QEV_F_PIXEL) || e->kind != QEV_PHOTON || !started)
            continue;
        uint32_t x = (uint16_t)e->aux, y = e->aux >> 16;
        if (x >= w || y >= h)
            return outside(t, e, t->events + i, why, cap);
        t->count[(size_t)y * w + x]++;
        photons++;
    }
    return tally_close(t, started, groups, photons, n);
}

int qev_tally_groups(qev_tally *t, const qev_event *ev, size_t n, char *why, size_t cap)
{
    if (t->own_from == INT64_MIN && t->own_to == INT64_MAX)
        return tally_all_groups(t, ev, n, why, cap);
    const uint32_t w = t->width, h = t->height;
    uint64_t groups = 0, photons = 0;
    int owned = t->owned;
    for (size_t i = 0; i < n; i++) {
        const qev_event *e = &ev[i];
        if (e->flags & QEV_F_GROUP) {
            owned = e->t >= t->own_from && e->t < t->own_to;
            groups += (uint64_t)owned;
        }
        if (!owned || !(e->flags & QEV_F_PIXEL) || e->kind != QEV_PHOTON)
            continue;
        uint32_t x = qev_pixel_x(e), y = qev_pixel_y(e);
        if (x >= w || y >= h)
            return outside(t, e, t->events + i, why, cap);
        t->count[(size_t)y * w + x]++;
        photons++;
    }
    return tally_close(t, owned, groups, photons, n);
}

int qev_tally_singles(qev_tally *t, const qev_event *ev, size_t n, uint16_t herald, char *why,
                      size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        const qev_event *e = &ev[i];
        if (e->kind != QEV_PHOTON || e->t < t->own_from || e->t >= t->own_to)
            continue;
        if (e->flags & QEV_F_PIXEL) {
            uint32_t x = qev_pixel_x(e), y = qev_pixel_y(e);
            if (x >= t->width || y >= t->height)
                return outside(t, e, t->events + i, why, cap);
            t->count[(size_t)y * t->width + x]++;
            t->photons++;
        } else if (e->channel == herald) {
            t->heralds++;
        } else {
            continue;
        }
        t->first = e->t < t->first ? e->t : t->first;
        t->last = e->t > t->last ? e->t : t->last;
    }
    t->events += n;
    return QEV_OK;
}

/* ---- accidentals and the net image ---- */

double qev_window_cover_ps(int64_t window_ps, int64_t quantum_ps)
{
    if (quantum_ps < 1)
        quantum_ps = 1;
    return (double)(2 * (window_ps / (2 * quantum_ps)) + 1) * (double)quantum_ps;
}

int qev_accidentals_from_singles(const qev_tally *s, double cover_ps, double *acc,
                                 double *acc_var, char *why, size_t cap)
{
    size_t npix = (size_t)s->width * s->height;
    if (s->heralds == 0 || s->last <= s->first)
        return qev_why(why, cap, QEV_EINVAL,
                    "the singles stream has no heralds or spans no time: no rates to use");
    double T = (double)(s->last - s->first), nh = (double)s->heralds;
    for (size_t j = 0; j < npix; j++) {
        double sj = (double)s->count[j], a = nh * sj * cover_ps / T;
        acc[j] = a;
        acc_var[j] = sj > 0 ? a * a * (1 / nh + 1 / sj) : 0;
    }
    return QEV_OK;
}

static int flat_usable(double f) { return isfinite(f) && f > 0; }

void qev_herald_net(size_t npix, const uint64_t *coinc, const double *acc, const double *acc_var,
                    const double *flat, double *net, double *var, size_t *masked)
{
    *masked = 0;
    for (size_t j = 0; j < npix; j++) {
        double c = (double)coinc[j], a = acc ? acc[j] : 0, va = acc_var ? acc_var[j] : 0;
        double f = flat ? flat[j] : 1;
        if (!flat_usable(f)) {
            net[j] = var[j] = 0;
            ++*masked;
            continue;
        }
        net[j] = (c - a) / f;
        var[j] = (c + va) / (f * f);
    }
}

void qev_herald_snr(size_t npix, const double *net, const double *var, double *snr_total,
                    double *snr_pixel)
{
    double s = 0, v = 0;
    for (size_t j = 0; j < npix; j++) {
        s += net[j];
        v += var[j];
    }
    *snr_total = v > 0 ? s / sqrt(v) : NAN;
    *snr_pixel = v > 0 ? (s / (double)npix) / sqrt(v / (double)npix) : NAN;
}

/* ---- Richardson-Lucy ---- */

struct blur {
    size_t w, h, radius;
    double *kernel; /* 2 radius + 1 weights, summing to 1 */
    double *tmp;
};

static int blur_init(struct blur *b, size_t w, size_t h, double sigma)
{
    b->w = w;
    b->h = h;
    b->radius = sigma > 0 ? (size_t)ceil(4 * sigma) : 0;
    b->kernel = calloc(2 * b->radius + 1, sizeof *b->kernel);
    b->tmp = calloc(w * h, sizeof *b->tmp);
    if (!b->kernel || !b->tmp)
        return QEV_ENOMEM;
    double sum = 0;
    for (size_t k = 0; k <= 2 * b->radius; k++) {
        double d = (double)k - (double)b->radius;
        sum += b->kernel[k] = sigma > 0 ? exp(-d * d / (2 * sigma * sigma)) : 1;
    }
    for (size_t k = 0; k <= 2 * b->radius; k++)
        b->kernel[k] /= sum;
    return QEV_OK;
}

static void blur_free(struct blur *b)
{
    free(b->kernel);
    free(b->tmp);
}

/* One axis of K v, zero outside the image: len samples stride apart, count
 * lines next apart. */
static void blur_axis(const struct blur *b, const double *in, double *out, size_t len,
                      size_t stride, size_t count, size_t next)
{
    long r = (long)b->radius;
    for (size_t line = 0; line < count; line++) {
        const double *src = in + line * next;
        double *dst = out + line * next;
        for (long i = 0; i < (long)len; i++) {
            double s = 0;
            long lo = i - r < 0 ? 0 : i - r, hi = i + r >= (long)len ? (long)len - 1 : i + r;
            for (long j = lo; j <= hi; j++)
                s += b->kernel[j - i + r] * src[(size_t)j * stride];
            dst[(size_t)i * stride] = s;
        }
    }
}

/* K is symmetric (a symmetric kernel, zero outside), so K^T = K. */
static void blur_apply(struct blur *b, const double *in, double *out)
{
    blur_axis(b, in, b->tmp, b->w, 1, b->h, b->w);
    blur_axis(b, b->tmp, out, b->h, b->w, b->w, 1);
}

struct rl {
    size_t npix;
    const uint64_t *coinc;
    const double *acc, *flat;
    double *sens, *kx, *ratio, *back;
};

static double rl_flat(const struct rl *r, size_t j)
{
    double f = r->flat ? r->flat[j] : 1;
    return flat_usable(f) ? f : 0;
}

/* One EM update of x; returns |dx|^2 / |x|^2 after it. */
static double rl_update(struct rl *r, struct blur *b, double *x)
{
    blur_apply(b, x, r->kx);
    for (size_t j = 0; j < r->npix; j++) {
        double f = rl_flat(r, j), mean = f * r->kx[j] + (r->acc ? fmax(r->acc[j], 0) : 0);
        r->ratio[j] = mean > 0 ? f * (double)r->coinc[j] / mean : 0;
    }
    blur_apply(b, r->ratio, r->back);
    double change = 0, size = 0;
    for (size_t j = 0; j < r->npix; j++) {
        double v = r->sens[j] > 0 ? x[j] * r->back[j] / r->sens[j] : 0;
        change += (v - x[j]) * (v - x[j]);
        size += v * v;
        x[j] = v;
    }
    return size > 0 ? change / size : 0;
}

static void rl_start(struct rl *r, struct blur *b, double *x)
{
    double net = 0, sens = 0;
    for (size_t j = 0; j < r->npix; j++)
        r->ratio[j] = rl_flat(r, j);
    blur_apply(b, r->ratio, r->sens);
    for (size_t j = 0; j < r->npix; j++) {
        net += (double)r->coinc[j] - (r->acc ? r->acc[j] : 0);
        sens += r->sens[j];
    }
    double level = net > 0 && sens > 0 ? net / sens : 0;
    for (size_t j = 0; j < r->npix; j++)
        x[j] = level;
}

int qev_richardson_lucy(size_t width, size_t height, const uint64_t *coinc, const double *acc,
                        const double *flat, double sigma, unsigned iterations, double tol,
                        double *x, qev_rl_result *res, char *why, size_t cap)
{
    size_t npix = width * height;
    struct blur b = {0};
    struct rl r = {npix, coinc, acc, flat, NULL, NULL, NULL, NULL};
    *res = (qev_rl_result){0};
    int rc = blur_init(&b, width, height, sigma);
    r.sens = calloc(npix, sizeof(double));
    r.kx = calloc(npix, sizeof(double));
    r.ratio = calloc(npix, sizeof(double));
    r.back = calloc(npix, sizeof(double));
    if (rc != QEV_OK || !r.sens || !r.kx || !r.ratio || !r.back) {
        rc = qev_why(why, cap, QEV_ENOMEM, "out of memory");
    } else {
        rl_start(&r, &b, x);
        while (!res->converged && res->iterations < iterations) {
            res->converged = rl_update(&r, &b, x) <= tol * tol;
            res->iterations++;
        }
    }
    free(r.sens);
    free(r.kx);
    free(r.ratio);
    free(r.back);
    blur_free(&b);
    return rc;
}
