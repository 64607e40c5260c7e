/* Renderings of correlation results: g2 histograms as TSV, JSON and SVG;
 * coincidence statistics as text, JSON, Prometheus and TSV rows. */
#include "corr_report.h"
#include "report.h"
#include "svg.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

static void tsv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "\t%.10g", v);
    else
        fputs("\tnan", f);
}

void corr_report_hist_tsv(FILE *f, const qev_partial *p, int edge)
{
    qev_hist_view v = qev_hist_view_of(p);
    fprintf(f, "# bin %" PRId64 " ps, %zu bins, duration %.0f ps\n", v.bin, v.nbins, v.duration);
    fputs("pair\ttau_ps\tcounts\texpected\tg2", f);
    fputs(edge ? "\tg2_edge\n" : "\n", f);
    for (size_t i = 0; i < v.npairs; i++) {
        const int64_t *c = qev_hist_pair_counts(p, i);
        double e = qev_hist_expected(&v, i, 0, 0);
        for (size_t k = 0; k < v.nbins; k++) {
            double tau = qev_hist_tau(&v, k);
            fprintf(f, "%" PRId64 ":%" PRId64 "\t%.0f\t%" PRId64, v.pairs[2 * i],
                    v.pairs[2 * i + 1], tau, c[k]);
            tsv_number(f, e);
            tsv_number(f, qev_hist_g2(c[k], e));
            if (edge)
                tsv_number(f, qev_hist_g2(c[k], qev_hist_expected(&v, i, tau, 1)));
            fputc('\n', f);
        }
    }
}

static void json_pair(struct report_json *j, const qev_hist_view *v, size_t i, const int64_t *c)
{
    double e = qev_hist_expected(v, i, 0, 0);
    report_json_object(j, NULL);
    report_json_put(j, "a", "%" PRId64, v->pairs[2 * i]);
    report_json_put(j, "b", "%" PRId64, v->pairs[2 * i + 1]);
    report_json_put(j, "singles_a", "%" PRId64, v->na[i]);
    report_json_put(j, "singles_b", "%" PRId64, v->nb[i]);
    report_json_put_number(j, "expected_per_bin", e);
    report_json_array(j, "counts");
    for (size_t k = 0; k < v->nbins; k++)
        report_json_put(j, NULL, "%" PRId64, c[k]);
    report_json_end(j);
    report_json_array(j, "g2");
    for (size_t k = 0; k < v->nbins; k++)
        report_json_put_number(j, NULL, qev_hist_g2(c[k], e));
    report_json_end(j);
    report_json_end(j);
}

void corr_report_hist_json(FILE *f, const qev_partial *p)
{
    qev_hist_view v = qev_hist_view_of(p);
    struct report_json j;
    report_json_begin(&j, f, 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "bin_ps", "%" PRId64, v.bin);
    report_json_put(&j, "bins", "%zu", v.nbins);
    report_json_put(&j, "first_tau_ps", "%" PRId64, -v.half * v.bin);
    report_json_put(&j, "duration_ps", "%.0f", v.duration);
    report_json_array(&j, "pairs");
    for (size_t i = 0; i < v.npairs; i++)
        json_pair(&j, &v, i, qev_hist_pair_counts(p, i));
    report_json_end(&j);
    report_json_end(&j);
}

void corr_report_hist_svg(FILE *f, const qev_partial *p, int edge)
{
    qev_hist_view v = qev_hist_view_of(p);
    double *x = malloc(v.nbins * sizeof *x), *y = malloc(v.nbins * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return;
    }
    struct svg_plot plot = {.xlabel = "delay (ns)", .ylabel = "g2", .title = "g2 histogram"};
    svg_begin(f, &plot);
    for (size_t i = 0; i < v.npairs; i++) {
        const int64_t *c = qev_hist_pair_counts(p, i);
        for (size_t k = 0; k < v.nbins; k++) {
            double tau = qev_hist_tau(&v, k);
            x[k] = tau * 1e-3;
            y[k] = qev_hist_g2(c[k], qev_hist_expected(&v, i, tau, edge));
        }
        char label[64];
        snprintf(label, sizeof label, "%" PRId64 ":%" PRId64, v.pairs[2 * i], v.pairs[2 * i + 1]);
        svg_series(&plot, x, y, v.nbins, label);
    }
    svg_end(f, &plot);
    free(x);
    free(y);
}

static void text_pair(FILE *f, const qev_partial *p, const qev_pair_stats *s, int64_t d)
{
    int64_t D = qev_partial_get1(p, "accidental_delay_ps", 0);
    fprintf(f, "pair %" PRId64 ":%" PRId64 " (herald %" PRId64 ", signal %" PRId64 ")\n", s->a,
            s->b, s->a, s->b);
    fprintf(f, "  %-24s %" PRId64 " ps full width at delay %" PRId64 " ps (covers %" PRId64
               " ps of delays)\n",
            "window", qev_partial_get1(p, "window_ps", 0), d, s->window_eff);
    fprintf(f, "  %-24s %.9g s\n", "duration", s->duration_s);
    fprintf(f, "  %-24s %.6g +- %.2g /s\n", "singles rate A", s->rate_a, s->sigma_rate_a);
    fprintf(f, "  %-24s %.6g +- %.2g /s\n", "singles rate B", s->rate_b, s->sigma_rate_b);
    fprintf(f, "  %-24s %.0f (%.6g /s)\n", "coincidences", s->coincidences, s->coincidence_rate);
    fprintf(f, "  %-24s %.6g +- %.2g\n", "accidentals, singles", s->acc_singles, s->sigma_acc[0]);
    fprintf(f, "  %-24s %.6g +- %.2g\n", "accidentals, off-peak", s->acc_offpeak, s->sigma_acc[1]);
    fprintf(f, "  %-24s %.6g +- %.2g (window at %+" PRId64 " ps)\n", "accidentals, delayed",
            s->acc_delayed, s->sigma_acc[2], D);
    fprintf(f, "  %-24s %.6g +- %.2g ((C - A)/A, A from %s)\n", "CAR", s->car, s->sigma_car,
            qev_coinc_stats_estimate_name(p));
    fprintf(f, "  %-24s %.6g +- %.2g ((C - A)/(N_A - dark_A T))\n", "heralding eta_B", s->eta_b,
            s->sigma_eta_b);
    fprintf(f, "  %-24s %.6g +- %.2g ((C - A)/(N_B - dark_B T))\n", "heralding eta_A", s->eta_a,
            s->sigma_eta_a);
}

void corr_report_stats_text(FILE *f, const qev_partial *p)
{
    const int64_t *delays = qev_partial_get(p, "delays_ps", NULL);
    for (size_t i = 0; i < qev_coinc_stats_pairs(p); i++) {
        qev_pair_stats s;
        qev_coinc_stats_compute(p, i, &s);
        if (i)
            fputc('\n', f);
        text_pair(f, p, &s, delays[i]);
    }
}

/* A value and its uncertainty, as the members key and sigma_key. */
static void put_measured(struct report_json *j, const char *key, double v, double sigma)
{
    char sigma_key[64];
    snprintf(sigma_key, sizeof sigma_key, "sigma_%s", key);
    report_json_put_number(j, key, v);
    report_json_put_number(j, sigma_key, sigma);
}

static void json_pair_stats(struct report_json *j, const qev_pair_stats *s, int64_t delay)
{
    report_json_object(j, NULL);
    report_json_put(j, "a", "%" PRId64, s->a);
    report_json_put(j, "b", "%" PRId64, s->b);
    report_json_put(j, "delay_ps", "%" PRId64, delay);
    report_json_put_number(j, "duration_s", s->duration_s);
    put_measured(j, "rate_a_hz", s->rate_a, s->sigma_rate_a);
    put_measured(j, "rate_b_hz", s->rate_b, s->sigma_rate_b);
    report_json_put_number(j, "coincidences", s->coincidences);
    report_json_put_number(j, "coincidence_rate_hz", s->coincidence_rate);
    put_measured(j, "accidentals_singles", s->acc_singles, s->sigma_acc[0]);
    put_measured(j, "accidentals_offpeak", s->acc_offpeak, s->sigma_acc[1]);
    put_measured(j, "accidentals_delayed", s->acc_delayed, s->sigma_acc[2]);
    put_measured(j, "car", s->car, s->sigma_car);
    put_measured(j, "heralding_eta_b", s->eta_b, s->sigma_eta_b);
    put_measured(j, "heralding_eta_a", s->eta_a, s->sigma_eta_a);
    report_json_end(j);
}

void corr_report_stats_json(FILE *f, const qev_partial *p)
{
    struct report_json j;
    report_json_begin(&j, f, 0);
    report_json_object(&j, NULL);
    report_json_put(&j, "window_ps", "%" PRId64, qev_partial_get1(p, "window_ps", 0));
    report_json_put(&j, "accidental_delay_ps", "%" PRId64,
                    qev_partial_get1(p, "accidental_delay_ps", 0));
    report_json_put_string(&j, "accidentals_from", qev_coinc_stats_estimate_name(p));
    report_json_array(&j, "pairs");
    const int64_t *delays = qev_partial_get(p, "delays_ps", NULL);
    for (size_t i = 0; i < qev_coinc_stats_pairs(p); i++) {
        qev_pair_stats s;
        qev_coinc_stats_compute(p, i, &s);
        json_pair_stats(&j, &s, delays[i]);
    }
    report_json_end(&j);
    report_json_end(&j);
}

typedef double (*stat_value)(const qev_pair_stats *s);
static double v_rate_a(const qev_pair_stats *s) { return s->rate_a; }
static double v_rate_b(const qev_pair_stats *s) { return s->rate_b; }
static double v_coinc(const qev_pair_stats *s) { return s->coincidences; }
static double v_coinc_rate(const qev_pair_stats *s) { return s->coincidence_rate; }
static double v_acc(const qev_pair_stats *s) { return s->accidentals; }
static double v_car(const qev_pair_stats *s) { return s->car; }
static double v_eta_b(const qev_pair_stats *s) { return s->eta_b; }
static double v_eta_a(const qev_pair_stats *s) { return s->eta_a; }

/* A family of samples, one per pair. */
struct stats_metric {
    const char *name, *type, *help;
    stat_value value;
};

static const struct stats_metric stats_metrics[] = {
    {"qpipe_herald_rate_hertz", "gauge", "Singles rate of the herald.", v_rate_a},
    {"qpipe_signal_rate_hertz", "gauge", "Singles rate of the signal.", v_rate_b},
    {"qpipe_coincidences_total", "counter", "Pairs within the coincidence window.", v_coinc},
    {"qpipe_coincidence_rate_hertz", "gauge", "Coincidences per second.", v_coinc_rate},
    {"qpipe_accidentals", "gauge", "Expected accidental coincidences in the window.", v_acc},
    {"qpipe_car_ratio", "gauge", "Coincidences-to-accidentals ratio (C - A)/A.", v_car},
    {"qpipe_heralding_efficiency_ratio", "gauge",
     "Klyshko efficiency of the signal arm, heralded by A.", v_eta_b},
    {"qpipe_heralding_efficiency_reverse_ratio", "gauge",
     "Klyshko efficiency of the herald arm, heralded by B.", v_eta_a},
};

static void prom_family(FILE *f, const qev_partial *p, const char *source,
                        const struct stats_metric *m)
{
    report_prom_family(f, m->name, m->type, m->help);
    for (size_t i = 0; i < qev_coinc_stats_pairs(p); i++) {
        qev_pair_stats s;
        qev_coinc_stats_compute(p, i, &s);
        char herald[24], signal[24];
        snprintf(herald, sizeof herald, "%" PRId64, s.a);
        snprintf(signal, sizeof signal, "%" PRId64, s.b);
        const struct prom_label labels[] = {{"source", source}, {"herald", herald},
                                            {"signal", signal}};
        report_prom_sample(f, m->name, labels, 3, m->value(&s));
    }
}

void corr_report_stats_prom(FILE *f, const qev_partial *p, const char *source)
{
    for (size_t m = 0; m < sizeof stats_metrics / sizeof *stats_metrics; m++)
        prom_family(f, p, source, &stats_metrics[m]);
}

void corr_report_stats_tsv_header(FILE *f)
{
    fputs("start_ps\tend_ps\tpair\trate_a_hz\trate_b_hz\tcoincidences\taccidentals\tcar\t"
          "sigma_car\theralding_eta_b\n",
          f);
}

void corr_report_stats_tsv_row(FILE *f, const qev_partial *p, int64_t start, int64_t end)
{
    for (size_t i = 0; i < qev_coinc_stats_pairs(p); i++) {
        qev_pair_stats s;
        qev_coinc_stats_compute(p, i, &s);
        fprintf(f, "%" PRId64 "\t%" PRId64 "\t%" PRId64 ":%" PRId64 "\t%.9g\t%.9g\t%.0f\t%.9g\t%.9g\t%.9g\t%.9g\n",
                start, end, s.a, s.b, s.rate_a, s.rate_b, s.coincidences, s.accidentals, s.car,
                s.sigma_car, s.eta_b);
    }
}
