/* qssim's results: aligned text, TSV, JSON and Prometheus text. */
#include "qssim.h"

#include "report.h"

#include <math.h>
#include <string.h>

static void fmt_psnr(char *buf, size_t n, double v, const char *inf, const char *fmt)
{
    if (isinf(v) && v > 0)
        snprintf(buf, n, "%s", inf);
    else
        snprintf(buf, n, fmt, v);
}

static void text_widths(const struct qssim_rows *rs, int *wi, int *wr)
{
    *wi = 5;
    *wr = 9;
    for (size_t i = 0; i < rs->n; i++) {
        int a = (int)strlen(rs->v[i].image), b = (int)strlen(rs->v[i].reference);
        *wi = a > *wi ? a : *wi;
        *wr = b > *wr ? b : *wr;
    }
}

static void print_text(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs)
{
    int wi, wr, gates = o->gate_ssim || o->gate_psnr;
    text_widths(rs, &wi, &wr);
    fprintf(f, "variant  %s: %s\n\n", qev_ssim_variant_name(o->ssim.variant),
            qev_ssim_variant_definition(o->ssim.variant));
    fprintf(f, "%-*s  %-*s  %9s  %9s  %12s  %12s  %8s%s\n", wi, "image", wr, "reference", "ssim",
            "psnr_db", "mse", "mae", "range", gates ? "  check" : "");
    for (size_t i = 0; i < rs->n; i++) {
        const struct qssim_row *r = &rs->v[i];
        if (!r->ok)
            continue;
        fprintf(f, "%-*s  %-*s  ", wi, r->image, wr, r->reference);
        char psnr[32];
        fmt_psnr(psnr, sizeof psnr, r->r.psnr, "inf", "%.4f");
        fprintf(f, "%9.6f  %9s  %12.6g  %12.6g  %8g%s\n", r->r.ssim, psnr, r->r.mse, r->r.mae,
                r->range, !gates ? "" : r->gate_failed ? "  FAIL" : "  pass");
    }
}

static void print_tsv(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs)
{
    int gates = o->gate_ssim || o->gate_psnr;
    fprintf(f, "image\treference\tvariant\tssim\tpsnr_db\tmse\tmae\trange%s\n",
            gates ? "\tcheck" : "");
    for (size_t i = 0; i < rs->n; i++) {
        const struct qssim_row *r = &rs->v[i];
        if (!r->ok)
            continue;
        char psnr[32];
        fmt_psnr(psnr, sizeof psnr, r->r.psnr, "inf", "%.17g");
        fprintf(f, "%s\t%s\t%s\t%.17g\t%s\t%.17g\t%.17g\t%.17g%s\n", r->image, r->reference,
                qev_ssim_variant_name(o->ssim.variant), r->r.ssim, psnr, r->r.mse, r->r.mae,
                r->range, !gates ? "" : r->gate_failed ? "\tfail" : "\tpass");
    }
}

static void json_scales(struct report_json *j, const qev_ssim_result *r)
{
    report_json_array(j, "scales");
    for (int l = 0; l < QEV_SSIM_SCALES; l++) {
        report_json_object(j, NULL);
        report_json_put_number(j, "ssim", r->scale_ssim[l]);
        report_json_put_number(j, "cs", r->scale_cs[l]);
        report_json_end(j);
    }
    report_json_end(j);
}

static void json_row(struct report_json *j, const struct qssim_opts *o, const struct qssim_row *r)
{
    report_json_object(j, NULL);
    report_json_put_string(j, "image", r->image);
    report_json_put_string(j, "reference", r->reference);
    report_json_put(j, "width", "%zu", r->width);
    report_json_put(j, "height", "%zu", r->height);
    report_json_put_string(j, "kind", r->kind);
    report_json_put_number(j, "range", r->range);
    report_json_put_number(j, "ssim", r->r.ssim);
    if (isinf(r->r.psnr) && r->r.psnr > 0)
        report_json_put_string(j, "psnr_db", "inf");
    else
        report_json_put_number(j, "psnr_db", r->r.psnr);
    report_json_put_number(j, "mse", r->r.mse);
    report_json_put_number(j, "mae", r->r.mae);
    if (o->ssim.variant == QEV_SSIM_MATLAB)
        report_json_put(j, "downsample", "%d", r->r.downsample);
    if (o->ssim.variant == QEV_SSIM_MS)
        json_scales(j, &r->r);
    if (o->gate_ssim || o->gate_psnr)
        report_json_put_string(j, "check", r->gate_failed ? "fail" : "pass");
    report_json_end(j);
}

/* The settings, then the results one a line. */
static void print_json(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs)
{
    struct report_json j;
    report_json_begin(&j, f, 1);
    report_json_object(&j, NULL);
    report_json_put_string(&j, "variant", qev_ssim_variant_name(o->ssim.variant));
    report_json_put_string(&j, "definition", qev_ssim_variant_definition(o->ssim.variant));
    report_json_put(&j, "k1", "%g", QEV_SSIM_K1);
    report_json_put(&j, "k2", "%g", QEV_SSIM_K2);
    if (o->gate_ssim)
        report_json_put_number(&j, "min_ssim", o->min_ssim);
    if (o->gate_psnr)
        report_json_put_number(&j, "min_psnr_db", o->min_psnr);
    report_json_newline(&j, 1);
    report_json_array(&j, "results");
    for (size_t i = 0; i < rs->n; i++) {
        if (!rs->v[i].ok)
            continue;
        report_json_newline(&j, 2);
        json_row(&j, o, &rs->v[i]);
    }
    report_json_newline(&j, 1);
    report_json_end(&j);
    report_json_end(&j);
}

enum measure { SSIM, PSNR, MSE, MAE };

static double measure(const qev_ssim_result *r, enum measure m)
{
    return m == SSIM ? r->ssim : m == PSNR ? r->psnr : m == MSE ? r->mse : r->mae;
}

static void prom_metric(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs,
                        const char *name, const char *help, enum measure m)
{
    report_prom_family(f, name, "gauge", help);
    for (size_t i = 0; i < rs->n; i++) {
        const struct qssim_row *r = &rs->v[i];
        if (!r->ok)
            continue;
        const struct prom_label labels[] = {{"image", r->image},
                                            {"reference", r->reference},
                                            {"variant", qev_ssim_variant_name(o->ssim.variant)}};
        report_prom_sample(f, name, labels, 3, measure(&r->r, m));
    }
}

static void print_prom(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs)
{
    prom_metric(f, o, rs, "qpipe_ssim", "SSIM of an image against its reference (label variant).",
                SSIM);
    prom_metric(f, o, rs, "qpipe_psnr_decibels", "PSNR of an image against its reference.", PSNR);
    prom_metric(f, o, rs, "qpipe_mse", "Mean squared difference, in squared sample units.", MSE);
    prom_metric(f, o, rs, "qpipe_mae", "Mean absolute difference, in sample units.", MAE);
}

void qssim_print(FILE *f, const struct qssim_opts *o, const struct qssim_rows *rs)
{
    if (o->form == FORM_JSON)
        print_json(f, o, rs);
    else if (o->form == FORM_TSV)
        print_tsv(f, o, rs);
    else if (o->form == FORM_PROM)
        print_prom(f, o, rs);
    else
        print_text(f, o, rs);
}
