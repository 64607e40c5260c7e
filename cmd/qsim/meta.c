/* The metadata of a physical setup's stream: the source, every detector and
 * every tagger in use. */
#include <stdio.h>

#include "qsim.h"

static void meta_detector(qev_meta *m, int ch, const qev_sim_detector *d)
{
    char key[48];
#define DET(name, fmt, value)                                                                      \
    do {                                                                                           \
        snprintf(key, sizeof key, "det_" name ".%d", ch);                                          \
        qev_meta_setf(m, key, fmt, value);                                                         \
    } while (0)
    DET("eff", "%.17g", d->eff);
    DET("dark_hz", "%.17g", d->dark_hz);
    DET("jitter_ps", "%.17g", d->jitter_ps);
    DET("tail_ps", "%.17g", d->tail_ps);
    DET("tail_frac", "%.17g", d->tail_frac);
    DET("dead_ps", "%lld", (long long)d->dead_ps);
    DET("afterpulse", "%.17g", d->ap_prob);
    DET("afterpulse_delay_ps", "%.17g", d->ap_delay_ps);
    DET("afterpulse_width_ps", "%.17g", d->ap_width_ps);
    DET("delay_ps", "%lld", (long long)d->delay_ps);
    DET("tagger", "%d", d->tagger);
#undef DET
}

/* The role of every channel recorded (a pulsed source's sync too), and the
 * detector of each but channel 0. */
static void meta_channels(qev_meta *m, const qev_sim_config *c)
{
    unsigned used = qev_sim_channels(c->setup);
    for (int ch = 0; ch < QEV_SIM_CHANNELS; ch++) {
        if (!(used >> ch & 1) && !(ch == 0 && c->setup == QEV_SIM_SPDC && c->sync))
            continue;
        char key[48];
        snprintf(key, sizeof key, "channel_role.%d", ch);
        qev_meta_set(m, key, qev_sim_channel_role(c->setup, ch));
        if (ch > 0)
            meta_detector(m, ch, &c->det[ch]);
    }
}

/* Tagger 1, and every tagger a detector in use names. */
static void meta_taggers(qev_meta *m, const qev_sim_config *c)
{
    for (int t = 1; t <= QEV_SIM_TAGGERS; t++) {
        int used = t == 1;
        for (int ch = 1; ch < QEV_SIM_CHANNELS; ch++)
            used |= (qev_sim_channels(c->setup) >> ch & 1) && c->det[ch].tagger == t;
        if (!used)
            continue;
        char key[48];
        snprintf(key, sizeof key, "tagger_resolution_ps.%d", t);
        qev_meta_setf(m, key, "%lld", (long long)c->tagger[t].res_ps);
        snprintf(key, sizeof key, "tagger_offset_ps.%d", t);
        qev_meta_setf(m, key, "%lld", (long long)c->tagger[t].offset_ps);
        snprintf(key, sizeof key, "tagger_drift_ppm.%d", t);
        qev_meta_setf(m, key, "%.17g", c->tagger[t].drift_ppm);
    }
}

qev_meta *qsim_physical_meta(const struct phys_opts *o)
{
    qev_meta *m = qev_meta_new();
    if (!m)
        cli_die(NULL, "out of memory");
    char source[32];
    snprintf(source, sizeof source, "qsim %s", o->setup->name);
    qev_meta_set(m, "source", source);
    qev_meta_setf(m, "resolution_ps", "%lld", (long long)qev_sim_common_quantum(&o->c));
    qev_meta_setf(m, "seed", "%llu", (unsigned long long)o->c.seed);
    if (o->c.duration_ps != QEV_SIM_MAX_DURATION_PS)
        qev_meta_setf(m, "duration_ps", "%lld", (long long)o->c.duration_ps);
    o->setup->meta(m, o);
    meta_channels(m, &o->c);
    meta_taggers(m, &o->c);
    return m;
}
