/* Unit tests of the reconstruction library against direct computations of
 * the definitions: Hadamard matrices built by the Sylvester recursion and
 * multiplied out, correlation images summed by their formulas, orthonormal
 * transforms against their matrices, and counts worked out by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwht.h"
#include "herald_image.h"
#include "partial.h"
#include "patterns.h"
#include "qev.h"
#include "recon.h"
#include "recon_data.h"
#include "recon_herald.h"
#include "rng.h"
#include "tap.h"

/* ---- slow references ---- */

/* H_n by the Sylvester recursion, n x n row-major. */
static double *sylvester(size_t n)
{
    double *h = malloc(sizeof *h * n * n);
    h[0] = 1;
    for (size_t k = 1; k < n; k *= 2)
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double a = h[i * n + j];
                h[i * n + j + k] = a;
                h[(i + k) * n + j] = a;
                h[(i + k) * n + j + k] = -a;
            }
    return h;
}

/* out = a b, all n x n. */
static void matmul(const double *a, const double *b, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += a[i * n + k] * b[k * n + j];
            out[i * n + j] = s;
        }
}

/* out = H x H, the slow way. */
static void slow_hxh(const double *h, const double *x, double *out, size_t n)
{
    double *t = malloc(sizeof *t * n * n);
    matmul(h, x, t, n);
    matmul(t, h, out, n);
    free(t);
}

/* A test image in [0, 1]: a smooth ramp, a bright square and noise. */
static double *test_image(size_t n, uint64_t seed)
{
    double *x = malloc(sizeof *x * n * n);
    qev_rng r;
    qev_rng_seed(&r, seed);
    for (size_t y = 0; y < n; y++)
        for (size_t c = 0; c < n; c++) {
            double v = 0.3 * (double)(y + c) / (double)(2 * n);
            if (y > n / 4 && y < n / 2 && c > n / 3 && c < 3 * n / 4)
                v += 0.5;
            x[y * n + c] = v + 0.2 * (qev_rng_open01(&r) - 0.5) + 0.1;
        }
    return x;
}

static double psnr(const double *a, const double *b, size_t n)
{
    double mse = 0;
    for (size_t i = 0; i < n; i++)
        mse += (a[i] - b[i]) * (a[i] - b[i]);
    mse /= (double)n;
    return mse > 0 ? 10 * log10(1 / mse) : INFINITY;
}

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

/* The bucket values of split patterns, each a direct sum over the 0/1 parts
 * that patterns.h generates. */
static double *split_buckets_direct(size_t n, const uint32_t *perm, size_t k, const double *x)
{
    size_t N = n * n;
    double *b = malloc(sizeof *b * 2 * k);
    uint8_t *part = malloc(N);
    for (size_t j = 0; j < k; j++)
        for (int sign = 0; sign < 2; sign++) {
            qev_hadamard_part((uint32_t)n, perm[j], sign, part);
            double s = 0;
            for (size_t i = 0; i < N; i++)
                s += part[i] * x[i];
            b[2 * j + (size_t)sign] = s;
        }
    free(part);
    return b;
}

/* ---- the fast Walsh-Hadamard transform ---- */

static void test_fwht_matches_matrix(void)
{
    for (size_t n = 1; n <= 64; n *= 2) {
        double *h = sylvester(n), *x = test_image(n, n), *want = malloc(sizeof *want * n * n);
        slow_hxh(h, x, want, n);
        qev_fwht2(x, n);
        char name[80];
        snprintf(name, sizeof name, "fwht2 equals H X H by matrix products, n = %zu", n);
        tap_ok(max_abs_diff(x, want, n * n) < 1e-9 * (double)(n * n), name);
        free(h);
        free(x);
        free(want);
    }
}

/* ---- Hadamard at 100 %: exact to round-off ---- */

static void full_sampling(size_t n, int direct)
{
    size_t N = n * n;
    double *x = test_image(n, 7 + n), *out = malloc(sizeof *out * N), *b;
    uint32_t *perm = malloc(sizeof *perm * N);
    qev_hadamard_order((uint32_t)n, QEV_ORDER_ZIGZAG, 1, perm);
    if (direct) {
        b = split_buckets_direct(n, perm, N, x);
    } else { /* from C = H X H by matrix products: y(2k), y(2k+1) = (S +- C) / 2 */
        double *h = sylvester(n), *c = malloc(sizeof *c * N), s = 0;
        slow_hxh(h, x, c, n);
        for (size_t i = 0; i < N; i++)
            s += x[i];
        b = malloc(sizeof *b * 2 * N);
        for (size_t k = 0; k < N; k++) {
            b[2 * k] = (s + c[perm[k]]) / 2;
            b[2 * k + 1] = (s - c[perm[k]]) / 2;
        }
        free(h);
        free(c);
    }
    qev_recon_op *op;
    qev_op_hadamard((uint32_t)n, QEV_ORDER_ZIGZAG, 1, N, 1, &op);
    qev_recon_params p = {.algo = QEV_RECON_HADAMARD, .lambda = -1};
    qev_recon_info info;
    char why[200], name[100];
    int rc = qev_recon_run(op, b, &p, out, &info, why, sizeof why);
    double db = psnr(out, x, N);
    snprintf(name, sizeof name, "Hadamard at 100%% sampling, %zux%zu: PSNR %.1f dB > 100", n, n,
             db);
    tap_ok(rc == QEV_OK && db > 100, name);
    qev_op_free(op);
    free(x);
    free(out);
    free(b);
    free(perm);
}

/* ---- zero-filled Hadamard = H (C masked) H / n^2 ---- */

static int zero_filled_case(size_t n, enum qev_order order, double frac, const double *h,
                            const double *x, const double *c)
{
    size_t N = n * n, k = (size_t)ceil(frac * (double)N);
    uint32_t *perm = malloc(sizeof *perm * N);
    qev_hadamard_order((uint32_t)n, order, 3, perm);
    double *masked = calloc(N, sizeof *masked), *want = malloc(sizeof *want * N);
    for (size_t j = 0; j < k; j++)
        masked[perm[j]] = c[perm[j]];
    slow_hxh(h, masked, want, n);
    for (size_t i = 0; i < N; i++)
        want[i] /= (double)N;
    double *b = split_buckets_direct(n, perm, k, x), *got = malloc(sizeof *got * N);
    qev_recon_op *op;
    qev_op_hadamard((uint32_t)n, order, 3, k, 1, &op);
    qev_recon_params p = {.algo = QEV_RECON_HADAMARD, .lambda = -1};
    qev_recon_info info;
    char why[200];
    int ok = qev_recon_run(op, b, &p, got, &info, why, sizeof why) == QEV_OK &&
             max_abs_diff(got, want, N) < 1e-12;
    qev_op_free(op);
    free(perm);
    free(masked);
    free(want);
    free(b);
    free(got);
    return ok;
}

static void test_zero_filled(size_t n)
{
    size_t N = n * n;
    double *h = sylvester(n), *x = test_image(n, 11), *c = malloc(sizeof *c * N);
    slow_hxh(h, x, c, n);
    const double fracs[] = {0.05, 0.10, 0.25, 0.50};
    for (int o = QEV_ORDER_NATURAL; o <= QEV_ORDER_RANDOM; o++)
        for (size_t f = 0; f < 4; f++) {
            char name[120];
            snprintf(name, sizeof name,
                     "zero-filled Hadamard, %s order, %.0f%% of %zux%zu: H (C masked) H / n^2",
                     qev_order_name((enum qev_order)o), fracs[f] * 100, n, n);
            tap_ok(zero_filled_case(n, (enum qev_order)o, fracs[f], h, x, c), name);
        }
    free(h);
    free(x);
    free(c);
}

/* CGLS from zero on a Hadamard subset is the minimum-norm least-squares
 * solution, which is the zero-filled inverse. */
static void test_cgls_is_zero_filled(void)
{
    size_t n = 32, N = n * n, k = N / 4;
    double *x = test_image(n, 5), *zf = malloc(sizeof *zf * N), *cg = malloc(sizeof *cg * N);
    uint32_t *perm = malloc(sizeof *perm * N);
    qev_hadamard_order((uint32_t)n, QEV_ORDER_CAKE, 1, perm);
    double *b = split_buckets_direct(n, perm, k, x);
    qev_recon_op *op;
    qev_op_hadamard((uint32_t)n, QEV_ORDER_CAKE, 1, k, 1, &op);
    qev_recon_params p = {.algo = QEV_RECON_HADAMARD, .lambda = -1};
    qev_recon_info info;
    char why[200];
    qev_recon_run(op, b, &p, zf, &info, why, sizeof why);
    p.algo = QEV_RECON_CGLS;
    int rc = qev_recon_run(op, b, &p, cg, &info, why, sizeof why);
    tap_ok(rc == QEV_OK && info.converged && max_abs_diff(zf, cg, N) < 1e-9,
           "cgls on a quarter of the Hadamard patterns equals the zero-filled inverse");
    tap_near(info.residual, 0, 1e-12, "and the split measurements are fitted exactly");
    qev_op_free(op);
    free(x);
    free(zf);
    free(cg);
    free(perm);
    free(b);
}

/* ---- operators: adjoint and rows ---- */

static void test_adjoints(void)
{
    qev_recon_op *ops[4];
    qev_op_hadamard(16, QEV_ORDER_RD, 1, 100, 1, &ops[0]);
    qev_op_hadamard(16, QEV_ORDER_WALSH, 1, 100, 0, &ops[1]);
    qev_op_random(12, 10, 50, 9, 0.3, &ops[2]);
    float vals[3 * 6];
    for (int i = 0; i < 18; i++)
        vals[i] = (float)(i % 5) / 4.0f;
    qev_op_dense(3, 2, 3, vals, &ops[3]);
    const char *names[] = {"split Hadamard", "signed Hadamard", "random", "dense"};
    for (int k = 0; k < 4; k++) {
        qev_recon_op *op = ops[k];
        size_t n = qev_op_width(op) * qev_op_height(op), m = qev_op_rows(op);
        double *x = test_image(16, 3), *y = malloc(sizeof *y * m), *ax = malloc(sizeof *ax * m);
        double *aty = malloc(sizeof *aty * n), *row = malloc(sizeof *row * n);
        for (size_t i = 0; i < m; i++)
            y[i] = sin((double)i);
        qev_op_apply(op, x, ax);
        qev_op_adjoint(op, y, aty);
        double lhs = 0, rhs = 0, worst = 0;
        for (size_t i = 0; i < m; i++)
            lhs += ax[i] * y[i];
        for (size_t i = 0; i < n; i++)
            rhs += x[i] * aty[i];
        for (size_t r = 0; r < m; r++) { /* A x row by row, from the patterns */
            qev_op_row(op, r, row);
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += row[i] * x[i];
            worst = fmax(worst, fabs(s - ax[r]));
        }
        char name[100];
        snprintf(name, sizeof name, "%s: <Ax, y> = <x, A^T y>", names[k]);
        tap_near(lhs, rhs, 1e-9 * fabs(lhs), name);
        snprintf(name, sizeof name, "%s: A x equals the sums over each pattern", names[k]);
        tap_ok(worst < 1e-9, name);
        free(x);
        free(y);
        free(ax);
        free(aty);
        free(row);
        qev_op_free(op);
    }
}

/* ---- correlation ghost imaging against its formulas ---- */

static void test_gi_formulas(void)
{
    size_t n = 8, N = 64, M = 300;
    qev_recon_op *op;
    qev_op_random(n, n, M, 4, 0.4, &op);
    double *x = test_image(n, 8), *b = malloc(sizeof *b * M), *p = malloc(sizeof *p * M * N);
    qev_op_apply(op, x, b);
    for (size_t m = 0; m < M; m++) {
        qev_op_row(op, m, p + m * N);
        b[m] += 0.1 * sin(3.0 * (double)m); /* noise, so the three differ */
    }
    const enum qev_recon_algo algos[] = {QEV_RECON_TGI, QEV_RECON_DGI, QEV_RECON_NGI};
    const char *names[] = {"TGI = <BP> - <B><P>", "DGI = <BP> - <B>/<R> <RP>",
                           "NGI = <(B/R - <B>/<R>)(P - <P>)>"};
    for (int a = 0; a < 3; a++) {
        double *got = malloc(sizeof *got * N), worst = 0;
        qev_recon_params prm = {.algo = algos[a], .lambda = -1};
        qev_recon_info info;
        char why[100];
        qev_recon_run(op, b, &prm, got, &info, why, sizeof why);
        double mb = 0, mr = 0;
        for (size_t m = 0; m < M; m++) {
            double r = 0;
            for (size_t i = 0; i < N; i++)
                r += p[m * N + i];
            mb += b[m] / (double)M;
            mr += r / (double)M;
        }
        for (size_t i = 0; i < N; i++) {
            double bp = 0, mp = 0, rp = 0;
            for (size_t m = 0; m < M; m++) {
                double r = 0, pi = p[m * N + i];
                for (size_t j = 0; j < N; j++)
                    r += p[m * N + j];
                bp += b[m] * pi / (double)M;
                mp += pi / (double)M;
                rp += r * pi / (double)M;
            }
            double want = a == 0 ? bp - mb * mp : a == 1 ? bp - mb / mr * rp : 0;
            if (a == 2) {
                want = 0;
                for (size_t m = 0; m < M; m++) {
                    double r = 0;
                    for (size_t j = 0; j < N; j++)
                        r += p[m * N + j];
                    want += (b[m] / r - mb / mr) * (p[m * N + i] - mp) / (double)M;
                }
            }
            worst = fmax(worst, fabs(got[i] - want));
        }
        tap_ok(worst < 1e-10, names[a]);
        free(got);
    }
    qev_op_free(op);
    free(x);
    free(b);
    free(p);
}

/* ---- the orthonormal transforms ---- */

static void test_dct_and_haar(void)
{
    size_t w = 12, h = 8, n = w * h;
    double *x = test_image(12, 2), *c = malloc(sizeof *c * n), *back = malloc(sizeof *back * n);
    qev_dct_plan *p = qev_dct_plan_new(w, h);
    qev_dct2(p, x, c);
    /* coefficient (k, l) by the DCT-II formula */
    double worst = 0;
    for (size_t l = 0; l < h; l++)
        for (size_t k = 0; k < w; k++) {
            double s = 0;
            for (size_t y = 0; y < h; y++)
                for (size_t xx = 0; xx < w; xx++)
                    s += x[y * w + xx] * cos(M_PI * ((double)xx + 0.5) * (double)k / (double)w) *
                         cos(M_PI * ((double)y + 0.5) * (double)l / (double)h);
            s *= (k ? sqrt(2.0 / (double)w) : sqrt(1.0 / (double)w)) *
                 (l ? sqrt(2.0 / (double)h) : sqrt(1.0 / (double)h));
            worst = fmax(worst, fabs(s - c[l * w + k]));
        }
    tap_ok(worst < 1e-12, "DCT-II coefficients equal the orthonormal formula (12x8)");
    qev_idct2(p, c, back);
    tap_ok(max_abs_diff(back, x, n) < 1e-12, "the inverse DCT restores the image");
    qev_dct_plan_free(p);

    /* Haar on 4x2 by hand: one level (the 2x1 low-pass block is not split). */
    double a[8] = {1, 3, 5, 7, 2, 2, 0, 4}, s[8];
    qev_haar2(a, 4, 2, s);
    /* rows: (4, 12, -2, -2)/sqrt 2 and (4, 4, 0, -4)/sqrt 2; then columns */
    double want[8] = {4, 8, -1, -3, 0, 4, -1, 1};
    tap_ok(max_abs_diff(a, want, 8) < 1e-12, "Haar on a 4x2 image, worked by hand");
    double *y = test_image(16, 4), *orig = malloc(sizeof *orig * 256), sc[16];
    memcpy(orig, y, sizeof *orig * 256);
    qev_haar2(y, 16, 16, sc);
    double e0 = 0, e1 = 0;
    for (size_t i = 0; i < 256; i++) {
        e0 += orig[i] * orig[i];
        e1 += y[i] * y[i];
    }
    tap_near(e1, e0, 1e-9 * e0, "Haar keeps the energy (orthonormal)");
    double mean = 0;
    for (size_t i = 0; i < 256; i++)
        mean += orig[i] / 16.0; /* 16 x mean = sum / 16 */
    tap_near(y[0], mean, 1e-9, "the last low-pass coefficient is sum / sqrt(N)");
    qev_ihaar2(y, 16, 16, sc);
    tap_ok(max_abs_diff(y, orig, 256) < 1e-12, "the inverse Haar restores the image");
    free(x);
    free(c);
    free(back);
    free(y);
    free(orig);
}

/* ---- regularised and Poisson solvers on exact data ---- */

static void test_solvers_on_exact_data(void)
{
    size_t n = 16, N = n * n;
    double *x = test_image(n, 21), *out = malloc(sizeof *out * N);
    qev_recon_op *op;
    qev_op_hadamard((uint32_t)n, QEV_ORDER_NATURAL, 1, N, 1, &op);
    double *b = malloc(sizeof *b * 2 * N);
    qev_op_apply(op, x, b);
    qev_recon_info info;
    char why[200];
    qev_recon_params p = {.algo = QEV_RECON_PML, .iterations = 3000, .tolerance = 1e-12,
                          .lambda = -1};
    tap_ok(qev_recon_run(op, b, &p, out, &info, why, sizeof why) == QEV_OK &&
               psnr(out, x, N) > 40,
           "pml on noiseless split Hadamard data approaches the image");
    p = (qev_recon_params){.algo = QEV_RECON_TV, .iterations = 2000, .tolerance = 1e-9,
                           .lambda = 0};
    qev_recon_run(op, b, &p, out, &info, why, sizeof why);
    tap_ok(psnr(out, x, N) > 60, "tv with lambda 0 on full data returns the image");
    p.algo = QEV_RECON_FISTA;
    qev_recon_run(op, b, &p, out, &info, why, sizeof why);
    tap_ok(psnr(out, x, N) > 60, "fista with lambda 0 on full data returns the image");
    p.basis = QEV_BASIS_HAAR;
    qev_recon_run(op, b, &p, out, &info, why, sizeof why);
    tap_ok(psnr(out, x, N) > 60, "fista in Haar with lambda 0 returns the image");
    /* non-negativity: a negative image gives a zero TV estimate */
    for (size_t i = 0; i < 2 * N; i++)
        b[i] = -b[i];
    p = (qev_recon_params){.algo = QEV_RECON_TV, .lambda = 0.02};
    qev_recon_run(op, b, &p, out, &info, why, sizeof why);
    double lo = 0;
    for (size_t i = 0; i < N; i++)
        lo = fmin(lo, out[i]);
    tap_ok(lo >= 0, "tv keeps x >= 0");
    p.algo = QEV_RECON_PML;
    tap_ok(qev_recon_run(op, b, &p, out, &info, why, sizeof why) == QEV_EINVAL,
           "pml refuses negative bucket values");
    qev_op_free(op);
    free(x);
    free(out);
    free(b);
}

/* ---- heralded ---- */

static void test_tally(void)
{
    qev_tally t;
    qev_tally_init(&t, 4, 3, 100, 1000);
    qev_event ev[] = {
        {50, 1, QEV_PHOTON, QEV_F_GROUP, 0},                        /* not owned */
        {50, 2, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(1, 1)},
        {150, 1, QEV_PHOTON, QEV_F_GROUP, 0},                       /* owned */
        {151, 2, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(3, 2)},
        {152, 2, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(0, 0)},
        {999, 2, QEV_PHOTON, QEV_F_PIXEL | QEV_F_GROUP, qev_pixel_aux(3, 2)}, /* owned */
        {1000, 1, QEV_PHOTON, 0, 0},
        {1000, 1, QEV_PHOTON, QEV_F_GROUP, 0},                      /* not owned */
        {1001, 2, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(2, 2)},
    };
    char why[100];
    /* in two blocks, the second starting inside a group */
    int rc = qev_tally_groups(&t, ev, 5, why, sizeof why);
    rc |= qev_tally_groups(&t, ev + 5, 4, why, sizeof why);
    tap_ok(rc == QEV_OK && t.groups == 2 && t.photons == 3,
           "groups: two owned groups, three pixel photons");
    tap_ok(t.count[2 * 4 + 3] == 2 && t.count[0] == 1 && t.count[1 * 4 + 1] == 0 &&
               t.count[2 * 4 + 2] == 0,
           "groups: counts land on their pixels, only in owned groups");
    qev_event bad = {200, 2, QEV_PHOTON, QEV_F_PIXEL | QEV_F_GROUP, qev_pixel_aux(4, 0)};
    tap_ok(qev_tally_groups(&t, &bad, 1, why, sizeof why) == QEV_EINVAL,
           "a pixel outside the image is an error");
    qev_tally_free(&t);
    /* a whole stream: every group counts, nothing before the first group */
    qev_tally_init(&t, 4, 3, INT64_MIN, INT64_MAX);
    rc = qev_tally_groups(&t, ev + 1, 4, why, sizeof why);
    rc |= qev_tally_groups(&t, ev + 5, 4, why, sizeof why);
    tap_ok(rc == QEV_OK && t.groups == 3 && t.photons == 4 && t.count[1 * 4 + 1] == 0 &&
               t.count[2 * 4 + 2] == 1 && t.count[2 * 4 + 3] == 2,
           "groups of a whole stream: all count, a photon before the first group does not");
    tap_ok(qev_tally_groups(&t, &bad, 1, why, sizeof why) == QEV_EINVAL,
           "a pixel outside the image is an error in a whole stream too");
    qev_tally_free(&t);

    qev_tally s;
    qev_tally_init(&s, 2, 1, INT64_MIN, INT64_MAX);
    qev_event sg[] = {{10, 1, QEV_PHOTON, 0, 0},
                      {20, 2, QEV_PHOTON, QEV_F_PIXEL, qev_pixel_aux(1, 0)},
                      {30, 3, QEV_PHOTON, 0, 0},
                      {40, 0, QEV_MARKER, 0, 0},
                      {1010, 1, QEV_PHOTON, 0, 0}};
    qev_tally_singles(&s, sg, 5, 1, why, sizeof why);
    tap_ok(s.heralds == 2 && s.photons == 1 && s.count[1] == 1 && s.first == 10 &&
               s.last == 1010,
           "singles: heralds, pixel clicks, and the time span");
    double acc[2], var[2];
    qev_accidentals_from_singles(&s, 101, acc, var, why, sizeof why);
    /* 2 heralds x 1 click x 101 ps / 1000 ps */
    tap_near(acc[1], 2 * 1 * 101 / 1000.0, 1e-15, "A_j = N_h S_j W / T");
    tap_near(var[1], acc[1] * acc[1] * (0.5 + 1), 1e-15, "Var A_j = A_j^2 (1/N_h + 1/S_j)");
    tap_near(acc[0], 0, 0, "no clicks, no accidentals");
    qev_tally_free(&s);
    tap_near(qev_window_cover_ps(1000, 1), 1001, 0, "a 1000 ps window covers 1001 delays of 1 ps");
    tap_near(qev_window_cover_ps(1000, 300), 900, 0, "... or 3 delays of 300 ps");
}

static void test_net_and_rl(void)
{
    uint64_t c[4] = {10, 20, 0, 7};
    double acc[4] = {1, 2, 0.5, 1}, av[4] = {1, 2, 0.5, 1}, flat[4] = {1, 2, 0, 0.5};
    double net[4], var[4];
    size_t masked;
    qev_herald_net(4, c, acc, av, flat, net, var, &masked);
    tap_ok(net[0] == 9 && net[1] == 9 && net[2] == 0 && net[3] == 12 && masked == 1,
           "net = (C - A) / F, a zero flat value masks its pixel");
    tap_ok(var[0] == 11 && var[1] == 22 / 4.0 && var[3] == 8 / 0.25,
           "Var = (C + Var A) / F^2");
    double s1, s2;
    qev_herald_snr(4, net, var, &s1, &s2);
    tap_near(s1, 30 / sqrt(11 + 5.5 + 32), 1e-12, "SNR total = sum I / sqrt(sum Var)");

    /* Without blur or background, RL's fixed point is x = C: one step from
     * the constant image already lands there, since K = I. */
    uint64_t img[6] = {5, 0, 3, 9, 1, 2};
    double x[6];
    qev_rl_result res;
    char why[100];
    qev_richardson_lucy(3, 2, img, NULL, NULL, 0, 5, 1e-12, x, &res, why, sizeof why);
    double want[6] = {5, 0, 3, 9, 1, 2};
    tap_ok(max_abs_diff(x, want, 6) < 1e-12, "Richardson-Lucy with no blur returns the counts");
    /* with a background it returns (C - A) where that is positive */
    double bg[6] = {1, 1, 1, 1, 1, 1};
    qev_richardson_lucy(3, 2, img, bg, NULL, 0, 2000, 1e-14, x, &res, why, sizeof why);
    tap_ok(fabs(x[0] - 4) < 1e-6 && fabs(x[3] - 8) < 1e-6 && x[1] < 1e-6,
           "Richardson-Lucy with a background returns max(C - A, 0)");
    /* a blurred point is sharpened: the peak rises towards the truth */
    size_t w = 21, N = w * w;
    uint64_t *blurred = calloc(N, sizeof *blurred);
    double *est = malloc(sizeof *est * N), sig = 1.5;
    for (size_t y = 0; y < w; y++)
        for (size_t xx = 0; xx < w; xx++) {
            double d2 = ((double)xx - 10) * ((double)xx - 10) + ((double)y - 10) * ((double)y - 10);
            blurred[y * w + xx] = (uint64_t)llround(1e5 * exp(-d2 / (2 * sig * sig)));
        }
    qev_richardson_lucy(w, w, blurred, NULL, NULL, sig, 200, 0, est, &res, why, sizeof why);
    tap_ok(est[10 * w + 10] > 3 * (double)blurred[10 * w + 10],
           "Richardson-Lucy sharpens a blurred point");
    free(blurred);
    free(est);
}

/* ---- buckets ---- */

/* Two pixels worked by hand: C = {10, 4}, 14 photons counted, flat {2, 0}. */
static void herald_sums(qev_herald_sums *s, enum qev_accidentals acc)
{
    memset(s, 0, sizeof *s);
    s->width = 2;
    s->height = 1;
    s->acc = acc;
    s->window_ps = 100;
    s->quantum_ps = 1;
    qev_tally_init(&s->coinc, 2, 1, INT64_MIN, INT64_MAX);
    qev_tally_init(&s->delayed, 2, 1, INT64_MIN, INT64_MAX);
    qev_tally_init(&s->singles, 2, 1, INT64_MIN, INT64_MAX);
    s->coinc.count[0] = 10;
    s->coinc.count[1] = 4;
    s->coinc.photons = 14;
    s->delayed.count[0] = 2;
    s->delayed.count[1] = 1;
    s->singles.count[1] = 1;
    s->singles.heralds = 2;
    s->singles.first = 10;
    s->singles.last = 1010;
}

static void test_herald_image(void)
{
    qev_herald_sums s;
    qev_herald_image im;
    double flat[2] = {2, 0};
    char why[100];
    herald_sums(&s, QEV_ACC_DELAYED);
    int rc = qev_herald_image_init(&im, &s, why, sizeof why);
    qev_herald_image_net(&im, &s, flat);
    tap_ok(rc == QEV_OK && im.acc[0] == 2 && im.acc[1] == 1 && im.acc_var[0] == 2 &&
               im.acc_var[1] == 1,
           "delayed window: A_j = D_j, Var A_j = D_j");
    tap_ok(im.accidentals == 3 && im.net_counts == 11, "totals: sum A = 3, 14 photons less 3");
    tap_ok(im.net[0] == 4 && im.var[0] == 3 && im.net[1] == 0 && im.var[1] == 0 && im.masked == 1,
           "net (10 - 2) / 2, variance (10 + 2) / 4; the zero flat value masks pixel 1");
    tap_near(im.snr_total, 4 / sqrt(3), 1e-15, "SNR total 4 / sqrt(3)");
    tap_near(im.snr_pixel, 2 / sqrt(1.5), 1e-15, "SNR per pixel (4/2) / sqrt(3/2)");
    qev_herald_image_free(&im);
    qev_herald_sums_free(&s);

    herald_sums(&s, QEV_ACC_NONE);
    rc = qev_herald_image_init(&im, &s, why, sizeof why);
    qev_herald_image_net(&im, &s, NULL);
    tap_ok(rc == QEV_OK && !im.acc && im.accidentals == 0 && im.net_counts == 14 &&
               im.net[0] == 10 && im.net[1] == 4 && im.var[1] == 4 && im.masked == 0,
           "no accidentals, no flat: the counts, Poisson variance, all photons net");
    qev_herald_image_free(&im);
    qev_herald_sums_free(&s);

    herald_sums(&s, QEV_ACC_SINGLES);
    rc = qev_herald_image_init(&im, &s, why, sizeof why);
    qev_herald_image_net(&im, &s, NULL);
    /* a 100 ps window on a 1 ps grid covers 101 delays: 2 heralds x 1 click x 101 / 1000 ps */
    tap_ok(rc == QEV_OK && im.acc[0] == 0, "singles: no clicks, no accidentals");
    tap_near(im.acc[1], 0.202, 1e-15, "singles: A = N_h S_j W / T = 0.202");
    tap_near(im.net_counts, 14 - 0.202, 1e-12, "singles: net counts 14 - 0.202");
    qev_herald_image_free(&im);
    s.singles.heralds = 0;
    rc = qev_herald_image_init(&im, &s, why, sizeof why);
    tap_ok(rc == QEV_EINVAL && !im.net && !im.acc, "singles without heralds: an error, nothing kept");
    qev_herald_sums_free(&s);
}

static void test_choices(void)
{
    tap_is_i64((int64_t)qev_patterns_of_sampling(0.25, 1024), 256, "sampling 0.25 of 1024: 256");
    tap_is_i64((int64_t)qev_patterns_of_sampling(0.3, 64), 20, "sampling 0.3 of 64: ceil(19.2)");
    tap_is_i64((int64_t)qev_patterns_of_sampling(1e-9, 64), 1, "the smallest sampling shows one");
    tap_is_i64((int64_t)qev_patterns_of_sampling(1, 64), 64, "sampling 1: every pattern");
    qev_recon_op *h, *r;
    qev_op_hadamard(4, QEV_ORDER_NATURAL, 1, 16, 1, &h);
    qev_op_random(4, 4, 10, 1, 0.5, &r);
    tap_ok(qev_recon_default_algo(h) == QEV_RECON_HADAMARD,
           "Hadamard patterns: the exact inverse by default");
    tap_ok(qev_recon_default_algo(r) == QEV_RECON_DGI, "random patterns: DGI by default");
    qev_op_free(h);
    qev_op_free(r);
    int gi = 1, inv = 1;
    for (int a = QEV_RECON_TGI; a <= QEV_RECON_PML; a++) {
        const char *u = qev_recon_algo_units((enum qev_recon_algo)a);
        if (a <= QEV_RECON_NGI)
            gi &= strstr(u, "offset and a scale") != NULL;
        else
            inv &= strcmp(u, "bucket units per pixel fully lit") == 0;
    }
    tap_ok(gi && inv, "correlation images are up to an offset and a scale, inverses in bucket units");
}

static void test_buckets(void)
{
    qev_buckets b;
    char why[120];
    qev_buckets_init(&b, 3, INT64_MIN, 1000, 0, 1); /* the first shard: it starts the stream */
    qev_event ev[] = {
        {-5, 1, QEV_PHOTON, 0, 0},                 /* before any marker */
        {0, 1, QEV_PHOTON, 0, 0},                  /* before any marker */
        {10, 0, QEV_MARKER, QEV_F_VALUE, 2},
        {11, 1, QEV_PHOTON, 0, 0},
        {12, 2, QEV_PHOTON, 0, 0},                 /* another channel */
        {13, 1, QEV_PHOTON, 0, 0},
        {20, 0, QEV_MARKER, QEV_F_VALUE, 0},
        {21, 1, QEV_PHOTON, 0, 0},
        {30, 0, QEV_MARKER, QEV_F_VALUE, 1},
        {40, 0, QEV_MARKER, QEV_F_VALUE, 2},
        {41, 1, QEV_PHOTON, 0, 0},
        {1000, 1, QEV_PHOTON, 0, 0},               /* not owned */
    };
    tap_ok(qev_buckets_add(&b, ev, 12, why, sizeof why) == QEV_OK, "buckets: a marked stream");
    tap_ok(b.counts[0] == 1 && b.counts[1] == 0 && b.counts[2] == 3 && b.shown[2] == 2 &&
               b.orphans == 2 && b.photons == 4,
           "buckets: photons go to the measurement of the last marker");
    double v[3];
    qev_buckets_values(3, b.counts, b.shown, v, why, sizeof why);
    tap_ok(v[0] == 1 && v[1] == 0 && v[2] == 1.5, "buckets: photons per exposure");
    qev_event far = {50, 0, QEV_MARKER, QEV_F_VALUE, 3};
    tap_ok(qev_buckets_add(&b, &far, 1, why, sizeof why) == QEV_EINVAL,
           "a marker beyond the measurements is an error");
    qev_buckets_free(&b);
    qev_buckets_init(&b, 3, 0, 1000, 0, 1); /* a later shard, owning from 0 */
    tap_ok(qev_buckets_add(&b, ev, 1, why, sizeof why) == QEV_OK,
           "a later shard: a photon before its owned interval and its first marker is ignored");
    tap_ok(qev_buckets_add(&b, ev + 1, 1, why, sizeof why) == QEV_EINVAL &&
               strstr(why, "comes before its first marker"),
           "a later shard: an owned photon before its first marker means too short an overlap");
    qev_buckets_free(&b);
    qev_buckets_init(&b, 3, INT64_MIN, INT64_MAX, 0, 1);
    qev_buckets_add(&b, ev, 5, why, sizeof why);
    tap_ok(qev_buckets_add(&b, ev + 1, 2, why, sizeof why) == QEV_EINVAL &&
               strstr(why, "event 5 goes back in time"),
           "an event that goes back in time is an error, named by its index");
    int64_t shown[2] = {1, 0}, counts[2] = {4, 0};
    tap_ok(qev_buckets_values(2, counts, shown, v, why, sizeof why) == QEV_EINVAL,
           "a measurement never shown is an error");
    qev_buckets_free(&b);

    FILE *f = tmpfile();
    fputs("# buckets\nindex\tvalue\n1\t2.5\n0 -1e3\n\n2\t7\n", f);
    rewind(f);
    tap_ok(qev_buckets_read_tsv(f, 3, v, why, sizeof why) == QEV_OK && v[0] == -1000 &&
               v[1] == 2.5 && v[2] == 7,
           "buckets from text rows, any order, header and comments");
    fclose(f);
    const char *bad[] = {"0 1\n0 2\n1 1\n", "0 1\n", "0 1\n1 x\n", "0 1\n5 1\n1 1\n"};
    for (int i = 0; i < 4; i++) {
        f = tmpfile();
        fputs(bad[i], f);
        rewind(f);
        char name[80];
        snprintf(name, sizeof name, "bad bucket table %d is refused", i);
        tap_ok(qev_buckets_read_tsv(f, 2, v, why, sizeof why) == QEV_EFORMAT, name);
        fclose(f);
    }
}

/* ---- partial results merge to the whole ---- */

static void test_partials(void)
{
    qev_herald_sums a = {.width = 2, .height = 1, .acc = QEV_ACC_SINGLES, .window_ps = 1000,
                         .quantum_ps = 1};
    qev_herald_sums b = a;
    qev_tally *ta[] = {&a.coinc, &a.delayed, &a.singles}, *tb[] = {&b.coinc, &b.delayed,
                                                                   &b.singles};
    for (int i = 0; i < 3; i++) {
        qev_tally_init(ta[i], 2, 1, INT64_MIN, INT64_MAX);
        qev_tally_init(tb[i], 2, 1, INT64_MIN, INT64_MAX);
    }
    a.coinc.count[0] = 3, a.coinc.count[1] = 4, a.coinc.groups = 7, a.coinc.photons = 7;
    b.coinc.count[0] = 1, b.coinc.groups = 1, b.coinc.photons = 1;
    a.singles.heralds = 10, a.singles.first = 100, a.singles.last = 500;
    b.singles.heralds = 5, b.singles.first = 600, b.singles.last = 900;
    qev_partial *pa = qev_herald_partial(&a), *pb = qev_herald_partial(&b);
    char why[200];
    int rc = qev_partial_merge(pa, pb, why, sizeof why);
    qev_herald_sums m;
    rc |= qev_herald_from_partial(pa, &m, why, sizeof why);
    tap_ok(rc == QEV_OK && m.coinc.count[0] == 4 && m.coinc.count[1] == 4 &&
               m.coinc.groups == 8 && m.singles.heralds == 15 && m.singles.first == 100 &&
               m.singles.last == 900 && m.window_ps == 1000,
           "heralded partials: counts add, the time span spans both");
    qev_herald_sums_free(&m);
    b.window_ps = 2000;
    qev_partial *pc = qev_herald_partial(&b);
    tap_ok(qev_partial_merge(pa, pc, why, sizeof why) == QEV_EINVAL,
           "partials of different windows do not merge");
    qev_partial_free(pa);
    qev_partial_free(pb);
    qev_partial_free(pc);
    for (int i = 0; i < 3; i++) {
        qev_tally_free(ta[i]);
        qev_tally_free(tb[i]);
    }
}

int main(void)
{
    test_fwht_matches_matrix();
    full_sampling(32, 1);
    full_sampling(64, 1);
    full_sampling(128, 0);
    test_zero_filled(32);
    test_zero_filled(64);
    test_cgls_is_zero_filled();
    test_adjoints();
    test_gi_formulas();
    test_dct_and_haar();
    test_solvers_on_exact_data();
    test_tally();
    test_net_and_rl();
    test_herald_image();
    test_choices();
    test_buckets();
    test_partials();
    return tap_done();
}
