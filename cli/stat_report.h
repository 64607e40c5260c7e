/* Renderings of qstat's results: text, JSON, Prometheus, and the rate of each
 * channel over time as SVG (CLI layer: writes a FILE). */
#ifndef QPIPE_STAT_REPORT_H
#define QPIPE_STAT_REPORT_H

#include <stdio.h>

#include "qev.h"
#include "report.h"
#include "stats.h"
#include "svg.h"

/* What qstat found in one input. */
struct stat_result {
    const char *source;
    qev_stats st; /* its channel array freed: rows hold the channels */
    qev_channel_row *rows;
    size_t nrows;
    struct {
        uint64_t segments, trailers, blocks;
    } rs; /* what the reader counted */
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
