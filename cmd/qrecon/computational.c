/* qrecon computational: bucket values under known patterns, from a marked
 * photon stream or a table, reconstructed by the algorithm asked for. */
#include "qrecon.h"

#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void check_measurements(const qev_meta *m, uint64_t want, const char *what)
{
    int64_t v;
    if (qrecon_meta_int(m, "measurements", &v) && (uint64_t)v != want)
        cli_die(what, "the stream has %" PRId64 " measurements, the patterns make %" PRIu64
                      " (check --count, --sampling, --no-split)", v, want);
}

static void gather_buckets(const struct qrecon_opts *o, qev_reader *r, uint64_t measurements,
                           qev_buckets *b)
{
    int64_t from, to;
    char why[256];
    qrecon_owned_interval(qev_reader_meta(r), &from, &to);
    if (qev_buckets_init(b, measurements, from, to, (uint16_t)o->marker_channel,
                         (uint16_t)o->bucket_channel) != QEV_OK)
        cli_die(NULL, "out of memory for %" PRIu64 " measurements", measurements);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_buckets_add(b, ev, (size_t)n, why, sizeof why) != QEV_OK)
            cli_die(qev_reader_name(r), "%s", why);
        cli_progress(qev_reader_count(r, QEV_READ_BYTES), qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
}

static double *read_tsv_buckets(const struct qrecon_opts *o, size_t measurements)
{
    FILE *f = strcmp(o->buckets, "-") == 0 ? stdin : fopen(o->buckets, "r");
    char why[256];
    if (!f)
        cli_die(o->buckets, "cannot open: %s", strerror(errno));
    double *b = malloc(measurements * sizeof *b);
    if (!b)
        cli_die(NULL, "out of memory");
    if (qev_buckets_read_tsv(f, measurements, b, why, sizeof why) != QEV_OK)
        cli_die(o->buckets, "%s", why);
    if (f != stdin)
        fclose(f);
    return b;
}

static void report_run(const qev_recon_op *op, const qev_pattern_spec *s,
                       enum qev_recon_algo algo, const qev_recon_info *info)
{
    struct report *r = &qrecon_report;
    char spec[128];
    report_add(r, "image", 1, "%zux%zu", qev_op_width(op), qev_op_height(op));
    report_add(r, "patterns", 1, "%s", qrecon_spec_text(s, spec, sizeof spec));
    report_add(r, "measurements", 0, "%zu", qev_op_rows(op));
    report_add(r, "algorithm", 1, "%s", qev_recon_algo_name(algo));
    if (qev_recon_algo_iterative(algo)) {
        report_add(r, "iterations", 0, "%u", info->iterations);
        report_add(r, "converged", 0, "%s", info->converged ? "true" : "false");
    }
    if (algo == QEV_RECON_TV || algo == QEV_RECON_FISTA) {
        report_add_number(r, "lambda", info->lambda);
        report_add_number(r, "lambda_abs", info->lambda_abs);
    }
    report_add_number(r, "residual", info->residual);
}

static void reconstruct(const struct qrecon_opts *o, qev_recon_op *op, const qev_pattern_spec *s,
                        const double *b)
{
    enum qev_recon_algo algo = o->has_algo ? o->algo : qev_recon_default_algo(op);
    qev_recon_params p = {algo, o->iterations, o->tolerance, o->lambda, o->basis};
    size_t npix = qev_op_width(op) * qev_op_height(op);
    double *x = malloc(npix * sizeof *x);
    qev_recon_info info;
    char why[256];
    if (!x)
        cli_die(NULL, "out of memory");
    if (qev_recon_run(op, b, &p, x, &info, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    report_run(op, s, algo, &info);
    char what[200];
    snprintf(what, sizeof what, "%s, %s", qev_recon_algo_name(p.algo),
             qev_recon_algo_units(p.algo));
    qrecon_write_image(o, (uint32_t)qev_op_width(op), (uint32_t)qev_op_height(op), x, what);
    qrecon_print_report(o, "computational");
    free(x);
}

static void report_buckets(const qev_buckets *b)
{
    struct report *r = &qrecon_report;
    report_add(r, "photons", 0, "%" PRIu64, b->photons);
    report_add(r, "photons_before_marker", 0, "%" PRIu64, b->orphans);
    report_add(r, "markers", 0, "%" PRIu64, b->markers);
}

void qrecon_computational_image(struct qrecon_opts *o, qev_pattern_spec *s, const qev_buckets *bk)
{
    qev_recon_op *op = qrecon_pattern_op(o, s);
    char why[256];
    if (qev_op_rows(op) != bk->measurements)
        cli_die(NULL, "the patterns make %zu measurements, the stream has %zu", qev_op_rows(op),
                bk->measurements);
    if (bk->markers == 0)
        cli_die(NULL, "no pattern markers on channel %ld: not a single-pixel stream, or give "
                      "--marker-channel", o->marker_channel);
    double *b = malloc(bk->measurements * sizeof *b);
    if (!b)
        cli_die(NULL, "out of memory");
    if (qev_buckets_values(bk->measurements, bk->counts, bk->shown, b, why, sizeof why) != QEV_OK)
        cli_die(NULL, "%s", why);
    report_buckets(bk);
    reconstruct(o, op, s, b);
    free(b);
    qev_op_free(op);
}

static void run_tsv(struct qrecon_opts *o)
{
    qev_pattern_spec s = qrecon_resolve_spec(o, NULL, o->buckets);
    qev_recon_op *op = qrecon_pattern_op(o, &s);
    double *b = read_tsv_buckets(o, qev_op_rows(op));
    reconstruct(o, op, &s, b);
    free(b);
    qev_op_free(op);
}

void qrecon_computational(struct qrecon_opts *o, const char *path)
{
    if (o->buckets) {
        if (o->partial)
            cli_usage_error("--partial needs photon counts from a stream, not --buckets");
        run_tsv(o);
        return;
    }
    qev_reader *r = cli_reader(path);
    const qev_meta *m = qev_reader_meta(r);
    qev_pattern_spec s = qrecon_resolve_spec(o, m, qev_reader_name(r));
    uint64_t measurements = qev_pattern_measurements(&s);
    qev_recon_op *file_op = s.kind == QEV_PATTERNS_FILE ? qrecon_pattern_op(o, &s) : NULL;
    if (file_op)
        measurements = qev_op_rows(file_op);
    check_measurements(m, measurements, qev_reader_name(r));
    qev_buckets b;
    gather_buckets(o, r, measurements, &b);
    cli_reader_close(r);
    qev_op_free(file_op);
    if (o->partial)
        qrecon_write_partial(o, qev_buckets_partial(&b, &s));
    else
        qrecon_computational_image(o, &s, &b);
    qev_buckets_free(&b);
}
