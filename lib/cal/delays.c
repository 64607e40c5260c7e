/* Delays against a reference in one or two passes (delays.h). */
#include "delays.h"
#include "corr.h"
#include "qcal_shift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct qcal_delays {
    qcal_delays_opts o;
    qev_corr_pair pairs[QCAL_DELAYS_MAX];
    qcal_delay res[QCAL_DELAYS_MAX];
    size_t n;
    int64_t bin, half, fine_half;
    qev_correlator *c;
    qcal_shift *shift;
};

int qcal_delays_channels(const qev_event *ev, size_t n, uint16_t ref, const qev_filter *f,
                         uint16_t out[QCAL_DELAYS_MAX], size_t *nout)
{
    uint8_t seen[65536 / 8];
    size_t k = 0;
    int listed = qev_filter_channels_listed(f);
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < n && !listed; i++)
        if (ev[i].kind == QEV_PHOTON)
            seen[ev[i].channel >> 3] |= (uint8_t)(1u << (ev[i].channel & 7));
    for (size_t ch = 0; ch < 65536; ch++) {
        int want = listed ? qev_filter_has_channel(f, (uint16_t)ch) : seen[ch >> 3] >> (ch & 7) & 1;
        if (!want || ch == ref)
            continue;
        if (k == QCAL_DELAYS_MAX)
            return QEV_EINVAL;
        out[k++] = (uint16_t)ch;
    }
    *nout = k;
    return QEV_OK;
}

void qcal_delays_binning(int64_t range, size_t n, int64_t *bin, int64_t *half)
{
    int64_t bins = (2 * range + 1) * (int64_t)n, budget = QCAL_DELAYS_BIN_BUDGET;
    *bin = bins > budget ? (bins + budget - 1) / budget : 1;
    *half = (range + *bin - 1) / *bin;
}

static qev_correlator *correlator(const qcal_delays *d, int64_t bin, int64_t half)
{
    return qev_correlator_new(d->pairs, d->n, bin, half, QEV_CORR_ALL, INT64_MIN, INT64_MAX);
}

qcal_delays *qcal_delays_new(const qcal_delays_opts *o)
{
    if (o->n < 1 || o->n > QCAL_DELAYS_MAX)
        return NULL;
    qcal_delays *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->o = *o;
    d->n = o->n;
    for (size_t i = 0; i < o->n; i++) {
        d->pairs[i] = (qev_corr_pair){o->ref, o->channels[i]};
        d->res[i].ch = o->channels[i];
    }
    qcal_delays_binning(o->range, o->n, &d->bin, &d->half);
    d->c = correlator(d, d->bin, d->half);
    if (!d->c) {
        free(d);
        return NULL;
    }
    return d;
}

void qcal_delays_free(qcal_delays *d)
{
    if (!d)
        return;
    qev_correlator_free(d->c);
    qcal_shift_free(d->shift);
    free(d);
}

int qcal_delays_add(qcal_delays *d, const qev_event *ev, size_t n)
{
    return n > 0 ? qev_correlator_add(d->c, ev, n) : QEV_OK;
}

uint64_t qcal_delays_disorder_at(const qcal_delays *d)
{
    return d->shift ? qcal_shift_disorder_at(d->shift) : qev_correlator_disorder_at(d->c);
}

static void judge(qcal_delays *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const qcal_peak *p = &d->res[i].pk;
        d->res[i].significant = p->found && p->snr >= d->o.min_snr && !p->at_edge;
    }
}

int qcal_delays_finish(qcal_delays *d)
{
    qcal_peak_opts po = {d->bin, qcal_coarse_bin(d->o.coarse_bin, d->o.range, d->bin), d->o.k,
                         d->o.resolution};
    for (size_t i = 0; i < d->n; i++)
        if (qcal_find_peak_ladder(qev_correlator_counts(d->c, i), qev_correlator_bins(d->c),
                                  -d->half * d->bin, &po, d->o.min_snr, &d->res[i].pk) != QEV_OK)
            return QEV_EINVAL;
    judge(d);
    return QEV_OK;
}

int64_t qcal_delays_bin(const qcal_delays *d) { return d->bin; }

/* The fine pass spans 20 peak widths and 100 ps about each estimate, all
 * pairs within the bin budget. */
int qcal_delays_refine_start(qcal_delays *d)
{
    int64_t wide = 0, budget = QCAL_DELAYS_BIN_BUDGET / (int64_t)d->n;
    for (size_t i = 0; i < d->n; i++) {
        const qcal_peak *p = &d->res[i].pk;
        d->res[i].shift = (int64_t)llround(p->delay);
        int64_t w = (int64_t)ceil(20 * fmax(p->width, p->sigma_delay)) + 100;
        wide = w > wide ? w : wide;
    }
    d->fine_half = wide < budget / 2 ? wide : budget / 2;
    qev_correlator_free(d->c);
    d->c = correlator(d, 1, d->fine_half);
    d->shift = qcal_shift_new();
    for (size_t i = 0; i < d->n && d->shift; i++)
        qcal_shift_set_delay(d->shift, d->res[i].ch, d->res[i].shift);
    return d->c && d->shift ? QEV_OK : QEV_ENOMEM;
}

static int correlate_shifted(qcal_delays *d)
{
    const qev_event *out;
    size_t m = qcal_shift_ready(d->shift, &out);
    return qev_correlator_add(d->c, out, m) == QEV_OK ? QEV_OK : QEV_ECORRUPT;
}

int qcal_delays_refine_add(qcal_delays *d, const qev_event *ev, size_t n)
{
    int rc = qcal_shift_add(d->shift, ev, n);
    return rc != QEV_OK ? rc : correlate_shifted(d);
}

int qcal_delays_refine_finish(qcal_delays *d)
{
    qcal_shift_finish(d->shift);
    int rc = correlate_shifted(d);
    if (rc != QEV_OK)
        return rc;
    int64_t half = d->fine_half;
    qcal_peak_opts po = {1, half / 50 > 1 ? half / 50 : 1, d->o.k, d->o.resolution};
    for (size_t i = 0; i < d->n; i++) {
        qcal_peak coarse = d->res[i].pk, fine;
        qcal_find_peak(qev_correlator_counts(d->c, i), qev_correlator_bins(d->c), -half, &po,
                       &fine);
        fine.delay += (double)d->res[i].shift;
        fine.snr = coarse.snr;
        fine.at_edge = coarse.at_edge;
        fine.coarse_delay = coarse.coarse_delay;
        fine.replicas = coarse.replicas;
        d->res[i].pk = fine;
    }
    judge(d);
    return QEV_OK;
}

const qcal_delay *qcal_delays_result(const qcal_delays *d, size_t *n)
{
    *n = d->n;
    return d->res;
}
