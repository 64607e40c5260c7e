/* qcorr stats: coincidence statistics, for the whole run or a time series. */
#include <inttypes.h>

#include "cli.h"
#include "corr_report.h"
#include "corrhist.h"
#include "qcorr.h"
#include "series.h"
#include "stats_params.h"

static qev_partial *stats_snapshot(const struct corr_opts *o, const qev_correlator *c,
                                   int64_t half, int64_t duration)
{
    qev_partial *p = qev_hist_partial(c, o->pairs, o->npairs, 1, half, QEV_CORR_ALL, duration);
    if (!p || qev_coinc_stats_partial(p, &o->sp, o->npairs) != QEV_OK)
        cli_die(NULL, "out of memory");
    return p;
}

/* --every: a row of statistics per interval. */
struct series_rows {
    const struct corr_opts *o;
    int64_t half;
    FILE *out;
};

static int write_row(void *ctx, const qev_correlator *c, int64_t start, int64_t end)
{
    const struct series_rows *rows = ctx;
    qev_partial *p = stats_snapshot(rows->o, c, rows->half, end - start);
    corr_report_stats_tsv_row(rows->out, p, start, end);
    qev_partial_free(p);
    return QEV_OK;
}

static void check_series(qev_corr_series *s, int rc, const qev_reader *r)
{
    if (rc == QEV_EINVAL)
        qcorr_die_disorder(r, qev_corr_series_disorder_at(s));
    if (rc != QEV_OK)
        cli_die(NULL, "out of memory");
}

static void run_series(const struct corr_opts *o, qev_reader *r, int64_t half)
{
    struct series_rows rows = {o, half, cli_output_stream(o->output, 0)};
    qev_corr_series *s = qev_corr_series_new(o->pairs, o->npairs, half, o->every);
    if (!s)
        cli_die(NULL, "out of memory");
    corr_report_stats_tsv_header(rows.out);
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        check_series(s, qev_corr_series_add(s, ev, (size_t)n, write_row, &rows), r);
        cli_progress(qev_reader_count(r, QEV_READ_BYTES), qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
    check_series(s, qev_corr_series_finish(s, write_row, &rows), r);
    qev_corr_series_free(s);
}

static void run_whole(const struct corr_opts *o, qev_reader *r, int64_t half)
{
    qev_correlator *c = qcorr_new_correlator(o, 1, half, 0);
    qcorr_correlate(r, c);
    qev_partial *p = stats_snapshot(o, c, half, o->duration);
    qcorr_write_result(o, p, qev_reader_name(r));
    qev_partial_free(p);
    qev_correlator_free(c);
}

void qcorr_stats(struct corr_opts *o, const char *path)
{
    qev_reader *r = cli_reader(path);
    qcorr_check_cal(o, r);
    qcorr_owned_interval(o, qev_reader_meta(r));
    qev_coinc_stats_params_set(&o->sp, o->pairs, o->npairs, o->window, qcorr_stream_resolution(r),
                         o->delay, o->dark);
    int64_t half = qev_coinc_stats_reach(&o->sp, o->npairs);
    qcorr_check_shard_reach(o, r, half);
    if (o->every && o->every <= half + 1)
        cli_usage_error("--every must be longer than the %" PRId64 " ps the statistics reach",
                        half + 1);
    if (o->every)
        run_series(o, r, half);
    else
        run_whole(o, r, half);
    cli_reader_close(r);
}
