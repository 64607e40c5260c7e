/* qsim spdc: photon pairs from spontaneous parametric down-conversion. */
#include "qsim.h"

static const char help[] =
    "Usage: qsim spdc [OPTION]...\n"
    "Photon pairs from spontaneous parametric down-conversion: signal on channel 1,\n"
    "idler on channel 2, born together.\n"
    "\n"
    "  -r, --rate=R            mean pair rate in Hz (default 100k)\n"
    "      --rep-rate=F        pulsed pump at F Hz (default: CW)\n"
    "      --pulse-width=T     FWHM of the Gaussian pump pulse (default 0ps)\n"
    "      --pairs=STATS       pairs per pulse: poisson (default) or thermal\n"
    "      --sync              a sync event per pulse on channel 0\n";

static const int options[] = {'r', O_REP, O_PULSE, O_PAIRS, O_SYNC, 0};

static void option(struct phys_opts *o, int c, const char *arg)
{
    qev_sim_config *k = &o->c;
    int thermal;
    switch (c) {
    case O_REP: k->rep_hz = cli_real("--rep-rate", arg, "Hz", 1, 1e11); break;
    case O_PULSE: k->pulse_fwhm_ps = (int64_t)qsim_time_at_least("--pulse-width", arg, 0); break;
    case O_PAIRS:
        qsim_choice("--pairs", arg, "poisson", "thermal", &thermal);
        k->pair_stats = thermal ? QEV_SIM_THERMAL_STATS : QEV_SIM_POISSON;
        break;
    case O_SYNC: k->sync = 1; break;
    default: qsim_shared_option(o, c, arg);
    }
}

static void meta(qev_meta *m, const struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    qev_meta_setf(m, "pair_rate_hz", "%.17g", c->rate_hz);
    if (c->rep_hz > 0) {
        qev_meta_setf(m, "rep_rate_hz", "%.17g", c->rep_hz);
        qev_meta_setf(m, "pulse_fwhm_ps", "%lld", (long long)c->pulse_fwhm_ps);
        qev_meta_set(m, "pair_statistics",
                     c->pair_stats == QEV_SIM_THERMAL_STATS ? "thermal" : "poisson");
    }
}

const struct qsim_setup qsim_spdc = {"spdc", QEV_SIM_SPDC, help, 1e5, options, option, NULL, meta};
