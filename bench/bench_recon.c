/* Reconstruction benchmark, one thread, medians of repeated runs:
 *   Hadamard 128 x 128 at full sampling (split patterns, zero-filled inverse,
 *   from the bucket values to the image, the ordering included);
 *   TV 128 x 128 at 25 % (zigzag, the default 300 ADMM iterations);
 *   the heralded tally of coincidence groups in memory, events per second.
 * Bucket values come from the USAF phantom with deterministic noise.
 * Usage: bench_recon RUNS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "phantom.h"
#include "timing.h"
#include "qev.h"
#include "recon.h"
#include "recon_herald.h"
#include "rng.h"

/* Split buckets of the phantom, 1e6 photons per measurement fully lit, with
 * Gaussian noise of the Poisson variance. */
static double *buckets(qev_recon_op *op, uint32_t n)
{
    size_t N = (size_t)n * n, M = qev_op_rows(op);
    float *t = malloc(N * sizeof *t);
    double *x = malloc(N * sizeof *x), *b = malloc(M * sizeof *b);
    qev_phantom("usaf", n, n, t);
    for (size_t i = 0; i < N; i++)
        x[i] = t[i] * 1e6 / (double)N;
    qev_op_apply(op, x, b);
    qev_rng r;
    qev_rng_seed(&r, 1);
    for (size_t m = 0; m < M; m++) {
        double u1 = qev_rng_open01(&r), u2 = qev_rng_open01(&r);
        b[m] += sqrt(b[m]) * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    }
    free(t);
    free(x);
    return b;
}

static double time_recon(enum qev_order order, size_t patterns, enum qev_recon_algo algo,
                         unsigned *iterations)
{
    const uint32_t n = 128;
    qev_recon_op *op;
    qev_op_hadamard(n, order, 1, patterns, 1, &op);
    double *b = buckets(op, n), *x = malloc((size_t)n * n * sizeof *x);
    qev_op_free(op);
    qev_recon_params p = {.algo = algo, .lambda = -1};
    qev_recon_info info;
    char why[200];
    double t0 = now();
    qev_op_hadamard(n, order, 1, patterns, 1, &op);
    if (qev_recon_run(op, b, &p, x, &info, why, sizeof why) != QEV_OK)
        fprintf(stderr, "bench_recon: %s\n", why);
    double dt = now() - t0;
    *iterations = info.iterations;
    qev_op_free(op);
    free(b);
    free(x);
    return dt;
}

/* Pairs of a herald and a pixel photon, the pixel from a generator. */
static qev_event *groups(size_t n)
{
    qev_event *ev = malloc(n * sizeof *ev);
    qev_rng r;
    qev_rng_seed(&r, 2);
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint64_t u = qev_rng_u64(&r);
        ev[i] = (qev_event){(int64_t)(i * 1000), 1, QEV_PHOTON, QEV_F_GROUP, 0};
        ev[i + 1] = (qev_event){(int64_t)(i * 1000 + 7), 2, QEV_PHOTON, QEV_F_PIXEL,
                                qev_pixel_aux((uint16_t)(u & 127), (uint16_t)(u >> 7 & 127))};
    }
    return ev;
}

static double time_tally(const qev_event *ev, size_t n)
{
    qev_tally t;
    char why[200];
    qev_tally_init(&t, 128, 128, INT64_MIN, INT64_MAX);
    double t0 = now();
    for (size_t i = 0; i < n; i += 65536)
        qev_tally_groups(&t, ev + i, n - i < 65536 ? n - i : 65536, why, sizeof why);
    double dt = now() - t0;
    if (t.photons != n / 2)
        fprintf(stderr, "bench_recon: tally counted %llu\n", (unsigned long long)t.photons);
    qev_tally_free(&t);
    return dt;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > 1000)
        runs = 5;
    double *t = malloc((size_t)runs * sizeof *t);
    unsigned its = 0;
    for (int i = 0; i < runs; i++)
        t[i] = time_recon(QEV_ORDER_NATURAL, 128 * 128, QEV_RECON_HADAMARD, &its);
    printf("hadamard 128x128, 100%% sampling: %.2f ms (target < 50 ms)\n", 1e3 * median(t, runs));
    for (int i = 0; i < runs; i++)
        t[i] = time_recon(QEV_ORDER_ZIGZAG, 128 * 128 / 4, QEV_RECON_TV, &its);
    printf("tv 128x128, 25%% sampling, %u iterations: %.2f s (target < 5 s)\n", its,
           median(t, runs));
    size_t n = (size_t)1 << 26;
    qev_event *ev = groups(n);
    for (int i = 0; i < runs; i++)
        t[i] = time_tally(ev, n);
    printf("heralded tally in memory: %.0f M events/s\n", (double)n / median(t, runs) / 1e6);
    free(ev);
    free(t);
    return 0;
}
