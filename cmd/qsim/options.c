/* The options of qsim's physical setups: those they all take, those several
 * take, and the check that a setup takes the rest. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "qsim.h"

static const struct option longopts[] = {
    {"rate", required_argument, NULL, 'r'},
    {"duration", required_argument, NULL, 'd'},
    {"events", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"output", required_argument, NULL, 'o'},
    {"level", required_argument, NULL, 'l'},
    {"text", no_argument, NULL, O_TEXT},
    {"resolution", required_argument, NULL, O_RESOLUTION},
    {"det", required_argument, NULL, O_DET},
    {"tagger", required_argument, NULL, O_TAGGER},
    {"truth", required_argument, NULL, O_TRUTH},
    {"truth-window", required_argument, NULL, O_TRUTH_WINDOW},
    {"rep-rate", required_argument, NULL, O_REP},
    {"pulse-width", required_argument, NULL, O_PULSE},
    {"pairs", required_argument, NULL, O_PAIRS},
    {"sync", no_argument, NULL, O_SYNC},
    {"coherence-time", required_argument, NULL, O_COHERENCE},
    {"model", required_argument, NULL, O_MODEL},
    {"split", required_argument, NULL, O_SPLIT},
    {"pump-rate", required_argument, NULL, O_PUMP},
    {"lifetime", required_argument, NULL, O_LIFETIME},
    {"size", required_argument, NULL, O_SIZE},
    {"object", required_argument, NULL, O_OBJECT},
    {"blur", required_argument, NULL, O_BLUR},
    {"beam", required_argument, NULL, O_BEAM},
    {"pixel-eff-sd", required_argument, NULL, O_PIXEL_EFF_SD},
    {"hot-pixels", required_argument, NULL, O_HOT_PIXELS},
    {"hot-rate", required_argument, NULL, O_HOT_RATE},
    {"crosstalk", required_argument, NULL, O_CROSSTALK},
    {"patterns", required_argument, NULL, O_PATTERNS},
    {"order", required_argument, NULL, O_ORDER},
    {"pattern-seed", required_argument, NULL, O_PATTERN_SEED},
    {"fill", required_argument, NULL, O_FILL},
    {"count", required_argument, NULL, O_COUNT},
    {"sampling", required_argument, NULL, O_SAMPLING},
    {"exposure", required_argument, NULL, O_EXPOSURE},
    {"flux", required_argument, NULL, O_FLUX},
    CLI_COMMON_LONGOPTS,
    {NULL, 0, NULL, 0},
};

/* Every setup knows every option, so that one it does not take is named as such. */
static void check_option_applies(int opt, const struct phys_opts *o)
{
    if (opt != 'r' && opt < O_REP)
        return;
    for (const int *k = o->setup->options; *k; k++)
        if (*k == opt)
            return;
    cli_usage_error("--%s does not apply to the %s setup", cli_option_name(longopts, opt),
                    o->setup->name);
}

double qsim_probability(const char *what, const char *v) { return cli_real(what, v, NULL, 0, 1); }

double qsim_time_at_least(const char *what, const char *v, int64_t min)
{
    int64_t t = cli_time(what, v);
    if (t < min)
        cli_usage_error("%s: '%s' must not be %s", what, v, min == 0 ? "negative" : "so small");
    return (double)t;
}

void qsim_choice(const char *opt, const char *arg, const char *a, const char *b, int *out)
{
    const struct cli_name names[] = {{a, 0}, {b, 1}};
    *out = cli_named(arg, names, 2, -1);
    if (*out < 0)
        cli_usage_error("%s: '%s' is neither %s nor %s", opt, arg, a, b);
}

static void parse_size(struct phys_opts *o, const char *arg)
{
    unsigned long w, h;
    char *end;
    errno = 0;
    w = strtoul(arg, &end, 10);
    h = w;
    if (*end == 'x') {
        const char *p = end + 1;
        h = strtoul(p, &end, 10);
        if (end == p)
            end = (char *)"?";
    }
    if (end == arg || *end || errno || w < 1 || h < 1 || w > 4096 || h > 4096 ||
        (o->c.setup == QEV_SIM_GHOST && w * h > QEV_SIM_MAX_PIXELS))
        cli_usage_error("--size: '%s' is not N or WxH with sides from 1 to 4096", arg);
    o->c.width = (uint32_t)w;
    o->c.height = (uint32_t)h;
    o->has_size = 1;
}

void qsim_shared_option(struct phys_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'r': o->c.rate_hz = cli_real("--rate", arg, "Hz cps /s", 1e-6, 1e11); break;
    case O_SPLIT: o->c.split = qsim_probability("--split", arg); break;
    case O_SIZE: parse_size(o, arg); break;
    case O_OBJECT: o->object = arg; break;
    default: break;
    }
}

static void parse_duration(struct phys_opts *o, const char *arg)
{
    o->c.duration_ps = cli_time("--duration", arg);
    if (o->c.duration_ps < 0 || o->c.duration_ps > QEV_SIM_MAX_DURATION_PS)
        cli_usage_error("--duration: '%s' is out of range (0 to %lld ps)", arg,
                        (long long)QEV_SIM_MAX_DURATION_PS);
    o->has_duration = 1;
}

static void common_option(struct phys_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'd': parse_duration(o, arg); break;
    case 'n': o->events = cli_count("--events", arg); o->has_events = 1; break;
    case 's': o->c.seed = cli_count("--seed", arg); break;
    case 'o': o->output = arg; break;
    case 'l': o->level = (int)cli_int("--level", arg, -7, 22); break;
    case O_TEXT: o->text = 1; break;
    case O_RESOLUTION:
        o->c.tagger[1].res_ps = (int64_t)qsim_time_at_least("--resolution", arg, 1);
        break;
    case O_DET: qsim_parse_det(o, arg); break;
    case O_TAGGER: qsim_parse_tagger(o, arg); break;
    case O_TRUTH: o->truth = arg; break;
    case O_TRUTH_WINDOW:
        o->truth_window = (int64_t)qsim_time_at_least("--truth-window", arg, 1);
        break;
    default: o->setup->option(o, c, arg);
    }
}

void qsim_parse_physical(int argc, char **argv, struct phys_opts *o)
{
    int c;
    while ((c = getopt_long(argc, argv, "r:d:n:s:o:l:hV", longopts, NULL)) != -1) {
        if (c == 'h' || c == 'V' || c == '?' || c == CLI_OPT_NO_PROVENANCE) {
            cli_common_option(c, o->usage);
            continue;
        }
        check_option_applies(c, o);
        common_option(o, c, optarg);
    }
    if (optind < argc)
        cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (o->has_events && !o->has_duration)
        o->c.duration_ps = QEV_SIM_MAX_DURATION_PS;
    if (o->c.setup == QEV_SIM_SPI && o->has_count && o->sampling > 0)
        cli_usage_error("--count and --sampling exclude each other");
}
