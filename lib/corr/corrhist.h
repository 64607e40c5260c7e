/* Correlation histograms as mergeable partial results. */
#ifndef QEV_CORRHIST_H
#define QEV_CORRHIST_H

#include "corr.h"
#include "partial.h"

/* The bins on each side of zero delay for delays of +-range: range / bin
 * rounded to the nearest whole number (halves up), so that the outer bins
 * are centred within half a bin of +-range. */
int64_t qev_hist_half_bins(int64_t range, int64_t bin);
/* The histogram and everything its normalisation needs; duration_ps < 0 means
 * "from the data" (last - first owned event). */
qev_partial *qev_hist_partial(const qev_correlator *c, const qev_corr_pair *pairs, size_t npairs,
                              int64_t bin, int64_t half_bins, enum qev_corr_mode mode,
                              int64_t duration_ps);
/* Checks that a partial holds a whole histogram; QEV_EFORMAT with why. */
int qev_hist_partial_check(const qev_partial *p, char *why, size_t cap);
/* The duration used for normalisation, in ps. */
double qev_hist_duration(const qev_partial *p);

/* A whole histogram partial, as the normalisation reads it. */
typedef struct qev_hist_view {
    size_t npairs, nbins;
    const int64_t *pairs;  /* a, b of each pair */
    const int64_t *na, *nb; /* the singles of each pair's channels */
    int64_t bin, half;
    double duration;       /* qev_hist_duration */
} qev_hist_view;
/* For a partial that qev_hist_partial_check accepts. */
qev_hist_view qev_hist_view_of(const qev_partial *p);
/* The counts of pair i, nbins of them. */
const int64_t *qev_hist_pair_counts(const qev_partial *p, size_t pair);
/* The delay at the centre of bin k, ps. */
double qev_hist_tau(const qev_hist_view *v, size_t k);
/* The accidental pairs expected in a bin of pair i (docs/conventions.md, 2.2): N_A N_B
 * b / T, or with edge, of a bin at delay tau, the share of the record that
 * can hold such pairs: N_A N_B b (T - |tau|) / T^2. */
double qev_hist_expected(const qev_hist_view *v, size_t pair, double tau, int edge);
/* g2 = counts / expected; NaN when nothing is expected. */
double qev_hist_g2(int64_t counts, double expected);

#endif
