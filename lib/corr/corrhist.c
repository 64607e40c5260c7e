/* Correlation histograms as mergeable partial results. */
#include "corrhist.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t qev_hist_half_bins(int64_t range, int64_t bin) { return (range + bin / 2) / bin; }

qev_partial *qev_hist_partial(const qev_correlator *c, const qev_corr_pair *pairs, size_t npairs,
                              int64_t bin, int64_t half_bins, enum qev_corr_mode mode,
                              int64_t duration_ps)
{
    qev_partial *p = qev_partial_new("hist");
    int64_t *pair_list = malloc(2 * npairs * sizeof *pair_list);
    int64_t *na = malloc(npairs * sizeof *na), *nb = malloc(npairs * sizeof *nb);
    size_t nbins = qev_correlator_bins(c);
    int64_t *counts = malloc(nbins * sizeof *counts);
    int ok = p && pair_list && na && nb && counts;
    for (size_t i = 0; ok && i < npairs; i++) {
        pair_list[2 * i] = pairs[i].a;
        pair_list[2 * i + 1] = pairs[i].b;
        na[i] = (int64_t)qev_correlator_singles(c, pairs[i].a);
        nb[i] = (int64_t)qev_correlator_singles(c, pairs[i].b);
    }
    int64_t first, last;
    qev_correlator_span(c, &first, &last);
    ok = ok && qev_partial_set1(p, "bin_ps", QEV_MERGE_SAME, bin) == QEV_OK &&
         qev_partial_set1(p, "half_bins", QEV_MERGE_SAME, half_bins) == QEV_OK &&
         qev_partial_set1(p, "mode", QEV_MERGE_SAME, mode) == QEV_OK &&
         qev_partial_set(p, "pairs", QEV_MERGE_SAME, pair_list, 2 * npairs) == QEV_OK &&
         qev_partial_set1(p, "duration_ps", QEV_MERGE_SAME, duration_ps) == QEV_OK &&
         qev_partial_set1(p, "first_ps", QEV_MERGE_MIN, first) == QEV_OK &&
         qev_partial_set1(p, "last_ps", QEV_MERGE_MAX, last) == QEV_OK &&
         qev_partial_set(p, "singles_a", QEV_MERGE_SUM, na, npairs) == QEV_OK &&
         qev_partial_set(p, "singles_b", QEV_MERGE_SUM, nb, npairs) == QEV_OK;
    for (size_t i = 0; ok && i < npairs; i++) {
        const uint64_t *src = qev_correlator_counts(c, i);
        char name[32];
        for (size_t k = 0; k < nbins; k++)
            counts[k] = (int64_t)src[k];
        snprintf(name, sizeof name, "counts.%zu", i);
        ok = qev_partial_set(p, name, QEV_MERGE_SUM, counts, nbins) == QEV_OK;
    }
    free(pair_list);
    free(na);
    free(nb);
    free(counts);
    if (!ok) {
        qev_partial_free(p);
        return NULL;
    }
    return p;
}

int qev_hist_partial_check(const qev_partial *p, char *why, size_t cap)
{
    size_t npairs2, na, nb;
    const char *required[] = {"bin_ps", "half_bins", "mode", "duration_ps", "first_ps", "last_ps"};
    if (strcmp(qev_partial_kind(p), "hist") != 0) {
        snprintf(why, cap, "a %s partial is not a histogram", qev_partial_kind(p));
        return QEV_EFORMAT;
    }
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!qev_partial_get(p, required[i], NULL)) {
            snprintf(why, cap, "the histogram has no %s", required[i]);
            return QEV_EFORMAT;
        }
    qev_partial_get(p, "pairs", &npairs2);
    qev_partial_get(p, "singles_a", &na);
    qev_partial_get(p, "singles_b", &nb);
    int64_t half = qev_partial_get1(p, "half_bins", -1), bin = qev_partial_get1(p, "bin_ps", 0);
    if (npairs2 == 0 || npairs2 % 2 || na != npairs2 / 2 || nb != na || half < 0 || bin <= 0) {
        snprintf(why, cap, "the histogram's pairs, singles or bins do not fit");
        return QEV_EFORMAT;
    }
    if (half > QEV_CORR_MAX_HALF_BINS) {
        snprintf(why, cap, "the histogram claims %" PRId64 " bins on each side of zero, more "
                 "than the %" PRId64 " a histogram may have", half, QEV_CORR_MAX_HALF_BINS);
        return QEV_EFORMAT;
    }
    for (size_t i = 0; i < na; i++) {
        char name[32];
        size_t n;
        snprintf(name, sizeof name, "counts.%zu", i);
        if (!qev_partial_get(p, name, &n) || n != (size_t)(2 * half + 1)) {
            snprintf(why, cap, "the histogram's %s does not have %" PRId64 " bins", name,
                     2 * half + 1);
            return QEV_EFORMAT;
        }
    }
    if (bin > INT64_MAX / (2 * half + 2)) {
        snprintf(why, cap, "the histogram's %" PRId64 " bins of %" PRId64 " ps reach beyond "
                           "the picoseconds int64 holds", 2 * half + 1, bin);
        return QEV_EFORMAT;
    }
    return QEV_OK;
}

double qev_hist_duration(const qev_partial *p)
{
    int64_t d = qev_partial_get1(p, "duration_ps", -1);
    if (d >= 0)
        return (double)d;
    int64_t first = qev_partial_get1(p, "first_ps", 0), last = qev_partial_get1(p, "last_ps", 0);
    return last > first ? (double)last - (double)first : 0; /* the difference may leave int64 */
}

qev_hist_view qev_hist_view_of(const qev_partial *p)
{
    qev_hist_view v;
    size_t n2;
    v.pairs = qev_partial_get(p, "pairs", &n2);
    v.npairs = n2 / 2;
    v.na = qev_partial_get(p, "singles_a", NULL);
    v.nb = qev_partial_get(p, "singles_b", NULL);
    v.bin = qev_partial_get1(p, "bin_ps", 1);
    v.half = qev_partial_get1(p, "half_bins", 0);
    v.nbins = (size_t)(2 * v.half + 1);
    v.duration = qev_hist_duration(p);
    return v;
}

const int64_t *qev_hist_pair_counts(const qev_partial *p, size_t pair)
{
    char name[32];
    snprintf(name, sizeof name, "counts.%zu", pair);
    return qev_partial_get(p, name, NULL);
}

double qev_hist_tau(const qev_hist_view *v, size_t k)
{
    return (double)(((int64_t)k - v->half) * v->bin);
}

double qev_hist_expected(const qev_hist_view *v, size_t pair, double tau, int edge)
{
    uint64_t na = (uint64_t)v->na[pair], nb = (uint64_t)v->nb[pair];
    return edge ? qev_corr_expected_edge(na, nb, v->bin, v->duration, tau)
                : qev_corr_expected(na, nb, v->bin, v->duration);
}

double qev_hist_g2(int64_t counts, double expected)
{
    return expected > 0 ? (double)counts / expected : NAN;
}
