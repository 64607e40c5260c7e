/* Coincidence statistics of herald/signal pairs from a 1 ps correlation
 * histogram (docs/conventions.md sections 2.3-2.6): coincidences in a window of full width w
 * centred on the delay d (|tau - d| <= w/2, both ends included), accidentals
 * three ways, CAR and Klyshko heralding efficiencies, each with an
 * uncertainty from counting statistics. The histogram is a mergeable partial,
 * so shards give the same numbers as one run. */
#ifndef QEV_CORRSTATS_H
#define QEV_CORRSTATS_H

#include "corr.h"
#include "partial.h"

typedef struct qev_coinc_stats_params {
    int64_t window;          /* full width, ps */
    int64_t delay[16];       /* d of each pair: t_B - t_A at the peak */
    int64_t accidental_delay;/* D: the delayed window sits at d + D */
    int64_t resolution;      /* the stream's time quantum, ps (1 if unknown) */
    int64_t dark_a_uhz[16], dark_b_uhz[16]; /* dark count rates, micro-hertz */
    int use;                 /* the estimate reported: qev_coinc_stats_estimate_parse */
} qev_coinc_stats_params;

/* The histogram half-range, in ps, that the three estimates need. */
int64_t qev_coinc_stats_reach(const qev_coinc_stats_params *sp, size_t npairs);
/* Adds the parameters to a 1 ps histogram partial, making it a "stats" one. */
int qev_coinc_stats_partial(qev_partial *hist, const qev_coinc_stats_params *sp, size_t npairs);
int qev_coinc_stats_partial_check(const qev_partial *p, char *why, size_t cap);

typedef struct qev_pair_stats {
    int64_t a, b;
    double duration_s, rate_a, rate_b, sigma_rate_a, sigma_rate_b;
    double coincidences, coincidence_rate;
    double acc_singles, acc_offpeak, acc_delayed, sigma_acc[3];
    double accidentals, sigma_accidentals; /* the estimate in use */
    double car, sigma_car, eta_b, sigma_eta_b, eta_a, sigma_eta_a;
    int64_t window_eff; /* ps of delay the window covers in this stream's quantum */
} qev_pair_stats;

size_t qev_coinc_stats_pairs(const qev_partial *p);
void qev_coinc_stats_compute(const qev_partial *p, size_t pair, qev_pair_stats *out);
const char *qev_coinc_stats_estimate_name(const qev_partial *p);
/* The number of an accidentals estimate by its name (singles, offpeak,
 * delayed), or -1. */
int qev_coinc_stats_estimate_parse(const char *name);

#endif
