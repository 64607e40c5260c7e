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

#endif
