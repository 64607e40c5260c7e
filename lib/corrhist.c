/* Correlation histograms: partial results, TSV, JSON and SVG. */
#include "corrhist.h"
#include "report.h"
#include "svg.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

struct hist_view {
    size_t npairs, nbins;
    const int64_t *pairs, *na, *nb;
    int64_t bin, half;
    double duration;
};

static struct hist_view view_of(const qev_partial *p)
{
    struct hist_view v;
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

static const int64_t *pair_counts(const qev_partial *p, size_t i)
{
    char name[32];
    snprintf(name, sizeof name, "counts.%zu", i);
    return qev_partial_get(p, name, NULL);
}

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

static void tsv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "\t%.10g", v);
    else
        fputs("\tnan", f);
}

void qev_hist_write_tsv(FILE *f, const qev_partial *p, int edge)
{
    struct hist_view v = view_of(p);
    fprintf(f, "# bin %" PRId64 " ps, %zu bins, duration %.0f ps\n", v.bin, v.nbins, v.duration);
    fputs("pair\ttau_ps\tcounts\texpected\tg2", f);
    fputs(edge ? "\tg2_edge\n" : "\n", f);
    for (size_t i = 0; i < v.npairs; i++) {
        const int64_t *c = pair_counts(p, i);
        uint64_t na = (uint64_t)v.na[i], nb = (uint64_t)v.nb[i];
        double e = qev_corr_expected(na, nb, v.bin, v.duration);
        for (size_t k = 0; k < v.nbins; k++) {
            double tau = (double)(((int64_t)k - v.half) * v.bin);
            fprintf(f, "%" PRId64 ":%" PRId64 "\t%.0f\t%" PRId64, v.pairs[2 * i],
                    v.pairs[2 * i + 1], tau, c[k]);
            tsv_number(f, e);
            tsv_number(f, ratio((double)c[k], e));
            if (edge)
                tsv_number(f, ratio((double)c[k],
                                    qev_corr_expected_edge(na, nb, v.bin, v.duration, tau)));
            fputc('\n', f);
        }
    }
}

static void json_array(FILE *f, const char *name, const int64_t *c, size_t n, double scale,
                       double per_bin, int raw)
{
    fprintf(f, ",\"%s\":[", name);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', f);
        if (raw)
            fprintf(f, "%" PRId64, c[k]);
        else
            report_json_number(f, ratio((double)c[k] * scale, per_bin));
    }
    fputc(']', f);
}

void qev_hist_write_json(FILE *f, const qev_partial *p)
{
    struct hist_view v = view_of(p);
    fprintf(f, "{\"bin_ps\":%" PRId64 ",\"bins\":%zu,\"first_tau_ps\":%" PRId64
               ",\"duration_ps\":%.0f,\"pairs\":[",
            v.bin, v.nbins, -v.half * v.bin, v.duration);
    for (size_t i = 0; i < v.npairs; i++) {
        const int64_t *c = pair_counts(p, i);
        double e = qev_corr_expected((uint64_t)v.na[i], (uint64_t)v.nb[i], v.bin, v.duration);
        fprintf(f, "%s{\"a\":%" PRId64 ",\"b\":%" PRId64 ",\"singles_a\":%" PRId64
                   ",\"singles_b\":%" PRId64 ",\"expected_per_bin\":",
                i ? "," : "", v.pairs[2 * i], v.pairs[2 * i + 1], v.na[i], v.nb[i]);
        report_json_number(f, e);
        json_array(f, "counts", c, v.nbins, 1, 1, 1);
        json_array(f, "g2", c, v.nbins, 1, e, 0);
        fputc('}', f);
    }
    fputs("]}\n", f);
}

void qev_hist_write_svg(FILE *f, const qev_partial *p, int edge)
{
    struct hist_view v = view_of(p);
    double *x = malloc(v.nbins * sizeof *x), *y = malloc(v.nbins * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return;
    }
    struct svg_plot plot = {.xlabel = "delay (ns)", .ylabel = "g2", .title = "g2 histogram"};
    svg_begin(f, &plot);
    for (size_t i = 0; i < v.npairs; i++) {
        const int64_t *c = pair_counts(p, i);
        uint64_t na = (uint64_t)v.na[i], nb = (uint64_t)v.nb[i];
        for (size_t k = 0; k < v.nbins; k++) {
            double tau = (double)(((int64_t)k - v.half) * v.bin);
            double e = edge ? qev_corr_expected_edge(na, nb, v.bin, v.duration, tau)
                            : qev_corr_expected(na, nb, v.bin, v.duration);
            x[k] = tau * 1e-3;
            y[k] = ratio((double)c[k], e);
        }
        char label[64];
        snprintf(label, sizeof label, "%" PRId64 ":%" PRId64, v.pairs[2 * i], v.pairs[2 * i + 1]);
        svg_series(&plot, x, y, v.nbins, label);
    }
    svg_end(f, &plot);
    free(x);
    free(y);
}
