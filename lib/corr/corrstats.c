/* Coincidences, accidentals, CAR and heralding from a 1 ps histogram. */
#include "corrstats.h"
#include "corrhist.h"
#include "heralding.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* Multiples of r in [lo, hi]. */
static int64_t multiples(int64_t lo, int64_t hi, int64_t r)
{
    if (hi < lo)
        return 0;
    return floor_div(hi, r) - (-floor_div(-lo, r)) + 1;
}

static int64_t half_window(int64_t window) { return window / 2; }

int64_t qev_coinc_stats_reach(const qev_coinc_stats_params *sp, size_t npairs)
{
    int64_t h = half_window(sp->window), D = abs64(sp->accidental_delay), reach = 0;
    for (size_t i = 0; i < npairs; i++) {
        int64_t d = abs64(sp->delay[i]), dd = abs64(sp->delay[i] + sp->accidental_delay);
        int64_t need = (d > dd ? d : dd) + D + 2 * h + 1;
        reach = need > reach ? need : reach;
    }
    return reach;
}

int qev_coinc_stats_partial(qev_partial *p, const qev_coinc_stats_params *sp, size_t npairs)
{
    int ok = qev_partial_set1(p, "window_ps", QEV_MERGE_SAME, sp->window) == QEV_OK &&
             qev_partial_set(p, "delays_ps", QEV_MERGE_SAME, sp->delay, npairs) == QEV_OK &&
             qev_partial_set1(p, "accidental_delay_ps", QEV_MERGE_SAME, sp->accidental_delay) ==
                 QEV_OK &&
             qev_partial_set1(p, "resolution_ps", QEV_MERGE_SAME, sp->resolution) == QEV_OK &&
             qev_partial_set(p, "dark_a_uhz", QEV_MERGE_SAME, sp->dark_a_uhz, npairs) == QEV_OK &&
             qev_partial_set(p, "dark_b_uhz", QEV_MERGE_SAME, sp->dark_b_uhz, npairs) == QEV_OK &&
             qev_partial_set1(p, "estimate", QEV_MERGE_SAME, sp->use) == QEV_OK;
    return ok ? QEV_OK : QEV_ENOMEM;
}

static int within(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

/* Renames the partial's kind to "stats" by rebuilding it is not needed: the
 * hist partial carries the stats entries, and the check looks for both. */
int qev_coinc_stats_partial_check(const qev_partial *p, char *why, size_t cap)
{
    static const char *const need[] = {"window_ps", "delays_ps", "accidental_delay_ps",
                                       "resolution_ps", "dark_a_uhz", "dark_b_uhz", "estimate"};
    if (qev_hist_partial_check(p, why, cap) != QEV_OK)
        return QEV_EFORMAT;
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!qev_partial_get(p, need[i], NULL)) {
            snprintf(why, cap, "a histogram partial without %s is not a stats partial", need[i]);
            return QEV_EFORMAT;
        }
    size_t nd, npairs = qev_coinc_stats_pairs(p);
    const int64_t *delays = qev_partial_get(p, "delays_ps", &nd);
    int64_t half = qev_partial_get1(p, "half_bins", 0);
    int fits = nd == npairs && qev_partial_get1(p, "bin_ps", 0) == 1 &&
               within(qev_partial_get1(p, "window_ps", -1), 0, 2 * half + 1) &&
               within(qev_partial_get1(p, "accidental_delay_ps", 0), -2 * half - 1, 2 * half + 1) &&
               within(qev_partial_get1(p, "resolution_ps", 0), 1, INT64_C(1) << 40);
    for (size_t i = 0; fits && i < nd; i++)
        fits = within(delays[i], -half, half);
    if (!fits) {
        snprintf(why, cap, "the stats partial's delays, window or bins do not fit");
        return QEV_EFORMAT;
    }
    return QEV_OK;
}

size_t qev_coinc_stats_pairs(const qev_partial *p)
{
    size_t n;
    qev_partial_get(p, "pairs", &n);
    return n / 2;
}

static const char *const estimate_names[] = {"singles", "offpeak", "delayed"};

const char *qev_coinc_stats_estimate_name(const qev_partial *p)
{
    int64_t e = qev_partial_get1(p, "estimate", 0);
    return e >= 0 && e < 3 ? estimate_names[e] : "singles";
}

int qev_coinc_stats_estimate_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, estimate_names[i]) == 0)
            return i;
    return -1;
}

struct hist_window {
    const int64_t *counts;
    int64_t half; /* counts[tau + half] holds tau */
};

static double window_sum(const struct hist_window *h, int64_t lo, int64_t hi)
{
    double sum = 0;
    lo = lo < -h->half ? -h->half : lo;
    hi = hi > h->half ? h->half : hi;
    for (int64_t tau = lo; tau <= hi; tau++)
        sum += (double)h->counts[tau + h->half];
    return sum;
}

/* Accidentals from the side bins, |tau - d| >= |D|/2 + w/2, as a mean per
 * possible delay times the delays the window covers. */
static void offpeak(const struct hist_window *hw, int64_t d, int64_t D, int64_t h, int64_t r,
                    int64_t window_delays, double *value, double *sigma)
{
    int64_t t0 = abs64(D) / 2 + h;
    double sum = window_sum(hw, -hw->half, d - t0) + window_sum(hw, d + t0, hw->half);
    int64_t delays = multiples(-hw->half, d - t0, r) + multiples(d + t0, hw->half, r);
    *value = delays > 0 ? sum / (double)delays * (double)window_delays : NAN;
    *sigma = delays > 0 ? sqrt(sum) / (double)delays * (double)window_delays : NAN;
}

static double pick_dark(const qev_partial *p, const char *name, size_t i)
{
    const int64_t *v = qev_partial_get(p, name, NULL);
    return v ? (double)v[i] * 1e-6 : 0;
}

static void accidentals(const qev_partial *p, size_t pair, const struct hist_window *hw, int64_t d,
                        qev_pair_stats *s, double na, double nb, double T)
{
    int64_t h = half_window(qev_partial_get1(p, "window_ps", 0));
    int64_t D = qev_partial_get1(p, "accidental_delay_ps", 0);
    int64_t r = qev_partial_get1(p, "resolution_ps", 1);
    r = r > 0 ? r : 1;
    int64_t delays = multiples(d - h, d + h, r);
    (void)pair;
    s->window_eff = delays * r;
    s->acc_singles = T > 0 ? na * nb * (double)s->window_eff / T : NAN;
    s->sigma_acc[0] = s->acc_singles * sqrt((na > 0 ? 1 / na : 0) + (nb > 0 ? 1 / nb : 0));
    offpeak(hw, d, D, h, r, delays, &s->acc_offpeak, &s->sigma_acc[1]);
    s->acc_delayed = D ? window_sum(hw, d + D - h, d + D + h) : NAN;
    s->sigma_acc[2] = sqrt(s->acc_delayed);
    int64_t use = qev_partial_get1(p, "estimate", 0);
    double values[3] = {s->acc_singles, s->acc_offpeak, s->acc_delayed};
    s->accidentals = values[use >= 0 && use < 3 ? use : 0];
    s->sigma_accidentals = s->sigma_acc[use >= 0 && use < 3 ? use : 0];
}

/* The dark rate is given, not measured: it carries no sigma of its own. */
static void heralding(qev_pair_stats *s, double herald_events, double dark_rate, double *eta,
                      double *sigma)
{
    qev_herald_counts k = {s->coincidences, s->accidentals, s->sigma_accidentals,
                           herald_events, dark_rate, 0, s->duration_s};
    qev_efficiency e = qev_klyshko(&k);
    *eta = e.eta;
    *sigma = e.sigma;
}

void qev_coinc_stats_compute(const qev_partial *p, size_t pair, qev_pair_stats *s)
{
    char name[32];
    snprintf(name, sizeof name, "counts.%zu", pair);
    struct hist_window hw = {qev_partial_get(p, name, NULL), qev_partial_get1(p, "half_bins", 0)};
    const int64_t *pairs = qev_partial_get(p, "pairs", NULL);
    double na = (double)qev_partial_get(p, "singles_a", NULL)[pair];
    double nb = (double)qev_partial_get(p, "singles_b", NULL)[pair];
    double T = qev_hist_duration(p);
    int64_t d = qev_partial_get(p, "delays_ps", NULL)[pair];
    int64_t h = half_window(qev_partial_get1(p, "window_ps", 0));
    memset(s, 0, sizeof *s);
    s->a = pairs[2 * pair];
    s->b = pairs[2 * pair + 1];
    s->duration_s = T * 1e-12;
    s->rate_a = s->duration_s > 0 ? na / s->duration_s : NAN;
    s->rate_b = s->duration_s > 0 ? nb / s->duration_s : NAN;
    s->sigma_rate_a = s->duration_s > 0 ? sqrt(na) / s->duration_s : NAN;
    s->sigma_rate_b = s->duration_s > 0 ? sqrt(nb) / s->duration_s : NAN;
    s->coincidences = window_sum(&hw, d - h, d + h);
    s->coincidence_rate = s->duration_s > 0 ? s->coincidences / s->duration_s : NAN;
    accidentals(p, pair, &hw, d, s, na, nb, T);
    double A = s->accidentals, C = s->coincidences;
    s->car = A > 0 ? (C - A) / A : NAN;
    s->sigma_car = A > 0 ? sqrt(C / (A * A) + pow(C * s->sigma_accidentals / (A * A), 2)) : NAN;
    heralding(s, na, pick_dark(p, "dark_a_uhz", pair), &s->eta_b, &s->sigma_eta_b);
    heralding(s, nb, pick_dark(p, "dark_b_uhz", pair), &s->eta_a, &s->sigma_eta_a);
}
