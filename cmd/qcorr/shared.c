/* What qcorr's subcommands share: what they take from the stream, the
 * correlator, and the rendering of a result. */
#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"
#include "corr_report.h"
#include "qcorr.h"
#include "shard.h"

/* The stream's time quantum in ps, 0 when its metadata does not say. */
int64_t qcorr_stream_resolution(const qev_reader *r)
{
    const char *res = qev_meta_get(qev_reader_meta(r), "resolution_ps");
    return res ? atoll(res) : 0;
}

/* The owned interval from --own, or from a shard's metadata. */
void qcorr_owned_interval(struct corr_opts *o, const qev_meta *m)
{
    int64_t from, to;
    if (!o->own_set && qev_shard_owned(m, &from, &to)) {
        o->own_from = from;
        o->own_to = to;
    }
}

/* A shard must hold the partners of its own last events: one cut with less
 * overlap than the correlation reaches would lose pairs without a word. */
void qcorr_check_shard_reach(const struct corr_opts *o, const qev_reader *r, int64_t reach)
{
    int64_t overlap;
    if (o->own_set || o->own_to == INT64_MAX || !qev_shard_overlap(qev_reader_meta(r), &overlap) ||
        overlap >= reach)
        return;
    cli_die(qev_reader_name(r),
            "the shard overlaps the next by %" PRId64 " ps, less than the %" PRId64 " ps the "
            "correlation reaches: cut it with qcat --shard --overlap %" PRId64 "ps",
            overlap, reach, reach);
}

qev_correlator *qcorr_new_correlator(const struct corr_opts *o, int64_t bin, int64_t half,
                                     int start_stop)
{
    qev_correlator *c = qev_correlator_new(o->pairs, o->npairs, bin, half,
                                           start_stop ? QEV_CORR_START_STOP : QEV_CORR_ALL,
                                           o->own_from, o->own_to);
    if (!c)
        cli_die(NULL, "out of memory");
    return c;
}

void qcorr_correlate(qev_reader *r, qev_correlator *c)
{
    const qev_event *ev;
    long n;
    while ((n = qev_read(r, &ev)) >= 0) {
        if (qev_correlator_add(c, ev, (size_t)n) != QEV_OK)
            qcorr_die_disorder(r, qev_correlator_disorder_at(c));
        cli_progress(qev_reader_count(r, QEV_READ_BYTES), qev_reader_size(r), "bytes");
    }
    cli_check_read(r, n);
}

_Noreturn void qcorr_die_disorder(const qev_reader *r, uint64_t at)
{
    cli_die(qev_reader_name(r), "event %" PRIu64 " goes back in time; " QEV_ORDER_HINT, at);
}

int qcorr_is_stats(const qev_partial *p) { return qev_partial_get(p, "window_ps", NULL) != NULL; }

void qcorr_write_result(const struct corr_opts *o, const qev_partial *p, const char *source)
{
    FILE *out = cli_output_stream(o->output, 0);
    if (o->form == FORM_PARTIAL)
        qev_partial_write(p, out);
    else if (qcorr_is_stats(p) && o->form == FORM_JSON)
        corr_report_stats_json(out, p);
    else if (qcorr_is_stats(p) && o->form == FORM_PROM)
        corr_report_stats_prom(out, p, source);
    else if (qcorr_is_stats(p))
        corr_report_stats_text(out, p);
    else if (o->form == FORM_JSON)
        corr_report_hist_json(out, p);
    else if (o->form == FORM_SVG)
        corr_report_hist_svg(out, p, o->edge);
    else if (o->form == FORM_PROM)
        cli_usage_error("--prom is for qcorr stats");
    else
        corr_report_hist_tsv(out, p, o->edge);
}
