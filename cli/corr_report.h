/* Renderings of correlation histograms and coincidence statistics. */
#ifndef QPIPE_CORR_REPORT_H
#define QPIPE_CORR_REPORT_H

#include <stdio.h>

#include "corrhist.h"
#include "corrstats.h"

void qev_hist_write_tsv(FILE *f, const qev_partial *p, int edge);
void qev_hist_write_json(FILE *f, const qev_partial *p);
void qev_hist_write_svg(FILE *f, const qev_partial *p, int edge);

void qev_stats_write_text(FILE *f, const qev_partial *p);
void qev_stats_write_json(FILE *f, const qev_partial *p);
void qev_stats_write_prom(FILE *f, const qev_partial *p, const char *source);
void qev_stats_write_tsv_header(FILE *f);
void qev_stats_write_tsv_row(FILE *f, const qev_partial *p, int64_t start, int64_t end);

#endif
