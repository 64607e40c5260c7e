/* qstat's results as aligned text, JSON, Prometheus text and SVG (CLI layer). */
#include "stat_report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double seconds(int64_t ps) { return (double)ps * 1e-12; }

static double rate_hz(uint64_t events, int64_t span_ps)
{
    return span_ps > 0 ? (double)events / seconds(span_ps) : NAN;
}

/* ---- rates over time ---- */

void report_rate_rows_free(struct rate_rows *rows)
{
    free(rows->start);
    free(rows->end);
    free(rows->channel);
    free(rows->rate);
    *rows = (struct rate_rows){0};
}

void report_rate_row(void *ctx, int64_t start, int64_t end, const uint16_t *channels,
                     const uint64_t *counts, size_t n)
{
    struct rate_rows *r = ctx;
    for (size_t i = 0; i < n; i++) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 256;
            int64_t *s = realloc(r->start, cap * sizeof *s), *e = realloc(r->end, cap * sizeof *e);
            uint16_t *c = realloc(r->channel, cap * sizeof *c);
            double *v = realloc(r->rate, cap * sizeof *v);
            r->start = s ? s : r->start;
            r->end = e ? e : r->end;
            r->channel = c ? c : r->channel;
            r->rate = v ? v : r->rate;
            if (!s || !e || !c || !v)
                return;
            r->cap = cap;
        }
        r->start[r->n] = start;
        r->end[r->n] = end;
        r->channel[r->n] = channels[i];
        r->rate[r->n++] = (double)counts[i] / ((double)(end - start) * 1e-12);
    }
}

static void channel_series(struct svg_plot *plot, const struct rate_rows *rows, uint16_t ch,
                           double *x, double *y)
{
    size_t k = 0;
    for (size_t i = 0; i < rows->n; i++)
        if (rows->channel[i] == ch) {
            x[k] = 0.5e-12 * (double)(rows->start[i] + rows->end[i]);
            y[k++] = rows->rate[i];
        }
    char label[32];
    snprintf(label, sizeof label, "channel %u", ch);
    svg_series(plot, x, y, k, label);
}

void report_rates_svg(FILE *f, struct rate_rows *rows, const struct stat_result *r)
{
    struct svg_plot plot = {.xlabel = "time (s)", .ylabel = "rate (Hz)",
                            .title = "event rate per channel (gaps shaded)"};
    double *x = malloc((rows->n ? rows->n : 1) * sizeof *x), *y = malloc((rows->n ? rows->n : 1) * sizeof *y);
    svg_begin(f, &plot);
    for (size_t i = 0; x && y && i < r->nrows; i++)
        channel_series(&plot, rows, r->rows[i].channel, x, y);
    size_t kept = r->st.gaps < QEV_STATS_GAPS_KEPT ? (size_t)r->st.gaps : QEV_STATS_GAPS_KEPT;
    for (size_t i = 0; i < kept; i++)
        svg_span(&plot, 1e-12 * (double)r->st.first_gaps[i].start,
                 1e-12 * (double)(r->st.first_gaps[i].start + r->st.first_gaps[i].length));
    svg_end(f, &plot);
    free(x);
    free(y);
    free(rows->start);
    free(rows->end);
    free(rows->channel);
    free(rows->rate);
    memset(rows, 0, sizeof *rows);
}

/* ---- text ---- */

static void text_channels(FILE *f, const struct stat_result *r, int64_t span)
{
    fprintf(f, "\n%-8s %14s %16s %18s\n", "channel", "events", "rate_hz", "min_interval_ps");
    for (size_t i = 0; i < r->nrows; i++) {
        const qev_channel_stats *ch = &r->rows[i].s;
        fprintf(f, "%-8u %14" PRIu64 " %16.6g ", r->rows[i].channel, ch->events,
                rate_hz(ch->events, span));
        if (ch->min_interval == INT64_MAX)
            fprintf(f, "%18s\n", "-");
        else
            fprintf(f, "%18" PRId64 "\n", ch->min_interval);
    }
}

static void text_gaps(FILE *f, const qev_stats *st)
{
    size_t kept = st->gaps < QEV_STATS_GAPS_KEPT ? (size_t)st->gaps : QEV_STATS_GAPS_KEPT;
    for (size_t i = 0; i < kept; i++)
        fprintf(f, "%-18s at %" PRId64 " ps for %" PRId64 " ps\n", "  gap",
                st->first_gaps[i].start, st->first_gaps[i].length);
}

void report_stats_text(FILE *f, const struct stat_result *r)
{
    const qev_stats *st = &r->st;
    int64_t span = qev_stats_span(st);
    fprintf(f, "%-18s %s\n", "source", r->source);
    if (!r->merged) {
        fprintf(f, "%-18s %" PRIu64 " (%" PRIu64 " trailers verified)\n", "segments",
                r->rs.segments, r->rs.trailers);
        fprintf(f, "%-18s %" PRIu64 " (checksums verified)\n", "blocks", r->rs.blocks);
    }
    fprintf(f, "%-18s %" PRIu64 "\n", "events", st->events);
    if (st->events)
        fprintf(f, "%-18s %" PRId64 " .. %" PRId64 " ps\n", "time range", st->tmin, st->tmax);
    fprintf(f, "%-18s %.12g s\n", "duration", seconds(span));
    fprintf(f, "%-18s %.6g Hz\n", "rate", rate_hz(st->events, span));
    fprintf(f, "%-18s %" PRIu64 " (threshold %" PRId64 " ps, longest %" PRId64 " ps)\n", "gaps",
            st->gaps, st->gap_threshold, st->longest.length);
    text_gaps(f, st);
    fprintf(f, "%-18s %" PRIu64, "backwards", st->backwards);
    if (st->backwards)
        fprintf(f, " (first at event %" PRIu64 ")", st->first_backwards);
    fputc('\n', f);
    fprintf(f, "%-18s %s\n", "integrity", r->ok ? "ok" : r->error);
    text_channels(f, r, span);
}

/* ---- JSON ---- */

static void json_channels(struct report_json *j, const struct stat_result *r, int64_t span)
{
    report_json_array(j, "channels");
    for (size_t i = 0; i < r->nrows; i++) {
        const qev_channel_stats *ch = &r->rows[i].s;
        report_json_object(j, NULL);
        report_json_put(j, "channel", "%u", r->rows[i].channel);
        report_json_put(j, "events", "%" PRIu64, ch->events);
        report_json_put_number(j, "rate_hz", rate_hz(ch->events, span));
        if (ch->min_interval == INT64_MAX)
            report_json_put(j, "min_interval_ps", "null");
        else
            report_json_put(j, "min_interval_ps", "%" PRId64, ch->min_interval);
        report_json_end(j);
    }
    report_json_end(j);
}

static void json_gaps(struct report_json *j, const qev_stats *st)
{
    size_t kept = st->gaps < QEV_STATS_GAPS_KEPT ? (size_t)st->gaps : QEV_STATS_GAPS_KEPT;
    report_json_object(j, "gaps");
    report_json_put(j, "threshold_ps", "%" PRId64, st->gap_threshold);
    report_json_put(j, "count", "%" PRIu64, st->gaps);
    report_json_put(j, "longest_ps", "%" PRId64, st->longest.length);
    report_json_array(j, "first");
    for (size_t i = 0; i < kept; i++) {
        report_json_object(j, NULL);
        report_json_put(j, "start_ps", "%" PRId64, st->first_gaps[i].start);
        report_json_put(j, "length_ps", "%" PRId64, st->first_gaps[i].length);
        report_json_end(j);
    }
    report_json_end(j);
    report_json_end(j);
}

static void json_one(struct report_json *j, const struct stat_result *r)
{
    const qev_stats *st = &r->st;
    int64_t span = qev_stats_span(st);
    report_json_object(j, NULL);
    report_json_put_string(j, "source", r->source);
    report_json_put(j, "ok", "%s", r->ok ? "true" : "false");
    report_json_put_string(j, "error", r->ok ? NULL : r->error);
    if (!r->merged) {
        report_json_put(j, "segments", "%" PRIu64, r->rs.segments);
        report_json_put(j, "trailers", "%" PRIu64, r->rs.trailers);
        report_json_put(j, "blocks", "%" PRIu64, r->rs.blocks);
    }
    report_json_put(j, "events", "%" PRIu64, st->events);
    if (st->events) {
        report_json_put(j, "tmin_ps", "%" PRId64, st->tmin);
        report_json_put(j, "tmax_ps", "%" PRId64, st->tmax);
    } else {
        report_json_put(j, "tmin_ps", "null");
        report_json_put(j, "tmax_ps", "null");
    }
    report_json_put_number(j, "duration_s", seconds(span));
    report_json_put_number(j, "rate_hz", rate_hz(st->events, span));
    json_gaps(j, st);
    report_json_put(j, "backwards", "%" PRIu64, st->backwards);
    json_channels(j, r, span);
    report_json_end(j);
}

void report_stats_json(FILE *f, const struct stat_result *r, size_t n)
{
    struct report_json j;
    report_json_begin(&j, f, 0);
    report_json_object(&j, NULL);
    report_json_array(&j, "inputs");
    for (size_t i = 0; i < n; i++)
        json_one(&j, &r[i]);
    report_json_end(&j);
    report_json_end(&j);
}

/* ---- Prometheus ---- */

static void prom_sample(FILE *f, const char *name, const char *source, long channel, double v)
{
    char number[24];
    snprintf(number, sizeof number, "%ld", channel);
    const struct prom_label labels[] = {{"source", source}, {"channel", number}};
    report_prom_sample(f, name, labels, channel >= 0 ? 2 : 1, v);
}

typedef double (*stream_value)(const struct stat_result *r);
typedef double (*channel_value)(const struct stat_result *r, const qev_channel_stats *c);

static double v_events(const struct stat_result *r, const qev_channel_stats *c)
{
    (void)r;
    return (double)c->events;
}
static double v_rate(const struct stat_result *r, const qev_channel_stats *c)
{
    return rate_hz(c->events, qev_stats_span(&r->st));
}
static double v_min_interval(const struct stat_result *r, const qev_channel_stats *c)
{
    (void)r;
    int64_t m = c->min_interval;
    return m == INT64_MAX ? NAN : seconds(m);
}
static double v_duration(const struct stat_result *r) { return seconds(qev_stats_span(&r->st)); }
static double v_gaps(const struct stat_result *r) { return (double)r->st.gaps; }
static double v_longest_gap(const struct stat_result *r) { return seconds(r->st.longest.length); }
static double v_backwards(const struct stat_result *r) { return (double)r->st.backwards; }
static double v_segments(const struct stat_result *r) { return (double)r->rs.segments; }
static double v_blocks(const struct stat_result *r) { return (double)r->rs.blocks; }
static double v_ok(const struct stat_result *r) { return r->ok; }

/* A family of samples: one per channel of each input, or one per input. */
struct stat_metric {
    const char *name, *type, *help;
    channel_value per_channel;
    stream_value per_stream;
    int counted_by_reader; /* not for results merged from shards: no file was read */
};

static const struct stat_metric stat_metrics[] = {
    {"qpipe_events_total", "counter", "Events in the stream.", v_events, NULL, 0},
    {"qpipe_event_rate_hertz", "gauge", "Mean event rate over the stream's time range.", v_rate,
     NULL, 0},
    {"qpipe_min_interval_seconds", "gauge", "Smallest interval between two events of a channel.",
     v_min_interval, NULL, 0},
    {"qpipe_duration_seconds", "gauge", "Time range of the stream's events.", NULL, v_duration,
     0},
    {"qpipe_gaps_total", "counter", "Intervals longer than the gap threshold.", NULL, v_gaps, 0},
    {"qpipe_longest_gap_seconds", "gauge", "Longest interval longer than the gap threshold.",
     NULL, v_longest_gap, 0},
    {"qpipe_backwards_total", "counter", "Events earlier than the event before them.", NULL,
     v_backwards, 0},
    {"qpipe_segments_total", "counter", "Segments read.", NULL, v_segments, 1},
    {"qpipe_blocks_total", "counter", "Blocks read with verified checksums.", NULL, v_blocks, 1},
    {"qpipe_stream_ok", "gauge", "1 when the stream was read whole and without error.", NULL,
     v_ok, 0},
};

static void prom_family(FILE *f, const struct stat_result *r, size_t n,
                        const struct stat_metric *m)
{
    report_prom_family(f, m->name, m->type, m->help);
    for (size_t i = 0; i < n; i++) {
        if (m->per_stream)
            prom_sample(f, m->name, r[i].source, -1, m->per_stream(&r[i]));
        for (size_t k = 0; m->per_channel && k < r[i].nrows; k++)
            prom_sample(f, m->name, r[i].source, r[i].rows[k].channel,
                        m->per_channel(&r[i], &r[i].rows[k].s));
    }
}

void report_stats_prom(FILE *f, const struct stat_result *r, size_t n)
{
    for (size_t m = 0; m < sizeof stat_metrics / sizeof *stat_metrics; m++)
        if (!stat_metrics[m].counted_by_reader || (n && !r[0].merged))
            prom_family(f, r, n, &stat_metrics[m]);
}
