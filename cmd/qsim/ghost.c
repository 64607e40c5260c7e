/* qsim ghost: heralded ghost imaging. */
#include "qsim.h"

static const char help[] =
    "Usage: qsim ghost [OPTION]...\n"
    "Heralded ghost imaging: the idler crosses the object to a bucket detector\n"
    "(channel 1); the signal lands on a SPAD array (channel 2, pixel x/y).\n"
    "\n"
    "  -r, --rate=R            pair rate in Hz (default 100k)\n"
    "      --size=WxH          array and object size in pixels (default 32x32)\n"
    "      --object=NAME|FILE  usaf, discs, letters[:TEXT] or a PGM/PFM file (usaf)\n"
    "      --blur=S            sd of the signal pixel around the idler's (0)\n"
    "      --beam=S            Gaussian pump profile sd in pixels (default flat)\n"
    "      --pixel-eff-sd=S    relative sd of the pixel efficiencies (0)\n"
    "      --hot-pixels=N      N pixels with the hot dark rate (0)\n"
    "      --hot-rate=R        dark rate of a hot pixel in Hz (10k)\n"
    "      --crosstalk=P       probability that a click fires a neighbour (0)\n";

static const int options[] = {'r',           O_SIZE,         O_OBJECT,   O_BLUR,
                              O_BEAM,        O_PIXEL_EFF_SD, O_HOT_PIXELS, O_HOT_RATE,
                              O_CROSSTALK,   0};

static void option(struct phys_opts *o, int c, const char *arg)
{
    qev_sim_config *k = &o->c;
    switch (c) {
    case O_BLUR: k->blur_px = cli_real("--blur", arg, "px", 0, 1000); break;
    case O_BEAM: k->beam_px = cli_real("--beam", arg, "px", 0, 1e5); break;
    case O_PIXEL_EFF_SD: k->pixel_eff_sd = cli_real("--pixel-eff-sd", arg, NULL, 0, 10); break;
    case O_HOT_PIXELS:
        k->hot_pixels = (uint32_t)cli_int("--hot-pixels", arg, 0, QEV_SIM_MAX_PIXELS);
        break;
    case O_HOT_RATE: k->hot_hz = cli_real("--hot-rate", arg, "Hz cps /s", 0, 1e12); break;
    case O_CROSSTALK: k->crosstalk = qsim_probability("--crosstalk", arg); break;
    default: qsim_shared_option(o, c, arg);
    }
}

static void prepare(struct phys_opts *o)
{
    qsim_load_object(o);
}

static void meta(qev_meta *m, const struct phys_opts *o)
{
    qev_meta_set(m, "fields", "pixel");
    qev_meta_setf(m, "pair_rate_hz", "%.17g", o->c.rate_hz);
    qev_meta_setf(m, "blur_px", "%.17g", o->c.blur_px);
    qev_meta_setf(m, "beam_px", "%.17g", o->c.beam_px);
    qsim_meta_image(m, o);
}

const struct qsim_setup qsim_ghost = {"ghost", QEV_SIM_GHOST, help, 1e5, options, option,
                                      prepare, meta};
