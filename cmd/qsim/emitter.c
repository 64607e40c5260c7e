/* qsim emitter: a two-level single-photon emitter on a splitter. */
#include "qsim.h"

static const char help[] =
    "Usage: qsim emitter [OPTION]...\n"
    "A two-level emitter pumped at a rate: g2(tau) = 1 - exp(-|tau|(r + 1/T1)).\n"
    "\n"
    "      --pump-rate=R       excitation rate r in Hz (default 10M)\n"
    "      --lifetime=T        excited-state lifetime T1 (default 10ns)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n";

static const int options[] = {O_PUMP, O_LIFETIME, O_SPLIT, 0};

static void option(struct phys_opts *o, int c, const char *arg)
{
    switch (c) {
    case O_PUMP: o->c.pump_hz = cli_real("--pump-rate", arg, "Hz", 1, 1e13); break;
    case O_LIFETIME: o->c.lifetime_ps = (int64_t)qsim_time_at_least("--lifetime", arg, 1); break;
    default: qsim_shared_option(o, c, arg);
    }
}

static void meta(qev_meta *m, const struct phys_opts *o)
{
    qev_meta_setf(m, "pump_rate_hz", "%.17g", o->c.pump_hz);
    qev_meta_setf(m, "lifetime_ps", "%lld", (long long)o->c.lifetime_ps);
    qev_meta_setf(m, "split", "%.17g", o->c.split);
}

const struct qsim_setup qsim_emitter = {"emitter", QEV_SIM_EMITTER, help, 1e6, options, option,
                                        NULL, meta};
