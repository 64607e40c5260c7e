/* qsim spi: single-pixel imaging under a sequence of patterns. */
#include <string.h>

#include "qsim.h"
#include "recon_io.h"

static const char help[] =
    "Usage: qsim spi [OPTION]...\n"
    "Single-pixel imaging: patterns shown in turn, a marker (channel 0, value =\n"
    "measurement index) at the start of each, the bucket's photons on channel 1.\n"
    "\n"
    "      --size=N|WxH        pattern and object size (default 32)\n"
    "      --object=NAME|FILE  usaf, discs, letters[:TEXT] or a PGM/PFM file (usaf)\n"
    "      --patterns=KIND     hadamard (default, split: 2k = P+, 2k+1 = P-),\n"
    "                          random, or a file of patterns (a PGM stack, as\n"
    "                          qrecon patterns writes, or one tall image)\n"
    "      --order=NAME        natural, zigzag, cake, rd, walsh, random (natural)\n"
    "      --pattern-seed=N    seed of random patterns and the random order (1)\n"
    "      --fill=P            share of pixels on in random patterns (0.5)\n"
    "      --count=N           use the first N patterns (default all)\n"
    "      --sampling=P        use the first P x npixels patterns (0 to 1)\n"
    "      --exposure=T        time per measurement (default 1ms)\n"
    "      --flux=R            photons/s on the object, every pixel lit (1M)\n"
    "  The duration defaults to one pass over the measurements.\n";

static const int options[] = {O_SIZE,  O_OBJECT,   O_PATTERNS, O_ORDER, O_PATTERN_SEED, O_FILL,
                              O_COUNT, O_SAMPLING, O_EXPOSURE, O_FLUX,  0};

static void option(struct phys_opts *o, int c, const char *arg)
{
    switch (c) {
    case O_PATTERNS: o->patterns = arg; break;
    case O_ORDER:
        if (qev_order_parse(arg, &o->order) != QEV_OK)
            cli_usage_error("--order: unknown order '%s' (natural, zigzag, cake, rd, walsh, random)",
                            arg);
        break;
    case O_PATTERN_SEED: o->pattern_seed = cli_count("--pattern-seed", arg); break;
    case O_FILL: o->fill = qsim_probability("--fill", arg); break;
    case O_COUNT: o->count = cli_count("--count", arg); o->has_count = 1; break;
    case O_SAMPLING: o->sampling = cli_real("--sampling", arg, NULL, 0, 1); break;
    case O_EXPOSURE: o->c.exposure_ps = (int64_t)qsim_time_at_least("--exposure", arg, 1); break;
    case O_FLUX: o->c.flux_hz = cli_real("--flux", arg, "Hz cps /s", 0, 1e11); break;
    default: qsim_shared_option(o, c, arg);
    }
}

/* Patterns from a file as qrecon reads and writes them: a stack of PGM frames, one
 * image holding the frames top to bottom, or raw bytes. */
static void patterns_from_file(struct phys_opts *o)
{
    size_t w = o->c.width, h = o->c.height, frames;
    char why[256];
    int rc = qev_patterns_read(o->patterns, &w, &h, &o->pattern_pixels, &frames,
                               (size_t)1 << 31, why, sizeof why);
    if (rc != QEV_OK)
        cli_die(o->patterns, "%s", why);
    o->file_patterns = frames;
}

static enum qev_spi_kind pattern_kind(struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    if (strcmp(o->patterns, "hadamard") == 0) {
        if (c->width != c->height || !qev_hadamard_size_valid(c->width))
            cli_usage_error("--size: Hadamard patterns need a square power of two, not %ux%u",
                            c->width, c->height);
        return QEV_SPI_HADAMARD;
    }
    if (strcmp(o->patterns, "random") == 0)
        return QEV_SPI_RANDOM;
    patterns_from_file(o);
    return QEV_SPI_FILE;
}

static void prepare(struct phys_opts *o)
{
    qev_sim_config *c = &o->c;
    if (!o->has_size)
        c->width = c->height = 32;
    qsim_load_object(o);
    enum qev_spi_kind kind = pattern_kind(o);
    uint64_t k;
    if (qev_spi_pattern_count(kind, (uint64_t)c->width * c->height, o->file_patterns,
                              o->has_count ? &o->count : NULL, o->sampling, &k) != QEV_OK)
        cli_usage_error("--count/--sampling: %llu patterns of %llu", (unsigned long long)k,
                        (unsigned long long)c->width * c->height);
    int rc = qev_spi_init(&o->spi, kind, c->width, c->height, o->object_pixels, k, (int)o->order,
                          o->pattern_seed, o->fill, o->pattern_pixels);
    if (rc == QEV_ENOMEM)
        cli_die(NULL, "out of memory");
    if (rc != QEV_OK)
        cli_usage_error("invalid patterns for a %ux%u object", c->width, c->height);
    c->measurements = o->spi.measurements;
    c->level = qev_spi_level;
    c->level_ctx = &o->spi;
    if (!o->has_duration && !o->has_events &&
        qev_spi_duration(c->measurements, c->exposure_ps, &c->duration_ps) != QEV_OK)
        cli_usage_error("the measurements last longer than the largest duration");
}

static void meta(qev_meta *m, const struct phys_opts *o)
{
    const qev_sim_config *c = &o->c;
    qev_meta_set(m, "fields", "value");
    qev_meta_set(m, "patterns", o->patterns);
    if (strcmp(o->patterns, "hadamard") == 0) {
        qev_meta_set(m, "pattern_order", qev_order_name(o->order));
        qev_meta_set(m, "pattern_split", "2k positive, 2k+1 negative");
    } else {
        qev_meta_setf(m, "pattern_fill", "%.17g", o->fill);
    }
    qev_meta_setf(m, "pattern_seed", "%llu", (unsigned long long)o->pattern_seed);
    qev_meta_setf(m, "pattern_count", "%llu", (unsigned long long)o->spi.patterns);
    qev_meta_setf(m, "measurements", "%llu", (unsigned long long)c->measurements);
    qev_meta_setf(m, "exposure_ps", "%lld", (long long)c->exposure_ps);
    qev_meta_setf(m, "flux_hz", "%.17g", c->flux_hz);
    qsim_meta_image(m, o);
}

const struct qsim_setup qsim_spi = {"spi", QEV_SIM_SPI, help, 1e6, options, option, prepare, meta};
