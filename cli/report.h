/* Rendering results for people (aligned text) and machines (JSON, the
 * Prometheus text format). Part of the CLI layer: it writes to a FILE. */
#ifndef QPIPE_REPORT_H
#define QPIPE_REPORT_H

#include <stdio.h>

#include "qev.h"
#include "stats.h"
#include "svg.h"

void report_json_string(FILE *f, const char *s);
/* A Prometheus label value, escaped, without quotes. */
void report_prom_label(FILE *f, const char *s);
void report_prom_family(FILE *f, const char *name, const char *type, const char *help);
/* A double as JSON: null when not finite. */
void report_json_number(FILE *f, double v);
/* A sample's value and the end of its line: NaN, +Inf and -Inf as Prometheus spells them. */
void report_prom_number(FILE *f, double v);

/* What qstat found in one input. */
struct stat_result {
    const char *source;
    qev_stats st; /* its channel array freed: rows hold the channels */
    qev_channel_row *rows;
    size_t nrows;
    qev_read_stats rs;
    int merged; /* from shards' partial results: no file of its own to count */
    int ok;
    int read_status; /* the reader's final status: QEV_END when read whole */
    char error[400];
};

/* Rate per channel over time: rows collected from qev_series, drawn with the
 * gaps of the stream shaded. */
struct rate_rows {
    int64_t *start, *end;
    uint16_t *channel;
    double *rate;
    size_t n, cap;
};
void report_rate_row(void *rows, int64_t start, int64_t end, const uint16_t *channels,
                     const uint64_t *counts, size_t n);
void report_rates_svg(FILE *f, struct rate_rows *rows, const struct stat_result *r);
void report_rate_rows_free(struct rate_rows *rows);

void report_stats_text(FILE *f, const struct stat_result *r);
void report_stats_json(FILE *f, const struct stat_result *r, size_t n);
void report_stats_prom(FILE *f, const struct stat_result *r, size_t n);

#endif
