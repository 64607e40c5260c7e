/* Klyshko efficiencies of a pair source (efficiency.h). */
#include "efficiency.h"
#include "corrhist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct qcal_efficiency {
    qcal_efficiency_opts o;
    qev_corr_pair pair;
    qev_correlator *c;
};

qcal_efficiency *qcal_efficiency_new(const qcal_efficiency_opts *o)
{
    qcal_efficiency *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->o = *o;
    e->pair = (qev_corr_pair){o->a, o->b};
    e->c = qev_correlator_new(&e->pair, 1, 1, o->range, QEV_CORR_ALL, INT64_MIN, INT64_MAX);
    if (!e->c) {
        free(e);
        return NULL;
    }
    return e;
}

void qcal_efficiency_free(qcal_efficiency *e)
{
    if (e)
        qev_correlator_free(e->c);
    free(e);
}

int qcal_efficiency_add(qcal_efficiency *e, const qev_event *ev, size_t n)
{
    return n > 0 ? qev_correlator_add(e->c, ev, n) : QEV_OK;
}

uint64_t qcal_efficiency_disorder_at(const qcal_efficiency *e)
{
    return qev_correlator_disorder_at(e->c);
}

int qcal_efficiency_peak(const qcal_efficiency *e, qcal_peak *out)
{
    qcal_peak_opts po = {1, qcal_coarse_bin(e->o.coarse_bin, e->o.range, 1), e->o.k,
                         e->o.resolution};
    return qcal_find_peak_ladder(qev_correlator_counts(e->c, 0), qev_correlator_bins(e->c),
                                 -e->o.range, &po, e->o.min_snr, out);
}

int64_t qcal_efficiency_window(double width) { return 2 * (int64_t)ceil(5 * fmax(width, 1)) + 1; }

static void stats_params(const qcal_efficiency_params *p, int64_t resolution, qev_coinc_stats_params *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->window = p->window;
    sp->delay[0] = (int64_t)llround(p->delay);
    sp->accidental_delay = p->accidental_delay;
    sp->resolution = resolution;
    sp->dark_a_uhz[0] = (int64_t)llround(p->dark[0].rate * 1e6);
    sp->dark_b_uhz[0] = (int64_t)llround(p->dark[1].rate * 1e6);
    sp->use = p->accidentals;
}

int64_t qcal_efficiency_reach(const qcal_efficiency_params *p)
{
    qev_coinc_stats_params sp;
    stats_params(p, 1, &sp);
    return qev_coinc_stats_reach(&sp, 1);
}

static qev_efficiency arm(const qev_pair_stats *st, double heralds, qcal_rate dark)
{
    qev_herald_counts k = {st->coincidences, st->accidentals, st->sigma_accidentals, heralds,
                           dark.rate, dark.sigma, st->duration_s};
    return qev_klyshko(&k);
}

int qcal_efficiency_measure(const qcal_efficiency *e, const qcal_efficiency_params *p,
                            qcal_efficiency_result *out)
{
    qev_coinc_stats_params sp;
    stats_params(p, e->o.resolution, &sp);
    if (qev_coinc_stats_reach(&sp, 1) > e->o.range)
        return QEV_EINVAL;
    qev_partial *h = qev_hist_partial(e->c, &e->pair, 1, 1, e->o.range, QEV_CORR_ALL, p->duration);
    if (!h || qev_coinc_stats_partial(h, &sp, 1) != QEV_OK) {
        qev_partial_free(h);
        return QEV_ENOMEM;
    }
    qev_coinc_stats_compute(h, 0, &out->st);
    qev_partial_free(h);
    double na = (double)qev_correlator_singles(e->c, e->o.a);
    double nb = (double)qev_correlator_singles(e->c, e->o.b);
    out->arm[1] = arm(&out->st, na, p->dark[0]);
    out->arm[0] = arm(&out->st, nb, p->dark[1]);
    return QEV_OK;
}
