/* Unit tests of the Poisson simulator against theory, and of stream statistics
 * against values worked out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "stats.h"
#include "tap.h"

static void test_poisson_statistics(void)
{
    enum { N = 1000000 };
    qev_event *ev = malloc(N * sizeof *ev);
    double rates[4] = {1e5, 2e5, 3e5, 4e5}; /* total 1e6 Hz: mean gap 1e6 ps */
    uint16_t ch[4] = {1, 2, 3, 4};
    qev_poisson p;
    qev_poisson_init(&p, rates, ch, 4, 1, 42);
    qev_poisson_fill(&p, ev, N);
    uint64_t count[5] = {0}, long_gaps = 0;
    double sum_gap = 0;
    int sorted = 1;
    for (size_t i = 0; i < N; i++) {
        count[ev[i].channel]++;
        if (i) {
            int64_t g = ev[i].t - ev[i - 1].t;
            sorted &= g >= 0;
            sum_gap += (double)g;
            long_gaps += g >= 1000000;
        }
    }
    tap_ok(sorted, "simulated events are in time order");
    for (int c = 1; c <= 4; c++) {
        double share = rates[c - 1] / 1e6, want = share * N;
        double sigma = sqrt(N * share * (1 - share));
        char name[80];
        snprintf(name, sizeof name, "channel %d holds its share of events (5 sigma)", c);
        tap_near((double)count[c], want, 5 * sigma, name);
    }
    /* floor of Exp(mean 1e6): mean 1e6 - 0.5, sd 1e6; P(gap >= 1e6) = exp(-1) */
    tap_near(sum_gap / (N - 1), 1e6 - 0.5, 5 * 1e6 / sqrt(N - 1), "mean gap is 1/rate (5 sigma)");
    double pl = exp(-1.0);
    tap_near((double)long_gaps, pl * (N - 1), 5 * sqrt(N * pl * (1 - pl)),
             "gaps are exponential: P(gap >= mean) = 1/e (5 sigma)");
    free(ev);
}

static void test_poisson_resolution_and_seed(void)
{
    enum { N = 10000 };
    qev_event a[N], b[N], c[N];
    double rate = 5e7;
    uint16_t ch = 3;
    qev_poisson p;
    qev_poisson_init(&p, &rate, &ch, 1, 16, 9);
    qev_poisson_fill(&p, a, N);
    int quantised = 1;
    for (size_t i = 0; i < N; i++)
        quantised &= a[i].t % 16 == 0 && a[i].channel == 3;
    tap_ok(quantised, "times are multiples of the 16 ps resolution, on the channel given");
    qev_poisson_init(&p, &rate, &ch, 1, 16, 9);
    qev_poisson_fill(&p, b, N);
    qev_poisson_init(&p, &rate, &ch, 1, 16, 10);
    qev_poisson_fill(&p, c, N);
    tap_ok(memcmp(a, b, sizeof a) == 0, "the same seed gives the same events");
    tap_ok(memcmp(a, c, sizeof a) != 0, "another seed gives other events");
    double bad = -1;
    tap_ok(qev_poisson_init(&p, &bad, &ch, 1, 1, 1) == QEV_EINVAL, "a negative rate is refused");
}

static const qev_event hand[] = {
    {0, 1, QEV_PHOTON, 0, 0},   {10, 2, QEV_PHOTON, 0, 0}, {15, 1, QEV_PHOTON, 0, 0},
    {100, 1, QEV_SYNC, 0, 0},   {90, 2, QEV_PHOTON, 0, 0}, {2000, 1, QEV_PHOTON, 0, 0},
};

static void test_stats_by_hand(void)
{
    qev_stats s;
    qev_stats_init(&s, 500);
    qev_stats_add(&s, hand, 6);
    tap_is_i64((int64_t)s.events, 6, "stats: six events");
    tap_ok(s.tmin == 0 && s.tmax == 2000 && qev_stats_span(&s) == 2000, "stats: range 0..2000 ps");
    tap_is_i64(s.channel[1].min_interval, 15, "stats: channel 1 smallest interval 15 ps");
    tap_is_i64(s.channel[2].min_interval, 80, "stats: channel 2 smallest interval 80 ps");
    tap_ok(s.backwards == 1 && s.first_backwards == 4, "stats: the event at 90 ps goes backwards");
    tap_ok(s.gaps == 1 && s.first_gaps[0].start == 90 && s.first_gaps[0].length == 1910,
           "stats: one gap over 500 ps, from 90 ps for 1910 ps");
    tap_ok(s.kinds[QEV_SYNC] == 1 && s.kinds[QEV_PHOTON] == 5, "stats: kinds counted");
    qev_stats_segment(&s);
    qev_event restart = {5, 1, QEV_PHOTON, 0, 0};
    qev_stats_add(&s, &restart, 1);
    tap_ok(s.backwards == 1 && s.channel[1].min_interval == 15,
           "stats: a new segment may restart its time");
    qev_stats_free(&s);
}

struct rows {
    int n;
    int64_t start[8];
    uint16_t ch[8];
    uint64_t count[8];
};

static void collect(void *ctx, int64_t start, int64_t end, const uint16_t *channels,
                    const uint64_t *counts, size_t n)
{
    struct rows *r = ctx;
    (void)end;
    for (size_t i = 0; i < n && r->n < 8; i++, r->n++) {
        r->start[r->n] = start;
        r->ch[r->n] = channels[i];
        r->count[r->n] = counts[i];
    }
}

static void test_series_by_hand(void)
{
    struct rows r = {0};
    qev_series *s = qev_series_new(1000, collect, &r);
    qev_series_add(s, hand, 6);
    qev_series_finish(s);
    qev_series_free(s);
    int ok = r.n == 6 && r.start[0] == 0 && r.ch[0] == 1 && r.count[0] == 3 && r.ch[1] == 2 &&
             r.count[1] == 2 && r.start[2] == 1000 && r.count[2] == 0 && r.count[3] == 0 &&
             r.start[4] == 2000 && r.ch[4] == 1 && r.count[4] == 1 && r.count[5] == 0;
    tap_ok(ok, "series: 1 ns intervals hold 3+2, 0+0 and 1+0 events");
    r.n = 0;
    s = qev_series_new(1000, collect, &r);
    qev_event late = {3000, 1, 0, 0, 0}, early = {10, 1, 0, 0, 0};
    qev_series_add(s, &late, 1);
    tap_ok(qev_series_add(s, &early, 1) == QEV_EINVAL, "series: an event before its interval is refused");
    qev_series_free(s);
}

int main(void)
{
    test_poisson_statistics();
    test_poisson_resolution_and_seed();
    test_stats_by_hand();
    test_series_by_hand();
    return tap_done();
}
