/* Dead time per channel from its shortest intervals (deadtime.h). */
#include "deadtime.h"
#include "qcal_fit.h"

#include <stdlib.h>

struct channel {
    int64_t first, last;
    uint64_t intervals;
    qcal_smallest small;
};

struct qcal_deadtimes {
    size_t k;
    uint16_t disorder;
    struct channel *ch[65536];
};

qcal_deadtimes *qcal_deadtimes_new(size_t k)
{
    qcal_deadtimes *d = calloc(1, sizeof *d);
    if (d)
        d->k = k;
    return d;
}

static void free_channel(struct channel *c)
{
    if (c)
        qcal_smallest_free(&c->small);
    free(c);
}

void qcal_deadtimes_free(qcal_deadtimes *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < 65536; i++)
        free_channel(d->ch[i]);
    free(d);
}

static int first_photon(qcal_deadtimes *d, uint16_t ch, int64_t t)
{
    struct channel *c = calloc(1, sizeof *c);
    if (!c || qcal_smallest_init(&c->small, 2 * d->k) != QEV_OK) {
        free(c);
        return QEV_ENOMEM;
    }
    c->first = c->last = t;
    d->ch[ch] = c;
    return QEV_OK;
}

static int add_photon(qcal_deadtimes *d, uint16_t ch, int64_t t)
{
    struct channel *c = d->ch[ch];
    if (!c)
        return first_photon(d, ch, t);
    int64_t gap = t - c->last;
    if (gap < 0) {
        d->disorder = ch;
        return QEV_EINVAL;
    }
    c->last = t;
    c->intervals++;
    if (qcal_smallest_wants(&c->small, gap))
        qcal_smallest_add(&c->small, gap);
    return QEV_OK;
}

int qcal_deadtimes_add(qcal_deadtimes *d, const qev_event *ev, size_t n, const qev_filter *f)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == QEV_PHOTON && qev_filter_has_channel(f, ev[i].channel)) {
            int rc = add_photon(d, ev[i].channel, ev[i].t);
            if (rc != QEV_OK)
                return rc;
        }
    return QEV_OK;
}

uint16_t qcal_deadtimes_disorder_channel(const qcal_deadtimes *d) { return d->disorder; }

int qcal_deadtimes_seen(const qcal_deadtimes *d, uint16_t ch) { return d->ch[ch] != NULL; }

int qcal_deadtimes_result(qcal_deadtimes *d, uint16_t ch, int64_t resolution,
                          qcal_deadtime_result *out)
{
    struct channel *c = d->ch[ch];
    if (!c)
        return QEV_END;
    size_t m;
    const int64_t *gaps = qcal_smallest_sorted(&c->small, &m);
    double mean = c->intervals ? (double)(c->last - c->first) / (double)c->intervals : 0;
    out->intervals = c->intervals;
    return qcal_deadtime(gaps, m, d->k, resolution, c->intervals, mean, &out->tau, &out->sigma);
}
