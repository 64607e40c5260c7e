/* SVG line plots: axes, ticks, series, legend, and the peak marked. */
#include "svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 800.0
#define H 500.0
#define LEFT 80.0
#define RIGHT 20.0
#define TOP 40.0
#define BOTTOM 60.0

struct range {
    double lo, hi;
};

struct svg_series_data {
    double *x, *y;
    size_t n;
    char label[64];
};

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

void svg_begin(FILE *f, struct svg_plot *p)
{
    (void)f;
    p->series = NULL;
    p->nseries = 0;
    p->spans = NULL;
    p->nspans = 0;
}

void svg_span(struct svg_plot *p, double x0, double x1)
{
    struct svg_span *s = realloc(p->spans, (p->nspans + 1) * sizeof *s);
    if (!s)
        return;
    p->spans = s;
    p->spans[p->nspans++] = (struct svg_span){x0, x1};
}

static double px(struct range r, double x);

static void draw_spans(FILE *f, const struct svg_plot *p, struct range rx)
{
    for (size_t i = 0; i < p->nspans; i++) {
        double a = fmax(px(rx, p->spans[i].x0), LEFT), b = fmin(px(rx, p->spans[i].x1), W - RIGHT);
        if (b > a)
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"#f4b6b6\"><title>gap</title></rect>\n",
                    a, TOP, fmax(b - a, 1.0), H - TOP - BOTTOM);
    }
}

void svg_series(struct svg_plot *p, const double *x, const double *y, size_t n, const char *label)
{
    struct svg_series_data *s = realloc(p->series, (p->nseries + 1) * sizeof *s);
    if (!s)
        return;
    p->series = s;
    struct svg_series_data *d = &s[p->nseries];
    d->x = malloc((n ? n : 1) * sizeof *d->x);
    d->y = malloc((n ? n : 1) * sizeof *d->y);
    d->n = 0;
    snprintf(d->label, sizeof d->label, "%s", label ? label : "");
    for (size_t i = 0; d->x && d->y && i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            d->x[d->n] = x[i];
            d->y[d->n++] = y[i];
        }
    p->nseries++;
}


static void ranges(const struct svg_plot *p, struct range *rx, struct range *ry)
{
    *rx = (struct range){INFINITY, -INFINITY};
    *ry = (struct range){INFINITY, -INFINITY};
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < p->series[s].n; i++) {
            rx->lo = fmin(rx->lo, p->series[s].x[i]);
            rx->hi = fmax(rx->hi, p->series[s].x[i]);
            ry->lo = fmin(ry->lo, p->series[s].y[i]);
            ry->hi = fmax(ry->hi, p->series[s].y[i]);
        }
    if (!(rx->hi > rx->lo))
        *rx = (struct range){isfinite(rx->lo) ? rx->lo - 1 : 0, isfinite(rx->lo) ? rx->lo + 1 : 1};
    if (ry->lo > 0)
        ry->lo = 0;
    if (!(ry->hi > ry->lo))
        ry->hi = ry->lo + 1;
    ry->hi += 0.05 * (ry->hi - ry->lo);
}

static double px(struct range r, double x) { return LEFT + (x - r.lo) / (r.hi - r.lo) * (W - LEFT - RIGHT); }
static double py(struct range r, double y) { return H - BOTTOM - (y - r.lo) / (r.hi - r.lo) * (H - TOP - BOTTOM); }

static double nice_step(double span)
{
    double raw = span / 6, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void axis_ticks(FILE *f, struct range rx, struct range ry)
{
    double sx = nice_step(rx.hi - rx.lo), sy = nice_step(ry.hi - ry.lo);
    for (double x = ceil(rx.lo / sx) * sx; x <= rx.hi + 1e-9 * sx; x += sx)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%g</text>\n",
                px(rx, x), H - BOTTOM, px(rx, x), H - BOTTOM + 5, px(rx, x), H - BOTTOM + 20,
                fabs(x) < 1e-12 * sx ? 0.0 : x);
    for (double y = ceil(ry.lo / sy) * sy; y <= ry.hi + 1e-9 * sy; y += sy)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%g</text>\n",
                LEFT - 5, py(ry, y), LEFT, py(ry, y), LEFT - 8, py(ry, y) + 4,
                fabs(y) < 1e-12 * sy ? 0.0 : y);
}

static void frame(FILE *f, const struct svg_plot *p)
{
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#000\"/>\n",
            LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\">%s</text>\n",
            LEFT + (W - LEFT - RIGHT) / 2, H - 15, p->xlabel);
    fprintf(f, "<text x=\"18\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 18 %.1f)\">%s</text>\n",
            TOP + (H - TOP - BOTTOM) / 2, TOP + (H - TOP - BOTTOM) / 2, p->ylabel);
    fprintf(f, "<text x=\"%.1f\" y=\"25\" font-size=\"16\" text-anchor=\"middle\">%s</text>\n",
            W / 2, p->title);
}

static void draw_series(FILE *f, const struct svg_series_data *s, size_t idx, struct range rx,
                        struct range ry)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
            colours[idx % 5]);
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%.2f,%.2f ", px(rx, s->x[i]), py(ry, s->y[i]));
    fputs("\"/>\n", f);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">%s</text>\n",
            LEFT + 10, TOP + 18 + 16.0 * (double)idx, colours[idx % 5], s->label);
}

static void mark_peak(FILE *f, const struct svg_series_data *s, struct range rx, struct range ry)
{
    size_t best = 0;
    for (size_t i = 1; i < s->n; i++)
        if (s->y[i] > s->y[best])
            best = i;
    if (!s->n)
        return;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" stroke=\"#000\"/>"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">peak %g at %g</text>\n",
            px(rx, s->x[best]), py(ry, s->y[best]), px(rx, s->x[best]) + 8,
            py(ry, s->y[best]) - 6, s->y[best], s->x[best]);
}

void svg_end(FILE *f, struct svg_plot *p)
{
    struct range rx, ry;
    ranges(p, &rx, &ry);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            W, H, W, H);
    draw_spans(f, p, rx);
    frame(f, p);
    axis_ticks(f, rx, ry);
    for (size_t s = 0; s < p->nseries; s++)
        draw_series(f, &p->series[s], s, rx, ry);
    if (p->nseries)
        mark_peak(f, &p->series[0], rx, ry);
    fputs("</svg>\n", f);
    for (size_t s = 0; s < p->nseries; s++) {
        free(p->series[s].x);
        free(p->series[s].y);
    }
    free(p->series);
    free(p->spans);
    p->series = NULL;
    p->nseries = 0;
    p->spans = NULL;
    p->nspans = 0;
}
