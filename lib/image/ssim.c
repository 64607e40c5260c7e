/* SSIM variants, MS-SSIM, PSNR, MSE and MAE. */
#include "internal.h"
#include "ssim.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The filter loops are written to vectorise; on x86-64 they are also built
 * for AVX2 and picked at load time. No FMA: every build rounds alike. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define HOT __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef HOT
#define HOT
#endif
#define INLINE static inline __attribute__((always_inline))

/* ---- names ---- */

static const struct {
    const char *name, *definition;
} variants[] = {
    [QEV_SSIM_WANG] = {"wang", "Wang et al. 2004: 11x11 Gaussian window (sigma 1.5), K1 0.01, "
                               "K2 0.03, population moments, mean over the valid region"},
    [QEV_SSIM_MATLAB] = {"matlab", "ssim.m (Wang 2009): f x f box filter and every f-th sample, "
                                   "f = max(1, round(min(H,W)/256)), then wang"},
    [QEV_SSIM_SKIMAGE] = {"skimage", "scikit-image defaults: 7x7 uniform window, K1 0.01, K2 0.03, "
                                     "sample covariance (x 49/48), mean over the valid region"},
    [QEV_SSIM_FFMPEG] = {"ffmpeg", "ffmpeg ssim filter: 8x8 box windows every 4 pixels, C1/64, "
                                   "sample variance, mean over the windows"},
    [QEV_SSIM_MS] = {"msssim", "MS-SSIM (Wang 2003): 5 scales of wang, 2x2 average downsampling, "
                               "weights 0.0448 0.2856 0.3001 0.2363 0.1333"},
};

const char *qev_ssim_variant_name(enum qev_ssim_variant v) { return variants[v].name; }

const char *qev_ssim_variant_definition(enum qev_ssim_variant v)
{
    return variants[v].definition;
}

int qev_ssim_variant_parse(const char *name, enum qev_ssim_variant *v)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (strcmp(name, variants[i].name) == 0) {
            *v = (enum qev_ssim_variant)i;
            return QEV_OK;
        }
    return QEV_EINVAL;
}

/* ---- windows ---- */

void qev_ssim_gaussian_weights(double sigma, int radius, double *w)
{
    double sum = 0;
    for (int k = -radius; k <= radius; k++) {
        w[k + radius] = exp(-0.5 / (sigma * sigma) * (double)(k * k));
        sum += w[k + radius];
    }
    for (int k = 0; k <= 2 * radius; k++)
        w[k] /= sum;
}

/* ---- the windowed SSIM ----
 * Each input row is filtered horizontally once, for x, y, x^2 + y^2 and xy,
 * into a ring of 2R+1 rows; each output row is then one loop over the
 * columns that filters the ring vertically and applies the formula.
 * The ring holds every row twice, at slots i mod (2R+1) and that plus 2R+1,
 * so that any 2R+1 consecutive rows lie one after another, and its stride
 * is padded: rows a power of two apart would fall in the same cache sets.
 * restrict is honoured on parameters only, and the loops vectorise with it. */

struct ssim_consts {
    double c1, c2, cov_norm;
};

/* No restrict here: on an inlined helper it keeps the caller's loop scalar. */
INLINE double tap(const double *v, size_t j, size_t st, const double *w, int R)
{
    double a = v[j + (size_t)R * st] * w[R];
#pragma GCC unroll 8
    for (int k = 0; k < R; k++)
        a += (v[j + (size_t)k * st] + v[j + (size_t)(2 * R - k) * st]) * w[k];
    return a;
}

/* One row of one quantity, written to its ring slot and to the slot's copy.
 * One quantity at a time: four at once run out of vector registers. */
INLINE void filter_1d(const double *restrict v, size_t n, const double *restrict w, int R,
                      double *restrict h, double *restrict copy)
{
    for (size_t j = 0; j < n; j++)
        h[j] = copy[j] = tap(v, j, 1, w, R);
}

/* One input row: its products, then the four horizontally filtered rows. */
INLINE void horizontal_pass(const double *restrict x, const double *restrict y,
                            double *restrict s, double *restrict p, size_t width,
                            const double *restrict w, int R, double *restrict hx,
                            double *restrict hy, double *restrict hs, double *restrict hp,
                            size_t second)
{
    for (size_t j = 0; j < width; j++) {
        s[j] = x[j] * x[j] + y[j] * y[j];
        p[j] = x[j] * y[j];
    }
    size_t n = width - 2 * (size_t)R;
    filter_1d(x, n, w, R, hx, hx + second);
    filter_1d(y, n, w, R, hy, hy + second);
    filter_1d(s, n, w, R, hs, hs + second);
    filter_1d(p, n, w, R, hp, hp + second);
}

/* One row of one quantity filtered down the 2R+1 ring rows from h. */
INLINE void filter_down(const double *restrict h, size_t st, size_t n, const double *restrict w,
                        int R, double *restrict u)
{
    for (size_t j = 0; j < n; j++)
        u[j] = tap(h, j, st, w, R);
}

/* The formula over one row of window moments; cs is written only with with_cs. */
INLINE void ssim_formula(const double *restrict mx, const double *restrict my,
                         const double *restrict ms, const double *restrict mp, size_t n,
                         struct ssim_consts k, double *restrict out, double *restrict cs,
                         int with_cs)
{
    for (size_t j = 0; j < n; j++) {
        double ux = mx[j], uy = my[j];
        double uxy = ux * uy, uu = ux * ux + uy * uy;
        double a1 = 2 * uxy + k.c1, b1 = uu + k.c1;
        double a2 = 2 * (k.cov_norm * (mp[j] - uxy)) + k.c2;
        double b2 = k.cov_norm * (ms[j] - uu) + k.c2;
        out[j] = (a1 * a2) / (b1 * b2);
        if (with_cs)
            cs[j] = a2 / b2;
    }
}

struct ring {
    double *hx, *hy, *hs, *hp; /* 2 (2R+1) rows each, stride st */
    double *s, *p;             /* one row of products */
    double *m;                 /* four rows of window moments */
    size_t st, second;         /* second: from a slot to its copy */
};

/* Specialised below so that R is a constant and the taps unroll. */
INLINE void filter_row(const struct ring *g, const double *x, const double *y, size_t width,
                       const double *w, int R, size_t slot)
{
    size_t o = slot * g->st;
    horizontal_pass(x, y, g->s, g->p, width, w, R, g->hx + o, g->hy + o, g->hs + o, g->hp + o,
                    g->second);
}

INLINE void output_row(const struct ring *g, const double *w, int R, size_t n, size_t slot,
                       struct ssim_consts k, double *out, double *cs)
{
    size_t o = slot * g->st, st = g->st;
    double *mx = g->m, *my = mx + st, *ms = my + st, *mp = ms + st;
    filter_down(g->hx + o, st, n, w, R, mx);
    filter_down(g->hy + o, st, n, w, R, my);
    filter_down(g->hs + o, st, n, w, R, ms);
    filter_down(g->hp + o, st, n, w, R, mp);
    if (cs)
        ssim_formula(mx, my, ms, mp, n, k, out, cs, 1);
    else
        ssim_formula(mx, my, ms, mp, n, k, out, NULL, 0);
}

HOT static void filter_row_r5(const struct ring *g, const double *x, const double *y,
                              size_t width, const double *w, size_t slot)
{
    filter_row(g, x, y, width, w, 5, slot);
}

HOT static void filter_row_r3(const struct ring *g, const double *x, const double *y,
                              size_t width, const double *w, size_t slot)
{
    filter_row(g, x, y, width, w, 3, slot);
}

HOT static void output_row_r5(const struct ring *g, const double *w, size_t n, size_t slot,
                              struct ssim_consts k, double *out, double *cs)
{
    output_row(g, w, 5, n, slot, k, out, cs);
}

HOT static void output_row_r3(const struct ring *g, const double *w, size_t n, size_t slot,
                              struct ssim_consts k, double *out, double *cs)
{
    output_row(g, w, 3, n, slot, k, out, cs);
}

static void filter_row_any(const struct ring *g, const double *x, const double *y, size_t width,
                           const double *w, int R, size_t slot)
{
    if (R == 5)
        filter_row_r5(g, x, y, width, w, slot);
    else if (R == 3)
        filter_row_r3(g, x, y, width, w, slot);
    else
        filter_row(g, x, y, width, w, R, slot);
}

static void output_row_any(const struct ring *g, const double *w, int R, size_t n, size_t slot,
                           struct ssim_consts k, double *out, double *cs)
{
    if (R == 5)
        output_row_r5(g, w, n, slot, k, out, cs);
    else if (R == 3)
        output_row_r3(g, w, n, slot, k, out, cs);
    else
        output_row(g, w, R, n, slot, k, out, cs);
}

/* Output columns per strip: the live rows of a strip's ring stay in the L1
 * cache. Input rows are fetched this many rows ahead: a strip's rows are far
 * apart in memory, beyond what hardware prefetchers follow. */
#ifndef SSIM_STRIP
#define SSIM_STRIP 64
#endif
#ifndef SSIM_PREFETCH
#define SSIM_PREFETCH 4
#endif

static double *ring_alloc(struct ring *g, size_t strip, int R)
{
    size_t taps = 2 * (size_t)R + 1, in = strip + 2 * (size_t)R;
    g->st = (strip + 7) / 8 * 8 + 8; /* rows a cache line apart modulo 4 KiB */
    g->second = taps * g->st;
    size_t plane = 2 * taps * g->st + 8; /* the planes apart too */
    double *m = malloc((4 * plane + 2 * in + 4 * g->st) * sizeof *m);
    if (m) {
        g->hx = m, g->hy = m + plane, g->hs = m + 2 * plane, g->hp = m + 3 * plane;
        g->s = m + 4 * plane, g->p = g->s + in, g->m = g->p + in;
    }
    return m;
}

/* Running sums in lanes, so that the additions vectorise. */
struct sums {
    double ssim[8], cs[8], sq[4], ab[4];
};

static void add_lanes(double *restrict lane, const double *restrict v, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            lane[k] += v[i + k];
    for (; i < n; i++)
        lane[i % 8] += v[i];
}

/* Squared and absolute differences, while the rows are in the cache anyway. */
static void add_errors(struct sums *restrict t, const double *restrict x,
                       const double *restrict y, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            double d = x[i + k] - y[i + k];
            t->sq[k] += d * d;
            t->ab[k] += fabs(d);
        }
    for (; i < n; i++) {
        double d = x[i] - y[i];
        t->sq[i % 4] += d * d;
        t->ab[i % 4] += fabs(d);
    }
}

static double lane_total(const double *lane, int n)
{
    double s = 0;
    for (int k = 0; k < n; k++)
        s += lane[k];
    return s;
}

static void prefetch_row(const double *x, const double *y, size_t n)
{
    for (size_t j = 0; j < n; j += 8) {
        __builtin_prefetch(x + j);
        __builtin_prefetch(y + j);
    }
}

struct strip {
    size_t c0, n;   /* output columns c0 .. c0+n-1 */
    size_t owned;   /* input columns from c0 whose differences this strip adds */
};

/* One strip, from the top of the image to its bottom. */
static void ssim_strip(const double *x, const double *y, size_t width, size_t height,
                       const qev_ssim_window *win, struct ssim_consts k, struct strip sp,
                       const struct ring *g, double *map, double *row, double *cs,
                       struct sums *t)
{
    int R = win->radius;
    size_t taps = 2 * (size_t)R + 1, ow = width - 2 * (size_t)R, in = sp.n + 2 * (size_t)R;
    for (size_t i = 0; i < height; i++) {
        size_t at = i * width + sp.c0;
        if (SSIM_PREFETCH && i + SSIM_PREFETCH < height)
            prefetch_row(x + at + SSIM_PREFETCH * width, y + at + SSIM_PREFETCH * width, in);
        filter_row_any(g, x + at, y + at, in, win->w, R, i % taps);
        if (sp.owned)
            add_errors(t, x + at, y + at, sp.owned);
        if (i + 1 < taps)
            continue;
        size_t r = i + 1 - taps;
        double *dst = map ? map + r * ow + sp.c0 : row;
        output_row_any(g, win->w, R, sp.n, r % taps, k, dst, cs);
        add_lanes(t->ssim, dst, sp.n);
        if (cs)
            add_lanes(t->cs, cs, sp.n);
    }
}

/* qev_ssim_windowed, and with err non-NULL also the MSE and MAE. */
static int windowed(const double *x, const double *y, size_t width, size_t height,
                    const qev_ssim_window *win, double c1, double c2, double *map,
                    qev_ssim_means *out, int with_cs, double err[2])
{
    int R = win->radius;
    size_t taps = 2 * (size_t)R + 1;
    if (R < 0 || R > 8 || width < taps || height < taps)
        return QEV_EINVAL;
    size_t ow = width - 2 * (size_t)R, oh = height - 2 * (size_t)R;
    size_t strip = ow < SSIM_STRIP ? ow : SSIM_STRIP;
    struct ring g;
    double *mem = ring_alloc(&g, strip, R);
    double *row = malloc(2 * strip * sizeof *row), *cs = with_cs && row ? row + strip : NULL;
    if (!mem || !row) {
        free(mem);
        free(row);
        return QEV_ENOMEM;
    }
    struct ssim_consts k = {c1, c2, win->cov_norm};
    struct sums t;
    memset(&t, 0, sizeof t);
    for (size_t c0 = 0; c0 < ow; c0 += strip) {
        size_t n = ow - c0 < strip ? ow - c0 : strip;
        /* each strip owns its output columns' inputs, the last one the border too */
        struct strip sp = {c0, n, err ? (c0 + n == ow ? n + 2 * (size_t)R : n) : 0};
        ssim_strip(x, y, width, height, win, k, sp, &g, map, row, cs, &t);
    }
    out->ssim = lane_total(t.ssim, 8) / (double)(ow * oh);
    out->cs = lane_total(t.cs, 8) / (double)(ow * oh);
    if (err) {
        err[0] = lane_total(t.sq, 4) / (double)(width * height);
        err[1] = lane_total(t.ab, 4) / (double)(width * height);
    }
    free(mem);
    free(row);
    return QEV_OK;
}

int qev_ssim_windowed(const double *x, const double *y, size_t width, size_t height,
                      const qev_ssim_window *win, double c1, double c2, double *map,
                      qev_ssim_means *out, int with_cs)
{
    return windowed(x, y, width, height, win, c1, c2, map, out, with_cs, NULL);
}

/* ---- ffmpeg's 8x8 blocks ---- */

struct block {
    double s1, s2, ss, s12;
};

static void block_row(const double *x, const double *y, size_t width, size_t bw,
                      struct block *b)
{
    for (size_t j = 0; j < bw; j++) {
        struct block t = {0, 0, 0, 0};
        for (size_t r = 0; r < 4; r++)
            for (size_t c = 0; c < 4; c++) {
                double a = x[r * width + 4 * j + c], v = y[r * width + 4 * j + c];
                t.s1 += a;
                t.s2 += v;
                t.ss += a * a + v * v;
                t.s12 += a * v;
            }
        b[j] = t;
    }
}

static double block_ssim(const struct block *top, const struct block *bottom, size_t j,
                         double c1, double c2)
{
    double s1 = top[j].s1 + top[j + 1].s1 + bottom[j].s1 + bottom[j + 1].s1;
    double s2 = top[j].s2 + top[j + 1].s2 + bottom[j].s2 + bottom[j + 1].s2;
    double ss = top[j].ss + top[j + 1].ss + bottom[j].ss + bottom[j + 1].ss;
    double s12 = top[j].s12 + top[j + 1].s12 + bottom[j].s12 + bottom[j + 1].s12;
    double vars = ss * 64 - s1 * s1 - s2 * s2;
    double covar = s12 * 64 - s1 * s2;
    return (2 * s1 * s2 + c1) * (2 * covar + c2) / ((s1 * s1 + s2 * s2 + c1) * (vars + c2));
}

int qev_ssim_blocks(const double *x, const double *y, size_t width, size_t height, double c1,
                    double c2, double *map, double *mean)
{
    size_t bw = width / 4, bh = height / 4;
    if (bw < 2 || bh < 2)
        return QEV_EINVAL;
    struct block *rows = malloc(2 * bw * sizeof *rows);
    if (!rows)
        return QEV_ENOMEM;
    double total = 0;
    block_row(x, y, width, bw, rows);
    for (size_t i = 1; i < bh; i++) {
        struct block *top = rows + ((i - 1) % 2) * bw, *bottom = rows + (i % 2) * bw;
        block_row(x + 4 * i * width, y + 4 * i * width, width, bw, bottom);
        double row = 0;
        for (size_t j = 0; j + 1 < bw; j++) {
            double v = block_ssim(top, bottom, j, c1, c2);
            if (map)
                map[(i - 1) * (bw - 1) + j] = v;
            row += v;
        }
        total += row;
    }
    free(rows);
    *mean = total / (double)((bh - 1) * (bw - 1));
    return QEV_OK;
}

/* ---- MATLAB's box filter and decimation ---- */

/* MATLAB 'symmetric' padding: the edge sample is repeated in the mirror. */
static size_t mirror(long i, size_t n)
{
    long m = (long)n;
    while (i < 0 || i >= m)
        i = i < 0 ? -i - 1 : 2 * m - i - 1;
    return (size_t)i;
}

void qev_ssim_box_downsample(const double *in, size_t width, size_t height, int f, double *out)
{
    /* imfilter's kernel centre is floor((f+1)/2), 1-based: the box spans
     * offsets -floor((f-1)/2) .. f-1-floor((f-1)/2) around each sample. */
    long lo = -(long)((f - 1) / 2), hi = lo + f - 1;
    size_t ow = (width + (size_t)f - 1) / (size_t)f, oh = (height + (size_t)f - 1) / (size_t)f;
    double inv = 1.0 / ((double)f * (double)f);
    for (size_t i = 0; i < oh; i++)
        for (size_t j = 0; j < ow; j++) {
            double s = 0;
            for (long a = lo; a <= hi; a++) {
                const double *row = in + mirror((long)(i * (size_t)f) + a, height) * width;
                for (long b = lo; b <= hi; b++)
                    s += row[mirror((long)(j * (size_t)f) + b, width)];
            }
            out[i * ow + j] = s * inv;
        }
}

int qev_ssim_matlab_factor(size_t width, size_t height)
{
    size_t m = width < height ? width : height;
    long f = lround((double)m / 256.0); /* round half away from zero, as MATLAB */
    return f < 1 ? 1 : (int)f;
}

/* ---- errors ---- */

HOT void qev_image_errors(const double *x, const double *y, size_t n, double *mse, double *mae)
{
    double sq[4] = {0}, ab[4] = {0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            double d = x[i + k] - y[i + k];
            sq[k] += d * d;
            ab[k] += fabs(d);
        }
    double s = (sq[0] + sq[1]) + (sq[2] + sq[3]), a = (ab[0] + ab[1]) + (ab[2] + ab[3]);
    for (; i < n; i++) {
        double d = x[i] - y[i];
        s += d * d;
        a += fabs(d);
    }
    *mse = s / (double)n;
    *mae = a / (double)n;
}

double qev_psnr(double mse, double range)
{
    return mse > 0 ? 10 * log10(range * range / mse) : INFINITY;
}

/* ---- the variants ---- */

static int full_scale_8bit(const qev_image *im) { return im->bits == 8 && im->maxval == 255; }

int qev_ssim_implied_range(const qev_image *a, const qev_image *b, double *range,
                           const qev_image **open)
{
    *open = !full_scale_8bit(a) ? a : !full_scale_8bit(b) ? b : NULL;
    *range = *open ? NAN : 255;
    return *open ? QEV_EINVAL : QEV_OK;
}

static int full_scale_integer(const qev_image *im, double L)
{
    return im->bits && (double)im->maxval == L && (im->maxval == 255 || im->maxval == 65535);
}

int qev_ssim_integer_inputs(const qev_image *a, const qev_image *b, double range)
{
    return full_scale_integer(a, range) && full_scale_integer(b, range);
}

static const char *dims(char *buf, size_t n, size_t w, size_t h)
{
    snprintf(buf, n, "%zux%zu", w, h);
    return buf;
}

static double c_of(double k, double L) { return (k * L) * (k * L); }

/* err, if non-NULL, is given the MSE and the MAE of the two images. */
static int gaussian_ssim(const double *x, const double *y, size_t w, size_t h, double L,
                         double *map, qev_ssim_means *m, int with_cs, double err[2])
{
    double g[2 * QEV_SSIM_GAUSS_RADIUS + 1];
    qev_ssim_gaussian_weights(QEV_SSIM_SIGMA, QEV_SSIM_GAUSS_RADIUS, g);
    qev_ssim_window win = {QEV_SSIM_GAUSS_RADIUS, g, 1.0};
    return windowed(x, y, w, h, &win, c_of(QEV_SSIM_K1, L), c_of(QEV_SSIM_K2, L), map, m,
                    with_cs, err);
}

static int uniform_ssim(const qev_image *a, const qev_image *b, double L, double *map,
                        qev_ssim_means *m, double err[2])
{
    double u[7];
    for (int k = 0; k < 7; k++)
        u[k] = 1.0 / 7;
    qev_ssim_window win = {3, u, 49.0 / 48.0};
    return windowed(a->px, b->px, a->width, a->height, &win, c_of(QEV_SSIM_K1, L),
                    c_of(QEV_SSIM_K2, L), map, m, 0, err);
}

static int ffmpeg_ssim(const qev_image *a, const qev_image *b, const qev_ssim_opts *o,
                       double *map, double *mean)
{
    double L = o->range;
    double c1 = .01 * .01 * L * L * 64, c2 = .03 * .03 * L * L * 64 * 63;
    if (o->ffmpeg_integer) {
        /* as ffmpeg: (int64_t)(.01*.01*max*max*64 + .5) */
        c1 = (double)(int64_t)(c1 + .5);
        c2 = (double)(int64_t)(c2 + .5);
    }
    if (!(c1 > 0 && c2 > 0))
        return QEV_EINVAL;
    return qev_ssim_blocks(a->px, b->px, a->width, a->height, c1, c2, map, mean);
}

static int matlab_ssim(const qev_image *a, const qev_image *b, double L, int f, double *map,
                       double *ssim)
{
    qev_ssim_means m;
    if (f == 1) {
        int rc = gaussian_ssim(a->px, b->px, a->width, a->height, L, map, &m, 0, NULL);
        *ssim = m.ssim;
        return rc;
    }
    size_t w = (a->width + (size_t)f - 1) / (size_t)f, h = (a->height + (size_t)f - 1) / (size_t)f;
    double *x = malloc(2 * w * h * sizeof *x);
    if (!x)
        return QEV_ENOMEM;
    qev_ssim_box_downsample(a->px, a->width, a->height, f, x);
    qev_ssim_box_downsample(b->px, b->width, b->height, f, x + w * h);
    int rc = gaussian_ssim(x, x + w * h, w, h, L, map, &m, 0, NULL);
    *ssim = m.ssim;
    free(x);
    return rc;
}

static const double ms_weights[QEV_SSIM_SCALES] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

/* Negative means have no real fractional power: they count as 0, as in
 * TensorFlow's and pytorch-msssim's implementations. */
static double ms_pool(const qev_ssim_result *r)
{
    double v = 1;
    for (int l = 0; l < QEV_SSIM_SCALES; l++) {
        double t = l + 1 < QEV_SSIM_SCALES ? r->scale_cs[l] : r->scale_ssim[l];
        v *= pow(t > 0 ? t : 0, ms_weights[l]);
    }
    return v;
}

static int ms_ssim(const qev_image *a, const qev_image *b, double L, qev_ssim_result *r)
{
    size_t w = a->width, h = a->height;
    /* scales 2 and 4 go to the first buffer, 3 and 5 to the second */
    size_t half = ((w + 1) / 2) * ((h + 1) / 2), quarter = ((w + 3) / 4) * ((h + 3) / 4);
    double *even = malloc(2 * half * sizeof *even), *odd = malloc(2 * quarter * sizeof *odd);
    const double *x = a->px, *y = b->px;
    int rc = even && odd ? QEV_OK : QEV_ENOMEM;
    for (int l = 0; l < QEV_SSIM_SCALES && rc == QEV_OK; l++) {
        qev_ssim_means m;
        rc = gaussian_ssim(x, y, w, h, L, NULL, &m, 1, NULL);
        r->scale_ssim[l] = m.ssim;
        r->scale_cs[l] = m.cs;
        if (l + 1 == QEV_SSIM_SCALES)
            break;
        size_t nw = (w + 1) / 2, nh = (h + 1) / 2;
        double *nx = l % 2 == 0 ? even : odd, *ny = nx + nw * nh;
        qev_ssim_box_downsample(x, w, h, 2, nx);
        qev_ssim_box_downsample(y, w, h, 2, ny);
        x = nx;
        y = ny;
        w = nw;
        h = nh;
    }
    free(even);
    free(odd);
    r->ssim = ms_pool(r);
    return rc;
}

/* The smallest side a variant takes, and the size of its map. */
static size_t min_side(enum qev_ssim_variant v)
{
    switch (v) {
    case QEV_SSIM_SKIMAGE: return 7;
    case QEV_SSIM_FFMPEG: return 8;
    case QEV_SSIM_MS: return 11 << (QEV_SSIM_SCALES - 1);
    default: return 11;
    }
}

static void map_size(enum qev_ssim_variant v, size_t w, size_t h, int f, size_t *mw, size_t *mh)
{
    switch (v) {
    case QEV_SSIM_SKIMAGE: *mw = w - 6, *mh = h - 6; break;
    case QEV_SSIM_FFMPEG: *mw = w / 4 - 1, *mh = h / 4 - 1; break;
    default:
        *mw = (w + (size_t)f - 1) / (size_t)f - 10;
        *mh = (h + (size_t)f - 1) / (size_t)f - 10;
    }
}

static int check_inputs(const qev_image *a, const qev_image *b, const qev_ssim_opts *o,
                        qev_image *map, char *why, size_t cap)
{
    char da[48], db[48];
    if (a->width != b->width || a->height != b->height)
        return qev_why(why, cap, QEV_EINVAL, "the images differ in size: %s and %s",
                    dims(da, sizeof da, a->width, a->height),
                    dims(db, sizeof db, b->width, b->height));
    size_t need = min_side(o->variant);
    if (a->width < need || a->height < need)
        return qev_why(why, cap, QEV_EINVAL, "the images are %s; %s needs at least %zux%zu",
                    dims(da, sizeof da, a->width, a->height), qev_ssim_variant_name(o->variant),
                    need, need);
    double c1 = c_of(QEV_SSIM_K1, o->range);
    if (!(o->range > 0) || !isfinite(c1 * 64 * 63) || !(c1 >= 0x1p-1000))
        return qev_why(why, cap, QEV_EINVAL, "data range %g is out of the usable range", o->range);
    if (map && o->variant == QEV_SSIM_MS)
        return qev_why(why, cap, QEV_EINVAL, "msssim has no single SSIM map");
    return QEV_OK;
}

/* The variant's score; err is given the MSE and MAE where they come for free,
 * and is left NaN otherwise. */
static int variant_ssim(const qev_image *a, const qev_image *b, const qev_ssim_opts *o,
                        qev_ssim_result *r, double *map, double err[2])
{
    qev_ssim_means m = {0, 0};
    int rc;
    err[0] = err[1] = NAN;
    switch (o->variant) {
    case QEV_SSIM_SKIMAGE:
        rc = uniform_ssim(a, b, o->range, map, &m, err);
        r->ssim = m.ssim;
        return rc;
    case QEV_SSIM_FFMPEG: return ffmpeg_ssim(a, b, o, map, &r->ssim);
    case QEV_SSIM_MATLAB: return matlab_ssim(a, b, o->range, r->downsample, map, &r->ssim);
    case QEV_SSIM_MS: return ms_ssim(a, b, o->range, r);
    default:
        rc = gaussian_ssim(a->px, b->px, a->width, a->height, o->range, map, &m, 0, err);
        r->ssim = m.ssim;
        return rc;
    }
}

int qev_ssim_compare(const qev_image *a, const qev_image *b, const qev_ssim_opts *o,
                     qev_ssim_result *r, qev_image *map, char *why, size_t why_cap)
{
    memset(r, 0, sizeof *r);
    if (map)
        *map = (qev_image){0};
    int rc = check_inputs(a, b, o, map, why, why_cap);
    if (rc != QEV_OK)
        return rc;
    r->downsample = o->variant == QEV_SSIM_MATLAB ? qev_ssim_matlab_factor(a->width, a->height) : 1;
    if (map) {
        size_t mw, mh;
        map_size(o->variant, a->width, a->height, r->downsample, &mw, &mh);
        if ((rc = qev_image_alloc(map, mw, mh, why, why_cap)) != QEV_OK)
            return rc;
    }
    double err[2];
    rc = variant_ssim(a, b, o, r, map ? map->px : NULL, err);
    if (rc != QEV_OK) {
        if (map)
            qev_image_free(map);
        return rc == QEV_ENOMEM ? qev_why(why, why_cap, rc, "out of memory")
                                : qev_why(why, why_cap, rc, "the %s variant's constants vanish "
                                                         "at data range %g",
                                       qev_ssim_variant_name(o->variant), o->range);
    }
    r->mse = err[0];
    r->mae = err[1];
    if (isnan(r->mse))
        qev_image_errors(a->px, b->px, a->width * a->height, &r->mse, &r->mae);
    r->psnr = qev_psnr(r->mse, o->range);
    return QEV_OK;
}
