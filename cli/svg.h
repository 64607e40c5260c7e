/* Line plots as SVG, for results people look at (CLI layer: writes a FILE). */
#ifndef QEV_SVG_H
#define QEV_SVG_H

#include <stddef.h>
#include <stdio.h>

struct svg_series_data;

struct svg_span {
    double x0, x1;
};

struct svg_plot {
    const char *xlabel, *ylabel, *title;
    struct svg_series_data *series;
    size_t nseries;
    struct svg_span *spans; /* shaded ranges of x, e.g. gaps */
    size_t nspans;
};

void svg_begin(FILE *f, struct svg_plot *p);
/* Adds a series (copied); non-finite points are left out. */
void svg_series(struct svg_plot *p, const double *x, const double *y, size_t n, const char *label);
/* Shades the range [x0, x1] behind the series, e.g. a gap in the data. */
void svg_span(struct svg_plot *p, double x0, double x1);
/* Draws axes with ticks and units, the series, a legend, and marks the
 * maximum of the first series; frees the series. */
void svg_end(FILE *f, struct svg_plot *p);

#endif
