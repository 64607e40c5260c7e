/* Walsh-Hadamard, DCT-II and Haar transforms of images. */
#include "fwht.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void qev_fwht(double *a, size_t n, size_t stride)
{
    for (size_t h = 1; h < n; h *= 2)
        for (size_t i = 0; i < n; i += 2 * h)
            for (size_t j = i; j < i + h; j++) {
                double x = a[j * stride], y = a[(j + h) * stride];
                a[j * stride] = x + y;
                a[(j + h) * stride] = x - y;
            }
}

/* The first two stages of a row at once, so short rows do not pay a loop per
 * butterfly; then the wider stages. */
static void fwht_row(double *a, size_t n)
{
    if (n < 4) {
        qev_fwht(a, n, 1);
        return;
    }
    for (size_t i = 0; i < n; i += 4) {
        double s0 = a[i] + a[i + 1], d0 = a[i] - a[i + 1];
        double s1 = a[i + 2] + a[i + 3], d1 = a[i + 2] - a[i + 3];
        a[i] = s0 + s1;
        a[i + 1] = d0 + d1;
        a[i + 2] = s0 - s1;
        a[i + 3] = d0 - d1;
    }
    for (size_t h = 4; h < n; h *= 2)
        for (size_t i = 0; i < n; i += 2 * h)
            for (size_t j = i; j < i + h; j++) {
                double x = a[j], y = a[j + h];
                a[j] = x + y;
                a[j + h] = x - y;
            }
}

/* Columns: a butterfly between two whole rows, which the compiler vectorises. */
static void butterfly_rows(double *restrict r0, double *restrict r1, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double x = r0[k], y = r1[k];
        r0[k] = x + y;
        r1[k] = x - y;
    }
}

void qev_fwht2(double *x, size_t n)
{
    for (size_t r = 0; r < n; r++)
        fwht_row(x + r * n, n);
    for (size_t h = 1; h < n; h *= 2)
        for (size_t i = 0; i < n; i += 2 * h)
            for (size_t j = i; j < i + h; j++)
                butterfly_rows(x + j * n, x + (j + h) * n, n);
}

/* ---- DCT-II ---- */

struct qev_dct_plan {
    size_t w, h;
    double *cw, *ch; /* cw[k * w + i]: the k-th orthonormal cosine at sample i */
    double *tmp;
};

static double *cosine_table(size_t n)
{
    double *c = malloc(n * n * sizeof *c);
    if (!c)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        double s = k ? sqrt(2.0 / (double)n) : sqrt(1.0 / (double)n);
        for (size_t i = 0; i < n; i++)
            c[k * n + i] = s * cos(M_PI * ((double)i + 0.5) * (double)k / (double)n);
    }
    return c;
}

qev_dct_plan *qev_dct_plan_new(size_t width, size_t height)
{
    qev_dct_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->w = width;
    p->h = height;
    p->cw = cosine_table(width);
    p->ch = cosine_table(height);
    p->tmp = malloc(width * height * sizeof *p->tmp);
    if (!p->cw || !p->ch || !p->tmp) {
        qev_dct_plan_free(p);
        return NULL;
    }
    return p;
}

void qev_dct_plan_free(qev_dct_plan *p)
{
    if (!p)
        return;
    free(p->cw);
    free(p->ch);
    free(p->tmp);
    free(p);
}

/* out[k][.] = sum_i c[k][i] in[i][.]: rows of length len combined by a table. */
static void combine_rows(const double *c, size_t n, const double *in, double *out, size_t len,
                         int transpose)
{
    memset(out, 0, n * len * sizeof *out);
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n; i++) {
            double w = transpose ? c[i * n + k] : c[k * n + i];
            const double *src = in + i * len;
            double *dst = out + k * len;
            for (size_t x = 0; x < len; x++)
                dst[x] += w * src[x];
        }
}

void qev_dct2(qev_dct_plan *p, const double *in, double *out)
{
    size_t w = p->w, h = p->h;
    for (size_t y = 0; y < h; y++)
        for (size_t k = 0; k < w; k++) {
            double s = 0;
            for (size_t x = 0; x < w; x++)
                s += p->cw[k * w + x] * in[y * w + x];
            p->tmp[y * w + k] = s;
        }
    combine_rows(p->ch, h, p->tmp, out, w, 0);
}

void qev_idct2(qev_dct_plan *p, const double *in, double *out)
{
    size_t w = p->w, h = p->h;
    combine_rows(p->ch, h, in, p->tmp, w, 1);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double s = 0;
            for (size_t k = 0; k < w; k++)
                s += p->cw[k * w + x] * p->tmp[y * w + k];
            out[y * w + x] = s;
        }
}

/* ---- Haar ---- */

static void haar_split(double *a, size_t n, size_t stride, double *s)
{
    for (size_t i = 0; i < n / 2; i++) {
        double x = a[2 * i * stride], y = a[(2 * i + 1) * stride];
        s[i] = (x + y) * M_SQRT1_2;
        s[n / 2 + i] = (x - y) * M_SQRT1_2;
    }
    for (size_t i = 0; i < n; i++)
        a[i * stride] = s[i];
}

static void haar_join(double *a, size_t n, size_t stride, double *s)
{
    for (size_t i = 0; i < n / 2; i++) {
        double lo = a[i * stride], hi = a[(n / 2 + i) * stride];
        s[2 * i] = (lo + hi) * M_SQRT1_2;
        s[2 * i + 1] = (lo - hi) * M_SQRT1_2;
    }
    for (size_t i = 0; i < n; i++)
        a[i * stride] = s[i];
}

static int haar_levels(size_t w, size_t h)
{
    int levels = 0;
    while (w >= 2 && h >= 2 && w % 2 == 0 && h % 2 == 0) {
        levels++;
        w /= 2;
        h /= 2;
    }
    return levels;
}

void qev_haar2(double *x, size_t width, size_t height, double *scratch)
{
    size_t w = width, h = height;
    for (int l = haar_levels(width, height); l > 0; l--) {
        for (size_t y = 0; y < h; y++)
            haar_split(x + y * width, w, 1, scratch);
        for (size_t c = 0; c < w; c++)
            haar_split(x + c, h, width, scratch);
        w /= 2;
        h /= 2;
    }
}

void qev_ihaar2(double *x, size_t width, size_t height, double *scratch)
{
    int levels = haar_levels(width, height);
    for (int l = levels; l > 0; l--) {
        size_t w = width >> (l - 1), h = height >> (l - 1);
        for (size_t c = 0; c < w; c++)
            haar_join(x + c, h, width, scratch);
        for (size_t y = 0; y < h; y++)
            haar_join(x + y * width, w, 1, scratch);
    }
}
