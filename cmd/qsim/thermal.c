/* qsim thermal: chaotic light on a splitter. */
#include "qsim.h"

static const char help[] =
    "Usage: qsim thermal [OPTION]...\n"
    "Chaotic light with g2(tau) = 1 + exp(-2|tau|/tau_c) on a splitter.\n"
    "\n"
    "  -r, --rate=R            photon rate before the splitter in Hz (default 1M)\n"
    "      --coherence-time=T  tau_c (default 1ns)\n"
    "      --model=M           shot (default) or jump; see qsim(1)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n";

static const int options[] = {'r', O_COHERENCE, O_MODEL, O_SPLIT, 0};

static void option(struct phys_opts *o, int c, const char *arg)
{
    int jump;
    switch (c) {
    case O_COHERENCE:
        o->c.coherence_ps = (int64_t)qsim_time_at_least("--coherence-time", arg, 1);
        break;
    case O_MODEL:
        qsim_choice("--model", arg, "shot", "jump", &jump);
        o->c.thermal_model = jump ? QEV_SIM_JUMP : QEV_SIM_SHOT;
        break;
    default: qsim_shared_option(o, c, arg);
    }
}

static void meta(qev_meta *m, const struct phys_opts *o)
{
    qev_meta_setf(m, "coherence_time_ps", "%lld", (long long)o->c.coherence_ps);
    qev_meta_set(m, "thermal_model", o->c.thermal_model == QEV_SIM_JUMP ? "jump" : "shot");
    qev_meta_setf(m, "photon_rate_hz", "%.17g", o->c.rate_hz);
    qev_meta_setf(m, "split", "%.17g", o->c.split);
}

const struct qsim_setup qsim_thermal = {"thermal", QEV_SIM_THERMAL, help, 1e6, options, option,
                                        NULL, meta};
