/* Klyshko's efficiency (heralding.h) against values worked out by hand, and
 * its sigma against the spread of a simulated experiment. */
#include <math.h>

#include "heralding.h"
#include "rng.h"
#include "tap.h"

static void test_by_hand(void)
{
    /* 1000 heralds in 2 s, 200 of them dark (100 Hz +- 5 Hz), 420
     * coincidences of which 20 +- 2 accidental: eta = 400 / 800 = 0.5, and
     * var = 800 x 0.25 + 20 + 2^2 + 0.25 (200 + (5 x 2)^2) = 299. */
    qev_herald_counts k = {420, 20, 2, 1000, 100, 5, 2};
    qev_efficiency e = qev_klyshko(&k);
    tap_near(e.eta, 0.5, 1e-15, "eta = (C - A) / (N - D T)");
    tap_near(e.sigma, sqrt(299) / 800, 1e-15, "binomial sigma with the dark counts' spread");

    /* qcorr(1)'s stream worked out by hand: N_A 6, C 2, A = 6 x 5 x 1001 /
     * 1e6 over T = 1 us with s_A = A sqrt(1/6 + 1/5), no dark counts. Of the
     * 6 heralds, C - A partners seen: var = (C - A)(6 - (C - A)) / 6 + A + s_A^2. */
    double A = 0.03003, sA = A * sqrt(1.0 / 6 + 1.0 / 5), net = 2 - A;
    qev_herald_counts h = {2, A, sA, 6, 0, 0, 1e-6};
    e = qev_klyshko(&h);
    tap_near(e.eta, net / 6, 1e-15, "the hand-worked stream: eta_B");
    tap_near(e.sigma, sqrt(net * (6 - net) / 6 + A + sA * sA) / 6, 1e-15,
             "the hand-worked stream: sigma");

    /* Every herald sees its partner and nothing else: no spread at all. */
    qev_herald_counts all = {500, 0, 0, 500, 0, 0, 1};
    e = qev_klyshko(&all);
    tap_ok(e.eta == 1 && e.sigma == 0, "eta 1 without background has sigma 0");

    qev_herald_counts none = {5, 0, 0, 100, 100, 0, 1};
    e = qev_klyshko(&none);
    tap_ok(isnan(e.eta) && isnan(e.sigma), "no heralds above the dark counts: NAN");
}

static uint64_t poisson(qev_rng *r, double mean)
{
    uint64_t n = 0;
    for (double t = qev_rng_exp(r); t < mean; t += qev_rng_exp(r))
        n++;
    return n;
}

/* 2000 runs: Poisson pairs heralded with 4000 expected, each partner seen
 * with eta = 0.7; 1000 dark clicks expected among the heralds (the rate
 * known exactly); 50 accidentals expected in the window and estimated from
 * an independent window of the same size. The estimates scatter by the
 * reported sigma; the Poisson model's sigma is 1.4 times too wide here. */
static void test_spread(void)
{
    enum { RUNS = 2000 };
    const double eta = 0.7, pairs = 4000, dark = 1000, acc = 50;
    qev_rng r;
    qev_rng_seed(&r, 7);
    double sum = 0, sum2 = 0, sigma2 = 0;
    for (int run = 0; run < RUNS; run++) {
        uint64_t heralds = poisson(&r, pairs), seen = 0;
        for (uint64_t i = 0; i < heralds; i++)
            seen += qev_rng_open01(&r) <= eta;
        double a_hat = (double)poisson(&r, acc);
        qev_herald_counts k = {(double)(seen + poisson(&r, acc)), a_hat, sqrt(a_hat),
                               (double)(heralds + poisson(&r, dark)), dark, 0, 1};
        qev_efficiency e = qev_klyshko(&k);
        sum += e.eta;
        sum2 += e.eta * e.eta;
        sigma2 += e.sigma * e.sigma;
    }
    double mean = sum / RUNS, spread = sqrt((sum2 - RUNS * mean * mean) / (RUNS - 1));
    double sigma = sqrt(sigma2 / RUNS);
    tap_near(mean, eta, 3 * sigma / sqrt(RUNS), "the mean of 2000 runs is eta");
    /* The ratio of a sample sd of 2000 to the truth lies within 1 +- 0.05
     * at more than 3 sd (its sd is 1/sqrt(2 x 1999) = 0.016). */
    tap_near(spread / sigma, 1, 0.05, "the runs scatter by the reported sigma");
}

int main(void)
{
    test_by_hand();
    test_spread();
    return tap_done();
}
