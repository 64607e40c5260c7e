/* Unit tests of the correlator against a brute-force O(n^2) count. */
#include <stdlib.h>
#include <string.h>

#include "corr.h"
#include "corrhist.h"
#include "rng.h"
#include "tap.h"

enum { N = 6000 };

static void make_events(qev_event *ev, size_t n, uint64_t seed)
{
    qev_rng rng;
    qev_rng_seed(&rng, seed);
    int64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = qev_rng_u64(&rng);
        t += (int64_t)(u % 700); /* gaps of 0 give ties across and within channels */
        ev[i] = (qev_event){t, (uint16_t)(1 + (u >> 32) % 3), 0, 0, 0};
    }
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* Every ordered pair (i in A, j in B, i != j), binned the documented way. */
static void brute_all(const qev_event *ev, size_t n, qev_corr_pair p, int64_t bin, int64_t half,
                      int64_t own_from, int64_t own_to, uint64_t *out)
{
    memset(out, 0, (size_t)(2 * half + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].channel != p.a)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i || ev[j].channel != p.b)
                continue;
            int64_t earlier = ev[i].t < ev[j].t || (ev[i].t == ev[j].t && i < j) ? ev[i].t : ev[j].t;
            if (earlier < own_from || earlier >= own_to)
                continue;
            int64_t k = floor_div(ev[j].t - ev[i].t + bin / 2, bin);
            if (k >= -half && k <= half)
                out[k + half]++;
        }
    }
}

static void brute_start_stop(const qev_event *ev, size_t n, qev_corr_pair p, int64_t bin,
                             int64_t half, uint64_t *out)
{
    memset(out, 0, (size_t)(2 * half + 1) * sizeof *out);
    int64_t start = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].channel == p.a) {
            start = ev[i].t;
        } else if (ev[i].channel == p.b && start != INT64_MIN) {
            int64_t k = floor_div(ev[i].t - start + bin / 2, bin);
            if (k >= -half && k <= half)
                out[k + half]++;
            start = INT64_MIN;
        }
    }
}

static int same(const uint64_t *a, const uint64_t *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_all_pairs(void)
{
    qev_event *ev = malloc(N * sizeof *ev);
    make_events(ev, N, 3);
    qev_corr_pair pairs[] = {{1, 2}, {2, 1}, {3, 3}, {1, 3}};
    const int64_t bins[] = {1, 7, 50, 333};
    for (size_t b = 0; b < sizeof bins / sizeof *bins; b++) {
        int64_t half = 2000 / bins[b];
        qev_correlator *c = qev_correlator_new(pairs, 4, bins[b], half, QEV_CORR_ALL, INT64_MIN,
                                               INT64_MAX);
        /* blocks of 1 to 9 events: ties and pairs across block boundaries */
        for (size_t i = 0, step = 1; i < N; i += step, step = step % 9 + 1)
            qev_correlator_add(c, ev + i, i + step <= N ? step : N - i);
        size_t nb = qev_correlator_bins(c);
        uint64_t *want = malloc(nb * sizeof *want);
        int ok = 1;
        for (size_t p = 0; p < 4; p++) {
            brute_all(ev, N, pairs[p], bins[b], half, INT64_MIN, INT64_MAX, want);
            ok &= same(qev_correlator_counts(c, p), want, nb);
        }
        char name[96];
        snprintf(name, sizeof name, "all pairs, bin %lld ps, blocks of 1-9: equal to brute force",
                 (long long)bins[b]);
        tap_ok(ok, name);
        free(want);
        qev_correlator_free(c);
    }
    free(ev);
}

static void test_start_stop(void)
{
    qev_event *ev = malloc(N * sizeof *ev);
    make_events(ev, N, 4);
    qev_corr_pair pair = {1, 2};
    qev_correlator *c = qev_correlator_new(&pair, 1, 10, 300, QEV_CORR_START_STOP, INT64_MIN,
                                           INT64_MAX);
    qev_correlator_add(c, ev, N);
    uint64_t want[601];
    brute_start_stop(ev, N, pair, 10, 300, want);
    tap_ok(same(qev_correlator_counts(c, 0), want, 601), "start-stop: equal to brute force");
    qev_correlator_free(c);
    free(ev);
}

/* Shards cut at time boundaries with a margin of the range merge exactly. */
static void test_shards(void)
{
    qev_event *ev = malloc(N * sizeof *ev);
    make_events(ev, N, 5);
    qev_corr_pair pairs[] = {{1, 2}, {3, 3}};
    int64_t bin = 20, half = 50, margin = bin * half + bin;
    qev_correlator *whole = qev_correlator_new(pairs, 2, bin, half, QEV_CORR_ALL, INT64_MIN,
                                               INT64_MAX);
    qev_correlator_add(whole, ev, N);
    qev_partial *want = qev_hist_partial(whole, pairs, 2, bin, half, QEV_CORR_ALL, -1);
    int64_t end = ev[N - 1].t + 1, cuts[] = {INT64_MIN, 400000, 900000, end};
    qev_partial *sum = NULL;
    for (int s = 0; s < 3; s++) {
        qev_correlator *c = qev_correlator_new(pairs, 2, bin, half, QEV_CORR_ALL, cuts[s],
                                               cuts[s + 1]);
        for (size_t i = 0; i < N; i++)
            if ((s == 0 || ev[i].t >= cuts[s] - margin) && ev[i].t < cuts[s + 1] + margin)
                qev_correlator_add(c, &ev[i], 1);
        qev_partial *p = qev_hist_partial(c, pairs, 2, bin, half, QEV_CORR_ALL, -1);
        char why[200];
        if (!sum)
            sum = p;
        else if (qev_partial_merge(sum, p, why, sizeof why) == QEV_OK)
            qev_partial_free(p);
        qev_correlator_free(c);
    }
    size_t n;
    int ok = 1;
    const char *names[] = {"counts.0", "counts.1", "singles_a", "singles_b", "first_ps", "last_ps"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        const int64_t *a = qev_partial_get(sum, names[k], &n), *b = qev_partial_get(want, names[k], NULL);
        ok &= a && b && memcmp(a, b, n * sizeof *a) == 0;
    }
    tap_ok(ok, "three overlapping shards merge to the single run exactly");
    qev_partial_free(sum);
    qev_partial_free(want);
    qev_correlator_free(whole);
    free(ev);
}

static void test_order_and_norm(void)
{
    qev_corr_pair pair = {1, 2};
    qev_correlator *c = qev_correlator_new(&pair, 1, 10, 5, QEV_CORR_ALL, INT64_MIN, INT64_MAX);
    qev_event ev[] = {{100, 1, 0, 0, 0}, {90, 2, 0, 0, 0}};
    tap_ok(qev_correlator_add(c, ev, 2) == QEV_EINVAL && qev_correlator_disorder_at(c) == 1,
           "an event that goes back is refused, with its index");
    qev_correlator_free(c);
    /* 1e6 and 2e6 events in 1 s, 10 ps bins: 1e6*2e6*10/1e12 = 20 per bin */
    tap_near(qev_corr_expected(1000000, 2000000, 10, 1e12), 20, 1e-12, "accidentals per bin");
    tap_near(qev_corr_expected_edge(1000000, 2000000, 10, 1e12, 5e11), 10, 1e-12,
             "edge-corrected accidentals at tau = T/2 are half");
}

int main(void)
{
    test_all_pairs();
    test_start_stop();
    test_shards();
    test_order_and_norm();
    return tap_done();
}
