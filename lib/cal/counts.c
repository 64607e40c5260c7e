/* Photons per channel and per pixel of a stream (counts.h). */
#include "counts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct array {
    uint16_t ch;
    uint64_t *pix; /* [y * QCAL_PIXEL_SIDE + x], grown by rows */
    size_t cap;
    uint32_t maxx, maxy;
};

struct qcal_counts {
    uint64_t n[65536];
    int64_t tmin, tmax;
    double duration;        /* ps */
    uint32_t width, height; /* from the metadata, 0 when not given */
    struct array arrays[QCAL_MAX_ARRAYS];
    size_t narrays;
    char error[128];
};

qcal_counts *qcal_counts_new(void)
{
    qcal_counts *k = calloc(1, sizeof *k);
    if (k) {
        k->tmin = INT64_MAX;
        k->tmax = INT64_MIN;
    }
    return k;
}

void qcal_counts_free(qcal_counts *k)
{
    if (!k)
        return;
    for (size_t a = 0; a < k->narrays; a++)
        free(k->arrays[a].pix);
    free(k);
}

const char *qcal_counts_error(const qcal_counts *k) { return k->error; }

static struct array *array_of(qcal_counts *k, uint16_t ch)
{
    for (size_t i = 0; i < k->narrays; i++)
        if (k->arrays[i].ch == ch)
            return &k->arrays[i];
    if (k->narrays == QCAL_MAX_ARRAYS)
        return NULL;
    k->arrays[k->narrays].ch = ch;
    return &k->arrays[k->narrays++];
}

static int grow(struct array *a, size_t need)
{
    const size_t all = (size_t)QCAL_PIXEL_SIDE * QCAL_PIXEL_SIDE;
    size_t cap = need * 2 > all ? all : need * 2;
    uint64_t *p = realloc(a->pix, cap * sizeof *p);
    if (!p)
        return QEV_ENOMEM;
    memset(p + a->cap, 0, (cap - a->cap) * sizeof *p);
    a->pix = p;
    a->cap = cap;
    return QEV_OK;
}

static int count_pixel(qcal_counts *k, const qev_event *e)
{
    uint32_t x = qev_pixel_x(e), y = qev_pixel_y(e);
    if (x >= QCAL_PIXEL_SIDE || y >= QCAL_PIXEL_SIDE) {
        snprintf(k->error, sizeof k->error, "pixel (%u, %u) of channel %u lies beyond %d x %d", x,
                 y, e->channel, QCAL_PIXEL_SIDE, QCAL_PIXEL_SIDE);
        return QEV_EINVAL;
    }
    struct array *a = array_of(k, e->channel);
    if (!a) {
        snprintf(k->error, sizeof k->error, "more than %d array channels", QCAL_MAX_ARRAYS);
        return QEV_EINVAL;
    }
    size_t need = (size_t)(y + 1) * QCAL_PIXEL_SIDE;
    if (need > a->cap && grow(a, need) != QEV_OK) {
        snprintf(k->error, sizeof k->error, "out of memory");
        return QEV_ENOMEM;
    }
    a->pix[(size_t)y * QCAL_PIXEL_SIDE + x]++;
    a->maxx = x > a->maxx ? x : a->maxx;
    a->maxy = y > a->maxy ? y : a->maxy;
    return QEV_OK;
}

int qcal_counts_add(qcal_counts *k, const qev_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != QEV_PHOTON)
            continue;
        k->n[ev[i].channel]++;
        k->tmin = ev[i].t < k->tmin ? ev[i].t : k->tmin;
        k->tmax = ev[i].t > k->tmax ? ev[i].t : k->tmax;
        if (ev[i].flags & QEV_F_PIXEL) {
            int rc = count_pixel(k, &ev[i]);
            if (rc != QEV_OK)
                return rc;
        }
    }
    return QEV_OK;
}

static double meta_number(const qev_meta *m, const char *key)
{
    const char *v = qev_meta_get(m, key);
    return v ? strtod(v, NULL) : NAN;
}

static uint32_t side(double v) { return v >= 1 && v <= QCAL_PIXEL_SIDE ? (uint32_t)v : 0; }

int qcal_counts_finish(qcal_counts *k, const qev_meta *m, double duration_ps)
{
    double meta_duration = meta_number(m, "duration_ps");
    k->duration = duration_ps > 0     ? duration_ps
                  : meta_duration > 0 ? meta_duration
                  : k->tmax > k->tmin ? (double)(k->tmax - k->tmin)
                                      : NAN;
    k->width = side(meta_number(m, "image_width"));
    k->height = side(meta_number(m, "image_height"));
    return k->duration > 0 ? QEV_OK : QEV_EINVAL;
}

double qcal_counts_duration(const qcal_counts *k) { return k->duration; }

uint64_t qcal_counts_channel(const qcal_counts *k, uint16_t ch) { return k->n[ch]; }

size_t qcal_counts_arrays(const qcal_counts *k) { return k->narrays; }

uint16_t qcal_counts_array_channel(const qcal_counts *k, size_t a) { return k->arrays[a].ch; }

static double pixel(const struct array *a, uint32_t x, uint32_t y)
{
    size_t i = (size_t)y * QCAL_PIXEL_SIDE + x;
    return i < a->cap ? (double)a->pix[i] : 0;
}

double *qcal_counts_image(const qcal_counts *k, size_t a, uint32_t *w, uint32_t *h)
{
    const struct array *ar = &k->arrays[a];
    *w = k->width ? k->width : ar->maxx + 1;
    *h = k->height ? k->height : ar->maxy + 1;
    *w = ar->maxx + 1 > *w ? ar->maxx + 1 : *w;
    *h = ar->maxy + 1 > *h ? ar->maxy + 1 : *h;
    double *c = malloc((size_t)*w * *h * sizeof *c);
    if (!c)
        return NULL;
    for (uint32_t y = 0; y < *h; y++)
        for (uint32_t x = 0; x < *w; x++)
            c[(size_t)y * *w + x] = pixel(ar, x, y);
    return c;
}

double qcal_counts_pixel(const qcal_counts *k, uint16_t ch, uint32_t x, uint32_t y, int *is_array)
{
    for (size_t a = 0; a < k->narrays; a++)
        if (k->arrays[a].ch == ch) {
            *is_array = 1;
            return x < QCAL_PIXEL_SIDE && y < QCAL_PIXEL_SIDE ? pixel(&k->arrays[a], x, y) : 0;
        }
    *is_array = 0;
    return 0;
}
