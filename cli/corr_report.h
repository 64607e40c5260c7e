/* Renderings of correlation histograms and coincidence statistics. */
#ifndef QPIPE_CORR_REPORT_H
#define QPIPE_CORR_REPORT_H

#include <stdio.h>

#include "corrhist.h"
#include "corrstats.h"

void corr_report_hist_tsv(FILE *f, const qev_partial *p, int edge);
void corr_report_hist_json(FILE *f, const qev_partial *p);
void corr_report_hist_svg(FILE *f, const qev_partial *p, int edge);

void corr_report_stats_text(FILE *f, const qev_partial *p);
void corr_report_stats_json(FILE *f, const qev_partial *p);
void corr_report_stats_prom(FILE *f, const qev_partial *p, const char *source);
void corr_report_stats_tsv_header(FILE *f);
void corr_report_stats_tsv_row(FILE *f, const qev_partial *p, int64_t start, int64_t end);

#endif
