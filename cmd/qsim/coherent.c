/* qsim coherent: laser light on a splitter. */
#include "qsim.h"

static const char help[] =
    "Usage: qsim coherent [OPTION]...\n"
    "Laser light (Poisson photons, g2 = 1) on a splitter.\n"
    "\n"
    "  -r, --rate=R            photon rate before the splitter in Hz (default 1M)\n"
    "      --split=P           share sent to channel 1 (default 0.5)\n";

static const int options[] = {'r', O_SPLIT, 0};

static void meta(qev_meta *m, const struct phys_opts *o)
{
    qev_meta_setf(m, "photon_rate_hz", "%.17g", o->c.rate_hz);
    qev_meta_setf(m, "split", "%.17g", o->c.split);
}

const struct qsim_setup qsim_coherent = {"coherent", QEV_SIM_COHERENT, help, 1e6, options,
                                         qsim_shared_option, NULL, meta};
